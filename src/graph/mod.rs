//! The dependency graph of a stack's configuration.
//!
//! Nodes are declarations at a *static* module path (the chain of module call names from the root):
//! one node per variable, local, resource, data source, module call, output and provider
//! configuration. Edges point from a node to what it depends on, found from the references in its
//! expressions, so the graph has the same meaning for validate, plan and apply. Expansion of
//! `count`/`for_each` happens later, while walking the graph.

pub mod dot;

use std::rc::Rc;

use foldhash::{HashMap, HashMapExt};

use petgraph::graph::{DiGraph, NodeIndex};

use crate::lang::config::{Body, Config, Expr, Module, ModuleId, ResourceMode};
use crate::lang::diagnostics::{suggest, Diagnostic, Diagnostics};
use crate::lang::reference::{references, FoundReference, Reference};
use crate::lang::source::Span;

pub mod codes {
    pub const CYCLE: &str = "plat::graph::cycle";
    pub const UNDEFINED_REFERENCE: &str = crate::lang::eval::codes::UNDEFINED_REFERENCE;
    pub const INVALID_REFERENCE: &str = crate::lang::eval::codes::INVALID_REFERENCE;
    pub const UNDEFINED_OUTPUT: &str = "plat::lang::undefined_module_output";
}

/// The chain of module call names from the root module (`[]` is the root).
pub type ModulePath = Vec<String>;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    Variable(String),
    Local(String),
    Resource {
        mode: ResourceMode,
        type_name: String,
        name: String,
    },
    /// A `module` block: its count/for_each (the child's variables depend on it).
    ModuleCall(String),
    Output(String),
    Provider {
        name: String,
        alias: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Node {
    pub path: ModulePath,
    /// The module whose declarations this node belongs to.
    pub module: ModuleId,
    pub kind: NodeKind,
}

impl Node {
    /// `module.a.module.b.aws_vpc.main` style address.
    pub fn address(&self) -> String {
        let mut out = String::new();
        for call in &self.path {
            out.push_str("module.");
            out.push_str(call);
            out.push('.');
        }
        out.push_str(&match &self.kind {
            NodeKind::Variable(n) => format!("var.{n}"),
            NodeKind::Local(n) => format!("local.{n}"),
            NodeKind::Resource {
                mode: ResourceMode::Managed,
                type_name,
                name,
            } => format!("{type_name}.{name}"),
            NodeKind::Resource {
                mode: ResourceMode::Data,
                type_name,
                name,
            } => format!("data.{type_name}.{name}"),
            NodeKind::ModuleCall(n) => format!("module.{n}"),
            NodeKind::Output(n) => format!("output.{n}"),
            NodeKind::Provider { name, alias: None } => format!("provider.{name}"),
            NodeKind::Provider {
                name,
                alias: Some(a),
            } => format!("provider.{name}.{a}"),
        });
        if let (NodeKind::ModuleCall(_), Some(stripped)) = (&self.kind, out.strip_suffix('.')) {
            return stripped.to_string();
        }
        out
    }
}

/// Why one node depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// An expression of the node refers to the other.
    Reference,
    /// The node names the other in `depends_on` (a resource's or a module call's).
    DependsOn,
    /// Everything inside a module depends on the module call's count/for_each being known.
    Expansion,
}

impl EdgeKind {
    /// Whether the edge comes from the node's own configuration (a reference or `depends_on`),
    /// rather than from the module the node sits in.
    pub fn is_reference(self) -> bool {
        matches!(self, EdgeKind::Reference | EdgeKind::DependsOn)
    }
}

/// A declaration within its module, by position (so that lookups allocate nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Decl {
    Variable(usize),
    Local(usize),
    Resource(usize),
    Call(usize),
    Output(usize),
    Provider(usize),
}

/// Identifies one static module path (`[]`, `[vpc]`, `[vpc, subnets]`, ...).
type PathId = u32;

/// The graph: `edges[a] -> b` means a depends on b.
#[derive(Debug, Default)]
pub struct Graph {
    pub graph: DiGraph<Node, EdgeKind>,
    index: HashMap<(PathId, Decl), NodeIndex>,
    path_ids: HashMap<ModulePath, PathId>,
    /// The evaluation order, or the cycles that prevent one; computed once when the graph is built.
    order: Option<Result<Vec<NodeIndex>, Vec<Vec<NodeIndex>>>>,
}

impl Graph {
    pub fn node(&self, id: NodeIndex) -> &Node {
        &self.graph[id]
    }

    fn lookup(&self, path: PathId, decl: Decl) -> Option<NodeIndex> {
        self.index.get(&(path, decl)).copied()
    }

    /// Nodes in an order where every node comes after its dependencies; `Err` lists the cycles.
    pub fn evaluation_order(&self) -> Result<&[NodeIndex], &[Vec<NodeIndex>]> {
        match &self.order {
            Some(Ok(order)) => Ok(order),
            Some(Err(cycles)) => Err(cycles),
            None => Ok(&[]),
        }
    }

    fn compute_order(&self) -> Result<Vec<NodeIndex>, Vec<Vec<NodeIndex>>> {
        match petgraph::algo::toposort(&self.graph, None) {
            Ok(mut order) => {
                order.reverse();
                Ok(order)
            }
            Err(_) => Err(petgraph::algo::tarjan_scc(&self.graph)
                .into_iter()
                .filter(|scc| scc.len() > 1 || self.graph.contains_edge(scc[0], scc[0]))
                .collect()),
        }
    }

    /// The direct dependencies of a node.
    pub fn dependencies(&self, id: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.neighbors(id)
    }

    fn add(&mut self, path: PathId, decl: Decl, node: Node) -> NodeIndex {
        if let Some(id) = self.index.get(&(path, decl)) {
            return *id;
        }
        let id = self.graph.add_node(node);
        self.index.insert((path, decl), id);
        id
    }
}

/// Builds the graph of a loaded stack, reporting undefined references and cycles.
pub fn build(config: &Config) -> (Graph, Diagnostics) {
    let mut builder = Builder {
        config,
        graph: Graph::default(),
        diagnostics: Diagnostics::new(),
        pending: Vec::new(),
        references: HashMap::new(),
        children: HashMap::new(),
    };
    builder.add_module(Vec::new(), Config::ROOT, 0);
    let pending = std::mem::take(&mut builder.pending);
    for (from, path, module, deps) in pending {
        builder.connect(from, path, module, deps);
    }
    let order = builder.graph.compute_order();
    if let Err(cycles) = &order {
        for cycle in cycles {
            builder.report_cycle(cycle);
        }
    }
    builder.graph.order = Some(order);
    (builder.graph, builder.diagnostics)
}

/// Where a node's dependencies come from: expressions (with names bound locally), and the
/// explicit `depends_on` lists.
struct Dependencies<'c> {
    exprs: Vec<(&'c Expr, Vec<String>)>,
    /// The `depends_on` list, whose edges are marked as such.
    depends_on: Option<&'c Expr>,
    /// Extra edges that do not come from references (a child variable on its module call).
    direct: Vec<(PathId, Decl)>,
    /// Whether `count.index` / `each.*` are available to these expressions.
    has_count: bool,
    has_for_each: bool,
}

/// A reference found in an expression, or why it is not a valid one.
type FoundOrError = Result<FoundReference, crate::lang::reference::ReferenceError>;

struct Builder<'c> {
    config: &'c Config,
    /// References of each expression, keyed by its address in the (immutable) configuration.
    references: HashMap<*const Expr, Rc<[FoundOrError]>>,
    graph: Graph,
    diagnostics: Diagnostics,
    pending: Vec<(NodeIndex, PathId, ModuleId, Dependencies<'c>)>,
    /// The path of each module call's child: (caller path, call position) → child path.
    children: HashMap<(PathId, usize), PathId>,
}

/// Nesting deeper than this is a module that calls itself through a chain of calls.
const MAX_MODULE_DEPTH: usize = 32;

impl<'c> Builder<'c> {
    /// Adds a module's nodes (and its children's); returns every node added.
    fn add_module(&mut self, path: ModulePath, id: ModuleId, depth: usize) -> Vec<NodeIndex> {
        let first_new = self.graph.graph.node_count();
        let module = self.config.module(id);
        let path_id = self.graph.path_ids.len() as PathId;
        self.graph.path_ids.insert(path.clone(), path_id);
        let node = |kind| Node {
            path: path.clone(),
            module: id,
            kind,
        };
        for (i, var) in module.variables.values().enumerate() {
            let n = self.graph.add(
                path_id,
                Decl::Variable(i),
                node(NodeKind::Variable(var.name.clone())),
            );
            let mut exprs: Vec<(&Expr, Vec<String>)> = var
                .validations
                .iter()
                .flat_map(|v| [(&v.condition, vec![]), (&v.error_message, vec![])])
                .collect();
            if let Some(d) = &var.default {
                exprs.push((d, vec![]));
            }
            self.pending.push((
                n,
                path_id,
                id,
                Dependencies {
                    exprs,
                    depends_on: None,
                    direct: Vec::new(),
                    has_count: false,
                    has_for_each: false,
                },
            ));
        }
        for (i, local) in module.locals.values().enumerate() {
            let n = self.graph.add(
                path_id,
                Decl::Local(i),
                node(NodeKind::Local(local.name.clone())),
            );
            self.pending
                .push((n, path_id, id, plain(vec![&local.expr])));
        }
        for (i, provider) in module.providers.iter().enumerate() {
            let n = self.graph.add(
                path_id,
                Decl::Provider(i),
                node(NodeKind::Provider {
                    name: provider.name.clone(),
                    alias: provider.alias.clone(),
                }),
            );
            let exprs = body_exprs(&provider.body, &[]);
            self.pending.push((
                n,
                path_id,
                id,
                Dependencies {
                    exprs,
                    depends_on: None,
                    direct: Vec::new(),
                    has_count: false,
                    has_for_each: false,
                },
            ));
        }
        for (i, resource) in module.resources.values().enumerate() {
            let n = self.graph.add(
                path_id,
                Decl::Resource(i),
                node(NodeKind::Resource {
                    mode: resource.mode,
                    type_name: resource.type_name.clone(),
                    name: resource.name.clone(),
                }),
            );
            let mut exprs = body_exprs(&resource.body, &[]);
            for e in [&resource.count, &resource.for_each].into_iter().flatten() {
                exprs.push((e, vec![]));
            }
            let lifecycle = &resource.lifecycle;
            if let Some(e) = &lifecycle.replace_triggered_by {
                exprs.push((e, vec![]));
            }
            // The provider configuration it uses (when declared in this module).
            let (provider_name, alias) = match &resource.provider {
                Some(p) => (p.name.as_str(), p.alias.as_deref()),
                None => (resource.provider_name(), None),
            };
            let direct = module
                .providers
                .iter()
                .position(|p| p.name == provider_name && p.alias.as_deref() == alias)
                .map(|i| (path_id, Decl::Provider(i)))
                .into_iter()
                .collect();
            self.pending.push((
                n,
                path_id,
                id,
                Dependencies {
                    exprs,
                    depends_on: resource.depends_on.as_ref(),
                    direct,
                    has_count: resource.count.is_some(),
                    has_for_each: resource.for_each.is_some(),
                },
            ));
        }
        for (i, output) in module.outputs.values().enumerate() {
            let n = self.graph.add(
                path_id,
                Decl::Output(i),
                node(NodeKind::Output(output.name.clone())),
            );
            let exprs = [&output.value, &output.depends_on]
                .into_iter()
                .flatten()
                .collect();
            self.pending.push((n, path_id, id, plain(exprs)));
        }
        for (call_index, call) in module.module_calls.values().enumerate() {
            let call_node = self.graph.add(
                path_id,
                Decl::Call(call_index),
                node(NodeKind::ModuleCall(call.name.clone())),
            );
            let exprs = [&call.count, &call.for_each]
                .into_iter()
                .flatten()
                .collect();
            let dependencies = Dependencies {
                depends_on: call.depends_on.as_ref(),
                ..plain(exprs)
            };
            self.pending.push((call_node, path_id, id, dependencies));
            let Some(child) = call.module else { continue };
            if depth >= MAX_MODULE_DEPTH {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::CYCLE,
                        format!(
                            "module \"{}\" calls itself (nesting deeper than {MAX_MODULE_DEPTH})",
                            call.name
                        ),
                    )
                    .at(call.span.clone())
                    .help("a module cannot call itself, directly or through other modules"),
                );
                continue;
            }
            let mut child_path = path.clone();
            child_path.push(call.name.clone());
            let child_path_id = self.graph.path_ids.len() as PathId;
            self.children.insert((path_id, call_index), child_path_id);
            for inner in self.add_module(child_path, child, depth + 1) {
                self.graph
                    .graph
                    .update_edge(inner, call_node, EdgeKind::Expansion);
            }
            // Each input becomes the child's variable value, evaluated in this (the parent's) scope.
            let child_module = self.config.module(child);
            for input in &call.inputs {
                let var_id = child_module
                    .variables
                    .get_index_of(&input.name)
                    .and_then(|i| self.graph.lookup(child_path_id, Decl::Variable(i)));
                let Some(var_id) = var_id else {
                    continue; // reported by validation: the module has no such variable
                };
                self.pending.push((
                    var_id,
                    path_id,
                    id,
                    Dependencies {
                        exprs: vec![(&input.expr, vec![])],
                        depends_on: None,
                        direct: vec![(path_id, Decl::Call(call_index))],
                        has_count: call.count.is_some(),
                        has_for_each: call.for_each.is_some(),
                    },
                ));
            }
        }
        (first_new..self.graph.graph.node_count())
            .map(NodeIndex::new)
            .collect()
    }

    fn connect(&mut self, from: NodeIndex, path: PathId, module_id: ModuleId, deps: Dependencies) {
        for (direct_path, decl) in &deps.direct {
            if let Some(to) = self.graph.lookup(*direct_path, *decl) {
                self.graph.graph.update_edge(from, to, EdgeKind::Reference);
            }
        }
        let marked = deps
            .exprs
            .iter()
            .map(|(e, b)| (*e, b.as_slice(), EdgeKind::Reference));
        let depends_on = deps.depends_on.map(|e| (e, &[][..], EdgeKind::DependsOn));
        for (expr, bound, kind) in marked.chain(depends_on) {
            // A module called N times has the same references N times: find them once.
            let key: *const Expr = expr;
            let found_all = match self.references.get(&key) {
                Some(found) => found.clone(),
                None => {
                    crate::lang::eval::check_function_names(expr, &mut self.diagnostics);
                    let found: Rc<[FoundOrError]> = references(&expr.expr, bound).into();
                    self.references.insert(key, found.clone());
                    found
                }
            };
            for found in found_all.iter() {
                match found {
                    Ok(found) => {
                        for to in self.targets(path, module_id, found, expr, &deps) {
                            // A variable's validations refer to the variable itself; any
                            // other self-reference is a cycle of one (a local using itself).
                            let validation_self = to == from
                                && matches!(self.graph.node(from).kind, NodeKind::Variable(_));
                            if !validation_self {
                                self.graph.graph.update_edge(from, to, kind);
                            }
                        }
                    }
                    Err(e) => {
                        let span = Span::new(expr.file, e.range.clone().unwrap_or(0..0));
                        let code = if e.message.starts_with("unknown name") {
                            codes::UNDEFINED_REFERENCE
                        } else {
                            codes::INVALID_REFERENCE
                        };
                        let mut d = Diagnostic::error(code, e.message.clone()).at(span);
                        if !e.help.is_empty() {
                            d = d.help(e.help.clone());
                        } else {
                            d = d.help("references start with var., local., module., data., a resource type, path., plat., count. or each.");
                        }
                        self.diagnostics.push(d);
                    }
                }
            }
        }
    }

    /// The nodes a reference points at, or a diagnostic when it points at nothing.
    fn targets(
        &mut self,
        path: PathId,
        module_id: ModuleId,
        found: &FoundReference,
        expr: &Expr,
        deps: &Dependencies,
    ) -> Vec<NodeIndex> {
        let module = self.config.module(module_id);
        let span = Span::new(expr.file, found.range.clone().unwrap_or(0..0));
        if let Some(d) = undeclared(module, &found.reference, &span) {
            self.diagnostics.push(d);
            return Vec::new();
        }
        let at = |decl: Option<Decl>| -> Vec<NodeIndex> {
            decl.and_then(|d| self.graph.lookup(path, d))
                .into_iter()
                .collect()
        };
        match &found.reference {
            Reference::Var(name) => {
                return at(module.variables.get_index_of(name).map(Decl::Variable))
            }
            Reference::Local(name) => return at(module.locals.get_index_of(name).map(Decl::Local)),
            Reference::Resource {
                mode,
                type_name,
                name,
            } => {
                return at(module
                    .resource_index(*mode, type_name, name)
                    .map(Decl::Resource))
            }
            Reference::Module(name) => {
                let Some((call_index, _, call)) = module.module_calls.get_full(name) else {
                    return Vec::new();
                };
                let mut targets = at(Some(Decl::Call(call_index)));
                let (Some(child), Some(child_path)) =
                    (call.module, self.children.get(&(path, call_index)).copied())
                else {
                    return targets;
                };
                let child_module = self.config.module(child);
                match found.attributes.first() {
                    Some(output) if child_module.outputs.contains_key(output) => {
                        let i = child_module.outputs.get_index_of(output);
                        targets
                            .extend(i.and_then(|i| self.graph.lookup(child_path, Decl::Output(i))));
                    }
                    Some(output) => {
                        let mut d = Diagnostic::error(
                            codes::UNDEFINED_OUTPUT,
                            format!("module \"{name}\" has no output named \"{output}\""),
                        )
                        .at(span.clone());
                        d = match suggest(output, child_module.outputs.keys().map(String::as_str)) {
                            Some(s) => d.help(format!("did you mean module.{name}.{s}?")),
                            None if child_module.outputs.is_empty() => d.help(format!(
                                "the module in {} declares no outputs",
                                child_module.dir.display()
                            )),
                            None => d.help(format!(
                                "its outputs are: {}",
                                child_module
                                    .outputs
                                    .keys()
                                    .cloned()
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        };
                        self.diagnostics.push(d);
                    }
                    None => {
                        for i in 0..child_module.outputs.len() {
                            targets.extend(self.graph.lookup(child_path, Decl::Output(i)));
                        }
                    }
                }
                return targets;
            }
            Reference::CountIndex if !deps.has_count => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_REFERENCE,
                        "count.index is only available in a block that sets count",
                    )
                    .at(span)
                    .help("add count = N to the resource or module, or remove the reference"),
                );
            }
            Reference::EachKey | Reference::EachValue if !deps.has_for_each => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_REFERENCE,
                        format!(
                            "{} is only available in a block that sets for_each",
                            found.reference.display()
                        ),
                    )
                    .at(span)
                    .help("add for_each to the resource or module, or remove the reference"),
                );
            }
            Reference::SelfRef => {
                self.diagnostics.push(
                    Diagnostic::error(codes::INVALID_REFERENCE, "\"self\" is not available here")
                        .at(span)
                        .help("refer to the resource by its address instead"),
                );
            }
            _ => {}
        }
        Vec::new()
    }

    fn report_cycle(&mut self, cycle: &[NodeIndex]) {
        let mut names: Vec<String> = cycle
            .iter()
            .map(|n| self.graph.node(*n).address())
            .collect();
        names.sort();
        let first = &self.graph.node(cycle[0]);
        let span = self.node_span(first);
        let mut d = Diagnostic::error(
            codes::CYCLE,
            format!("dependency cycle: {}", names.join(" → ")),
        )
        .at_opt(span)
        .help("break the cycle: one of these must not refer to the others (depends_on counts too)");
        for n in cycle.iter().skip(1) {
            if let Some(s) = self.node_span(self.graph.node(*n)) {
                d = d.note(s, "part of the cycle");
            }
        }
        self.diagnostics.push(d);
    }

    fn node_span(&self, node: &Node) -> Option<Span> {
        let module = self.config.module(node.module);
        Some(match &node.kind {
            NodeKind::Variable(n) => module.variables.get(n)?.span.clone(),
            NodeKind::Local(n) => module.locals.get(n)?.span.clone(),
            NodeKind::Resource {
                mode,
                type_name,
                name,
            } => module.resource(*mode, type_name, name)?.span.clone(),
            NodeKind::ModuleCall(n) => module.module_calls.get(n)?.span.clone(),
            NodeKind::Output(n) => module.outputs.get(n)?.span.clone(),
            NodeKind::Provider { name, alias } => module
                .providers
                .iter()
                .find(|p| &p.name == name && &p.alias == alias)?
                .span
                .clone(),
        })
    }
}

/// The diagnostic for a reference to something the module does not declare (with a "did you
/// mean" hint), or `None` when the declaration exists. Shared by the graph and the evaluator so
/// both report the same words.
pub fn undeclared(module: &Module, reference: &Reference, span: &Span) -> Option<Diagnostic> {
    let report = |what: &str, name: &str, candidates: Vec<String>, prefix: &str| {
        let mut d = Diagnostic::error(
            codes::UNDEFINED_REFERENCE,
            format!("reference to undeclared {what} \"{name}\""),
        )
        .at(span.clone());
        d = match suggest(name, candidates.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean {prefix}{s}?")),
            None => d.help(format!(
                "declare the {what} in this module, or fix the name"
            )),
        };
        Some(d)
    };
    match reference {
        Reference::Var(name) if !module.variables.contains_key(name) => report(
            "variable",
            name,
            module.variables.keys().cloned().collect(),
            "var.",
        ),
        Reference::Local(name) if !module.locals.contains_key(name) => report(
            "local value",
            name,
            module.locals.keys().cloned().collect(),
            "local.",
        ),
        Reference::Module(name) if !module.module_calls.contains_key(name) => report(
            "module",
            name,
            module.module_calls.keys().cloned().collect(),
            "module.",
        ),
        Reference::Resource {
            mode,
            type_name,
            name,
        } if module.resource(*mode, type_name, name).is_none() => {
            let candidates = module
                .resources
                .values()
                .filter(|r| r.mode == *mode)
                .map(|r| format!("{}.{}", r.type_name, r.name))
                .collect();
            let (what, prefix) = match mode {
                ResourceMode::Managed => ("resource", ""),
                ResourceMode::Data => ("data source", "data."),
            };
            report(what, &format!("{type_name}.{name}"), candidates, prefix)
        }
        _ => None,
    }
}

fn plain(exprs: Vec<&Expr>) -> Dependencies<'_> {
    Dependencies {
        exprs: exprs.into_iter().map(|e| (e, vec![])).collect(),
        depends_on: None,
        direct: Vec::new(),
        has_count: false,
        has_for_each: false,
    }
}

/// Every expression in a body, with the names bound inside dynamic blocks.
pub fn body_exprs<'b>(body: &'b Body, bound: &[String]) -> Vec<(&'b Expr, Vec<String>)> {
    let mut out: Vec<(&'b Expr, Vec<String>)> = body
        .attributes
        .iter()
        .map(|a| (&a.expr, bound.to_vec()))
        .collect();
    for block in &body.blocks {
        if block.kind == "dynamic" {
            let iterator = block.dynamic_iterator();
            let mut inner_bound = bound.to_vec();
            inner_bound.push(iterator);
            for attr in &block.body.attributes {
                if attr.name == "iterator" {
                    continue;
                }
                let b = if attr.name == "for_each" {
                    bound.to_vec()
                } else {
                    inner_bound.clone()
                };
                out.push((&attr.expr, b));
            }
            for content in &block.body.blocks {
                out.extend(body_exprs(&content.body, &inner_bound));
            }
        } else {
            out.extend(body_exprs(&block.body, bound));
        }
    }
    out
}
