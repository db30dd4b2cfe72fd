//! The Helm chart (deploy/helm/cw-exporter): linted, rendered with its default values and with
//! every file in its ci/, validated (Kubernetes and CRD schemas, verify-config, promtool), and
//! each rendered Deployment run as the kubelet would against moto.

use crate::common;
use common::kube::*;
use common::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn chart() -> PathBuf {
    repo().join("deploy/helm/cw-exporter")
}

fn helm(args: &[&str]) -> Command {
    let mut c = Command::new(tool("helm"));
    // Offline and side-effect free: no kubeconfig, no repository cache in $HOME.
    let home = std::env::temp_dir().join(format!("cw-helm-{}", free_port()));
    c.args(args)
        .env("KUBECONFIG", "/nonexistent")
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"));
    c
}

/// The chart rendered as release "cw" in namespace "monitoring" with a values file from ci/
/// ("" for the defaults) and extra `--set`s.
fn render(values: &str, sets: &[&str]) -> Vec<Value> {
    docs_of(&run_ok(&mut template(values, sets)))
}

/// The `helm template` command of [`render`].
fn template(values: &str, sets: &[&str]) -> Command {
    let chart = chart();
    let mut args = vec![
        "template",
        "cw",
        chart.to_str().unwrap(),
        "--namespace",
        "monitoring",
    ];
    let file = chart.join("ci").join(values);
    if !values.is_empty() {
        args.extend(["-f", file.to_str().unwrap()]);
    }
    for s in sets {
        args.extend(["--set", s]);
    }
    helm(&args)
}

fn ci_files() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(chart().join("ci"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    v.sort();
    assert!(v.len() >= 5, "{v:?}");
    v
}

fn lint(values: &str) -> std::process::Output {
    let chart = chart();
    let mut args = vec!["lint", "--strict", chart.to_str().unwrap()];
    let file = chart.join("ci").join(values);
    if !values.is_empty() {
        args.extend(["-f", file.to_str().unwrap()]);
    }
    helm(&args).output().unwrap()
}

#[test]
fn lint_passes_for_the_defaults_and_every_ci_values_file() {
    for v in std::iter::once(String::new()).chain(ci_files()) {
        let out = lint(&v);
        assert!(
            out.status.success(),
            "helm lint --strict -f {v}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn a_typo_in_values_fails_lint_and_names_the_key() {
    for (set, key) in [
        ("serviceMonitor.intervall=30s", "intervall"),
        ("podAnnotation.x=y", "podAnnotation"),
        ("image.pullPolicy=Sometimes", "pullPolicy"),
        ("aws.role=cw-exporter", "role"),
    ] {
        let chart = chart();
        let out = helm(&["lint", "--strict", chart.to_str().unwrap(), "--set", set])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{set} passed lint");
        assert!(text.contains(key), "{set}: {text}");
    }
}

#[test]
fn every_rendering_validates_and_its_configs_and_rules_check() {
    for v in std::iter::once(String::new()).chain(ci_files()) {
        let docs = render(&v, &[]);
        validate(&format!("helm-{v}"), &docs);
        verify_configmaps(&docs);
        for pr in find(&docs, "PrometheusRule") {
            // The project's own rules file, not a copy.
            let own: Value = serde_saphyr::from_str(
                &std::fs::read_to_string(repo().join("deploy/prometheus/cw-exporter.rules.yml"))
                    .unwrap(),
            )
            .unwrap();
            assert_eq!(pr["spec"], own, "{v}");
            let f = write_config(&serde_json::to_string(&pr["spec"]).unwrap());
            run_ok(Command::new(promtool()).args(["check", "rules", f.to_str().unwrap()]));
        }
    }
}

#[test]
fn defaults_match_the_kustomize_base() {
    let docs = render("", &[]);
    check_seed_deployment(&docs);
    let c = &find(&docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["image"], "cw-exporter:0.1.0", "the Dockerfile's tag");
    assert!(find(&docs, "Secret").is_empty());
    for kind in ["ServiceMonitor", "PrometheusRule", "PodDisruptionBudget"] {
        assert!(find(&docs, kind).is_empty(), "{kind} is off by default");
    }
}

#[test]
fn a_config_change_changes_the_pod_template() {
    let checksum = |docs: &[Value]| {
        find(docs, "Deployment")[0]["spec"]["template"]["metadata"]["annotations"]
            ["checksum/config"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let a = checksum(&render("", &[]));
    let b = checksum(&render("", &["config=discovery: {jobs: []}"]));
    assert_ne!(a, b);
    assert_eq!(a, checksum(&render("irsa-values.yaml", &[])));
}

#[test]
fn an_existing_configmap_is_used_as_is() {
    let docs = render("", &["configMapName=my-config"]);
    assert!(find(&docs, "ConfigMap").is_empty());
    let pod = &find(&docs, "Deployment")[0]["spec"]["template"]["spec"];
    assert_eq!(pod["volumes"][0]["configMap"]["name"], "my-config");
}

#[test]
fn notes_tell_how_to_reach_metrics() {
    let chart = chart();
    let out = run_ok(&mut helm(&[
        "install",
        "cw",
        chart.to_str().unwrap(),
        "--namespace",
        "monitoring",
        "--dry-run=client",
    ]));
    let notes = &out[out.find("NOTES:").expect("NOTES printed")..];
    let docs = render("", &[]);
    let svc = find(&docs, "Service")[0];
    let port = svc["spec"]["ports"][0]["port"].as_u64().unwrap();
    assert!(
        notes.contains(&format!(
            "kubectl -n monitoring port-forward svc/{} {port}:{port}",
            svc["metadata"]["name"].as_str().unwrap()
        )),
        "{notes}"
    );
    assert!(notes.contains(&format!("http://127.0.0.1:{port}/metrics")));
}

fn seed(moto: &Moto, extra: &[&str]) -> usize {
    let mut args = vec!["--clusters", "1", "--minutes", "10"];
    args.extend(extra);
    moto.seed(&args)["services"].as_object().unwrap().len()
}

#[test]
fn default_values_run_with_the_sdk_default_chain() {
    let docs = render("", &[]);
    let moto = Moto::start();
    let services = seed(&moto, &[]);
    // No credentials in the chart: what the SDK finds in the pod's environment.
    let exp = run_container(&moto, &docs, &[], &sdk_env());
    assert_eq!(services_exported(&exp), services);
}

#[test]
fn chart_made_credentials_secret_runs() {
    let docs = render("credentials-secret-values.yaml", &[]);
    assert_eq!(find(&docs, "Secret").len(), 1);
    let moto = Moto::start();
    let services = seed(&moto, &[]);
    // Credentials only from the Secret, through secretKeyRef.
    let exp = run_container(&moto, &docs, &[], &[]);
    assert_eq!(services_exported(&exp), services);
    assert!(!exp.metrics().contains("cw-exporter-ci-secret-key-not-real"));
    assert!(!exp.log().contains("cw-exporter-ci-secret-key-not-real"));
}

#[test]
fn existing_key_secret_runs() {
    let docs = render("", &["aws.secret.name=my-keys"]);
    assert!(find(&docs, "Secret").is_empty());
    let moto = Moto::start();
    let services = seed(&moto, &[]);
    let existing = [
        ("my-keys", "access_key", "AKIAEXISTINGSECRET01"),
        ("my-keys", "secret_key", "existing-secret-key"),
    ];
    let exp = run_container(&moto, &docs, &existing, &[]);
    assert_eq!(services_exported(&exp), services);
}

#[test]
fn the_seeds_credentials_file_secret_runs() {
    let docs = render("credentials-file-values.yaml", &[]);
    let moto = Moto::start();
    let services = seed(&moto, &[]);
    let existing = [(
        "yace-fargate-credentials",
        "credentials",
        "[default]\naws_access_key_id = AKIAFROMCREDFILE0001\naws_secret_access_key = from-the-file\n",
    )];
    let exp = run_container(&moto, &docs, &existing, &[]);
    assert_eq!(services_exported(&exp), services);
}

#[test]
fn irsa_values_run_with_web_identity() {
    let docs = render("irsa-values.yaml", &[]);
    let role = irsa_role(&docs);
    let pod = &find(&docs, "Deployment")[0]["spec"]["template"]["spec"];
    assert_eq!(
        pod["serviceAccountName"],
        find(&docs, "ServiceAccount")[0]["metadata"]["name"]
    );
    let moto = Moto::start();
    let services = seed(&moto, &["--role-arn", &role]);
    let exp = run_container(&moto, &docs, &[], &web_identity_env(&role));
    assert_eq!(services_exported(&exp), services);
    let account = role.split(':').nth(4).unwrap();
    assert!(
        named(
            &parse(&exp.metrics()),
            "aws_ecs_containerinsights_running_task_count_average"
        )
        .iter()
        .all(|l| l.label("account_id") == Some(account))
    );
}

#[test]
fn monitoring_values_run_and_their_objects_select_the_pods() {
    let docs = render("monitoring-values.yaml", &[]);
    let dep = find(&docs, "Deployment")[0];
    let pod_labels = &dep["spec"]["template"]["metadata"]["labels"];
    let selects = |sel: &Value| {
        sel.as_object()
            .unwrap()
            .iter()
            .all(|(k, v)| &pod_labels[k] == v)
    };
    let svc = find(&docs, "Service")[0];
    assert!(selects(&svc["spec"]["selector"]));
    let sm = find(&docs, "ServiceMonitor")[0];
    assert!(
        sm["spec"]["selector"]["matchLabels"]
            .as_object()
            .unwrap()
            .iter()
            .all(|(k, v)| &svc["metadata"]["labels"][k] == v),
        "the ServiceMonitor selects the Service"
    );
    assert_eq!(
        sm["spec"]["endpoints"][0]["port"],
        svc["spec"]["ports"][0]["name"]
    );
    assert_eq!(
        sm["spec"]["namespaceSelector"]["matchNames"][0],
        "monitoring"
    );
    assert!(selects(
        &find(&docs, "PodDisruptionBudget")[0]["spec"]["selector"]["matchLabels"]
    ));
    let moto = Moto::start();
    let services = seed(&moto, &[]);
    let exp = run_container(&moto, &docs, &[], &sdk_env());
    assert_eq!(services_exported(&exp), services);
    // The path the ServiceMonitor scrapes.
    let path = sm["spec"]["endpoints"][0]["path"].as_str().unwrap();
    assert_eq!(get(&format!("{}{path}", exp.url)).0, 200);
}

#[test]
fn extra_args_env_and_inline_config_run() {
    let docs = render("extra-args-values.yaml", &[]);
    let c = &find(&docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<&str> = c["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(args.contains(&"--labels-snake-case"), "{args:?}");
    assert!(args.contains(&"--scraping-interval=120"), "{args:?}");
    // A list repeats the flag.
    assert!(
        args.contains(&"--aws.rate-limit=GetMetricData=20")
            && args.contains(&"--aws.rate-limit=ListMetrics=10"),
        "{args:?}"
    );
    let ann = &find(&docs, "Deployment")[0]["spec"]["template"]["metadata"]["annotations"];
    assert!(
        ann.get("prometheus.io/path").is_none(),
        "null drops a default annotation"
    );
    let moto = Moto::start();
    let services = seed(&moto, &[]);
    let exp = run_container(&moto, &docs, &[], &sdk_env());
    assert_eq!(services_exported(&exp), services);
    // --log.format=json took effect: every log line is a JSON object.
    let log = exp.log();
    assert!(!log.trim().is_empty());
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            serde_json::from_str::<Value>(line).is_ok(),
            "not JSON: {line}"
        );
    }
}

#[test]
fn the_readme_release_matches_the_irsa_trust_policy() {
    let chart = chart();
    let docs = docs_of(&run_ok(&mut helm(&[
        "template",
        "cw-exporter",
        chart.to_str().unwrap(),
        "--namespace",
        "cw-exporter",
        "--set",
        "aws.role=arn:aws:iam::111122223333:role/cw-exporter",
    ])));
    let sa = find(&docs, "ServiceAccount")[0];
    let trust: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("deploy/aws/irsa-trust-policy.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["OIDC_PROVIDER:sub"],
        format!(
            "system:serviceaccount:{}:{}",
            sa["metadata"]["namespace"].as_str().unwrap(),
            sa["metadata"]["name"].as_str().unwrap()
        )
        .as_str()
    );
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(readme.contains("helm install cw-exporter deploy/helm/cw-exporter -n cw-exporter"));
}

#[test]
fn firehose_values_expose_the_endpoint_and_it_takes_a_delivery() {
    let docs = render("firehose-values.yaml", &[]);
    let ing = find(&docs, "Ingress");
    assert_eq!(ing.len(), 1);
    let spec = &ing[0]["spec"];
    assert_eq!(spec["tls"][0]["hosts"][0], "firehose.example.com");
    assert_eq!(spec["tls"][0]["secretName"], "firehose-example-com-tls");
    let path = &spec["rules"][0]["http"]["paths"][0];
    assert_eq!(
        path["path"], "/firehose",
        "only the Firehose route is exposed"
    );
    assert_eq!(path["backend"]["service"]["port"]["name"], "firehose");
    let svc = find(&docs, "Service")[0];
    assert!(
        svc["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "firehose")
    );
    // No key in values and no Secret named: the chart refuses to render.
    let chart = chart();
    let out = helm(&[
        "template",
        "cw",
        chart.to_str().unwrap(),
        "--set",
        "firehose.enabled=true",
    ])
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("firehose.accessKeySecret"));

    // The pod as the kubelet runs it: the key from the chart-made Secret, mounted as a file.
    let moto = Moto::unreachable();
    let exp = run_container(&moto, &docs, &[], &[]);
    let url = common::firehose::listening_url(&exp.log());
    let line = common::firehose::json_line(
        "ECS/ContainerInsights",
        "CpuUtilized",
        &[("ClusterName", "prod"), ("ServiceName", "api")],
        1_700_000_040_000,
        (2.0, 1.0, 3.0, 2.0),
    );
    let body = common::firehose::body("helm-1", &[line.into_bytes()]);
    let a = common::firehose::post(&url, Some("wrong"), Some("helm-1"), &body, false);
    assert_eq!(a.status, 401);
    let a = common::firehose::post(
        &url,
        Some("cw-exporter-ci-firehose-key-not-real"),
        Some("helm-1"),
        &body,
        false,
    );
    assert_eq!(a.status, 200, "{a:?}");
    let start = std::time::Instant::now();
    while !exp
        .metrics()
        .contains("aws_ecs_containerinsights_cpu_utilized_average{")
    {
        assert!(start.elapsed().as_secs() < 20, "{}", exp.metrics());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(!exp.log().contains("cw-exporter-ci-firehose-key-not-real"));
}

/// The chart's output for `sets`, or its error if it refuses to render.
fn render_error(sets: &[&str]) -> String {
    let out = template("", sets).output().unwrap();
    assert!(!out.status.success(), "{sets:?} rendered");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn sharding_values_run_as_shards_whose_union_is_the_unsharded_export() {
    let docs = render("sharding-values.yaml", &[]);
    assert!(
        find(&docs, "Deployment").is_empty(),
        "a StatefulSet instead"
    );
    let sts = find(&docs, "StatefulSet")[0];
    assert_eq!(sts["spec"]["replicas"], 3);
    let svc = find(&docs, "Service")[0];
    assert_eq!(svc["spec"]["clusterIP"], "None", "headless");
    assert_eq!(sts["spec"]["serviceName"], svc["metadata"]["name"]);
    let pod_labels = &sts["spec"]["template"]["metadata"]["labels"];
    let selects = |sel: &Value| {
        sel.as_object()
            .unwrap()
            .iter()
            .all(|(k, v)| &pod_labels[k] == v)
    };
    assert!(selects(&svc["spec"]["selector"]));
    assert!(selects(
        &find(&docs, "PodDisruptionBudget")[0]["spec"]["selector"]["matchLabels"]
    ));
    // One ServiceMonitor: it selects the Service, whose endpoints are every shard.
    let sms = find(&docs, "ServiceMonitor");
    assert_eq!(sms.len(), 1);
    assert!(
        sms[0]["spec"]["selector"]["matchLabels"]
            .as_object()
            .unwrap()
            .iter()
            .all(|(k, v)| &svc["metadata"]["labels"][k] == v)
    );
    // A rescheduled shard (new IP) keeps its instance: its pod's name.
    let relabel = &sms[0]["spec"]["endpoints"][0]["relabelings"][0];
    assert_eq!(relabel["sourceLabels"][0], "__meta_kubernetes_pod_name");
    assert_eq!(relabel["targetLabel"], "instance");
    // No pod reads the API server: no RBAC, no token.
    assert!(find(&docs, "Role").is_empty() && find(&docs, "ClusterRole").is_empty());
    assert_eq!(
        sts["spec"]["template"]["spec"]["automountServiceAccountToken"],
        false
    );

    // Each rendered pod, as the kubelet runs it (its name from the downward API), against
    // one estate; together they serve what the unsharded chart's pod serves, each series once.
    let moto = Moto::start();
    moto.seed(&["--clusters", "2", "--minutes", "10"]);
    let whole = run_container(&moto, &render("", &[]), &[], &sdk_env());
    let all = series_set(&whole);
    assert!(all.len() > 30, "{}", all.len());
    let mut union = std::collections::BTreeSet::new();
    for i in 0..3 {
        let exp = run_pod(&moto, &docs, &[], &sdk_env(), i);
        let m = exp.metrics();
        assert!(
            m.contains(&format!("cw_exporter_shard_ordinal {i}\n")),
            "{m}"
        );
        assert!(m.contains("cw_exporter_total_shards 3\n"), "{m}");
        let mine = series_set(&exp);
        assert!(
            !mine.is_empty() && mine.len() < all.len(),
            "shard {i}: {}",
            mine.len()
        );
        for s in mine {
            assert!(union.insert(s.clone()), "twice: {s}");
        }
    }
    assert_eq!(union, all);
}

#[test]
fn sharding_refuses_what_cannot_be_split() {
    let on = "sharding.enabled=true";
    assert!(render_error(&[on, "replicaCount=2"]).contains("sharding.shards, not replicaCount"));
    assert!(
        render_error(&[on, "firehose.enabled=true", "firehose.accessKey=k"])
            .contains("one replica")
    );
    assert!(render_error(&[on, "service.type=LoadBalancer"]).contains("headless"));
    let chart = chart();
    let out = helm(&[
        "lint",
        "--strict",
        chart.to_str().unwrap(),
        "--set",
        "sharding.shards=0",
    ])
    .output()
    .unwrap();
    assert!(!out.status.success(), "no shards passed lint");
}
