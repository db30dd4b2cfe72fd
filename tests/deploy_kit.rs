//! The Kubernetes manifests, rendered with kustomize, validated against the Kubernetes schemas,
//! and their exact container args, env, config and credentials run against moto.

mod common;
use common::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

const K8S_VERSION: &str = "1.32.0";

fn tools() -> PathBuf {
    let t = std::env::var_os("CW_KUBE_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".tools"));
    assert!(
        t.join("kubectl/kubectl").exists(),
        "kubectl is missing at {}: run scripts/test (it fetches it)",
        t.display()
    );
    t
}

fn render(overlay: &str) -> (String, Vec<Value>) {
    let out = Command::new(tools().join("kubectl/kubectl"))
        .args([
            "kustomize",
            repo()
                .join("deploy/kubernetes/overlays")
                .join(overlay)
                .to_str()
                .unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let docs: Vec<Value> = serde_saphyr::from_str_multiple(&text).unwrap();
    (text, docs)
}

fn validate(name: &str, text: &str) {
    let f = std::env::temp_dir().join(format!("cw-{name}-{}.yaml", free_port()));
    std::fs::write(&f, text).unwrap();
    let out = Command::new(venv().join("bin/kubernetes-validate"))
        .args([
            "--strict",
            "--quiet",
            "-k",
            K8S_VERSION,
            f.to_str().unwrap(),
        ])
        .output()
        .expect("kubernetes-validate (scripts/test installs it)");
    assert!(
        out.status.success(),
        "{name}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(f);
}

fn find<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

/// Runs the Deployment's container as the kubelet would: its args and env, its volumes as files
/// (ConfigMap and Secret keys), plus what the test needs (moto's endpoint, a free port).
fn run_container(moto: &Moto, docs: &[Value], extra_env: &[(&str, String)]) -> Exporter {
    let dep = find(docs, "Deployment")[0];
    let pod = &dep["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let root = std::env::temp_dir().join(format!("cw-pod-{}", free_port()));
    let mut rewrite: Vec<(String, String)> = Vec::new();
    for m in c["volumeMounts"].as_array().unwrap() {
        let vol = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == m["name"])
            .unwrap();
        let dir = root.join(m["name"].as_str().unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        let (kind, name) = if vol["configMap"].is_object() {
            ("ConfigMap", vol["configMap"]["name"].as_str().unwrap())
        } else {
            ("Secret", vol["secret"]["secretName"].as_str().unwrap())
        };
        let obj = find(docs, kind)
            .into_iter()
            .find(|o| o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} is not in the manifests"));
        for (k, v) in obj["data"].as_object().unwrap() {
            let bytes = if kind == "Secret" {
                use base64::Engine;
                // kubectl folds long base64 over lines.
                let b64: String = v.as_str().unwrap().split_whitespace().collect();
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap()
            } else {
                v.as_str().unwrap().as_bytes().to_vec()
            };
            std::fs::write(dir.join(k), bytes).unwrap();
        }
        rewrite.push((
            m["mountPath"].as_str().unwrap().to_string(),
            dir.to_str().unwrap().to_string(),
        ));
    }
    let fix = |s: &str| {
        rewrite.iter().fold(s.to_string(), |acc, (from, to)| {
            acc.replace(from.as_str(), to)
        })
    };
    let port = free_port();
    let args: Vec<String> = c["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            fix(a.as_str().unwrap()).replace(
                "--listen-address=:5000",
                &format!("--listen-address=127.0.0.1:{port}"),
            )
        })
        .collect();
    let log = std::env::temp_dir().join(format!("cw-exporter-{port}.log"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cw-exporter"));
    cmd.args(&args)
        .env_clear()
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", &root)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    for e in c["env"].as_array().map(|a| a.as_slice()).unwrap_or(&[]) {
        cmd.env(
            e["name"].as_str().unwrap(),
            fix(e["value"].as_str().unwrap()),
        );
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let exp = Exporter {
        url: format!("http://127.0.0.1:{port}"),
        proc: Proc(cmd.spawn().unwrap()),
        log,
    };
    // The probes, on the container's port as the kubelet calls them.
    let ready = c["readinessProbe"]["httpGet"]["path"].as_str().unwrap();
    let live = c["livenessProbe"]["httpGet"]["path"].as_str().unwrap();
    let start = std::time::Instant::now();
    while get(&format!("{}{ready}", exp.url)).0 != 200 {
        assert!(start.elapsed().as_secs() < 60, "never ready: {}", exp.log());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(get(&format!("{}{live}", exp.url)).0, 200);
    exp
}

fn check_base(docs: &[Value]) {
    // The seed's config, byte for byte.
    let cm = find(docs, "ConfigMap")[0];
    assert_eq!(
        cm["data"]["config.yml"].as_str().unwrap(),
        std::fs::read_to_string(repo().join("examples/seed-config.yml")).unwrap()
    );
    let dep = find(docs, "Deployment")[0];
    let tpl = &dep["spec"]["template"];
    let ann = &tpl["metadata"]["annotations"];
    assert_eq!(ann["prometheus.io/scrape"], "true");
    assert_eq!(ann["prometheus.io/port"], "5000");
    assert_eq!(ann["prometheus.io/path"], "/metrics");
    let pod = &tpl["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let c = &pod["containers"][0];
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
    assert_eq!(c["securityContext"]["capabilities"]["drop"][0], "ALL");
    assert_eq!(c["resources"]["limits"]["memory"], "128Mi");
    assert_eq!(find(docs, "Namespace").len(), 1);
    assert_eq!(find(docs, "ServiceAccount").len(), 1);
    assert_eq!(find(docs, "Service")[0]["spec"]["ports"][0]["port"], 5000);
}

fn services_exported(exp: &Exporter) -> usize {
    named(
        &parse(&exp.metrics()),
        "aws_ecs_containerinsights_running_task_count_average",
    )
    .len()
}

#[test]
fn the_credentials_file_overlay_runs_as_rendered() {
    let (text, docs) = render("credentials-file");
    validate("credentials-file", &text);
    check_base(&docs);
    let moto = Moto::start();
    let expected = moto.seed(&["--clusters", "1", "--minutes", "10"]);
    // No AWS_* credentials in the environment: they can only come from the mounted Secret.
    let exp = run_container(&moto, &docs, &[]);
    assert_eq!(
        services_exported(&exp),
        expected["services"].as_object().unwrap().len()
    );
}

#[test]
fn the_irsa_overlay_runs_with_web_identity() {
    let (text, docs) = render("irsa");
    validate("irsa", &text);
    check_base(&docs);
    assert!(find(&docs, "Secret").is_empty(), "IRSA needs no Secret");
    let sa = find(&docs, "ServiceAccount")[0];
    let role = sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        .as_str()
        .unwrap()
        .to_string();
    let moto = Moto::start();
    // What EKS's pod identity webhook injects for that annotation.
    let token = std::env::temp_dir().join(format!("cw-token-{}", free_port()));
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y3ctZXhwb3J0ZXI6Y3ctZXhwb3J0ZXIifQ.c2ln").unwrap();
    let account = role.split(':').nth(4).unwrap().to_string();
    let expected = moto.seed(&["--clusters", "1", "--minutes", "10", "--role-arn", &role]);
    assert_eq!(expected["account"], account.as_str());
    let exp = run_container(
        &moto,
        &docs,
        &[
            ("AWS_ROLE_ARN", role.clone()),
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                token.to_str().unwrap().to_string(),
            ),
            ("AWS_REGION", "us-east-1".to_string()),
        ],
    );
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
        ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"]
    );
    assert_eq!(
        actions(&read("iam-policy-with-tags.json")),
        [
            "cloudwatch:GetMetricData",
            "cloudwatch:ListMetrics",
            "tag:GetResources"
        ]
    );
    // Every SDK operation the code calls is one of these (GetCallerIdentity needs no permission;
    // AssumeRole is granted on the caller's side for roleArn jobs).
    let src = std::fs::read_to_string(repo().join("src/aws/mod.rs")).unwrap();
    for (call, action) in [
        (".list_metrics()", "cloudwatch:ListMetrics"),
        (".get_metric_data()", "cloudwatch:GetMetricData"),
        (".get_resources()", "tag:GetResources"),
    ] {
        assert!(src.contains(call), "{call}");
        assert!(actions(&read("iam-policy-with-tags.json")).contains(&action.to_string()));
    }
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
