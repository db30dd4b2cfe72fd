//! The project's rules, loaded in a real Prometheus scraping cw-exporter on moto seeded with a
//! healthy estate and three incidents: exactly the expected alerts go pending, and no other.

use crate::common;
use common::*;
use std::collections::BTreeSet;

#[test]
fn the_rules_catch_the_seeded_incidents_and_nothing_else() {
    let moto = Moto::start();
    let expected = moto.seed(&["--clusters", "3", "--minutes", "12", "--incidents"]);
    let exp = exporter(&moto, &["-config.file=examples/seed-config.yml"]);
    let rules = repo().join("deploy/prometheus/cw-exporter.rules.yml");
    let prom = Prometheus::start(&exp.url, &[rules]);

    let inc = &expected["incidents"];
    let want: BTreeSet<(String, String)> = [
        ("CwEcsServiceTasksPending", inc["pending"].as_str().unwrap()),
        (
            "CwEcsServiceTasksBelowDesired",
            inc["below_desired"].as_str().unwrap(),
        ),
        ("CwEcsServiceMemoryHigh", inc["memory"].as_str().unwrap()),
    ]
    .into_iter()
    .map(|(a, s)| (a.to_string(), s.to_string()))
    .collect();
    let current = |p: &Prometheus| -> BTreeSet<(String, String)> {
        p.alerts()
            .iter()
            .map(|a| {
                let l = &a["labels"];
                let svc = format!(
                    "{}/{}",
                    l["dimension_ClusterName"].as_str().unwrap_or("-"),
                    l["dimension_ServiceName"].as_str().unwrap_or("-")
                );
                (l["alertname"].as_str().unwrap_or("").to_string(), svc)
            })
            .collect()
    };
    // Every alert has a `for:`; they show as pending as soon as their expression holds.
    prom.wait_until("the incidents' alerts", 90, |p| {
        current(p).is_superset(&want)
    });
    // A few more evaluations: nothing else joins.
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert_eq!(current(&prom), want);
    for a in prom.alerts() {
        let l = &a["labels"];
        assert_eq!(a["state"], "pending");
        assert!(matches!(
            l["severity"].as_str(),
            Some("warning" | "critical" | "info")
        ));
        assert_eq!(l["region"], "us-east-1");
        let summary = a["annotations"]["summary"].as_str().unwrap();
        assert!(
            summary.contains(l["dimension_ServiceName"].as_str().unwrap()),
            "{summary}"
        );
        assert!(
            a["annotations"]["runbook_url"]
                .as_str()
                .unwrap()
                .contains("docs/runbook.md#")
        );
    }
}
