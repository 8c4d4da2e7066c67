//! Loading: reads a stack directory's `*.hcl` files, parses them (in parallel), and decodes the
//! blocks into the [`Config`] model. Called modules are loaded the same way, each directory once.
//! Every structural mistake becomes a diagnostic; loading continues so that all are reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::lang::ast::{self, BlockLabel, Expression, Structure};
use rayon::prelude::*;

use crate::lang::config::*;
use crate::lang::diagnostics::{suggest, Diagnostic, Diagnostics};
use crate::lang::source::{FileId, SourceMap, Span};
use crate::lang::type_expr::parse_type;

/// Diagnostic codes produced while loading.
pub mod codes {
    pub const IO: &str = "plat::lang::io";
    pub const SYNTAX: &str = "plat::lang::syntax";
    pub const UNSUPPORTED_BLOCK: &str = "plat::lang::unsupported_block";
    pub const UNSUPPORTED_ARGUMENT: &str = "plat::lang::unsupported_argument";
    pub const BLOCK_LABELS: &str = "plat::lang::block_labels";
    pub const DUPLICATE: &str = "plat::lang::duplicate_declaration";
    pub const MISSING_ARGUMENT: &str = "plat::lang::missing_argument";
    pub const INVALID_TYPE: &str = "plat::lang::invalid_type_constraint";
    pub const COUNT_AND_FOR_EACH: &str = "plat::lang::count_and_for_each";
    pub const MODULE_SOURCE: &str = "plat::lang::module_source";
    pub const EXPECTED_LITERAL: &str = "plat::lang::expected_literal";
    pub const REQUIRED_VERSION: &str = "plat::lang::required_version";
    pub const NO_FILES: &str = "plat::lang::no_stack_files";
    pub const RESERVED_NAME: &str = "plat::lang::reserved_name";
}

/// The file extension of stack files.
pub const STACK_EXTENSION: &str = "hcl";

/// Loads the stack in `dir` and every module it calls.
pub fn load_stack(dir: &Path, sources: &mut SourceMap) -> (Config, Diagnostics) {
    let mut loader = Loader {
        sources,
        diagnostics: Diagnostics::new(),
        config: Config::default(),
        by_dir: HashMap::new(),
    };
    let root_dir = dir.to_path_buf();
    let files = loader.stack_files(&root_dir, None);
    if files.as_ref().is_some_and(|f| f.is_empty()) {
        loader.diagnostics.push(
            Diagnostic::error(
                codes::NO_FILES,
                format!("no *.{STACK_EXTENSION} files in {}", root_dir.display()),
            )
            .help("run plat in a stack directory, or pass its path: plat validate stacks/NAME"),
        );
    }
    loader.load_module(root_dir, files.unwrap_or_default());
    (loader.config, loader.diagnostics)
}

struct Loader<'s> {
    sources: &'s mut SourceMap,
    diagnostics: Diagnostics,
    config: Config,
    /// Canonical directory → loaded module, so that each directory is parsed once.
    by_dir: HashMap<PathBuf, ModuleId>,
}

impl Loader<'_> {
    /// The sorted `*.hcl` files of a directory; `None` (with a diagnostic) when it can't be read.
    fn stack_files(&mut self, dir: &Path, at: Option<Span>) -> Option<Vec<PathBuf>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::IO,
                        format!("cannot read directory {}: {e}", dir.display()),
                    )
                    .at_opt(at)
                    .help("check that the path exists and is a directory"),
                );
                return None;
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.is_file() && p.extension().and_then(|e| e.to_str()) == Some(STACK_EXTENSION)
            })
            .collect();
        files.sort();
        Some(files)
    }

    /// Loads one module directory (and, breadth-first, the modules it calls).
    fn load_module(&mut self, dir: PathBuf, files: Vec<PathBuf>) -> ModuleId {
        let id = ModuleId(self.config.modules.len());
        if let Ok(canonical) = dir.canonicalize() {
            self.by_dir.insert(canonical, id);
        }
        self.config.modules.push(Module {
            dir: dir.clone(),
            ..Module::default()
        });

        // Read and parse every file in parallel; register them in order afterwards.
        let parsed: Vec<ParsedFile> = files
            .into_par_iter()
            .map(|path| match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let text: Arc<str> = Arc::from(text);
                    let outcome = parse_file(&text);
                    (path, Ok(text), Some(outcome))
                }
                Err(e) => (path, Err(e), None),
            })
            .collect();

        let mut module = Module {
            dir: dir.clone(),
            ..Module::default()
        };
        for (path, text, outcome) in parsed {
            let text = match text {
                Ok(text) => text,
                Err(e) => {
                    self.diagnostics.push(Diagnostic::error(
                        codes::IO,
                        format!("cannot read {}: {e}", path.display()),
                    ));
                    continue;
                }
            };
            match outcome {
                Some(Parsed::Whole(Ok(body))) => {
                    let file = self.sources.add(&path, text);
                    module.files.push(file);
                    let mut decoder = Decoder {
                        file,
                        diagnostics: &mut self.diagnostics,
                    };
                    decoder.decode_file(body, &mut module);
                }
                Some(Parsed::Whole(Err(err))) => {
                    let file = self.sources.add(&path, text.clone());
                    module.files.push(file);
                    self.diagnostics.push(syntax_error(file, &text, &err))
                }
                Some(Parsed::Chunks(chunks)) => {
                    // Each chunk is registered as a view of the file, so positions still read
                    // as lines of the whole file.
                    for (range, lines_before, body) in chunks {
                        let chunk: Arc<str> = Arc::from(&text[range]);
                        let file = self.sources.add_view(&path, chunk, lines_before);
                        module.files.push(file);
                        let mut decoder = Decoder {
                            file,
                            diagnostics: &mut self.diagnostics,
                        };
                        decoder.decode_file(body, &mut module);
                    }
                }
                None => {}
            }
        }

        // Load called modules.
        let calls: Vec<(String, String, Span)> = module
            .module_calls
            .values()
            .map(|c| (c.name.clone(), c.source.clone(), c.source_span.clone()))
            .collect();
        self.config.modules[id.0] = module;
        for (name, source, span) in calls {
            let child = self.resolve_call(&dir, &source, span);
            if let Some(call) = self.config.modules[id.0].module_calls.get_mut(&name) {
                call.module = child;
            }
        }
        id
    }

    fn resolve_call(&mut self, parent_dir: &Path, source: &str, span: Span) -> Option<ModuleId> {
        if !(source.starts_with("./") || source.starts_with("../")) {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::MODULE_SOURCE,
                    format!("module source \"{source}\" is not a local path"),
                )
                .at(span)
                .label("only local paths are supported")
                .help("write a path relative to this directory, starting with ./ or ../ (registry and git sources are not supported)"),
            );
            return None;
        }
        let dir = crate::lang::source::normalize_path(&parent_dir.join(source));
        let canonical = match dir.canonicalize() {
            Ok(c) => c,
            Err(_) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::MODULE_SOURCE,
                        format!("module directory {} does not exist", dir.display()),
                    )
                    .at(span)
                    .help("check the path; it is relative to the directory of the calling file"),
                );
                return None;
            }
        };
        if let Some(id) = self.by_dir.get(&canonical) {
            return Some(*id);
        }
        let files = self.stack_files(&dir, Some(span.clone()))?;
        if files.is_empty() {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::MODULE_SOURCE,
                    format!(
                        "module directory {} has no *.{STACK_EXTENSION} files",
                        dir.display()
                    ),
                )
                .at(span),
            );
        }
        Some(self.load_module(dir, files))
    }
}

/// A file's path, its text (or why it could not be read), and its parse.
type ParsedFile = (PathBuf, Result<Arc<str>, std::io::Error>, Option<Parsed>);

/// A parsed file: whole, or (when large) in chunks of whole top-level blocks parsed in parallel.
enum Parsed {
    Whole(Result<ast::Body, ast::ParseError>),
    /// (byte range in the file, number of lines before the chunk, its parse).
    Chunks(Vec<(std::ops::Range<usize>, usize, ast::Body)>),
}

/// Files larger than this are parsed in chunks, in parallel.
const CHUNK_THRESHOLD: usize = 128 * 1024;

/// Parses a file. A large file is cut before top-level blocks (lines starting with `resource`,
/// `module`, ... in column 0) and the pieces parsed in parallel; if any piece fails (say, the
/// cut fell inside a heredoc, or the file has a syntax error), the whole file is parsed as one so
/// that results and messages are exactly those of a single parse.
fn parse_file(text: &str) -> Parsed {
    if text.len() > CHUNK_THRESHOLD {
        let cuts = chunk_boundaries(text, rayon::current_num_threads() * 32);
        if cuts.len() > 2 {
            let ranges: Vec<std::ops::Range<usize>> = cuts.windows(2).map(|w| w[0]..w[1]).collect();
            let parsed: Result<Vec<ast::Body>, _> = ranges
                .par_iter()
                .map(|r| ast::parse_body(&text[r.clone()]))
                .collect();
            if let Ok(bodies) = parsed {
                let mut lines_before = 0;
                let mut counted_to = 0;
                let chunks = ranges
                    .into_iter()
                    .zip(bodies)
                    .map(|(range, body)| {
                        lines_before += text[counted_to..range.start].matches('\n').count();
                        counted_to = range.start;
                        (range, lines_before, body)
                    })
                    .collect();
                return Parsed::Chunks(chunks);
            }
        }
    }
    Parsed::Whole(ast::parse_body(text))
}

/// Byte offsets that cut `text` into about `pieces` chunks at the starts of top-level blocks,
/// including 0 and the end.
fn chunk_boundaries(text: &str, pieces: usize) -> Vec<usize> {
    const STARTS: &[&str] = &[
        "resource ",
        "data ",
        "module ",
        "variable ",
        "output ",
        "locals ",
        "locals{",
        "provider ",
    ];
    let target = (text.len() / pieces.max(1)).max(16 * 1024);
    let mut cuts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let last = cuts.last().copied().unwrap_or(0);
        if start - last >= target && STARTS.iter().any(|k| line.starts_with(k)) {
            cuts.push(start);
        }
    }
    cuts.push(text.len());
    cuts
}

fn syntax_error(file: FileId, text: &str, err: &ast::ParseError) -> Diagnostic {
    let offset = err.location().offset();
    // One character, unless the parser stopped at a line end (then a caret of width zero).
    let width = text[offset.min(text.len())..]
        .chars()
        .next()
        .filter(|c| *c != '\n')
        .map_or(0, char::len_utf8);
    let parser_span = Span::new(file, offset..offset + width);
    // Point at the likely cause when it is elsewhere (an unclosed string or block), and keep the
    // parser's position as a note.
    match crate::lang::syntax_hint::find(text) {
        Some(hint) if hint.range.start != offset => {
            Diagnostic::error(codes::SYNTAX, format!("syntax error: {}", hint.message))
                .at(Span::new(file, hint.range))
                .label(hint.label)
                .note(
                    parser_span,
                    format!("the parser stopped here: {}", err.message()),
                )
                .help("close the string or bracket; every block's `{` needs a `}` on a later line")
        }
        _ => Diagnostic::error(codes::SYNTAX, format!("syntax error: {}", err.message()))
            .at(parser_span)
            .label("here")
            .help("check for a missing or extra bracket, quote, `=` or comma"),
    }
}

/// Decodes the top-level blocks of one file into a module.
struct Decoder<'d> {
    file: FileId,
    diagnostics: &'d mut Diagnostics,
}

const TOP_LEVEL_BLOCKS: &[&str] = &[
    "plat", "provider", "variable", "locals", "resource", "data", "module", "output",
];

impl Decoder<'_> {
    fn span(&self, range: Option<std::ops::Range<usize>>) -> Span {
        span_of(self.file, range)
    }

    fn header_span(&self, block: &ast::Block) -> Span {
        let start = block.ident.span().map(|r| r.start).unwrap_or(0);
        let end = block
            .labels
            .last()
            .and_then(|l| l.span())
            .or_else(|| block.ident.span())
            .map(|r| r.end)
            .unwrap_or(start);
        Span::new(self.file, start..end)
    }

    fn decode_file(&mut self, body: ast::Body, module: &mut Module) {
        for structure in body.into_iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let span = self.span(attr.key.span());
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::UNSUPPORTED_ARGUMENT,
                            format!("unexpected argument \"{}\" at the top level", attr.key.as_str()),
                        )
                        .at(span)
                        .help("top-level arguments belong in a block; put shared values in a locals block"),
                    );
                }
                Structure::Block(block) => self.decode_top_block(block, module),
            }
        }
    }

    fn decode_top_block(&mut self, block: ast::Block, module: &mut Module) {
        let kind = block.ident.as_str().to_string();
        match kind.as_str() {
            "plat" | "terraform" => self.decode_settings(block, module),
            "provider" => self.decode_provider(block, module),
            "variable" => self.decode_variable(block, module),
            "locals" => self.decode_locals(block, module),
            "resource" => self.decode_resource(block, ResourceMode::Managed, module),
            "data" => self.decode_resource(block, ResourceMode::Data, module),
            "module" => self.decode_module_call(block, module),
            "output" => self.decode_output(block, module),
            other => {
                let span = self.header_span(&block);
                let mut d = Diagnostic::error(
                    codes::UNSUPPORTED_BLOCK,
                    format!("unsupported block type \"{other}\""),
                )
                .at(span)
                .label("not a stack block");
                d = match suggest(other, TOP_LEVEL_BLOCKS.iter().copied()) {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None => d.help(format!(
                        "a stack file contains these blocks: {}",
                        TOP_LEVEL_BLOCKS.join(", ")
                    )),
                };
                self.diagnostics.push(d);
            }
        }
    }

    /// Checks the label count; returns the labels when it is right.
    fn labels(&mut self, block: &ast::Block, names: &[&str]) -> Option<Vec<String>> {
        let labels: Vec<String> = block
            .labels
            .iter()
            .map(|l| label_str(l).to_string())
            .collect();
        if labels.len() == names.len() {
            return Some(labels);
        }
        let kind = block.ident.as_str();
        let expected = names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(" ");
        self.diagnostics.push(
            Diagnostic::error(
                codes::BLOCK_LABELS,
                format!(
                    "a {kind} block needs {} label{}, found {}",
                    names.len(),
                    if names.len() == 1 { "" } else { "s" },
                    labels.len()
                ),
            )
            .at(self.header_span(block))
            .help(format!("write it as: {kind} {expected} {{ ... }}")),
        );
        None
    }

    fn decode_body(&mut self, body: ast::Body) -> Body {
        let mut out = Body::default();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for structure in body.into_iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let name = attr.key.as_str().to_string();
                    let name_span = self.span(attr.key.span());
                    if let Some(first) = seen.get(&name) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                format!("argument \"{name}\" is set more than once"),
                            )
                            .at(name_span.clone())
                            .note(first.clone(), "first set here")
                            .help("remove one of them"),
                        );
                        continue;
                    }
                    seen.insert(name.clone(), name_span.clone());
                    out.attributes.push(Attribute {
                        name,
                        name_span,
                        expr: Expr::new(self.file, attr.value),
                    });
                }
                Structure::Block(block) => {
                    let span = self.header_span(&block);
                    out.blocks.push(Block {
                        kind: block.ident.as_str().to_string(),
                        labels: block
                            .labels
                            .iter()
                            .map(|l| label_str(l).to_string())
                            .collect(),
                        span,
                        body: self.decode_body(block.body),
                    });
                }
            }
        }
        out
    }

    fn unsupported_argument(&mut self, attr: &Attribute, block_kind: &str, allowed: &[&str]) {
        let mut d = Diagnostic::error(
            codes::UNSUPPORTED_ARGUMENT,
            format!(
                "unsupported argument \"{}\" in a {block_kind} block",
                attr.name
            ),
        )
        .at(attr.name_span.clone());
        d = match suggest(&attr.name, allowed.iter().copied()) {
            Some(s) => d.help(format!("did you mean \"{s}\"?")),
            None => d.help(format!(
                "a {block_kind} block accepts: {}",
                allowed.join(", ")
            )),
        };
        self.diagnostics.push(d);
    }

    fn unsupported_block(&mut self, block: &Block, parent: &str, allowed: &[&str]) {
        let mut d = Diagnostic::error(
            codes::UNSUPPORTED_BLOCK,
            format!("unsupported block \"{}\" in a {parent} block", block.kind),
        )
        .at(block.span.clone());
        d = match suggest(&block.kind, allowed.iter().copied()) {
            Some(s) => d.help(format!("did you mean \"{s}\"?")),
            None if allowed.is_empty() => d.help(format!("a {parent} block has no nested blocks")),
            None => d.help(format!("a {parent} block accepts: {}", allowed.join(", "))),
        };
        self.diagnostics.push(d);
    }

    /// A literal string argument (`description`, `source`, ...).
    fn literal_string(&mut self, attr: &Attribute) -> Option<String> {
        match attr.expr.expr.as_ref() {
            Expression::String(s) => Some(s.as_str().to_string()),
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::EXPECTED_LITERAL,
                        format!("\"{}\" must be a literal string", attr.name),
                    )
                    .at(attr.expr.span())
                    .help(
                        "references and functions are not allowed here; write the value in quotes",
                    ),
                );
                None
            }
        }
    }

    fn literal_bool(&mut self, attr: &Attribute) -> Option<bool> {
        match attr.expr.expr.as_ref() {
            Expression::Bool(b) => Some(**b),
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::EXPECTED_LITERAL,
                        format!("\"{}\" must be true or false", attr.name),
                    )
                    .at(attr.expr.span())
                    .help("references are not allowed here; write true or false"),
                );
                None
            }
        }
    }

    fn duplicate(&mut self, what: &str, name: &str, span: Span, first: &Span) {
        self.diagnostics.push(
            Diagnostic::error(codes::DUPLICATE, format!("duplicate {what} \"{name}\""))
                .at(span)
                .note(first.clone(), "first declared here")
                .help(format!(
                    "each {what} name must be unique in a module; rename or remove one"
                )),
        );
    }

    fn decode_settings(&mut self, block: ast::Block, module: &mut Module) {
        let body = self.decode_body(block.body);
        for attr in &body.attributes {
            match attr.name.as_str() {
                "required_version" => {
                    if let Some(v) = self.literal_string(attr) {
                        check_required_version(&v, attr.expr.span(), self.diagnostics);
                        module.settings.required_version = Some((v, attr.expr.span()));
                    }
                }
                _ => self.unsupported_argument(attr, "plat", &["required_version"]),
            }
        }
        for nested in body.blocks {
            match nested.kind.as_str() {
                "backend" => {
                    if nested.labels.len() != 1 {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::BLOCK_LABELS,
                                "a backend block needs one label: its kind",
                            )
                            .at(nested.span.clone())
                            .help("write backend \"local\" { path = \"...\" }"),
                        );
                    }
                    module.settings.backend = Some(nested);
                }
                _ => self.unsupported_block(&nested, "plat", &["backend"]),
            }
        }
    }

    fn decode_provider(&mut self, block: ast::Block, module: &mut Module) {
        let Some(labels) = self.labels(&block, &["name"]) else {
            return;
        };
        let span = self.header_span(&block);
        let mut body = self.decode_body(block.body);
        let mut alias = None;
        body.attributes.retain(|a| {
            if a.name == "alias" {
                alias = Some(a.clone());
                false
            } else {
                true
            }
        });
        let alias = alias.and_then(|a| self.literal_string(&a));
        let name = labels[0].clone();
        if let Some(first) = module
            .providers
            .iter()
            .find(|p| p.name == name && p.alias == alias)
        {
            let what = match &alias {
                Some(a) => format!("provider configuration {name}.{a}"),
                None => format!("default provider configuration {name}"),
            };
            let first = first.span.clone();
            self.diagnostics.push(
                Diagnostic::error(codes::DUPLICATE, format!("duplicate {what}"))
                    .at(span)
                    .note(first, "first declared here")
                    .help("give the second one an alias = \"...\" and select it with provider = NAME.ALIAS"),
            );
            return;
        }
        module.providers.push(Provider {
            name,
            alias,
            span,
            body,
        });
    }

    fn decode_variable(&mut self, block: ast::Block, module: &mut Module) {
        let Some(labels) = self.labels(&block, &["name"]) else {
            return;
        };
        let span = self.header_span(&block);
        let name = labels[0].clone();
        if let Some(first) = module.variables.get(&name) {
            let first = first.span.clone();
            self.duplicate("variable", &name, span, &first);
            return;
        }
        if RESERVED_VARIABLE_NAMES.contains(&name.as_str()) {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::RESERVED_NAME,
                    format!("\"{name}\" is reserved and cannot be a variable name"),
                )
                .at(span.clone())
                .help("these names are meta-arguments of module blocks; choose another name, e.g. node_count"),
            );
        }
        let body = self.decode_body(block.body);
        let mut var = Variable {
            name: name.clone(),
            span,
            ty: crate::lang::types::Type::Any,
            ty_span: None,
            default: None,
            description: None,
            sensitive: false,
            nullable: true,
            validations: Vec::new(),
        };
        for attr in body.attributes {
            match attr.name.as_str() {
                "type" => match parse_type(&attr.expr.expr) {
                    Ok(ty) => {
                        var.ty = ty;
                        var.ty_span = Some(attr.expr.span());
                    }
                    Err((message, range)) => self.diagnostics.push(
                        Diagnostic::error(codes::INVALID_TYPE, message)
                            .at(self.span(range.or_else(|| attr.expr.expr.span())))
                            .help("types are string, number, bool, any, list(T), set(T), map(T), tuple([...]) and object({ name = T, other = optional(T, default) })"),
                    ),
                },
                "default" => var.default = Some(attr.expr),
                "description" => var.description = self.literal_string(&attr),
                "sensitive" => var.sensitive = self.literal_bool(&attr).unwrap_or(false),
                "nullable" => var.nullable = self.literal_bool(&attr).unwrap_or(true),
                _ => self.unsupported_argument(
                    &attr,
                    "variable",
                    &["type", "default", "description", "sensitive", "nullable"],
                ),
            }
        }
        for nested in body.blocks {
            if nested.kind != "validation" {
                self.unsupported_block(&nested, "variable", &["validation"]);
                continue;
            }
            let condition = nested.body.attribute("condition").cloned();
            let message = nested.body.attribute("error_message").cloned();
            for attr in &nested.body.attributes {
                if attr.name != "condition" && attr.name != "error_message" {
                    self.unsupported_argument(attr, "validation", &["condition", "error_message"]);
                }
            }
            match (condition, message) {
                (Some(c), Some(m)) => var.validations.push(Validation {
                    condition: c.expr,
                    error_message: m.expr,
                    span: nested.span.clone(),
                }),
                (c, _) => {
                    let missing = if c.is_none() {
                        "condition"
                    } else {
                        "error_message"
                    };
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::MISSING_ARGUMENT,
                            format!("a validation block needs \"{missing}\""),
                        )
                        .at(nested.span.clone())
                        .help(
                            "write both condition = <bool expression> and error_message = \"...\"",
                        ),
                    );
                }
            }
        }
        module.variables.insert(name, var);
    }

    fn decode_locals(&mut self, block: ast::Block, module: &mut Module) {
        if !block.labels.is_empty() {
            self.labels(&block, &[]);
        }
        let body = self.decode_body(block.body);
        for nested in &body.blocks {
            self.unsupported_block(nested, "locals", &[]);
        }
        for attr in body.attributes {
            if let Some(first) = module.locals.get(&attr.name) {
                let first = first.span.clone();
                self.duplicate("local value", &attr.name, attr.name_span.clone(), &first);
                continue;
            }
            module.locals.insert(
                attr.name.clone(),
                Local {
                    name: attr.name,
                    span: attr.name_span,
                    expr: attr.expr,
                },
            );
        }
    }

    fn decode_resource(&mut self, block: ast::Block, mode: ResourceMode, module: &mut Module) {
        let Some(labels) = self.labels(&block, &["type", "name"]) else {
            return;
        };
        let span = self.header_span(&block);
        let (type_name, name) = (labels[0].clone(), labels[1].clone());
        let key = (mode, type_name.clone(), name.clone());
        if let Some(first) = module.resources.get(&key) {
            let first = first.span.clone();
            let what = match mode {
                ResourceMode::Managed => "resource",
                ResourceMode::Data => "data source",
            };
            self.duplicate(what, &format!("{type_name}.{name}"), span, &first);
            return;
        }
        let body = self.decode_body(block.body);
        let mut resource = Resource {
            mode,
            type_name,
            name,
            span,
            count: None,
            for_each: None,
            depends_on: None,
            provider: None,
            lifecycle: Lifecycle::default(),
            timeouts: None,
            body: Body::default(),
        };
        for attr in body.attributes {
            match attr.name.as_str() {
                "count" => resource.count = Some(attr.expr),
                "for_each" => resource.for_each = Some(attr.expr),
                "depends_on" => resource.depends_on = Some(attr.expr),
                "provider" => resource.provider = self.provider_ref(&attr),
                _ => resource.body.attributes.push(attr),
            }
        }
        for nested in body.blocks {
            match nested.kind.as_str() {
                "lifecycle" if mode == ResourceMode::Managed => {
                    resource.lifecycle = self.decode_lifecycle(nested)
                }
                "timeouts" if mode == ResourceMode::Managed => resource.timeouts = Some(nested),
                _ => resource.body.blocks.push(nested),
            }
        }
        self.check_count_and_for_each(&resource.count, &resource.for_each);
        module.resources.insert(key, resource);
    }

    fn check_count_and_for_each(&mut self, count: &Option<Expr>, for_each: &Option<Expr>) {
        if let (Some(_), Some(for_each)) = (count, for_each) {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::COUNT_AND_FOR_EACH,
                    "\"count\" and \"for_each\" cannot be used together",
                )
                .at(for_each.span())
                .help("use count for N identical copies, or for_each for one copy per map key or set element, not both"),
            );
        }
    }

    fn provider_ref(&mut self, attr: &Attribute) -> Option<ProviderRef> {
        let span = attr.expr.span();
        let parts = traversal_names(&attr.expr.expr);
        match parts.as_deref() {
            Some([name]) => Some(ProviderRef {
                name: name.clone(),
                alias: None,
                span,
            }),
            Some([name, alias]) => Some(ProviderRef {
                name: name.clone(),
                alias: Some(alias.clone()),
                span,
            }),
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::EXPECTED_LITERAL,
                        "provider must be a provider reference such as aws or aws.west",
                    )
                    .at(span)
                    .help("write provider = NAME.ALIAS without quotes"),
                );
                None
            }
        }
    }

    fn decode_lifecycle(&mut self, block: Block) -> Lifecycle {
        let mut lifecycle = Lifecycle::default();
        for attr in block.body.attributes {
            match attr.name.as_str() {
                "create_before_destroy" => lifecycle.create_before_destroy = Some(attr.expr),
                "prevent_destroy" => lifecycle.prevent_destroy = Some(attr.expr),
                "ignore_changes" => lifecycle.ignore_changes = Some(attr.expr),
                "replace_triggered_by" => lifecycle.replace_triggered_by = Some(attr.expr),
                _ => self.unsupported_argument(
                    &attr,
                    "lifecycle",
                    &[
                        "create_before_destroy",
                        "prevent_destroy",
                        "ignore_changes",
                        "replace_triggered_by",
                    ],
                ),
            }
        }
        for nested in &block.body.blocks {
            self.unsupported_block(nested, "lifecycle", &[]);
        }
        lifecycle
    }

    fn decode_module_call(&mut self, block: ast::Block, module: &mut Module) {
        let Some(labels) = self.labels(&block, &["name"]) else {
            return;
        };
        let span = self.header_span(&block);
        let name = labels[0].clone();
        if let Some(first) = module.module_calls.get(&name) {
            let first = first.span.clone();
            self.duplicate("module call", &name, span, &first);
            return;
        }
        let body = self.decode_body(block.body);
        let mut call = ModuleCall {
            name: name.clone(),
            span: span.clone(),
            source: String::new(),
            source_span: span.clone(),
            count: None,
            for_each: None,
            depends_on: None,
            providers: None,
            inputs: Vec::new(),
            module: None,
        };
        let mut has_source = false;
        for attr in body.attributes {
            match attr.name.as_str() {
                "source" => {
                    has_source = true;
                    call.source_span = attr.expr.span();
                    call.source = self.literal_string(&attr).unwrap_or_default();
                }
                "count" => call.count = Some(attr.expr),
                "for_each" => call.for_each = Some(attr.expr),
                "depends_on" => call.depends_on = Some(attr.expr),
                "providers" => call.providers = Some(attr.expr),
                "version" => self.diagnostics.push(
                    Diagnostic::error(
                        codes::UNSUPPORTED_ARGUMENT,
                        "\"version\" applies only to registry modules, which plat does not fetch",
                    )
                    .at(attr.name_span.clone())
                    .help("vendor the module into a local directory and remove version"),
                ),
                _ => call.inputs.push(attr),
            }
        }
        for nested in &body.blocks {
            self.unsupported_block(nested, "module", &[]);
        }
        if !has_source {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::MISSING_ARGUMENT,
                    format!("module \"{name}\" has no source"),
                )
                .at(span)
                .help("add source = \"./path/to/module\""),
            );
        }
        self.check_count_and_for_each(&call.count, &call.for_each);
        module.module_calls.insert(name, call);
    }

    fn decode_output(&mut self, block: ast::Block, module: &mut Module) {
        let Some(labels) = self.labels(&block, &["name"]) else {
            return;
        };
        let span = self.header_span(&block);
        let name = labels[0].clone();
        if let Some(first) = module.outputs.get(&name) {
            let first = first.span.clone();
            self.duplicate("output", &name, span, &first);
            return;
        }
        let body = self.decode_body(block.body);
        let mut output = Output {
            name: name.clone(),
            span: span.clone(),
            value: None,
            description: None,
            sensitive: false,
            depends_on: None,
        };
        for attr in body.attributes {
            match attr.name.as_str() {
                "value" => output.value = Some(attr.expr),
                "description" => output.description = self.literal_string(&attr),
                "sensitive" => output.sensitive = self.literal_bool(&attr).unwrap_or(false),
                "depends_on" => output.depends_on = Some(attr.expr),
                _ => self.unsupported_argument(
                    &attr,
                    "output",
                    &["value", "description", "sensitive", "depends_on"],
                ),
            }
        }
        for nested in &body.blocks {
            self.unsupported_block(nested, "output", &[]);
        }
        if output.value.is_none() {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::MISSING_ARGUMENT,
                    format!("output \"{name}\" has no value"),
                )
                .at(span)
                .help("add value = <expression>"),
            );
        }
        module.outputs.insert(name, output);
    }
}

/// Variable names Terraform reserves, because they would clash with meta-arguments.
const RESERVED_VARIABLE_NAMES: &[&str] = &[
    "source",
    "version",
    "providers",
    "count",
    "for_each",
    "lifecycle",
    "depends_on",
    "locals",
];

fn label_str(label: &BlockLabel) -> &str {
    match label {
        BlockLabel::Ident(i) => i.as_str(),
        BlockLabel::String(s) => s.as_str(),
    }
}

/// `a.b.c` as names, when the expression is a plain attribute traversal.
pub fn traversal_names(expr: &Expression) -> Option<Vec<String>> {
    match expr {
        Expression::Variable(v) => Some(vec![v.as_str().to_string()]),
        Expression::Traversal(t) => {
            let mut names = traversal_names(&t.expr)?;
            for op in &t.operators {
                match op.value() {
                    ast::TraversalOperator::GetAttr(name) => names.push(name.as_str().to_string()),
                    _ => return None,
                }
            }
            Some(names)
        }
        _ => None,
    }
}

fn check_required_version(constraint: &str, span: Span, diagnostics: &mut Diagnostics) {
    let requirement = match semver::VersionReq::parse(&constraint.replace("~>", "~")) {
        Ok(r) => r,
        Err(e) => {
            diagnostics.push(
                Diagnostic::error(
                    codes::REQUIRED_VERSION,
                    format!("invalid required_version \"{constraint}\": {e}"),
                )
                .at(span)
                .help("write a version constraint such as \">= 0.1\" or \"~> 0.1.0\""),
            );
            return;
        }
    };
    let current = semver::Version::parse(env!("CARGO_PKG_VERSION"))
        .unwrap_or_else(|_| semver::Version::new(0, 0, 0));
    if !requirement.matches(&current) {
        diagnostics.push(
            Diagnostic::error(
                codes::REQUIRED_VERSION,
                format!("this stack requires plat {constraint}, but this is plat {current}"),
            )
            .at(span)
            .help(
                "install a plat version that satisfies the constraint, or change required_version",
            ),
        );
    }
}
