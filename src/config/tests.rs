use super::*;
use std::path::Path;

fn ok(text: &str) -> Loaded {
    match parse_str(text, Path::new("c.yml"), true) {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    }
}

fn errors(text: &str, strict: bool) -> Vec<String> {
    match parse_str(text, Path::new("c.yml"), strict) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| p.display(Path::new("c.yml")).to_string())
            .collect(),
    }
}

#[test]
fn the_seed_config_gives_two_exact_dimension_jobs() {
    let l = ok(include_str!("../../examples/seed-config.yml"));
    let c = &l.config;
    assert_eq!(c.dialect, Dialect::Old);
    assert!(c.saw_enable_metric_data);
    assert_eq!(c.jobs.len(), 2);
    let (j1, j2) = (&c.jobs[0], &c.jobs[1]);
    assert_eq!(j1.namespace, "ECS/ContainerInsights");
    assert_eq!(j1.regions, vec!["us-east-1"]);
    assert_eq!(j1.roles, vec![Role::default()]);
    assert_eq!(j1.dimension_names, Some(vec!["ClusterName".to_string()]));
    assert_eq!(
        j2.dimension_names,
        Some(vec!["ClusterName".to_string(), "ServiceName".to_string()])
    );
    assert_eq!(j1.metrics.len(), 2);
    assert_eq!(j2.metrics.len(), 14);
    let m = &j2.metrics[0];
    assert_eq!(m.name, "CpuReserved");
    assert_eq!(m.statistics, vec!["Average"]);
    assert_eq!((m.period, m.length, m.delay), (300, 3600, 0));
    assert!(!m.nil_to_zero);
    assert!(!j1.needs_tags() && !j2.needs_tags());
    // Old keys in an old-dialect file are fine; each gets a note with its v1alpha1 spelling.
    assert!(l.warnings.iter().all(|p| p.severity == Severity::Note));
    let notes: Vec<String> = l
        .warnings
        .iter()
        .map(|p| p.display(Path::new("c.yml")).to_string())
        .collect();
    assert!(notes.contains(&"c.yml:3:5: note: discovery.jobs[0].region: `region` is an old-dialect key; in v1alpha1 write `regions: [..]`".to_string()), "{notes:#?}");
    assert!(
        notes.iter().any(
            |n| n.starts_with("c.yml:20:5: note: discovery.jobs[1].awsDimensions:")
                && n.ends_with("`dimensionNameRequirements: [ClusterName, ServiceName]`")
        ),
        "{notes:#?}"
    );
}

#[test]
fn the_current_dialect_with_inheritance_and_defaults() {
    let l = ok(r#"
apiVersion: v1alpha1
sts-region: eu-west-1
discovery:
  exportedTagsOnMetrics:
    AWS/ECS: [team, env]
  jobs:
    - type: AWS/ECS
      regions: [us-east-1, eu-west-1]
      roles:
        - roleArn: arn:aws:iam::111111111111:role/read
          externalId: abc
      searchTags:
        - key: env
          value: ^prod$
      customTags:
        - key: owner
          value: sre
      dimensionNameRequirements: [ServiceName, ClusterName]
      statistics: [Maximum]
      period: 60
      nilToZero: true
      metrics:
        - name: CPUUtilization
        - name: MemoryUtilization
          statistics: [Average, p99.9]
          length: 600
          nilToZero: false
static:
  - name: my-cluster
    namespace: ECS/ContainerInsights
    regions: [us-east-1]
    dimensions:
      - name: ClusterName
        value: prod
    metrics:
      - name: ServiceCount
        statistics: [Average]
customNamespace:
  - name: app
    namespace: MyApp/Jobs
    regions: [us-east-1]
    metrics:
      - name: Processed
        statistics: [Sum]
"#);
    let c = &l.config;
    assert_eq!(c.dialect, Dialect::V1Alpha1);
    assert_eq!(c.sts_region.as_deref(), Some("eu-west-1"));
    assert_eq!(c.jobs.len(), 3);
    let j = &c.jobs[0];
    assert_eq!(j.kind, JobKind::Discovery);
    assert_eq!(j.regions, vec!["us-east-1", "eu-west-1"]);
    assert_eq!(
        j.roles,
        vec![Role {
            role_arn: Some("arn:aws:iam::111111111111:role/read".into()),
            external_id: Some("abc".into())
        }]
    );
    assert_eq!(j.search_tags[0].key, "env");
    assert!(j.search_tags[0].value.is_match("prod"));
    assert!(!j.search_tags[0].value.is_match("preprod"));
    assert_eq!(j.custom_tags, vec![("owner".into(), "sre".into())]);
    assert_eq!(j.exported_tags, vec!["team", "env"]);
    assert_eq!(
        j.dimension_names,
        Some(vec!["ClusterName".into(), "ServiceName".into()])
    );
    let (m1, m2) = (&j.metrics[0], &j.metrics[1]);
    assert_eq!(m1.statistics, vec!["Maximum"]);
    assert_eq!((m1.period, m1.length, m1.delay), (60, 300, 0));
    assert!(m1.nil_to_zero);
    assert_eq!(m2.statistics, vec!["Average", "p99.9"]);
    assert_eq!(m2.length, 600);
    assert!(!m2.nil_to_zero);
    assert!(j.needs_tags());
    let s = &c.jobs[1];
    assert_eq!(s.kind, JobKind::Static);
    assert_eq!(s.name.as_deref(), Some("my-cluster"));
    assert_eq!(
        s.fixed_dimensions,
        vec![("ClusterName".into(), "prod".into())]
    );
    let cn = &c.jobs[2];
    assert_eq!(cn.kind, JobKind::Custom);
    assert_eq!(cn.namespace, "MyApp/Jobs");
}

#[test]
fn old_dialect_keys_in_v1alpha1_warn_with_the_equivalent() {
    let l = ok(r#"apiVersion: v1alpha1
discovery:
  jobs:
    - type: ecs-containerinsights
      region: us-east-1
      roleArn: arn:aws:iam::1:role/x
      awsDimensions: [ServiceName]
      searchTags:
        - Key: env
          Value: prod
      metrics:
        - name: CpuReserved
          statistics: [Average]
"#);
    let msgs: Vec<String> = l
        .warnings
        .iter()
        .map(|p| p.display(Path::new("c.yml")).to_string())
        .collect();
    let all = msgs.join("\n");
    assert!(all.contains("c.yml:4:13: warning: discovery.jobs[0].type: `ecs-containerinsights` is an old-dialect alias; in v1alpha1 write `type: ECS/ContainerInsights`"), "{all}");
    assert!(
        all.contains("c.yml:5:7: warning: discovery.jobs[0].region:"),
        "{all}"
    );
    assert!(all.contains("`regions: [..]`"), "{all}");
    assert!(all.contains("`roles: [{roleArn: ..}]`"), "{all}");
    assert!(
        all.contains("`dimensionNameRequirements: [ClusterName, ServiceName]`"),
        "{all}"
    );
    assert!(
        all.contains("c.yml:9:11: warning: discovery.jobs[0].searchTags[0].Key"),
        "{all}"
    );
    let j = &l.config.jobs[0];
    assert_eq!(
        j.roles[0].role_arn.as_deref(),
        Some("arn:aws:iam::1:role/x")
    );
    assert_eq!(j.search_tags[0].key, "env");
}

#[test]
fn unknown_keys_are_errors_when_strict_and_warnings_otherwise() {
    let text = r#"discovery:
  jobs:
    - type: AWS/ECS
      region: us-east-1
      perod: 60
      metrics:
        - name: CPUUtilization
          statistics: [Average]
          nilTozero: true
"#;
    let e = errors(text, true);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].starts_with("c.yml:5:7: error: discovery.jobs[0].perod: unknown key `perod`"),
        "{e:?}"
    );
    assert!(e[1].contains("c.yml:9:11: error: discovery.jobs[0].metrics[0].nilTozero: unknown key `nilTozero` (did you mean `nilToZero`?)"), "{e:?}");
    let l = parse_str(text, Path::new("c.yml"), false).unwrap();
    let warnings: Vec<_> = l
        .warnings
        .iter()
        .filter(|p| p.severity == Severity::Warning)
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

#[test]
fn every_error_is_reported_with_its_position() {
    let e = errors(
        r#"apiVersion: v1alpha1
discovery:
  jobs:
    - type: AWS/Nope
      regions: [us-east-1]
      metrics:
        - name: X
          statistics: [Avg]
    - type: AWS/ECS
      regions: us-east-1
      searchTags:
        - key: env
          value: "(unclosed"
      metrics:
        - name: CPUUtilization
          statistics: [Average]
          period: 90
        - name: MemoryUtilization
          statistics: [Average]
          period: 300
          length: 60
          nilToZero: "yes"
    - type: AWS/ECS
      regions: [us-east-1]
      roles:
        - {roleArn: '', externalId: x}
"#,
        true,
    );
    let all = e.join("\n");
    for want in [
        "c.yml:4:13: error: discovery.jobs[0].type: `AWS/Nope` is not a namespace",
        "c.yml:8:24: error: discovery.jobs[0].metrics[0].statistics[0]: `Avg` is not a CloudWatch statistic",
        "c.yml:10:16: error: discovery.jobs[1].regions: expected a list, found a string",
        "c.yml:12:11: error: discovery.jobs[1].searchTags[0]: tag value `(unclosed` is not a valid regular expression",
        "c.yml:15:11: error: discovery.jobs[1].metrics[0]: period 90 is not one CloudWatch accepts",
        "c.yml:18:11: error: discovery.jobs[1].metrics[1]: length 60 is shorter than period 300",
        "c.yml:22:22: error: discovery.jobs[1].metrics[1].nilToZero: expected true or false, found a string",
        "c.yml:23:7: error: discovery.jobs[2]: the job needs `metrics`",
        "c.yml:26:11: error: discovery.jobs[2].roles[0]: an `externalId` needs a `roleArn`",
    ] {
        assert!(all.contains(want), "missing {want:?} in\n{all}");
    }
}

#[test]
fn role_arns_are_as_tolerant_as_yaces() {
    let l = ok(r#"apiVersion: v1alpha1
discovery:
  jobs:
    - type: AWS/ECS
      regions: [us-east-1]
      roles: [{roleArn: ""}, {roleArn: not-an-arn}, {roleArn: "arn:aws:iam::1:role/r", externalId: e}]
      metrics: [{name: CPUUtilization, statistics: [Average]}]
"#);
    let roles = &l.config.jobs[0].roles;
    assert_eq!(roles[0], Role::default(), "empty: the default credentials");
    assert_eq!(
        roles[1].role_arn.as_deref(),
        Some("not-an-arn"),
        "kept: STS refuses it"
    );
    assert_eq!(roles[2].external_id.as_deref(), Some("e"));
    assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
    assert!(
        l.warnings[0]
            .message
            .contains("`not-an-arn` is not a role ARN")
    );
}

#[test]
fn yaml_syntax_errors_name_line_and_column() {
    let e = errors("discovery:\n  jobs: [\n    - type: x\n", true);
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("c.yml:"), "{e:?}");
    let pos = e[0].split(':').nth(1).unwrap();
    assert!(pos.parse::<u32>().unwrap() >= 2, "{e:?}");
    assert!(e[0].contains("YAML syntax"), "{e:?}");
}

#[test]
fn an_empty_config_says_what_is_missing() {
    let e = errors("{}\n", true);
    assert!(e[0].contains("the config has no jobs"), "{e:?}");
}

#[test]
fn statistics_are_checked() {
    for good in [
        "Average",
        "SampleCount",
        "p99",
        "p99.9",
        "p100",
        "tm99",
        "TM(10%:90%)",
    ] {
        assert!(canonical_statistic(good).is_some(), "{good}");
    }
    for bad in ["average", "Avg", "p", "p999", ""] {
        assert!(canonical_statistic(bad).is_none(), "{bad}");
    }
}

#[test]
fn a_job_may_set_its_discovery_interval() {
    let l = ok("apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/ECS
    regions: [eu-west-1]
    discoveryInterval: 3600
    metrics: [{name: CPUUtilization, statistics: [Average]}]
  - type: AWS/ECS
    regions: [eu-west-1]
    metrics: [{name: CPUUtilization, statistics: [Average]}]
");
    assert_eq!(l.config.jobs[0].discovery_interval, Some(3600));
    assert_eq!(l.config.jobs[1].discovery_interval, None);
    let e = errors(
        "apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/ECS
    regions: [eu-west-1]
    discoveryInterval: 10m
    metrics: [{name: CPUUtilization, statistics: [Average]}]
",
        true,
    );
    assert_eq!(
        e,
        vec![
            "c.yml:6:24: error: discovery.jobs[0].discoveryInterval: expected a whole number of seconds ≥ 0, found a string"
        ]
    );
}

#[test]
fn collection_interval_on_a_job_or_a_metric() {
    let l = ok("apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/ECS
    regions: [eu-west-1]
    collectionInterval: 3600
    metrics:
    - {name: CPUUtilization, statistics: [Average], collectionInterval: 60}
    - {name: MemoryUtilization, statistics: [Average]}
static:
  - name: s
    namespace: AWS/ECS
    regions: [eu-west-1]
    dimensions: [{name: ClusterName, value: c}]
    metrics: [{name: CPUUtilization, statistics: [Average]}]
");
    let m = &l.config.jobs[0].metrics;
    assert_eq!(m[0].collection_interval, Some(60));
    assert_eq!(m[1].collection_interval, Some(3600));
    assert_eq!(l.config.jobs[1].metrics[0].collection_interval, None);
    // The old dialect takes it too.
    let old = ok("discovery:
  jobs:
  - type: ecs-svc
    region: eu-west-1
    collectionInterval: 900
    metrics: [{name: CPUUtilization, statistics: [Average]}]
");
    assert_eq!(old.config.jobs[0].metrics[0].collection_interval, Some(900));
    let e = errors(
        "apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/ECS
    regions: [eu-west-1]
    metrics:
    - {name: CPUUtilization, statistics: [Average], collectionInterval: 0}
    - {name: MemoryUtilization, statistics: [Average], collectionInterval: 1h}
",
        true,
    );
    assert_eq!(
        e,
        vec![
            "c.yml:7:73: error: discovery.jobs[0].metrics[0].collectionInterval: collectionInterval must be at least 1 second",
            "c.yml:8:76: error: discovery.jobs[0].metrics[1].collectionInterval: expected a whole number of seconds ≥ 0, found a string",
        ]
    );
}

#[test]
fn window_mode_turns_on_timestamps_and_every_point_and_needs_a_fitting_interval() {
    let l = ok("apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/ECS
    regions: [eu-west-1]
    collectionInterval: 600
    windowMode: true
    metrics:
    - {name: CPUUtilization, statistics: [Average], period: 60}
    - {name: MemoryUtilization, statistics: [Average], period: 60, windowMode: false}
");
    let m = &l.config.jobs[0].metrics;
    assert!(m[0].window_mode && m[0].add_cloudwatch_timestamp && m[0].export_all_data_points);
    assert!(!m[1].window_mode && !m[1].add_cloudwatch_timestamp);
    let e = errors(
        "apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/ECS
    regions: [eu-west-1]
    windowMode: true
    metrics:
    - {name: A, statistics: [Average], period: 60}
    - {name: B, statistics: [Average], period: 60, collectionInterval: 90}
    - {name: C, statistics: [Average], period: 60, collectionInterval: 120, addCloudwatchTimestamp: false}
",
        true,
    );
    assert_eq!(
        e,
        vec![
            "c.yml:8:7: error: discovery.jobs[0].metrics[0]: windowMode needs a collectionInterval (on the metric or its job): the window is the time since the last poll",
            "c.yml:9:7: error: discovery.jobs[0].metrics[1]: windowMode needs a collectionInterval that is a multiple of the period: 90 is not a multiple of 60",
            "c.yml:10:7: error: discovery.jobs[0].metrics[2]: windowMode exports every datapoint with its CloudWatch timestamp; addCloudwatchTimestamp: false contradicts it",
        ]
    );
}

/// A v1alpha1 config with one job of `kind` whose body (flow-style keys) is `body`.
fn one_job(kind: &str, body: &str) -> String {
    let head = match kind {
        "static" => "static:\n  - name: s\n    namespace: AWS/ECS\n    regions: [us-east-1]\n",
        "customNamespace" => {
            "customNamespace:\n  - name: c\n    namespace: MyApp\n    regions: [us-east-1]\n"
        }
        _ => "discovery:\n  jobs:\n    - type: AWS/ECS\n      regions: [us-east-1]\n",
    };
    let indent = if kind == "discovery" {
        "      "
    } else {
        "    "
    };
    format!(
        "apiVersion: v1alpha1\n{head}{indent}metrics: [{{name: CPUUtilization, statistics: [Average]}}]\n{indent}{body}\n"
    )
}

#[test]
fn discovery_only_keys_on_other_jobs_are_reported_with_their_position() {
    for (kind, key) in [
        ("static", "recentlyActiveOnly: true"),
        ("static", "dimensionNameRequirements: [ClusterName]"),
        ("static", "discoveryInterval: 60"),
        ("static", "awsDimensions: [ClusterName]"),
        ("customNamespace", "includeContextOnInfoMetrics: true"),
        ("customNamespace", "dimensions: [{name: a, value: b}]"),
    ] {
        let text = one_job(kind, key);
        let name = key.split(':').next().unwrap();
        let errs = errors(&text, true);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with("c.yml:7:5: error: ")
                && errs[0].contains(&format!("`{name}` has no meaning on")),
            "{errs:?}"
        );
        // At start (not strict) it is a warning, and the job still loads.
        let l = parse_str(&text, Path::new("c.yml"), false).unwrap();
        assert!(l.warnings.iter().any(|w| w.message.contains(name)));
    }
    // The same keys on a discovery job are fine.
    ok(&one_job("discovery", "recentlyActiveOnly: true"));
    // Reported as ignored, and really ignored.
    let l = parse_str(
        &one_job("customNamespace", "awsDimensions: [ClusterName]"),
        Path::new("c.yml"),
        false,
    )
    .unwrap();
    assert_eq!(l.config.jobs[0].dimension_names, None);
}

/// The table of which kind of job has which key is what reading obeys: each kind it names
/// reads the key, every other kind reports it as meaningless there.
#[test]
fn each_kind_of_job_reads_exactly_the_kind_keys_the_table_gives_it() {
    let value = |key: &str| match key {
        "type" => "AWS/ECS",
        "namespace" => "MyApp",
        "recentlyActiveOnly" | "includeContextOnInfoMetrics" | "enableMetricData" => "true",
        "discoveryInterval" => "60",
        "dimensionNameRequirements" | "awsDimensions" => "[ClusterName]",
        "additionalDimensions" | "dimensions" => "[{name: a, value: b}]",
        // AWS/ECS has none; an empty list is read without complaint.
        "enhancedMetrics" => "[]",
        "includeLinkedAccounts" => "true",
        "linkedAccounts" => "['111122223333']",
        other => panic!("a value for `{other}` in this test"),
    };
    for (key, kinds) in super::parse::KIND_KEYS {
        for (kind, name) in [
            (JobKind::Discovery, "discovery"),
            (JobKind::Static, "static"),
            (JobKind::Custom, "customNamespace"),
        ] {
            // The heads already set these.
            let in_head = match kind {
                JobKind::Discovery => *key == "type",
                _ => *key == "namespace",
            };
            if in_head {
                continue;
            }
            let mut body = format!("{key}: {}", value(key));
            // A key that needs another on the kinds that have it.
            if *key == "linkedAccounts" && kinds.contains(&kind) {
                let indent = if kind == JobKind::Discovery {
                    "      "
                } else {
                    "    "
                };
                body.push_str(&format!("\n{indent}includeLinkedAccounts: true"));
            }
            let text = one_job(name, &body);
            if kinds.contains(&kind) {
                ok(&text);
            } else {
                let errs = errors(&text, true);
                assert!(
                    errs.len() == 1 && errs[0].contains(&format!("`{key}` has no meaning on")),
                    "{key} on {name}: {errs:?}"
                );
            }
        }
    }
}

#[test]
fn yaces_deprecated_rounding_period_is_a_warning_at_start_and_on_reload() {
    let l = ok(&one_job("discovery", "roundingPeriod: 60"));
    assert!(
        l.warnings
            .iter()
            .any(|w| w.severity == Severity::Warning && w.message.contains("deprecated")),
        "{:?}",
        l.warnings
    );
    ok(&one_job("customNamespace", "roundingPeriod: 60"));
}

#[test]
fn extended_statistics_are_checked_for_real() {
    for good in [
        "p99",
        "p99.9",
        "p100",
        "p0",
        "tm90",
        "wm99",
        "tc90",
        "ts99",
        "IQM",
        "TM(10%:90%)",
        "TM(150:1000)",
        "TC(0.005:0.030)",
        "TS(80%:)",
        "WM(:95%)",
        "PR(:300)",
        "PR(100:2000)",
        "TM(2.5%:97.5%)",
    ] {
        assert_eq!(canonical_statistic(good).as_deref(), Some(good), "{good}");
    }
    for bad in [
        "TM()",
        "TC(a:b)",
        "TM(10%:190%)",
        "TM(:)",
        "TM(90%:10%)",
        "PR(10%:20%)",
        "TM(10%:500)",
        "IQM(1:2)",
        "p101",
        "XX(1:2)",
        "TM(1:2",
        "Avg",
    ] {
        assert_eq!(canonical_statistic(bad), None, "{bad}");
    }
}

#[test]
fn seconds_have_honest_bounds_and_messages() {
    let errs = errors(&one_job("discovery", "length: 4294967295"), true);
    assert!(
        errs[0].contains("expected a whole number of seconds from 0 to 39312000, found 4294967295"),
        "{errs:?}"
    );
    let errs = errors(&one_job("discovery", "delay: 31536000001"), true);
    assert!(
        errs[0].contains("from 0 to 39312000, found 31536000001"),
        "{errs:?}"
    );
    let errs = errors(&one_job("discovery", "period: 60.5"), true);
    assert!(
        errs[0].contains("expected a whole number of seconds from 0 to 39312000, found 60.5"),
        "{errs:?}"
    );
    ok(&one_job("discovery", "length: 39312000"));
}

#[test]
fn regions_are_checked() {
    let text = one_job("discovery", "period: 60")
        .replace("[us-east-1]", "[us-east-1, US East, eu-west-9]");
    let e = parse_str(&text, Path::new("c.yml"), true).unwrap_err();
    let msgs: Vec<String> = e
        .problems
        .iter()
        .map(|p| p.display(Path::new("c.yml")).to_string())
        .collect();
    assert!(
        msgs.iter().any(|m| m
            .contains("error: discovery.jobs[0].regions[1]: `US East` is not an AWS region name")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains(
            "warning: discovery.jobs[0].regions[2]: `eu-west-9` is not a region this version knows"
        )),
        "{msgs:?}"
    );
}

#[test]
fn unquoted_hex_numbers_are_pointed_out() {
    let text = one_job("discovery", "customTags: [{key: id, value: 0x1F}]");
    let l = parse_str(&text, Path::new("c.yml"), true).unwrap();
    let w: Vec<String> = l
        .warnings
        .iter()
        .map(|p| p.display(Path::new("c.yml")).to_string())
        .collect();
    assert!(
        w.iter()
            .any(|m| m.contains("7:37: warning: an unquoted `0x1F` is a YAML number, read as 31")),
        "{w:?}"
    );
}

#[test]
fn echoed_names_and_huge_regexes_are_bounded() {
    let long = "k".repeat(5000);
    let errs = errors(&one_job("discovery", &format!("{long}: 1")), true);
    assert!(errs[0].len() < 400, "{}", errs[0].len());
    // An alternation of 20k names: refused by its size, its text not echoed whole.
    let names: Vec<String> = (0..20_000).map(|i| format!("service-{i}")).collect();
    let text = one_job(
        "discovery",
        &format!("searchTags: [{{key: svc, value: '{}'}}]", names.join("|")),
    );
    let errs = errors(&text, true);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].contains("too long a regular expression"),
        "{}",
        &errs[0][..300.min(errs[0].len())]
    );
    assert!(errs[0].len() < 500, "{}", errs[0].len());
    // Many short ones that add up are refused too.
    let tags: Vec<String> = (0..20)
        .map(|i| format!("{{key: k{i}, value: '{}'}}", "a|".repeat(4000) + "b"))
        .collect();
    let errs = errors(
        &one_job("discovery", &format!("searchTags: [{}]", tags.join(", "))),
        true,
    );
    assert!(
        !errs.is_empty() && errs.iter().all(|e| e.contains("for the whole config")),
        "{errs:?}"
    );
}

#[test]
fn files_past_the_size_cap_are_not_read_whole() {
    let e = load(Path::new("/dev/zero"), true).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("larger than 4 MiB"), "{m}");
}

#[test]
fn enhanced_metrics_are_checked_against_the_namespace_and_metrics_become_optional() {
    let job = |ty: &str, body: &str| {
        format!(
            "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n    - type: {ty}\n      regions: [us-east-1]\n{body}"
        )
    };
    // YACE's shape, and a plain name; no `metrics` needed.
    let l = ok(&job(
        "AWS/DynamoDB",
        "      enhancedMetrics:\n        - name: ItemCount\n        - IndexSizeBytes\n",
    ));
    let names: Vec<&str> = l.config.jobs[0].enhanced.iter().map(|m| m.name).collect();
    assert_eq!(names, ["ItemCount", "IndexSizeBytes"]);
    assert!(l.config.jobs[0].metrics.is_empty());
    // The alias resolves first, so `rds` works as `AWS/RDS`.
    ok(&job(
        "rds",
        "      enhancedMetrics: [{name: AllocatedStorage}]\n",
    ));

    let e = errors(
        &job(
            "AWS/Lambda",
            "      enhancedMetrics:\n        - name: SomeEnhancedMetric\n",
        ),
        true,
    );
    assert!(
        e[0].contains("c.yml:7:11")
            && e[0].contains("`SomeEnhancedMetric` is not an enhanced metric of AWS/Lambda; known: Timeout, MemorySize"),
        "{e:?}"
    );
    let e = errors(
        &job("AWS/ECS", "      enhancedMetrics: [{name: ItemCount}]\n"),
        true,
    );
    assert!(
        e[0].contains("`AWS/ECS` has no enhanced metrics; namespaces that do: AWS/RDS, AWS/Lambda, AWS/DynamoDB, AWS/ElastiCache"),
        "{e:?}"
    );
    let e = errors(&job("AWS/RDS", "      enhancedMetrics: [{}]\n"), true);
    assert!(e[0].contains("an enhanced metric needs `name`"), "{e:?}");
    let e = errors(&job("AWS/RDS", "      enhancedMetrics: []\n"), true);
    assert!(e[0].contains("the job needs `metrics`"), "{e:?}");
    // On a static job it means nothing (a warning at start, an error when strict).
    let e = errors(&one_job("static", "enhancedMetrics: [{name: x}]"), true);
    assert!(
        e.iter()
            .any(|m| m.contains("`enhancedMetrics` has no meaning on a static job")),
        "{e:?}"
    );
}

#[test]
fn the_streams_section_is_parsed_with_positions() {
    let l = ok("apiVersion: v1alpha1
streams:
  namespaces:
    - ecs-containerinsights
    - namespace: AWS/SQS
      metrics: [NumberOfMessagesSent]
      statistics: [Average, p99]
    - MyApp/Custom
  seriesLimit: 5000
  staleAfter: 600
  addCloudwatchTimestamp: true
");
    let s = &l.config.streams;
    assert!(s.present && s.timestamps);
    assert_eq!((s.series_limit, s.stale_after), (5000, 600));
    let names: Vec<&str> = s.select.iter().map(|x| x.namespace.as_str()).collect();
    assert_eq!(names, ["ECS/ContainerInsights", "AWS/SQS", "MyApp/Custom"]);
    assert_eq!(s.select[1].statistics, ["Average", "p99"]);
    // A streams-only config needs no job.
    assert!(l.config.jobs.is_empty());

    let e = errors(
        "apiVersion: v1alpha1
streams:
  namespaces:
    - AWS/SQS
    - sqs
    - namespace: AWS/EC2
      statistics: [Avg]
  seriesLimit: 0
  staleAfter: 30
  colour: blue
",
        true,
    );
    let text = e.join("\n");
    for want in [
        "5:7",
        "listed twice",
        "7:20",
        "not a CloudWatch statistic",
        "8:16",
        "seriesLimit",
        "9:15",
        "at least 60",
        "10:3",
        "colour",
    ] {
        assert!(text.contains(want), "{want} not in:\n{text}");
    }
}

#[test]
fn linked_accounts_are_read_and_their_mistakes_named() {
    let l = ok(&one_job(
        "discovery",
        "includeLinkedAccounts: true\n      linkedAccounts: ['111122223333', 444455556666]",
    ));
    let j = &l.config.jobs[0];
    assert!(j.include_linked_accounts);
    assert_eq!(j.linked_accounts, ["111122223333", "444455556666"]);
    let l = ok(&one_job("customNamespace", "includeLinkedAccounts: true"));
    assert!(
        l.config.jobs[0].include_linked_accounts && l.config.jobs[0].linked_accounts.is_empty()
    );
    assert!(
        !ok(&one_job("discovery", "recentlyActiveOnly: true"))
            .config
            .jobs[0]
            .include_linked_accounts
    );
    for (body, want) in [
        (
            "linkedAccounts: ['111122223333']",
            "needs `includeLinkedAccounts: true`",
        ),
        (
            "includeLinkedAccounts: true\n      linkedAccounts: [12345]",
            "`12345` is not an AWS account id",
        ),
        (
            "includeLinkedAccounts: true\n      linkedAccounts: []",
            "an empty list would keep no series",
        ),
        (
            "includeLinkedAccounts: true\n      searchTags: [{key: team, value: a}]",
            "not with `searchTags`",
        ),
        (
            "includeLinkedAccounts: yes-please",
            "expected true or false",
        ),
    ] {
        let errs = errors(&one_job("discovery", body), true);
        assert!(
            errs.len() == 1 && errs[0].starts_with("c.yml:") && errs[0].contains(want),
            "{body}: {errs:?}"
        );
    }
}
