//! Real components for integration tests: a moto server on loopback, the seeder (real AWS
//! APIs through boto3), the exporter binary, Debian's prometheus/promtool.
//!
//! `scripts/test` installs moto in a venv and exports `CW_TEST_VENV`; without it the tests look
//! for `.venv/` in the repository and fail with a message saying to run `scripts/test`.
#![allow(dead_code)]

pub mod fault_proxy;
pub mod firehose;
pub mod kube;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn venv() -> PathBuf {
    let v = std::env::var_os("CW_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv"));
    assert!(
        v.join("bin/moto_server").exists(),
        "moto is not installed at {}: run scripts/test (it sets up the venv)",
        v.display()
    );
    v
}

/// Where this test run keeps what the exporter said: its logs and every response the tests
/// read. `scripts/test` points it at a fresh directory and greps it for the fake credentials
/// in `tests/canaries.txt` after the run.
pub fn artifacts() -> PathBuf {
    let d = std::env::var_os("CW_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("cw-test-artifacts"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The log file of an exporter listening on `port`, among the run's artifacts.
pub fn log_path(port: u16) -> PathBuf {
    artifacts().join(format!("cw-exporter-{port}.log"))
}

/// Keeps a response (or any output of the exporter) for the run's secrets grep.
pub fn record(what: &str, text: &str) {
    let entry = format!("=== {what}\n{text}\n");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(artifacts().join("responses.log"))
    {
        // One write per entry: O_APPEND keeps concurrent tests' entries whole.
        let _ = f.write_all(entry.as_bytes());
    }
}

/// The output of a finished exporter command, recorded.
pub fn recorded(what: &str, out: std::process::Output) -> std::process::Output {
    record(
        what,
        &format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    );
    out
}

/// Runs a command to completion, asserting success; its stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    stdout_of_success(cmd, out)
}

/// [`run_ok`] for the exporter binary: its output is recorded for the run's secrets grep.
pub fn exporter_ok(what: &str, cmd: &mut Command) -> String {
    let out = recorded(what, cmd.output().unwrap());
    stdout_of_success(cmd, out)
}

fn stdout_of_success(cmd: &Command, out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.0 client: status and body (status 0: could not connect). HTTP/1.0 keeps
/// every server off chunked bodies.
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut s = match TcpStream::connect(host) {
        Ok(s) => s,
        Err(e) => return (0, format!("connect {host}: {e}")),
    };
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    // A connection the server dropped is status 0 too: polling loops try again, and every other
    // caller asserts a status.
    if let Err(e) = s.write_all(req.as_bytes()) {
        return (0, format!("write to {host}: {e}"));
    }
    let mut raw = Vec::new();
    if let Err(e) = s.read_to_end(&mut raw) {
        return (0, format!("read from {host}: {e}"));
    }
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // moto's own API (its call recorder holds the signed requests) is not the exporter's output.
    if !path.starts_with("/moto-api") {
        record(&format!("{method} {url} -> {status}"), &text);
    }
    (status, body.to_string())
}

pub fn get(url: &str) -> (u16, String) {
    http("GET", url, &[], "")
}

fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn up(url: &str) -> bool {
    let rest = url.strip_prefix("http://").unwrap();
    let host = rest.split('/').next().unwrap();
    TcpStream::connect(host).is_ok() && get(url).0 == 200
}

/// A process killed when dropped.
pub struct Proc(pub Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Moto {
    pub url: String,
    _p: Proc,
}

impl Moto {
    pub fn start() -> Moto {
        let port = free_port();
        // moto_server with its recorder serialised (see the script).
        let mut cmd = Command::new(venv().join("bin/python"));
        cmd.arg(repo().join("scripts/moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // The recorder writes to a file; one per server, or parallel tests share it.
            .env(
                "MOTO_RECORDER_FILEPATH",
                std::env::temp_dir().join(format!("moto-recording-{port}")),
            );
        Moto::serve("moto", cmd, port, "/moto-api/")
    }

    /// bench/fixture.py in moto's place: a loopback FIXTURE speaking the awsQuery wire
    /// format, for what moto does not implement (OAM's linked accounts). `args` are its own
    /// (`--clusters`, `--services`, `--linked-accounts`).
    pub fn fixture(args: &[&str]) -> Moto {
        let port = free_port();
        let mut cmd = Command::new(venv().join("bin/python"));
        cmd.arg(repo().join("bench/fixture.py"))
            .args(["--port", &port.to_string()])
            .args(args);
        Moto::serve("the fixture", cmd, port, "/_calls")
    }

    /// Starts `cmd`, an endpoint on loopback `port`, and waits until `probe` answers 200.
    fn serve(what: &str, mut cmd: Command, port: u16, probe: &str) -> Moto {
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"));
        let url = format!("http://127.0.0.1:{port}");
        let m = Moto {
            url: url.clone(),
            _p: Proc(child),
        };
        wait_for(what, Duration::from_secs(30), || {
            up(&format!("{url}{probe}"))
        });
        m
    }

    /// An endpoint where nothing listens: every AWS call fails to connect.
    pub fn unreachable() -> Moto {
        Moto::at(&format!("http://127.0.0.1:{}", free_port()))
    }

    /// Some other endpoint the test runs itself, in moto's place.
    pub fn at(url: &str) -> Moto {
        Moto {
            url: url.to_string(),
            _p: Proc(Command::new("true").spawn().unwrap()),
        }
    }

    /// One cluster's services with ten minutes of RunningTaskCount only (plus `extra` seed
    /// args, e.g. `--role-arn`, `--region`): the expected values and the number of services.
    pub fn seed_running_tasks(&self, extra: &[&str]) -> (serde_json::Value, usize) {
        let mut args = vec![
            "--clusters",
            "1",
            "--minutes",
            "10",
            "--no-extras",
            "--metrics",
            "RunningTaskCount",
        ];
        args.extend(extra);
        let e = self.seed(&args);
        let services = e["services"].as_object().unwrap().len();
        (e, services)
    }

    /// Runs scripts/seed_estate.py against this server; returns the expected values (test mode).
    pub fn seed(&self, args: &[&str]) -> serde_json::Value {
        let out = std::env::temp_dir().join(format!("cw-expected-{}.json", free_port()));
        let status = Command::new(venv().join("bin/python"))
            .arg(repo().join("scripts/seed_estate.py"))
            .args([
                "--endpoint",
                &self.url,
                "--mode",
                "test",
                "--out",
                out.to_str().unwrap(),
            ])
            .args(args)
            .status()
            .expect("run the seeder");
        assert!(status.success(), "seeding failed");
        let v = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let _ = std::fs::remove_file(out);
        v
    }

    pub fn start_recording(&self) {
        assert_eq!(
            http(
                "POST",
                &format!("{}/moto-api/recorder/reset-recording", self.url),
                &[],
                ""
            )
            .0,
            200
        );
        assert_eq!(
            http(
                "POST",
                &format!("{}/moto-api/recorder/start-recording", self.url),
                &[],
                ""
            )
            .0,
            200
        );
    }

    /// The AWS actions moto received since recording started, in order (e.g. "GetMetricData").
    pub fn recorded_actions(&self) -> Vec<String> {
        self.recorded_requests()
            .into_iter()
            .map(|(a, _)| a)
            .collect()
    }

    /// Every recorded request: its action and its (decoded) body.
    pub fn recorded_requests(&self) -> Vec<(String, String)> {
        use base64::Engine;
        let (_, body) = get(&format!(
            "{}/moto-api/recorder/download-recording",
            self.url
        ));
        let mut out = Vec::new();
        for line in body.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let raw = v["body"].as_str().unwrap_or("");
            let body = if v["body_encoded"].as_bool() == Some(true) {
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(raw)
                        .unwrap(),
                )
                .unwrap()
            } else {
                raw.to_string()
            };
            if let Some(t) = v["headers"]["X-Amz-Target"].as_str() {
                out.push((t.rsplit('.').next().unwrap().to_string(), body));
            } else if let Some(a) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
                out.push((a.to_string(), body.clone()));
            }
        }
        out
    }
}

pub struct Exporter {
    pub url: String,
    pub proc: Proc,
    pub log: PathBuf,
}

/// The cw-exporter binary, with an environment that points the AWS SDK at `moto` and nothing else.
pub fn cw_exporter(moto: &Moto) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cw-exporter"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", &moto.url)
        // Fake, distinctive credentials (tests/canaries.txt): grepped for after the run. (A
        // session token is canaried in tests/secrets.rs only: moto answers much slower with one.)
        .env("AWS_ACCESS_KEY_ID", "AKIACWCANARY7Q2X9ZLM")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "cwCanarySecret/9f8e7d6c5b4a3f2e1d0c",
        )
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .current_dir(repo());
    c
}

/// Starts `cmd` (the exporter and its args, without a listen address) on loopback `port`,
/// its log among the run's artifacts. Does not wait for it.
pub fn spawn_exporter(mut cmd: Command, scheme: &str, port: u16) -> Exporter {
    let log = log_path(port);
    let child = cmd
        .arg(format!("--listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start cw-exporter");
    Exporter {
        url: format!("{scheme}://127.0.0.1:{port}"),
        proc: Proc(child),
        log,
    }
}

/// Starts the exporter with `args` reaching AWS through `proxy` (in front of `moto`), and
/// waits until it is ready.
pub fn exporter_through(proxy: &fault_proxy::FaultProxy, moto: &Moto, args: &[&str]) -> Exporter {
    let mut cmd = cw_exporter(moto);
    cmd.env("AWS_ENDPOINT_URL", &proxy.url).args(args);
    let e = spawn_exporter(cmd, "http", free_port());
    wait_ready(&e);
    e
}

/// Waits until the exporter's /-/ready answers 200 (plain HTTP).
pub fn wait_ready(e: &Exporter) {
    let start = Instant::now();
    while get(&format!("{}/-/ready", e.url)).0 != 200 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "never ready: {}",
            e.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Starts the exporter against `moto` with the given args (config, flags), waits until ready.
pub fn exporter(moto: &Moto, args: &[&str]) -> Exporter {
    let port = free_port();
    let mut cmd = cw_exporter(moto);
    cmd.args(args);
    let e = spawn_exporter(cmd, "http", port);
    let url = e.url.clone();
    let ready = format!("{url}/-/ready");
    wait_for(
        "the exporter's first collection",
        // Generous: moto takes ~40 s for the 1,200-query test's first cycle on 2 cores.
        Duration::from_secs(120),
        || up(&ready),
    );
    e
}

impl Exporter {
    /// Sends the exporter SIGHUP.
    pub fn sighup(&self) {
        let pid = self.proc.0.id().to_string();
        let ok = Command::new("kill").args(["-HUP", &pid]).status().unwrap();
        assert!(ok.success());
    }

    pub fn metrics(&self) -> String {
        let (status, body) = get(&format!("{}/metrics", self.url));
        assert_eq!(status, 200);
        body
    }
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The cadence groups of each cycle so far (the `groups` field of every "collection
    /// finished" log line, e.g. "60,3600"), in order.
    pub fn cycles(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains("collection finished"))
            .map(|l| {
                let g = l.split("groups=").nth(1).expect("a groups field");
                let g = g.split_whitespace().next().unwrap_or("");
                g.trim_matches('"').to_string()
            })
            .collect()
    }

    /// Waits (at most 90 s) until `n` cycles have finished.
    pub fn wait_cycles(&self, n: usize) {
        let start = Instant::now();
        while self.cycles().len() < n {
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "fewer than {n} cycles: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `cw-exporter plan --output json` with `args`, against `moto`.
pub fn plan_json(moto: &Moto, args: &[&str]) -> serde_json::Value {
    let out = exporter_ok(
        "plan",
        cw_exporter(moto)
            .args(["plan", "--output", "json"])
            .args(args),
    );
    serde_json::from_str(&out).expect("plan prints JSON")
}

/// One parsed sample line of the text format.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Line {
    pub fn label(&self, k: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses sample lines (values here never contain `,` or `"` escapes, which keeps this small).
pub fn parse(text: &str) -> Vec<Line> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once("=\"").unwrap();
                    (k.to_string(), v.trim_end_matches('"').to_string())
                })
                .collect();
            Line {
                name: name.to_string(),
                labels,
                value: value.parse().unwrap(),
            }
        })
        .collect()
}

pub fn write_config(text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("cw-config-{}.yml", free_port()));
    std::fs::write(&p, text).unwrap();
    p
}

pub fn promtool() -> PathBuf {
    let p = Path::new("/usr/bin/promtool");
    assert!(
        p.exists(),
        "promtool is missing: run scripts/test (it installs Debian's prometheus)"
    );
    p.to_path_buf()
}

/// `promtool check metrics` on `text`: its exit code and everything it said.
pub fn promtool_check_metrics(text: &str) -> (Option<i32>, String) {
    use std::io::Write;
    let mut child = Command::new(promtool())
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The samples of one metric family.
pub fn named<'a>(lines: &'a [Line], name: &str) -> Vec<&'a Line> {
    lines.iter().filter(|l| l.name == name).collect()
}

/// The sum of the values of the `name` series that `pred` keeps.
pub fn sum_where(lines: &[Line], name: &str, pred: impl Fn(&Line) -> bool) -> f64 {
    named(lines, name)
        .into_iter()
        .filter(|l| pred(l))
        .map(|l| l.value)
        .sum()
}

/// Calls of `api` the exporter counted, every outcome, region and account.
pub fn api_calls(lines: &[Line], api: &str) -> f64 {
    sum_where(lines, "cw_exporter_api_calls_total", |l| {
        l.label("api") == Some(api)
    })
}

/// The CloudWatch series' names and labels, without values (values may differ between
/// processes started seconds apart: their windows end at different moments).
pub fn series_set(exp: &Exporter) -> std::collections::BTreeSet<String> {
    exp.metrics()
        .lines()
        .filter(|l| l.starts_with("aws_"))
        .map(|l| l.rsplit_once(' ').map_or(l, |(s, _)| s).to_string())
        .collect()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Debian's prometheus on loopback, scraping one target every second, with rule files.
pub struct Prometheus {
    pub url: String,
    dir: PathBuf,
    _p: Proc,
}

impl Prometheus {
    pub fn start(target: &str, rule_files: &[PathBuf]) -> Prometheus {
        let target = target.trim_start_matches("http://");
        Prometheus::start_job(
            &format!("static_configs: [{{targets: ['{target}']}}]"),
            rule_files,
        )
    }

    /// One scrape job named cw-exporter; `job` is its body as flow-style lines (targets, scheme,
    /// tls_config, basic_auth ...), each at the job's indentation.
    pub fn start_job(job: &str, rule_files: &[PathBuf]) -> Prometheus {
        Prometheus::start_with(job, rule_files, "")
    }

    /// As `start_job`, with more top-level configuration (e.g. a `storage:` block).
    pub fn start_with(job: &str, rule_files: &[PathBuf], extra: &str) -> Prometheus {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("cw-prom-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let job: String = job.lines().map(|l| format!("    {l}\n")).collect();
        let rules: Vec<String> = rule_files
            .iter()
            .map(|p| format!("'{}'", p.display()))
            .collect();
        std::fs::write(
            dir.join("prometheus.yml"),
            format!(
                "global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}\n\
                 rule_files: [{}]\n{extra}\n\
                 scrape_configs:\n  - job_name: cw-exporter\n{job}",
                rules.join(", ")
            ),
        )
        .unwrap();
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
            .spawn()
            .expect("start prometheus (Debian's package)");
        Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            dir,
            _p: Proc(child),
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// An instant query's result vector, or None while Prometheus is not answering.
    pub fn query(&self, q: &str) -> Option<Vec<serde_json::Value>> {
        let (s, body) = get(&format!("{}/api/v1/query?query={}", self.url, urlencode(q)));
        if s != 200 {
            return None;
        }
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        v["data"]["result"].as_array().cloned()
    }

    /// Alerts pending or firing now.
    pub fn alerts(&self) -> Vec<serde_json::Value> {
        let (s, body) = get(&format!("{}/api/v1/alerts", self.url));
        if s != 200 {
            return vec![];
        }
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        v["data"]["alerts"].as_array().cloned().unwrap_or_default()
    }

    /// Polls `ok` (with this Prometheus) until it holds, for at most `secs` seconds.
    pub fn wait_until(&self, what: &str, secs: u64, mut ok: impl FnMut(&Prometheus) -> bool) {
        let start = Instant::now();
        while !ok(self) {
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {what}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
