//! `--web.config.file`: TLS (rustls) and bcrypt basic auth, checked with the real `curl`, a real
//! Prometheus scrape and `promtool check web-config`; re-read on change; bad files refused with
//! their position; no credential material in the log.

use crate::common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// bcrypt (cost 10) of PASSWORD, made with the `bcrypt` crate; NEW_* likewise (cost 4).
const PASSWORD: &str = "canary-basic-auth-pass-7f3a";
const HASH: &str = "$2b$10$TuwFpAKdAbUS1nN1pVmzgOae/HMYORaAZ/IgjUJCtSkwgCWJs.p7C";
const NEW_PASSWORD: &str = "test";
const NEW_HASH: &str = "$2b$04$5UxBk7CKdsUUCv4ZBsMwluTNuSOV3ZH8sbeZYj96cfs2YmquDtziW";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, in a fresh directory.
fn pki() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cw-pki-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut a = vec!["req", "-x509", "-days", "2", "-subj", "/CN=cw-test-ca"];
    a.extend(ec);
    a.extend(["-keyout", "ca.key", "-out", "ca.crt"]);
    openssl(&dir, &a);
    for who in ["server", "client"] {
        let key = format!("{who}.key");
        let csr = format!("{who}.csr");
        let crt = format!("{who}.crt");
        let ext = format!("{who}.ext");
        let subj = format!("/CN=cw-test-{who}");
        let mut a = vec!["req", "-new", "-subj", &subj];
        a.extend(ec);
        a.extend(["-keyout", &key, "-out", &csr]);
        openssl(&dir, &a);
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-days",
                "2",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-extfile",
                &ext,
                "-out",
                &crt,
            ],
        );
    }
    dir
}

struct Curl {
    code: u16,
    ok: bool,
    body: String,
}

fn curl(url: &str, args: &[&str]) -> Curl {
    let out = Command::new("curl")
        .args(["-s", "-S", "--max-time", "10", "-w", "\n%{http_code}"])
        .args(args)
        .arg(url)
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    record(&format!("curl {url}"), &text);
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    Curl {
        code: code.trim().parse().unwrap_or(0),
        ok: out.status.success(),
        body: body.to_string(),
    }
}

/// Starts the exporter with a web config; waits until /-/ready answers over TLS.
fn start(moto: &Moto, web: &Path, ca: &Path) -> (Exporter, u16) {
    let port = free_port();
    let mut cmd = cw_exporter(moto);
    cmd.args([
        "--config.file=examples/seed-config.yml",
        &format!("--web.config.file={}", web.display()),
        "--log.level=debug",
    ]);
    let e = spawn_exporter(cmd, "https", port);
    let start = Instant::now();
    while curl(
        &format!("{}/-/ready", e.url),
        &["--cacert", ca.to_str().unwrap()],
    )
    .code
        != 200
    {
        assert!(start.elapsed() < Duration::from_secs(60), "{}", e.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    (e, port)
}

fn write_web(path: &Path, pki: &Path, extra_tls: &str, users: &str) {
    std::fs::write(
        path,
        format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: {}\n{extra_tls}basic_auth_users:\n{users}http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n",
            pki.join("server.key").display()
        ),
    )
    .unwrap();
}

#[test]
fn tls_and_basic_auth_with_curl_prometheus_and_a_change_of_users() {
    let pki = pki();
    let ca = pki.join("ca.crt");
    let web = pki.join("web.yml");
    write_web(&web, &pki, "", &format!("  prometheus: {HASH}\n"));
    // The format is Prometheus's own: its checker accepts the file.
    let out = Command::new(promtool())
        .args(["check", "web-config", web.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let moto = Moto::start();
    let expected = moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let services = expected["services"].as_object().unwrap().len();
    let (exp, port) = start(&moto, &web, &ca);
    let metrics = format!("{}/metrics", exp.url);
    let cacert = ["--cacert", ca.to_str().unwrap()];
    let user = format!("prometheus:{PASSWORD}");

    let good = curl(&metrics, &[&cacert[..], &["-u", &user]].concat());
    assert_eq!(good.code, 200);
    assert_eq!(
        named(
            &parse(&good.body),
            "aws_ecs_containerinsights_running_task_count_average"
        )
        .len(),
        services
    );
    let headers = Command::new("curl")
        .args([
            "-s",
            "-D",
            "-",
            "-o",
            "/dev/null",
            "--cacert",
            ca.to_str().unwrap(),
            "-u",
            &user,
            &metrics,
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&headers.stdout)
            .to_lowercase()
            .contains("x-content-type-options: nosniff")
    );
    for bad in [
        vec!["-u", "prometheus:wrong"],
        vec!["-u", "nobody:canary-basic-auth-pass-7f3a"],
        vec![],
    ] {
        let r = curl(&metrics, &[&cacert[..], &bad[..]].concat());
        assert_eq!(r.code, 401, "{bad:?}");
    }
    assert_eq!(curl(&format!("{}/", exp.url), &cacert).code, 401);
    // Health routes stay open (the kubelet's probes), over TLS all the same.
    for p in ["/-/healthy", "/-/ready", "/healthz"] {
        assert_eq!(curl(&format!("{}{p}", exp.url), &cacert).code, 200, "{p}");
    }
    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = curl(&format!("http://127.0.0.1:{port}/metrics"), &["-u", &user]);
    assert!(
        !plain.ok && plain.code != 200,
        "plain HTTP answered {}",
        plain.code
    );
    // An untrusted server certificate is refused by the client.
    assert!(!curl(&metrics, &["-u", &user]).ok);

    // A real Prometheus scrape over TLS with basic auth.
    let prom = Prometheus::start_job(
        &format!(
            "scheme: https\ntls_config: {{ca_file: '{}'}}\nbasic_auth: {{username: prometheus, password: '{PASSWORD}'}}\nstatic_configs: [{{targets: ['127.0.0.1:{port}']}}]",
            ca.display()
        ),
        &[],
    );
    prom.wait_until("an authenticated TLS scrape", 60, |p| {
        p.query("up{job=\"cw-exporter\"} == 1")
            .is_some_and(|r| r.len() == 1)
            && p.query("aws_ecs_containerinsights_running_task_count_average")
                .is_some_and(|r| r.len() == services)
    });
    let wrong = Prometheus::start_job(
        &format!(
            "scheme: https\ntls_config: {{ca_file: '{}'}}\nbasic_auth: {{username: prometheus, password: wrong}}\nstatic_configs: [{{targets: ['127.0.0.1:{port}']}}]",
            ca.display()
        ),
        &[],
    );
    wrong.wait_until("a refused scrape", 60, |p| {
        p.query("up{job=\"cw-exporter\"} == 0")
            .is_some_and(|r| r.len() == 1)
    });

    // Change the users: re-read without a restart.
    std::thread::sleep(Duration::from_millis(1100));
    write_web(&web, &pki, "", &format!("  ops: {NEW_HASH}\n"));
    let new_user = format!("ops:{NEW_PASSWORD}");
    let start = Instant::now();
    while curl(&metrics, &[&cacert[..], &["-u", &new_user]].concat()).code != 200 {
        assert!(start.elapsed() < Duration::from_secs(10), "{}", exp.log());
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(
        curl(&metrics, &[&cacert[..], &["-u", &user]].concat()).code,
        401
    );

    // A broken change is refused with its position; the last good config keeps serving.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(
        &web,
        "tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  ops: not-a-hash
",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        curl(&metrics, &[&cacert[..], &["-u", &new_user]].concat()).code,
        200
    );
    let start = Instant::now();
    while !exp.log().contains("web config change rejected") {
        assert!(start.elapsed() < Duration::from_secs(10), "{}", exp.log());
        curl(&metrics, &cacert);
        std::thread::sleep(Duration::from_millis(200));
    }
    let log = exp.log();
    assert!(
        log.contains(&format!(
            "{}:5:8: error: basic_auth_users.ops: not a bcrypt hash",
            web.display()
        )),
        "{log}"
    );
    // Nothing of the credentials in the log, at debug level.
    for secret in [PASSWORD, HASH, NEW_HASH, "not-a-hash"] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
    let key = std::fs::read_to_string(pki.join("server.key")).unwrap();
    let key_line = key.lines().nth(1).unwrap();
    assert!(!log.contains(key_line), "the private key in the log");
}

#[test]
fn client_certificates_are_required_when_configured() {
    let pki = pki();
    let ca = pki.join("ca.crt");
    let web = pki.join("web.yml");
    write_web(
        &web,
        &pki,
        "  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n",
        "",
    );
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let mut cmd = cw_exporter(&moto);
    cmd.args([
        "--config.file=examples/seed-config.yml",
        &format!("--web.config.file={}", web.display()),
    ]);
    let exp = spawn_exporter(cmd, "https", free_port());
    let url = format!("{}/-/healthy", exp.url);
    let cert = [
        "--cacert",
        ca.to_str().unwrap(),
        "--cert",
        pki.join("client.crt").to_str().unwrap().to_string().leak(),
        "--key",
        pki.join("client.key").to_str().unwrap().to_string().leak(),
    ];
    let start = Instant::now();
    while curl(&url, &cert).code != 200 {
        assert!(start.elapsed() < Duration::from_secs(30), "{}", exp.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    let without = curl(&url, &["--cacert", ca.to_str().unwrap()]);
    assert!(
        !without.ok && without.code != 200,
        "answered without a client certificate"
    );
}

#[test]
fn a_bad_web_config_stops_the_start_with_its_position() {
    let pki = pki();
    let moto = Moto::unreachable();
    for (text, want) in [
        (
            "basic_auth_users:\n  a: [\n",
            ":2:6: error: YAML syntax: unclosed bracket",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAnyClientCert\n",
            ":4:21: error: tls_server_config.client_auth_type",
        ),
        (
            "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n",
            "cert_file",
        ),
        (
            "basic_auth_user:\n  a: b\n",
            ":1:1: error: basic_auth_user: unknown key",
        ),
    ] {
        let web = pki.join("bad.yml");
        std::fs::write(&web, text).unwrap();
        let out = cw_exporter(&moto)
            .args([
                "--config.file=examples/seed-config.yml",
                &format!("--web.config.file={}", web.display()),
                &format!("--listen-address=127.0.0.1:{}", free_port()),
            ])
            .output()
            .map(|o| recorded("bad web config", o))
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text}");
        assert!(err.contains(want), "{text}: {err}");
        if want == "cert_file" {
            assert!(err.contains("missing.crt"), "{err}");
        }
        // verify-config checks the web config too.
        let v = cw_exporter(&moto)
            .args([
                "verify-config",
                "--config.file=examples/seed-config.yml",
                &format!("--web.config.file={}", web.display()),
            ])
            .output()
            .map(|o| recorded("verify-config web", o))
            .unwrap();
        assert_eq!(v.status.code(), Some(1), "{text}");
        assert!(String::from_utf8_lossy(&v.stdout).contains(want), "{text}");
    }
}

#[test]
fn the_firehose_listener_has_its_own_tls_and_refuses_basic_auth() {
    let pki = pki();
    let ca = pki.join("ca.crt");
    let web = pki.join("firehose-web.yml");
    std::fs::write(
        &web,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n",
    )
    .unwrap();
    let cfg = write_config("apiVersion: v1alpha1\nstreams: {}\n");
    let moto = Moto::unreachable();
    let fport = free_port();
    let mut cmd = cw_exporter(&moto);
    cmd.args([
        &format!("--config.file={}", cfg.display()),
        &format!("--firehose.listen-address=127.0.0.1:{fport}"),
        &format!("--firehose.web-config.file={}", web.display()),
        "--firehose.no-access-key",
    ]);
    let e = spawn_exporter(cmd, "http", free_port());
    let url = format!("https://127.0.0.1:{fport}/firehose");
    let line = r#"{"account_id":"123456789012","region":"us-east-1","namespace":"AWS/SQS","metric_name":"NumberOfMessagesSent","dimensions":{"QueueName":"tls"},"timestamp":1700000040000,"value":{"max":1,"min":1,"sum":2,"count":2}}"#;
    let body = common::firehose::body("tls-1", &[line.as_bytes().to_vec()]);
    let body_file = pki.join("body.json");
    std::fs::write(&body_file, &body).unwrap();
    let post = |extra: &[&str], url: &str| {
        let data = format!("@{}", body_file.display());
        let mut args = vec![
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-H",
            "X-Amz-Firehose-Request-Id: tls-1",
            "--data-binary",
            &data,
        ];
        args.extend(extra);
        curl(url, &args)
    };
    let start = Instant::now();
    let answer = loop {
        let c = post(&["--cacert", ca.to_str().unwrap()], &url);
        if c.code != 0 {
            break c;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{}", e.log());
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(answer.code, 200, "{}", answer.body);
    assert!(
        answer.body.contains("\"requestId\":\"tls-1\""),
        "{}",
        answer.body
    );
    // Plain HTTP on the TLS port is no delivery.
    let plain = post(&[], &format!("http://127.0.0.1:{fport}/firehose"));
    assert_ne!(plain.code, 200);
    drop(e);

    // Basic auth cannot be used there: Firehose sends no Authorization header.
    std::fs::write(
        &web,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: $2y$10$2b2cU8CPhOTaGrs1HRQuAueS7JTT5ZHsHSzYiFPm1leZck7Mc8T4W\n",
    )
    .unwrap();
    let out = cw_exporter(&moto)
        .args([
            &format!("--config.file={}", cfg.display()),
            &format!("--listen-address=127.0.0.1:{}", free_port()),
            &format!("--firehose.listen-address=127.0.0.1:{}", free_port()),
            &format!("--firehose.web-config.file={}", web.display()),
            "--firehose.no-access-key",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("basic_auth_users cannot be used here"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
