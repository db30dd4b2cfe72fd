//! cw-exporter: CloudWatch metrics as Prometheus series, YACE-compatible.
//!
//! The pipeline runs one way: [`config`] → [`schedule`] → [`discovery`] → [`plan`] →
//! [`fetch`] → [`collect`] → [`server`], driven by [`run`]. Each stage takes the previous one's
//! output as a value and imports nothing after it (`tests/architecture.rs` checks). [`push`]
//! is the second way in (metric streams through Firehose), beside collection, into the same
//! names and the same `/metrics`. AWS is
//! reached through [`aws`]'s seam; [`model`], [`catalog`] and [`exposition`] (names and the
//! writer) are leaf libraries the stages share.

pub mod aws;
pub mod catalog;
pub mod collect;
pub mod config;
pub mod cost;
pub mod discovery;
pub mod exposition;
pub mod fetch;
#[doc(hidden)]
pub mod fuzzing;
pub mod model;
pub mod plan;
pub mod push;
pub mod run;
pub mod schedule;
pub mod server;
#[cfg(test)]
mod test_support;
