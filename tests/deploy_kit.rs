//! The Kubernetes manifests, rendered with kustomize, validated against the Kubernetes schemas,
//! and their exact container args, env, config and credentials run against moto.

use crate::common;
use common::kube::*;
use common::*;
use serde_json::Value;
use std::process::Command;

fn render(overlay: &str) -> (String, Vec<Value>) {
    let text = run_ok(
        Command::new(tool("kubectl")).args([
            "kustomize",
            repo()
                .join("deploy/kubernetes/overlays")
                .join(overlay)
                .to_str()
                .unwrap(),
        ]),
    );
    let docs = docs_of(&text);
    (text, docs)
}

fn check_base(docs: &[Value]) {
    check_seed_deployment(docs);
    assert_eq!(find(docs, "Namespace").len(), 1);
    assert_eq!(find(docs, "ServiceAccount").len(), 1);
    assert_eq!(find(docs, "Service")[0]["spec"]["ports"][0]["port"], 5000);
}

#[test]
fn the_credentials_file_overlay_runs_as_rendered() {
    let (_, docs) = render("credentials-file");
    validate("credentials-file", &docs);
    verify_configmaps(&docs);
    check_base(&docs);
    let moto = Moto::start();
    let expected = moto.seed(&["--clusters", "1", "--minutes", "10"]);
    // No AWS_* credentials in the environment: they can only come from the mounted Secret.
    let exp = run_container(&moto, &docs, &[], &[]);
    assert_eq!(
        services_exported(&exp),
        expected["services"].as_object().unwrap().len()
    );
}

#[test]
fn the_irsa_overlay_runs_with_web_identity() {
    let (_, docs) = render("irsa");
    validate("irsa", &docs);
    check_base(&docs);
    let role = irsa_role(&docs);
    let moto = Moto::start();
    let account = role.split(':').nth(4).unwrap().to_string();
    let expected = moto.seed(&["--clusters", "1", "--minutes", "10", "--role-arn", &role]);
    assert_eq!(expected["account"], account.as_str());
    let exp = run_container(&moto, &docs, &[], &web_identity_env(&role));
    assert_eq!(
        services_exported(&exp),
        expected["services"].as_object().unwrap().len()
    );
    let lines = parse(&exp.metrics());
    assert!(
        named(
            &lines,
            "aws_ecs_containerinsights_running_task_count_average"
        )
        .iter()
        .all(|l| l.label("account_id") == Some(account.as_str()))
    );
}

/// The IAM policies grant exactly the calls the code makes, and the IRSA trust policy names the
/// service account the manifests create.
#[test]
fn the_firehose_overlay_exposes_the_endpoint_and_it_takes_a_delivery() {
    let (_, docs) = render("firehose");
    validate("firehose", &docs);
    verify_configmaps(&docs);
    check_base(&docs);
    let ing = find(&docs, "Ingress");
    assert_eq!(ing[0]["metadata"]["namespace"], "cw-exporter");
    assert_eq!(
        ing[0]["spec"]["rules"][0]["http"]["paths"][0]["path"],
        "/firehose"
    );
    // The key is a Secret the user creates: the overlay holds none.
    assert!(find(&docs, "Secret").is_empty());
    let moto = Moto::unreachable();
    let existing = [(
        "cw-exporter-firehose",
        "access-key",
        "k8s-firehose-key-not-real\n",
    )];
    let exp = run_container(&moto, &docs, &existing, &[]);
    let url = common::firehose::listening_url(&exp.log());
    // A metric the seed's config does not poll (polling wins for those it does).
    let line = common::firehose::json_line(
        "AWS/SQS",
        "NumberOfMessagesSent",
        &[("QueueName", "orders")],
        1_700_000_040_000,
        (2.0, 1.0, 3.0, 2.0),
    );
    let body = common::firehose::body("k8s-1", &[line.into_bytes()]);
    let a = common::firehose::post(
        &url,
        Some("k8s-firehose-key-not-real"),
        Some("k8s-1"),
        &body,
        false,
    );
    assert_eq!(a.status, 200, "{a:?}");
    let start = std::time::Instant::now();
    while !exp
        .metrics()
        .contains("aws_sqs_number_of_messages_sent_average{")
    {
        assert!(start.elapsed().as_secs() < 20, "{}", exp.metrics());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn the_metric_stream_template_passes_cfn_lint_and_fits_the_endpoint() {
    let t = repo().join("deploy/aws/metric-stream.yaml");
    let out = Command::new(venv().join("bin/cfn-lint"))
        .arg(&t)
        .output()
        .expect("cfn-lint: run scripts/test (it installs it in the venv)");
    assert!(
        out.status.success(),
        "cfn-lint: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&t).unwrap();
    // The formats the endpoint reads, and only those.
    assert!(text.contains("AllowedValues: [opentelemetry1.0, json]"));
    assert!(text.contains("ContentEncoding: GZIP"));
    // Every streamed namespace is one the catalog names, so pushed series get their ARNs.
    let namespaces: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- Namespace: "))
        .collect();
    assert_eq!(
        namespaces,
        ["ECS/ContainerInsights", "ContainerInsights", "AWS/ECS"]
    );
    for ns in namespaces {
        assert!(cw_exporter::catalog::lookup(ns).is_some(), "{ns}");
    }
    // The buffer Firehose may send fits the endpoint's default largest body.
    let max_mib = cw_exporter::push::firehose::DEFAULT_BODY_BYTES >> 20;
    assert!(text.contains(&format!("MaxValue: {max_mib}\n")), "{text}");
}

#[test]
fn the_iam_files_match_the_code_and_the_manifests() {
    let read = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(repo().join("deploy/aws").join(f)).unwrap())
            .unwrap()
    };
    let actions = |v: &Value| -> Vec<String> {
        let mut a: Vec<String> = v["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| {
                s["Action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
            })
            .collect();
        a.sort();
        a
    };
    assert_eq!(
        actions(&read("iam-policy.json")),
        [
            "cloudwatch:GetMetricData",
            "cloudwatch:ListMetrics",
            "iam:ListAccountAliases"
        ]
    );
    assert_eq!(
        actions(&read("iam-policy-with-tags.json")),
        [
            "cloudwatch:GetMetricData",
            "cloudwatch:ListMetrics",
            "iam:ListAccountAliases",
            "tag:GetResources"
        ]
    );
    // The alias lookup is in the code; the enhanced metrics' permissions are checked against
    // their table by a unit test (catalog::enhanced).
    let sdk = std::fs::read_to_string(repo().join("src/aws/sdk.rs")).unwrap();
    assert!(sdk.contains("iam.list_account_aliases()"));
    // Every SDK operation the code calls is one of these (GetCallerIdentity needs no permission;
    // AssumeRole is granted on the caller's side for roleArn jobs).
    let src = std::fs::read_to_string(repo().join("src/aws/sdk.rs")).unwrap();
    let src: String = src.split_whitespace().collect();
    let permitted = |op: &str| match op {
        "list_metrics" => Some("cloudwatch:ListMetrics"),
        "get_metric_data" => Some("cloudwatch:GetMetricData"),
        "get_resources" => Some("tag:GetResources"),
        _ => None,
    };
    let mut called = Vec::new();
    for client in [".cloudwatch.", ".tagging."] {
        for (i, _) in src.match_indices(client) {
            let op: String = src[i + client.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let action = permitted(&op).unwrap_or_else(|| panic!("{op} is in no IAM file"));
            assert!(actions(&read("iam-policy-with-tags.json")).contains(&action.to_string()));
            called.push(op);
        }
    }
    called.sort();
    called.dedup();
    assert_eq!(called, ["get_metric_data", "get_resources", "list_metrics"]);
    let trust = read("irsa-trust-policy.json");
    let sub = trust["Statement"][0]["Condition"]["StringEquals"]["OIDC_PROVIDER:sub"]
        .as_str()
        .unwrap();
    let (_, docs) = render("irsa");
    let sa = find(&docs, "ServiceAccount")[0];
    assert_eq!(
        sub,
        format!(
            "system:serviceaccount:{}:{}",
            sa["metadata"]["namespace"].as_str().unwrap(),
            sa["metadata"]["name"].as_str().unwrap()
        )
    );
}

/// The Sysdig agent settings: every key explained, Prometheus collection and promscrape V2 on,
/// limits above what the seed's config exports at W1 size, and the pod annotations the agent's
/// discovery reads present on both the kustomize and the Helm Deployment.
#[test]
fn the_sysdig_agent_settings_match_the_exporter() {
    let path = repo().join("deploy/sysdig/dragent.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut previous = "";
    for line in text.lines() {
        let key = line.trim_start();
        if !key.is_empty() && !key.starts_with('#') {
            assert!(
                previous.trim_start().starts_with('#') || key.ends_with(':'),
                "no comment for `{key}`"
            );
        }
        previous = line;
    }
    let agent: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(agent["use_promscrape"], true);
    assert_eq!(agent["prometheus"]["enabled"], true);
    assert_eq!(agent["prometheus"]["prom_service_discovery"], true);
    assert_eq!(agent["prometheus"]["ingest_raw"], true);
    let plan = exporter_ok(
        "plan",
        Command::new(env!("CARGO_BIN_EXE_cw-exporter")).args([
            "plan",
            "--config.file",
            repo().join("examples/seed-config.yml").to_str().unwrap(),
            "--offline",
            "50",
            "--output",
            "json",
        ]),
    );
    let plan: Value = serde_json::from_str(&plan).unwrap();
    let series: u64 = plan["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["queries"].as_u64().unwrap())
        .sum();
    let limit = agent["prometheus"]["max_metrics_per_process"]
        .as_u64()
        .unwrap();
    assert!(
        series + 100 <= limit,
        "{series} series at W1, limit {limit}"
    );
    assert!(agent["prometheus"]["max_metrics"].as_u64().unwrap() >= limit);
    let helm = run_ok(
        Command::new(tool("helm"))
            .args([
                "template",
                "cw",
                repo().join("deploy/helm/cw-exporter").to_str().unwrap(),
            ])
            .env("KUBECONFIG", "/nonexistent"),
    );
    for docs in [render("irsa").1, docs_of(&helm)] {
        let tpl = &find(&docs, "Deployment")[0]["spec"]["template"];
        let ann = &tpl["metadata"]["annotations"];
        let port = tpl["spec"]["containers"][0]["ports"][0]["containerPort"]
            .as_u64()
            .unwrap();
        assert_eq!(ann["prometheus.io/scrape"], "true");
        assert_eq!(ann["prometheus.io/port"], port.to_string().as_str());
        assert_eq!(ann["prometheus.io/path"], "/metrics");
    }
}

/// The Sysdig alert table (deploy/sysdig/alerts-and-dashboards.md) names every alert of the
/// rules file (the opt-in per-service minimum is described beside it), with the rule's
/// duration, and each condition is valid PromQL (promtool checks them as rules).
#[test]
fn the_sysdig_alert_table_follows_the_rules_file() {
    let doc =
        std::fs::read_to_string(repo().join("deploy/sysdig/alerts-and-dashboards.md")).unwrap();
    let rules: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(repo().join("deploy/prometheus/cw-exporter.rules.yml")).unwrap(),
    )
    .unwrap();
    // (alert, condition, duration) rows of the table.
    let rows: Vec<(String, String, String)> = doc
        .lines()
        .filter(|l| l.starts_with("| Cw"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            let name = cells[0].split_whitespace().next().unwrap().to_string();
            let expr = cells[1].trim_matches('`').replace("\\|", "|");
            (name, expr, cells[2].to_string())
        })
        .collect();
    for group in rules["groups"].as_array().unwrap() {
        for r in group["rules"].as_array().unwrap() {
            let Some(alert) = r["alert"].as_str() else {
                continue;
            };
            if alert == "CwEcsServiceTasksBelowMinimum" {
                assert!(doc.contains(alert));
                continue;
            }
            let row = rows
                .iter()
                .find(|(n, ..)| n == alert)
                .unwrap_or_else(|| panic!("{alert} is not in the Sysdig table"));
            let want = r["for"].as_str().unwrap_or("—");
            assert_eq!(row.2, want, "{alert}'s duration");
        }
    }
    let as_rules: Vec<String> = rows
        .iter()
        .map(|(n, e, _)| {
            format!(
                "      - alert: {n}\n        expr: {}\n",
                serde_json::to_string(e).unwrap()
            )
        })
        .collect();
    let f = write_config(&format!(
        "groups:\n  - name: sysdig\n    rules:\n{}",
        as_rules.concat()
    ));
    run_ok(Command::new(promtool()).args(["check", "rules", f.to_str().unwrap()]));
}
