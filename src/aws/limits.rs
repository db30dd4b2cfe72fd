//! Client-side rate limits per (account, region, API), shared by every job and kept across
//! reloads, so that a large config paces itself below AWS's quotas instead of being throttled.
//!
//! Calls are spaced evenly (1/rate apart): CloudWatch's quotas are per second, and an even pace
//! never bursts over one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Calls per second by API when no flag says otherwise: 80 % of AWS's default quotas
/// (GetMetricData 50/s, ListMetrics 25/s, tagging GetResources and STS: conservative guesses).
pub const DEFAULTS: &[(&str, f64)] = &[
    ("GetMetricData", 40.0),
    ("ListMetrics", 20.0),
    ("GetResources", 10.0),
    // One call per DynamoDB table at each discovery of a job with enhanced metrics.
    ("DescribeTable", 10.0),
];

/// The calls per second allowed per API, and when the next call of each (account, region,
/// API) may start.
#[derive(Debug)]
pub struct RateLimits {
    rates: HashMap<String, f64>,
    /// (account, region, api) → when the next call may start.
    next: Mutex<HashMap<(String, String, &'static str), Instant>>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::new(&[])
    }
}

impl RateLimits {
    /// The defaults, overridden by `overrides` (API → calls per second; 0 = no limit).
    pub fn new(overrides: &[(String, f64)]) -> Self {
        let mut rates: HashMap<String, f64> =
            DEFAULTS.iter().map(|(a, r)| (a.to_string(), *r)).collect();
        for (a, r) in overrides {
            rates.insert(a.clone(), *r);
        }
        RateLimits {
            rates,
            next: Mutex::new(HashMap::new()),
        }
    }

    /// Calls per second allowed for `api`; None when it has no limit.
    pub fn rate(&self, api: &str) -> Option<f64> {
        self.rates.get(api).copied().filter(|r| *r > 0.0)
    }

    /// Waits until a call of `api` may start; returns how long it waited.
    pub async fn acquire(&self, account: &str, region: &str, api: &'static str) -> Duration {
        let Some(rate) = self.rate(api) else {
            return Duration::ZERO;
        };
        let gap = Duration::from_secs_f64(1.0 / rate);
        let now = Instant::now();
        let start = {
            let mut next = self.next.lock().expect("not poisoned");
            let slot = next
                .entry((account.to_string(), region.to_string(), api))
                .or_insert(now);
            let start = (*slot).max(now);
            *slot = start + gap;
            start
        };
        tokio::time::sleep_until(start).await;
        start - now
    }
}

/// Parses `API=RATE` (calls per second; 0 turns the limit off).
pub fn parse_override(s: &str) -> Result<(String, f64), String> {
    let (api, rate) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected API=CALLS_PER_SECOND, e.g. GetMetricData=40"))?;
    if !DEFAULTS.iter().any(|(a, _)| *a == api) {
        let known: Vec<&str> = DEFAULTS.iter().map(|(a, _)| *a).collect();
        return Err(format!("unknown API {api:?}; one of {}", known.join(", ")));
    }
    let rate: f64 = rate
        .parse()
        .ok()
        .filter(|r: &f64| r.is_finite() && *r >= 0.0)
        .ok_or_else(|| {
            format!("{s:?}: the rate must be a number of calls per second, 0 or more")
        })?;
    Ok((api.to_string(), rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn calls_are_spaced_per_account_region_and_api() {
        let l = RateLimits::new(&[("ListMetrics".into(), 4.0)]);
        let t0 = Instant::now();
        for _ in 0..5 {
            l.acquire("1", "us-east-1", "ListMetrics").await;
        }
        // Five calls at 4/s: the fifth starts one second after the first.
        assert_eq!(Instant::now() - t0, Duration::from_secs(1));
        // Another region has its own budget.
        let t1 = Instant::now();
        l.acquire("1", "eu-west-1", "ListMetrics").await;
        assert_eq!(Instant::now(), t1);
        // 0 turns a limit off.
        let off = RateLimits::new(&[("GetMetricData".into(), 0.0)]);
        for _ in 0..100 {
            assert_eq!(off.acquire("1", "r", "GetMetricData").await, Duration::ZERO);
        }
    }

    #[test]
    fn overrides_parse() {
        assert_eq!(
            parse_override("GetMetricData=12.5").unwrap(),
            ("GetMetricData".into(), 12.5)
        );
        assert!(parse_override("GetMetricData").is_err());
        assert!(
            parse_override("PutMetricData=1")
                .unwrap_err()
                .contains("unknown API")
        );
        assert!(parse_override("ListMetrics=-1").is_err());
    }
}
