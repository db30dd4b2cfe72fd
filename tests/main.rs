//! The integration tests, as one test binary: the SDK-sized library is linked once, not once
//! per file. Each module is one area; `cargo test --test integration <module>::` runs one.

mod common;

mod accounts_and_regions;
mod alerts_e2e;
mod architecture;
mod cadence;
mod deploy_kit;
mod discovery_cache;
mod enhanced_metrics;
mod failures;
mod faults;
mod fuzz_corpus;
mod helm_chart;
mod linked_accounts;
mod namespaces_and_tags;
mod plan_cmd;
mod push_mode;
mod rate_limit;
mod reliability;
mod reload;
mod scripts;
mod secrets;
mod seed_config;
mod sharding;
mod verify_config;
mod web_security;
mod window_mode;
mod yace_compat;
