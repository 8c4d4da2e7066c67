//! Filesystem functions. Relative paths resolve against [`FuncContext::base_dir`].

use std::collections::BTreeSet;
use std::path::Path;

use base64::Engine as _;

use super::util::str_at;
use super::{param, FuncContext, FuncError, FuncResult, Function, Marks, ParamType};
use crate::lang::value::Value;

const fn plain(
    name: &'static str,
    params: &'static [super::Param],
    returns: ParamType,
    body: super::FuncBody,
) -> Function {
    Function {
        name,
        params,
        variadic: None,
        returns,
        marks: Marks::Plain,
        body,
    }
}

const PATH: &[super::Param] = &[param("path", ParamType::String)];

pub(super) const FUNCTIONS: &[Function] = &[
    plain("abspath", PATH, ParamType::String, abspath),
    plain("dirname", PATH, ParamType::String, dirname),
    plain("basename", PATH, ParamType::String, basename),
    plain("pathexpand", PATH, ParamType::String, pathexpand),
    plain("file", PATH, ParamType::String, file),
    plain("filebase64", PATH, ParamType::String, filebase64),
    plain("fileexists", PATH, ParamType::Bool, fileexists),
    plain(
        "fileset",
        &[
            param("path", ParamType::String),
            param("pattern", ParamType::String),
        ],
        ParamType::SetOfString,
        fileset,
    ),
];

/// Go's `path.Clean` for slash-separated paths.
pub(super) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Join`: joins the non-empty elements and cleans the result.
fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean(b),
        (false, true) => clean(a),
        (false, false) => clean(&format!("{a}/{b}")),
    }
}

fn to_slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn is_abs(p: &str) -> bool {
    Path::new(p).is_absolute() || p.starts_with('/')
}

/// The context's base directory as an absolute, slash-separated path.
fn base_dir(ctx: &FuncContext) -> Result<String, FuncError> {
    let base = to_slash(&ctx.base_dir);
    if is_abs(&base) {
        return Ok(clean(&base));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| FuncError::new(format!("cannot determine the working directory: {e}")))?;
    Ok(join(&to_slash(&cwd), &base))
}

/// Expands a leading `~` to the home directory, as Terraform's `pathexpand` does.
fn expand_home(path: &str) -> Result<String, String> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.to_string());
    };
    if !rest.is_empty() && !rest.starts_with('/') && !rest.starts_with('\\') {
        return Err("cannot expand user-specific home dir".into());
    }
    let home = std::env::var("HOME")
        .ok()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| "the HOME environment variable is not set".to_string())?;
    Ok(join(&home, rest))
}

/// Resolves a path argument: `~` expanded, relative paths joined to the base directory, cleaned.
fn resolve(ctx: &FuncContext, path: &str) -> Result<String, FuncError> {
    let expanded =
        expand_home(path).map_err(|e| FuncError::arg(0, format!("failed to expand ~: {e}")))?;
    if is_abs(&expanded) {
        Ok(clean(&expanded))
    } else {
        Ok(join(&base_dir(ctx)?, &expanded))
    }
}

fn abspath(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    let path = str_at(&args, 0);
    let abs = if is_abs(path) {
        clean(path)
    } else {
        join(&base_dir(ctx)?, path)
    };
    Ok(Value::String(abs))
}

fn dirname(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let path = str_at(&args, 0);
    let dir = match path.rfind('/') {
        Some(i) => clean(&path[..=i]),
        None => ".".into(),
    };
    Ok(Value::String(dir))
}

fn basename(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let path = str_at(&args, 0);
    if path.is_empty() {
        return Ok(Value::string("."));
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(Value::string("/"));
    }
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    Ok(Value::string(base))
}

fn pathexpand(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    expand_home(str_at(&args, 0))
        .map(Value::String)
        .map_err(|e| FuncError::arg(0, e))
}

/// Reads a file argument's bytes, with Terraform's error messages.
pub(super) fn read_bytes(ctx: &FuncContext, path: &str) -> Result<(String, Vec<u8>), FuncError> {
    let resolved = resolve(ctx, path)?;
    match std::fs::read(&resolved) {
        Ok(bytes) => Ok((resolved, bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FuncError::arg(
            0,
            format!(
                "no file exists at \"{resolved}\"; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource"
            ),
        )),
        Err(_) if Path::new(&resolved).is_dir() => Err(FuncError::arg(
            0,
            format!("failed to read \"{resolved}\": it is a directory, not a file"),
        )),
        Err(e) => Err(FuncError::arg(
            0,
            format!("failed to read \"{resolved}\": {e}"),
        )),
    }
}

fn file(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    let (resolved, bytes) = read_bytes(ctx, str_at(&args, 0))?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| {
        FuncError::arg(
            0,
            format!(
                "contents of \"{resolved}\" are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead"
            ),
        )
    })
}

fn filebase64(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    let (_, bytes) = read_bytes(ctx, str_at(&args, 0))?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

fn fileexists(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    let resolved = resolve(ctx, str_at(&args, 0))?;
    let meta = match std::fs::metadata(&resolved) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Value::Bool(false)),
        Err(e) => {
            return Err(FuncError::arg(
                0,
                format!("failed to stat \"{resolved}\": {e}"),
            ))
        }
    };
    if meta.is_file() {
        return Ok(Value::Bool(true));
    }
    let what = if meta.is_dir() {
        "is a directory, not a file"
    } else {
        "is not a regular file"
    };
    Err(FuncError::arg(0, format!("\"{resolved}\" {what}")))
}

/// The path from `base` to `target` (both clean, slash-separated).
fn relative(base: &str, target: &str) -> String {
    let split = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_owned)
            .collect()
    };
    let (b, t) = (split(base), split(target));
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(t[common..].iter().cloned());
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

fn fileset(ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    let path = str_at(&args, 0);
    let base = if is_abs(path) {
        clean(path)
    } else {
        join(&base_dir(ctx)?, path)
    };
    let full = join(&base, str_at(&args, 1));
    let glob = globset::GlobBuilder::new(&full)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| FuncError::arg(1, format!("failed to glob pattern {full}: {e}")))?
        .compile_matcher();
    // Walk from the longest literal directory prefix of the pattern.
    let components: Vec<&str> = full.split('/').collect();
    let literal = components
        .iter()
        .take_while(|c| !c.contains(['*', '?', '[', '{', '\\']))
        .count();
    let root_parts = &components[..literal.min(components.len().saturating_sub(1))];
    let root = if root_parts.is_empty() {
        if full.starts_with('/') {
            "/".to_string()
        } else {
            ".".to_string()
        }
    } else if root_parts == [""] {
        "/".to_string()
    } else {
        root_parts.join("/")
    };
    let rest = &components[root_parts.len()..];
    let mut walker = walkdir::WalkDir::new(&root).follow_links(true);
    if !rest.iter().any(|c| c.contains("**")) {
        walker = walker.max_depth(rest.len());
    }
    let mut found = BTreeSet::new();
    for entry in walker.into_iter().filter_map(Result::ok) {
        let candidate = to_slash(entry.path());
        let candidate = if root == "." {
            clean(&candidate)
        } else {
            candidate
        };
        if !glob.is_match(&candidate) {
            continue;
        }
        if std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            found.insert(relative(&base, &candidate));
        }
    }
    Ok(Value::Set(found.into_iter().map(Value::String).collect()))
}
