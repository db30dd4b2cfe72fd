//! Reload: SIGHUP, POST /-/reload and YACE's POST /reload; a bad config is rejected with its
//! position and the old one keeps serving.

use crate::common;
use common::*;
use std::time::{Duration, Instant};

fn reload_ok(lines: &[Line]) -> f64 {
    named(lines, "cw_exporter_config_last_reload_successful")[0].value
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn bad_configs_are_rejected_and_good_ones_swapped_in() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let seed = std::fs::read_to_string(repo().join("examples/seed-config.yml")).unwrap();
    let cfg = write_config(&seed);
    let exp = exporter(
        &moto,
        &[
            "--config.file",
            cfg.to_str().unwrap(),
            "--scraping-interval",
            "3600",
            "--web.enable-lifecycle",
        ],
    );
    let services = |lines: &[Line]| {
        named(
            lines,
            "aws_ecs_containerinsights_running_task_count_average",
        )
        .len()
    };
    let lines = parse(&exp.metrics());
    assert_eq!(reload_ok(&lines), 1.0);
    let before = services(&lines);
    assert!(before > 0);
    let f = cfg.display().to_string();

    for (broken, want) in [
        (
            "discovery:\n  jobs: [\n",
            format!("{f}:2:9: error: YAML syntax: unclosed bracket"),
        ),
        (
            &*seed.replace(
                "    enableMetricData: true\n    metrics:",
                "    enableMetricData: true\n    delay: -60\n    metrics:",
            ),
            format!("{f}:6:12: error: discovery.jobs[0].delay: expected a whole number of seconds"),
        ),
        (
            &*seed.replacen("        - Average", "        - Avg", 1),
            format!("{f}:9:11: error: discovery.jobs[0].metrics[0].statistics[0]: `Avg`"),
        ),
        (
            "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n    - type: AWS/ECS\n      regions: [us-east-1]\n      searchTags: [{key: env, value: '(x'}]\n      metrics: [{name: CPUUtilization, statistics: [Average]}]\n",
            format!("{f}:6:20: error: discovery.jobs[0].searchTags[0]: tag value `(x`"),
        ),
    ] {
        std::fs::write(&cfg, broken).unwrap();
        let (status, body) = http("POST", &format!("{}/-/reload", exp.url), &[], "");
        assert_eq!(status, 400, "{body}");
        assert!(body.contains(&want), "want {want:?} in {body}");
        let lines = parse(&exp.metrics());
        assert_eq!(reload_ok(&lines), 0.0);
        assert_eq!(services(&lines), before, "the old config keeps serving");
    }
    assert!(exp.log().contains("config reload rejected"));

    // A good config through YACE's route: only the cluster-level job now.
    let cluster_only = seed.split("  - region: us-east-1\n    type: ecs-containerinsights\n    enableMetricData: true\n    awsDimensions:").next().unwrap().to_string();
    std::fs::write(&cfg, &cluster_only).unwrap();
    let (status, body) = http("POST", &format!("{}/reload", exp.url), &[], "");
    assert_eq!(status, 200, "{body}");
    wait_for("the new config's first collection", || {
        let lines = parse(&exp.metrics());
        services(&lines) == 0
            && !named(&lines, "aws_ecs_containerinsights_service_count_average").is_empty()
    });
    assert_eq!(reload_ok(&parse(&exp.metrics())), 1.0);
    assert_eq!(
        get(&format!("{}/-/reload", exp.url)).0,
        405,
        "reload is POST only"
    );

    // SIGHUP: back to the seed's config.
    std::fs::write(&cfg, &seed).unwrap();
    exp.sighup();
    wait_for("the SIGHUP reload", || {
        services(&parse(&exp.metrics())) == before
    });
    assert_eq!(exp.log().matches("config reloaded").count(), 2);
}
