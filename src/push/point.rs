//! What a metric-stream record says, whatever its format: one metric's statistics for one
//! minute, with where it comes from.

use crate::model::Dim;

/// One metric's statistics at one timestamp, as a stream delivers them.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The account that owns the metric (`account_id`).
    pub account: String,
    /// Its region.
    pub region: String,
    /// Its CloudWatch namespace, e.g. `ECS/ContainerInsights`.
    pub namespace: String,
    /// Its metric name.
    pub metric: String,
    /// Its dimensions, sorted by name.
    pub dimensions: Vec<Dim>,
    /// The start of the minute the statistics cover (milliseconds since the epoch), as
    /// GetMetricData stamps a datapoint.
    pub timestamp_ms: i64,
    /// (statistic, value), statistics named as in a YACE config: `Maximum`, `Minimum`, `Sum`,
    /// `SampleCount`, `p99`, `TM(25%:75%)`...; `Average` is added as Sum / SampleCount.
    pub stats: Vec<(String, f64)>,
}

/// CloudWatch caps a metric at 30 dimensions; a record with more is not CloudWatch's.
pub const MAX_DIMENSIONS: usize = 30;

impl Point {
    /// Adds `Average` (Sum / SampleCount; streams send none) when both are there and there
    /// were samples, as GetMetricData's Average would be.
    pub fn with_average(mut self) -> Point {
        let get = |n: &str| self.stats.iter().find(|(s, _)| s == n).map(|(_, v)| *v);
        if let (Some(sum), Some(count)) = (get("Sum"), get("SampleCount"))
            && count > 0.0
            && !self.stats.iter().any(|(s, _)| s == "Average")
        {
            self.stats.push(("Average".into(), sum / count));
        }
        self
    }

    /// The value of `SampleCount`, if the point has one.
    pub fn sample_count(&self) -> Option<f64> {
        self.stats
            .iter()
            .find(|(s, _)| s == "SampleCount")
            .map(|(_, v)| *v)
    }
}

/// The YACE statistic a stream's value key stands for: JSON's `max`, `min`, `sum`, `count`;
/// any other key (`p99`, `TM(25%:75%)`) is CloudWatch's statistic name already.
pub fn json_statistic(key: &str) -> &str {
    match key {
        "max" => "Maximum",
        "min" => "Minimum",
        "sum" => "Sum",
        "count" => "SampleCount",
        other => other,
    }
}

/// The statistic an OpenTelemetry quantile stands for: 0 is Minimum, 1 Maximum, and q the
/// percentile `p<100q>` (0.99 → `p99`, 0.999 → `p99.9`).
///
/// ```
/// use cw_exporter::push::point::quantile_statistic;
/// assert_eq!(quantile_statistic(0.0), "Minimum");
/// assert_eq!(quantile_statistic(1.0), "Maximum");
/// assert_eq!(quantile_statistic(0.99), "p99");
/// assert_eq!(quantile_statistic(0.999), "p99.9");
/// assert_eq!(quantile_statistic(0.5), "p50");
/// ```
pub fn quantile_statistic(q: f64) -> String {
    if q <= 0.0 {
        return "Minimum".into();
    }
    if q >= 1.0 {
        return "Maximum".into();
    }
    // 0.999 * 100 is 99.89999999999999 in binary: round to what a statistic name can say.
    let s = format!("{:.6}", q * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("p{s}")
}
