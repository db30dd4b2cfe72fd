//! Tags (search and export), EKS on Fargate, AWS/ECS, a mixed estate of many namespaces, and a real
//! Prometheus scraping the exporter.

use crate::common;
use common::*;
use std::collections::BTreeMap;

#[test]
fn search_tags_filter_resources_and_exported_tags_become_labels() {
    let moto = Moto::start();
    let expected = moto.seed(&["--clusters", "3", "--minutes", "10"]);
    let cfg = write_config(
        r#"apiVersion: v1alpha1
discovery:
  exportedTagsOnMetrics:
    ECS/ContainerInsights: [team]
  jobs:
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      searchTags:
        - key: env
          value: ^prod$
      dimensionNameRequirements: [ClusterName, ServiceName]
      metrics:
        - name: RunningTaskCount
          statistics: [Average]
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      dimensionNameRequirements: [ClusterName, ServiceName]
      customTags:
        - key: owner
          value: sre
      metrics:
        - name: DesiredTaskCount
          statistics: [Average]
"#,
    );
    moto.start_recording();
    let exp = exporter(&moto, &["--config.file", cfg.to_str().unwrap()]);
    let lines = parse(&exp.metrics());
    let tags: BTreeMap<String, BTreeMap<String, String>> =
        serde_json::from_value(expected["service_tags"].clone()).unwrap();

    // Job 1: only services tagged env=prod, with their team tag as a label.
    let running: Vec<&Line> = named(
        &lines,
        "aws_ecs_containerinsights_running_task_count_average",
    );
    let want: Vec<(&String, &BTreeMap<String, String>)> = tags
        .iter()
        .filter(|(_, t)| t.get("env").map(String::as_str) == Some("prod"))
        .collect();
    assert!(!want.is_empty() && want.len() < tags.len());
    assert_eq!(running.len(), want.len(), "{running:?}");
    for (key, t) in &want {
        let (c, s) = key.split_once('/').unwrap();
        let l = running
            .iter()
            .find(|l| {
                l.label("dimension_ClusterName") == Some(c)
                    && l.label("dimension_ServiceName") == Some(s)
            })
            .unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(l.label("tag_team"), t.get("team").map(String::as_str));
    }

    // Job 2: no filter, so untagged services stay, with an empty tag label; custom tags added.
    let desired: Vec<&Line> = named(
        &lines,
        "aws_ecs_containerinsights_desired_task_count_average",
    );
    assert_eq!(desired.len(), tags.len());
    let untagged: Vec<&&Line> = desired
        .iter()
        .filter(|l| l.label("tag_team") == Some(""))
        .collect();
    assert_eq!(
        untagged.len(),
        tags.values().filter(|t| t.is_empty()).count()
    );
    assert!(
        desired
            .iter()
            .all(|l| l.label("custom_tag_owner") == Some("sre"))
    );

    // Info series carry every tag of the resource.
    let info: Vec<&Line> = named(&lines, "aws_ecs_containerinsights_info");
    assert!(info.iter().any(|l| l.label("tag_env") == Some("prod")));

    // Tags were read once for the namespace, shared by both jobs.
    let actions = moto.recorded_actions();
    assert_eq!(
        actions.iter().filter(|a| *a == "GetResources").count(),
        1,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "GetMetricData").count(),
        1,
        "{actions:?}"
    );
}

#[test]
fn eks_fargate_pods_and_aws_ecs_metrics_sit_on_their_resources() {
    let moto = Moto::start();
    let expected = moto.seed(&["--clusters", "2", "--minutes", "10"]);
    let cfg = write_config(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
    - type: ContainerInsights
      regions: [us-east-1]
      dimensionNameRequirements: [ClusterName, LaunchType, Namespace, PodName]
      metrics:
        - name: pod_cpu_utilization_over_pod_limit
          statistics: [Average]
        - name: pod_network_rx_bytes
          statistics: [Average]
    - type: AWS/ECS
      regions: [us-east-1]
      metrics:
        - name: CPUUtilization
          statistics: [Average]
static:
  - name: prod-cluster
    namespace: ECS/ContainerInsights
    regions: [us-east-1]
    dimensions:
      - name: ClusterName
        value: prod-fargate
    metrics:
      - name: ServiceCount
        statistics: [Average]
customNamespace:
  - name: ecs-vended
    namespace: AWS/ECS
    regions: [us-east-1]
    dimensionNameRequirements: [ClusterName, ServiceName]
    metrics:
      - name: MemoryUtilization
        statistics: [Maximum]
"#,
    );
    let exp = exporter(&moto, &["--config.file", cfg.to_str().unwrap()]);
    let lines = parse(&exp.metrics());
    let account = expected["account"].as_str().unwrap();
    let eks = expected["eks"].as_object().unwrap();
    let pods: Vec<&Line> = named(
        &lines,
        "aws_containerinsights_pod_cpu_utilization_over_pod_limit_average",
    );
    assert_eq!(
        pods.len(),
        eks.keys()
            .filter(|k| k.ends_with("/pod_cpu_utilization_over_pod_limit"))
            .count()
    );
    for l in &pods {
        assert_eq!(
            l.label("name").unwrap(),
            format!("arn:aws:eks:us-east-1:{account}:cluster/eks-fargate")
        );
        let key = format!(
            "{}/{}/pod_cpu_utilization_over_pod_limit",
            l.label("dimension_Namespace").unwrap(),
            l.label("dimension_PodName").unwrap()
        );
        let want = eks[&key].as_f64().unwrap();
        assert!(
            (l.value - want).abs() < 1e-9 * want.abs().max(1.0),
            "{key}: {} vs {want}",
            l.value
        );
    }
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.name == "aws_containerinsights_pod_network_rx_bytes_average")
            .count(),
        pods.len()
    );
    let ecs: Vec<&Line> = named(&lines, "aws_ecs_cpuutilization_average");
    assert_eq!(ecs.len(), expected["services"].as_object().unwrap().len());
    assert!(
        ecs.iter()
            .all(|l| l.label("name").unwrap().contains(":service/"))
    );
    assert!(lines.iter().any(|l| l.name == "aws_containerinsights_info"));
    // A static job: no discovery, its name as the `name` label.
    let sc: Vec<&Line> = named(&lines, "aws_ecs_containerinsights_service_count_average");
    assert_eq!(sc.len(), 1, "{sc:?}");
    assert_eq!(sc[0].label("name"), Some("prod-cluster"));
    assert_eq!(
        sc[0].value,
        expected["clusters"]["prod-fargate"]["ServiceCount"]
            .as_f64()
            .unwrap()
    );
    // A custom-namespace job: discovered series, the job's name as `name`.
    let mem: Vec<&Line> = named(&lines, "aws_ecs_memory_utilization_maximum");
    assert_eq!(mem.len(), ecs.len());
    assert!(
        mem.iter()
            .all(|l| l.label("name") == Some("ecs-vended") && !l.value.is_nan())
    );
    assert!(lines.iter().any(|l| l.name == "aws_ecs_info"));
}

#[test]
fn a_real_prometheus_scrapes_the_exporter() {
    let moto = Moto::start();
    let expected = moto.seed(&["--clusters", "2", "--minutes", "10"]);
    let exp = exporter(&moto, &["-config.file=examples/seed-config.yml"]);
    let prom = Prometheus::start(&exp.url, &[]);
    let services = expected["services"].as_object().unwrap().len().to_string();
    prom.wait_until("prometheus to ingest the series", 60, |p| {
        p.query("count(aws_ecs_containerinsights_cpu_reserved_average)")
            .and_then(|r| {
                r.first()
                    .and_then(|x| x["value"][1].as_str().map(str::to_string))
            })
            .as_deref()
            == Some(services.as_str())
    });
    let up = prom.query("up").unwrap();
    assert_eq!(up[0]["value"][1], "1");
    // Prometheus' own target label `job` is untouched by ours (config_job).
    let succ = prom.query("cw_exporter_collection_success").unwrap();
    assert_eq!(succ.len(), 2);
    assert!(
        succ.iter()
            .all(|r| r["metric"]["job"] == "cw-exporter" && r["metric"]["config_job"].is_string())
    );
}

#[test]
fn a_job_with_a_role_reads_that_account() {
    let moto = Moto::start();
    let role = "arn:aws:iam::210987654321:role/cw-read";
    let (expected, _) = moto.seed_running_tasks(&["--role-arn", role]);
    assert_eq!(expected["account"], "210987654321");
    // The default account has nothing: everything exported comes through the role.
    let cfg = write_config(&format!(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      roles:
        - roleArn: {role}
          externalId: shared-secret-id
      dimensionNameRequirements: [ClusterName, ServiceName]
      metrics:
        - name: RunningTaskCount
          statistics: [Average]
"#
    ));
    moto.start_recording();
    let exp = exporter(&moto, &["--config.file", cfg.to_str().unwrap()]);
    let lines = parse(&exp.metrics());
    let running: Vec<&Line> = named(
        &lines,
        "aws_ecs_containerinsights_running_task_count_average",
    );
    assert_eq!(
        running.len(),
        expected["services"].as_object().unwrap().len()
    );
    assert!(running.iter().all(|l| {
        l.label("account_id") == Some("210987654321")
            && l.label("name")
                .unwrap()
                .starts_with("arn:aws:ecs:us-east-1:210987654321:service/")
    }));
    let actions = moto.recorded_actions();
    assert!(actions.contains(&"AssumeRole".to_string()), "{actions:?}");
    assert!(!exp.log().contains("shared-secret-id"));
}

#[test]
fn missing_datapoints_and_all_datapoints_follow_yace() {
    let moto = Moto::start();
    moto.seed(&[
        "--clusters",
        "1",
        "--services-per-cluster",
        "1",
        "--minutes",
        "10",
        "--no-extras",
        "--metrics",
        "RunningTaskCount,DesiredTaskCount,PendingTaskCount",
    ]);
    // A delay of two hours puts the window before any data: no datapoint.
    let cfg = write_config(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      dimensionNameRequirements: [ClusterName, ServiceName]
      metrics:
        - name: RunningTaskCount
          statistics: [Average]
          delay: 7200
        - name: DesiredTaskCount
          statistics: [Average]
          delay: 7200
          nilToZero: true
        - name: PendingTaskCount
          statistics: [Maximum]
          period: 60
          length: 600
          addCloudwatchTimestamp: true
          exportAllDataPoints: true
"#,
    );
    let exp = exporter(&moto, &["--config.file", cfg.to_str().unwrap()]);
    let text = exp.metrics();
    let lines = parse(&text);
    let running = named(
        &lines,
        "aws_ecs_containerinsights_running_task_count_average",
    );
    assert_eq!(running.len(), 1);
    assert!(running[0].value.is_nan(), "no datapoint: NaN");
    let desired = named(
        &lines,
        "aws_ecs_containerinsights_desired_task_count_average",
    );
    assert_eq!(desired[0].value, 0.0, "no datapoint with nilToZero: 0");
    // Every datapoint of the window, each with its CloudWatch timestamp (ms).
    let pending: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("aws_ecs_containerinsights_pending_task_count_maximum{"))
        .collect();
    assert!(pending.len() >= 5, "{pending:#?}");
    let stamps: Vec<i64> = pending
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        stamps
            .iter()
            .all(|t| *t > now_ms - 11 * 60_000 && *t <= now_ms),
        "{stamps:?}"
    );
    let mut sorted = stamps.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), stamps.len(), "one sample per timestamp");
}

/// The estate around the services: eleven namespaces' worth of resources, most untagged, some
/// tagged through their own service APIs.
#[test]
fn every_series_of_a_mixed_estate_lands_on_its_one_resource_tagged_or_not() {
    let moto = Moto::start();
    let seeded = moto.seed(&[
        "--clusters",
        "1",
        "--minutes",
        "10",
        "--no-extras",
        "--around",
    ]);
    let around = seeded["around"].as_object().unwrap();
    let mut namespaces: Vec<String> = Vec::new();
    let mut jobs = String::new();
    for r in around.values() {
        let Some(m) = r.get("metric") else { continue };
        let (ns, metric) = (m[0].as_str().unwrap(), m[1].as_str().unwrap());
        if !namespaces.iter().any(|n| n == ns) {
            namespaces.push(ns.to_string());
        }
        jobs.push_str(&format!(
            "    - type: {ns}\n      regions: [us-east-1]\n      period: 60\n      length: 300\n      metrics:\n        - name: {metric}\n          statistics: [Maximum]\n"
        ));
    }
    assert!(namespaces.len() >= 11, "{namespaces:?}");
    let tags: String = namespaces
        .iter()
        .map(|ns| format!("    {ns}: [team]\n"))
        .collect();
    let cfg = write_config(&format!(
        "apiVersion: v1alpha1\ndiscovery:\n  exportedTagsOnMetrics:\n{tags}  jobs:\n{jobs}"
    ));
    let exp = exporter(&moto, &["--config.file", cfg.to_str().unwrap()]);
    let lines = parse(&exp.metrics());
    let mut untagged = 0;
    for (name, r) in around {
        let Some(m) = r.get("metric") else { continue };
        let (ns, metric) = (m[0].as_str().unwrap(), m[1].as_str().unwrap());
        let family = format!(
            "aws_{}_{}_maximum",
            ns.trim_start_matches("AWS/").to_lowercase(),
            snake(metric)
        );
        let arn = r["arn"].as_str().unwrap();
        let mine: Vec<&Line> = named(&lines, &family)
            .into_iter()
            .filter(|l| {
                m[2].as_array().unwrap().iter().all(|d| {
                    l.label(&format!("dimension_{}", d[0].as_str().unwrap())) == d[1].as_str()
                })
            })
            .collect();
        assert_eq!(mine.len(), 1, "{name}: one {family} series: {mine:?}");
        assert_eq!(
            mine[0].label("name"),
            Some(arn),
            "{name}: on its own resource"
        );
        assert_eq!(mine[0].value, m[3].as_f64().unwrap(), "{name}");
        let team = r["tags"]["team"].as_str().unwrap_or("");
        assert_eq!(mine[0].label("tag_team").unwrap_or(""), team, "{name}");
        untagged += usize::from(team.is_empty());
    }
    assert!(untagged >= 6, "most resources are untagged: {untagged}");
    // The listings that name REST APIs, DMS instances and tasks, and Auto Scaling groups were
    // each called once for the jobs that share them, and counted under YACE's names too.
    let calls = |api: &str| api_calls(&lines, api);
    for api in [
        "GetRestApis",
        "DescribeReplicationInstances",
        "DescribeReplicationTasks",
        "DescribeAutoScalingGroups",
    ] {
        assert_eq!(calls(api), 1.0, "{api}");
    }
    for (name, want) in [
        ("yace_cloudwatch_apigatewayapi_requests_total", 1.0),
        ("yace_cloudwatch_dmsapi_requests_total", 2.0),
        ("yace_cloudwatch_autoscalingapi_requests_total", 1.0),
    ] {
        assert_eq!(named(&lines, name)[0].value, want, "{name}");
    }
}

/// YACE's snake case for the metric names used above.
fn snake(metric: &str) -> String {
    match metric {
        "CPUUtilization" => "cpuutilization".into(),
        _ => {
            let mut out = String::new();
            for (i, c) in metric.chars().enumerate() {
                if c.is_uppercase() && i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            }
            out
        }
    }
}

/// Container Insights enhanced observability on moto: task- and container-level series on
/// their task's ARN; a task whose data stopped is not exported, though CloudWatch lists it.
#[test]
fn task_and_container_series_land_on_their_task_and_a_gone_task_is_not_exported() {
    let moto = Moto::start();
    let seeded = moto.seed(&[
        "--clusters",
        "1",
        "--minutes",
        "10",
        "--no-extras",
        "--tasks",
    ]);
    let cfg = write_config(
        "apiVersion: v1alpha1
discovery:
  jobs:
    - type: ECS/ContainerInsights
      regions: [us-east-1]
      period: 60
      length: 300
      recentlyActiveOnly: true
      metrics:
        - name: TaskMemoryUtilization
          statistics: [Maximum]
        - name: ContainerMemoryUtilization
          statistics: [Maximum]
",
    );
    let exp = exporter(&moto, &["--config.file", cfg.to_str().unwrap()]);
    let lines = parse(&exp.metrics());
    let cluster = seeded["clusters"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let tasks = seeded["tasks"].as_object().unwrap();
    assert!(tasks.len() >= 4);
    for (id, t) in tasks {
        let arn = format!("arn:aws:ecs:us-east-1:123456789012:task/{cluster}/{id}");
        for (family, metric) in [
            (
                "aws_ecs_containerinsights_task_memory_utilization_maximum",
                "TaskMemoryUtilization",
            ),
            (
                "aws_ecs_containerinsights_container_memory_utilization_maximum",
                "ContainerMemoryUtilization",
            ),
        ] {
            let mine: Vec<&Line> = named(&lines, family)
                .into_iter()
                .filter(|l| l.label("dimension_TaskId") == Some(id))
                .collect();
            if t["running"].as_bool().unwrap() {
                assert_eq!(mine.len(), 1, "{id} {family}: {mine:?}");
                assert_eq!(mine[0].label("name"), Some(arn.as_str()));
                assert_eq!(mine[0].value, t[metric].as_f64().unwrap());
                if metric.starts_with("Container") {
                    assert_eq!(
                        mine[0].label("dimension_ContainerName"),
                        t["container"].as_str()
                    );
                }
            } else {
                assert!(mine.is_empty(), "gone task {id} exported: {mine:?}");
            }
        }
    }
    assert!(
        named(&lines, "aws_ecs_containerinsights_info")
            .iter()
            .all(|l| !l.label("name").unwrap().contains(":task/")),
        "tasks have no info series"
    );
}
