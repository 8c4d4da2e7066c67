//! Instance addresses as the state and the journal write them: `module.net["a"].aws_vpc.main[0]`.
//!
//! One printed form serves plans, journal records and state files, so an address is the same
//! string everywhere. Instance keys inside the state's `instances` map use the text between the
//! brackets (see [`instance_key_string`]).

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::expand::{module_prefix, InstanceKey, ModuleInstance};
use crate::lang::config::ResourceMode;
use crate::lang::value::quote;

/// The address of one resource instance, with every key known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceAddress {
    pub module: ModuleInstance,
    pub mode: ResourceMode,
    pub type_name: String,
    pub name: String,
    pub key: InstanceKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid resource instance address `{address}`: {problem}; write it as `module.NAME[KEY].TYPE.NAME[KEY]` (module parts, `data.` and keys optional)")]
pub struct AddressError {
    pub address: String,
    pub problem: String,
}

impl InstanceAddress {
    /// The key of the resource in `State::resources`: the address without the instance key
    /// (module instance keys stay).
    pub fn resource_address(&self) -> String {
        let mode = match self.mode {
            ResourceMode::Managed => "",
            ResourceMode::Data => "data.",
        };
        format!(
            "{}{mode}{}.{}",
            module_prefix(&self.module),
            self.type_name,
            self.name
        )
    }

    /// The key of the instance in `ResourceState::instances`.
    pub fn instance_key(&self) -> String {
        instance_key_string(&self.key).unwrap_or_default()
    }
}

impl fmt::Display for InstanceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource_address(), self.key.suffix())
    }
}

/// How an instance key is written in `ResourceState::instances`: the text between the brackets
/// of the address. `""` for a resource without `count`/`for_each`, `"0"` for `count`, the quoted
/// HCL string (`"\"a\""`) for `for_each`. `None` for an unknown key, which state never holds.
pub fn instance_key_string(key: &InstanceKey) -> Option<String> {
    match key {
        InstanceKey::None => Some(String::new()),
        InstanceKey::Index(i) => Some(i.to_string()),
        InstanceKey::Key(k) => Some(quote(k)),
        InstanceKey::Unknown => None,
    }
}

/// Reads a key written by [`instance_key_string`].
pub fn parse_instance_key(text: &str) -> Result<InstanceKey, AddressError> {
    let problem = |problem: &str| AddressError {
        address: format!("[{text}]"),
        problem: problem.to_owned(),
    };
    if text.is_empty() {
        return Ok(InstanceKey::None);
    }
    if text.starts_with('"') {
        let (key, rest) = take_quoted(text).ok_or_else(|| problem("unterminated string key"))?;
        if !rest.is_empty() {
            return Err(problem("text after the string key"));
        }
        return Ok(InstanceKey::Key(key));
    }
    parse_index(text)
        .map(InstanceKey::Index)
        .ok_or_else(|| problem("a key is a non-negative integer or a quoted string"))
}

fn parse_index(text: &str) -> Option<usize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Splits a leading quoted HCL string off `text`, returning its value and the rest.
fn take_quoted(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => {
                let (_, escaped) = chars.next()?;
                match escaped {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    'u' => {
                        let mut code = 0u32;
                        for _ in 0..4 {
                            let (_, digit) = chars.next()?;
                            code = code * 16 + digit.to_digit(16)?;
                        }
                        out.push(char::from_u32(code)?);
                    }
                    _ => return None,
                }
            }
            // `quote` doubles the sign of a literal `${` / `%{`.
            '$' | '%' => {
                let mut ahead = chars.clone();
                let doubled = matches!(ahead.next(), Some((_, n)) if n == c)
                    && matches!(ahead.next(), Some((_, '{')));
                if doubled {
                    chars.next();
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    None
}

fn take_identifier(text: &str) -> Option<(&str, &str)> {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(text.len());
    (end > 0).then(|| text.split_at(end))
}

/// Reads an optional `[KEY]`.
fn take_key(text: &str) -> Option<(InstanceKey, &str)> {
    let Some(inner) = text.strip_prefix('[') else {
        return Some((InstanceKey::None, text));
    };
    if inner.starts_with('"') {
        let (key, rest) = take_quoted(inner)?;
        return Some((InstanceKey::Key(key), rest.strip_prefix(']')?));
    }
    let end = inner.find(']')?;
    Some((
        InstanceKey::Index(parse_index(&inner[..end])?),
        &inner[end + 1..],
    ))
}

impl FromStr for InstanceAddress {
    type Err = AddressError;

    fn from_str(address: &str) -> Result<Self, Self::Err> {
        let problem = |problem: &str| AddressError {
            address: address.to_owned(),
            problem: problem.to_owned(),
        };
        let mut rest = address;
        let mut module = ModuleInstance::new();
        while let Some(after) = rest.strip_prefix("module.") {
            let (call, after) =
                take_identifier(after).ok_or_else(|| problem("expected a module call name"))?;
            let (key, after) =
                take_key(after).ok_or_else(|| problem("invalid module instance key"))?;
            rest = after
                .strip_prefix('.')
                .ok_or_else(|| problem("expected `.` after the module call"))?;
            module.push((call.to_owned(), key));
        }
        let (mode, after) = match rest.strip_prefix("data.") {
            Some(after) => (ResourceMode::Data, after),
            None => (ResourceMode::Managed, rest),
        };
        let (type_name, after) =
            take_identifier(after).ok_or_else(|| problem("expected a resource type"))?;
        let after = after
            .strip_prefix('.')
            .ok_or_else(|| problem("expected `.` after the resource type"))?;
        let (name, after) =
            take_identifier(after).ok_or_else(|| problem("expected a resource name"))?;
        let (key, after) = take_key(after).ok_or_else(|| problem("invalid instance key"))?;
        if !after.is_empty() {
            return Err(problem("unexpected text after the address"));
        }
        Ok(InstanceAddress {
            module,
            mode,
            type_name: type_name.to_owned(),
            name: name.to_owned(),
            key,
        })
    }
}

impl serde::Serialize for InstanceAddress {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for InstanceAddress {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn addresses_round_trip() {
        let cases = [
            "random_pet.name",
            "random_pet.name[0]",
            r#"aws_subnet.private["eu-west-1a"]"#,
            "data.aws_ami.ubuntu",
            r#"module.net["a"].aws_vpc.main"#,
            r#"module.net["a"].module.sub[3].data.aws_ami.x["k.[]\"y"]"#,
            r#"module.m.aws_s3_bucket.b["$${literal}"]"#,
        ];
        for text in cases {
            let address: InstanceAddress = text.parse().unwrap();
            assert_eq!(address.to_string(), text);
        }
        let address: InstanceAddress = r#"module.net["a"].aws_vpc.main[2]"#.parse().unwrap();
        assert_eq!(
            address.resource_address(),
            r#"module.net["a"].aws_vpc.main"#
        );
        assert_eq!(address.instance_key(), "2");
    }

    #[test]
    fn invalid_addresses_are_errors() {
        for text in [
            "",
            "aws_vpc",
            "aws_vpc.",
            "aws_vpc.main[",
            "aws_vpc.main[x]",
            "aws_vpc.main[-1]",
            r#"aws_vpc.main["a]"#,
            "aws_vpc.main.extra",
            "module.m",
            "aws_vpc.main[*]",
        ] {
            let error = text.parse::<InstanceAddress>().unwrap_err();
            assert!(error.to_string().contains(text), "{error}");
        }
    }

    #[test]
    fn instance_keys_table() {
        let cases = [
            (InstanceKey::None, ""),
            (InstanceKey::Index(0), "0"),
            (InstanceKey::Index(12), "12"),
            (InstanceKey::Key("a".into()), r#""a""#),
            (InstanceKey::Key("${x}".into()), r#""$${x}""#),
        ];
        for (key, text) in cases {
            assert_eq!(instance_key_string(&key).unwrap(), text);
            assert_eq!(parse_instance_key(text).unwrap(), key);
        }
        assert_eq!(instance_key_string(&InstanceKey::Unknown), None);
        assert!(parse_instance_key("a").is_err());
        assert!(parse_instance_key(r#""a"x"#).is_err());
    }

    proptest! {
        #[test]
        fn any_string_key_round_trips(key in any::<String>()) {
            let text = instance_key_string(&InstanceKey::Key(key.clone())).unwrap();
            prop_assert_eq!(parse_instance_key(&text).unwrap(), InstanceKey::Key(key.clone()));
            let address = InstanceAddress {
                module: vec![("m".into(), InstanceKey::Key(key.clone()))],
                mode: ResourceMode::Data,
                type_name: "t_x".into(),
                name: "n".into(),
                key: InstanceKey::Key(key),
            };
            prop_assert_eq!(address.to_string().parse::<InstanceAddress>().unwrap(), address);
        }

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = text.parse::<InstanceAddress>();
            let _ = parse_instance_key(&text);
        }
    }
}
