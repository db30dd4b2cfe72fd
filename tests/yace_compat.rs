//! A YACE Deployment switches by changing its image: YACE's full arg list starts the exporter
//! on moto, and YACE's self-metrics are served beside ours with the same counts.

use crate::common;
use common::*;

#[test]
fn a_yace_deployments_args_start_the_exporter_and_yaces_self_metrics_are_served() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let exp = exporter(
        &moto,
        &[
            "-config.file=examples/seed-config.yml",
            "-scraping-interval=300",
            "-metrics-per-query=500",
            "-labels-snake-case=false",
            "-log.format=logfmt",
            "-debug",
            "-fips=false",
            "-profiling.enabled=true",
            "-enable-feature=aws-sdk-v2,always-return-info-metrics",
            "-cloudwatch-concurrency=5",
            "-cloudwatch-concurrency.per-api-limit-enabled=false",
            "-cloudwatch-concurrency.list-metrics-limit=5",
            "-cloudwatch-concurrency.get-metric-data-limit=5",
            "-cloudwatch-concurrency.get-metric-statistics-limit=5",
            "-tag-concurrency=5",
        ],
    );
    let lines = parse(&exp.metrics());
    assert!(
        lines
            .iter()
            .any(|l| l.name.starts_with("aws_ecs_containerinsights_")),
        "the seed's series are served"
    );
    let sum = |name: &str, label: Option<(&str, &str)>| -> f64 {
        named(&lines, name)
            .iter()
            .filter(|l| label.is_none_or(|(k, v)| l.label(k) == Some(v)))
            .map(|l| l.value)
            .sum()
    };
    let gmd = sum(
        "cw_exporter_api_calls_total",
        Some(("api", "GetMetricData")),
    );
    assert!(gmd >= 1.0);
    assert_eq!(
        sum(
            "yace_cloudwatch_requests_total",
            Some(("api_name", "GetMetricData"))
        ),
        gmd
    );
    assert_eq!(
        sum("yace_cloudwatch_getmetricdata_requests_total", None),
        gmd
    );
    assert_eq!(
        sum(
            "yace_cloudwatch_getmetricdata_metrics_requested_total",
            None
        ),
        sum("cw_exporter_metrics_requested_total", None)
    );
    let log = exp.log();
    assert!(log.contains("level=debug"), "-debug turns on debug logs");
    for said in [
        "aws-sdk-v2",
        "profiling",
        "list-metrics-limit",
        "-tag-concurrency",
    ] {
        assert!(
            log.contains(said),
            "the log says what {said} becomes:\n{log}"
        );
    }
}

/// Every flag in the migration guide's table is accepted by the binary, in YACE's spelling,
/// and every YACE flag the binary has a group for is in the table.
#[test]
fn the_migration_guides_flag_table_matches_the_binary() {
    let doc = std::fs::read_to_string(repo().join("docs/migrating-from-yace.md")).unwrap();
    let table = doc
        .split("## Flags")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let flags: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `-"))
        .map(|l| l.split('`').next().unwrap())
        .collect();
    assert!(flags.len() >= 17, "{flags:?}");
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_cw-exporter"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for f in &flags {
        assert!(help.contains(&format!("--{f}")), "--help has no --{f}");
    }
    let group = help
        .split("YACE compatibility:")
        .nth(1)
        .expect("a YACE group in --help");
    for l in group.lines() {
        let l = l.trim_start();
        if let Some(rest) = l.strip_prefix("--") {
            let name = rest.split([' ', '[', '<', '=']).next().unwrap();
            assert!(
                flags.contains(&name),
                "--{name} is in --help's YACE group but not in the guide"
            );
        }
    }
}
