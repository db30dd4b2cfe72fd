//! The metric stream's JSON format: newline-delimited objects, one per metric and minute.
//! Fields as AWS documents them (`CloudWatch-metric-streams-formats-json`); unknown fields are
//! ignored, so a field AWS adds later does not fail a record.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::point::{MAX_DIMENSIONS, Point, json_statistic};
use crate::model::Dim;

#[derive(Deserialize)]
struct Line {
    account_id: String,
    region: String,
    namespace: String,
    metric_name: String,
    #[serde(default)]
    dimensions: BTreeMap<String, String>,
    timestamp: i64,
    value: BTreeMap<String, f64>,
}

/// Decodes one record: its points, and how many of its lines were not a metric (each is
/// skipped; the others are kept).
pub fn decode(record: &[u8]) -> (Vec<Point>, usize) {
    let mut points = Vec::new();
    let mut bad = 0;
    for line in record.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Line>(line) {
            Ok(l) if l.dimensions.len() <= MAX_DIMENSIONS => {
                let p = Point {
                    account: l.account_id,
                    region: l.region,
                    namespace: l.namespace,
                    metric: l.metric_name,
                    // A BTreeMap: already sorted by name.
                    dimensions: l
                        .dimensions
                        .into_iter()
                        .map(|(name, value)| Dim { name, value })
                        .collect(),
                    timestamp_ms: l.timestamp,
                    stats: l
                        .value
                        .into_iter()
                        .map(|(k, v)| (json_statistic(&k).to_string(), v))
                        .collect(),
                }
                .with_average();
                if p.is_valid() {
                    points.push(p);
                } else {
                    bad += 1;
                }
            }
            _ => bad += 1,
        }
    }
    (points, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented example line, with one extra statistic.
    const LINE: &str = r#"{"metric_stream_name":"MyMetricStream","account_id":"123456789012","region":"us-east-1","namespace":"AWS/EC2","metric_name":"DiskWriteOps","dimensions":{"InstanceId":"i-123456789012"},"timestamp":1611929698000,"value":{"count":3.0,"sum":20.0,"max":18.0,"min":0.0,"p99":17.56},"unit":"Seconds"}"#;

    #[test]
    fn a_line_is_a_point_with_yace_statistics_and_an_average() {
        let (points, bad) = decode(format!("{LINE}\n").as_bytes());
        assert_eq!(bad, 0);
        let p = &points[0];
        assert_eq!(
            (p.account.as_str(), p.region.as_str(), p.namespace.as_str()),
            ("123456789012", "us-east-1", "AWS/EC2")
        );
        assert_eq!(p.metric, "DiskWriteOps");
        assert_eq!(p.dimensions[0].name, "InstanceId");
        assert_eq!(p.timestamp_ms, 1611929698000);
        let mut stats = p.stats.clone();
        stats.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            stats,
            vec![
                ("Average".to_string(), 20.0 / 3.0),
                ("Maximum".to_string(), 18.0),
                ("Minimum".to_string(), 0.0),
                ("SampleCount".to_string(), 3.0),
                ("Sum".to_string(), 20.0),
                ("p99".to_string(), 17.56),
            ]
        );
    }

    #[test]
    fn a_bad_line_costs_only_itself() {
        let record = format!("{LINE}\nnot json\n{{\"account_id\":\"1\"}}\n\n{LINE}");
        let (points, bad) = decode(record.as_bytes());
        assert_eq!((points.len(), bad), (2, 2));
    }

    #[test]
    fn no_samples_means_no_average() {
        let line = LINE.replace(r#""count":3.0"#, r#""count":0.0"#);
        let (points, _) = decode(line.as_bytes());
        assert!(!points[0].stats.iter().any(|(s, _)| s == "Average"));
    }
}
