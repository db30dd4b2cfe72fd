//! CloudWatch cross-account observability (OAM): a job with `includeLinkedAccounts` in a
//! monitoring account. moto does not implement linked accounts, so the first test runs against
//! bench/fixture.py (a loopback FIXTURE speaking the awsQuery wire format, marked as such):
//! it lists OwningAccounts and answers each query with its AccountId's own value. The second
//! runs the same keys on moto, for everything moto does implement.

use crate::common;
use common::*;

/// The fixture's monitoring account, and its linked source accounts' ids.
const MONITORING: &str = "123456789012";
const LINKED: [&str; 3] = ["210000000001", "210000000002", "210000000003"];

fn config(keep: &str) -> std::path::PathBuf {
    write_config(&format!(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      includeLinkedAccounts: true
{keep}      dimensionNameRequirements: [ClusterName, ServiceName]
      includeContextOnInfoMetrics: true
      metrics:
        - {{name: RunningTaskCount, statistics: [Average]}}
        - {{name: CpuUtilized, statistics: [Average, Maximum]}}
    # Without the key: the monitoring account's own series only.
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      dimensionNameRequirements: [ClusterName]
      metrics:
        - {{name: ContainerInstanceCount, statistics: [Average]}}
"#
    ))
}

/// Every series of `metric`, as (account_id, name, value).
fn owned(lines: &[Line], metric: &str) -> Vec<(String, String, f64)> {
    named(lines, metric)
        .iter()
        .map(|l| {
            (
                l.label("account_id").unwrap().to_string(),
                l.label("name").unwrap().to_string(),
                l.value,
            )
        })
        .collect()
}

#[test]
fn a_monitoring_accounts_linked_series_carry_their_owning_account() {
    let fixture = Moto::fixture(&[
        "--clusters",
        "1",
        "--services",
        "3",
        "--linked-accounts",
        "3",
    ]);
    // Keep the monitoring account's own series and two of the three linked accounts.
    let keep = format!(
        "      linkedAccounts: ['{MONITORING}', '{}', '{}']\n",
        LINKED[0], LINKED[2]
    );
    let cfg = config(&keep);
    let exp = exporter(&fixture, &["--config.file", cfg.to_str().unwrap()]);
    let text = exp.metrics();
    let lines = parse(&text);
    let kept = [MONITORING, LINKED[0], LINKED[2]];
    for metric in [
        "aws_ecs_containerinsights_running_task_count_average",
        "aws_ecs_containerinsights_cpu_utilized_average",
        "aws_ecs_containerinsights_cpu_utilized_maximum",
    ] {
        let series = owned(&lines, metric);
        assert_eq!(series.len(), 3 * kept.len(), "{metric}: {text}");
        for owner in kept {
            let mine: Vec<_> = series.iter().filter(|(a, ..)| a == owner).collect();
            assert_eq!(mine.len(), 3, "{metric} of {owner}");
            for (_, name, value) in mine {
                // The ARN is built in the owning account, not the monitoring account.
                assert!(
                    name.starts_with(&format!(
                        "arn:aws:ecs:us-east-1:{owner}:service/cluster-000/"
                    )),
                    "{name}"
                );
                // The fixture answers a query with its AccountId's value: a linked series
                // queried without it would read the monitoring account's.
                if owner == MONITORING {
                    assert_eq!(value.fract(), 0.5, "{metric} {name} {value}");
                } else {
                    let want = owner[8..].parse::<f64>().unwrap() + 0.25;
                    assert_eq!(*value, want, "{metric} {name}");
                }
            }
        }
    }
    assert!(!text.contains(LINKED[1]), "a linked account not kept");
    // Info series per owner, with the owner's account.
    let info = owned(&lines, "aws_ecs_containerinsights_info");
    for owner in kept {
        assert_eq!(
            info.iter().filter(|(a, ..)| a == owner).count(),
            3,
            "{text}"
        );
    }
    // The job without the key: the monitoring account's own cluster only.
    let clusters = owned(
        &lines,
        "aws_ecs_containerinsights_container_instance_count_average",
    );
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0].0, MONITORING);
    // The calls: billed to the monitoring account, in ⌈queries / 500⌉ GetMetricData calls
    // (3 owners × 3 services × 3 statistics + 1 cluster = 28 queries: one call).
    let calls = named(&lines, "cw_exporter_api_calls_total");
    let gmd: f64 = calls
        .iter()
        .filter(|l| l.label("api") == Some("GetMetricData"))
        .map(|l| l.value)
        .sum();
    assert_eq!(gmd, 1.0, "{calls:?}");
    assert!(
        calls
            .iter()
            .all(|l| l.label("account_id") == Some(MONITORING))
    );

    // Without linkedAccounts: every linked account.
    let exp = exporter(&fixture, &["--config.file", config("").to_str().unwrap()]);
    let lines = parse(&exp.metrics());
    let series = owned(
        &lines,
        "aws_ecs_containerinsights_running_task_count_average",
    );
    assert_eq!(series.len(), 3 * 4);
}

#[test]
fn linked_account_keys_run_on_moto_with_its_own_account() {
    let moto = Moto::start();
    let (e, services) = moto.seed_running_tasks(&[]);
    let exp = exporter(&moto, &["--config.file", config("").to_str().unwrap()]);
    let lines = parse(&exp.metrics());
    let series = owned(
        &lines,
        "aws_ecs_containerinsights_running_task_count_average",
    );
    // moto lists no OwningAccounts: every series is the calling account's.
    assert_eq!(series.len(), services);
    let account = e["account"].as_str().unwrap();
    assert!(series.iter().all(|(a, name, _)| a == account
        && name.starts_with(&format!("arn:aws:ecs:us-east-1:{account}:service/"))));
    assert!(
        named(&lines, "cw_exporter_collection_success")
            .iter()
            .all(|l| l.value == 1.0)
    );
}
