//! Whole cycles on the in-memory fake: retention, partial failure, discovery reuse, cadence
//! and timeouts, each checked in the snapshot and in the calls made. Time is tokio's paused
//! clock where a test needs calls that take long; the schedule's moments advance one cycle
//! at a time because each `cycle()` collects the next due moment.

use std::sync::Arc;
use std::time::Duration;

use super::{Collector, Options, Snapshot};
use crate::aws::fake::{Estate, Fake};
use crate::test_support::{TWO_ECS_JOBS, jobs, listed};

fn estate() -> Estate {
    let mut e = Estate {
        value: 7.0,
        ..Estate::default()
    };
    for service in ["api", "web"] {
        for metric in ["CPUUtilization", "MemoryUtilization", "RunningTaskCount"] {
            e.metrics.push((
                "AWS/ECS".into(),
                listed(metric, &[("ClusterName", "prod"), ("ServiceName", service)]),
            ));
        }
    }
    e
}

fn options() -> Options {
    Options {
        interval: Duration::from_secs(60),
        // One query per call: a failed call fails only the job it belongs to.
        metrics_per_query: 1,
        labels_snake_case: false,
        discovery_interval: Duration::from_secs(600),
        failed_series_retention: None,
        window_backfill: 0,
        cycle_timeout: Duration::from_secs(30),
        calls_in_flight: crate::fetch::CALLS_IN_FLIGHT,
        always_info_metrics: false,
        shard: Default::default(),
    }
}

fn collector(fake: &Fake, opts: Options) -> Collector<Fake> {
    Collector::new(jobs(TWO_ECS_JOBS), Arc::new(fake.clone()), opts)
}

/// The CloudWatch series of a snapshot (name and labels, `_info` left out), sorted.
fn series(s: &Snapshot) -> Vec<String> {
    let text = String::from_utf8(s.to_vec(false)).unwrap();
    let mut out: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("aws_ecs_") && !l.starts_with("aws_ecs_info{"))
        .map(|l| l.rsplit_once(' ').unwrap().0.to_string())
        .collect();
    out.sort();
    out
}

fn named(s: &Snapshot, prefix: &str) -> usize {
    series(s).iter().filter(|l| l.starts_with(prefix)).count()
}

#[tokio::test]
async fn a_cycle_exports_every_series_and_bills_each_query_once() {
    let fake = Fake::new(estate());
    let mut c = collector(&fake, options());
    let s = c.cycle().await;
    assert!(s.jobs.iter().all(|j| j.success), "{:?}", s.jobs);
    assert_eq!(named(&s, "aws_ecs_cpuutilization_average"), 2);
    assert_eq!(named(&s, "aws_ecs_memory_utilization_maximum"), 2);
    assert_eq!(named(&s, "aws_ecs_running_task_count_average"), 2);
    assert_eq!(fake.calls("ListMetrics"), 3, "one listing per metric name");
    assert_eq!(fake.calls("GetMetricData"), 6, "one query per call");
    assert_eq!(s.metrics_billed_total, 6);
    assert_eq!(
        s.jobs[0].series, 6,
        "4 series and the 2 services' aws_ecs_info"
    );
    assert!(
        series(&s)[0].contains(r#"dimension_ServiceName="api""#),
        "{:?}",
        series(&s)
    );
}

#[tokio::test]
async fn one_failed_call_fails_only_the_job_whose_queries_it_held() {
    let fake = Fake::new(estate());
    fake.set(|e| e.failing_metric = Some("RunningTaskCount".into()));
    let mut c = collector(&fake, options());
    let s = c.cycle().await;
    assert!(s.jobs[0].success);
    assert!(!s.jobs[1].success);
    assert!(s.jobs[1].error.as_deref().unwrap().contains("AccessDenied"));
    assert_eq!(named(&s, "aws_ecs_cpuutilization_average"), 2);
    assert_eq!(named(&s, "aws_ecs_running_task_count_average"), 0);
}

#[tokio::test]
async fn a_failing_job_keeps_its_last_good_series_for_three_intervals_then_drops_them() {
    let fake = Fake::new(estate());
    let mut c = collector(&fake, options());
    let first = c.cycle().await; // moment 0
    assert_eq!(series(&first).len(), 6);
    fake.set(|e| {
        e.failing.insert("GetMetricData", "Throttling".into());
        e.value = 99.0;
    });
    // Moments 60, 120, 180: failing, the last good series (and values) are still served.
    for _ in 0..3 {
        let s = c.cycle().await;
        assert!(s.jobs.iter().all(|j| !j.success));
        assert_eq!(series(&s), series(&first));
        let text = String::from_utf8(s.to_vec(false)).unwrap();
        assert!(!text.contains(" 99\n"), "no value from a failed call");
    }
    // Moment 240: the 60 s group's series are 240 s old, past 3 × 60 s: dropped. The 120 s
    // group's are 240 s old too, within its 360 s: kept.
    let s = c.cycle().await;
    assert_eq!(named(&s, "aws_ecs_cpuutilization_average"), 0);
    assert_eq!(named(&s, "aws_ecs_running_task_count_average"), 0);
    assert_eq!(named(&s, "aws_ecs_memory_utilization_maximum"), 2);
    assert!(s.jobs.iter().all(|j| !j.success), "still failing");
    // Recovery brings them back with the new value.
    fake.set(|e| {
        e.failing.clear();
    });
    let s = c.cycle().await; // moment 300: the 120 s group is not due
    assert!(s.jobs[1].success && !s.jobs[0].success, "{:?}", s.jobs);
    assert_eq!(named(&s, "aws_ecs_cpuutilization_average"), 2);
    let text = String::from_utf8(s.to_vec(false)).unwrap();
    assert!(text.contains("aws_ecs_cpuutilization_average{"), "{text}");
    assert!(text.contains("} 99\n"), "{text}");
    let s = c.cycle().await; // moment 360
    assert!(s.jobs.iter().all(|j| j.success), "{:?}", s.jobs);
}

#[tokio::test]
async fn discovery_is_reused_for_its_interval_and_groups_are_fetched_when_due() {
    let fake = Fake::new(estate());
    let mut c = collector(&fake, options());
    c.cycle().await; // moment 0: everything
    assert_eq!(
        (fake.calls("ListMetrics"), fake.calls("GetMetricData")),
        (3, 6)
    );
    let s = c.cycle().await; // moment 60: the 120 s group is not due
    assert_eq!(s.groups, vec![60]);
    assert_eq!(
        (fake.calls("ListMetrics"), fake.calls("GetMetricData")),
        (3, 10)
    );
    assert_eq!(
        named(&s, "aws_ecs_memory_utilization_maximum"),
        2,
        "a group not due keeps serving what it last collected"
    );
    for _ in 2..10 {
        c.cycle().await; // moments 120 … 540
    }
    assert_eq!(
        fake.calls("ListMetrics"),
        3,
        "the discovery of moment 0 serves 600 s"
    );
    c.cycle().await; // moment 600
    assert_eq!(fake.calls("ListMetrics"), 6);
    // 6 calls at each even moment (0 … 600: 6 of them past 0), 4 at each odd one (5).
    assert_eq!(fake.calls("GetMetricData"), 6 + 6 * 5 + 4 * 5);
}

#[tokio::test]
async fn a_failed_discovery_is_tried_again_next_cycle() {
    let fake = Fake::new(estate());
    fake.set(|e| {
        e.failing.insert("ListMetrics", "AccessDenied".into());
    });
    let mut c = collector(&fake, options());
    let s = c.cycle().await;
    assert!(s.jobs.iter().all(|j| !j.success));
    assert!(s.jobs[0].error.as_deref().unwrap().contains("ListMetrics"));
    assert_eq!(fake.calls("GetMetricData"), 0);
    fake.set(|e| e.failing.clear());
    let s = c.cycle().await;
    assert_eq!(fake.calls("ListMetrics"), 6, "discovered again");
    assert_eq!(series(&s).len(), 4, "the 120 s group is not due at 60");
    // A job succeeds once each of its groups has: the 120 s one is next collected at 120.
    assert!(s.jobs[1].success && !s.jobs[0].success, "{:?}", s.jobs);
    let s = c.cycle().await;
    assert!(s.jobs.iter().all(|j| j.success), "{:?}", s.jobs);
}

#[tokio::test(start_paused = true)]
async fn a_discovery_survives_its_cycles_fetch_timing_out() {
    let fake = Fake::new(estate());
    fake.set(|e| {
        e.delay.insert("GetMetricData", Duration::from_secs(60));
    });
    let mut opts = options();
    opts.cycle_timeout = Duration::from_secs(10);
    let mut c = collector(&fake, opts);
    let s = c.cycle().await;
    assert!(s.jobs.iter().all(|j| !j.success));
    let error = s.jobs[0].error.clone().unwrap();
    assert!(error.contains("did not finish within 10s"), "{error}");
    assert!(!error.contains("discovery is still running"), "{error}");
    assert_eq!(fake.calls("ListMetrics"), 3);
    fake.set(|e| e.delay.clear());
    let s = c.cycle().await;
    assert!(s.jobs[1].success, "{:?}", s.jobs);
    assert_eq!(series(&s).len(), 4);
    assert_eq!(
        fake.calls("ListMetrics"),
        3,
        "the complete discovery was kept"
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_discovery_outlives_its_cycle_and_the_next_cycle_joins_it() {
    let fake = Fake::new(estate());
    // Three listings of 8 s each: 24 s, past one 10 s cycle, within the next.
    fake.set(|e| {
        e.delay.insert("ListMetrics", Duration::from_secs(8));
    });
    let mut opts = options();
    opts.cycle_timeout = Duration::from_secs(10);
    let mut c = collector(&fake, opts);
    let s = c.cycle().await;
    let error = s.jobs[0].error.clone().unwrap();
    assert!(error.contains("discovery is still running"), "{error}");
    let s = c.cycle().await;
    assert!(!s.jobs[0].success, "still running after 20 s");
    let s = c.cycle().await;
    assert!(s.jobs.iter().all(|j| j.success), "{:?}", s.jobs);
    assert_eq!(
        fake.calls("ListMetrics"),
        3,
        "one discovery, joined, never restarted"
    );
}

/// The value of the first line of `s` that starts with `prefix` followed by ' ' or '{'.
fn value_of(s: &Snapshot, prefix: &str) -> Option<f64> {
    let text = String::from_utf8(s.to_vec(false)).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(&format!("{prefix} ")) || l.starts_with(&format!("{prefix}{{")))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
        .reduce(|a, b| a + b)
}

#[tokio::test]
async fn yaces_self_metrics_equal_ours_for_the_same_calls() {
    let fake = Fake::new(estate());
    fake.set(|e| e.failing_metric = Some("RunningTaskCount".into()));
    let mut c = collector(&fake, options());
    c.cycle().await;
    let s = c.cycle().await;
    let ours_gmd = fake.calls("GetMetricData") as f64;
    assert_eq!(
        value_of(&s, "yace_cloudwatch_getmetricdata_requests_total"),
        Some(ours_gmd)
    );
    assert_eq!(
        value_of(
            &s,
            r#"yace_cloudwatch_requests_total{api_name="GetMetricData"}"#
        ),
        Some(ours_gmd)
    );
    assert_eq!(
        value_of(
            &s,
            r#"yace_cloudwatch_requests_total{api_name="ListMetrics"}"#
        ),
        Some(3.0)
    );
    // Two cycles, the RunningTaskCount call failing in each (two services, one query a call).
    assert_eq!(
        value_of(
            &s,
            r#"yace_cloudwatch_request_errors{api_name="GetMetricData"}"#
        ),
        Some(4.0)
    );
    assert_eq!(
        value_of(&s, "yace_cloudwatch_getmetricdata_metrics_requested_total"),
        value_of(&s, "cw_exporter_metrics_requested_total")
    );
    assert_eq!(
        value_of(&s, "yace_cloudwatch_resourcegrouptaggingapi_requests_total"),
        Some(0.0)
    );
    assert_eq!(
        value_of(&s, "yace_cloudwatch_ec2api_requests_total"),
        Some(0.0)
    );
    assert_eq!(
        value_of(&s, "yace_cloudwatch_duplicate_metrics_filtered"),
        Some(0.0)
    );
}

/// A CloudWatch job and an enhanced-only job on RDS, in an account with an alias.
const RDS_JOBS: &str = "apiVersion: v1alpha1
discovery:
  exportedTagsOnMetrics:
    AWS/RDS: [team]
  jobs:
    - type: AWS/RDS
      regions: [eu-west-1]
      period: 60
      length: 60
      metrics:
        - name: CPUUtilization
          statistics: [Average]
    - type: AWS/RDS
      regions: [eu-west-1]
      includeContextOnInfoMetrics: true
      enhancedMetrics:
        - name: AllocatedStorage
";

fn rds_estate() -> Estate {
    use crate::catalog::Source;
    use crate::model::{Described, Dim, TaggedResource};
    let mut e = Estate {
        value: 3.0,
        alias: Some("prod-estate".into()),
        ..Estate::default()
    };
    let arn = |db: &str| format!("arn:aws:rds:eu-west-1:123456789012:db:{db}");
    e.metrics.push((
        "AWS/RDS".into(),
        listed("CPUUtilization", &[("DBInstanceIdentifier", "orders")]),
    ));
    // `orders` is tagged, `scratch` is not: both are described.
    e.resources.push((
        "rds:db".into(),
        TaggedResource {
            arn: arn("orders"),
            tags: vec![("team".into(), "shop".into())],
        },
    ));
    let described = |db: &str, gib: f64| Described {
        arn: arn(db),
        dimensions: vec![Dim {
            name: "DBInstanceIdentifier".into(),
            value: db.into(),
        }],
        values: vec![("AllocatedStorage", gib)],
        tags: Vec::new(),
    };
    e.described.insert(
        Source::RdsInstances,
        vec![described("orders", 100.0), described("scratch", 20.0)],
    );
    e
}

#[tokio::test]
async fn enhanced_metrics_are_read_at_discovery_for_untagged_resources_too_with_the_alias() {
    let fake = Fake::new(rds_estate());
    let mut c = Collector::new(jobs(RDS_JOBS), Arc::new(fake.clone()), options());
    let s = c.cycle().await;
    assert!(s.jobs.iter().all(|j| j.success), "{:?}", s.jobs);
    let text = String::from_utf8(s.to_vec(false)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let has = |l: &str| lines.contains(&l);
    assert!(
        has(
            r#"aws_rds_allocated_storage{account_alias="prod-estate",account_id="123456789012",dimension_DBInstanceIdentifier="orders",name="arn:aws:rds:eu-west-1:123456789012:db:orders",region="eu-west-1",tag_team="shop"} 1.073741824e+11"#
        ),
        "{text}"
    );
    assert!(
        has(
            r#"aws_rds_allocated_storage{account_alias="prod-estate",account_id="123456789012",dimension_DBInstanceIdentifier="scratch",name="arn:aws:rds:eu-west-1:123456789012:db:scratch",region="eu-west-1",tag_team=""} 2.147483648e+10"#
        ),
        "the untagged instance is found: {text}"
    );
    assert!(
        has(
            r#"aws_rds_cpuutilization_average{account_alias="prod-estate",account_id="123456789012",dimension_DBInstanceIdentifier="orders",name="arn:aws:rds:eu-west-1:123456789012:db:orders",region="eu-west-1",tag_team="shop"} 3"#
        ),
        "CloudWatch series carry the alias: {text}"
    );
    // Info series: the alias only with includeContextOnInfoMetrics (the second job); the
    // family's other series get it empty, as YACE's label consistency does.
    let info: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("aws_rds_info{"))
        .collect();
    assert_eq!(
        info.len(),
        3,
        "1 from the first job, 2 from the second: {info:?}"
    );
    assert_eq!(
        info.iter()
            .filter(|l| l.contains(r#"account_alias="prod-estate""#))
            .count(),
        2,
        "{info:?}"
    );
    assert!(text.contains("# TYPE aws_rds_allocated_storage gauge"));
    assert_eq!(fake.calls("DescribeDBInstances"), 1);
    // Refreshed with discovery, not every cycle.
    for _ in 0..9 {
        c.cycle().await; // moments 60 … 540
    }
    assert_eq!(fake.calls("DescribeDBInstances"), 1);
    c.cycle().await; // moment 600: rediscovered
    assert_eq!(fake.calls("DescribeDBInstances"), 2);
}

#[tokio::test]
async fn a_failed_enhanced_listing_keeps_the_jobs_cloudwatch_series() {
    let fake = Fake::new(rds_estate());
    fake.set(|e| {
        e.failing
            .insert("DescribeDBInstances", "AccessDenied".into());
        e.alias = None;
    });
    let mut c = Collector::new(jobs(RDS_JOBS), Arc::new(fake.clone()), options());
    let s = c.cycle().await;
    let text = String::from_utf8(s.to_vec(false)).unwrap();
    assert!(!text.contains("aws_rds_allocated_storage{"), "{text}");
    assert!(
        text.contains(r#"aws_rds_cpuutilization_average{account_id="123456789012","#),
        "no alias, no label: {text}"
    );
    assert!(!text.contains("account_alias"), "{text}");
    assert!(s.jobs.iter().all(|j| j.success), "as YACE: {:?}", s.jobs);
    // The discovery was incomplete: the next cycle tries again, and gets the values.
    fake.set(|e| e.failing.clear());
    let s = c.cycle().await;
    assert_eq!(fake.calls("DescribeDBInstances"), 2);
    let text = String::from_utf8(s.to_vec(false)).unwrap();
    assert!(text.contains("aws_rds_allocated_storage{"), "{text}");
}

#[tokio::test]
async fn a_task_without_datapoints_is_not_exported_and_its_containers_land_on_its_arn() {
    let jobs_text = "apiVersion: v1alpha1
discovery:
  jobs:
    - type: ECS/ContainerInsights
      regions: [eu-west-1]
      period: 60
      length: 60
      nilToZero: true
      metrics:
        - name: TaskMemoryUtilization
          statistics: [Maximum]
        - name: ContainerMemoryUtilization
          statistics: [Maximum]
";
    let mut e = Estate {
        value: 42.0,
        ..Estate::default()
    };
    for task in ["live1", "gone2"] {
        e.metrics.push((
            "ECS/ContainerInsights".into(),
            listed(
                "TaskMemoryUtilization",
                &[
                    ("ClusterName", "prod"),
                    ("ServiceName", "api"),
                    ("TaskId", task),
                ],
            ),
        ));
        e.metrics.push((
            "ECS/ContainerInsights".into(),
            listed(
                "ContainerMemoryUtilization",
                &[
                    ("ClusterName", "prod"),
                    ("ContainerName", "app"),
                    ("ServiceName", "api"),
                    ("TaskId", task),
                ],
            ),
        ));
    }
    e.metrics.push((
        "ECS/ContainerInsights".into(),
        listed(
            "TaskMemoryUtilization",
            &[("ClusterName", "prod"), ("ServiceName", "api")],
        ),
    ));
    e.silent = Some("gone2".into());
    let fake = Fake::new(e);
    let mut c = Collector::new(jobs(jobs_text), Arc::new(fake.clone()), options());
    let s = c.cycle().await;
    let text = String::from_utf8(s.to_vec(false)).unwrap();
    let task = r#"name="arn:aws:ecs:eu-west-1:123456789012:task/prod/live1""#;
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("aws_ecs_containerinsights_"))
        .collect();
    assert!(
        lines.iter().any(|l| l
            .starts_with("aws_ecs_containerinsights_task_memory_utilization_maximum{")
            && l.contains(task)
            && l.ends_with(" 42")),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l
            .starts_with("aws_ecs_containerinsights_container_memory_utilization_maximum{")
            && l.contains(task)
            && l.contains(r#"dimension_ContainerName="app""#)),
        "a container's series is on its task: {text}"
    );
    assert!(
        !text.contains("gone2"),
        "a gone task is not exported, not even as nilToZero's 0: {text}"
    );
    // The service-level series is an ordinary one: there, and on the service.
    assert!(
        lines.iter().any(|l| l
            .contains(r#"name="arn:aws:ecs:eu-west-1:123456789012:service/prod/api""#)
            && l.ends_with(" 42")),
        "{text}"
    );
    // The task comes back with data: so does its series.
    fake.set(|e| e.silent = None);
    let s = c.cycle().await;
    let text = String::from_utf8(s.to_vec(false)).unwrap();
    assert!(text.contains("task/prod/gone2"), "{text}");
}

/// An OAM monitoring account's job with `includeLinkedAccounts`: each linked account's series
/// is listed with its owner, queried with its `AccountId` (the fake answers each account's
/// own value), labelled and named with the owner; `linkedAccounts` keeps only those listed.
#[tokio::test]
async fn linked_accounts_series_carry_their_owner_and_are_queried_as_theirs() {
    use crate::aws::fake::ACCOUNT;
    let (a, b, c) = ("111100001111", "222200002222", "333300003333");
    let mut e = Estate {
        value: 1.0,
        ..Estate::default()
    };
    e.linked_values = [(a, 2.0), (b, 3.0), (c, 4.0)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    for owner in [None, Some(a), Some(b), Some(c)] {
        let mut l = listed(
            "RunningTaskCount",
            &[("ClusterName", "prod"), ("ServiceName", "api")],
        );
        l.account = owner.map(Arc::from);
        e.metrics.push(("ECS/ContainerInsights".into(), l));
    }
    let config = |keep: &str| {
        format!(
            "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n  - type: ECS/ContainerInsights\n    regions: [eu-west-1]\n    includeLinkedAccounts: true\n{keep}    includeContextOnInfoMetrics: true\n    metrics: [{{name: RunningTaskCount, statistics: [Average]}}]\n"
        )
    };
    let run = |cfg: String| {
        let fake = Fake::new(Estate {
            metrics: e.metrics.clone(),
            linked_values: e.linked_values.clone(),
            value: e.value,
            ..Estate::default()
        });
        async move {
            let mut c = Collector::new(jobs(&cfg), Arc::new(fake.clone()), options());
            let s = c.cycle().await;
            (String::from_utf8(s.to_vec(false)).unwrap(), fake)
        }
    };
    let (text, fake) = run(config("")).await;
    for (owner, value) in [(ACCOUNT, 1), (a, 2), (b, 3), (c, 4)] {
        let arn = format!("arn:aws:ecs:eu-west-1:{owner}:service/prod/api");
        let line = text
            .lines()
            .find(|l| {
                l.starts_with("aws_ecs_containerinsights_running_task_count_average{")
                    && l.contains(&format!("account_id=\"{owner}\""))
            })
            .unwrap_or_else(|| panic!("{owner}: {text}"));
        assert!(line.contains(&format!("name=\"{arn}\"")), "{line}");
        assert!(line.ends_with(&format!(" {value}")), "{line}");
        assert!(
            text.contains(&format!(
                "aws_ecs_containerinsights_info{{account_id=\"{owner}\",name=\"{arn}\",region=\"eu-west-1\"}} 0"
            )),
            "{text}"
        );
    }
    // Four series of one metric and dimensions, four queries: one per owner.
    assert_eq!(fake.calls("GetMetricData"), 4, "one query per call");
    // Only the accounts listed (the monitoring account's own id keeps its own series).
    let (text, _) = run(config(&format!(
        "    linkedAccounts: ['{ACCOUNT}', '{b}']\n"
    )))
    .await;
    let owners: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("aws_ecs_containerinsights_running_task_count_average{"))
        .filter_map(|l| l.split("account_id=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(owners, [ACCOUNT, b]);
}

/// A scope that failed its last collection is collected beside the cycle, not in it: an
/// endpoint that hardly answers delays the other scopes' fresh values once (the first time it
/// fails), then never again; its late result counts when it comes, and it recovers.
#[tokio::test(start_paused = true)]
async fn a_failing_scope_does_not_hold_up_the_others() {
    let fake = Fake::new(estate());
    fake.set(|e| {
        e.region_delay
            .insert("us-east-1".into(), Duration::from_secs(100));
    });
    let mut opts = options();
    opts.cycle_timeout = Duration::from_secs(30);
    opts.metrics_per_query = 500;
    let cfg = "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n  - type: AWS/ECS\n    regions: [eu-west-1, us-east-1]\n    metrics: [{name: CPUUtilization, statistics: [Average]}]\n";
    let mut c = Collector::new(jobs(cfg), Arc::new(fake.clone()), opts);
    let in_region = |s: &Snapshot, r: &str| {
        series(s)
            .iter()
            .filter(|l| l.contains(&format!("region=\"{r}\"")))
            .count()
    };
    let scope = |s: &Snapshot, r: &str| s.scopes.iter().find(|x| x.region == r).cloned().unwrap();
    // First failure: the cycle waits for it, up to the collection timeout.
    let t = tokio::time::Instant::now();
    let s = c.cycle().await;
    assert_eq!(t.elapsed(), Duration::from_secs(30));
    assert_eq!(in_region(&s, "eu-west-1"), 2);
    assert!(!scope(&s, "us-east-1").success && scope(&s, "eu-west-1").success);
    // From then on the cycle does not wait for it.
    let t = tokio::time::Instant::now();
    let s = c.cycle().await;
    assert_eq!(t.elapsed(), Duration::ZERO, "not held up");
    assert_eq!(in_region(&s, "eu-west-1"), 2);
    let busy = scope(&s, "us-east-1");
    let error = busy.error.as_deref().unwrap();
    assert!(!busy.success && error.contains("still running"), "{error}");
    // The error it last failed with stays visible.
    assert!(error.contains("did not finish within 30s"), "{error}");
    // While it still runs, it is not started again.
    let calls = fake.calls("ListMetrics");
    let s = c.cycle().await;
    assert_eq!(fake.calls("ListMetrics"), calls);
    assert!(!scope(&s, "us-east-1").success);
    // The endpoint recovers: once its slow discovery (100 s per call) has ended, the next
    // collection, beside the cycle, counts in the cycle it ends in.
    fake.set(|e| e.region_delay.clear());
    tokio::time::sleep(Duration::from_secs(120)).await;
    let mut s = c.cycle().await;
    for _ in 0..3 {
        if scope(&s, "us-east-1").success {
            break;
        }
        tokio::task::yield_now().await;
        s = c.cycle().await;
    }
    assert!(scope(&s, "us-east-1").success, "{:?}", s.scopes);
    assert_eq!(in_region(&s, "us-east-1"), 2);
    assert!(s.jobs[0].success, "{:?}", s.jobs);
}
