//! `random_password`: like random_string, but the result is sensitive and comes with a bcrypt
//! hash.

use super::{plan_random, Charset};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, BoxFuture, ProviderError, StateOnly};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

/// Terraform's random provider hashes with Go's default cost.
const BCRYPT_COST: u32 = 10;

pub struct RandomPassword {
    schema: ResourceSchema,
}

impl RandomPassword {
    pub fn new() -> RandomPassword {
        RandomPassword { schema: schema() }
    }

    /// The computed attributes of a password: the password, its bcrypt hash, and id "none".
    async fn computed(password: String) -> Result<Vec<(&'static str, Value)>, ProviderError> {
        let hash_input = password.clone();
        let hash = tokio::task::spawn_blocking(move || bcrypt::hash(hash_input, BCRYPT_COST))
            .await
            .map_err(|e| ProviderError::other(format!("bcrypt hashing stopped: {e}")))?
            .map_err(|e| ProviderError::other(format!("bcrypt hashing failed: {e}")))?;
        Ok(vec![
            ("result", Value::String(password)),
            ("bcrypt_hash", Value::String(hash)),
            ("id", Value::string("none")),
        ])
    }
}

impl Default for RandomPassword {
    fn default() -> Self {
        RandomPassword::new()
    }
}

fn schema() -> ResourceSchema {
    let mut attributes = super::character_set_arguments();
    attributes.push(AttributeSchema::computed("result", Type::String).sensitive());
    attributes.push(AttributeSchema::computed("bcrypt_hash", Type::String).sensitive());
    ResourceSchema {
        type_name: "random_password",
        description: "A random password, generated once and kept in state; never shown.",
        attributes,
        blocks: Vec::new(),
    }
}

impl StateOnly for RandomPassword {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        plan_random(&self.schema, prior, proposed, |attrs| {
            Charset::from_attrs(attrs).map(drop)
        })
    }

    fn create_value<'a>(
        &'a self,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let password = Charset::from_attrs(&Attrs::new(&self.schema, planned))?.generate()?;
            let computed = RandomPassword::computed(password).await?;
            Ok(complete(&self.schema, planned, computed))
        })
    }

    /// Imports an existing password: the id is the password itself.
    fn import_value<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            if id.is_empty() {
                return Err(ProviderError::validation(
                    "id",
                    "the password to import is empty",
                ));
            }
            let mut set = Charset::imported(id);
            set.extend(RandomPassword::computed(id.to_owned()).await?);
            Ok(complete(&self.schema, &Value::Null, set))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{assert_complete, attr, config, text};
    use crate::providers::resource::{OpContext, ResourceType};

    #[tokio::test]
    async fn round_trip_is_sensitive_and_stable() {
        let r: Box<dyn ResourceType> = Box::new(RandomPassword::new());
        let ctx = OpContext::new();
        let cfg = config(
            r.schema(),
            &[
                ("length", Value::from(20.0)),
                ("min_special", Value::from(2.0)),
                (
                    "keepers",
                    Value::Map([("v".to_owned(), Value::from("1"))].into()),
                ),
            ],
        );
        let planned = r.plan(None, cfg.clone()).unwrap();
        assert!(attr(&planned, "result").is_sensitive() && attr(&planned, "result").is_unknown());

        let created = r.create(&ctx, &planned).await.unwrap();
        assert_complete(r.schema(), &created);
        assert!(attr(&created, "result").is_sensitive());
        assert!(
            !created.render().contains(&text(&created, "result")),
            "masked"
        );
        let password = text(&created, "result");
        assert_eq!(password.chars().count(), 20);
        assert_eq!(text(&created, "id"), "none");
        assert!(bcrypt::verify(&password, &text(&created, "bcrypt_hash")).unwrap());

        assert_eq!(r.read(&ctx, &created).await.unwrap(), Some(created.clone()));
        let replanned = r.plan(Some(&created), cfg).unwrap();
        assert_eq!(text(&replanned, "result"), password, "stable across plans");
        assert_eq!(r.update(&ctx, &created, &replanned).await.unwrap(), created);
        r.delete(&ctx, &created).await.unwrap();

        let imported = r.import(&ctx, "s3cret!").await.unwrap();
        assert_complete(r.schema(), &imported);
        assert_eq!(text(&imported, "result"), "s3cret!");
    }

    #[test]
    fn keepers_and_arguments_force_a_new_password() {
        let r: Box<dyn ResourceType> = Box::new(RandomPassword::new());
        for a in r.schema().attributes.iter().filter(|a| a.settable()) {
            assert!(a.force_new, "{}", a.name);
        }
        for name in ["result", "bcrypt_hash"] {
            assert!(r.schema().attribute(name).is_some_and(|a| a.sensitive));
        }
    }
}
