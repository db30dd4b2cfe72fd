//! The exporter keeps serving, and says so, when AWS cannot be reached.

mod common;
use common::*;

#[test]
fn an_unreachable_endpoint_is_reported_not_fatal() {
    // A port nothing listens on: every call fails to connect.
    let dead = Moto {
        url: format!("http://127.0.0.1:{}", free_port()),
        _p: Proc(std::process::Command::new("true").spawn().unwrap()),
    };
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
        !log.contains("testing-secret"),
        "the secret key never reaches the log"
    );
}
