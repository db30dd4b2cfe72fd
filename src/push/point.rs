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
/// Statistics per point, at most: the four a stream always sends, up to 20 configured ones,
/// Average, and room to spare. More is not a metric stream's, and would grow a series without
/// bound (each statistic is a sample, and a family).
pub const MAX_STATISTICS: usize = 32;
/// The longest statistic name (`PR(10%:90%)`-style ones are about a dozen characters).
const MAX_STATISTIC_LEN: usize = 64;

/// An AWS account id: twelve digits.
fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An AWS region name (`us-east-1`, `us-gov-west-1`, `cn-north-1`...): lower-case words and a
/// number, joined by dashes. Pushed regions become tagging-API calls, so only such names pass.
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    s.len() <= 32
        && parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Text a name or value may be: not empty, and no control characters (which CloudWatch does
/// not allow either, and which the store's series key uses as separators).
fn is_text(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && !s.chars().any(char::is_control)
}

impl Point {
    /// Whether the point is a CloudWatch metric's: an account id, a region name, a namespace,
    /// a metric name, at most 30 dimensions and 32 statistics, names within CloudWatch's
    /// lengths, no control characters, and at least one statistic. Decoders drop the others
    /// (counted as malformed).
    pub fn is_valid(&self) -> bool {
        is_account(&self.account)
            && is_region(&self.region)
            && is_text(&self.namespace, 255)
            && is_text(&self.metric, 255)
            && self.dimensions.len() <= MAX_DIMENSIONS
            && self
                .dimensions
                .iter()
                .all(|d| is_text(&d.name, 255) && is_text(&d.value, 1024))
            && !self.stats.is_empty()
            && self.stats.len() <= MAX_STATISTICS
            && self
                .stats
                .iter()
                .all(|(s, _)| is_text(s, MAX_STATISTIC_LEN))
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> Point {
        Point {
            account: "123456789012".into(),
            region: "us-gov-west-1".into(),
            namespace: "AWS/SQS".into(),
            metric: "NumberOfMessagesSent".into(),
            dimensions: vec![Dim {
                name: "QueueName".into(),
                value: "orders".into(),
            }],
            timestamp_ms: 0,
            stats: vec![("Sum".into(), 1.0)],
        }
    }

    #[test]
    fn only_cloudwatch_shaped_points_are_valid() {
        assert!(ok().is_valid());
        let bad: [fn(&mut Point); 10] = [
            |p| p.account = "12345".into(),
            |p| p.region = "evil.example.com".into(),
            |p| p.region = "us-east".into(),
            |p| p.namespace = String::new(),
            |p| p.metric = "a\u{1}b".into(),
            |p| p.dimensions[0].value = "x\u{2}".into(),
            |p| p.stats.clear(),
            |p| p.stats = (0..33).map(|i| (format!("p{i}"), 1.0)).collect(),
            |p| p.stats[0].0 = String::new(),
            |p| p.stats[0].0 = "p".repeat(65),
        ];
        for (i, f) in bad.iter().enumerate() {
            let mut p = ok();
            f(&mut p);
            assert!(!p.is_valid(), "case {i}");
        }
    }
}
