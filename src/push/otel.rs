//! The metric stream's OpenTelemetry 1.0 format: each record holds one or more
//! `ExportMetricsServiceRequest`s, each after its length as a varint; every metric is a Summary
//! whose data points carry `Namespace`, `MetricName` and `Dimensions` attributes
//! (`CloudWatch-metric-streams-formats-opentelemetry-translation-100`). Decoded with the
//! official protos as `opentelemetry-proto` generates them with prost.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use prost::Message;

use super::point::{MAX_DIMENSIONS, MAX_STATISTICS, Point, quantile_statistic};
use crate::model::Dim;

/// Why a record could not be read as OpenTelemetry 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtelError {
    /// Not protobuf messages, each after its length.
    Protobuf,
    /// Summaries without attributes: the 0.7.0 format, whose `StringKeyValue` labels the 1.0
    /// protos cannot see.
    Version07,
}

fn string(v: &Option<AnyValue>) -> Option<&str> {
    match v.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn attribute<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a Option<AnyValue>> {
    attrs.iter().find(|kv| kv.key == key).map(|kv| &kv.value)
}

/// Decodes one record: its points, and how many data points were not a CloudWatch metric
/// (skipped; the others are kept). A record that is not protobuf at all is an error.
pub fn decode(record: &[u8]) -> Result<(Vec<Point>, usize), OtelError> {
    let mut buf = record;
    let mut points = Vec::new();
    let mut bad = 0;
    let mut without_attributes = 0;
    while !buf.is_empty() {
        let req = ExportMetricsServiceRequest::decode_length_delimited(&mut buf)
            .map_err(|_| OtelError::Protobuf)?;
        for rm in req.resource_metrics {
            let rattrs = rm.resource.map(|r| r.attributes).unwrap_or_default();
            let account = attribute(&rattrs, "cloud.account.id").and_then(string);
            let region = attribute(&rattrs, "cloud.region").and_then(string);
            for m in rm.scope_metrics.into_iter().flat_map(|s| s.metrics) {
                let Some(Data::Summary(summary)) = m.data else {
                    bad += 1;
                    continue;
                };
                for dp in summary.data_points {
                    if dp.attributes.is_empty() {
                        without_attributes += 1;
                        continue;
                    }
                    let ns = attribute(&dp.attributes, "Namespace").and_then(string);
                    let metric = attribute(&dp.attributes, "MetricName").and_then(string);
                    let dims = match attribute(&dp.attributes, "Dimensions")
                        .and_then(|v| v.as_ref()?.value.as_ref())
                    {
                        Some(any_value::Value::KvlistValue(l)) => l
                            .values
                            .iter()
                            .map(|kv| {
                                string(&kv.value).map(|v| Dim {
                                    name: kv.key.clone(),
                                    value: v.to_string(),
                                })
                            })
                            .collect::<Option<Vec<Dim>>>(),
                        None => Some(Vec::new()),
                        Some(_) => None,
                    };
                    let (Some(account), Some(region), Some(ns), Some(metric), Some(mut dims)) =
                        (account, region, ns, metric, dims)
                    else {
                        bad += 1;
                        continue;
                    };
                    if dims.len() > MAX_DIMENSIONS || dp.quantile_values.len() > MAX_STATISTICS {
                        bad += 1;
                        continue;
                    }
                    dims.sort();
                    let mut stats = vec![
                        ("Sum".to_string(), dp.sum),
                        ("SampleCount".to_string(), dp.count as f64),
                    ];
                    for q in &dp.quantile_values {
                        stats.push((quantile_statistic(q.quantile), q.value));
                    }
                    let p = Point {
                        account: account.to_string(),
                        region: region.to_string(),
                        namespace: ns.to_string(),
                        metric: metric.to_string(),
                        dimensions: dims,
                        // The start of the minute: GetMetricData's timestamp.
                        timestamp_ms: (dp.start_time_unix_nano / 1_000_000) as i64,
                        stats,
                    }
                    .with_average();
                    if p.is_valid() {
                        points.push(p);
                    } else {
                        bad += 1;
                    }
                }
            }
        }
    }
    if points.is_empty() && without_attributes > 0 {
        return Err(OtelError::Version07);
    }
    Ok((points, bad + without_attributes))
}

/// Test and bench support: an OpenTelemetry 1.0 record as a metric stream writes it.
pub mod encode {
    use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, KeyValueList, any_value};
    use opentelemetry_proto::tonic::metrics::v1::summary_data_point::ValueAtQuantile;
    use opentelemetry_proto::tonic::metrics::v1::{
        Metric, ResourceMetrics, ScopeMetrics, Summary, SummaryDataPoint, metric::Data,
    };
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use prost::Message;

    use crate::push::point::Point;

    fn kv(key: &str, value: any_value::Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        }
    }

    fn s(v: &str) -> any_value::Value {
        any_value::Value::StringValue(v.into())
    }

    /// One length-prefixed `ExportMetricsServiceRequest` with a Summary per point (Minimum,
    /// Maximum and `pNN` statistics become quantiles; all points in the first one's account
    /// and region).
    pub fn record(points: &[Point]) -> Vec<u8> {
        let Some(first) = points.first() else {
            return Vec::new();
        };
        let metrics = points
            .iter()
            .map(|p| {
                let stat = |n: &str| p.stats.iter().find(|(s, _)| s == n).map(|(_, v)| *v);
                let mut quantiles = Vec::new();
                for (name, v) in &p.stats {
                    let q = match name.as_str() {
                        "Minimum" => 0.0,
                        "Maximum" => 1.0,
                        n => match n.strip_prefix('p').and_then(|x| x.parse::<f64>().ok()) {
                            Some(pc) => pc / 100.0,
                            None => continue,
                        },
                    };
                    quantiles.push(ValueAtQuantile {
                        quantile: q,
                        value: *v,
                    });
                }
                quantiles.sort_by(|a, b| a.quantile.total_cmp(&b.quantile));
                let start = p.timestamp_ms as u64 * 1_000_000;
                Metric {
                    name: format!("amazonaws.com/{}/{}", p.namespace, p.metric),
                    unit: "1".into(),
                    data: Some(Data::Summary(Summary {
                        data_points: vec![SummaryDataPoint {
                            attributes: vec![
                                kv("Namespace", s(&p.namespace)),
                                kv("MetricName", s(&p.metric)),
                                kv(
                                    "Dimensions",
                                    any_value::Value::KvlistValue(KeyValueList {
                                        values: p
                                            .dimensions
                                            .iter()
                                            .map(|d| kv(&d.name, s(&d.value)))
                                            .collect(),
                                    }),
                                ),
                            ],
                            start_time_unix_nano: start,
                            time_unix_nano: start + 60_000_000_000,
                            count: stat("SampleCount").unwrap_or(0.0) as u64,
                            sum: stat("Sum").unwrap_or(0.0),
                            quantile_values: quantiles,
                            flags: 0,
                        }],
                    })),
                    ..Default::default()
                }
            })
            .collect();
        let req = ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: Some(Resource {
                    attributes: vec![
                        kv("cloud.provider", s("aws")),
                        kv("cloud.account.id", s(&first.account)),
                        kv("cloud.region", s(&first.region)),
                        kv(
                            "aws.exporter.arn",
                            s(&format!(
                                "arn:aws:cloudwatch:{}:{}:metric-stream/test",
                                first.region, first.account
                            )),
                        ),
                    ],
                    ..Default::default()
                }),
                scope_metrics: vec![ScopeMetrics {
                    metrics,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        req.encode_length_delimited_to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(metric: &str, service: &str) -> Point {
        Point {
            account: "123456789012".into(),
            region: "eu-west-1".into(),
            namespace: "ECS/ContainerInsights".into(),
            metric: metric.into(),
            dimensions: vec![
                Dim {
                    name: "ClusterName".into(),
                    value: "prod".into(),
                },
                Dim {
                    name: "ServiceName".into(),
                    value: service.into(),
                },
            ],
            timestamp_ms: 1_700_000_040_000,
            stats: vec![
                ("Sum".into(), 90.0),
                ("SampleCount".into(), 3.0),
                ("Minimum".into(), 10.0),
                ("p99".into(), 49.5),
                ("Maximum".into(), 50.0),
            ],
        }
    }

    #[test]
    fn records_round_trip_through_the_official_protos() {
        let mut record = encode::record(&[point("CpuUtilized", "api")]);
        // Two messages in one record, as AWS may write them.
        record.extend(encode::record(&[point("MemoryUtilized", "web")]));
        let (points, bad) = decode(&record).unwrap();
        assert_eq!(bad, 0);
        assert_eq!(points.len(), 2);
        assert_eq!(points[0], point("CpuUtilized", "api").with_average());
        assert_eq!(points[1].metric, "MemoryUtilized");
        assert!(points[0].stats.contains(&("Average".into(), 30.0)));
    }

    #[test]
    fn garbage_is_an_error_and_0_7_is_named() {
        assert_eq!(
            decode(b"\x03\x0a\xff\x01").unwrap_err(),
            OtelError::Protobuf
        );
        assert_eq!(decode(b"\xff\xff\xff").unwrap_err(), OtelError::Protobuf);
        // A summary whose labels the 1.0 protos do not see (0.7's field 1) and no attributes.
        let mut p = point("CpuUtilized", "api");
        p.dimensions.clear();
        let mut req =
            ExportMetricsServiceRequest::decode_length_delimited(&encode::record(&[p])[..])
                .unwrap();
        for rm in &mut req.resource_metrics {
            for sm in &mut rm.scope_metrics {
                for m in &mut sm.metrics {
                    if let Some(Data::Summary(s)) = &mut m.data {
                        s.data_points[0].attributes.clear();
                    }
                }
            }
        }
        let old = req.encode_length_delimited_to_vec();
        assert_eq!(decode(&old).unwrap_err(), OtelError::Version07);
    }
}
