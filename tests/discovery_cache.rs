//! Discovery runs on its own clock: a steady-state cycle only calls GetMetricData.

use crate::common;
use common::*;

#[test]
fn steady_state_cycles_reuse_discovery() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "2", "--minutes", "10"]);
    let exp = exporter(
        &moto,
        &[
            "-config.file=examples/seed-config.yml",
            "-scraping-interval=1",
        ],
    );
    exp.wait_cycles(1);
    moto.start_recording();
    let before = exp.cycles().len();
    exp.wait_cycles(before + 3);
    let actions = moto.recorded_actions();
    assert!(actions.len() >= 2, "{actions:?}");
    assert!(actions.iter().all(|a| a == "GetMetricData"), "{actions:?}");
    drop(exp);

    // --discovery-interval 0 lists every cycle.
    let exp = exporter(
        &moto,
        &[
            "-config.file=examples/seed-config.yml",
            "-scraping-interval=1",
            "-discovery-interval=0",
        ],
    );
    exp.wait_cycles(1);
    moto.start_recording();
    let before = exp.cycles().len();
    exp.wait_cycles(before + 2);
    let actions = moto.recorded_actions();
    assert!(
        actions.iter().filter(|a| *a == "ListMetrics").count() >= 16,
        "{actions:?}"
    );
}

#[test]
fn a_job_can_set_its_own_discovery_interval() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "5"]);
    // Two (role, region) scopes: us-east-1 rediscovers every cycle (its job says so), us-west-2
    // keeps the flag's default (600 s).
    let config = write_config(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
  - type: ecs-containerinsights
    regions: [us-east-1]
    discoveryInterval: 0
    metrics:
    - {name: CpuUtilized, statistics: [Average], period: 60, length: 300}
  - type: ecs-containerinsights
    regions: [us-west-2]
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
    moto.start_recording();
    let before = exp.cycles().len();
    exp.wait_cycles(before + 3);
    let listed = |metric: &str| {
        moto.recorded_requests()
            .iter()
            .filter(|(a, body)| {
                a == "ListMetrics" && body.contains(&format!("MetricName={metric}"))
            })
            .count()
    };
    assert!(listed("CpuUtilized") >= 2, "{:?}", moto.recorded_actions());
    assert_eq!(listed("MemoryUtilized"), 0, "{:?}", moto.recorded_actions());
}
