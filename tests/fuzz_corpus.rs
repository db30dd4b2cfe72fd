//! Replays the fuzz corpus (fuzz/corpus/, plus examples/ for the config target) on stable,
//! through the same entry points the fuzz targets call: every input found interesting by
//! fuzzing, and every crash it ever found once fixed, stays a regression test.

use std::path::Path;

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn config_corpus_replays() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for dir in ["fuzz/corpus/config", "examples"] {
        for (name, data) in inputs(&root.join(dir)) {
            let r = std::panic::catch_unwind(|| cw_exporter::fuzzing::config(&data));
            assert!(r.is_ok(), "{name}");
            n += 1;
        }
    }
    assert!(n >= 8, "{n} inputs");
}

#[test]
fn exposition_corpus_replays() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let all = inputs(&root.join("fuzz/corpus/exposition"));
    assert!(all.len() >= 5);
    for (name, data) in all {
        let r = std::panic::catch_unwind(|| cw_exporter::fuzzing::exposition(&data));
        assert!(r.is_ok(), "{name}");
    }
}
