//! The state as planning reads it: each instance's value, read straight from the file.
//!
//! A plan needs only values, not the state document: [`StateValues`] has the same shape as
//! [`State`](super::State) (and refuses what it refuses), but each instance's attributes go from
//! the JSON text straight into a plat [`Value`], sensitive paths marked, without the JSON tree in
//! between. On a large state that tree is most of the memory a plan would use and a third of its
//! time. Deposed objects and identities are checked for shape and skipped: planning does not use
//! them.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::model::{mark_sensitive, mode_name, InstanceStatus, PathStep};
use crate::lang::config::ResourceMode;
use crate::lang::value::Value;

#[derive(Debug, Deserialize)]
pub struct StateValues {
    pub format_version: u32,
    pub serial: u64,
    pub lineage: String,
    #[allow(dead_code)]
    plat_version: Text,
    /// Resources by address, in the file's order: a list, not a map, since planning walks them
    /// once (a key written twice by hand is resolved as the full read does: the last wins).
    #[serde(default, deserialize_with = "entries")]
    pub resources: Vec<(String, ResourceValues)>,
    #[serde(default)]
    #[allow(dead_code)]
    outputs: BTreeMap<String, IgnoredAny>,
}

#[derive(Debug, Deserialize)]
pub struct ResourceValues {
    #[serde(with = "mode_name")]
    pub mode: ResourceMode,
    #[allow(dead_code)]
    type_name: Text,
    #[allow(dead_code)]
    name: Text,
    #[allow(dead_code)]
    module: Text,
    pub provider: String,
    /// Instances by key, in the file's order.
    #[serde(deserialize_with = "entries")]
    pub instances: Vec<(String, InstanceValues)>,
}

/// A string field planning does not use: checked to be a string, not kept.
#[derive(Debug)]
struct Text;

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, _: &str) -> Result<Text, E> {
                Ok(Text)
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// A JSON object's entries as a list.
fn entries<'de, D, V>(d: D) -> Result<Vec<(String, V)>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Visitor<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<V> {
        type Value = Vec<(String, V)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(entry) = map.next_entry()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Visitor(std::marker::PhantomData))
}

#[derive(Debug, Deserialize)]
#[serde(from = "StoredInstance")]
pub struct InstanceValues {
    /// The attributes, sensitive parts marked (as [`InstanceState::value`](super::InstanceState::value)).
    pub value: Value,
    pub dependencies: Vec<String>,
    pub status: InstanceStatus,
}

/// An instance as the file has it: the attributes and, perhaps after them, their sensitive paths.
#[derive(Deserialize)]
struct StoredInstance {
    #[serde(deserialize_with = "crate::lang::value::json::deserialize")]
    attributes: Value,
    #[serde(default)]
    sensitive_paths: Vec<Vec<PathStep>>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    status: InstanceStatus,
    #[serde(default)]
    #[allow(dead_code)]
    deposed: BTreeMap<String, IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)]
    identity: Option<IgnoredAny>,
}

impl From<StoredInstance> for InstanceValues {
    fn from(stored: StoredInstance) -> InstanceValues {
        let mut value = stored.attributes;
        mark_sensitive(&mut value, &stored.sensitive_paths);
        InstanceValues {
            value,
            dependencies: stored.dependencies,
            status: stored.status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::model::attributes_from_value;
    use crate::state::{InstanceAddress, InstanceState, State};
    use std::str::FromStr;

    #[test]
    fn reads_the_values_the_full_document_gives() {
        let mut state = State::new();
        let value = Value::Object(BTreeMap::from([
            ("id".to_string(), Value::string("i-1")),
            ("count".to_string(), Value::Number(3.0)),
            ("ratio".to_string(), Value::Number(0.25)),
            ("on".to_string(), Value::Bool(true)),
            ("none".to_string(), Value::Null),
            (
                "tags".to_string(),
                Value::Object(BTreeMap::from([(
                    "password".to_string(),
                    Value::string("hunter2").sensitive(),
                )])),
            ),
            (
                "list".to_string(),
                Value::Tuple(vec![Value::string("a"), Value::Number(-1.0)]),
            ),
        ]));
        let (attributes, paths) = attributes_from_value(&value).unwrap();
        let mut instance = InstanceState::new(attributes, paths);
        instance.dependencies = vec!["plat_data.a".into()];
        instance.status = InstanceStatus::Tainted;
        let address = InstanceAddress::from_str("module.m[\"k\"].plat_data.b[2]").unwrap();
        state.set_instance(&address, "plat", instance);
        let bytes = state.to_json_bytes().unwrap();

        let full: State = serde_json::from_slice(&bytes).unwrap();
        let lean: StateValues = serde_json::from_slice(&bytes).unwrap();
        let full_instance = full.instance(&address).unwrap();
        let (resource_address, resource) = &lean.resources[0];
        assert_eq!(resource_address, &address.resource_address());
        let (key, lean_instance) = &resource.instances[0];
        assert_eq!(key, &address.instance_key());
        assert_eq!(lean_instance.value, full_instance.value());
        assert_eq!(lean_instance.value, value);
        assert_eq!(lean_instance.dependencies, vec!["plat_data.a".to_string()]);
        assert_eq!(lean_instance.status, InstanceStatus::Tainted);
        assert_eq!(resource.provider, "plat");
        assert_eq!((lean.lineage, lean.serial), (full.lineage, full.serial));
    }

    #[test]
    fn accepts_and_refuses_what_the_full_document_does() {
        for text in [
            r#"{"format_version": 1, "serial": 1, "lineage": "x", "plat_version": "0"}"#,
            r#"{"format_version": 1, "serial": 1, "lineage": "x", "plat_version": "0", "resources": {"a.b": {"mode": "odd", "type_name": "a", "name": "b", "module": "", "provider": "a", "instances": {}}}}"#,
            r#"{"format_version": 1, "serial": 1, "lineage": "x", "plat_version": "0", "resources": {"a.b": {"mode": "managed", "type_name": "a", "name": "b", "module": "", "provider": "a", "instances": {"": {"status": "ready"}}}}}"#,
            r#"{"format_version": 1, "serial": 1, "lineage": "x", "plat_version": "0", "resources": {"a.b": {"mode": "managed", "type_name": "a", "name": "b", "module": "", "provider": "a", "instances": {"": {"attributes": {}, "status": "gone"}}}}}"#,
            r#"{"format_version": 1, "serial": 1, "lineage": "x", "plat_version": "0", "resources": {}, "outputs": {}"#,
        ] {
            let full = serde_json::from_str::<State>(text).is_ok();
            let lean = serde_json::from_str::<StateValues>(text).is_ok();
            assert_eq!(lean, full, "{text}");
        }
    }
}
