//! Rendered Kubernetes manifests in tests: schema validation, and running a Deployment's
//! container as the kubelet would (args, env, mounted ConfigMaps and Secrets) against moto.

use super::*;
use serde_json::Value;

/// The Kubernetes version manifests are validated against (kubernetes-validate's schemas).
pub const K8S_VERSION: &str = "1.32.0";

/// kubectl and helm, fetched by `scripts/test` (`CW_KUBE_TOOLS`, or `.tools/`).
pub fn tool(name: &str) -> PathBuf {
    let t = std::env::var_os("CW_KUBE_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".tools"))
        .join(name)
        .join(name);
    assert!(
        t.exists(),
        "{name} is missing at {}: run scripts/test (it fetches it)",
        t.display()
    );
    t
}

pub fn docs_of(text: &str) -> Vec<Value> {
    let docs: Vec<Value> = serde_saphyr::from_str_multiple(text).unwrap();
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

fn temp_file(name: &str, ext: &str, text: &str) -> PathBuf {
    let f = std::env::temp_dir().join(format!("cw-{name}-{}.{ext}", free_port()));
    std::fs::write(&f, text).unwrap();
    f
}

/// Built-in kinds against the Kubernetes schemas (`--strict`: unknown fields fail), and the
/// Prometheus Operator's kinds against the CRD schemas kept in `tests/crd-schemas/`.
pub fn validate(name: &str, docs: &[Value]) {
    let (crds, builtin): (Vec<&Value>, Vec<&Value>) = docs
        .iter()
        .partition(|d| d["apiVersion"] == "monitoring.coreos.com/v1");
    let yaml: String = builtin
        .iter()
        .map(|d| format!("---\n{}\n", serde_json::to_string(d).unwrap()))
        .collect();
    let f = temp_file(name, "yaml", &yaml);
    run_ok(Command::new(venv().join("bin/kubernetes-validate")).args([
        "--strict",
        "--quiet",
        "-k",
        K8S_VERSION,
        f.to_str().unwrap(),
    ]));
    let _ = std::fs::remove_file(f);
    for d in crds {
        let kind = d["kind"].as_str().unwrap().to_lowercase();
        let schema = repo().join(format!("tests/crd-schemas/{kind}.json"));
        assert!(schema.exists(), "no CRD schema for {kind}");
        let f = temp_file(name, "json", &serde_json::to_string(d).unwrap());
        run_ok(Command::new(venv().join("bin/check-jsonschema")).args([
            "--schemafile",
            schema.to_str().unwrap(),
            f.to_str().unwrap(),
        ]));
        let _ = std::fs::remove_file(f);
    }
}

pub fn find<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

fn object<'a>(docs: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    find(docs, kind)
        .into_iter()
        .find(|o| o["metadata"]["name"] == name)
}

/// A key of a rendered ConfigMap or Secret, decoded.
fn data(obj: &Value, key: &str) -> Vec<u8> {
    let v = obj["data"][key]
        .as_str()
        .unwrap_or_else(|| panic!("no key {key} in {}", obj["metadata"]["name"]));
    if obj["kind"] == "Secret" {
        use base64::Engine;
        // kubectl folds long base64 over lines.
        let b64: String = v.split_whitespace().collect();
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    } else {
        v.as_bytes().to_vec()
    }
}

/// What the cluster holds that the manifests do not create: Secrets made beforehand by the
/// user, as (name, key, content).
pub type Existing<'a> = &'a [(&'a str, &'a str, &'a str)];

/// Runs the Deployment's container as the kubelet would: its args and env (secretKeyRef and
/// the pod's name resolved), its volumes as files (ConfigMap and Secret keys), plus what the
/// test needs (moto's endpoint, a free port). Waits until its readiness probe passes.
pub fn run_container(
    moto: &Moto,
    docs: &[Value],
    existing: Existing,
    extra_env: &[(&str, String)],
) -> Exporter {
    run_pod(moto, docs, existing, extra_env, 0)
}

/// Runs one pod of the rendered workload as [`run_container`] does: the Deployment's pod, or
/// the StatefulSet's pod `<name>-<ordinal>`.
pub fn run_pod(
    moto: &Moto,
    docs: &[Value],
    existing: Existing,
    extra_env: &[(&str, String)],
    ordinal: usize,
) -> Exporter {
    let (workload, pod_name) = match find(docs, "Deployment").first() {
        Some(d) => (
            *d,
            format!(
                "{}-5d8f7c9b4-x2x7q",
                d["metadata"]["name"].as_str().unwrap()
            ),
        ),
        None => {
            let s = find(docs, "StatefulSet")[0];
            let name = s["metadata"]["name"].as_str().unwrap();
            (s, format!("{name}-{ordinal}"))
        }
    };
    let pod = &workload["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let root = std::env::temp_dir().join(format!("cw-pod-{}", free_port()));
    let lookup = |kind: &str, name: &str, key: &str| -> Vec<u8> {
        if let Some(o) = object(docs, kind, name) {
            return data(o, key);
        }
        existing
            .iter()
            .find(|(n, k, _)| *n == name && *k == key)
            .unwrap_or_else(|| panic!("{kind} {name} (key {key}) is neither rendered nor given"))
            .2
            .as_bytes()
            .to_vec()
    };
    let keys = |kind: &str, name: &str| -> Vec<String> {
        match object(docs, kind, name) {
            Some(o) => o["data"].as_object().unwrap().keys().cloned().collect(),
            None => existing
                .iter()
                .filter(|(n, _, _)| *n == name)
                .map(|(_, k, _)| k.to_string())
                .collect(),
        }
    };
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
        let ks = keys(kind, name);
        assert!(
            !ks.is_empty(),
            "{kind} {name} is neither rendered nor given"
        );
        for k in ks {
            std::fs::write(dir.join(&k), lookup(kind, name, &k)).unwrap();
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
            let a = fix(a.as_str().unwrap());
            if a.starts_with("--listen-address=") {
                format!("--listen-address=127.0.0.1:{port}")
            } else if a.starts_with("--firehose.listen-address=") {
                // A port of its own on loopback; the log's "Firehose endpoint listening" line
                // names it.
                format!("--firehose.listen-address=127.0.0.1:{}", free_port())
            } else {
                a
            }
        })
        .collect();
    let log = log_path(port);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cw-exporter"));
    cmd.args(&args)
        .env_clear()
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", &root)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    for e in c["env"].as_array().map(|a| a.as_slice()).unwrap_or(&[]) {
        let name = e["name"].as_str().unwrap();
        let value = if let Some(v) = e["value"].as_str() {
            fix(v)
        } else if let Some(path) = e["valueFrom"]["fieldRef"]["fieldPath"].as_str() {
            // The downward API: only the pod's name is modelled.
            assert_eq!(path, "metadata.name", "env {name}");
            pod_name.clone()
        } else {
            let r = &e["valueFrom"]["secretKeyRef"];
            assert!(
                r.is_object(),
                "env {name}: only value, secretKeyRef and the pod's name are modelled"
            );
            String::from_utf8(lookup(
                "Secret",
                r["name"].as_str().unwrap(),
                r["key"].as_str().unwrap(),
            ))
            .unwrap()
        };
        cmd.env(name, value);
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
    let start = Instant::now();
    while get(&format!("{}{ready}", exp.url)).0 != 200 {
        assert!(start.elapsed().as_secs() < 60, "never ready: {}", exp.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(get(&format!("{}{live}", exp.url)).0, 200);
    exp
}

/// What EKS's pod identity webhook injects for an IRSA-annotated ServiceAccount.
pub fn web_identity_env(role: &str) -> Vec<(&'static str, String)> {
    let token = std::env::temp_dir().join(format!("cw-token-{}", free_port()));
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y3ctZXhwb3J0ZXI6Y3ctZXhwb3J0ZXIifQ.c2ln").unwrap();
    vec![
        ("AWS_ROLE_ARN", role.to_string()),
        (
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            token.to_str().unwrap().to_string(),
        ),
        ("AWS_REGION", "us-east-1".to_string()),
    ]
}

/// Every config in a ConfigMap passes `cw-exporter verify-config` (strict: unknown keys fail).
pub fn verify_configmaps(docs: &[Value]) {
    for cm in find(docs, "ConfigMap") {
        for (k, _) in cm["data"].as_object().unwrap() {
            let f = temp_file("cm", "yml", std::str::from_utf8(&data(cm, k)).unwrap());
            exporter_ok(
                "verify-config",
                Command::new(env!("CARGO_BIN_EXE_cw-exporter"))
                    .args(["verify-config", &format!("--config.file={}", f.display())]),
            );
            let _ = std::fs::remove_file(f);
        }
    }
}

/// What every shipped Deployment must be: the seed's config byte for byte, the Prometheus
/// annotations, a hardened pod and container, the seed's memory limit.
pub fn check_seed_deployment(docs: &[Value]) {
    let cm = find(docs, "ConfigMap")[0];
    assert_eq!(
        cm["data"]["config.yml"].as_str().unwrap(),
        std::fs::read_to_string(repo().join("examples/seed-config.yml")).unwrap(),
        "the seed's config, byte for byte"
    );
    let tpl = &find(docs, "Deployment")[0]["spec"]["template"];
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
}

/// The IRSA role ARN on the manifests' one ServiceAccount (there must be no Secret).
pub fn irsa_role(docs: &[Value]) -> String {
    assert!(find(docs, "Secret").is_empty(), "IRSA needs no Secret");
    find(docs, "ServiceAccount")[0]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        .as_str()
        .expect("eks.amazonaws.com/role-arn on the ServiceAccount")
        .to_string()
}

/// Credentials as the SDK's default chain would find them in a pod's environment.
pub fn sdk_env() -> [(&'static str, String); 2] {
    [
        ("AWS_ACCESS_KEY_ID", "AKIACWCANARY7Q2X9ZLM".to_string()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "cwCanarySecret/9f8e7d6c5b4a3f2e1d0c".to_string(),
        ),
    ]
}

pub fn services_exported(exp: &Exporter) -> usize {
    named(
        &parse(&exp.metrics()),
        "aws_ecs_containerinsights_running_task_count_average",
    )
    .len()
}
