//! The pipeline's direction, checked on the source: a module imports only modules before it
//! in the order below (the leaf libraries first, then the stages, then what runs them), never a
//! later one. Test code is exempt: it may reach anywhere.

use crate::common;

/// Earlier first. `model`, `catalog` and `exposition` are leaf libraries (they import nothing
/// of the crate); `cost` reads the schedule and the planner; `push` (metric streams) is the
/// second way in, beside collection.
const ORDER: &[&str] = &[
    "model",
    "catalog",
    "exposition",
    "config",
    "aws",
    "schedule",
    "discovery",
    "plan",
    "fetch",
    "collect",
    "cost",
    "push",
    "server",
    "run",
    "fuzzing",
];

fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_imports_a_later_stage() {
    let src = common::repo().join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let rank = |m: &str| ORDER.iter().position(|o| *o == m);
    let mut wrong = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().to_string();
        let top = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = rank(&top) else { continue };
        if rel.ends_with("tests.rs") || rel.ends_with("fake.rs") || rel == "test_support.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        // Unit tests at the end of a file may use anything.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        for (i, _) in code.match_indices("crate::") {
            let used: String = code[i + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if let Some(r) = rank(&used)
                && r > own
            {
                wrong.push(format!("src/{rel} imports crate::{used}"));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against the pipeline:\n{}",
        wrong.join("\n")
    );
}
