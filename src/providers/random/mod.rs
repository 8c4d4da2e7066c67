//! The `random` provider: random values generated once, at create, and kept in state.
//!
//! Every argument forces a new value; plans carry the prior result over unchanged, so a random
//! value is stable until an argument (typically `keepers`) changes. Randomness comes from the
//! operating system's cryptographically secure generator.

pub mod random_id;
pub mod random_password;
pub mod random_string;

use std::sync::Arc;

use super::resource::{complete, keep_computed, unknown, Attrs, ProviderError};
use super::schema::{AttributeSchema, ResourceSchema};
use super::Provider;
use crate::lang::types::Type;
use crate::lang::value::Value;

pub fn provider() -> Provider {
    Provider {
        name: "random",
        resources: vec![
            Arc::new(random_id::RandomId::new()),
            Arc::new(random_password::RandomPassword::new()),
            Arc::new(random_string::RandomString::new()),
        ],
        data_sources: Vec::new(),
        configure: None,
    }
}

/// `keepers`: arbitrary values that, when changed, generate a new random value.
fn keepers() -> AttributeSchema {
    AttributeSchema::optional("keepers", Type::map(Type::String))
        .force_new()
        .describe("Values that, when changed, generate a new random value.")
}

/// The character-set arguments shared by random_string and random_password. Every argument of
/// the random provider forces a new value.
fn character_set_arguments() -> Vec<AttributeSchema> {
    let flag = |name| {
        AttributeSchema::optional(name, Type::Bool)
            .force_new()
            .default(true)
    };
    let minimum = |name| {
        AttributeSchema::optional(name, Type::Number)
            .force_new()
            .default(0.0)
    };
    vec![
        AttributeSchema::required("length", Type::Number)
            .force_new()
            .describe("Number of characters."),
        flag("special"),
        flag("upper"),
        flag("lower"),
        flag("numeric"),
        minimum("min_special"),
        minimum("min_upper"),
        minimum("min_lower"),
        minimum("min_numeric"),
        AttributeSchema::optional("override_special", Type::String).force_new(),
        keepers(),
        AttributeSchema::computed("id", Type::String),
    ]
}

/// Plans a random resource: on update the prior results are kept; on create they are unknown.
/// Known arguments are validated by `validate`.
fn plan_random(
    schema: &ResourceSchema,
    prior: Option<&Value>,
    proposed: Value,
    validate: impl Fn(&Attrs) -> Result<(), ProviderError>,
) -> Result<Value, ProviderError> {
    let attrs = Attrs::new(schema, &proposed);
    if attrs.arguments_known() {
        validate(&attrs)?;
    }
    Ok(match prior {
        Some(prior) => keep_computed(schema, prior, &proposed),
        None => {
            let computed: Vec<(&'static str, Value)> = schema
                .attributes
                .iter()
                .filter(|a| !a.settable())
                .map(|a| (a.name, unknown(schema, a.name)))
                .collect();
            complete(schema, &proposed, computed)
        }
    })
}

/// A cryptographically secure source of random bytes, read from the OS in batches.
struct SecureRng {
    buffer: [u8; 256],
    used: usize,
}

impl SecureRng {
    fn new() -> SecureRng {
        SecureRng {
            buffer: [0; 256],
            used: 256,
        }
    }

    fn byte(&mut self) -> Result<u8, ProviderError> {
        if self.used == self.buffer.len() {
            getrandom::fill(&mut self.buffer).map_err(|e| {
                ProviderError::other(format!("no secure random numbers available: {e}"))
            })?;
            self.used = 0;
        }
        let b = self.buffer[self.used];
        self.used += 1;
        Ok(b)
    }

    /// A uniform index below `n` (`n` ≥ 1), by rejection sampling (no modulo bias).
    fn below(&mut self, n: usize) -> Result<usize, ProviderError> {
        let n = n as u32;
        let zone = u32::MAX - (u32::MAX % n);
        loop {
            let mut x = 0u32;
            for _ in 0..4 {
                x = (x << 8) | u32::from(self.byte()?);
            }
            if x < zone {
                return Ok((x % n) as usize);
            }
        }
    }
}

/// Random bytes from the OS's secure generator.
fn random_bytes(n: usize) -> Result<Vec<u8>, ProviderError> {
    let mut bytes = vec![0; n];
    getrandom::fill(&mut bytes)
        .map_err(|e| ProviderError::other(format!("no secure random numbers available: {e}")))?;
    Ok(bytes)
}

const NUMERIC: &str = "0123456789";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

/// The arguments of random_string and random_password.
#[derive(Debug, Clone, PartialEq)]
struct Charset {
    length: usize,
    special: bool,
    upper: bool,
    lower: bool,
    numeric: bool,
    min_special: usize,
    min_upper: usize,
    min_lower: usize,
    min_numeric: usize,
    override_special: Option<String>,
}

impl Charset {
    /// Reads and validates the arguments: length ≥ 1 and ≥ the sum of the minimums, and some
    /// character to fill the rest with.
    fn from_attrs(attrs: &Attrs) -> Result<Charset, ProviderError> {
        let count = |name| attrs.count(name).map(Option::unwrap_or_default);
        let flag = |name| attrs.bool(name).map(|b| b.unwrap_or(true));
        let charset = Charset {
            length: count("length")?,
            special: flag("special")?,
            upper: flag("upper")?,
            lower: flag("lower")?,
            numeric: flag("numeric")?,
            min_special: count("min_special")?,
            min_upper: count("min_upper")?,
            min_lower: count("min_lower")?,
            min_numeric: count("min_numeric")?,
            override_special: attrs.string("override_special")?,
        };
        if charset.length < 1 {
            return Err(ProviderError::validation("length", "must be at least 1"));
        }
        let minimums =
            charset.min_special + charset.min_upper + charset.min_lower + charset.min_numeric;
        if charset.length < minimums {
            return Err(ProviderError::validation(
                "length",
                format!(
                    "{} is less than the sum of min_special, min_upper, min_lower and \
                     min_numeric ({minimums})",
                    charset.length
                ),
            ));
        }
        if charset.length > minimums && charset.pool().is_empty() {
            return Err(ProviderError::validation(
                "special",
                "at least one of special, upper, lower and numeric must be true",
            ));
        }
        Ok(charset)
    }

    /// The special characters: `override_special` unless it is unset or empty (as Terraform).
    fn specials(&self) -> &str {
        match &self.override_special {
            Some(s) if !s.is_empty() => s,
            _ => SPECIAL,
        }
    }

    /// The characters to fill the result with beyond the minimums.
    fn pool(&self) -> Vec<char> {
        let mut pool = String::new();
        for (enabled, set) in [
            (self.upper, UPPER),
            (self.lower, LOWER),
            (self.numeric, NUMERIC),
            (self.special, self.specials()),
        ] {
            if enabled {
                pool.push_str(set);
            }
        }
        pool.chars().collect()
    }

    /// Generates a string, as Terraform's random provider does: the minimums of each class
    /// first (whether or not the class is enabled), the rest from the enabled classes, then a
    /// uniform shuffle.
    fn generate(&self) -> Result<String, ProviderError> {
        let mut rng = SecureRng::new();
        let mut out: Vec<char> = Vec::with_capacity(self.length);
        let mut take = |set: &[char], n: usize, out: &mut Vec<char>| {
            for _ in 0..n {
                out.push(set[rng.below(set.len())?]);
            }
            Ok::<_, ProviderError>(())
        };
        let classes: [(&str, usize); 4] = [
            (NUMERIC, self.min_numeric),
            (LOWER, self.min_lower),
            (UPPER, self.min_upper),
            (self.specials(), self.min_special),
        ];
        for (set, n) in classes {
            let set: Vec<char> = set.chars().collect();
            take(&set, n, &mut out)?;
        }
        let rest = self.length.saturating_sub(out.len());
        take(&self.pool(), rest, &mut out)?;
        for i in (1..out.len()).rev() {
            let j = rng.below(i + 1)?;
            out.swap(i, j);
        }
        Ok(out.into_iter().collect())
    }

    /// The arguments Terraform gives an imported string: its length, everything else default.
    fn imported(result: &str) -> Vec<(&'static str, Value)> {
        vec![
            ("length", Value::from(result.chars().count() as f64)),
            ("special", Value::Bool(true)),
            ("upper", Value::Bool(true)),
            ("lower", Value::Bool(true)),
            ("numeric", Value::Bool(true)),
            ("min_special", Value::from(0.0)),
            ("min_upper", Value::from(0.0)),
            ("min_lower", Value::from(0.0)),
            ("min_numeric", Value::from(0.0)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::config;

    fn charset(set: &[(&str, Value)]) -> Result<Charset, ProviderError> {
        let schema = random_string::RandomString::new();
        let value = config(
            crate::providers::resource::ResourceType::schema(&schema),
            set,
        );
        Charset::from_attrs(&Attrs::new(
            crate::providers::resource::ResourceType::schema(&schema),
            &value,
        ))
    }

    #[test]
    fn minimums_are_honoured_over_many_generations() {
        let c = charset(&[
            ("length", Value::from(12.0)),
            ("min_upper", Value::from(3.0)),
            ("min_lower", Value::from(2.0)),
            ("min_numeric", Value::from(4.0)),
            ("min_special", Value::from(2.0)),
            ("override_special", Value::from("_%")),
        ])
        .unwrap();
        for _ in 0..500 {
            let s = c.generate().unwrap();
            assert_eq!(s.chars().count(), 12);
            let n = |f: fn(&char) -> bool| s.chars().filter(f).count();
            assert!(n(char::is_ascii_uppercase) >= 3, "{s}");
            assert!(n(char::is_ascii_lowercase) >= 2, "{s}");
            assert!(n(char::is_ascii_digit) >= 4, "{s}");
            assert!(n(|c| *c == '_' || *c == '%') >= 2, "{s}");
            assert!(s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_%".contains(c)));
        }
    }

    #[test]
    fn classes_can_be_disabled() {
        type Case<'a> = (&'a [(&'a str, Value)], fn(char) -> bool);
        let table: &[Case] = &[
            (&[("special", Value::Bool(false))], |c| {
                c.is_ascii_alphanumeric()
            }),
            (
                &[
                    ("special", Value::Bool(false)),
                    ("upper", Value::Bool(false)),
                ],
                |c| c.is_ascii_lowercase() || c.is_ascii_digit(),
            ),
            (
                &[
                    ("special", Value::Bool(false)),
                    ("upper", Value::Bool(false)),
                    ("lower", Value::Bool(false)),
                ],
                |c| c.is_ascii_digit(),
            ),
            (&[("override_special", Value::from("-"))], |c| {
                c.is_ascii_alphanumeric() || c == '-'
            }),
        ];
        for (set, allowed) in table {
            let mut set = set.to_vec();
            set.push(("length", Value::from(64.0)));
            let s = charset(&set).unwrap().generate().unwrap();
            assert!(s.chars().all(allowed), "{set:?}: {s}");
        }
    }

    #[test]
    fn invalid_arguments_name_the_attribute() {
        let table: &[(&[(&str, Value)], &str)] = &[
            (&[("length", Value::from(0.0))], "length"),
            (&[("length", Value::from(2.5))], "length"),
            (&[("length", Value::from(-1.0))], "length"),
            (
                &[
                    ("length", Value::from(3.0)),
                    ("min_upper", Value::from(2.0)),
                    ("min_lower", Value::from(2.0)),
                ],
                "length",
            ),
            (
                &[
                    ("length", Value::from(3.0)),
                    ("min_numeric", Value::from(0.5)),
                ],
                "min_numeric",
            ),
            (
                &[
                    ("length", Value::from(3.0)),
                    ("special", Value::Bool(false)),
                    ("upper", Value::Bool(false)),
                    ("lower", Value::Bool(false)),
                    ("numeric", Value::Bool(false)),
                ],
                "special",
            ),
        ];
        for (set, attribute) in table {
            match charset(set) {
                Err(ProviderError::Validation {
                    attribute: Some(a), ..
                }) => {
                    assert_eq!(a, *attribute, "{set:?}")
                }
                other => panic!("{set:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn generations_differ() {
        let c = charset(&[("length", Value::from(32.0))]).unwrap();
        assert_ne!(c.generate().unwrap(), c.generate().unwrap());
    }
}
