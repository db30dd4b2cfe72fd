//! The seed's config, unchanged, against moto seeded with a Fargate estate.

use crate::common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};

const SERVICE_METRICS: [&str; 14] = [
    "cpu_reserved",
    "cpu_utilized",
    "memory_reserved",
    "memory_utilized",
    "storage_read_bytes",
    "storage_write_bytes",
    "network_rx_bytes",
    "network_tx_bytes",
    "desired_task_count",
    "task_count",
    "pending_task_count",
    "running_task_count",
    "deployment_count",
    "task_set_count",
];

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_seed_config_gives_one_series_per_cluster_and_service_with_the_seeded_values() {
    let moto = Moto::start();
    let expected = moto.seed(&["--clusters", "3", "--minutes", "12"]);
    moto.start_recording();
    // YACE's single-dash flag spelling, as existing deployments write it.
    let exp = exporter(
        &moto,
        &[
            "-config.file=examples/seed-config.yml",
            "-scraping-interval=3600",
        ],
    );
    let text = exp.metrics();
    let lines = parse(&text);
    let account = expected["account"].as_str().unwrap();
    let region = expected["region"].as_str().unwrap();

    // Cluster-level series: exactly one per seeded cluster, with exactly these labels.
    for (metric, key) in [
        ("container_instance_count", "ContainerInstanceCount"),
        ("service_count", "ServiceCount"),
    ] {
        let name = format!("aws_ecs_containerinsights_{metric}_average");
        let got: Vec<&Line> = named(&lines, &name);
        let clusters = expected["clusters"].as_object().unwrap();
        assert_eq!(got.len(), clusters.len(), "{name}: {got:?}");
        for (cluster, vals) in clusters {
            let l = got
                .iter()
                .find(|l| l.label("dimension_ClusterName") == Some(cluster))
                .unwrap_or_else(|| panic!("{name} for {cluster}"));
            let want_labels: BTreeSet<&str> =
                ["account_id", "dimension_ClusterName", "name", "region"].into();
            assert_eq!(
                l.labels
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<BTreeSet<_>>(),
                want_labels
            );
            assert_eq!(
                l.label("name").unwrap(),
                format!("arn:aws:ecs:{region}:{account}:cluster/{cluster}")
            );
            assert_eq!(l.label("region"), Some(region));
            assert_eq!(l.label("account_id"), Some(account));
            assert!(
                close(l.value, vals[key].as_f64().unwrap()),
                "{name} {cluster}: {} vs {}",
                l.value,
                vals[key]
            );
        }
    }

    // Service-level series: the 14 metrics for every seeded service, one each, on the service.
    let services = expected["services"].as_object().unwrap();
    assert!(services.len() >= 12);
    for metric in SERVICE_METRICS {
        let name = format!("aws_ecs_containerinsights_{metric}_average");
        let got: Vec<&Line> = named(&lines, &name);
        assert_eq!(
            got.len(),
            services.len(),
            "{name}: one series per service, nothing else"
        );
        let mut seen = BTreeSet::new();
        for l in &got {
            let (c, s) = (
                l.label("dimension_ClusterName").unwrap(),
                l.label("dimension_ServiceName").unwrap(),
            );
            assert!(
                seen.insert((c.to_string(), s.to_string())),
                "duplicate {name} for {c}/{s}"
            );
            assert_eq!(l.labels.len(), 5, "{l:?}");
            assert_eq!(
                l.label("name").unwrap(),
                format!("arn:aws:ecs:{region}:{account}:service/{c}/{s}")
            );
            let want = services[&format!("{c}/{s}")][camel(metric).as_str()]
                .as_f64()
                .unwrap();
            assert!(
                close(l.value, want),
                "{name} {c}/{s}: got {} want {want}",
                l.value
            );
        }
    }

    // Nothing else under the namespace but the info series (TaskDefinitionFamily and cluster
    // CpuUtilized series exist in CloudWatch and are not asked for by the seed's jobs).
    let names: BTreeSet<&str> = lines
        .iter()
        .map(|l| l.name.as_str())
        .filter(|n| n.starts_with("aws_"))
        .collect();
    let mut allowed: BTreeSet<String> = SERVICE_METRICS
        .iter()
        .map(|m| format!("aws_ecs_containerinsights_{m}_average"))
        .collect();
    allowed.insert("aws_ecs_containerinsights_container_instance_count_average".into());
    allowed.insert("aws_ecs_containerinsights_service_count_average".into());
    allowed.insert("aws_ecs_containerinsights_info".into());
    assert_eq!(names, allowed.iter().map(|s| s.as_str()).collect());
    assert!(!text.contains("TaskDefinitionFamily"));
    let info: Vec<&Line> = named(&lines, "aws_ecs_containerinsights_info");
    assert_eq!(
        info.len(),
        services.len() + expected["clusters"].as_object().unwrap().len()
    );

    // The calls, counted at moto: one identity and one account alias lookup (IAM, for YACE's
    // account_alias label), one ListMetrics listing per metric name (moto pages more than
    // CloudWatch: it repeats an entry per datapoint), one GetMetricData for all 188 queries of
    // both jobs, no tagging API (no tags were asked for).
    let actions = moto.recorded_actions();
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(count("GetCallerIdentity"), 1, "{actions:?}");
    assert_eq!(count("ListAccountAliases"), 1, "{actions:?}");
    assert_eq!(count("GetMetricData"), 1, "{actions:?}");
    assert_eq!(count("GetResources"), 0, "{actions:?}");
    assert!(count("ListMetrics") >= 16, "{actions:?}");
    assert_eq!(actions.len(), 3 + count("ListMetrics"), "{actions:?}");

    // Our own counters agree with the recorder.
    let selfm: BTreeMap<String, f64> = lines
        .iter()
        .filter(|l| l.name.starts_with("cw_exporter_"))
        .map(|l| (format!("{}{:?}", l.name, l.labels), l.value))
        .collect();
    let calls = |api: &str| {
        lines
            .iter()
            .filter(|l| l.name == "cw_exporter_api_calls_total" && l.label("api") == Some(api))
            .map(|l| l.value)
            .sum::<f64>()
    };
    assert_eq!(calls("GetMetricData"), 1.0, "{selfm:?}");
    assert_eq!(calls("ListMetrics") as usize, count("ListMetrics"));
    let requested: f64 = lines
        .iter()
        .filter(|l| l.name == "cw_exporter_metrics_requested_total")
        .map(|l| l.value)
        .sum();
    assert_eq!(requested as usize, 2 * 3 + 14 * services.len());
    assert!(
        lines
            .iter()
            .any(|l| l.name == "cw_exporter_collection_success"
                && l.label("config_job") == Some("discovery.jobs[1]")
                && l.value == 1.0)
    );
    assert!(
        exp.log().contains("enableMetricData"),
        "the log says once that enableMetricData is a no-op"
    );
}

#[test]
fn twelve_hundred_queries_take_exactly_three_get_metric_data_calls() {
    let moto = Moto::start();
    // 4 clusters × 25 services × 4 metrics × 3 statistics = 1,200 queries.
    moto.seed(&[
        "--clusters",
        "4",
        "--services-per-cluster",
        "25",
        "--minutes",
        "10",
        "--no-extras",
        "--metrics",
        "CpuUtilized,MemoryUtilized,RunningTaskCount,DesiredTaskCount",
    ]);
    let cfg = write_config(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      dimensionNameRequirements: [ClusterName, ServiceName]
      statistics: [Average, Maximum, Minimum]
      period: 300
      length: 900
      metrics:
        - name: CpuUtilized
        - name: MemoryUtilized
        - name: RunningTaskCount
        - name: DesiredTaskCount
"#,
    );
    moto.start_recording();
    let exp = exporter(
        &moto,
        &[
            "--config.file",
            cfg.to_str().unwrap(),
            "--scraping-interval",
            "3600",
            // moto needs 10-20 s per 400-query call when the machine is busy: no attempt may
            // time out and be retried, or the recorder sees more calls than the plan.
            "--aws.timeout",
            "900",
        ],
    );
    let actions = moto.recorded_actions();
    assert_eq!(
        actions.iter().filter(|a| *a == "GetMetricData").count(),
        3,
        "{actions:?}"
    );
    let lines = parse(&exp.metrics());
    let requested: f64 = lines
        .iter()
        .filter(|l| l.name == "cw_exporter_metrics_requested_total")
        .map(|l| l.value)
        .sum();
    assert_eq!(requested, 1200.0);
    let data = lines
        .iter()
        .filter(|l| l.name.starts_with("aws_ecs_containerinsights_") && !l.name.ends_with("_info"))
        .count();
    assert_eq!(data, 1200);
    assert!(
        lines
            .iter()
            .filter(|l| l.name.starts_with("aws_ecs_containerinsights_"))
            .all(|l| !l.value.is_nan())
    );

    // --metrics-per-query packs smaller calls.
    drop(exp);
    moto.start_recording();
    let _exp = exporter(
        &moto,
        &[
            "--config.file",
            cfg.to_str().unwrap(),
            "--metrics-per-query",
            "100",
        ],
    );
    let actions = moto.recorded_actions();
    assert_eq!(
        actions.iter().filter(|a| *a == "GetMetricData").count(),
        12,
        "{actions:?}"
    );
}

#[test]
fn promtool_accepts_the_output_and_openmetrics_is_served_on_request() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "2", "--minutes", "10"]);
    let exp = exporter(
        &moto,
        &[
            "-config.file=examples/seed-config.yml",
            "-labels-snake-case",
        ],
    );
    let check = promtool_check_metrics;
    let text = exp.metrics();
    assert!(
        text.contains("dimension_cluster_name=\""),
        "snake-case labels"
    );
    let (code, out) = check(&text);
    assert_eq!(code, Some(0), "promtool: {out}");

    // OpenMetrics when asked, ending in # EOF, counters declared without _total.
    let (status, om) = http(
        "GET",
        &format!("{}/metrics", exp.url),
        &[(
            "Accept",
            "application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
        )],
        "",
    );
    assert_eq!(status, 200);
    assert!(om.ends_with("# EOF\n"));
    assert!(om.contains("# TYPE cw_exporter_api_calls counter\n"));
    assert!(om.contains("\ncw_exporter_api_calls_total{"));
    drop(exp);

    // YACE's default label names are camelCase: the only thing promtool's linter says about them.
    let exp = exporter(&moto, &["-config.file=examples/seed-config.yml"]);
    let (code, out) = check(&exp.metrics());
    assert_eq!(code, Some(3), "{out}");
    assert!(
        out.lines()
            .all(|l| l.ends_with("label names should be written in 'snake_case' not 'camelCase'")),
        "{out}"
    );
}

#[test]
fn routes_answer_as_documented() {
    let moto = Moto::start();
    moto.seed(&[
        "--clusters",
        "1",
        "--minutes",
        "10",
        "--no-extras",
        "--metrics",
        "CpuReserved",
    ]);
    let exp = exporter(&moto, &["-config.file=examples/seed-config.yml"]);
    assert_eq!(get(&format!("{}/-/healthy", exp.url)).0, 200);
    assert_eq!(get(&format!("{}/healthz", exp.url)).0, 200);
    assert_eq!(get(&format!("{}/-/ready", exp.url)).0, 200);
    let (s, page) = get(&format!("{}/", exp.url));
    assert_eq!(s, 200);
    assert!(
        page.contains("discovery.jobs[1]") && page.contains("ECS/ContainerInsights"),
        "{page}"
    );
    assert!(page.contains("examples/seed-config.yml"));
}
