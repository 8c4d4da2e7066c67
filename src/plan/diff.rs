//! The pure diff of one resource instance: prior state and configuration in, action and reasons
//! out, following the resource type's schema (force-new, computed and optional-computed
//! attributes) and the lifecycle settings.

use std::collections::BTreeMap;

use super::model::{Action, InstanceChange, Reason};
use crate::lang::value::Value;
use crate::providers::schema::{BlockSchema, Nesting, Presence, ResourceSchema};

/// `lifecycle.ignore_changes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IgnoreChanges {
    #[default]
    None,
    All,
    Attributes(Vec<String>),
}

impl IgnoreChanges {
    pub fn covers(&self, attribute: &str) -> bool {
        match self {
            IgnoreChanges::None => false,
            IgnoreChanges::All => true,
            IgnoreChanges::Attributes(names) => names.iter().any(|n| n == attribute),
        }
    }
}

/// Per-instance settings that shape the diff.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    pub create_before_destroy: bool,
    pub ignore_changes: IgnoreChanges,
    /// `--replace ADDRESS`.
    pub replace_requested: bool,
    /// The instance in state is tainted.
    pub tainted: bool,
    /// Why an instance in state but not in the configuration goes (default: removed from the
    /// configuration; the caller says when only its key went away).
    pub absent_reason: Option<Reason>,
}

/// Diffs one instance. `prior` is the refreshed state value (None: not in state); `config` is
/// the configured value with every schema attribute present and computed ones unknown (None:
/// not in the configuration).
pub fn diff_instance(
    schema: &ResourceSchema,
    prior: Option<&Value>,
    config: Option<&Value>,
    options: &DiffOptions,
) -> InstanceChange {
    match (prior, config) {
        (None, None) => InstanceChange {
            action: Action::NoOp,
            before: None,
            after: None,
            reasons: Vec::new(),
        },
        (None, Some(config)) => InstanceChange {
            action: Action::Create,
            before: None,
            after: Some(config.clone()),
            reasons: vec![Reason::New],
        },
        (Some(prior), None) => InstanceChange {
            action: Action::Delete,
            before: Some(prior.clone()),
            after: None,
            reasons: vec![options
                .absent_reason
                .clone()
                .unwrap_or(Reason::RemovedFromConfig)],
        },
        (Some(prior), Some(config)) => diff_existing(schema, prior, config, options),
    }
}

fn diff_existing(
    schema: &ResourceSchema,
    prior: &Value,
    config: &Value,
    options: &DiffOptions,
) -> InstanceChange {
    let empty = BTreeMap::new();
    let prior_attrs = prior.peel().as_entries().unwrap_or(&empty);
    let config_attrs = config.peel().as_entries().unwrap_or(&empty);
    let mut proposed = BTreeMap::new();
    let mut changed = Vec::new();
    let mut forcing = Vec::new();

    let names = schema
        .attributes
        .iter()
        .map(|a| (a.name, Some(a)))
        .chain(schema.blocks.iter().map(|b| (b.name, None)));
    for (name, attribute) in names {
        let before = prior_attrs.get(name).cloned().unwrap_or(Value::Null);
        let configured = config_attrs.get(name).cloned().unwrap_or(Value::Null);
        let presence = attribute.map(|a| a.presence).unwrap_or(Presence::Optional);
        let value = if options.ignore_changes.covers(name) {
            before.clone()
        } else {
            match presence {
                // What the provider computed stays until the provider says otherwise.
                Presence::Computed => before.clone(),
                Presence::OptionalComputed if configured.is_null() || configured.is_unknown() => {
                    before.clone()
                }
                _ => match (attribute, schema.block(name)) {
                    (None, Some(block)) => proposed_blocks(block, &before, configured),
                    _ => configured,
                },
            }
        };
        if value.known_eq(&before) != Some(true) {
            changed.push(name.to_string());
            let forces = match attribute {
                Some(a) => a.force_new,
                None => schema
                    .block(name)
                    .is_some_and(|block| block_forces_new(block, &before, &value)),
            };
            if forces {
                forcing.push(name.to_string());
            }
        }
        proposed.insert(name.to_string(), value);
    }

    let mut reasons = Vec::new();
    if options.tainted {
        reasons.push(Reason::Tainted);
    }
    if options.replace_requested {
        reasons.push(Reason::ReplaceRequested);
    }
    if !forcing.is_empty() {
        reasons.push(Reason::ForcedReplacement {
            attributes: forcing,
        });
    }
    if !reasons.is_empty() {
        let action = if options.create_before_destroy {
            Action::CreateThenDelete
        } else {
            Action::DeleteThenCreate
        };
        // A new object: what the provider computes is unknown again.
        return InstanceChange {
            action,
            before: Some(prior.clone()),
            after: Some(config.clone()),
            reasons,
        };
    }
    if changed.is_empty() {
        // Unchanged: the values are in state already, so none is copied here (a large no-op
        // plan is mostly these).
        return InstanceChange {
            action: Action::NoOp,
            before: None,
            after: None,
            reasons: Vec::new(),
        };
    }
    InstanceChange {
        action: Action::Update,
        before: Some(prior.clone()),
        after: Some(Value::Object(proposed)),
        reasons: vec![Reason::Changed {
            attributes: changed,
        }],
    }
}

/// A nested block's proposed value: the configured blocks, with what the provider fills in
/// (computed attributes, unset optional-computed ones, an unconfigured optional-computed block)
/// carried over from the prior blocks. List blocks pair up by position; a set block takes the
/// prior element it would equal once filled in.
fn proposed_blocks(block: &BlockSchema, before: &Value, configured: Value) -> Value {
    let empty = match configured.peel() {
        Value::Null => true,
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => items.is_empty(),
        _ => false,
    };
    if empty && block.optional_computed && !before.is_null() {
        return before.clone();
    }
    if !fills_in(block) || configured.is_unknown() {
        return configured;
    }
    let prior = before.peel().block_items();
    match (block.nesting, configured) {
        (Nesting::Single, Value::Object(entries)) => match prior.first() {
            Some(prior) => filled_in(block, prior, entries),
            None => Value::Object(entries),
        },
        (Nesting::List, Value::List(items)) => Value::List(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| match (prior.get(i), item) {
                    (Some(prior), Value::Object(entries)) => filled_in(block, prior, entries),
                    (_, item) => item,
                })
                .collect(),
        ),
        (Nesting::Set, Value::Set(items)) => Value::set_from(
            items
                .into_iter()
                .map(|item| {
                    let Value::Object(entries) = item else {
                        return item;
                    };
                    prior
                        .iter()
                        .find_map(|p| {
                            let filled = filled_in(block, p, entries.clone());
                            (filled.known_eq(p) == Some(true)).then_some(filled)
                        })
                        .unwrap_or(Value::Object(entries))
                })
                .collect::<Vec<_>>(),
        ),
        (_, other) => other,
    }
}

/// Whether the provider fills in anything of a block (at any depth).
fn fills_in(block: &BlockSchema) -> bool {
    block.optional_computed
        || block
            .attributes
            .iter()
            .any(|a| matches!(a.presence, Presence::Computed | Presence::OptionalComputed))
        || block.blocks.iter().any(fills_in)
}

/// One configured block with the provider's parts of its prior block.
fn filled_in(block: &BlockSchema, prior: &Value, mut entries: BTreeMap<String, Value>) -> Value {
    let Some(prior) = prior.peel().as_entries() else {
        return Value::Object(entries);
    };
    for attribute in &block.attributes {
        let configured = entries.get(attribute.name).unwrap_or(&Value::Null);
        let keep = match attribute.presence {
            Presence::Computed => true,
            Presence::OptionalComputed => configured.is_null() || configured.is_unknown(),
            _ => false,
        };
        if let (true, Some(value)) = (keep, prior.get(attribute.name)) {
            entries.insert(attribute.name.to_owned(), value.clone());
        }
    }
    for nested in &block.blocks {
        let configured = entries.remove(nested.name).unwrap_or(Value::Null);
        let before = prior.get(nested.name).cloned().unwrap_or(Value::Null);
        entries.insert(
            nested.name.to_owned(),
            proposed_blocks(nested, &before, configured),
        );
    }
    Value::Object(entries)
}

/// Whether a change of a nested block's value changes one of its force-new attributes (at any
/// depth): the blocks' force-new parts are compared, in order for lists and as a set for sets.
fn block_forces_new(block: &BlockSchema, before: &Value, after: &Value) -> bool {
    has_force_new(block)
        && forcing_parts(block, before).known_eq(&forcing_parts(block, after)) != Some(true)
}

fn has_force_new(block: &BlockSchema) -> bool {
    block.attributes.iter().any(|a| a.force_new) || block.blocks.iter().any(has_force_new)
}

/// The force-new attributes (and nested blocks' parts) of each block in `value`.
fn forcing_parts(block: &BlockSchema, value: &Value) -> Value {
    let mut parts: Vec<Value> = value
        .peel()
        .block_items()
        .iter()
        .map(|element| {
            let entries = element.peel().as_entries();
            let get = |name: &str| {
                entries
                    .and_then(|e| e.get(name))
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            let mut part: BTreeMap<String, Value> = block
                .attributes
                .iter()
                .filter(|a| a.force_new)
                .map(|a| (a.name.to_owned(), get(a.name)))
                .collect();
            for nested in block.blocks.iter().filter(|b| has_force_new(b)) {
                part.insert(
                    nested.name.to_owned(),
                    forcing_parts(nested, &get(nested.name)),
                );
            }
            Value::Object(part)
        })
        .collect();
    if block.nesting == Nesting::Set {
        parts.sort_by_key(|p| format!("{p:?}"));
    }
    Value::List(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::types::Type;
    use crate::providers::schema::AttributeSchema;

    /// (name, prior, config, options, expected action, expected reasons)
    type Case = (
        &'static str,
        Option<Value>,
        Option<Value>,
        DiffOptions,
        Action,
        Vec<Reason>,
    );

    fn schema() -> ResourceSchema {
        ResourceSchema {
            type_name: "test_thing",
            description: "",
            attributes: vec![
                AttributeSchema::required("name", Type::String).force_new(),
                AttributeSchema::optional("tags", Type::map(Type::String)),
                AttributeSchema::optional_computed("size", Type::Number),
                AttributeSchema::computed("id", Type::String),
            ],
            blocks: Vec::new(),
        }
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn tags(v: &str) -> Value {
        Value::Map([("env".to_string(), Value::string(v))].into())
    }

    fn prior() -> Value {
        obj(&[
            ("name", Value::string("a")),
            ("tags", tags("dev")),
            ("size", Value::Number(3.0)),
            ("id", Value::string("i-1")),
        ])
    }

    fn config(name: &str, tag: &str, size: Value) -> Value {
        obj(&[
            ("name", Value::string(name)),
            ("tags", tags(tag)),
            ("size", size),
            ("id", Value::Unknown(Type::String)),
        ])
    }

    #[test]
    fn diff_table() {
        let replace = DiffOptions {
            replace_requested: true,
            ..DiffOptions::default()
        };
        let cbd = DiffOptions {
            create_before_destroy: true,
            ..DiffOptions::default()
        };
        let ignore_tags = DiffOptions {
            ignore_changes: IgnoreChanges::Attributes(vec!["tags".into()]),
            ..DiffOptions::default()
        };
        let tainted = DiffOptions {
            tainted: true,
            ..DiffOptions::default()
        };
        let cases: Vec<Case> = vec![
            (
                "new",
                None,
                Some(config("a", "dev", Value::Null)),
                DiffOptions::default(),
                Action::Create,
                vec![Reason::New],
            ),
            (
                "gone",
                Some(prior()),
                None,
                DiffOptions::default(),
                Action::Delete,
                vec![Reason::RemovedFromConfig],
            ),
            (
                "same; computed and optional-computed kept",
                Some(prior()),
                Some(config("a", "dev", Value::Null)),
                DiffOptions::default(),
                Action::NoOp,
                vec![],
            ),
            (
                "tag changed: in place",
                Some(prior()),
                Some(config("a", "prod", Value::Null)),
                DiffOptions::default(),
                Action::Update,
                vec![Reason::Changed {
                    attributes: vec!["tags".into()],
                }],
            ),
            (
                "optional-computed set",
                Some(prior()),
                Some(config("a", "dev", Value::Number(5.0))),
                DiffOptions::default(),
                Action::Update,
                vec![Reason::Changed {
                    attributes: vec!["size".into()],
                }],
            ),
            (
                "name changed: replace",
                Some(prior()),
                Some(config("b", "dev", Value::Null)),
                DiffOptions::default(),
                Action::DeleteThenCreate,
                vec![Reason::ForcedReplacement {
                    attributes: vec!["name".into()],
                }],
            ),
            (
                "name unknown: replace",
                Some(prior()),
                Some(obj(&[
                    ("name", Value::Unknown(Type::String)),
                    ("tags", tags("dev")),
                    ("size", Value::Null),
                    ("id", Value::Unknown(Type::String)),
                ])),
                DiffOptions::default(),
                Action::DeleteThenCreate,
                vec![Reason::ForcedReplacement {
                    attributes: vec!["name".into()],
                }],
            ),
            (
                "create_before_destroy",
                Some(prior()),
                Some(config("b", "dev", Value::Null)),
                cbd,
                Action::CreateThenDelete,
                vec![Reason::ForcedReplacement {
                    attributes: vec!["name".into()],
                }],
            ),
            (
                "--replace",
                Some(prior()),
                Some(config("a", "dev", Value::Null)),
                replace,
                Action::DeleteThenCreate,
                vec![Reason::ReplaceRequested],
            ),
            (
                "tainted",
                Some(prior()),
                Some(config("a", "dev", Value::Null)),
                tainted,
                Action::DeleteThenCreate,
                vec![Reason::Tainted],
            ),
            (
                "ignore_changes",
                Some(prior()),
                Some(config("a", "prod", Value::Null)),
                ignore_tags,
                Action::NoOp,
                vec![],
            ),
            (
                "sensitive marks do not make a diff",
                Some(prior()),
                Some(obj(&[
                    ("name", Value::string("a").sensitive()),
                    ("tags", tags("dev")),
                    ("size", Value::Null),
                    ("id", Value::Unknown(Type::String)),
                ])),
                DiffOptions::default(),
                Action::NoOp,
                vec![],
            ),
        ];
        for (name, prior, config, options, action, reasons) in cases {
            let change = diff_instance(&schema(), prior.as_ref(), config.as_ref(), &options);
            assert_eq!(
                (change.action, &change.reasons),
                (action, &reasons),
                "{name}"
            );
        }
    }

    /// A resource with a single `network` block (subnets force a new object, public access is
    /// in place) and a set of `user` blocks (uid forces, name does not).
    fn block_schema() -> ResourceSchema {
        use crate::providers::schema::{BlockSchema, Nesting};
        ResourceSchema {
            type_name: "test_blocks",
            description: "",
            attributes: vec![AttributeSchema::computed("id", Type::String)],
            blocks: vec![
                BlockSchema {
                    name: "network",
                    nesting: Nesting::Single,
                    min_items: 0,
                    max_items: Some(1),
                    optional_computed: false,
                    attributes: vec![
                        AttributeSchema::required("subnets", Type::Set(Box::new(Type::String)))
                            .force_new(),
                        AttributeSchema::optional("public", Type::Bool),
                    ],
                    blocks: Vec::new(),
                },
                BlockSchema {
                    name: "user",
                    nesting: Nesting::Set,
                    min_items: 0,
                    max_items: None,
                    optional_computed: false,
                    attributes: vec![
                        AttributeSchema::required("uid", Type::Number).force_new(),
                        AttributeSchema::optional("name", Type::String),
                    ],
                    blocks: Vec::new(),
                },
            ],
        }
    }

    fn blocks_value(subnets: &[&str], public: bool, users: &[(f64, &str)]) -> Value {
        obj(&[
            ("id", Value::string("x-1")),
            (
                "network",
                obj(&[
                    (
                        "subnets",
                        Value::Set(subnets.iter().map(|s| Value::string(*s)).collect()),
                    ),
                    ("public", Value::Bool(public)),
                ]),
            ),
            (
                "user",
                Value::Set(
                    users
                        .iter()
                        .map(|(uid, name)| {
                            obj(&[("uid", Value::Number(*uid)), ("name", Value::string(*name))])
                        })
                        .collect(),
                ),
            ),
        ])
    }

    /// A block with provider-filled parts: `vpc` (computed `sg`, optional-computed `cidrs`) and
    /// an optional-computed `crypto` block the provider fills in when it is left out.
    fn filled_schema() -> ResourceSchema {
        use crate::providers::schema::{BlockSchema, Nesting};
        let strings = || Type::Set(Box::new(Type::String));
        ResourceSchema {
            type_name: "test_filled",
            description: "",
            attributes: vec![AttributeSchema::computed("id", Type::String)],
            blocks: vec![
                BlockSchema {
                    name: "vpc",
                    nesting: Nesting::List,
                    min_items: 1,
                    max_items: Some(1),
                    optional_computed: false,
                    attributes: vec![
                        AttributeSchema::required("subnets", strings()).force_new(),
                        AttributeSchema::optional_computed("cidrs", strings()),
                        AttributeSchema::computed("sg", Type::String),
                    ],
                    blocks: Vec::new(),
                },
                BlockSchema {
                    name: "crypto",
                    nesting: Nesting::List,
                    min_items: 0,
                    max_items: Some(1),
                    optional_computed: true,
                    attributes: vec![
                        AttributeSchema::optional_computed("kind", Type::String).force_new(),
                        AttributeSchema::optional_computed("key", Type::String).force_new(),
                    ],
                    blocks: Vec::new(),
                },
            ],
        }
    }

    #[test]
    fn what_the_provider_fills_in_inside_blocks_is_no_change() {
        let set = |items: &[&str]| Value::Set(items.iter().map(|s| Value::string(*s)).collect());
        let unknown = || Value::Unknown(Type::String);
        let vpc = |subnets: &[&str], cidrs: Value, sg: Value| {
            Value::List(vec![obj(&[
                ("subnets", set(subnets)),
                ("cidrs", cidrs),
                ("sg", sg),
            ])])
        };
        let crypto = |kind: &str, key: Value| {
            Value::List(vec![obj(&[("kind", Value::string(kind)), ("key", key)])])
        };
        let prior = obj(&[
            ("id", Value::string("c-1")),
            (
                "vpc",
                vpc(&["a", "b"], set(&["0.0.0.0/0"]), Value::string("sg-1")),
            ),
            ("crypto", crypto("AES256", Value::string("aws/key"))),
        ]);
        let config = |subnets: &[&str], cidrs: Value, crypto_block: Value| {
            obj(&[
                ("id", unknown()),
                ("vpc", vpc(subnets, cidrs, unknown())),
                ("crypto", crypto_block),
            ])
        };
        let schema = filled_schema();
        let options = DiffOptions::default();
        // (case, configuration, expected action, expected reasons)
        let cases: Vec<(&str, Value, Action, Vec<Reason>)> = vec![
            (
                "computed and unset parts keep their values; the left-out block stays",
                config(
                    &["a", "b"],
                    Value::Unknown(Type::Set(Box::new(Type::String))),
                    Value::List(vec![]),
                ),
                Action::NoOp,
                vec![],
            ),
            (
                "a set optional-computed attribute is an in-place change",
                config(&["a", "b"], set(&["10.0.0.0/8"]), Value::List(vec![])),
                Action::Update,
                vec![Reason::Changed {
                    attributes: vec!["vpc".into()],
                }],
            ),
            (
                "a force-new attribute replaces",
                config(&["a", "c"], Value::Null, Value::List(vec![])),
                Action::DeleteThenCreate,
                vec![Reason::ForcedReplacement {
                    attributes: vec!["vpc".into()],
                }],
            ),
            (
                "the same block written out, its key left to the provider, is no change",
                config(&["a", "b"], Value::Null, crypto("AES256", unknown())),
                Action::NoOp,
                vec![],
            ),
            (
                "another kind in a configured block replaces",
                config(&["a", "b"], Value::Null, crypto("KMS", unknown())),
                Action::DeleteThenCreate,
                vec![Reason::ForcedReplacement {
                    attributes: vec!["crypto".into()],
                }],
            ),
        ];
        for (case, config, action, reasons) in cases {
            let change = diff_instance(&schema, Some(&prior), Some(&config), &options);
            assert_eq!(change.action, action, "{case}");
            assert_eq!(change.reasons, reasons, "{case}");
        }
        let updated = diff_instance(
            &schema,
            Some(&prior),
            Some(&config(
                &["a", "b"],
                set(&["10.0.0.0/8"]),
                Value::List(vec![]),
            )),
            &options,
        );
        let after = updated.after.expect("an update has a new value");
        let vpc_after = &after.peel().as_entries().unwrap()["vpc"];
        assert_eq!(
            vpc_after.known_eq(&vpc(
                &["a", "b"],
                set(&["10.0.0.0/8"]),
                Value::string("sg-1")
            )),
            Some(true),
            "the update keeps the computed sg: {vpc_after:?}"
        );
    }

    #[test]
    fn force_new_attributes_inside_blocks_replace() {
        let prior = blocks_value(&["a", "b"], false, &[(1.0, "x"), (2.0, "y")]);
        // (name, config, expected action, expected reasons)
        let cases = [
            (
                "in-place attribute of a block",
                blocks_value(&["a", "b"], true, &[(1.0, "x"), (2.0, "y")]),
                Action::Update,
                vec![Reason::Changed {
                    attributes: vec!["network".into()],
                }],
            ),
            (
                "force-new attribute of a block",
                blocks_value(&["a", "c"], false, &[(1.0, "x"), (2.0, "y")]),
                Action::DeleteThenCreate,
                vec![Reason::ForcedReplacement {
                    attributes: vec!["network".into()],
                }],
            ),
            (
                "set of blocks in another order, one renamed",
                blocks_value(&["a", "b"], false, &[(2.0, "y"), (1.0, "z")]),
                Action::Update,
                vec![Reason::Changed {
                    attributes: vec!["user".into()],
                }],
            ),
            (
                "a block of a set with a new force-new value",
                blocks_value(&["a", "b"], false, &[(1.0, "x"), (3.0, "y")]),
                Action::DeleteThenCreate,
                vec![Reason::ForcedReplacement {
                    attributes: vec!["user".into()],
                }],
            ),
        ];
        for (name, config, action, reasons) in cases {
            let change = diff_instance(
                &block_schema(),
                Some(&prior),
                Some(&config),
                &DiffOptions::default(),
            );
            assert_eq!(
                (change.action, &change.reasons),
                (action, &reasons),
                "{name}"
            );
        }
    }

    #[test]
    fn update_keeps_computed_values_and_replace_makes_them_unknown() {
        let change = diff_instance(
            &schema(),
            Some(&prior()),
            Some(&config("a", "prod", Value::Null)),
            &DiffOptions::default(),
        );
        let after = change.after.expect("planned value");
        let attrs = after.as_entries().expect("object");
        assert_eq!(attrs.get("id"), Some(&Value::string("i-1")));
        assert_eq!(attrs.get("size"), Some(&Value::Number(3.0)));

        let change = diff_instance(
            &schema(),
            Some(&prior()),
            Some(&config("b", "dev", Value::Null)),
            &DiffOptions::default(),
        );
        let after = change.after.expect("planned value");
        assert!(after
            .as_entries()
            .and_then(|a| a.get("id"))
            .is_some_and(Value::is_unknown));
    }
}
