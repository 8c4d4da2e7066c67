//! The state document: what plat last knew about every object it manages.
//!
//! It is versioned (`format_version`), ordered (every map is a `BTreeMap`, so the same state
//! always serialises to the same bytes) and holds secrets, as Terraform's state does: attribute
//! values are stored in full, and `sensitive_paths` say which parts must never be shown. `Debug`
//! is written by hand so that a `{:?}` of a state never prints one.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use thiserror::Error;

use super::address::InstanceAddress;
use crate::expand::module_prefix;
use crate::lang::config::ResourceMode;
use crate::lang::value::json::{from_json, number_to_json};
use crate::lang::value::{quote, Value};

/// The newest state format this plat reads and the one it writes.
pub const STATE_FORMAT_VERSION: u32 = 1;

/// What sensitive values look like whenever state is shown.
pub const REDACTED: &str = "(sensitive value)";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub format_version: u32,
    /// Incremented by every write; a write never replaces a file with a higher serial.
    pub serial: u64,
    /// A UUID given when the state is created and never changed: two files with different
    /// lineages are different states, never versions of one.
    pub lineage: String,
    /// The plat version that last wrote the file.
    pub plat_version: String,
    /// Resources by address without the instance key (`module.net["a"].aws_vpc.main`,
    /// `data.aws_ami.ubuntu`).
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceState>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    #[serde(with = "mode_name")]
    pub mode: ResourceMode,
    pub type_name: String,
    pub name: String,
    /// The module instance prefix, `module.net["a"].`, empty for the root module.
    pub module: String,
    /// The provider configuration that manages it: `random`, `aws.west`.
    pub provider: String,
    /// Instances by key, written as between the brackets of the address: `""` (no
    /// `count`/`for_each`), `"0"`, `"\"a\""` (see `address::instance_key_string`).
    pub instances: BTreeMap<String, InstanceState>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    /// The object's attributes, fully known (a JSON object).
    pub attributes: Json,
    /// Paths to the parts of `attributes` that are sensitive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_paths: Vec<Vec<PathStep>>,
    /// Addresses (without instance keys) of the resources this instance directly depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default)]
    pub status: InstanceStatus,
    /// Objects replaced with `create_before_destroy` whose destruction has not completed yet,
    /// by deposed id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deposed: BTreeMap<String, Json>,
    /// What the provider needs to find the object again (after a crash, before its
    /// attributes were saved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Json>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceStatus {
    #[default]
    Ready,
    /// A create failed part-way or the user asked for replacement: the next plan replaces it.
    Tainted,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: Json,
    #[serde(default)]
    pub sensitive: bool,
}

/// One step into a value: an attribute name or map key, or a list/tuple/set index.
/// Serialised as a JSON string or number: `["tags", "Name"]`, `["ingress", 0, "cidr"]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathStep {
    Index(u64),
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AttributesError {
    #[error("attribute {} is not known yet; only values known after apply can be saved to state (this is a bug in the caller: resolve unknowns before saving)", render_path(.path))]
    Unknown { path: Vec<PathStep> },
    #[error("attribute {} is the number {value}, which JSON cannot hold; use a finite number", render_path(.path))]
    NotFinite { path: Vec<PathStep>, value: String },
    #[error("resource attributes must be an object, found {kind}; this is a bug in the provider that returned them")]
    NotAnObject { kind: String },
}

impl State {
    /// A new, empty state with a fresh lineage.
    pub fn new() -> State {
        State {
            format_version: STATE_FORMAT_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            plat_version: env!("CARGO_PKG_VERSION").to_owned(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
        }
    }

    pub fn instance(&self, address: &InstanceAddress) -> Option<&InstanceState> {
        self.resources
            .get(&address.resource_address())?
            .instances
            .get(&address.instance_key())
    }

    /// Sets an instance, creating its resource entry (served by `provider`) when needed.
    pub fn set_instance(
        &mut self,
        address: &InstanceAddress,
        provider: &str,
        instance: InstanceState,
    ) {
        let resource = self
            .resources
            .entry(address.resource_address())
            .or_insert_with(|| ResourceState {
                mode: address.mode,
                type_name: address.type_name.clone(),
                name: address.name.clone(),
                module: module_prefix(&address.module),
                provider: provider.to_owned(),
                instances: BTreeMap::new(),
            });
        resource.instances.insert(address.instance_key(), instance);
    }

    /// Removes an instance, and its resource entry when it was the last one.
    pub fn remove_instance(&mut self, address: &InstanceAddress) -> Option<InstanceState> {
        let resource_address = address.resource_address();
        let resource = self.resources.get_mut(&resource_address)?;
        let removed = resource.instances.remove(&address.instance_key());
        if resource.instances.is_empty() {
            self.resources.remove(&resource_address);
        }
        removed
    }

    /// The file's bytes: pretty JSON with a final newline.
    pub fn to_json_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl InstanceState {
    /// A ready instance with the given attributes (see [`attributes_from_value`]).
    pub fn new(attributes: Json, sensitive_paths: Vec<Vec<PathStep>>) -> InstanceState {
        InstanceState {
            attributes,
            sensitive_paths,
            dependencies: Vec::new(),
            status: InstanceStatus::Ready,
            deposed: BTreeMap::new(),
            identity: None,
        }
    }

    /// The attributes as a plat value, sensitive parts marked.
    pub fn value(&self) -> Value {
        value_from_attributes(&self.attributes, &self.sensitive_paths)
    }
}

impl OutputState {
    /// An output's value; a value with any sensitive part is saved as a sensitive output.
    pub fn from_value(value: &Value) -> Result<OutputState, AttributesError> {
        let mut paths = Vec::new();
        let json = to_json_at(value, &mut Vec::new(), &mut paths, true)?;
        Ok(OutputState {
            value: json,
            sensitive: !paths.is_empty(),
        })
    }

    pub fn to_value(&self) -> Value {
        from_json(&self.value).mark_if(self.sensitive)
    }
}

/// Splits a fully known value into the JSON stored in state and the paths of its sensitive
/// parts. Lists, tuples and sets become arrays, maps and objects become objects; a sensitive
/// part inside a sensitive part is covered by the outer path alone.
pub fn attributes_from_value(value: &Value) -> Result<(Json, Vec<Vec<PathStep>>), AttributesError> {
    if !matches!(value.peel(), Value::Object(_) | Value::Map(_)) {
        return Err(AttributesError::NotAnObject {
            kind: value.kind_name(),
        });
    }
    let mut paths = Vec::new();
    let json = to_json_at(value, &mut Vec::new(), &mut paths, true)?;
    Ok((json, paths))
}

fn to_json_at(
    value: &Value,
    path: &mut Vec<PathStep>,
    sensitive_paths: &mut Vec<Vec<PathStep>>,
    record: bool,
) -> Result<Json, AttributesError> {
    Ok(match value {
        Value::Sensitive(inner) => {
            if record {
                sensitive_paths.push(path.clone());
            }
            to_json_at(inner, path, sensitive_paths, false)?
        }
        Value::Unknown(_) => return Err(AttributesError::Unknown { path: path.clone() }),
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) if !n.is_finite() => {
            return Err(AttributesError::NotFinite {
                path: path.clone(),
                value: n.to_string(),
            })
        }
        Value::Number(n) => number_to_json(*n),
        Value::String(s) => Json::String(s.clone()),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i as u64));
                let converted = to_json_at(item, path, sensitive_paths, record);
                path.pop();
                out.push(converted?);
            }
            Json::Array(out)
        }
        Value::Map(entries) | Value::Object(entries) => {
            let mut out = serde_json::Map::with_capacity(entries.len());
            for (key, item) in entries {
                path.push(PathStep::Name(key.clone()));
                let converted = to_json_at(item, path, sensitive_paths, record);
                path.pop();
                out.insert(key.clone(), converted?);
            }
            Json::Object(out)
        }
    })
}

/// The value of stored attributes with the sensitive paths marked again. Arrays come back as
/// tuples and objects as objects (the schema converts them further). Paths that no longer exist
/// in the attributes are ignored.
pub fn value_from_attributes(attributes: &Json, sensitive_paths: &[Vec<PathStep>]) -> Value {
    let mut value = from_json(attributes);
    mark_sensitive(&mut value, sensitive_paths);
    value
}

/// Marks the parts of `value` at `sensitive_paths` sensitive; paths that do not exist in it are
/// ignored.
pub fn mark_sensitive(value: &mut Value, sensitive_paths: &[Vec<PathStep>]) {
    for path in sensitive_paths {
        if let Some(slot) = value_at_mut(value, path) {
            let taken = std::mem::replace(slot, Value::Null);
            *slot = taken.sensitive();
        }
    }
}

fn value_at_mut<'a>(value: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let Some((step, rest)) = path.split_first() else {
        return Some(value);
    };
    let child = match (value, step) {
        (Value::Sensitive(inner), _) => return value_at_mut(inner, path),
        (Value::List(items) | Value::Tuple(items) | Value::Set(items), PathStep::Index(i)) => {
            items.get_mut(usize::try_from(*i).ok()?)?
        }
        (Value::Map(entries) | Value::Object(entries), PathStep::Name(key)) => {
            entries.get_mut(key)?
        }
        _ => return None,
    };
    value_at_mut(child, rest)
}

fn json_at_mut<'a>(json: &'a mut Json, path: &[PathStep]) -> Option<&'a mut Json> {
    let Some((step, rest)) = path.split_first() else {
        return Some(json);
    };
    let child = match (json, step) {
        (Json::Array(items), PathStep::Index(i)) => items.get_mut(usize::try_from(*i).ok()?)?,
        (Json::Object(entries), PathStep::Name(key)) => entries.get_mut(key)?,
        _ => return None,
    };
    json_at_mut(child, rest)
}

/// A copy of `json` with every sensitive path replaced by [`REDACTED`].
pub fn redacted(json: &Json, sensitive_paths: &[Vec<PathStep>]) -> Json {
    let mut copy = json.clone();
    for path in sensitive_paths {
        if let Some(slot) = json_at_mut(&mut copy, path) {
            *slot = Json::String(REDACTED.to_owned());
        }
    }
    copy
}

/// `tags["Name"]`, `ingress[0].cidr`; the whole value is `(the whole object)`.
pub fn render_path(path: &[PathStep]) -> String {
    if path.is_empty() {
        return "(the whole object)".to_owned();
    }
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
            PathStep::Name(name) if is_plain_name(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            PathStep::Name(name) => out.push_str(&format!("[{}]", quote(name))),
        }
    }
    out
}

fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Debug for InstanceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Deposed objects have no sensitive paths of their own: show only their ids.
        let deposed: BTreeMap<&str, &str> = self
            .deposed
            .keys()
            .map(|id| (id.as_str(), "(not shown)"))
            .collect();
        f.debug_struct("InstanceState")
            .field(
                "attributes",
                &redacted(&self.attributes, &self.sensitive_paths),
            )
            .field("sensitive_paths", &self.sensitive_paths)
            .field("dependencies", &self.dependencies)
            .field("status", &self.status)
            .field("deposed", &deposed)
            .field("identity", &self.identity)
            .finish()
    }
}

impl fmt::Debug for OutputState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("OutputState");
        if self.sensitive {
            out.field("value", &REDACTED);
        } else {
            out.field("value", &self.value);
        }
        out.field("sensitive", &self.sensitive).finish()
    }
}

/// `ResourceMode` as `"managed"` / `"data"`.
pub(super) mod mode_name {
    use super::ResourceMode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(mode: &ResourceMode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match mode {
            ResourceMode::Managed => "managed",
            ResourceMode::Data => "data",
        })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ResourceMode, D::Error> {
        match String::deserialize(d)?.as_str() {
            "managed" => Ok(ResourceMode::Managed),
            "data" => Ok(ResourceMode::Data),
            other => Err(serde::de::Error::custom(format!(
                "unknown resource mode `{other}` (expected `managed` or `data`)"
            ))),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::expand::InstanceKey;
    use proptest::prelude::*;
    use serde_json::json;

    fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    fn name(s: &str) -> PathStep {
        PathStep::Name(s.into())
    }

    #[test]
    fn attributes_table() {
        let cases: Vec<(Value, Json, Vec<Vec<PathStep>>)> = vec![
            (obj(vec![("a", 1i64.into())]), json!({"a": 1}), vec![]),
            (
                obj(vec![("password", Value::string("s3cret").sensitive())]),
                json!({"password": "s3cret"}),
                vec![vec![name("password")]],
            ),
            (
                obj(vec![(
                    "rules",
                    Value::List(vec![
                        obj(vec![("cidr", "10.0.0.0/8".into())]),
                        obj(vec![("token", Value::string("t").sensitive())]),
                    ]),
                )]),
                json!({"rules": [{"cidr": "10.0.0.0/8"}, {"token": "t"}]}),
                vec![vec![name("rules"), PathStep::Index(1), name("token")]],
            ),
            (
                obj(vec![("x", Value::Null), ("b", true.into())]).sensitive(),
                json!({"b": true, "x": null}),
                vec![vec![]],
            ),
            (
                obj(vec![(
                    "m",
                    obj(vec![("k", Value::string("v").sensitive())]).sensitive(),
                )]),
                json!({"m": {"k": "v"}}),
                vec![vec![name("m")]],
            ),
        ];
        for (value, want_json, want_paths) in cases {
            let (got_json, got_paths) = attributes_from_value(&value).unwrap();
            assert_eq!(got_json, want_json, "{value:?}");
            assert_eq!(got_paths, want_paths, "{value:?}");
            let back = value_from_attributes(&got_json, &got_paths);
            assert_eq!(
                back.contains_sensitive(),
                value.contains_sensitive(),
                "{value:?}"
            );
            assert_eq!(back.known_eq(&value), Some(true), "{value:?}");
        }
    }

    #[test]
    fn unknown_and_non_objects_are_errors() {
        let unknown = obj(vec![(
            "tags",
            obj(vec![("Name", Value::unknown()), ("a", 1i64.into())]),
        )]);
        let error = attributes_from_value(&unknown).unwrap_err();
        assert_eq!(
            error,
            AttributesError::Unknown {
                path: vec![name("tags"), name("Name")]
            }
        );
        assert!(error.to_string().contains("tags.Name"), "{error}");
        assert!(matches!(
            attributes_from_value(&Value::string("x")),
            Err(AttributesError::NotAnObject { .. })
        ));
        assert!(matches!(
            attributes_from_value(&obj(vec![("n", f64::NAN.into())])),
            Err(AttributesError::NotFinite { .. })
        ));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let value = obj(vec![
            ("id", "abc".into()),
            ("password", Value::string("hunter2").sensitive()),
            (
                "nested",
                Value::List(vec![Value::string("hunter3").sensitive()]),
            ),
        ]);
        let (attributes, paths) = attributes_from_value(&value).unwrap();
        let mut instance = InstanceState::new(attributes, paths);
        instance
            .deposed
            .insert("d1".into(), json!({"password": "hunter4"}));
        let text = format!("{instance:?}");
        assert!(!text.contains("hunter"), "{text}");
        assert!(text.contains("abc") && text.contains(REDACTED), "{text}");

        let output = OutputState::from_value(&Value::string("hunter5").sensitive()).unwrap();
        let text = format!("{output:?}");
        assert!(
            !text.contains("hunter") && text.contains(REDACTED),
            "{text}"
        );
        assert_eq!(output.value, json!("hunter5"));
        assert!(output.to_value().is_sensitive());
    }

    #[test]
    fn set_and_remove_instances() {
        let mut state = State::new();
        let address: InstanceAddress = r#"module.net["a"].aws_vpc.main[1]"#.parse().unwrap();
        state.set_instance(
            &address,
            "aws.west",
            InstanceState::new(json!({"id": "vpc-1"}), vec![]),
        );
        let resource = &state.resources[r#"module.net["a"].aws_vpc.main"#];
        assert_eq!(resource.module, r#"module.net["a"]."#);
        assert_eq!(resource.provider, "aws.west");
        assert_eq!(resource.instances.keys().collect::<Vec<_>>(), ["1"]);
        assert!(state.instance(&address).is_some());
        assert!(state.remove_instance(&address).is_some());
        assert!(state.resources.is_empty());
        let mut other = address.clone();
        other.key = InstanceKey::Key("b".into());
        assert!(state.remove_instance(&other).is_none());
    }

    #[test]
    fn serialised_form_is_documented_shape() {
        let mut state = State::new();
        state.lineage = "L".into();
        state.plat_version = "0.1.0".into();
        let address: InstanceAddress = r#"data.aws_ami.ubuntu["x"]"#.parse().unwrap();
        let mut instance = InstanceState::new(json!({"id": "ami-1"}), vec![vec![name("id")]]);
        instance.dependencies = vec!["aws_vpc.main".into()];
        state.set_instance(&address, "aws", instance);
        let text = String::from_utf8(state.to_json_bytes().unwrap()).unwrap();
        let expected = r#"{
  "format_version": 1,
  "serial": 0,
  "lineage": "L",
  "plat_version": "0.1.0",
  "resources": {
    "data.aws_ami.ubuntu": {
      "mode": "data",
      "type_name": "aws_ami",
      "name": "ubuntu",
      "module": "",
      "provider": "aws",
      "instances": {
        "\"x\"": {
          "attributes": {
            "id": "ami-1"
          },
          "sensitive_paths": [
            [
              "id"
            ]
          ],
          "dependencies": [
            "aws_vpc.main"
          ],
          "status": "ready"
        }
      }
    }
  },
  "outputs": {}
}
"#;
        assert_eq!(text, expected);
        let back: State = serde_json::from_str(&text).unwrap();
        assert_eq!(back, state);
    }

    /// Random JSON attribute objects with sensitive paths that exist in them.
    pub(crate) fn arb_json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            // Eighths are exact in binary, so the text form round-trips whatever the parser.
            (-1_000_000i64..1_000_000).prop_map(|n| json!(n as f64 / 8.0)),
            ".{0,12}".prop_map(Json::String),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
                prop::collection::btree_map(".{0,8}", inner, 0..5)
                    .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    fn paths_of(json: &Json, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
        out.push(path.clone());
        match json {
            Json::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(PathStep::Index(i as u64));
                    paths_of(item, path, out);
                    path.pop();
                }
            }
            Json::Object(entries) => {
                for (key, item) in entries {
                    path.push(PathStep::Name(key.clone()));
                    paths_of(item, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    pub(crate) fn arb_instance() -> impl Strategy<Value = InstanceState> {
        prop::collection::btree_map("[a-z_]{1,8}", arb_json(), 0..6)
            .prop_map(|m| Json::Object(m.into_iter().collect()))
            .prop_flat_map(|attributes| {
                let mut all = Vec::new();
                paths_of(&attributes, &mut Vec::new(), &mut all);
                let picks = prop::collection::vec(prop::sample::select(all), 0..4);
                (Just(attributes), picks, any::<bool>())
            })
            .prop_map(|(attributes, sensitive_paths, tainted)| {
                let mut instance = InstanceState::new(attributes, sensitive_paths);
                if tainted {
                    instance.status = InstanceStatus::Tainted;
                    instance.identity = Some(json!({"id": "x"}));
                    instance.deposed.insert("00000001".into(), json!({}));
                }
                instance
            })
    }

    pub(crate) fn arb_state() -> impl Strategy<Value = State> {
        prop::collection::vec(
            (
                "[a-z]{1,6}",
                prop_oneof![
                    Just(InstanceKey::None),
                    (0usize..20).prop_map(InstanceKey::Index),
                    ".{0,6}".prop_map(InstanceKey::Key)
                ],
                arb_instance(),
            ),
            0..6,
        )
        .prop_map(|instances| {
            let mut state = State::new();
            for (name, key, instance) in instances {
                let address = InstanceAddress {
                    module: vec![("m".into(), InstanceKey::Key(name.clone()))],
                    mode: ResourceMode::Managed,
                    type_name: "random_pet".into(),
                    name,
                    key,
                };
                state.set_instance(&address, "random", instance);
            }
            state.outputs.insert(
                "o".into(),
                OutputState {
                    value: json!([1, "a"]),
                    sensitive: true,
                },
            );
            state
        })
    }

    proptest! {
        #[test]
        fn state_json_round_trip_is_lossless_and_stable(state in arb_state()) {
            let bytes = state.to_json_bytes().unwrap();
            let back: State = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(&back, &state);
            prop_assert_eq!(back.to_json_bytes().unwrap(), bytes);
        }

        #[test]
        fn sensitive_paths_survive_value_round_trip(instance in arb_instance()) {
            // Marks never change the stored JSON (numbers are normalised by plat's f64 values).
            let (marked, _) = attributes_from_value(&instance.value()).unwrap();
            let (plain, _) = attributes_from_value(&from_json(&instance.attributes)).unwrap();
            prop_assert_eq!(marked, plain);
            prop_assert_eq!(instance.value().contains_sensitive(), !instance.sensitive_paths.is_empty());
            let shown = format!("{instance:?}");
            let mut copy = redacted(&instance.attributes, &instance.sensitive_paths);
            let hidden = Json::String(REDACTED.into());
            for path in &instance.sensitive_paths {
                // Every sensitive part, or a part around it, is replaced in the rendering.
                let covered = (0..=path.len())
                    .any(|n| json_at_mut(&mut copy, &path[..n]).is_some_and(|j| *j == hidden));
                prop_assert!(covered, "{:?} not hidden in {:?}", path, copy);
                prop_assert!(shown.contains(REDACTED));
            }
        }
    }
}
