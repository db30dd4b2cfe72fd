//! Discovery runs on its own clock: a steady-state cycle only calls GetMetricData.

mod common;
use common::*;
use std::time::{Duration, Instant};

fn wait_cycles(exp: &Exporter, n: usize) {
    let start = Instant::now();
    while exp.log().matches("collection finished").count() < n {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "fewer than {n} cycles: {}",
            exp.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn steady_state_cycles_reuse_discovery() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "2", "--minutes", "10"]);
    let exp = exporter(
        &moto,
        &[
            "-config.file=examples/seed-config.yml",
            "-scraping-interval=1",
        ],
    );
    wait_cycles(&exp, 1);
    moto.start_recording();
    let before = exp.log().matches("collection finished").count();
    wait_cycles(&exp, before + 3);
    let actions = moto.recorded_actions();
    assert!(actions.len() >= 2, "{actions:?}");
    assert!(actions.iter().all(|a| a == "GetMetricData"), "{actions:?}");
    drop(exp);

    // --discovery-interval 0 lists every cycle.
    let exp = exporter(
        &moto,
        &[
            "-config.file=examples/seed-config.yml",
            "-scraping-interval=1",
            "-discovery-interval=0",
        ],
    );
    wait_cycles(&exp, 1);
    moto.start_recording();
    let before = exp.log().matches("collection finished").count();
    wait_cycles(&exp, before + 2);
    let actions = moto.recorded_actions();
    assert!(
        actions.iter().filter(|a| *a == "ListMetrics").count() >= 16,
        "{actions:?}"
    );
}
