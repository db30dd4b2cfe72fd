//! Reliability round 2: what an adversarial run found, one regression test each. HTTP reload is
//! off unless asked for, an unchanged reload calls nothing, reloads are answered while a
//! collection is in flight, slow and idle clients are cut off, AWS answers that are broken,
//! hostile or going round in circles are failures with bounded, redacted text.

use crate::common;
use common::fault_proxy::{Fault, FaultProxy};
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn wait_for(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// An exporter on `config` whose AWS calls all fail fast (nothing listens there): for
/// HTTP-only tests.
fn exporter_without_aws(config: &str) -> Exporter {
    let nowhere = Moto::unreachable();
    let mut cmd = cw_exporter(&nowhere);
    cmd.arg(format!("--config.file={config}"));
    let e = spawn_exporter(cmd, "http", free_port());
    wait_for("the exporter to listen", 60, || {
        get(&format!("{}/-/healthy", e.url)).0 == 200
    });
    e
}

fn post(url: &str) -> (u16, String) {
    http("POST", url, &[], "")
}

#[test]
fn http_reload_is_off_without_the_lifecycle_flag_and_sighup_still_works() {
    let cfg =
        write_config(&std::fs::read_to_string(repo().join("examples/seed-config.yml")).unwrap());
    let exp = exporter_without_aws(&cfg.display().to_string());
    for route in ["/-/reload", "/reload"] {
        let (status, body) = post(&format!("{}{route}", exp.url));
        assert_eq!(status, 403, "{route}: {body}");
        assert!(body.contains("--web.enable-lifecycle"), "{body}");
    }
    assert!(!exp.log().contains("config reload"), "nothing was reloaded");
    // SIGHUP is not an HTTP route: it reloads whatever the flag says.
    std::fs::write(&cfg, std::fs::read_to_string(&cfg).unwrap() + "# changed\n").unwrap();
    exp.sighup();
    wait_for("the SIGHUP reload", 30, || {
        exp.log().contains("config reloaded")
    });
}

#[test]
fn unchanged_and_concurrent_reloads_build_nothing_and_call_nothing() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let seed = std::fs::read_to_string(repo().join("examples/seed-config.yml")).unwrap();
    let cfg = write_config(&seed);
    let exp = exporter(
        &moto,
        &[
            &format!("--config.file={}", cfg.display()),
            "--scraping-interval=3600",
            "--web.enable-lifecycle",
        ],
    );
    moto.start_recording();
    let url = format!("{}/-/reload", exp.url);
    let storm = |n: usize| -> Vec<(u16, String)> {
        let hs: Vec<_> = (0..n)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || post(&url))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    };
    // 24 reloads of the file in force: each answered, none builds a pipeline or calls AWS.
    for (status, body) in storm(24) {
        assert_eq!(
            (status, body.as_str()),
            (200, "Config unchanged: nothing reloaded\n")
        );
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        moto.recorded_actions(),
        Vec::<String>::new(),
        "an unchanged reload calls nothing"
    );
    assert!(!exp.log().contains("config reloaded"));

    // A changed file and 12 reloads at once: one new pipeline, one discovery, one account lookup.
    std::fs::write(&cfg, seed.clone() + "# changed\n").unwrap();
    let answers = storm(12);
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    assert!(
        answers.iter().any(|(_, b)| b == "Reloaded\n"),
        "{answers:?}"
    );
    exp.wait_cycles(2);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        exp.log().matches("config reloaded").count(),
        1,
        "{}",
        exp.log()
    );
    let actions = moto.recorded_actions();
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(count("GetCallerIdentity"), 1, "{actions:?}");
    assert_eq!(count("GetMetricData"), 1, "{actions:?}");
}

#[test]
fn a_reload_is_answered_while_a_collection_is_in_flight() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let proxy = FaultProxy::start(&moto.url);
    let seed = std::fs::read_to_string(repo().join("examples/seed-config.yml")).unwrap();
    let cfg = write_config(&seed);
    let exp = exporter_through(
        &proxy,
        &moto,
        &[
            &format!("--config.file={}", cfg.display()),
            "--scraping-interval=2",
            "--aws.timeout=180",
            "--web.enable-lifecycle",
        ],
    );
    // From now on GetMetricData answers after 40 s: the next cycles hang on it.
    proxy.set_for("GetMetricData", &[Fault::Latency(40_000)]);
    let slow = |p: &FaultProxy| {
        p.seen()
            .iter()
            .any(|s| s.action == "GetMetricData" && s.fault == Fault::Latency(40_000))
    };
    wait_for("a collection waiting on GetMetricData", 60, || slow(&proxy));
    std::thread::sleep(Duration::from_millis(500));

    let timed = |what: &str| {
        let t = Instant::now();
        let r = post(&format!("{}/-/reload", exp.url));
        // Far below the 40 s the collection in flight waits for.
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "{what} took {:?}",
            t.elapsed()
        );
        r
    };
    std::fs::write(&cfg, "discovery:\n  jobs: [\n").unwrap();
    let (status, body) = timed("a bad reload");
    assert_eq!(status, 400, "{body}");
    std::fs::write(&cfg, seed.clone() + "# one\n").unwrap();
    let (status, body) = timed("a good reload");
    assert_eq!((status, body.as_str()), (200, "Reloaded\n"));
    wait_for("the cancelled cycle's log line", 15, || {
        exp.log().contains("the collection in flight was cancelled")
    });
    // SIGHUP, while the new pipeline's first collection hangs in turn.
    wait_for("the new pipeline's collection", 30, || {
        proxy
            .seen()
            .iter()
            .filter(|s| s.fault == Fault::Latency(40_000))
            .count()
            >= 2
    });
    std::fs::write(&cfg, seed + "# two\n").unwrap();
    let t = Instant::now();
    exp.sighup();
    wait_for("the SIGHUP reload", 15, || {
        exp.log().matches("config reloaded").count() == 2
    });
    assert!(t.elapsed() < Duration::from_secs(15));
    // The old snapshot kept serving throughout.
    assert!(
        !named(
            &parse(&exp.metrics()),
            "aws_ecs_containerinsights_running_task_count_average"
        )
        .is_empty()
    );
}

/// Reads until the server closes the connection; how long that took.
fn until_closed(mut s: TcpStream) -> Duration {
    s.set_read_timeout(Some(Duration::from_secs(90))).unwrap();
    let t = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return t.elapsed(),
            Ok(_) => {}
        }
    }
}

#[test]
fn metrics_are_gzipped_when_the_scraper_asks() {
    use std::io::Read as _;
    let exp = exporter_without_aws("examples/seed-config.yml");
    // After the first collection nothing changes for 300 s: two scrapes see the same snapshot.
    wait_ready(&exp);
    let host = exp.url.trim_start_matches("http://").to_string();
    let fetch = |extra: &str| -> (String, Vec<u8>) {
        let mut s = TcpStream::connect(&host).unwrap();
        write!(s, "GET /metrics HTTP/1.0\r\nHost: x\r\n{extra}\r\n").unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let at = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        (
            String::from_utf8_lossy(&raw[..at]).to_lowercase(),
            raw[at + 4..].to_vec(),
        )
    };
    let (head, plain) = fetch("");
    assert!(!head.contains("content-encoding"), "{head}");
    assert!(head.contains("vary: accept-encoding"), "{head}");
    let (head, gz) = fetch("Accept-Encoding: gzip\r\n");
    assert!(head.contains("content-encoding: gzip"), "{head}");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .unwrap();
    // The same exposition (the reload series' timestamp is the same between the two).
    assert_eq!(
        String::from_utf8(out).unwrap(),
        String::from_utf8(plain).unwrap()
    );
    let (head, _) = fetch("Accept-Encoding: gzip;q=0\r\n");
    assert!(!head.contains("content-encoding"), "{head}");
}

#[test]
fn slow_and_idle_clients_are_cut_off_and_connections_are_capped() {
    let exp = exporter_without_aws("examples/seed-config.yml");
    let host = exp.url.trim_start_matches("http://").to_string();
    // Slowloris: headers started, never finished.
    let mut s = TcpStream::connect(&host).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    let held = until_closed(s);
    assert!(
        held < Duration::from_secs(30),
        "a half-sent request held its connection {held:?}"
    );
    // Idle keep-alive after a complete request.
    let mut s = TcpStream::connect(&host).unwrap();
    s.write_all(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let held = until_closed(s);
    assert!(
        held < Duration::from_secs(30),
        "an idle connection was kept {held:?}"
    );

    // With 64 file descriptors, the exporter serves at most 48 connections at once: 80
    // silent clients do not take it to the descriptor limit, and accept does not fail.
    let nowhere = Moto::unreachable();
    let mut cmd = std::process::Command::new("sh");
    cmd.envs(
        cw_exporter(&nowhere)
            .get_envs()
            .filter_map(|(k, v)| Some((k, v?))),
    )
    .current_dir(repo())
    .args([
        "-c",
        "ulimit -n 64 && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_cw-exporter"),
    ])
    .arg("--config.file=examples/seed-config.yml");
    let small = spawn_exporter(cmd, "http", free_port());
    wait_for("the exporter to listen", 60, || {
        get(&format!("{}/-/healthy", small.url)).0 == 200
    });
    let host = small.url.trim_start_matches("http://").to_string();
    let silent: Vec<TcpStream> = (0..80)
        .filter_map(|_| TcpStream::connect(&host).ok())
        .collect();
    assert!(silent.len() >= 60, "{}", silent.len());
    wait_for("the limit to be logged", 10, || {
        small.log().contains("connection limit reached")
    });
    // Once the silent ones time out, a scrape is answered again.
    wait_for("a scrape after the silent clients time out", 60, || {
        get(&format!("{}/-/healthy", small.url)).0 == 200
    });
    drop(silent);
    let log = small.log();
    // At most once a minute, not once per waiting connection nor each time the limit is
    // reached again as connections churn (a slow run once logged it five times in 3 ms).
    let limited = log.matches("connection limit reached").count();
    assert_eq!(limited, 1, "{log}");
    assert!(!log.contains("accept failed"), "{log}");
}

#[test]
fn broken_hostile_and_circular_aws_answers_are_failures_with_safe_text() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let proxy = FaultProxy::start(&moto.url);
    let exp = exporter_through(
        &proxy,
        &moto,
        &[
            "--config.file=examples/seed-config.yml",
            "--scraping-interval=1",
            "--failed-series-retention=600",
        ],
    );
    let success = |lines: &[Line]| {
        named(lines, "cw_exporter_collection_success")
            .iter()
            .map(|l| l.value)
            .fold(1.0, f64::min)
    };
    assert_eq!(success(&parse(&exp.metrics())), 1.0);
    let calls = |outcome: &str| {
        let lines = parse(&exp.metrics());
        sum_where(&lines, "cw_exporter_api_calls_total", |l| {
            l.label("api") == Some("GetMetricData") && l.label("outcome") == Some(outcome)
        })
    };
    // Each fault in turn: the collection fails (the alert can fire) and says how.
    for (fault, outcome) in [
        (Fault::EmptyResults, "IncompleteResponse"),
        (Fault::Unclosed, "IncompleteResponse"),
        (Fault::RepeatToken, "RepeatedNextToken"),
        (
            Fault::Code("AccessDenied<script>alert(1)</script>"),
            "other",
        ),
    ] {
        proxy.set_for("GetMetricData", &[fault]);
        let before = calls(outcome);
        let t = Instant::now();
        while calls(outcome) <= before {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "{fault:?}: no GetMetricData call counted as {outcome}:\n{}",
                exp.metrics()
                    .lines()
                    .filter(|l| l.starts_with("cw_exporter_api_calls_total"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let lines = parse(&exp.metrics());
        assert_eq!(success(&lines), 0.0, "{fault:?} is a failed collection");
        proxy.set(&[]);
        wait_for("recovery", 30, || success(&parse(&exp.metrics())) == 1.0);
    }
    let text = exp.metrics();
    assert!(
        !text.contains("<script>"),
        "a hostile code is not a label value"
    );
    // A repeating token is followed once, not forever: each looping call is two pages.
    let seen = proxy.seen();
    let looping = seen
        .iter()
        .filter(|s| s.fault == Fault::RepeatToken)
        .count() as f64;
    assert!(
        looping >= 2.0 && looping <= 2.0 * calls("RepeatedNextToken") + 2.0,
        "{looping}"
    );

    // SignatureDoesNotMatch quoting the canonical request (access key id and session token):
    // neither reaches the log nor the landing page.
    proxy.set_for("GetMetricData", &[Fault::SignatureMismatch]);
    wait_for("the signature error", 30, || {
        calls("SignatureDoesNotMatch") >= 1.0
    });
    let (_, landing) = get(&format!("{}/", exp.url));
    assert!(landing.contains("SignatureDoesNotMatch"), "{landing}");
    assert!(
        landing.contains("the quoted request is not shown"),
        "{landing}"
    );
    for text in [landing, exp.log()] {
        assert!(
            !text.contains("AKIACWCANARY7Q2X9ZLM"),
            "the access key id leaked"
        );
        assert!(
            !text.contains("FwoGZXIvYXdzEProxyQuotedToken"),
            "the token leaked"
        );
        assert!(
            !text.contains("Canonical String"),
            "the canonical request leaked"
        );
    }
}

#[test]
fn config_bombs_are_refused_without_reading_them_whole() {
    let out = recorded(
        "verify-config /dev/zero",
        cw_exporter(&Moto::unreachable())
            .args(["verify-config", "--config.file=/dev/zero"])
            .output()
            .unwrap(),
    );
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("/dev/zero: error: cannot read the file: larger than 4 MiB"),
        "{text}"
    );
    // The running exporter refuses to start on one too, and says why.
    let out = cw_exporter(&Moto::unreachable())
        .args(["--config.file=/dev/zero", "--listen-address=127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("larger than 4 MiB"));
}

#[test]
fn a_discovery_longer_than_the_collection_timeout_completes() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    // The seed's config needs 16 ListMetrics calls: at one a second, a discovery takes 15 s
    // or more, three times the 5 s a (region, role) gets per cycle.
    let args = [
        "--config.file=examples/seed-config.yml",
        "--aws.rate-limit=ListMetrics=1",
        "--collection-timeout=5",
        "--scraping-interval=2",
    ];
    let out = recorded(
        "plan with a slow discovery",
        cw_exporter(&moto).arg("plan").args(args).output().unwrap(),
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: one discovery takes at least 16 s at the client-side rate limits, more than --collection-timeout (5 s)"),
        "{err}"
    );
    let exp = exporter(&moto, &args);
    wait_for("the discovery's series", 90, || {
        !named(
            &parse(&exp.metrics()),
            "aws_ecs_containerinsights_running_task_count_average",
        )
        .is_empty()
    });
    let log = exp.log();
    assert!(
        log.contains("discovery is still running and continues in the background"),
        "{log}"
    );
    wait_for("a successful collection", 30, || {
        named(&parse(&exp.metrics()), "cw_exporter_collection_success")
            .iter()
            .all(|l| l.value == 1.0)
    });
}
