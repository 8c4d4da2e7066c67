//! The planning hook: during expansion, each resource instance's configured value is diffed
//! against its (refreshed) prior state; the provider's plan rules refine the planned value, which
//! is what dependants then see. Instances in state that the configuration no longer produces are
//! planned for deletion afterwards. No IO: prior values come in, changes go out.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::diff::{diff_instance, DiffOptions, IgnoreChanges};
use super::model::{Action, InstanceChange, Reason};
use crate::expand::{InstanceHook, InstanceKey, ModuleInstance};
use crate::lang::config::{Resource, ResourceMode};
use crate::lang::diagnostics::{Diagnostic, Diagnostics};
use crate::lang::types::convert;
use crate::lang::value::Value;
use crate::providers::registry;
use crate::providers::schema::ResourceSchema;
use crate::state::InstanceAddress;

pub mod codes {
    pub const PROVIDER_UNAVAILABLE: &str = "plat::plan::provider_unavailable";
    pub const PREVENT_DESTROY: &str = "plat::plan::prevent_destroy";
    pub const PLAN_REJECTED: &str = "plat::plan::rejected_by_provider";
    pub const UNKNOWN_KEY: &str = "plat::plan::unknown_instance_key";
    pub const DATA_READ: &str = "plat::plan::data_source_read_failed";
}

/// One resource instance in a plan.
#[derive(Debug, Clone)]
pub struct PlannedInstance {
    pub address: InstanceAddress,
    /// The provider configuration that serves it (`random`, `aws.west`).
    pub provider: String,
    pub change: InstanceChange,
    pub create_before_destroy: bool,
    /// The resource's `timeouts { create, update, delete }`.
    pub timeouts: Timeouts,
}

/// How long each kind of operation may take (`timeouts` block); `None`: the provider's default.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timeouts {
    pub create: Option<std::time::Duration>,
    pub update: Option<std::time::Duration>,
    pub delete: Option<std::time::Duration>,
}

impl Timeouts {
    /// The literal durations of a resource's `timeouts` block (checked by validation).
    pub fn of(resource: &Resource) -> Timeouts {
        let Some(block) = &resource.timeouts else {
            return Timeouts::default();
        };
        let get = |name: &str| {
            let attr = block.body.attributes.iter().find(|a| a.name == name)?;
            match attr.expr.expr.as_ref() {
                crate::lang::ast::Expression::String(s) => {
                    crate::lang::meta_check::parse_duration(s.as_str())
                        .map(std::time::Duration::from_secs_f64)
                }
                _ => None,
            }
        };
        Timeouts {
            create: get("create"),
            update: get("update"),
            delete: get("delete"),
        }
    }
}

/// A prior instance as the planner sees it.
#[derive(Debug, Clone)]
pub struct PriorInstance {
    pub value: Value,
    pub provider: String,
    pub tainted: bool,
    /// Static addresses of the resources it depends on (recorded at apply).
    pub dependencies: Vec<String>,
}

/// Every prior instance, by address.
pub type PriorInstances = BTreeMap<InstanceAddress, PriorInstance>;

/// The options of one plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// `--replace ADDRESS` (instance addresses as written).
    pub replace: BTreeSet<String>,
    /// `plan --destroy`: everything in state goes.
    pub destroy: bool,
    /// `--target ADDRESS`: only these (and what they depend on).
    pub target: Vec<String>,
    /// `--exclude ADDRESS`: not these (nor what depends on them).
    pub exclude: Vec<String>,
}

/// What the planner asks of the run's providers (the IO is the caller's): data source reads,
/// and the configured providers whose settings plan rules depend on.
pub trait DataReader {
    fn read(
        &self,
        implementation: &dyn crate::providers::resource::ResourceType,
        provider: &str,
        config: &Value,
    ) -> Result<Value, String>;

    /// The configured provider `provider` (`aws`, `aws.west`), if it takes configuration and
    /// could be set up.
    fn configured(&self, provider: &str) -> Option<crate::providers::resource::ProviderHandle> {
        let _ = provider;
        None
    }
}

pub struct Planner<'p> {
    /// Prior instances not planned yet: each is taken out when its instance is planned, so its
    /// value moves into the plan instead of being copied; what is left at the end is deleted.
    prior: BTreeMap<InstanceAddress, PriorInstance>,
    options: &'p PlanOptions,
    /// Reads data sources whose arguments are known; without one they are planned as reads.
    reader: Option<&'p dyn DataReader>,
    /// Managed resources (static addresses) with changes planned so far: a data source that
    /// depends on one is read during apply, after the change.
    changing: BTreeSet<String>,
    /// For each data source (static address), the managed resources it depends on
    /// (`data_reads::read_after`); filled when the walk starts.
    read_after: HashMap<String, Vec<String>>,
    /// Planning inside an apply walk: changes are settled before dependants are evaluated, so a
    /// data source can always be read when its arguments are known.
    applying: bool,
    pub changes: Vec<PlannedInstance>,
    /// Resources (without instance keys) that the configuration still declares.
    declared: BTreeSet<String>,
}

impl<'p> Planner<'p> {
    /// The prior instances not planned (yet).
    pub fn prior_instances(&self) -> &BTreeMap<InstanceAddress, PriorInstance> {
        &self.prior
    }

    pub fn new(
        prior: BTreeMap<InstanceAddress, PriorInstance>,
        options: &'p PlanOptions,
    ) -> Planner<'p> {
        Planner {
            prior,
            options,
            reader: None,
            changing: BTreeSet::new(),
            read_after: HashMap::new(),
            applying: false,
            changes: Vec::new(),
            declared: BTreeSet::new(),
        }
    }

    /// Plans for an apply walk (see `applying`).
    pub fn applying(mut self) -> Planner<'p> {
        self.applying = true;
        self
    }

    /// Reads data sources through `reader` when their arguments are known.
    pub fn with_reader(mut self, reader: &'p dyn DataReader) -> Planner<'p> {
        self.reader = Some(reader);
        self
    }

    /// A data source: read now when its arguments are known (so the plan uses real values),
    /// otherwise planned as a read during apply.
    fn plan_data(
        &mut self,
        address: InstanceAddress,
        resource: &Resource,
        configured: Value,
        diagnostics: &mut Diagnostics,
    ) -> Value {
        let registry = registry();
        let (Some(schema), Some(implementation)) = (
            registry.resource(resource.mode, &resource.type_name),
            registry.implementation(resource.mode, &resource.type_name),
        ) else {
            return configured;
        };
        // An optional-computed argument the block does not set is the data source's to fill:
        // it is null in what the read is given, not an unknown that would defer the read.
        let configured = fill_unset_arguments(schema, resource, configured, |_| Value::Null);
        let arguments_known = schema.attributes.iter().filter(|a| a.settable()).all(|a| {
            configured
                .peel()
                .as_entries()
                .and_then(|e| e.get(a.name))
                .is_none_or(Value::is_fully_known)
        }) && blocks_known(&schema.blocks, &configured);
        let waits_for = if self.applying {
            Vec::new()
        } else {
            self.changing_dependencies(&address)
        };
        match self.reader {
            Some(reader) if arguments_known && waits_for.is_empty() => {
                match reader.read(&*implementation, &resource_provider(resource), &configured) {
                    Ok(value) => value,
                    Err(message) => {
                        diagnostics.push(
                            Diagnostic::error(codes::DATA_READ, format!("{address}: {message}"))
                                .at(resource.span.clone())
                                .help("fix the data source's arguments, or what it reads"),
                        );
                        configured
                    }
                }
            }
            _ => {
                self.changes.push(PlannedInstance {
                    address,
                    provider: resource_provider(resource),
                    change: InstanceChange {
                        action: Action::Read,
                        before: None,
                        after: Some(configured.clone()),
                        reasons: vec![if waits_for.is_empty() {
                            Reason::ArgumentsUnknown
                        } else {
                            Reason::DependsOnPendingChanges {
                                resources: waits_for,
                            }
                        }],
                    },
                    create_before_destroy: false,
                    timeouts: Timeouts::of(resource),
                });
                // Until the read, what the data source fills in is unknown (not null), so
                // that expressions using it wait for it too.
                fill_unset_arguments(schema, resource, configured, |a| {
                    crate::providers::resource::unknown(schema, a.name)
                })
            }
        }
    }

    /// The managed resources with planned changes that a data source depends on.
    fn changing_dependencies(&self, address: &InstanceAddress) -> Vec<String> {
        let data_source = crate::apply::dependencies::static_resource_address(address);
        self.read_after
            .get(&data_source)
            .into_iter()
            .flatten()
            .filter(|managed| self.changing.contains(*managed))
            .cloned()
            .collect()
    }

    /// Plans the deletion of what state has and the configuration no longer produces, and
    /// returns every change in address order.
    pub fn finish(mut self) -> Vec<PlannedInstance> {
        for (address, prior) in std::mem::take(&mut self.prior) {
            let reason = if self.options.destroy {
                Reason::DestroyRequested
            } else if self.declared.contains(&address.resource_address()) {
                Reason::KeyNoLongerPresent
            } else {
                Reason::RemovedFromConfig
            };
            self.changes.push(PlannedInstance {
                address: address.clone(),
                provider: prior.provider.clone(),
                change: InstanceChange {
                    action: Action::Delete,
                    before: Some(prior.value),
                    after: None,
                    reasons: vec![reason],
                },
                create_before_destroy: false,
                timeouts: Timeouts::default(),
            });
        }
        self.changes.sort_by(|a, b| a.address.cmp(&b.address));
        self.changes
    }

    pub(crate) fn plan_instance(
        &mut self,
        address: InstanceAddress,
        resource: &Resource,
        configured: Value,
        diagnostics: &mut Diagnostics,
    ) -> Value {
        let registry = registry();
        let (Some(schema), Some(implementation)) = (
            registry.resource(resource.mode, &resource.type_name),
            registry.implementation(resource.mode, &resource.type_name),
        ) else {
            diagnostics.push(
                Diagnostic::error(
                    codes::PROVIDER_UNAVAILABLE,
                    match registry.provider(resource.provider_name()) {
                        Some(_) => format!(
                            "{address}: plat cannot plan {} yet: provider \"{}\" does not have this type yet",
                            resource.type_name,
                            resource.provider_name()
                        ),
                        None => format!(
                            "{address}: plat cannot plan {} yet: provider \"{}\" is not built in",
                            resource.type_name,
                            resource.provider_name()
                        ),
                    },
                )
                .at(resource.span.clone())
                .help("plat validate checks this stack; planning it needs a later plat with this provider"),
            );
            return configured;
        };
        let prior = self.prior.remove(&address);
        let tainted = prior.as_ref().is_some_and(|p| p.tainted);
        let prior_value = prior.map(|p| conform(p.value, schema));
        let create_before_destroy = literal_bool(&resource.lifecycle.create_before_destroy);
        let options = DiffOptions {
            create_before_destroy,
            ignore_changes: ignore_changes(resource),
            replace_requested: self.options.replace.contains(&address.to_string()),
            tainted,
            absent_reason: None,
        };
        let config = if self.options.destroy {
            None
        } else {
            Some(&configured)
        };
        let mut change = diff_instance(schema, prior_value.as_ref(), config, &options);
        if self.options.destroy {
            change.reasons = vec![Reason::DestroyRequested];
        }
        // The provider's plan rules: stable random values, outputs known at plan time, ...
        let provider_key = resource_provider(resource);
        let provider = self.reader.and_then(|r| r.configured(&provider_key));
        let hook_prior = match change.action {
            Action::Update => prior_value.as_ref(),
            _ => None,
        };
        if change.action == Action::NoOp && provider.is_some() {
            // Unchanged by the configuration; the provider's configuration may still change it
            // (new default tags).
            if let Some(prior) = &prior_value {
                change = provider_update(
                    &*implementation,
                    provider.as_ref(),
                    prior,
                    &options.ignore_changes,
                )
                .unwrap_or(change);
            }
        } else if matches!(
            change.action,
            Action::Create | Action::Update | Action::DeleteThenCreate | Action::CreateThenDelete
        ) {
            if let Some(after) = change.after.take() {
                match implementation.plan_configured(provider.as_ref(), hook_prior, after.clone()) {
                    Ok(planned) => change.after = Some(planned),
                    Err(e) => {
                        diagnostics.push(
                            Diagnostic::error(codes::PLAN_REJECTED, format!("{address}: {e}"))
                                .at(resource.span.clone())
                                .help("fix the resource's arguments"),
                        );
                        change.after = Some(after);
                    }
                }
            }
        }
        // The provider may find an update to be no change at all (a policy document written
        // differently but meaning the same).
        if change.action == Action::Update
            && matches!((&change.after, &prior_value), (Some(after), Some(before)) if after.known_eq(before) == Some(true))
        {
            change = crate::plan::model::InstanceChange {
                action: Action::NoOp,
                before: None,
                after: None,
                reasons: Vec::new(),
            };
        }
        let destroys = change.action == Action::Delete || change.action.is_replace();
        if destroys && literal_bool(&resource.lifecycle.prevent_destroy) {
            diagnostics.push(
                Diagnostic::error(
                    codes::PREVENT_DESTROY,
                    format!("{address} has lifecycle.prevent_destroy set, but this plan would destroy it"),
                )
                .at(resource.span.clone())
                .help("change the plan so the resource is kept, or remove prevent_destroy first if destroying it is intended"),
            );
        }
        let seen = match &change.after {
            Some(after) => after.clone(),
            None => prior_value.unwrap_or(configured),
        };
        if change.action != Action::NoOp {
            self.changing
                .insert(crate::apply::dependencies::static_resource_address(
                    &address,
                ));
        }
        self.changes.push(PlannedInstance {
            address,
            provider: provider_key,
            change,
            create_before_destroy,
            timeouts: Timeouts::of(resource),
        });
        seen
    }
}

impl InstanceHook for Planner<'_> {
    fn start(&mut self, graph: &crate::graph::Graph) {
        if !self.applying {
            self.read_after = crate::plan::data_reads::read_after(graph);
        }
    }

    fn planned(
        &mut self,
        instance: &ModuleInstance,
        resource: &Resource,
        key: &InstanceKey,
        configured: Value,
        diagnostics: &mut Diagnostics,
    ) -> Value {
        let address = InstanceAddress {
            module: instance.clone(),
            mode: resource.mode,
            type_name: resource.type_name.clone(),
            name: resource.name.clone(),
            key: key.clone(),
        };
        if *key == InstanceKey::Unknown {
            let what = if resource.count.is_some() {
                "count"
            } else {
                "for_each"
            };
            diagnostics.push(
                Diagnostic::error(
                    codes::UNKNOWN_KEY,
                    format!(
                        "{}: its {what} is not known until apply, so plat cannot tell how many instances to plan",
                        address.resource_address()
                    ),
                )
                .at(resource.span.clone())
                .help("base count and for_each on values known at plan time (variables, locals, data sources), not on attributes of resources not yet created; or plan with --target for what it depends on first"),
            );
            return configured;
        }
        if instance.iter().any(|(_, k)| *k == InstanceKey::Unknown) {
            diagnostics.push(
                Diagnostic::error(
                    codes::UNKNOWN_KEY,
                    format!("{address}: the module's count or for_each is not known until apply"),
                )
                .at(resource.span.clone())
                .help("base count and for_each on values known at plan time (variables, locals), not on attributes of resources not yet created"),
            );
            return configured;
        }
        self.declared.insert(address.resource_address());
        if resource.mode == ResourceMode::Data {
            // A data source is read again, never kept from state.
            self.prior.remove(&address);
            return self.plan_data(address, resource, configured, diagnostics);
        }
        self.plan_instance(address, resource, configured, diagnostics)
    }
}

/// The provider configuration of a resource: `NAME` or `NAME.ALIAS`.
pub fn resource_provider(resource: &Resource) -> String {
    match &resource.provider {
        Some(p) => match &p.alias {
            Some(alias) => format!("{}.{alias}", p.name),
            None => p.name.clone(),
        },
        None => resource.provider_name().to_string(),
    }
}

/// State keeps JSON shapes (lists as tuples, maps as objects); the schema's types make them
/// comparable with configured values again (a set stays a set).
pub fn conform(value: Value, schema: &ResourceSchema) -> Value {
    conform_body(value, &schema.attributes, &schema.blocks)
}

/// A stored body (attributes and nested blocks) in the schema's shapes: set-nested blocks as
/// sets, list-nested as lists, recursively.
fn conform_body(
    value: Value,
    attributes: &[crate::providers::schema::AttributeSchema],
    blocks: &[crate::providers::schema::BlockSchema],
) -> Value {
    use crate::providers::schema::Nesting;
    let (value, marked) = value.unmark();
    let Value::Object(mut attrs) = value else {
        return value.mark_if(marked);
    };
    for block in blocks {
        let Some(v) = attrs.get_mut(block.name) else {
            continue;
        };
        let taken = std::mem::replace(v, Value::Null);
        let inner = |item: Value| conform_body(item, &block.attributes, &block.blocks);
        *v = match (block.nesting, taken) {
            (Nesting::Single, Value::Object(o)) => inner(Value::Object(o)),
            (Nesting::Set, Value::Tuple(items) | Value::List(items) | Value::Set(items)) => {
                let items: Vec<Value> = items.into_iter().map(inner).collect();
                convert(
                    Value::Tuple(items.clone()),
                    &crate::lang::types::Type::Set(Box::new(crate::lang::types::Type::Any)),
                )
                .unwrap_or(Value::Set(items))
            }
            (Nesting::List, Value::Tuple(items) | Value::List(items) | Value::Set(items)) => {
                Value::List(items.into_iter().map(inner).collect())
            }
            (_, other) => other,
        };
    }
    let schema_attributes = attributes;
    for attribute in schema_attributes {
        if let Some(v) = attrs.get_mut(attribute.name) {
            // Conversion only changes shapes that differ from the type (a tuple for a set);
            // values already of the type are kept as they are, without a copy.
            if needs_conversion(v, &attribute.ty) {
                let taken = std::mem::replace(v, Value::Null);
                *v = match convert(taken.clone(), &attribute.ty) {
                    Ok(converted) => converted,
                    Err(_) => taken,
                };
            }
        }
    }
    Value::Object(attrs).mark_if(marked)
}

/// Whether a stored value's shape differs from what the attribute's type makes of it.
fn needs_conversion(value: &Value, ty: &crate::lang::types::Type) -> bool {
    use crate::lang::types::Type;
    !matches!(
        (value.peel(), ty),
        (_, Type::Any)
            | (Value::Null | Value::Unknown(_), _)
            | (Value::String(_), Type::String)
            | (Value::Number(_), Type::Number)
            | (Value::Bool(_), Type::Bool)
    )
}

fn literal_bool(expr: &Option<crate::lang::config::Expr>) -> bool {
    matches!(&expr.as_ref().map(|e| &*e.expr), Some(crate::lang::ast::Expression::Bool(b)) if **b)
}

/// Whether the arguments set in nested blocks are known (an IAM policy document's statements
/// with an ARN not known yet are read at apply). Provider-filled attributes inside blocks are
/// unknown when unset, so only required and optional ones count.
fn blocks_known(blocks: &[crate::providers::schema::BlockSchema], value: &Value) -> bool {
    use crate::providers::schema::Presence;
    let entries = value.peel().as_entries();
    blocks.iter().all(|block| {
        let items = match entries.and_then(|e| e.get(block.name)).map(Value::peel) {
            None => &[],
            Some(Value::Unknown(_)) => return false,
            Some(value) => value.block_items(),
        };
        items.iter().all(|item| {
            let fields = item.peel().as_entries();
            block
                .attributes
                .iter()
                .filter(|a| matches!(a.presence, Presence::Required | Presence::Optional))
                .all(|a| {
                    fields
                        .and_then(|f| f.get(a.name))
                        .is_none_or(Value::is_fully_known)
                })
                && blocks_known(&block.blocks, item)
        })
    })
}

/// A data source's value with each optional-computed argument its block does not set replaced
/// by `fill(attribute)`.
fn fill_unset_arguments(
    schema: &ResourceSchema,
    resource: &Resource,
    configured: Value,
    fill: impl Fn(&crate::providers::schema::AttributeSchema) -> Value,
) -> Value {
    match configured {
        Value::Object(mut entries) => {
            for a in &schema.attributes {
                let set = resource.body.attributes.iter().any(|b| b.name == a.name);
                if a.presence == crate::providers::schema::Presence::OptionalComputed && !set {
                    entries.insert(a.name.to_owned(), fill(a));
                }
            }
            Value::Object(entries)
        }
        other => other,
    }
}

/// The in-place update that the provider's configuration alone asks of an instance the
/// configuration leaves unchanged (`tags_all` after the provider's `default_tags` changed);
/// `None` when there is none. Attributes under `ignore_changes` keep their prior values.
fn provider_update(
    implementation: &dyn crate::providers::resource::ResourceType,
    provider: Option<&crate::providers::resource::ProviderHandle>,
    prior: &Value,
    ignore: &IgnoreChanges,
) -> Option<InstanceChange> {
    let planned = implementation
        .plan_configured(provider, Some(prior), prior.clone())
        .ok()?;
    let (Value::Object(before), Value::Object(mut after)) = (prior, planned) else {
        return None;
    };
    let mut attributes = Vec::new();
    for (name, old) in before {
        match after.get(name) {
            Some(new) if new.known_eq(old) == Some(true) => {}
            Some(_) if !ignore.covers(name) => attributes.push(name.clone()),
            _ => {
                after.insert(name.clone(), old.clone());
            }
        }
    }
    if attributes.is_empty() {
        return None;
    }
    Some(InstanceChange {
        action: Action::Update,
        before: Some(prior.clone()),
        after: Some(Value::Object(after)),
        reasons: vec![Reason::ProviderConfigChanged { attributes }],
    })
}

fn ignore_changes(resource: &Resource) -> IgnoreChanges {
    use crate::lang::ast::Expression;
    let Some(expr) = &resource.lifecycle.ignore_changes else {
        return IgnoreChanges::None;
    };
    match &*expr.expr {
        Expression::Variable(v) if v.as_str() == "all" => IgnoreChanges::All,
        Expression::Array(items) => IgnoreChanges::Attributes(
            items
                .iter()
                .filter_map(|item| match item {
                    Expression::String(s) => Some(s.as_str().to_string()),
                    Expression::Variable(v) => Some(v.as_str().to_string()),
                    Expression::Traversal(t) => match &t.expr {
                        Expression::Variable(v) => Some(v.as_str().to_string()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect(),
        ),
        _ => IgnoreChanges::None,
    }
}
