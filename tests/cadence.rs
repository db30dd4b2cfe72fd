//! Cadence groups: each is collected at its own interval, and groups due at the same moment
//! share GetMetricData calls.

use crate::common;
use common::*;

#[test]
fn each_group_is_collected_at_its_own_rate_and_batched_when_due_together() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "5"]);
    // CPU every second (the flag), memory every third second (its own key).
    let config = write_config(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
  - type: ecs-containerinsights
    regions: [us-east-1]
    metrics:
    - {name: CpuUtilized, statistics: [Average], period: 60, length: 300}
  - type: ecs-containerinsights
    regions: [us-east-1]
    collectionInterval: 3
    metrics:
    - {name: MemoryUtilized, statistics: [Average], period: 60, length: 300}
"#,
    );
    let exp = exporter(
        &moto,
        &[
            &format!("-config.file={}", config.display()),
            "-scraping-interval=1",
        ],
    );
    exp.wait_cycles(1);
    // The first cycle collects both groups.
    assert_eq!(exp.cycles()[0], "1,3", "{}", exp.log());
    let metrics = exp.metrics();
    assert!(metrics.contains("aws_ecs_containerinsights_cpu_utilized_average{"));
    assert!(metrics.contains("aws_ecs_containerinsights_memory_utilized_average{"));

    // Record from one cycle's end to another's: between cycles nothing is in flight.
    let before = exp.cycles().len();
    moto.start_recording();
    exp.wait_cycles(before + 9);
    let requests = moto.recorded_requests();
    let seen = exp.cycles();
    let seen = &seen[before..(before + 9).min(seen.len())];
    let calls: Vec<&String> = requests
        .iter()
        .filter(|(a, _)| a == "GetMetricData")
        .map(|(_, body)| body)
        .collect();
    let with = |m: &str| calls.iter().filter(|b| b.contains(m)).count();
    let slow_cycles = seen
        .iter()
        .filter(|g| g.split(',').any(|x| x == "3"))
        .count();

    // One call per cycle, the fast group in every one, and the slow group only in the cycles
    // it was due in, in the same call.
    assert_eq!(calls.len(), seen.len(), "{seen:?} {requests:?}");
    assert_eq!(with("CpuUtilized"), seen.len(), "{seen:?}");
    assert_eq!(with("MemoryUtilized"), slow_cycles, "{seen:?}");
    assert!(
        (2..=4).contains(&slow_cycles),
        "every third second: {seen:?}"
    );
    assert!(seen.iter().all(|g| g == "1" || g == "1,3"), "{seen:?}");
    // Nothing but GetMetricData in steady state, whatever group is due.
    assert!(
        requests.iter().all(|(a, _)| a == "GetMetricData"),
        "{:?}",
        moto.recorded_actions()
    );
    // The slow group's series are served between its collections.
    let metrics = exp.metrics();
    assert!(metrics.contains("aws_ecs_containerinsights_memory_utilized_average{"));

    // `plan` counts the same: per group, and per hour one call per moment (batched).
    let plan = plan_json(
        &moto,
        &[
            "--scraping-interval",
            "1",
            "--config.file",
            config.to_str().unwrap(),
        ],
    );
    let group = |i: usize, k: &str| plan["groups"][i][k].as_f64().unwrap();
    assert_eq!(group(0, "interval_seconds"), 1.0, "{plan}");
    assert_eq!(group(1, "interval_seconds"), 3.0, "{plan}");
    assert_eq!(group(0, "collections_per_hour"), 3600.0, "{plan}");
    assert_eq!(group(1, "collections_per_hour"), 1200.0, "{plan}");
    assert_eq!(plan["cycles_per_hour"], 3600.0, "{plan}");
    assert_eq!(plan["get_metric_data_calls_per_hour"], 3600.0, "{plan}");
    let queries: usize = calls.iter().map(|b| b.matches(".Id=").count()).sum();
    let planned = group(0, "metrics_billed_per_collection") as usize * seen.len()
        + group(1, "metrics_billed_per_collection") as usize * slow_cycles;
    assert_eq!(queries, planned, "{plan}");
    assert_eq!(
        plan["metrics_billed_per_hour"].as_f64().unwrap(),
        3600.0 * group(0, "metrics_billed_per_collection")
            + 1200.0 * group(1, "metrics_billed_per_collection")
    );
}
