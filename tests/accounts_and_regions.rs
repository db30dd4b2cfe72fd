//! Many (role, region) scopes in one process: roles assumed through STS with external ids, in
//! several regions. Every series carries its own account and region, and a failing scope (a
//! role STS denies, a region whose endpoint resets every connection) is named by its
//! self-metrics and alert while the others collect.

use std::collections::BTreeSet;

use crate::common;
use common::fault_proxy::{Fault, FaultProxy};
use common::*;

const ROLE_A: &str = "arn:aws:iam::111100002222:role/cw-read";
const ROLE_B: &str = "arn:aws:iam::333300004444:role/cw-read";
const DENIED: &str = "arn:aws:iam::555500006666:role/cw-read";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// The region no connection reaches.
const UNREACHABLE: &str = "ap-south-1";

fn account(role: &str) -> &str {
    role.split(':').nth(4).unwrap()
}

#[test]
fn every_scope_is_labelled_its_own_and_a_failing_one_is_named() {
    let moto = Moto::start();
    let mut services = 0;
    for role in [ROLE_A, ROLE_B] {
        for region in REGIONS {
            let (e, n) = moto.seed_running_tasks(&["--role-arn", role, "--region", region]);
            assert_eq!(e["account"], account(role));
            services = n;
        }
    }
    let proxy = FaultProxy::start(&moto.url);
    // STS refuses one role (its trust policy does not admit us); one region's endpoint resets
    // every connection (as an unreachable or disabled region does).
    proxy.fault_when(account(DENIED), Fault::Code("AccessDenied"));
    proxy.fault_when(&format!("/{UNREACHABLE}/"), Fault::Reset);
    let cfg = write_config(&format!(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
    - type: ECS/ContainerInsights
      regions: [{}, {}, {UNREACHABLE}]
      roles:
        - {{roleArn: {ROLE_A}, externalId: ext-id-of-a-7f3k}}
        - {{roleArn: {ROLE_B}, externalId: ext-id-of-b-9q2m}}
        - {{roleArn: {DENIED}, externalId: ext-id-denied-4x8v}}
      dimensionNameRequirements: [ClusterName, ServiceName]
      metrics:
        - name: RunningTaskCount
          statistics: [Average]
"#,
        REGIONS[0], REGIONS[1]
    ));
    let exp = exporter_through(
        &proxy,
        &moto,
        &[
            "--config.file",
            cfg.to_str().unwrap(),
            "--scraping-interval=5",
        ],
    );
    let text = exp.metrics();
    let lines = parse(&text);
    // Each healthy scope's series, on its own account's and region's ARNs.
    let running = named(
        &lines,
        "aws_ecs_containerinsights_running_task_count_average",
    );
    for role in [ROLE_A, ROLE_B] {
        for region in REGIONS {
            let acct = account(role);
            let mine: Vec<_> = running
                .iter()
                .filter(|l| {
                    l.label("account_id") == Some(acct) && l.label("region") == Some(region)
                })
                .collect();
            assert_eq!(mine.len(), services, "{acct} {region}: {text}");
            let prefix = format!("arn:aws:ecs:{region}:{acct}:service/");
            assert!(
                mine.iter()
                    .all(|l| l.label("name").unwrap().starts_with(&prefix))
            );
        }
    }
    assert_eq!(running.len(), 4 * services, "nothing from a failing scope");

    // The scopes' self-metrics: the healthy ones up with a last success, the failing ones
    // named by account (the denied role's from its ARN), region and role.
    let up = named(&lines, "cw_exporter_scope_up");
    assert_eq!(up.len(), 9, "{text}");
    let mut failing = BTreeSet::new();
    for l in &up {
        let (acct, region, role) = (
            l.label("account_id").unwrap(),
            l.label("region").unwrap(),
            l.label("role").unwrap(),
        );
        assert_eq!(acct, account(role), "{l:?}");
        let healthy = role != DENIED && region != UNREACHABLE;
        assert_eq!(l.value == 1.0, healthy, "{l:?}");
        let stamped = named(&lines, "cw_exporter_scope_last_success_timestamp_seconds")
            .iter()
            .any(|s| s.label("role") == Some(role) && s.label("region") == Some(region));
        assert_eq!(stamped, healthy, "{l:?}");
        if !healthy {
            failing.insert((acct.to_string(), region.to_string()));
        }
    }
    assert_eq!(failing.len(), 5);
    let landing = get(&exp.url).1;
    assert!(landing.contains("AccessDenied"), "{landing}");
    for secret in ["ext-id-of-a-7f3k", "ext-id-of-b-9q2m", "ext-id-denied-4x8v"] {
        assert!(!exp.log().contains(secret) && !text.contains(secret) && !landing.contains(secret));
    }

    // In a real Prometheus, CwExporterScopeFailing goes pending for exactly the failing
    // scopes, and its summary names each.
    let rules = repo().join("deploy/prometheus/cw-exporter.rules.yml");
    let prom = Prometheus::start(&exp.url, &[rules]);
    let named_scopes = |p: &Prometheus| -> BTreeSet<(String, String)> {
        p.alerts()
            .iter()
            .filter(|a| a["labels"]["alertname"] == "CwExporterScopeFailing")
            .map(|a| {
                let (acct, region) = (
                    a["labels"]["account_id"].as_str().unwrap(),
                    a["labels"]["region"].as_str().unwrap(),
                );
                let summary = a["annotations"]["summary"].as_str().unwrap();
                assert!(
                    summary.contains(acct) && summary.contains(region),
                    "{summary}"
                );
                (acct.to_string(), region.to_string())
            })
            .collect()
    };
    prom.wait_until("the failing scopes' alerts", 60, |p| {
        named_scopes(p) == failing
    });
}

/// The assumed role's credentials last 20 s (the proxy rewrites STS's answers and refuses
/// expired keys with `ExpiredToken`, as AWS does): over 40 s of cycles every 2 s they are
/// renewed before they expire, and no call and no cycle fails.
#[test]
fn expiring_role_credentials_are_refreshed_without_a_failed_cycle() {
    let moto = Moto::start();
    let (_, services) = moto.seed_running_tasks(&["--role-arn", ROLE_A]);
    let proxy = FaultProxy::start(&moto.url);
    proxy.short_lived_credentials(20);
    let cfg = write_config(&format!(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      roles: [{{roleArn: {ROLE_A}, externalId: ext-id-of-a-7f3k}}]
      dimensionNameRequirements: [ClusterName, ServiceName]
      metrics:
        - name: RunningTaskCount
          statistics: [Average]
"#
    ));
    let exp = exporter_through(
        &proxy,
        &moto,
        &[
            "--config.file",
            cfg.to_str().unwrap(),
            "--scraping-interval=2",
            // Every cycle calls ListMetrics and GetMetricData with the role's credentials.
            "--discovery-interval=0",
        ],
    );
    let start = std::time::Instant::now();
    let mut scrapes = 0;
    while start.elapsed().as_secs() < 40 {
        let lines = parse(&exp.metrics());
        let up = named(&lines, "cw_exporter_scope_up");
        assert!(up.len() == 1 && up[0].value == 1.0, "{up:?}\n{}", exp.log());
        assert_eq!(
            named(
                &lines,
                "aws_ecs_containerinsights_running_task_count_average"
            )
            .len(),
            services
        );
        scrapes += 1;
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    let lines = parse(&exp.metrics());
    let failed: Vec<_> = named(&lines, "cw_exporter_api_calls_total")
        .into_iter()
        .filter(|l| l.label("outcome") != Some("success"))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    let (issued, refused) = proxy.credentials_issued_and_refused();
    assert_eq!(refused, 0, "{}", exp.log());
    // 40 s of 20 s credentials, renewed before they expire: at least three sets.
    assert!(issued >= 3, "{issued} AssumeRole answers in 40 s");
    assert!(scrapes >= 30);
    assert!(!exp.log().contains("ext-id-of-a-7f3k"));

    // The proxy does refuse an expired key: the first set, presented now.
    let first = proxy.first_issued_key();
    let (status, body) = proxy.post_as(&first);
    assert_eq!(status, 400);
    assert!(body.contains("ExpiredToken"), "{body}");
}
