//! Secrets never reach a log line (at any level), an error, `/` or `/metrics`; SIGTERM stops the
//! exporter cleanly.

mod common;
use common::*;

const KEY_ID: &str = "AKIDCANARY7Q2X";
const SECRET: &str = "s3cr3t-CANARY-9f8e7d";
const TOKEN: &str = "T0KEN-CANARY-5a4b3c";

fn run_with_canaries(moto: &Moto, extra: &[&str]) -> (Exporter, String) {
    let port = free_port();
    let log = std::env::temp_dir().join(format!("cw-exporter-{port}.log"));
    let child = cw_exporter(moto)
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .args([
            "-config.file=examples/seed-config.yml",
            "-log.level=debug",
            "-scraping-interval=1",
        ])
        .args(extra)
        .args(["-listen-address", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let exp = Exporter {
        url: format!("http://127.0.0.1:{port}"),
        proc: Proc(child),
        log,
    };
    let start = std::time::Instant::now();
    while get(&format!("{}/-/ready", exp.url)).0 != 200 {
        assert!(start.elapsed().as_secs() < 60, "never ready: {}", exp.log());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
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

#[test]
fn sigterm_stops_the_exporter_with_exit_code_zero() {
    let moto = Moto::start();
    let mut exp = exporter(&moto, &["-config.file=examples/seed-config.yml"]);
    let pid = exp.proc.0.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = exp.proc.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed().as_secs() < 30,
            "still running after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(0), "{}", exp.log());
    assert!(exp.log().contains("stopped"));
}
