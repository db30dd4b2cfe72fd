//! The helpers `scripts/demo` and `scripts/test` share: they honour a Rust developer's
//! environment and say what they reuse.

use crate::common;
use common::*;
use std::process::Command;

fn lib_sh(script: &str) -> std::process::Output {
    Command::new("bash")
        .current_dir(repo())
        .args([
            "-c",
            &format!("set -euo pipefail; source scripts/lib.sh; {script}"),
        ])
        .output()
        .unwrap()
}

#[test]
fn the_target_dir_follows_cargo_target_dir() {
    let dir = std::env::temp_dir().join("cw-elsewhere-target");
    let out = Command::new("bash")
        .current_dir(repo())
        .env("CARGO_TARGET_DIR", &dir)
        .args(["-c", "source scripts/lib.sh; target_dir"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        dir.display().to_string(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let demo = std::fs::read_to_string(repo().join("scripts/demo")).unwrap();
    assert!(
        !demo.contains("./target/"),
        "the demo runs the binary from target_dir"
    );
}

#[test]
fn moto_is_reused_only_when_it_is_moto_and_says_so() {
    let moto = Moto::start();
    let port = moto.url.rsplit(':').next().unwrap();
    let out = lib_sh(&format!("start_moto {port}"));
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("reusing the moto server already answering"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Something that is not moto holds the port: an error, not a silent reuse.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = other.local_addr().unwrap().port();
    let out = lib_sh(&format!("start_moto {port}"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is taken by something that is not moto"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
