//! cw-exporter: CloudWatch metrics as Prometheus series, YACE-compatible.
//!
//! The pipeline runs one way: [`config`] → [`discovery`] → [`plan`] → [`collect`] →
//! [`exposition`] → [`server`]. Each stage takes the previous one's output as a value.

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
pub mod run;
pub mod schedule;
pub mod server;
#[cfg(test)]
mod test_support;
