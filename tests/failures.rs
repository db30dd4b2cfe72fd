//! The exporter keeps serving, and says so, when AWS cannot be reached.

use crate::common;
use common::*;

#[test]
fn an_unreachable_endpoint_is_reported_not_fatal() {
    // A port nothing listens on: every call fails to connect.
    let dead = Moto::unreachable();
    let exp = exporter(&dead, &["-config.file=examples/seed-config.yml"]);
    let lines = parse(&exp.metrics());
    let success: Vec<&Line> = named(&lines, "cw_exporter_collection_success");
    assert_eq!(success.len(), 2);
    assert!(success.iter().all(|l| l.value == 0.0), "{success:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.name == "cw_exporter_api_calls_total"
                && l.label("outcome") == Some("network")),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.name.starts_with("aws_")));
    let (s, page) = get(&format!("{}/", exp.url));
    assert_eq!(s, 200);
    assert!(page.contains("failing: GetCallerIdentity"), "{page}");
    let log = exp.log();
    assert!(log.contains("collection failing"), "{log}");
    assert!(
        !log.contains("cwCanarySecret"),
        "the secret key never reaches the log"
    );
}

#[test]
fn a_failing_job_keeps_its_last_good_series_for_a_while_then_drops_them() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let exp = exporter(
        &moto,
        &[
            "-config.file=examples/seed-config.yml",
            "-scraping-interval=1",
            "-failed-series-retention=20",
        ],
    );
    let count = |lines: &[Line]| {
        lines
            .iter()
            .filter(|l| l.name.starts_with("aws_ecs_containerinsights_"))
            .count()
    };
    let before = count(&parse(&exp.metrics()));
    assert!(before > 0);
    drop(moto); // the endpoint goes away mid-run

    let failing = |lines: &[Line]| {
        named(lines, "cw_exporter_collection_success")
            .iter()
            .all(|l| l.value == 0.0)
    };
    let start = std::time::Instant::now();
    let first_failed = loop {
        let lines = parse(&exp.metrics());
        if failing(&lines) {
            break lines;
        }
        assert!(start.elapsed().as_secs() < 60, "collection never failed");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    // At once: the job says it fails, and its last good series are still there.
    assert_eq!(count(&first_failed), before);
    // After the retention they are dropped, and the job still says it fails.
    loop {
        let lines = parse(&exp.metrics());
        if count(&lines) == 0 {
            assert!(failing(&lines));
            break;
        }
        assert!(
            start.elapsed().as_secs() < 120,
            "last good series never dropped"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert_eq!(
        exp.log().matches("collection failing").count(),
        2,
        "logged once per job, not per cycle:\n{}",
        exp.log()
    );
}

#[test]
fn an_endpoint_that_never_answers_cannot_stall_the_exporter() {
    // Accepts connections and reads, never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    let hang = Moto::at(&url);
    let start = std::time::Instant::now();
    let exp = exporter(
        &hang,
        &["-config.file=examples/seed-config.yml", "-aws.timeout=3"],
    );
    assert!(
        start.elapsed().as_secs() < 30,
        "the first collection waited on the endpoint"
    );
    let lines = parse(&exp.metrics());
    assert!(
        named(&lines, "cw_exporter_collection_success")
            .iter()
            .all(|l| l.value == 0.0)
    );
    assert!(
        lines
            .iter()
            .any(|l| l.name == "cw_exporter_api_calls_total"
                && l.label("outcome") == Some("timeout")),
        "{:?}",
        named(&lines, "cw_exporter_api_calls_total")
    );
}
