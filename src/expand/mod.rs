//! Expansion: walks the dependency graph in order and evaluates every declaration for every
//! module instance and every `count`/`for_each` instance, producing the configured value of each
//! resource instance, each local and each output.
//!
//! Values that are not known yet (resource attributes computed at apply, variables without a
//! value during `validate`) are unknown; everything downstream of them is unknown too, never an
//! error. All problems found are reported as diagnostics and the walk goes on, so that one run
//! reports them all.

pub mod body;
pub mod domain;
pub mod inputs;

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};
use std::path::PathBuf;

use crate::graph::{self, Graph, ModulePath, NodeKind};
use crate::lang::config::{Config, Expr, Module, ModuleId, ResourceMode, Variable};
use crate::lang::diagnostics::{Diagnostic, Diagnostics};
use crate::lang::eval::{Evaluator, Resolver};
use crate::lang::functions::FuncContext;
use crate::lang::reference::Reference;
use crate::lang::source::Span;
use crate::lang::types::{convert, Type};
use crate::lang::value::Value;
use inputs::GivenValue;

/// Relative paths in file functions resolve against the working directory, as in Terraform;
/// stacks use `path.module` to be independent of where plat runs.
pub const WORKING_DIR: &str = ".";

pub mod codes {
    pub const FOR_EACH: &str = "plat::lang::invalid_for_each";
    pub const COUNT: &str = "plat::lang::invalid_count";
    pub const VARIABLE_TYPE: &str = "plat::vars::type_mismatch";
    pub const VARIABLE_VALIDATION: &str = "plat::vars::validation_failed";
    pub const VARIABLE_NULL: &str = "plat::vars::null_value";
    pub const MISSING_VALUE: &str = super::inputs::codes::MISSING;
    pub const MODULE_INPUT: &str = "plat::lang::module_input";
    pub const SENSITIVE_OUTPUT: &str = "plat::lang::sensitive_output";
    pub const INVALID_DEPENDS_ON: &str = "plat::lang::invalid_depends_on";
}

/// Which key an instance has: none (a single instance), a `count` index, a `for_each` key, or a
/// key not known yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    None,
    Index(usize),
    Key(String),
    Unknown,
}

impl InstanceKey {
    /// `[0]`, `["a"]`, `[*]` or nothing.
    pub fn suffix(&self) -> String {
        match self {
            InstanceKey::None => String::new(),
            InstanceKey::Index(i) => format!("[{i}]"),
            InstanceKey::Key(k) => format!("[{}]", crate::lang::value::quote(k)),
            InstanceKey::Unknown => "[*]".into(),
        }
    }
}

/// One instance of a module: the call names and keys from the root (`[]` is the root).
pub type ModuleInstance = Vec<(String, InstanceKey)>;

static ROOT_INSTANCE: ModuleInstance = Vec::new();

/// `module.a["x"].module.b` style prefix (with a trailing dot when not empty).
pub fn module_prefix(instance: &ModuleInstance) -> String {
    let mut out = String::new();
    for (call, key) in instance {
        out.push_str("module.");
        out.push_str(call);
        out.push_str(&key.suffix());
        out.push('.');
    }
    out
}

/// An instance's key with its `count.index` and `each.key`/`each.value`, where they apply.
type InstanceBinding = (InstanceKey, Option<Value>, Option<(Value, Value)>);

/// How a resource or module call expands.
#[derive(Debug, Clone)]
enum Expansion {
    Single,
    Count(usize),
    /// for_each keys with their `each.value`.
    ForEach(BTreeMap<String, Value>),
    /// count/for_each is not known yet.
    Unknown,
}

impl Expansion {
    fn keys(&self) -> Vec<InstanceBinding> {
        match self {
            Expansion::Single => vec![(InstanceKey::None, None, None)],
            Expansion::Count(n) => (0..*n)
                .map(|i| (InstanceKey::Index(i), Some(Value::Number(i as f64)), None))
                .collect(),
            Expansion::ForEach(map) => map
                .iter()
                .map(|(k, v)| {
                    (
                        InstanceKey::Key(k.clone()),
                        None,
                        Some((Value::String(k.clone()), v.clone())),
                    )
                })
                .collect(),
            Expansion::Unknown => vec![(
                InstanceKey::Unknown,
                Some(Value::Unknown(Type::Number)),
                Some((Value::Unknown(Type::String), Value::unknown())),
            )],
        }
    }

    /// Collects per-instance values into the value a reference to the whole resource/module sees.
    fn collect(&self, mut values: Vec<Value>) -> Value {
        match self {
            Expansion::Single => values.pop().unwrap_or(Value::Null),
            Expansion::Count(_) => Value::Tuple(values),
            Expansion::ForEach(map) => Value::Object(map.keys().cloned().zip(values).collect()),
            Expansion::Unknown => Value::unknown(),
        }
    }
}

/// The evaluated values of one module instance.
#[derive(Debug, Default)]
pub struct ScopeValues {
    pub vars: HashMap<String, Value>,
    pub locals: HashMap<String, Value>,
    /// Resource values by mode, then type, then name (nested so that lookups need no allocation).
    pub resources: HashMap<ResourceMode, HashMap<String, HashMap<String, Value>>>,
    pub outputs: BTreeMap<String, Value>,
    calls: HashMap<String, Expansion>,
}

impl ScopeValues {
    pub fn resource(&self, mode: ResourceMode, type_name: &str, name: &str) -> Option<&Value> {
        self.resources.get(&mode)?.get(type_name)?.get(name)
    }
}

/// What the walk is for.
#[derive(Debug, Clone)]
pub struct Options {
    /// The environment name (`plat.env`).
    pub env: String,
    /// Root variables without a value are unknown (validate) instead of an error.
    pub allow_missing_variables: bool,
}

/// The result of expansion.
#[derive(Debug)]
pub struct Expanded {
    pub scopes: HashMap<ModuleInstance, ScopeValues>,
    /// Evaluated `provider` blocks of the root module, by `name` or `name.alias`.
    pub providers: BTreeMap<String, Value>,
    root_dir: PathBuf,
    env: String,
}

impl Expanded {
    /// A resolver for expressions typed at the console: the root module's scope.
    pub fn root_resolver<'a>(&'a self, config: &'a Config) -> impl Resolver + 'a {
        ScopeResolver {
            expanded: self,
            config,
            module: config.root(),
            instance: &ROOT_INSTANCE,
            scope: self.scopes.get(&ROOT_INSTANCE),
            count_index: None,
            each: None,
        }
    }

    pub fn root_outputs(&self) -> Option<&BTreeMap<String, Value>> {
        self.scopes.get(&Vec::new()).map(|s| &s.outputs)
    }
}

/// Decides what a resource instance's value is for the expressions that refer to it. Validation
/// keeps the configured value (computed attributes unknown); planning diffs it against state and
/// returns the planned value, so that dependants see IDs that are already known.
pub trait InstanceHook {
    /// Called once with the graph before the walk starts.
    fn start(&mut self, _graph: &Graph) {}

    /// Called before anything that refers to a resource is evaluated: a hook that carries out
    /// changes in the background (the applier) waits for them here and returns the instances'
    /// real values, which replace the planned ones. The default has nothing pending.
    fn settle(
        &mut self,
        _path: &ModulePath,
        _mode: ResourceMode,
        _type_name: &str,
        _name: &str,
        _diagnostics: &mut Diagnostics,
    ) -> Vec<(ModuleInstance, InstanceKey, Value)> {
        Vec::new()
    }

    fn planned(
        &mut self,
        instance: &ModuleInstance,
        resource: &crate::lang::config::Resource,
        key: &InstanceKey,
        configured: Value,
        diagnostics: &mut Diagnostics,
    ) -> Value;
}

/// The hook of validation and the console: the configured value as it is.
pub struct KeepConfigured;

impl InstanceHook for KeepConfigured {
    fn planned(
        &mut self,
        _: &ModuleInstance,
        _: &crate::lang::config::Resource,
        _: &InstanceKey,
        configured: Value,
        _: &mut Diagnostics,
    ) -> Value {
        configured
    }
}

/// Expands a loaded stack whose graph has been built without cycles.
pub fn expand(
    config: &Config,
    graph: &Graph,
    given: &BTreeMap<String, GivenValue>,
    options: &Options,
    hook: &mut dyn InstanceHook,
) -> (Expanded, Diagnostics) {
    expand_nodes(config, graph, given, options, hook, None)
}

/// Expands only the root `provider` blocks and what they depend on: the provider
/// configurations a run needs before it can refresh.
pub fn expand_providers(
    config: &Config,
    graph: &Graph,
    given: &BTreeMap<String, GivenValue>,
    options: &Options,
) -> (Expanded, Diagnostics) {
    let mut needed = std::collections::HashSet::new();
    let mut stack: Vec<petgraph::graph::NodeIndex> = graph
        .graph
        .node_indices()
        .filter(|id| {
            let node = graph.node(*id);
            node.path.is_empty() && matches!(node.kind, NodeKind::Provider { .. })
        })
        .collect();
    while let Some(id) = stack.pop() {
        if needed.insert(id) {
            stack.extend(graph.graph.neighbors(id));
        }
    }
    expand_nodes(
        config,
        graph,
        given,
        options,
        &mut KeepConfigured,
        Some(&needed),
    )
}

fn expand_nodes(
    config: &Config,
    graph: &Graph,
    given: &BTreeMap<String, GivenValue>,
    options: &Options,
    hook: &mut dyn InstanceHook,
    only: Option<&std::collections::HashSet<petgraph::graph::NodeIndex>>,
) -> (Expanded, Diagnostics) {
    let root_dir = config.root().dir.clone();
    let mut walk = Walk {
        config,
        given,
        options,
        expanded: Expanded {
            scopes: HashMap::new(),
            providers: BTreeMap::new(),
            root_dir,
            env: options.env.clone(),
        },
        instances: HashMap::new(),
        diagnostics: Diagnostics::new(),
        functions: FuncContext::new(WORKING_DIR),
        hook,
    };
    walk.expanded
        .scopes
        .insert(Vec::new(), ScopeValues::default());
    walk.instances.insert(Vec::new(), vec![Vec::new()]);
    walk.hook.start(graph);
    // With cycles (reported by the graph builder) nothing can be evaluated in order.
    if let Ok(order) = graph.evaluation_order() {
        for id in order {
            if only.is_some_and(|only| !only.contains(id)) {
                continue;
            }
            let node = graph.node(*id);
            walk.settle_dependencies(graph, *id);
            walk.visit(&node.path, node.module, &node.kind);
        }
    }
    (walk.expanded, walk.diagnostics)
}

struct Walk<'a> {
    config: &'a Config,
    given: &'a BTreeMap<String, GivenValue>,
    options: &'a Options,
    expanded: Expanded,
    /// The instances of every static module path, filled as module calls are expanded.
    instances: HashMap<ModulePath, Vec<ModuleInstance>>,
    diagnostics: Diagnostics,
    functions: FuncContext,
    hook: &'a mut dyn InstanceHook,
}

impl<'a> Walk<'a> {
    /// Lets the hook finish what it started for the resources this node refers to, and puts
    /// their real values in place of the planned ones.
    fn settle_dependencies(&mut self, graph: &Graph, id: petgraph::graph::NodeIndex) {
        for dependency in graph.dependencies(id) {
            let node = graph.node(dependency);
            let NodeKind::Resource {
                mode,
                type_name,
                name,
            } = &node.kind
            else {
                continue;
            };
            let settled =
                self.hook
                    .settle(&node.path, *mode, type_name, name, &mut self.diagnostics);
            for (instance, key, value) in settled {
                let Some(stored) = self
                    .expanded
                    .scopes
                    .get_mut(&instance)
                    .and_then(|s| s.resources.get_mut(mode))
                    .and_then(|m| m.get_mut(type_name.as_str()))
                    .and_then(|m| m.get_mut(name.as_str()))
                else {
                    continue;
                };
                match (&key, stored) {
                    (InstanceKey::None, stored) => *stored = value,
                    (InstanceKey::Index(i), Value::Tuple(items)) => {
                        if let Some(slot) = items.get_mut(*i) {
                            *slot = value;
                        }
                    }
                    (InstanceKey::Key(k), Value::Object(entries)) => {
                        entries.insert(k.clone(), value);
                    }
                    _ => {}
                }
            }
        }
    }

    fn visit(&mut self, path: &ModulePath, module_id: ModuleId, kind: &NodeKind) {
        let module = self.config.module(module_id);
        let instances = self.instances.get(path).cloned().unwrap_or_default();
        for instance in instances {
            match kind {
                NodeKind::Variable(name) => self.visit_variable(module, &instance, name),
                NodeKind::Local(name) => {
                    if let Some(local) = module.locals.get(name) {
                        let v = self.eval(module, &instance, &local.expr, None, None);
                        self.scope(&instance).locals.insert(name.clone(), v);
                    }
                }
                NodeKind::Resource {
                    mode,
                    type_name,
                    name,
                } => {
                    if let Some(resource) = module.resource(*mode, type_name, name) {
                        self.visit_resource(module, &instance, resource);
                    }
                }
                NodeKind::ModuleCall(name) => self.visit_module_call(module, &instance, name),
                NodeKind::Output(name) => self.visit_output(module, &instance, name),
                NodeKind::Provider { name, alias } => {
                    if let Some(provider) = module
                        .providers
                        .iter()
                        .find(|p| &p.name == name && &p.alias == alias)
                    {
                        let resolver = self.resolver(module, &instance, None, None);
                        let mut evaluator = Evaluator::new(&resolver, &self.functions);
                        let (value, diagnostics) =
                            body::evaluate_provider(&mut evaluator, provider);
                        drop(resolver);
                        self.diagnostics.extend(diagnostics);
                        if path.is_empty() {
                            let key = match alias {
                                Some(alias) => format!("{name}.{alias}"),
                                None => name.clone(),
                            };
                            self.expanded.providers.insert(key, value);
                        }
                    }
                }
            }
        }
    }

    fn scope(&mut self, instance: &ModuleInstance) -> &mut ScopeValues {
        self.expanded.scopes.entry(instance.clone()).or_default()
    }

    fn resolver<'r>(
        &'r self,
        module: &'r Module,
        instance: &'r ModuleInstance,
        count_index: Option<Value>,
        each: Option<(Value, Value)>,
    ) -> ScopeResolver<'r> {
        ScopeResolver {
            expanded: &self.expanded,
            config: self.config,
            module,
            scope: self.expanded.scopes.get(instance),
            instance,
            count_index,
            each,
        }
    }

    /// Evaluates an expression in a module instance; an error becomes a diagnostic and an unknown.
    fn eval(
        &mut self,
        module: &Module,
        instance: &ModuleInstance,
        expr: &Expr,
        count_index: Option<Value>,
        each: Option<(Value, Value)>,
    ) -> Value {
        let resolver = self.resolver(module, instance, count_index, each);
        let mut evaluator = Evaluator::new(&resolver, &self.functions);
        match evaluator.eval(expr) {
            Ok(v) => v,
            Err(d) => {
                self.diagnostics.push(*d);
                Value::unknown()
            }
        }
    }

    fn visit_variable(&mut self, module: &Module, instance: &ModuleInstance, name: &str) {
        let Some(var) = module.variables.get(name) else {
            return;
        };
        let (raw, source_span, source_text) = if instance.is_empty() {
            match self.given.get(name) {
                Some(g) => (Some(g.value.clone()), g.source.span(), g.source.describe()),
                None => (None, None, String::new()),
            }
        } else {
            self.module_input(instance, var)
        };
        let value = match raw {
            Some(v) => v,
            None => match &var.default {
                Some(default) => self.eval(module, instance, default, None, None),
                None if instance.is_empty() && self.options.allow_missing_variables => {
                    Value::Unknown(var.ty.clone())
                }
                None if instance.is_empty() => {
                    self.diagnostics.push(
                        Diagnostic::error(codes::MISSING_VALUE, format!("variable \"{name}\" has no value"))
                            .at(var.span.clone())
                            .help(format!(
                                "set it with --var {name}=..., a --var-file, or the environment variable {}{name}; or give it a default",
                                inputs::ENV_PREFIX
                            )),
                    );
                    Value::Unknown(var.ty.clone())
                }
                // A missing module input is reported once, at the module call.
                None => Value::Unknown(var.ty.clone()),
            },
        };
        // Without a given value, a type error is the default's: point there.
        let check_span = source_span
            .clone()
            .or_else(|| var.default.as_ref().map(|d| d.span()));
        let value = self.check_variable_value(var, value, check_span, &source_text);
        let value = value.mark_if(var.sensitive);
        self.scope(instance)
            .vars
            .insert(name.to_string(), value.clone());
        self.check_validations(module, instance, var, &value, source_span);
    }

    /// The value a module call passes for a child variable, evaluated in the caller's scope.
    fn module_input(
        &mut self,
        instance: &ModuleInstance,
        var: &Variable,
    ) -> (Option<Value>, Option<Span>, String) {
        let parent: ModuleInstance = instance[..instance.len() - 1].to_vec();
        let (call_name, key) = &instance[instance.len() - 1];
        let Some(parent_module) = self.module_of(&parent) else {
            return (None, None, String::new());
        };
        let Some(call) = parent_module.module_calls.get(call_name) else {
            return (None, None, String::new());
        };
        let Some(input) = call.inputs.iter().find(|i| i.name == var.name) else {
            return (None, None, String::new());
        };
        let (count_index, each) = self.instance_iterators(&parent, call_name, key);
        let v = self.eval(parent_module, &parent, &input.expr, count_index, each);
        (
            Some(v),
            Some(input.expr.span()),
            format!("passed by module \"{call_name}\""),
        )
    }

    /// `count.index` / `each.*` of a module instance, for evaluating the call's inputs.
    fn instance_iterators(
        &self,
        parent: &ModuleInstance,
        call: &str,
        key: &InstanceKey,
    ) -> (Option<Value>, Option<(Value, Value)>) {
        let expansion = self
            .expanded
            .scopes
            .get(parent)
            .and_then(|s| s.calls.get(call));
        match (expansion, key) {
            (_, InstanceKey::Index(i)) => (Some(Value::Number(*i as f64)), None),
            (Some(Expansion::ForEach(map)), InstanceKey::Key(k)) => (
                None,
                Some((
                    Value::String(k.clone()),
                    map.get(k).cloned().unwrap_or(Value::Null),
                )),
            ),
            (_, InstanceKey::Unknown) => (
                Some(Value::Unknown(Type::Number)),
                Some((Value::Unknown(Type::String), Value::unknown())),
            ),
            _ => (None, None),
        }
    }

    fn module_of(&self, instance: &ModuleInstance) -> Option<&'a Module> {
        let mut module = self.config.root();
        for (call, _) in instance {
            let child = module.module_calls.get(call)?.module?;
            module = self.config.module(child);
        }
        Some(module)
    }

    fn check_variable_value(
        &mut self,
        var: &Variable,
        value: Value,
        span: Option<Span>,
        source: &str,
    ) -> Value {
        let at = span.clone().unwrap_or_else(|| var.span.clone());
        if value.is_null() {
            if !var.nullable {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::VARIABLE_NULL,
                        format!("variable \"{}\" must not be null", var.name),
                    )
                    .at(at)
                    .help("the variable is declared nullable = false; give it a value"),
                );
            }
            return value;
        }
        match convert(value, &var.ty) {
            Ok(v) => v,
            Err(e) => {
                let mut d = Diagnostic::error(
                    codes::VARIABLE_TYPE,
                    format!("invalid value for variable \"{}\": {e}", var.name),
                )
                .at(at)
                .help(format!("the variable's type is {}", var.ty));
                if !source.is_empty() {
                    d = d.label(source.to_string());
                }
                if span.is_some() {
                    d = d.note(var.span.clone(), "declared here");
                }
                self.diagnostics.push(d);
                Value::Unknown(var.ty.clone())
            }
        }
    }

    fn check_validations(
        &mut self,
        module: &Module,
        instance: &ModuleInstance,
        var: &Variable,
        value: &Value,
        source: Option<Span>,
    ) {
        if !value.is_fully_known() {
            return;
        }
        for validation in &var.validations {
            let ok = self.eval(module, instance, &validation.condition, None, None);
            match ok.peel() {
                Value::Bool(true) | Value::Unknown(_) => {}
                Value::Bool(false) => {
                    let message =
                        self.eval(module, instance, &validation.error_message, None, None);
                    let text = match message.peel() {
                        Value::String(s) if !message.is_sensitive() => s.clone(),
                        _ => "(the error message is not known)".to_string(),
                    };
                    let mut d = Diagnostic::error(
                        codes::VARIABLE_VALIDATION,
                        format!("invalid value for variable \"{}\": {text}", var.name),
                    )
                    .at(source.clone().unwrap_or_else(|| validation.span.clone()))
                    .help("change the value so that the validation's condition holds");
                    if source.is_some() {
                        d = d.note(validation.condition.span(), "this condition failed");
                    } else {
                        d = d.label("the default value fails this validation");
                    }
                    self.diagnostics.push(d);
                }
                other => self.diagnostics.push(
                    Diagnostic::error(
                        crate::lang::eval::codes::TYPE_MISMATCH,
                        format!(
                            "a validation condition must be a bool, not {}",
                            other.kind_name()
                        ),
                    )
                    .at(validation.condition.span()),
                ),
            }
        }
    }

    /// Evaluates `count` or `for_each` (in the instance's scope) into an expansion.
    fn expansion(
        &mut self,
        module: &Module,
        instance: &ModuleInstance,
        count: &Option<Expr>,
        for_each: &Option<Expr>,
    ) -> Expansion {
        if let Some(count) = count {
            let v = self.eval(module, instance, count, None, None);
            return match v.peel() {
                Value::Unknown(_) => Expansion::Unknown,
                Value::Number(n) if *n >= 0.0 && n.fract() == 0.0 => Expansion::Count(*n as usize),
                other => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::COUNT,
                            format!(
                                "count must be a whole number of zero or more, not {}",
                                describe(other)
                            ),
                        )
                        .at(count.span())
                        .help("use count = N, or count = var.enabled ? 1 : 0 to toggle"),
                    );
                    Expansion::Unknown
                }
            };
        }
        let Some(for_each) = for_each else {
            return Expansion::Single;
        };
        let v = self.eval(module, instance, for_each, None, None);
        if v.contains_sensitive() {
            self.diagnostics.push(
                Diagnostic::error(codes::FOR_EACH, "for_each must not use sensitive values")
                    .at(for_each.span())
                    .help("instance keys are shown in every plan; use nonsensitive keys (wrap only the values in sensitive())"),
            );
            return Expansion::Unknown;
        }
        match v {
            Value::Unknown(_) => Expansion::Unknown,
            Value::Map(entries) | Value::Object(entries) => Expansion::ForEach(entries),
            Value::Set(items) => {
                let mut map = BTreeMap::new();
                for item in items {
                    match item {
                        Value::String(s) => {
                            map.insert(s.clone(), Value::String(s));
                        }
                        Value::Unknown(_) => return Expansion::Unknown,
                        other => {
                            self.diagnostics.push(
                                Diagnostic::error(
                                    codes::FOR_EACH,
                                    format!(
                                        "for_each over a set needs strings, but an element is {}",
                                        other.kind_name()
                                    ),
                                )
                                .at(for_each.span())
                                .help("convert the elements with tostring(), or build a map"),
                            );
                            return Expansion::Unknown;
                        }
                    }
                }
                Expansion::ForEach(map)
            }
            Value::List(_) | Value::Tuple(_) => {
                self.diagnostics.push(
                    Diagnostic::error(codes::FOR_EACH, "for_each needs a map or a set of strings, not a list")
                        .at(for_each.span())
                        .help("wrap the list in toset(...) when its elements are unique strings, or build a map with a for expression: { for x in LIST : x.name => x }"),
                );
                Expansion::Unknown
            }
            other => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::FOR_EACH,
                        format!(
                            "for_each needs a map or a set of strings, not {}",
                            describe(&other)
                        ),
                    )
                    .at(for_each.span())
                    .help("use a map (one instance per key) or toset([...])"),
                );
                Expansion::Unknown
            }
        }
    }

    fn visit_resource(
        &mut self,
        module: &Module,
        instance: &ModuleInstance,
        resource: &crate::lang::config::Resource,
    ) {
        let expansion = self.expansion(module, instance, &resource.count, &resource.for_each);
        if let Some(depends_on) = &resource.depends_on {
            self.check_depends_on(depends_on);
        }
        let mut values = Vec::new();
        for (key, count_index, each) in expansion.keys() {
            let resolver = self.resolver(module, instance, count_index, each);
            let mut evaluator = Evaluator::new(&resolver, &self.functions);
            let (evaluated, diagnostics) = body::evaluate_resource(&mut evaluator, resource);
            drop(resolver);
            self.diagnostics.extend(diagnostics);
            let address = || {
                format!(
                    "{}{}{}",
                    module_prefix(instance),
                    resource.address(),
                    key.suffix()
                )
            };
            domain::check(
                &address,
                evaluated.config(),
                resource,
                &mut self.diagnostics,
            );
            // An unknown key (count or for_each not known yet) too: planning refuses it.
            let value = self.hook.planned(
                instance,
                resource,
                &key,
                evaluated.value,
                &mut self.diagnostics,
            );
            values.push(value);
        }
        let whole = expansion.collect(values);
        self.scope(instance)
            .resources
            .entry(resource.mode)
            .or_default()
            .entry(resource.type_name.clone())
            .or_default()
            .insert(resource.name.clone(), whole);
    }

    fn check_depends_on(&mut self, expr: &Expr) {
        use crate::lang::ast::Expression;
        let items: Vec<&Expression> = match &*expr.expr {
            Expression::Array(items) => items.iter().collect(),
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_DEPENDS_ON,
                        "depends_on must be a list of references",
                    )
                    .at(expr.span())
                    .help("write depends_on = [aws_iam_role.x, module.y]"),
                );
                return;
            }
        };
        for item in items {
            let is_reference = matches!(item, Expression::Traversal(_) | Expression::Variable(_));
            if !is_reference {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_DEPENDS_ON,
                        "depends_on entries must be references, not expressions",
                    )
                    .at(Span::new(expr.file, item.span().unwrap_or(0..0)))
                    .help("name a resource, data source or module, without quotes"),
                );
            }
        }
    }

    fn visit_module_call(&mut self, module: &Module, instance: &ModuleInstance, name: &str) {
        let Some(call) = module.module_calls.get(name) else {
            return;
        };
        let expansion = self.expansion(module, instance, &call.count, &call.for_each);
        if let Some(depends_on) = &call.depends_on {
            self.check_depends_on(depends_on);
        }
        let mut path: ModulePath = instance.iter().map(|(c, _)| c.clone()).collect();
        path.push(name.to_string());
        let children: Vec<ModuleInstance> = expansion
            .keys()
            .into_iter()
            .map(|(key, _, _)| {
                let mut child = instance.clone();
                child.push((name.to_string(), key));
                child
            })
            .collect();
        for child in &children {
            self.expanded.scopes.entry(child.clone()).or_default();
        }
        self.instances.entry(path).or_default().extend(children);
        self.scope(instance)
            .calls
            .insert(name.to_string(), expansion);
        if instance
            .iter()
            .all(|(_, k)| *k == InstanceKey::None || instance.is_empty())
        {
            self.check_module_inputs(module, call);
        }
    }

    /// Inputs the module does not declare, and required inputs that are missing.
    fn check_module_inputs(&mut self, _module: &Module, call: &crate::lang::config::ModuleCall) {
        let Some(child_id) = call.module else { return };
        let child = self.config.module(child_id);
        for input in &call.inputs {
            if !child.variables.contains_key(&input.name) {
                let mut d = Diagnostic::error(
                    codes::MODULE_INPUT,
                    format!(
                        "module \"{}\" has no input variable named \"{}\"",
                        call.name, input.name
                    ),
                )
                .at(input.name_span.clone());
                d = match crate::lang::diagnostics::suggest(
                    &input.name,
                    child.variables.keys().map(String::as_str),
                ) {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None => d.help(format!(
                        "the module in {} declares: {}",
                        child.dir.display(),
                        child
                            .variables
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
                self.diagnostics.push(d);
            }
        }
        for var in child.variables.values() {
            let given = call.inputs.iter().any(|i| i.name == var.name);
            if !given && var.default.is_none() {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::MODULE_INPUT,
                        format!("module \"{}\" needs the input \"{}\"", call.name, var.name),
                    )
                    .at(call.span.clone())
                    .note(var.span.clone(), "declared here without a default")
                    .help(format!("add {} = ... to the module block", var.name)),
                );
            }
        }
    }

    fn visit_output(&mut self, module: &Module, instance: &ModuleInstance, name: &str) {
        let Some(output) = module.outputs.get(name) else {
            return;
        };
        let Some(expr) = &output.value else { return };
        if let Some(depends_on) = &output.depends_on {
            self.check_depends_on(depends_on);
        }
        let value = self.eval(module, instance, expr, None, None);
        if value.contains_sensitive() && !output.sensitive {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::SENSITIVE_OUTPUT,
                    format!("output \"{name}\" refers to sensitive values"),
                )
                .at(output.span.clone())
                .help("add sensitive = true to the output to confirm it may carry a secret (it will still be masked)"),
            );
        }
        let value = value.mark_if(output.sensitive);
        self.scope(instance).outputs.insert(name.to_string(), value);
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Number(n) => crate::lang::value::format_number(*n),
        Value::Null => "null".into(),
        other => other.kind_name(),
    }
}

/// Answers references from the values already evaluated for one module instance.
struct ScopeResolver<'r> {
    expanded: &'r Expanded,
    config: &'r Config,
    module: &'r Module,
    instance: &'r ModuleInstance,
    /// The instance's values, looked up once.
    scope: Option<&'r ScopeValues>,
    count_index: Option<Value>,
    each: Option<(Value, Value)>,
}

impl Resolver for ScopeResolver<'_> {
    fn lookup(&self, reference: &Reference) -> Option<&Value> {
        self.stored(reference)
    }

    fn resolve(&self, reference: &Reference, span: Span) -> Result<Value, Box<Diagnostic>> {
        if let Some(d) = graph::undeclared(self.module, reference, &span) {
            return Err(Box::new(d));
        }
        let scope = self.scope;
        // A declared object without a value failed to evaluate (already reported): unknown.
        let known = |v: Option<&Value>| v.cloned().unwrap_or_else(Value::unknown);
        Ok(match reference {
            Reference::Var(n) => known(scope.and_then(|s| s.vars.get(n))),
            Reference::Local(n) => known(scope.and_then(|s| s.locals.get(n))),
            Reference::Resource {
                mode,
                type_name,
                name,
            } => known(scope.and_then(|s| s.resource(*mode, type_name, name))),
            Reference::Module(name) => self.module_value(name),
            Reference::Path(which) => Value::String(match which.as_str() {
                "module" => self.module.dir.to_string_lossy().into_owned(),
                "root" => self.expanded.root_dir.to_string_lossy().into_owned(),
                _ => std::env::current_dir()
                    .map(|d| d.to_string_lossy().into_owned())
                    .unwrap_or_else(|_| ".".into()),
            }),
            Reference::Env => Value::String(self.expanded.env.clone()),
            Reference::CountIndex => self.count_index.clone().ok_or_else(|| {
                Box::new(
                    Diagnostic::error(
                        crate::lang::eval::codes::INVALID_REFERENCE,
                        "count.index is only available in a block that sets count",
                    )
                    .at(span.clone())
                    .help("add count = N to the resource or module, or remove the reference"),
                )
            })?,
            Reference::EachKey | Reference::EachValue => {
                let Some((k, v)) = &self.each else {
                    return Err(Box::new(
                        Diagnostic::error(
                            crate::lang::eval::codes::INVALID_REFERENCE,
                            format!(
                                "{} is only available in a block that sets for_each",
                                reference.display()
                            ),
                        )
                        .at(span)
                        .help("add for_each to the resource or module, or remove the reference"),
                    ));
                };
                if *reference == Reference::EachKey {
                    k.clone()
                } else {
                    v.clone()
                }
            }
            Reference::SelfRef => {
                return Err(Box::new(
                    Diagnostic::error(
                        crate::lang::eval::codes::INVALID_REFERENCE,
                        "\"self\" is not available here",
                    )
                    .at(span)
                    .help("refer to the resource by its address instead"),
                ))
            }
        })
    }
}

impl ScopeResolver<'_> {
    fn stored(&self, reference: &Reference) -> Option<&Value> {
        let scope = self.scope?;
        match reference {
            Reference::Var(n) => scope.vars.get(n),
            Reference::Local(n) => scope.locals.get(n),
            Reference::Resource {
                mode,
                type_name,
                name,
            } => scope.resource(*mode, type_name, name),
            _ => None,
        }
    }

    /// The value of `module.NAME`: an object of its outputs, or a tuple/object of them per instance.
    fn module_value(&self, name: &str) -> Value {
        let Some(expansion) = self.scope.and_then(|s| s.calls.get(name)) else {
            return Value::unknown();
        };
        let declared: Vec<String> = self
            .module
            .module_calls
            .get(name)
            .and_then(|c| c.module)
            .map(|m| self.config.module(m).outputs.keys().cloned().collect())
            .unwrap_or_default();
        let values = expansion
            .keys()
            .into_iter()
            .map(|(key, _, _)| {
                let mut child = self.instance.clone();
                child.push((name.to_string(), key));
                let outputs = self.expanded.scopes.get(&child).map(|s| &s.outputs);
                Value::Object(
                    declared
                        .iter()
                        .map(|o| {
                            (
                                o.clone(),
                                outputs
                                    .and_then(|m| m.get(o))
                                    .cloned()
                                    .unwrap_or_else(Value::unknown),
                            )
                        })
                        .collect(),
                )
            })
            .collect();
        expansion.collect(values)
    }
}
