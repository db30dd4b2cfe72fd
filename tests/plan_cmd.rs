//! `cw-exporter plan` prints what the exporter then does, call for call.

use crate::common;
use common::*;

#[test]
fn plan_equals_what_the_exporter_does() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "3", "--minutes", "10"]);
    let cfg = write_config(
        r#"apiVersion: v1alpha1
discovery:
  exportedTagsOnMetrics:
    ECS/ContainerInsights: [team]
  jobs:
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      dimensionNameRequirements: [ClusterName, ServiceName]
      statistics: [Average, Maximum]
      metrics:
        - name: CpuUtilized
        - name: MemoryUtilized
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      dimensionNameRequirements: [ClusterName, ServiceName]
      metrics:
        - name: CpuUtilized
          statistics: [Average]
        - name: RunningTaskCount
          statistics: [Average]
"#,
    );
    moto.start_recording();
    let plan = plan_json(
        &moto,
        &[
            "--metrics-per-query",
            "20",
            "--config.file",
            cfg.to_str().unwrap(),
        ],
    );
    let planning_calls = moto.recorded_actions();

    moto.start_recording();
    let exp = exporter(
        &moto,
        &[
            "--config.file",
            cfg.to_str().unwrap(),
            "--metrics-per-query",
            "20",
        ],
    );
    let actions = moto.recorded_actions();
    let count = |a: &str| actions.iter().filter(|x| *x == a).count() as u64;

    // The shared query (CpuUtilized Average) is billed once: 13 services × (4 + 1) queries.
    let services = 13;
    assert_eq!(plan["metrics_billed_per_cycle"], services * 5);
    assert_eq!(plan["jobs"][0]["queries"], services * 4);
    assert_eq!(plan["jobs"][1]["queries"], services * 2);
    assert_eq!(plan["jobs"][1]["billed"], services);
    let lines = parse(&exp.metrics());
    let requested: f64 = named(&lines, "cw_exporter_metrics_requested_total")
        .iter()
        .map(|l| l.value)
        .sum();
    assert_eq!(
        requested as u64,
        plan["metrics_billed_per_cycle"].as_u64().unwrap()
    );
    assert_eq!(
        count("GetMetricData"),
        plan["get_metric_data_calls_per_cycle"].as_u64().unwrap()
    );
    assert_eq!(count("GetMetricData"), 4); // ⌈65 / 20⌉
    // The other reading of the pricing page: the two statistics of CpuUtilized and of
    // MemoryUtilized of a service are one metric each, side by side in one call: 3 per service.
    let by_metric: f64 = named(&lines, "cw_exporter_metrics_requested_by_metric_total")
        .iter()
        .map(|l| l.value)
        .sum();
    assert_eq!(by_metric as u64, services * 3);
    assert_eq!(
        plan["metrics_billed_per_hour_by_metric"].as_f64().unwrap()
            / plan["cycles_per_hour"].as_f64().unwrap(),
        by_metric
    );
    assert_eq!(
        count("ListMetrics"),
        plan["discovery_calls_per_run"]["ListMetrics"]
            .as_u64()
            .unwrap()
    );
    assert_eq!(
        count("GetResources"),
        plan["discovery_calls_per_run"]["GetResources"]
            .as_u64()
            .unwrap()
    );
    // And planning itself made only discovery calls.
    assert!(
        planning_calls.iter().all(|a| matches!(
            a.as_str(),
            "ListMetrics" | "GetResources" | "GetCallerIdentity"
        )),
        "{planning_calls:?}"
    );
}

#[test]
fn offline_plans_need_no_aws() {
    let dead = Moto::unreachable();
    let text = exporter_ok(
        "plan",
        cw_exporter(&dead).args([
            "plan",
            "--offline",
            "50",
            "-config.file=examples/seed-config.yml",
        ]),
    );
    // 50 × 2 cluster metrics + 50 × 14 service metrics, one statistic each.
    assert!(
        text.contains("per cycle: 2 GetMetricData call(s), 800 metrics billed"),
        "{text}"
    );
    assert!(text.contains("discovery: ListMetrics 16 per run"), "{text}");
}
