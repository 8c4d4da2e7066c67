//! Helpers shared by the test modules.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use plat::lang::diagnostics::{render_text, Diagnostic, Diagnostics};
use plat::lang::eval::{Evaluator, Resolver};
use plat::lang::functions::FuncContext;
use plat::lang::reference::Reference;
use plat::lang::source::{FileId, Span};
use plat::lang::types::Type;
use plat::lang::value::Value;
use plat::stack::{analyse, AnalysisRequest};

/// The repository root (tests run with it as the working directory).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = repo_root().join("tests/fixtures").join(kind);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Validates a stack directory the way `plat validate` does; returns the rendered diagnostics.
pub fn validate(dir: &Path) -> (Diagnostics, String) {
    let relative = dir.strip_prefix(repo_root()).unwrap_or(dir);
    let mut request = AnalysisRequest::new(relative);
    request.vars.environment = false;
    let analysis = analyse(&request);
    let text = render_text(&analysis.sources, &analysis.diagnostics, false);
    (analysis.diagnostics, text)
}

/// A resolver with fixed variables, for evaluator tests. With `borrowing`, it also lends stored
/// values (the evaluator's copy-free path); without, every reference is resolved by copy.
pub struct Vars(pub HashMap<String, Value>, pub bool);

impl Resolver for Vars {
    fn lookup(&self, reference: &Reference) -> Option<&Value> {
        match reference {
            Reference::Var(name) if self.1 => self.0.get(name),
            _ => None,
        }
    }

    fn resolve(&self, reference: &Reference, span: Span) -> Result<Value, Box<Diagnostic>> {
        match reference {
            Reference::Var(name) => self.0.get(name).cloned().ok_or_else(|| {
                Box::new(
                    Diagnostic::error("plat::lang::undefined_reference", format!("no var.{name}"))
                        .at(span),
                )
            }),
            Reference::Env => Ok(Value::string("test")),
            other => Err(Box::new(
                Diagnostic::error(
                    "plat::lang::undefined_reference",
                    format!("{} is not available", other.display()),
                )
                .at(span),
            )),
        }
    }
}

/// The variables every evaluator test can use.
pub fn test_vars() -> Vars {
    test_vars_borrowing(true)
}

pub fn test_vars_borrowing(borrowing: bool) -> Vars {
    let mut vars = HashMap::new();
    vars.insert("name".into(), Value::string("plat"));
    vars.insert("n".into(), Value::Number(3.0));
    vars.insert(
        "list".into(),
        Value::Tuple(vec![
            Value::string("a"),
            Value::string("b"),
            Value::string("c"),
        ]),
    );
    vars.insert(
        "obj".into(),
        Value::Object(
            [
                ("a".to_string(), Value::Number(1.0)),
                ("b".to_string(), Value::Number(2.0)),
            ]
            .into(),
        ),
    );
    vars.insert("secret".into(), Value::string("hunter2").sensitive());
    vars.insert("unknown".into(), Value::Unknown(Type::String));
    vars.insert(
        "unknown_list".into(),
        Value::Unknown(Type::list(Type::String)),
    );
    vars.insert(
        "partial".into(),
        Value::Tuple(vec![Value::string("x"), Value::Unknown(Type::String)]),
    );
    vars.insert("flag".into(), Value::Bool(true));
    vars.insert("nothing".into(), Value::Null);
    vars.insert(
        "subnets".into(),
        Value::Tuple(
            (0..3)
                .map(|i| {
                    Value::Object(
                        [
                            ("id".to_string(), Value::string(format!("subnet-{i}"))),
                            (
                                "tags".to_string(),
                                Value::Object(
                                    [("az".to_string(), Value::string(format!("az{i}")))].into(),
                                ),
                            ),
                        ]
                        .into(),
                    )
                })
                .collect(),
        ),
    );
    Vars(vars, borrowing)
}

/// Evaluates one expression with the test variables; returns the value shown with its marks
/// (`sensitive(...)`, `unknown(type)`), or `error: message`.
///
/// Both resolution paths (borrowed and copied) must agree; a difference panics.
pub fn eval_marked(source: &str) -> String {
    let expr = match plat::lang::ast::parse_expr(source) {
        Ok(e) => e,
        Err(e) => return format!("syntax error: {}", e.message()),
    };
    let ctx = FuncContext::new(repo_root().join("tests/fixtures/files"));
    let results: Vec<String> = [true, false]
        .into_iter()
        .map(|borrowing| {
            let vars = test_vars_borrowing(borrowing);
            let mut evaluator = Evaluator::new(&vars, &ctx);
            match evaluator.eval_in(FileId(0), &expr) {
                Ok(v) => show(&v),
                Err(d) => format!("error: {}", d.message),
            }
        })
        .collect();
    assert_eq!(
        results[0], results[1],
        "borrowed and copied evaluation differ for {source}"
    );
    results[0].clone()
}

/// A compact rendering that shows marks instead of masking them (tests only).
pub fn show(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => plat::lang::value::format_number(*n),
        Value::String(s) => format!("{s:?}"),
        Value::Unknown(t) => format!("unknown({t})"),
        Value::Sensitive(inner) => format!("sensitive({})", show(inner)),
        Value::List(items) => format!(
            "list[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Value::Tuple(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Value::Set(items) => format!(
            "set[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(e) => format!(
            "map{{{}}}",
            e.iter()
                .map(|(k, v)| format!("{k} = {}", show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(e) => format!(
            "{{{}}}",
            e.iter()
                .map(|(k, v)| format!("{k} = {}", show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Runs the plat binary built for these tests.
pub fn plat() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_plat"));
    cmd.current_dir(repo_root());
    cmd.env("NO_COLOR", "1");
    cmd
}

/// A fresh scratch directory under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}
