//! AWS access. [`Sessions`] and [`Api`] are the seam: what the pipeline asks of AWS, per
//! (role, region). [`sdk`] implements them with the official SDK: one place that builds
//! clients (default credential chain, optional assume-role with external id, endpoints from
//! the SDK's own `AWS_ENDPOINT_URL*` settings), makes every call, and counts it. The unit
//! tests' in-memory fake is `fake`.

pub mod accounting;
mod api;
mod attempts;
#[cfg(test)]
pub mod fake;
pub mod limits;
pub mod redact;
pub mod sdk;

use std::time::SystemTime;

pub use accounting::Accounting;
pub use api::{Api, CallPoints, MetricQuery, Sessions};
pub use limits::RateLimits;
pub use sdk::{Aws, Options, Session};

/// A failed AWS call, already reduced to what may be logged: no credentials, no request body.
#[derive(Debug, thiserror::Error)]
#[error("{api} in {region} failed: {code}: {message}")]
pub struct AwsError {
    /// The API (or `collection`, `discovery` for the exporter's own deadlines).
    pub api: &'static str,
    /// The region it was made in.
    pub region: String,
    /// AWS's error code, or `timeout`, `network`, `bad_response` ... (see `redact::code`).
    pub code: String,
    /// What went wrong, redacted and capped.
    pub message: String,
}

/// Now, in whole seconds since the epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
