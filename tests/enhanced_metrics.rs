//! YACE's `enhancedMetrics` and `account_alias` on moto: values from the RDS, DynamoDB, Lambda
//! and ElastiCache APIs for tagged and untagged resources alike, with YACE's names and the
//! resources' ARNs; each describe call made once per discovery and counted; the alias read
//! once per role and put on every CloudWatch series.

use crate::common;
use common::*;

const CONFIG: &str = "apiVersion: v1alpha1
discovery:
  exportedTagsOnMetrics:
    AWS/RDS: [team]
  jobs:
    - type: AWS/RDS
      regions: [us-east-1]
      period: 60
      length: 300
      metrics:
        - name: CPUUtilization
          statistics: [Average]
      enhancedMetrics:
        - name: AllocatedStorage
    - type: AWS/DynamoDB
      regions: [us-east-1]
      searchTags:
        - key: team
          value: shop
      enhancedMetrics:
        - name: ItemCount
        - name: TableSizeBytes
    - type: AWS/Lambda
      regions: [us-east-1]
      includeContextOnInfoMetrics: true
      enhancedMetrics:
        - name: Timeout
        - name: MemorySize
    - type: AWS/ElastiCache
      regions: [us-east-1]
      enhancedMetrics:
        - name: NumCacheNodes
";

#[test]
fn enhanced_metrics_and_the_account_alias_come_from_the_services_apis() {
    let moto = Moto::start();
    let seeded = moto.seed(&[
        "--clusters",
        "1",
        "--minutes",
        "10",
        "--no-extras",
        "--around",
        "--account-alias",
        "prod-estate",
    ]);
    let around = &seeded["around"];
    let arn = |r: &str| around[r]["arn"].as_str().unwrap().to_string();
    let cfg = write_config(CONFIG);
    moto.start_recording();
    let exp = exporter(&moto, &["--config.file", cfg.to_str().unwrap()]);
    let lines = parse(&exp.metrics());
    let one = |name: &str, resource: &str| -> &Line {
        let found: Vec<&Line> = named(&lines, name)
            .into_iter()
            .filter(|l| l.label("name") == Some(&arn(resource)))
            .collect();
        assert_eq!(found.len(), 1, "{name} of {resource}: {found:?}");
        found[0]
    };

    // RDS: both instances, the untagged one too, in bytes, labelled as YACE labels them.
    for (db, gib) in [("orders-db", 100.0), ("reports-db", 20.0)] {
        let l = one("aws_rds_allocated_storage", db);
        assert_eq!(l.value, gib * 1024.0 * 1024.0 * 1024.0);
        assert_eq!(l.label("dimension_DBInstanceIdentifier"), Some(db));
        assert_eq!(l.label("dimension_DatabaseClass"), Some("db.t3.micro"));
        assert_eq!(
            l.label("dimension_EngineName"),
            around[db]["engine"].as_str()
        );
        assert_eq!(l.label("account_alias"), Some("prod-estate"));
        assert_eq!(l.label("region"), Some("us-east-1"));
    }
    assert_eq!(
        one("aws_rds_allocated_storage", "orders-db").label("tag_team"),
        Some("shop")
    );
    // The job's CloudWatch series are there too, with the alias.
    let cpu = one("aws_rds_cpuutilization_average", "orders-db");
    assert_eq!(cpu.value, 12.5);
    assert_eq!(cpu.label("account_alias"), Some("prod-estate"));

    // DynamoDB with searchTags: only the tagged table.
    let carts = one("aws_dynamodb_item_count", "carts");
    assert_eq!(carts.value, around["carts"]["ItemCount"].as_f64().unwrap());
    assert_eq!(carts.label("dimension_TableName"), Some("carts"));
    one("aws_dynamodb_table_size_bytes", "carts");
    assert!(
        named(&lines, "aws_dynamodb_item_count")
            .iter()
            .all(|l| l.label("name") != Some(&arn("sessions"))),
        "searchTags filter enhanced metrics too"
    );

    // Lambda: both functions; ElastiCache: the cluster.
    for f in ["thumbnailer", "cleanup"] {
        assert_eq!(
            one("aws_lambda_timeout", f).value,
            around[f]["Timeout"].as_f64().unwrap()
        );
        assert_eq!(
            one("aws_lambda_memory_size", f).value,
            around[f]["MemorySize"].as_f64().unwrap()
        );
        // Info series get the alias only with includeContextOnInfoMetrics, as in YACE.
        assert_eq!(
            one("aws_lambda_info", f).label("account_alias"),
            Some("prod-estate")
        );
    }
    assert_eq!(
        one("aws_elasticache_num_cache_nodes", "carts-cache").value,
        1.0
    );
    assert!(
        named(&lines, "aws_rds_info")
            .iter()
            .all(|l| l.label("account_alias").unwrap_or("").is_empty()),
        "no context on the RDS job's info series"
    );

    // Each describe API once for the one discovery, counted as moto saw it; the alias once.
    let calls = |api: &str| api_calls(&lines, api);
    let actions = moto.recorded_actions();
    let seen = |a: &str| actions.iter().filter(|x| *x == a).count() as f64;
    for api in [
        "DescribeDBInstances",
        "ListTables",
        "DescribeCacheClusters",
        "ListAccountAliases",
    ] {
        assert_eq!(calls(api), 1.0, "{api}");
        assert_eq!(seen(api), 1.0, "{api} as moto saw it");
    }
    assert_eq!(calls("DescribeTable"), 2.0, "one per table");
    assert_eq!(seen("DescribeTable"), 2.0);
    // Lambda's REST calls are not in moto's recording by action: our count alone.
    assert_eq!(calls("ListFunctions"), 1.0);

    // `plan` counts the same calls per discovery.
    let plan = plan_json(&moto, &["--config.file", cfg.to_str().unwrap()]);
    let per_run = &plan["discovery_calls_per_run"];
    for (api, n) in [
        ("DescribeDBInstances", 1),
        ("ListTables", 1),
        ("DescribeTable", 2),
        ("ListFunctions", 1),
        ("DescribeCacheClusters", 1),
    ] {
        assert_eq!(per_run[api], n, "{api} in {per_run}");
    }
    assert!(per_run.get("ListAccountAliases").is_none(), "{per_run}");
}

#[test]
fn no_alias_no_label_and_the_lookup_can_be_turned_off() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10", "--no-extras"]);
    // The account has no alias: the label is absent, as in YACE.
    let exp = exporter(&moto, &["--config.file", "examples/seed-config.yml"]);
    let text = exp.metrics();
    assert!(text.contains("aws_ecs_containerinsights_"), "{text}");
    assert!(!text.contains("account_alias"), "{text}");
    drop(exp);
    // With YACE's -disable-account-alias-lookup no IAM call is made at all.
    moto.start_recording();
    let exp = exporter(
        &moto,
        &[
            "-config.file=examples/seed-config.yml",
            "-disable-account-alias-lookup",
        ],
    );
    assert!(exp.metrics().contains("aws_ecs_containerinsights_"));
    assert!(
        !moto
            .recorded_actions()
            .iter()
            .any(|a| a == "ListAccountAliases")
    );
}
