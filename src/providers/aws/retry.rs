//! Waiting and retrying on top of the SDK's own retries: creates that must never run twice,
//! deletes that wait for dependencies to drain, and reads that wait for eventual consistency.
//! Every wait is bounded by the operation's deadline (`timeouts`) or a default.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::providers::resource::{OpContext, ProviderError};

/// How long a wait lasts when the operation has no deadline of its own.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(20 * 60);

/// How long a read right after a create waits for the object to become visible.
const CONSISTENCY_WAIT: Duration = Duration::from_secs(120);

/// Attempts of a create before giving up on retryable failures.
const CREATE_ATTEMPTS: u32 = 8;

fn backoff(attempt: u32) -> Duration {
    let millis = 200u64.saturating_mul(1 << attempt.min(6));
    Duration::from_millis(millis.min(10_000))
}

/// Runs a create that must not happen twice.
///
/// `attempt` makes one call with the SDK's automatic retries switched off. When it fails in a
/// way that leaves open whether AWS acted (a dropped connection, a lost response, a 5xx,
/// throttling), `find` looks for the object by its ownership tags or unique name before anything
/// is tried again: an object found is adopted, not created a second time.
pub async fn create_once<T, A, AF, F, FF>(
    ctx: &OpContext,
    mut attempt: A,
    mut find: F,
) -> Result<T, ProviderError>
where
    A: FnMut() -> AF,
    AF: Future<Output = Result<T, ProviderError>>,
    F: FnMut() -> FF,
    FF: Future<Output = Result<Option<T>, ProviderError>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(ProviderError::Retryable { message, after }) => {
                tries += 1;
                if let Some(found) = find().await? {
                    return Ok(found);
                }
                if tries >= CREATE_ATTEMPTS {
                    return Err(ProviderError::Retryable { message, after });
                }
                ctx.sleep(after.unwrap_or_else(|| backoff(tries)), "creating")
                    .await?;
            }
            Err(other) => return Err(other),
        }
    }
}

/// Retries an idempotent call (a delete, a modify) while it fails with `Conflict` (for example
/// `DependencyViolation` while network interfaces drain) or a retryable error, until the
/// deadline; progress says what it waits for.
pub async fn while_conflict<T, A, AF>(
    ctx: &OpContext,
    activity: &str,
    mut call: A,
) -> Result<T, ProviderError>
where
    A: FnMut() -> AF,
    AF: Future<Output = Result<T, ProviderError>>,
{
    let ctx = ctx.or_timeout(DEFAULT_WAIT);
    let mut tries = 0;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(ProviderError::Conflict(message))
            | Err(ProviderError::Retryable { message, .. }) => {
                tries += 1;
                ctx.check(&message)?;
                ctx.sleep(backoff(tries), activity)
                    .await
                    .map_err(|e| match e {
                        ProviderError::Timeout { .. } => ProviderError::Timeout {
                            last_status: message.clone(),
                        },
                        other => other,
                    })?;
            }
            Err(other) => return Err(other),
        }
    }
}

/// Retries a read that finds nothing for a bounded time: right after a create, AWS may not
/// show the object yet.
pub async fn until_visible<T, A, AF>(ctx: &OpContext, mut read: A) -> Result<T, ProviderError>
where
    A: FnMut() -> AF,
    AF: Future<Output = Result<Option<T>, ProviderError>>,
{
    let started = Instant::now();
    let mut tries = 0;
    loop {
        match read().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) | Err(ProviderError::NotFound) => {
                tries += 1;
                if started.elapsed() >= CONSISTENCY_WAIT {
                    return Err(ProviderError::NotFound);
                }
                ctx.sleep(backoff(tries), "waiting for the new object to be visible")
                    .await?;
            }
            Err(other) => return Err(other),
        }
    }
}

/// Polls `status` until `done` says the object reached its terminal state, reporting the
/// status; fails with the last status at the deadline.
pub async fn poll<S, A, AF>(
    ctx: &OpContext,
    activity: &str,
    mut status: A,
    done: impl Fn(&S) -> Result<bool, ProviderError>,
    describe: impl Fn(&S) -> String,
) -> Result<S, ProviderError>
where
    A: FnMut() -> AF,
    AF: Future<Output = Result<S, ProviderError>>,
{
    let ctx = ctx.or_timeout(DEFAULT_WAIT);
    let mut tries = 0;
    loop {
        let current = status().await?;
        if done(&current)? {
            return Ok(current);
        }
        let last = describe(&current);
        tries += 1;
        ctx.check(&last)?;
        ctx.sleep(backoff(tries).min(Duration::from_secs(5)), activity)
            .await
            .map_err(|e| match e {
                ProviderError::Timeout { .. } => ProviderError::Timeout {
                    last_status: format!("last status {last}"),
                },
                other => other,
            })?;
    }
}

/// A delete that waits while dependencies drain (see [`while_conflict`]); an object already
/// gone counts as deleted.
pub async fn delete<A, AF>(ctx: &OpContext, activity: &str, call: A) -> Result<(), ProviderError>
where
    A: FnMut() -> AF,
    AF: Future<Output = Result<(), ProviderError>>,
{
    match while_conflict(ctx, activity, call).await {
        Ok(()) | Err(ProviderError::NotFound) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Retries a call that fails with `NotFound` for a bounded time: IAM and EC2 are eventually
/// consistent, so something created a moment ago (a role, a VPC) may not be usable yet.
pub async fn while_not_found<T, A, AF>(
    ctx: &OpContext,
    activity: &str,
    mut call: A,
) -> Result<T, ProviderError>
where
    A: FnMut() -> AF,
    AF: Future<Output = Result<T, ProviderError>>,
{
    let started = Instant::now();
    let mut tries = 0;
    loop {
        match call().await {
            Err(ProviderError::NotFound) if started.elapsed() < CONSISTENCY_WAIT => {
                tries += 1;
                ctx.sleep(backoff(tries), activity).await?;
            }
            other => return other,
        }
    }
}
