//! Push mode: Firehose's HTTP endpoint contract against the running exporter (a sender built
//! from AWS's spec), moto's Firehose delivering to it, and the seed's alerts firing on pushed
//! data in a real Prometheus.

use std::time::{Duration, Instant};

use crate::common;
use common::firehose::{self, json_line};
use common::*;
use cw_exporter::model::Dim;
use cw_exporter::push::Point;

const KEY: &str = "fh-key-5b0e7c1d";

/// Starts the exporter with `config` and the Firehose endpoint on a port of its own; returns
/// it and the endpoint's URL once both listen.
fn start(moto: &Moto, config: &str, extra: &[&str]) -> (Exporter, String) {
    start_at(moto, &write_config(config), extra)
}

/// As [`start`], with the config file at `cfg` (a test that reloads rewrites it).
fn start_at(moto: &Moto, cfg: &std::path::Path, extra: &[&str]) -> (Exporter, String) {
    let port = free_port();
    let mut args = vec![
        format!("--config.file={}", cfg.display()),
        format!("--firehose.listen-address=127.0.0.1:{port}"),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let exp = exporter(moto, &args);
    let url = format!("http://127.0.0.1:{port}/firehose");
    let start = Instant::now();
    while get(&format!("http://127.0.0.1:{port}/-/healthy")).0 != 200 {
        assert!(start.elapsed() < Duration::from_secs(30), "{}", exp.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    (exp, url)
}

fn key_file() -> String {
    let p = std::env::temp_dir().join(format!("cw-firehose-key-{}", free_port()));
    std::fs::write(&p, format!("{KEY}\n")).unwrap();
    p.display().to_string()
}

/// The pushed CloudWatch series (not the exporter's own), sorted.
fn pushed(exp: &Exporter) -> Vec<String> {
    let mut v: Vec<String> = exp
        .metrics()
        .lines()
        .filter(|l| l.starts_with("aws_"))
        .map(String::from)
        .collect();
    v.sort();
    v
}

/// Waits (at most 20 s) until /metrics satisfies `ok`: pushed series are published every 2 s.
fn wait_metrics(exp: &Exporter, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let m = exp.metrics();
        if ok(&m) {
            return m;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}:\n{m}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn own(m: &str, series: &str) -> f64 {
    parse(m)
        .into_iter()
        .find(|l| {
            let s = if l.labels.is_empty() {
                l.name.clone()
            } else {
                format!(
                    "{}{{{}}}",
                    l.name,
                    l.labels
                        .iter()
                        .map(|(k, v)| format!("{k}=\"{v}\""))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            };
            s == series
        })
        .map(|l| l.value)
        .unwrap_or(f64::NAN)
}

/// The minute before last, as a stream would send it (2-3 minutes behind).
fn recent_minute_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    (now / 60 - 2) * 60 * 1000
}

fn ecs(metric: &str, service: &str, ts: i64, v: (f64, f64, f64, f64)) -> String {
    json_line(
        "ECS/ContainerInsights",
        metric,
        &[("ClusterName", "prod"), ("ServiceName", service)],
        ts,
        v,
    )
}

#[test]
fn the_firehose_contract_is_kept_and_series_are_polling_s() {
    let moto = Moto::unreachable();
    let config = "apiVersion: v1alpha1\nstreams:\n  seriesLimit: 40\n";
    let key = key_file();
    let (exp, url) = start(
        &moto,
        config,
        &[
            &format!("--firehose.access-key-file={key}"),
            "--firehose.max-body-bytes=262144",
        ],
    );
    let t = recent_minute_ms();

    // A gzip'd JSON batch: three services, two metrics, one garbage and one empty record.
    let lines: Vec<String> = ["api", "web", "worker"]
        .iter()
        .flat_map(|s| {
            [
                ecs("CpuUtilized", s, t, (90.0, 10.0, 150.0, 3.0)),
                ecs("MemoryUtilized", s, t, (600.0, 400.0, 1500.0, 3.0)),
            ]
        })
        .collect();
    let records = vec![
        lines[..3].join("\n").into_bytes(),
        lines[3..].join("\n").into_bytes(),
        b"\x00\x01 not a metric".to_vec(),
        Vec::new(),
    ];
    let a = firehose::post(
        &url,
        Some(KEY),
        Some("req-1"),
        &firehose::gzip(&firehose::body("req-1", &records)),
        true,
    );
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.header("content-encoding"), None);
    let ack = a.json();
    assert_eq!(ack["requestId"], "req-1");
    assert!(ack["timestamp"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(ack.as_object().unwrap().len(), 2, "{ack}");

    // An OpenTelemetry 1.0 batch, not compressed: two SQS queues.
    let queue = |q: &str, sum: f64| Point {
        account: "123456789012".into(),
        region: "us-east-1".into(),
        namespace: "AWS/SQS".into(),
        metric: "ApproximateNumberOfMessagesVisible".into(),
        dimensions: vec![Dim {
            name: "QueueName".into(),
            value: q.into(),
        }],
        timestamp_ms: t,
        stats: vec![
            ("Sum".into(), sum),
            ("SampleCount".into(), 2.0),
            ("Minimum".into(), 1.0),
            ("p99".into(), sum - 1.0),
            ("Maximum".into(), sum),
        ],
    };
    let otel = cw_exporter::push::otel::encode::record(&[queue("orders", 8.0), queue("mail", 4.0)]);
    let a = firehose::post(
        &url,
        Some(KEY),
        Some("req-2"),
        &firehose::body("req-2", &[otel]),
        false,
    );
    assert_eq!(a.status, 200, "{a:?}");

    let m = wait_metrics(&exp, "both batches", |m| {
        m.contains("aws_sqs_approximate_number_of_messages_visible_p99{")
            && m.contains("dimension_ServiceName=\"worker\"")
    });
    let want_api = "aws_ecs_containerinsights_cpu_utilized_average{account_id=\"123456789012\",dimension_ClusterName=\"prod\",dimension_ServiceName=\"api\",name=\"arn:aws:ecs:us-east-1:123456789012:service/prod/api\",region=\"us-east-1\"} 50";
    assert!(m.contains(want_api), "{m}");
    let want_q = "aws_sqs_approximate_number_of_messages_visible_average{account_id=\"123456789012\",dimension_QueueName=\"orders\",name=\"arn:aws:sqs:us-east-1:123456789012:orders\",region=\"us-east-1\"} 4";
    assert!(m.contains(want_q), "{m}");
    // 3 services x 2 metrics x 5 statistics, 2 queues x 6 (p99 too).
    assert_eq!(pushed(&exp).len(), 30 + 12, "{m}");
    assert_eq!(
        own(&m, "cw_exporter_firehose_records_total{format=\"json\"}"),
        2.0
    );
    assert_eq!(
        own(
            &m,
            "cw_exporter_firehose_records_total{format=\"opentelemetry1.0\"}"
        ),
        1.0
    );
    assert_eq!(
        own(
            &m,
            "cw_exporter_firehose_records_rejected_total{reason=\"undecodable\"}"
        ),
        1.0
    );
    assert_eq!(own(&m, "cw_exporter_firehose_series"), 8.0);

    // promtool accepts the whole exposition.
    // It parses; what promtool says is only its naming lint on YACE's names (camelCase
    // dimension labels, the `_sum` and `_sample_count` statistics), which polling has too.
    let (_, said) = promtool_check_metrics(&m);
    for l in said.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            l.contains("should be written in 'snake_case'")
                || l.contains("should not have \"_sum\" suffix")
                || l.contains("should not have \"_count\" suffix"),
            "promtool: {said}"
        );
    }

    // A newer minute for api, then the first batch again (Firehose's retry, same id): the
    // newer values stay, nothing else changes.
    let newer = vec![ecs("CpuUtilized", "api", t + 60_000, (70.0, 10.0, 120.0, 3.0)).into_bytes()];
    let a = firehose::post(
        &url,
        Some(KEY),
        Some("req-3"),
        &firehose::body("req-3", &newer),
        false,
    );
    assert_eq!(a.status, 200);
    wait_metrics(&exp, "the newer minute", |m| {
        m.contains(&want_api.replace("} 50", "} 40"))
    });
    let before = pushed(&exp);
    let a = firehose::post(
        &url,
        Some(KEY),
        Some("req-1"),
        &firehose::gzip(&firehose::body("req-1", &records)),
        true,
    );
    assert_eq!(a.status, 200);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(pushed(&exp), before, "a retried batch changed values");
    let m = exp.metrics();
    assert_eq!(
        own(&m, "cw_exporter_firehose_points_total{outcome=\"older\"}"),
        6.0
    );

    // Wrong or missing key: 401, nothing kept.
    let intruder = vec![ecs("CpuUtilized", "intruder", t, (1.0, 1.0, 1.0, 1.0)).into_bytes()];
    for k in [Some("wrong"), None] {
        let a = firehose::post(
            &url,
            k,
            Some("req-4"),
            &firehose::body("req-4", &intruder),
            false,
        );
        assert_eq!(a.status, 401, "{a:?}");
        assert_eq!(a.json()["requestId"], "req-4");
        assert!(
            a.json()["errorMessage"]
                .as_str()
                .unwrap()
                .contains("Access-Key")
        );
    }
    // A body id that is not the header's: 400.
    let a = firehose::post(
        &url,
        Some(KEY),
        Some("req-5"),
        &firehose::body("other", &intruder),
        false,
    );
    assert_eq!(a.status, 400, "{a:?}");
    // Not a Firehose body: 400.
    let a = firehose::post(&url, Some(KEY), Some("req-6"), b"{\"records\": []}", false);
    assert_eq!(a.status, 400, "{a:?}");
    let message = a.json()["errorMessage"].as_str().unwrap().to_string();
    assert!(message.contains("missing field `requestId`"), "{message}");
    // Past the maximum, as sent and once decompressed: 413.
    let big = vec![vec![b' '; 300 << 10]];
    let a = firehose::post(
        &url,
        Some(KEY),
        Some("req-7"),
        &firehose::body("req-7", &big),
        false,
    );
    assert_eq!(a.status, 413, "{a:?}");
    let bomb = firehose::gzip(&firehose::body("req-8", &big));
    assert!(bomb.len() < 262_144);
    let a = firehose::post(&url, Some(KEY), Some("req-8"), &bomb, true);
    assert_eq!(a.status, 413, "{a:?}");
    // No Content-Length: the limit is found while reading.
    assert_eq!(
        firehose::post_chunked(&url, Some(KEY), "req-8b", &firehose::body("req-8b", &big)),
        413
    );
    std::thread::sleep(Duration::from_millis(2500));
    assert!(!exp.metrics().contains("intruder"));

    // A flood of new series past seriesLimit (40): the first ones are kept, the rest refused,
    // and the exporter keeps serving.
    let flood: Vec<Vec<u8>> = (0..60)
        .map(|i| {
            ecs(
                "CpuUtilized",
                &format!("flood-{i:02}"),
                t,
                (1.0, 1.0, 1.0, 1.0),
            )
            .into_bytes()
        })
        .collect();
    let a = firehose::post(
        &url,
        Some(KEY),
        Some("req-9"),
        &firehose::body("req-9", &flood),
        false,
    );
    assert_eq!(a.status, 200, "{a:?}");
    let m = wait_metrics(&exp, "the flood", |m| {
        own(m, "cw_exporter_firehose_series") == 40.0
    });
    assert_eq!(
        own(&m, "cw_exporter_firehose_series_refused_total"),
        8.0 + 60.0 - 40.0
    );
    assert_eq!(
        own(&m, "cw_exporter_firehose_requests_total{code=\"401\"}"),
        2.0
    );
    assert_eq!(
        own(&m, "cw_exporter_firehose_requests_total{code=\"413\"}"),
        3.0
    );
    assert_eq!(
        own(&m, "cw_exporter_firehose_requests_total{code=\"400\"}"),
        2.0
    );
    assert_eq!(
        own(&m, "cw_exporter_firehose_requests_total{code=\"200\"}"),
        5.0
    );
    assert_eq!(get(&format!("{}/-/healthy", exp.url)).0, 200);
    assert!(!exp.log().contains(KEY), "the access key reached the log");
}

#[test]
fn the_endpoint_refuses_to_start_without_a_key_unless_told() {
    let moto = Moto::unreachable();
    let cfg = write_config("apiVersion: v1alpha1\nstreams: {}\n");
    let out = cw_exporter(&moto)
        .args([
            &format!("--config.file={}", cfg.display()),
            &format!("--listen-address=127.0.0.1:{}", free_port()),
            &format!("--firehose.listen-address=127.0.0.1:{}", free_port()),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--firehose.access-key-file"), "{err}");
}

#[test]
fn moto_s_firehose_delivers_a_metric_stream_to_the_endpoint() {
    let moto = Moto::start();
    // moto's Firehose sends no access key and no request-id header.
    let (exp, url) = start(
        &moto,
        "apiVersion: v1alpha1\ndiscovery:\n  exportedTagsOnMetrics:\n    AWS/SQS: [team]\n    AWS/AutoScaling: [team]\nstreams:\n  namespaces: [AWS/SQS, AWS/AutoScaling]\n",
        &["--firehose.no-access-key"],
    );
    assert!(exp.log().contains("WITHOUT an access key"));
    let t = recent_minute_ms();
    let lines = [
        json_line(
            "AWS/SQS",
            "NumberOfMessagesSent",
            &[("QueueName", "orders")],
            t,
            (5.0, 1.0, 12.0, 4.0),
        ),
        json_line(
            "AWS/SQS",
            "NumberOfMessagesSent",
            &[("QueueName", "untagged")],
            t,
            (1.0, 1.0, 1.0, 1.0),
        ),
        // An Auto Scaling group: named, and tagged, by DescribeAutoScalingGroups, as polled.
        json_line(
            "AWS/AutoScaling",
            "GroupDesiredCapacity",
            &[("AutoScalingGroupName", "batch-asg")],
            t,
            (2.0, 1.0, 2.0, 2.0),
        ),
        // Not selected by streams.namespaces: counted, not exported.
        ecs("CpuUtilized", "api", t, (1.0, 1.0, 1.0, 1.0)),
    ];
    let script = format!(
        r#"
import boto3
kw = dict(endpoint_url="{moto}", region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
sqs = boto3.client("sqs", **kw)
sqs.create_queue(QueueName="orders", tags={{"team": "payments"}})
sqs.create_queue(QueueName="untagged")
asg = boto3.client("autoscaling", **kw)
image = boto3.client("ec2", **kw).describe_images()["Images"][0]["ImageId"]
asg.create_launch_configuration(LaunchConfigurationName="lc", ImageId=image, InstanceType="t3.micro")
asg.create_auto_scaling_group(AutoScalingGroupName="batch-asg", LaunchConfigurationName="lc",
    MinSize=0, MaxSize=1, AvailabilityZones=["us-east-1a"],
    Tags=[{{"Key": "team", "Value": "batch", "PropagateAtLaunch": False,
           "ResourceId": "batch-asg", "ResourceType": "auto-scaling-group"}}])
print(asg.describe_auto_scaling_groups()["AutoScalingGroups"][0]["AutoScalingGroupARN"])
fh = boto3.client("firehose", **kw)
fh.create_delivery_stream(
    DeliveryStreamName="cw-metric-stream",
    DeliveryStreamType="DirectPut",
    HttpEndpointDestinationConfiguration={{
        "EndpointConfiguration": {{"Url": "{url}", "Name": "cw-exporter"}},
        "RequestConfiguration": {{"ContentEncoding": "NONE"}},
        "S3Configuration": {{"RoleARN": "arn:aws:iam::123456789012:role/firehose",
                             "BucketARN": "arn:aws:s3:::cw-stream-backup"}},
    }},
)
fh.put_record_batch(DeliveryStreamName="cw-metric-stream",
                    Records=[{{"Data": {lines:?}.encode()}}])
"#,
        moto = moto.url,
        lines = lines.join("\n"),
    );
    let out = std::process::Command::new(venv().join("bin/python"))
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let group = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(group.starts_with("arn:aws:autoscaling:"), "{group}");
    // Tags join by the built ARN once the tagging API was read (within about 10 s).
    let m = wait_metrics(&exp, "moto's delivery, with tags", |m| {
        m.contains("tag_team=\"payments\"") && m.contains("tag_team=\"batch\"")
    });
    assert!(
        m.contains(&format!("aws_autoscaling_group_desired_capacity_average{{account_id=\"123456789012\",dimension_AutoScalingGroupName=\"batch-asg\",name=\"{group}\",region=\"us-east-1\",tag_team=\"batch\"}} 1")),
        "{m}"
    );
    assert!(
        m.contains("aws_sqs_number_of_messages_sent_average{account_id=\"123456789012\",dimension_QueueName=\"orders\",name=\"arn:aws:sqs:us-east-1:123456789012:orders\",region=\"us-east-1\",tag_team=\"payments\"} 3"),
        "{m}"
    );
    assert!(
        m.contains("aws_sqs_number_of_messages_sent_average{account_id=\"123456789012\",dimension_QueueName=\"untagged\",name=\"arn:aws:sqs:us-east-1:123456789012:untagged\",region=\"us-east-1\",tag_team=\"\"} 1"),
        "{m}"
    );
    assert!(!m.contains("aws_ecs_containerinsights"), "{m}");
    assert_eq!(
        own(
            &m,
            "cw_exporter_firehose_points_total{outcome=\"filtered\"}"
        ),
        1.0
    );
}

#[test]
fn the_seed_alerts_fire_on_pushed_data() {
    let moto = Moto::unreachable();
    let (exp, url) = start(
        &moto,
        "apiVersion: v1alpha1\nstreams: {}\n",
        &["--firehose.no-access-key"],
    );
    let t = recent_minute_ms();
    // Four services; "pending" has a task stuck pending, "short" runs fewer than desired,
    // "hungry" uses 90% of its memory reservation.
    let mut lines = Vec::new();
    for svc in ["healthy", "pending", "short", "hungry"] {
        let v = |x: f64| (x, x, x, 1.0);
        let mem = if svc == "hungry" { 900.0 } else { 300.0 };
        let running = if svc == "short" { 1.0 } else { 2.0 };
        let pending = if svc == "pending" { 1.0 } else { 0.0 };
        lines.push(ecs("CpuUtilized", svc, t, v(100.0)));
        lines.push(ecs("CpuReserved", svc, t, v(512.0)));
        lines.push(ecs("MemoryUtilized", svc, t, v(mem)));
        lines.push(ecs("MemoryReserved", svc, t, v(1000.0)));
        lines.push(ecs("DesiredTaskCount", svc, t, v(2.0)));
        lines.push(ecs("RunningTaskCount", svc, t, v(running)));
        lines.push(ecs("PendingTaskCount", svc, t, v(pending)));
    }
    let body = firehose::body("seed", &[lines.join("\n").into_bytes()]);
    let a = firehose::post(&url, None, Some("seed"), &firehose::gzip(&body), true);
    assert_eq!(a.status, 200, "{a:?}");
    wait_metrics(&exp, "the pushed estate", |m| {
        m.contains("aws_ecs_containerinsights_pending_task_count_average{")
    });
    let rules = repo().join("deploy/prometheus/cw-exporter.rules.yml");
    let prom = Prometheus::start(&exp.url, &[rules]);
    let want: std::collections::BTreeSet<(String, String)> = [
        ("CwEcsServiceTasksPending", "pending"),
        ("CwEcsServiceTasksBelowDesired", "short"),
        ("CwEcsServiceMemoryHigh", "hungry"),
    ]
    .into_iter()
    .map(|(a, s)| (a.to_string(), s.to_string()))
    .collect();
    let current = |p: &Prometheus| -> std::collections::BTreeSet<(String, String)> {
        p.alerts()
            .iter()
            .map(|a| {
                let l = &a["labels"];
                (
                    l["alertname"].as_str().unwrap_or("").to_string(),
                    l["dimension_ServiceName"]
                        .as_str()
                        .unwrap_or("-")
                        .to_string(),
                )
            })
            .collect()
    };
    prom.wait_until("the pushed incidents' alerts", 90, |p| {
        current(p).is_superset(&want)
    });
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        current(&prom),
        want,
        "only the incidents, and the stream is not stopped"
    );
}

#[test]
fn every_dashboard_query_on_cloudwatch_data_returns_data_when_pushed() {
    // What the dashboards read: the seed's jobs and the example's task-level job, as configs
    // (the same text as the dashboard test on polled data), turned into pushed points.
    let seed = std::fs::read_to_string(repo().join("examples/seed-config.yml")).unwrap();
    let example = std::fs::read_to_string(repo().join("examples/fargate-estate.yml")).unwrap();
    let start = example.find("    # Task level").unwrap();
    let end = start + example[start..].find("    # Container level").unwrap();
    let job: String = example[start..end]
        .lines()
        .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
        .collect();
    let polled = cw_exporter::config::parse_str(
        &format!("{}\n{job}", seed.trim_end()),
        std::path::Path::new("dashboards.yml"),
        false,
    )
    .unwrap()
    .config;
    let t = recent_minute_ms();
    let mut lines = Vec::new();
    for j in &polled.jobs {
        let dims: Vec<String> = match &j.dimension_names {
            Some(d) => d.clone(),
            None if j.metrics.iter().any(|m| m.name == "ContainerInstanceCount") => {
                vec!["ClusterName".into()]
            }
            None => vec!["ClusterName".into(), "ServiceName".into()],
        };
        for m in &j.metrics {
            for c in ["prod", "stage"] {
                for s in ["api", "web"] {
                    for task in ["t1", "t2"] {
                        let value = |d: &str| match d {
                            "ClusterName" => c,
                            "ServiceName" => s,
                            "TaskId" => task,
                            _ => "x",
                        };
                        let d: Vec<(&str, &str)> =
                            dims.iter().map(|n| (n.as_str(), value(n))).collect();
                        lines.push(json_line(
                            &j.namespace,
                            &m.name,
                            &d,
                            t,
                            (60.0, 20.0, 80.0, 2.0),
                        ));
                    }
                }
            }
        }
    }
    lines.sort();
    lines.dedup();
    let (exp, url) = start_push(&lines);
    let rules = repo().join("deploy/prometheus/cw-exporter.rules.yml");
    let prom = Prometheus::start(&exp.url, &[rules]);
    prom.wait_until("the recording rules on pushed data", 60, |p| {
        [
            "cluster_service:ecs_memory_utilized_over_reserved:ratio",
            "cluster_service:ecs_cpu_utilized_over_reserved:ratio",
            "cluster_service:ecs_tasks_missing:count",
            "aws_ecs_containerinsights_task_memory_utilization_maximum",
        ]
        .iter()
        .all(|q| p.query(q).is_some_and(|r| !r.is_empty()))
    });
    let mut checked = 0;
    for file in ["cluster-overview.json", "service-detail.json"] {
        let d: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(repo().join("deploy/grafana/dashboards").join(file)).unwrap(),
        )
        .unwrap();
        let fill = |q: &str| {
            q.replace("$region", "us-east-1")
                .replace("$cluster", "prod")
                .replace("$service", "api")
        };
        // Variables: label_values(<selector>, <label>) lists the value the panels use.
        for v in d["templating"]["list"].as_array().unwrap() {
            let q = match &v["query"] {
                serde_json::Value::String(s) => s.clone(),
                o => o["query"].as_str().unwrap_or_default().to_string(),
            };
            let Some(inner) = q.strip_prefix("label_values(") else {
                continue;
            };
            let (selector, label) = inner.trim_end_matches(')').rsplit_once(',').unwrap();
            let r = prom.query(&fill(selector)).unwrap_or_default();
            assert!(
                r.iter().any(|s| s["metric"][label.trim()].is_string()),
                "{file}: variable {}: {q}",
                v["name"]
            );
            checked += 1;
        }
        let mut panels: Vec<&serde_json::Value> = d["panels"].as_array().unwrap().iter().collect();
        while let Some(p) = panels.pop() {
            if let Some(inner) = p["panels"].as_array() {
                panels.extend(inner);
            }
            for t in p["targets"].as_array().into_iter().flatten() {
                let q = fill(t["expr"].as_str().unwrap());
                // The exporter-health panels are about polling (jobs, GetMetricData calls).
                if q.contains("cw_exporter_") {
                    continue;
                }
                let r = prom.query(&q).unwrap_or_default();
                assert!(!r.is_empty(), "{file}: panel {}: {q}", p["title"]);
                checked += 1;
            }
        }
    }
    assert!(checked >= 25, "{checked} queries");
    drop(url);
}

/// The exporter in push mode without a key, `lines` delivered in one gzip'd request and
/// published.
fn start_push(lines: &[String]) -> (Exporter, String) {
    let moto = Moto::unreachable();
    let (exp, url) = start(
        &moto,
        "apiVersion: v1alpha1\nstreams: {}\n",
        &["--firehose.no-access-key"],
    );
    let records: Vec<Vec<u8>> = lines
        .chunks(200)
        .map(|c| c.join("\n").into_bytes())
        .collect();
    let body = firehose::body("dash", &records);
    let a = firehose::post(&url, None, Some("dash"), &firehose::gzip(&body), true);
    assert_eq!(a.status, 200, "{a:?}");
    let n = lines.len() as f64;
    wait_metrics(&exp, "every pushed series", |m| {
        own(m, "cw_exporter_firehose_series") == n
    });
    (exp, url)
}

#[test]
fn a_reload_applies_the_new_streams_section_at_once() {
    let moto = Moto::unreachable();
    let cfg = write_config("apiVersion: v1alpha1\nstreams: {}\n");
    let (exp, url) = start_at(&moto, &cfg, &["--firehose.no-access-key"]);
    let t = recent_minute_ms();
    let lines = [
        ecs("CpuUtilized", "api", t, (1.0, 1.0, 2.0, 2.0)),
        json_line(
            "AWS/SQS",
            "NumberOfMessagesSent",
            &[("QueueName", "orders")],
            t,
            (1.0, 1.0, 2.0, 2.0),
        ),
    ];
    let body = firehose::body("r-1", &[lines.join("\n").into_bytes()]);
    assert_eq!(
        firehose::post(&url, None, Some("r-1"), &body, false).status,
        200
    );
    wait_metrics(&exp, "both namespaces", |m| {
        m.contains("aws_sqs_number_of_messages_sent_sum{")
            && m.contains("aws_ecs_containerinsights_cpu_utilized_sum{")
    });
    // Only SQS now, and only its Sum: the other series leave at the reload, not at staleAfter.
    std::fs::write(
        &cfg,
        "apiVersion: v1alpha1\nstreams:\n  namespaces:\n    - namespace: AWS/SQS\n      statistics: [Sum]\n",
    )
    .unwrap();
    exp.sighup();
    let m = wait_metrics(&exp, "the reloaded selection", |m| {
        !m.contains("aws_ecs_containerinsights")
    });
    assert!(m.contains("aws_sqs_number_of_messages_sent_sum{"), "{m}");
    // New points follow the new statistics.
    let body = firehose::body(
        "r-2",
        &[json_line(
            "AWS/SQS",
            "NumberOfMessagesSent",
            &[("QueueName", "mail")],
            t,
            (1.0, 1.0, 2.0, 2.0),
        )
        .into_bytes()],
    );
    assert_eq!(
        firehose::post(&url, None, Some("r-2"), &body, false).status,
        200
    );
    let m = wait_metrics(&exp, "the new queue", |m| {
        m.contains("dimension_QueueName=\"mail\"")
    });
    assert!(!m.contains("aws_sqs_number_of_messages_sent_average{account_id=\"123456789012\",dimension_QueueName=\"mail\""), "{m}");
}
