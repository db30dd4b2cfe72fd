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

/// Every query and variable of both Grafana dashboards, run against a real Prometheus scraping
/// cw-exporter on moto (the seed's config plus the task-level job of
/// `examples/fargate-estate.yml`): each returns data, the task panels included.
#[test]
fn every_dashboard_query_and_variable_returns_data() {
    let moto = Moto::start();
    let seeded = moto.seed(&["--clusters", "2", "--minutes", "12", "--tasks"]);
    let seed = std::fs::read_to_string(repo().join("examples/seed-config.yml")).unwrap();
    // The task-level job of the example estate, with the seed's two jobs.
    let example = std::fs::read_to_string(repo().join("examples/fargate-estate.yml")).unwrap();
    let start = example
        .find("    # Task level")
        .expect("the example's task job");
    let end = start + example[start..].find("    # Container level").unwrap();
    // The seed lists its jobs two spaces in, the example four.
    let job: String = example[start..end]
        .lines()
        .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
        .collect();
    let config = format!("{}\n{job}", seed.trim_end());
    let cfg = write_config(&config);
    let exp = exporter(&moto, &["--config.file", cfg.to_str().unwrap()]);
    let rules = repo().join("deploy/prometheus/cw-exporter.rules.yml");
    let prom = Prometheus::start(&exp.url, &[rules]);
    // increase(...[1h]) needs two scrapes of the counters.
    prom.wait_until("two scrapes", 60, |p| {
        p.query("count_over_time(cw_exporter_api_calls_total[1h]) >= 2")
            .is_some_and(|r| !r.is_empty())
            && [
                "aws_ecs_containerinsights_task_memory_utilization_maximum",
                "cluster_service:ecs_memory_utilized_over_reserved:ratio",
                "cluster_service:ecs_cpu_utilized_over_reserved:ratio",
                "cluster_service:ecs_tasks_missing:count",
            ]
            .iter()
            .all(|q| p.query(q).is_some_and(|r| !r.is_empty()))
    });
    let cluster = seeded["clusters"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let service = seeded["tasks"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()["service"]
        .as_str()
        .unwrap()
        .to_string();
    let mut checked = 0;
    for file in ["cluster-overview.json", "service-detail.json"] {
        let d: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(repo().join("deploy/grafana/dashboards").join(file)).unwrap(),
        )
        .unwrap();
        let fill = |q: &str| {
            q.replace("$region", "us-east-1")
                .replace("$cluster", &cluster)
                .replace("$service", &service)
        };
        // Variables: label_values(<selector>, <label>) must list the value the panels use.
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
            let values: Vec<&str> = r
                .iter()
                .filter_map(|s| s["metric"][label.trim()].as_str())
                .collect();
            assert!(!values.is_empty(), "{file}: variable {}: {q}", v["name"]);
            checked += 1;
        }
        let mut panels: Vec<&serde_json::Value> = d["panels"].as_array().unwrap().iter().collect();
        while let Some(p) = panels.pop() {
            if let Some(inner) = p["panels"].as_array() {
                panels.extend(inner);
            }
            for t in p["targets"].as_array().into_iter().flatten() {
                let q = fill(t["expr"].as_str().unwrap());
                let r = prom.query(&q).unwrap_or_default();
                assert!(!r.is_empty(), "{file}: panel {}: {q}", p["title"]);
                checked += 1;
            }
        }
    }
    assert!(checked >= 35, "{checked} queries");
    // The task panels show tasks, on their task's ARN.
    let top = prom
        .query(&format!(
            "topk(5, aws_ecs_containerinsights_task_memory_utilization_maximum{{dimension_ClusterName=\"{cluster}\", dimension_ServiceName=\"{service}\"}})"
        ))
        .unwrap();
    assert!(top.iter().all(|s| {
        s["metric"]["name"]
            .as_str()
            .unwrap()
            .contains(&format!(":task/{cluster}/"))
    }));
}
