//! Counts of AWS calls, kept at the one place calls are made so they match the bill.

use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CallKey {
    pub api: &'static str,
    pub region: String,
    pub account: String,
    /// `success`, or the AWS error code (`Throttling`, `AccessDenied`, ...), or `timeout`,
    /// `network`, `bad_response` for failures that never reached an AWS answer.
    pub outcome: String,
}

#[derive(Default, Debug)]
pub struct Accounting {
    calls: Mutex<BTreeMap<CallKey, u64>>,
    /// (region, account) → metrics requested from GetMetricData: what AWS bills.
    requested: Mutex<BTreeMap<(String, String), u64>>,
    /// Seconds calls waited for the client-side rate limiter, by (api, region, account).
    limited: Mutex<BTreeMap<(String, String, String), f64>>,
    /// Failed HTTP attempts (retried or final), by (api, region, account, error code).
    attempt_errors: Mutex<BTreeMap<(String, String, String, String), u64>>,
}

impl Accounting {
    pub fn call(&self, api: &'static str, region: &str, account: &str, outcome: &str) {
        let key = CallKey {
            api,
            region: region.to_string(),
            account: account.to_string(),
            outcome: outcome.to_string(),
        };
        *self
            .calls
            .lock()
            .expect("not poisoned")
            .entry(key)
            .or_default() += 1;
    }

    pub fn metrics_requested(&self, region: &str, account: &str, n: u64) {
        *self
            .requested
            .lock()
            .expect("not poisoned")
            .entry((region.to_string(), account.to_string()))
            .or_default() += n;
    }

    pub fn attempt_failed(&self, api: &str, region: &str, account: &str, outcome: &str) {
        *self
            .attempt_errors
            .lock()
            .expect("not poisoned")
            .entry((
                api.to_string(),
                region.to_string(),
                account.to_string(),
                outcome.to_string(),
            ))
            .or_default() += 1;
    }

    pub fn rate_limited(&self, api: &str, region: &str, account: &str, secs: f64) {
        *self
            .limited
            .lock()
            .expect("not poisoned")
            .entry((api.to_string(), region.to_string(), account.to_string()))
            .or_default() += secs;
    }

    pub fn rate_limit_waits(&self) -> BTreeMap<(String, String, String), f64> {
        self.limited.lock().expect("not poisoned").clone()
    }

    pub fn attempt_errors(&self) -> BTreeMap<(String, String, String, String), u64> {
        self.attempt_errors.lock().expect("not poisoned").clone()
    }

    pub fn calls(&self) -> BTreeMap<CallKey, u64> {
        self.calls.lock().expect("not poisoned").clone()
    }

    pub fn requested(&self) -> BTreeMap<(String, String), u64> {
        self.requested.lock().expect("not poisoned").clone()
    }
}
