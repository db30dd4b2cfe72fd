//! The `verify-config` and `version` subcommands, run as a user would.

use crate::common;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cw-exporter"))
        .args(args)
        .current_dir(common::repo())
        .output()
        .map(|o| common::recorded("verify-config", o))
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn the_seed_config_verifies() {
    let (code, out) = run(&["verify-config", "-config.file=examples/seed-config.yml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("OK (2 job(s)"), "{out}");
}

#[test]
fn every_problem_is_printed_with_file_line_and_column() {
    let cfg = common::write_config(
        "discovery:\n  jobs:\n    - type: ecs-containerinsights\n      region: us-east-1\n      lenght: 600\n      metrics:\n        - name: CpuReserved\n          statistics: [Avg]\n",
    );
    let (code, out) = run(&[
        "verify-config",
        "--strict",
        "--config.file",
        cfg.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    let f = cfg.display().to_string();
    assert!(
        out.contains(&format!(
            "{f}:5:7: error: discovery.jobs[0].lenght: unknown key `lenght`"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{f}:8:24: error: discovery.jobs[0].metrics[0].statistics[0]: `Avg`"
        )),
        "{out}"
    );
    assert!(out.contains("2 error(s)"), "{out}");
    // Without --strict, as at start and on reload: the unknown key is a warning, the bad
    // statistic still an error.
    let (code, out) = run(&["verify-config", "--config.file", cfg.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(
        out.contains(&format!(
            "{f}:5:7: warning: discovery.jobs[0].lenght: unknown key `lenght`"
        )),
        "{out}"
    );
    assert!(out.contains("1 error(s)"), "{out}");
}

#[test]
fn what_yace_tolerates_verifies_starts_and_reloads_and_strict_mode_refuses_it() {
    // YACE accepts all of these: an unknown key, an empty roleArn (the default credentials),
    // a roleArn that is not an ARN (STS refuses it when used), roundingPeriod (deprecated).
    let cfg = common::write_config(
        "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n    - type: AWS/ECS\n      regions: [us-east-1]\n      roles:\n        - roleArn: ''\n      roundingPeriod: 60\n      someNewYaceKey: 1\n      metrics: [{name: CPUUtilization, statistics: [Average]}]\n    - type: AWS/ECS\n      regions: [us-east-1]\n      roles: [{roleArn: not-an-arn}]\n      metrics: [{name: CPUUtilization, statistics: [Average]}]\n",
    );
    let (code, out) = run(&["verify-config", "--config.file", cfg.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("OK (2 job(s), 3 warning(s))"), "{out}");
    assert!(out.contains("`not-an-arn` is not a role ARN"), "{out}");
    let (code, out) = run(&[
        "verify-config",
        "--strict",
        "--config.file",
        cfg.to_str().unwrap(),
    ]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("error: discovery.jobs[0].someNewYaceKey: unknown key"),
        "{out}"
    );
    assert!(out.contains("1 error(s)"), "{out}");
    // An externalId without a role is refused, as YACE refuses it.
    let cfg = common::write_config(
        "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n    - type: AWS/ECS\n      regions: [us-east-1]\n      roles:\n        - {roleArn: '', externalId: x}\n      metrics: [{name: CPUUtilization, statistics: [Average]}]\n",
    );
    let (code, out) = run(&["verify-config", "--config.file", cfg.to_str().unwrap()]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("an `externalId` needs a `roleArn`"), "{out}");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let (code, out) = run(&["verify-config", "--config.file", "/nonexistent/cw.yml"]);
    assert_ne!(code, 0);
    assert!(
        out.contains("/nonexistent/cw.yml: error: cannot read the file"),
        "{out}"
    );
}

#[test]
fn version_and_help() {
    let (code, out) = run(&["version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("cw-exporter "));
    let (code, out) = run(&["--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--config.file",
        "--listen-address",
        "--scraping-interval",
        "--metrics-per-query",
        "--labels-snake-case",
        "--log.level",
        "--log.format",
        "verify-config",
    ] {
        assert!(out.contains(flag), "--help lacks {flag}: {out}");
    }
}

#[test]
fn every_example_config_verifies() {
    let mut n = 0;
    for entry in std::fs::read_dir(common::repo().join("examples")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) != Some("yml") {
            continue;
        }
        let (code, out) = run(&["verify-config", "--config.file", p.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {out}", p.display());
        assert!(out.contains(" 0 warning(s)"), "{}: {out}", p.display());
        n += 1;
    }
    assert!(n >= 3);
}

/// Our own equivalents of YACE's example configs (`tests/yace-examples/README.md` says which
/// each mirrors): every one verifies, strictly too, whatever namespace and YAML quirks it has.
#[test]
fn every_yace_example_verifies_strictly() {
    let mut namespaces = std::collections::BTreeSet::new();
    let mut n = 0;
    for entry in std::fs::read_dir(common::repo().join("tests/yace-examples")).unwrap() {
        let p = entry.unwrap().path();
        if !matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
            continue;
        }
        let (code, out) = run(&[
            "verify-config",
            "--strict",
            "--config.file",
            p.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{}: {out}", p.display());
        let text = std::fs::read_to_string(&p).unwrap();
        for l in text.lines() {
            if let Some(t) = l.trim().trim_start_matches("- ").strip_prefix("type: ") {
                namespaces.insert(t.trim().to_string());
            }
        }
        n += 1;
    }
    assert!(n >= 45, "{n} examples");
    assert!(namespaces.len() >= 40, "{namespaces:?}");
}
