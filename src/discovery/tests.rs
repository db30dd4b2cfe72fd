use super::*;
use crate::test_support::{jobs, listed as lm};

fn seed_listing() -> Vec<ListedMetric> {
    vec![
        lm("ServiceCount", &[("ClusterName", "prod")]),
        lm("ServiceCount", &[("ClusterName", "dev")]),
        lm("CpuReserved", &[("ClusterName", "prod")]),
        lm(
            "CpuReserved",
            &[("ClusterName", "prod"), ("ServiceName", "api")],
        ),
        lm(
            "CpuReserved",
            &[("ServiceName", "web"), ("ClusterName", "prod")],
        ),
        lm(
            "CpuReserved",
            &[("ClusterName", "dev"), ("ServiceName", "api")],
        ),
        lm(
            "CpuReserved",
            &[("ClusterName", "prod"), ("TaskDefinitionFamily", "api")],
        ),
        lm(
            "NotAsked",
            &[("ClusterName", "prod"), ("ServiceName", "api")],
        ),
    ]
}

#[test]
fn seed_jobs_take_exactly_their_dimension_sets_and_one_resource_each() {
    let js = jobs(include_str!("../../examples/seed-config.yml"));
    let (t1, r1, _) = select(
        0,
        &js[0],
        &seed_listing().iter().collect::<Vec<_>>(),
        None,
        &Listings::default(),
        "us-east-1",
        "123",
    );
    let names: Vec<_> = t1
        .iter()
        .map(|t| (&*t.resource, js[0].metrics[t.metric].name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("arn:aws:ecs:us-east-1:123:cluster/prod", "ServiceCount"),
            ("arn:aws:ecs:us-east-1:123:cluster/dev", "ServiceCount"),
        ]
    );
    assert_eq!(r1.len(), 2);

    let (t2, r2, _) = select(
        1,
        &js[1],
        &seed_listing().iter().collect::<Vec<_>>(),
        None,
        &Listings::default(),
        "us-east-1",
        "123",
    );
    let arns: Vec<_> = t2.iter().map(|t| &*t.resource).collect();
    // Each service series sits on its own service, never on every cluster of the account.
    assert_eq!(
        arns,
        vec![
            "arn:aws:ecs:us-east-1:123:service/prod/api",
            "arn:aws:ecs:us-east-1:123:service/prod/web",
            "arn:aws:ecs:us-east-1:123:service/dev/api",
        ]
    );
    assert_eq!(r2.len(), 3);
    // The ListMetrics order of dimensions is kept for the query.
    assert_eq!(t2[1].dimensions[0].name, "ServiceName");
}

#[test]
fn without_dimension_rules_family_series_go_to_the_cluster() {
    let js = jobs(
        "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n  - type: ECS/ContainerInsights\n    regions: [eu-west-1]\n    metrics:\n    - name: CpuReserved\n      statistics: [Average]\n",
    );
    let (t, r, _) = select(
        0,
        &js[0],
        &seed_listing().iter().collect::<Vec<_>>(),
        None,
        &Listings::default(),
        "r",
        "1",
    );
    let arns: Vec<_> = t.iter().map(|t| &*t.resource).collect();
    assert_eq!(
        arns,
        vec![
            "arn:aws:ecs:r:1:cluster/prod",
            "arn:aws:ecs:r:1:service/prod/api",
            "arn:aws:ecs:r:1:service/prod/web",
            "arn:aws:ecs:r:1:service/dev/api",
            "arn:aws:ecs:r:1:cluster/prod",
        ]
    );
    assert_eq!(r.len(), 4);
}

#[test]
fn search_tags_keep_only_matching_tagged_resources_and_export_tags() {
    let mut js = jobs(
        r#"apiVersion: v1alpha1
discovery:
  exportedTagsOnMetrics:
    ECS/ContainerInsights: [team]
  jobs:
  - type: ECS/ContainerInsights
    regions: [eu-west-1]
    searchTags: [{key: env, value: "^prod"}]
    dimensionNameRequirements: [ClusterName, ServiceName]
    metrics:
    - name: CpuReserved
      statistics: [Average]
"#,
    );
    let mut tags = HashMap::new();
    tags.insert(
        "arn:aws:ecs:r:1:service/prod/api".to_string(),
        vec![
            ("env".into(), "production".into()),
            ("team".into(), "a".into()),
        ],
    );
    tags.insert(
        "arn:aws:ecs:r:1:service/prod/web".to_string(),
        vec![("env".into(), "dev".into())],
    );
    let (t, r, _) = select(
        0,
        &js[0],
        &seed_listing().iter().collect::<Vec<_>>(),
        Some(&tags),
        &Listings::default(),
        "r",
        "1",
    );
    assert_eq!(t.len(), 1);
    assert_eq!(&*t[0].resource, "arn:aws:ecs:r:1:service/prod/api");
    assert_eq!(&*t[0].tags, &["a".to_string()]);
    assert_eq!(r[0].tags.len(), 2);

    // Exported tags without a filter: untagged resources stay, with empty tag values.
    js[0].search_tags.clear();
    let (t, _, _) = select(
        0,
        &js[0],
        &seed_listing().iter().collect::<Vec<_>>(),
        Some(&tags),
        &Listings::default(),
        "r",
        "1",
    );
    assert_eq!(t.len(), 3);
    assert_eq!(&*t[2].tags, &[String::new()]);
}

#[test]
fn static_jobs_need_no_listing() {
    let js = jobs(
        "static:\n- name: fixed\n  namespace: AWS/ECS\n  regions: [eu-west-1]\n  dimensions: [{name: ClusterName, value: prod}]\n  metrics: [{name: CPUUtilization, statistics: [Average]}]\n",
    );
    let t = static_targets(0, &js[0]);
    assert_eq!(t.len(), 1);
    assert_eq!(&*t[0].resource, "fixed");
    assert_eq!(t[0].dimensions[0].value, "prod");
}

#[test]
fn scopes_group_jobs_by_role_and_region() {
    let js = jobs(include_str!("../../examples/seed-config.yml"));
    let s = scopes(&js);
    assert_eq!(s.len(), 1);
    assert_eq!(s.values().next().unwrap(), &vec![0, 1]);
}

#[test]
fn always_return_info_metrics_adds_matching_tagged_resources_that_have_no_series() {
    let js = jobs(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
  - type: ECS/ContainerInsights
    regions: [eu-west-1]
    searchTags: [{key: env, value: "^prod"}]
    metrics:
    - name: CpuReserved
      statistics: [Average]
"#,
    );
    let tag = |env: &str| vec![("env".to_string(), env.to_string())];
    let tags: TagMap = [
        ("arn:aws:ecs:r:1:service/prod/api", tag("production")),
        ("arn:aws:ecs:r:1:service/prod/idle", tag("prod")),
        ("arn:aws:ecs:r:1:service/prod/web", tag("dev")),
        ("arn:aws:ecs:r:1:cluster/empty", tag("prod")),
    ]
    .into_iter()
    .map(|(a, t)| (a.to_string(), t))
    .collect();
    let listing = seed_listing();
    let (_, have, _) = select(
        0,
        &js[0],
        &listing.iter().collect::<Vec<_>>(),
        Some(&tags),
        &Listings::default(),
        "r",
        "1",
    );
    let have_arns: Vec<&str> = have.iter().map(|r| &*r.arn).collect();
    assert!(
        have_arns.contains(&"arn:aws:ecs:r:1:service/prod/api"),
        "{have_arns:?}"
    );
    let added = without_series(0, &js[0], &tags, &have);
    let added: Vec<&str> = added.iter().map(|r| &*r.arn).collect();
    // Matching the search tags, without series; not `web` (dev), not what already has series.
    assert_eq!(
        added,
        [
            "arn:aws:ecs:r:1:cluster/empty",
            "arn:aws:ecs:r:1:service/prod/idle"
        ]
    );
}

fn tag_map(entries: &[(&str, &[(&str, &str)])]) -> TagMap {
    entries
        .iter()
        .map(|(arn, tags)| {
            (
                arn.to_string(),
                tags.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn series_no_type_claims_are_global_and_have_no_info_series() {
    let js = jobs(
        "apiVersion: v1alpha1
discovery:
  jobs:
    - type: AWS/DynamoDB
      regions: [us-east-1]
      metrics:
        - name: AccountMaxReads
          statistics: [Maximum]
        - name: ConsumedReadCapacityUnits
          statistics: [Sum]
",
    );
    let listing = [
        lm("AccountMaxReads", &[]),
        lm("ConsumedReadCapacityUnits", &[("TableName", "Music")]),
        lm(
            "ConsumedReadCapacityUnits",
            &[
                ("TableName", "Music"),
                ("GlobalSecondaryIndexName", "ByGenre"),
            ],
        ),
    ];
    let (t, r, dropped) = select(
        0,
        &js[0],
        &listing.iter().collect::<Vec<_>>(),
        None,
        &Listings::default(),
        "eu-west-1",
        "1",
    );
    let got: Vec<&str> = t.iter().map(|t| &*t.resource).collect();
    assert_eq!(
        got,
        [
            "global",
            "arn:aws:dynamodb:eu-west-1:1:table/Music",
            "arn:aws:dynamodb:eu-west-1:1:table/Music"
        ]
    );
    assert_eq!(r.len(), 1, "the table's info series only");
    assert_eq!(dropped, 0);
}

#[test]
fn tagged_types_take_the_tagged_resource_their_dimensions_name() {
    let config = |search: &str| {
        format!(
            "apiVersion: v1alpha1
discovery:
  exportedTagsOnMetrics:
    AWS/Kafka: [team]
  jobs:
    - type: AWS/Kafka
      regions: [us-east-1]
{search}      metrics:
        - name: GlobalPartitionCount
          statistics: [Average]
"
        )
    };
    let listing = [
        lm("GlobalPartitionCount", &[("Cluster Name", "orders")]),
        lm("GlobalPartitionCount", &[("Cluster Name", "untagged")]),
    ];
    let listed: Vec<&ListedMetric> = listing.iter().collect();
    let arn = "arn:aws:kafka:us-east-1:1:cluster/orders/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5";
    let tags = tag_map(&[(arn, &[("team", "shop")])]);
    let js = jobs(&config(""));
    let (t, r, dropped) = select(
        0,
        &js[0],
        &listed,
        Some(&tags),
        &Listings::default(),
        "us-east-1",
        "1",
    );
    assert_eq!(&*t[0].resource, arn);
    assert_eq!(&*t[0].tags, ["shop".to_string()]);
    assert_eq!(
        &*t[1].resource, "global",
        "untagged: kept, with no resource"
    );
    assert_eq!(&*t[1].tags, [String::new()]);
    assert_eq!((r.len(), dropped), (1, 0));
    // With search tags, the untagged one cannot match them: left out, and counted.
    let js = jobs(&config(
        "      searchTags:\n        - key: team\n          value: shop\n",
    ));
    let (t, _, dropped) = select(
        0,
        &js[0],
        &listed,
        Some(&tags),
        &Listings::default(),
        "us-east-1",
        "1",
    );
    assert_eq!(t.len(), 1);
    assert_eq!(&*t[0].resource, arn);
    assert_eq!(dropped, 1);
}

#[test]
fn listed_resources_name_their_series_with_the_listings_tags() {
    let mut js = jobs(
        r#"apiVersion: v1alpha1
discovery:
  exportedTagsOnMetrics:
    AWS/AutoScaling: [team]
  jobs:
  - type: AWS/AutoScaling
    regions: [eu-west-1]
    metrics:
    - name: GroupDesiredCapacity
      statistics: [Average]
"#,
    );
    let group = |name: &str, tags: &[(&str, &str)]| Described {
        arn: format!(
            "arn:aws:autoscaling:eu-west-1:1:autoScalingGroup:6d6e5c3a-0b1f-4e7e-9d2e-1a2b3c4d5e6f:autoScalingGroupName/{name}"
        ),
        dimensions: vec![Dim {
            name: "AutoScalingGroupName".into(),
            value: name.into(),
        }],
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Described::default()
    };
    let groups = [group("web", &[("team", "shop")]), group("batch", &[])];
    let listings = Listings::new(
        groups
            .iter()
            .map(|g| (Source::AutoScalingGroups, g.clone())),
    );
    let mut linked = lm("GroupDesiredCapacity", &[("AutoScalingGroupName", "web")]);
    linked.account = Some(Arc::from("210000000001"));
    let listing = [
        lm("GroupDesiredCapacity", &[("AutoScalingGroupName", "web")]),
        lm("GroupDesiredCapacity", &[("AutoScalingGroupName", "batch")]),
        // Deleted since: CloudWatch lists its series for two weeks.
        lm("GroupDesiredCapacity", &[("AutoScalingGroupName", "gone")]),
        // A linked account's group of the same name is not the monitoring account's.
        linked,
    ];
    let listed: Vec<&ListedMetric> = listing.iter().collect();
    let ns = catalog::lookup("AWS/AutoScaling").unwrap();
    // Only the own account's series ask for the listing.
    assert_eq!(
        listed::needed(ns, &js[0], &listed),
        BTreeSet::from([Source::AutoScalingGroups])
    );
    assert!(listed::needed(ns, &js[0], &listed[3..]).is_empty());
    let tags = TagMap::new();
    let (t, r, dropped) = select(0, &js[0], &listed, Some(&tags), &listings, "eu-west-1", "1");
    let got: Vec<(&str, &str)> = t
        .iter()
        .map(|t| (&*t.resource, t.tags[0].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (groups[0].arn.as_str(), "shop"),
            (groups[1].arn.as_str(), ""),
            ("global", ""),
            ("global", ""),
        ]
    );
    assert_eq!(dropped, 0);
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].tags, [("team".to_string(), "shop".to_string())]);

    // Search tags match the listing's tags; the rest cannot match them.
    js[0].search_tags = jobs(
        "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n  - type: AWS/AutoScaling\n    regions: [eu-west-1]\n    searchTags: [{key: team, value: shop}]\n    metrics:\n    - name: GroupDesiredCapacity\n      statistics: [Average]\n",
    )[0]
    .search_tags
    .clone();
    let (t, _, dropped) = select(0, &js[0], &listed, Some(&tags), &listings, "eu-west-1", "1");
    assert_eq!(t.len(), 1);
    assert_eq!(&*t[0].resource, groups[0].arn);
    // The gone group's and the linked account's series name no listed resource.
    assert_eq!(dropped, 2);
}

/// Discovery on the fake: which listings are called, what they name, and a failing one.
#[tokio::test]
async fn listings_are_called_only_for_series_a_job_keeps_and_a_failing_one_leaves_them_global() {
    use crate::aws::Sessions;
    use crate::aws::fake::{ACCOUNT, Estate, Fake};
    let js = jobs(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/EC2
    regions: [eu-west-1]
    dimensionNameRequirements: [InstanceId]
    metrics:
    - name: CPUUtilization
      statistics: [Average]
  - type: AWS/DMS
    regions: [eu-west-1]
    metrics:
    - name: FreeableMemory
      statistics: [Average]
    - name: CDCLatencySource
      statistics: [Average]
"#,
    );
    let dim = |n: &str, v: &str| Dim {
        name: n.into(),
        value: v.into(),
    };
    let rep = format!("arn:aws:dms:eu-west-1:{ACCOUNT}:rep:6UTDJGBOUS3VI3SUWA66XFJCJQ");
    let task = format!("arn:aws:dms:eu-west-1:{ACCOUNT}:task:7QBLNBTPCNDEBG7CHI3WA73YFA");
    let mut estate = Estate {
        value: 1.0,
        ..Estate::default()
    };
    estate.metrics = vec![
        (
            "AWS/EC2".into(),
            lm("CPUUtilization", &[("InstanceId", "i-0abc")]),
        ),
        // The group aggregate the job's dimension rule leaves out: no listing for it.
        (
            "AWS/EC2".into(),
            lm("CPUUtilization", &[("AutoScalingGroupName", "web")]),
        ),
        (
            "AWS/DMS".into(),
            lm(
                "FreeableMemory",
                &[("ReplicationInstanceIdentifier", "migrator")],
            ),
        ),
        // CloudWatch names a task by the id ending its ARN.
        (
            "AWS/DMS".into(),
            lm(
                "CDCLatencySource",
                &[
                    ("ReplicationInstanceIdentifier", "migrator"),
                    ("ReplicationTaskIdentifier", "7QBLNBTPCNDEBG7CHI3WA73YFA"),
                ],
            ),
        ),
    ];
    estate.described.insert(
        Source::DmsReplicationInstances,
        vec![Described {
            arn: rep.clone(),
            dimensions: vec![dim("ReplicationInstanceIdentifier", "migrator")],
            ..Described::default()
        }],
    );
    // As the SDK lists a task: under its identifier and under the id ending its ARN.
    estate.described.insert(
        Source::DmsReplicationTasks,
        ["nightly-copy", "7QBLNBTPCNDEBG7CHI3WA73YFA"]
            .iter()
            .map(|n| Described {
                arn: task.clone(),
                dimensions: vec![dim("ReplicationTaskIdentifier", n)],
                ..Described::default()
            })
            .collect(),
    );
    let fake = Fake::new(estate);
    let session = fake.session(&js[0].roles[0], "eu-west-1").await.unwrap();
    let found = discover(&session, &js, &[0, 1], false).await;
    let names: Vec<&str> = found.targets.iter().map(|t| &*t.resource).collect();
    assert_eq!(
        names,
        [
            &*format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0abc"),
            // Listed by metric name: CDCLatencySource first.
            &*task,
            &*rep,
        ]
    );
    assert_eq!(fake.calls("DescribeAutoScalingGroups"), 0);
    assert_eq!(fake.calls("DescribeReplicationInstances"), 1);
    assert_eq!(fake.calls("DescribeReplicationTasks"), 1);
    assert!(found.failed.is_empty() && found.sources_failed.is_empty());

    // Denied: the job still succeeds, its series are global, the discovery is incomplete.
    fake.set(|e| {
        e.failing.insert(
            "DescribeReplicationInstances",
            "AccessDeniedException".into(),
        );
    });
    let found = discover(&session, &js, &[1], false).await;
    let names: Vec<&str> = found.targets.iter().map(|t| &*t.resource).collect();
    assert_eq!(names, [&*task, "global"]);
    assert!(found.failed.is_empty());
    assert_eq!(found.sources_failed.len(), 1);
    assert_eq!(found.sources_failed[0].0, Source::DmsReplicationInstances);
}
