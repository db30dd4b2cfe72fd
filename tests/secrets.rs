//! Secrets never reach a log line (at any level), an error, `/` or `/metrics`; SIGTERM stops the
//! exporter cleanly.

use crate::common;
use common::*;

const KEY_ID: &str = "AKIDCANARY7Q2X";
const SECRET: &str = "s3cr3t-CANARY-9f8e7d";
const TOKEN: &str = "T0KEN-CANARY-5a4b3c";

fn run_with_canaries(moto: &Moto, extra: &[&str]) -> (Exporter, String) {
    let mut cmd = cw_exporter(moto);
    cmd.env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .args([
            "-config.file=examples/seed-config.yml",
            "-log.level=debug",
            "-scraping-interval=1",
            "-web.enable-lifecycle",
        ])
        .args(extra);
    let exp = spawn_exporter(cmd, "http", free_port());
    wait_ready(&exp);
    // A few cycles, so every code path that logs has run.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let mut seen = String::new();
    for path in ["/", "/metrics", "/-/ready", "/-/healthy"] {
        seen.push_str(&get(&format!("{}{path}", exp.url)).1);
    }
    seen.push_str(&http("POST", &format!("{}/-/reload", exp.url), &[], "").1);
    (exp, seen)
}

fn assert_clean(what: &str, text: &str) {
    for canary in [KEY_ID, SECRET, TOKEN] {
        assert!(
            !text.contains(canary),
            "{what} contains a credential ({canary})"
        );
    }
}

#[test]
fn credentials_never_leak_in_success_or_failure() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let (exp, seen) = run_with_canaries(&moto, &[]);
    assert!(
        !named(
            &parse(&exp.metrics()),
            "aws_ecs_containerinsights_running_task_count_average"
        )
        .is_empty()
    );
    let log = exp.log();
    assert!(log.contains("level=debug"), "debug logging was on");
    assert_clean("the log", &log);
    assert_clean("the HTTP answers", &seen);

    let dead = Moto::unreachable();
    let (exp, seen) = run_with_canaries(&dead, &["-log.format=json"]);
    assert!(exp.log().contains("collection failing"));
    assert_clean("the log of a failing run", &exp.log());
    assert_clean("the HTTP answers of a failing run", &seen);
}

fn wait_exit(exp: &mut Exporter) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(s) = exp.proc.0.try_wait().unwrap() {
            return s;
        }
        assert!(
            start.elapsed().as_secs() < 30,
            "still running after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn sigterm(exp: &Exporter) {
    let pid = exp.proc.0.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn sigterm_stops_the_exporter_with_exit_code_zero() {
    let moto = Moto::start();
    let mut exp = exporter(&moto, &["-config.file=examples/seed-config.yml"]);
    sigterm(&exp);
    let status = wait_exit(&mut exp);
    assert_eq!(status.code(), Some(0), "{}", exp.log());
    assert!(exp.log().contains("stopped"));
}

/// A scrape whose request is still arriving when SIGTERM lands is answered in full; new
/// connections are refused from then on; the exit code is 0.
#[test]
fn sigterm_lets_the_scrape_in_flight_finish() {
    use std::io::{Read, Write};
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let mut exp = exporter(&moto, &["-config.file=examples/seed-config.yml"]);
    let full = exp.metrics();
    let addr = exp.url.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    sigterm(&exp);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "a new connection was accepted after SIGTERM"
    );
    assert!(
        exp.proc.0.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );
    s.write_all(b"Connection: close\r\n\r\n").unwrap();
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).unwrap();
    let resp = String::from_utf8_lossy(&resp);
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    // The same series as a scrape before the signal (the reload series are rendered per scrape).
    let body_lines = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with("aws_"))
            .map(String::from)
            .collect()
    };
    assert!(!body_lines(&full).is_empty());
    assert_eq!(body_lines(&resp), body_lines(&full));
    let status = wait_exit(&mut exp);
    assert_eq!(status.code(), Some(0), "{}", exp.log());
}
