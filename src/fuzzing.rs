//! Entry points for the fuzz targets in `fuzz/` and for the test that replays their corpus
//! (`tests/fuzz_corpus.rs`). Each takes arbitrary bytes and panics if an invariant breaks.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::config::{self, Severity};
use crate::exposition::layout::{List, Meta, Pair, Renderer, Series};
use crate::exposition::names::{label_suffix, metric_name, valid_label_name, valid_metric_name};
use crate::exposition::text::{Families, Kind, render_openmetrics, render_text};

/// The config parser on any text: it returns (never panics), every error has a position or
/// names the whole file, and the message of a problem is never empty.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("fuzz.yml");
    for strict in [false, true] {
        match config::parse_str(text, file, strict) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    assert!(!w.message.is_empty());
                    assert_ne!(w.severity, Severity::Error);
                }
            }
            Err(e) => {
                assert!(e.problems.iter().any(|p| p.severity == Severity::Error));
                for p in &e.problems {
                    assert!(!p.message.is_empty());
                    let shown = p.display(file).to_string();
                    assert!(shown.starts_with("fuzz.yml"), "{shown}");
                }
            }
        }
    }
}

/// Names, labels and help text from arbitrary bytes through YACE's naming and both writers:
/// the output parses back to exactly what went in, and the fast renderer agrees byte for byte.
pub fn exposition(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut f = text.split('\u{1}');
    let mut next = || f.next().unwrap_or("").to_string();
    let (namespace, metric, statistic) = (next(), next(), next());
    let (key, value, help) = (next(), next(), next());
    let snake = data.first().is_some_and(|b| b & 1 == 1);
    let number = f64::from_bits(
        data.iter()
            .rev()
            .take(8)
            .fold(0u64, |a, b| (a << 8) | u64::from(*b)),
    );
    let name = metric_name(&namespace, &metric, &statistic);
    if !valid_metric_name(&name) {
        return; // the exporter skips these (collect::series)
    }
    let mut labels = BTreeMap::new();
    if let Some(k) = label_suffix(&key, snake) {
        let k = format!("dimension_{k}");
        assert!(valid_label_name(&k));
        labels.insert(k, value.clone());
    }
    let mut fs = Families::default();
    fs.add(
        &name,
        || help.clone(),
        Kind::Gauge,
        labels.clone(),
        number,
        None,
    );
    let (fams, _) = fs.finish();
    // The fast renderer writes exactly what the general path writes.
    let pairs: Vec<Pair> = labels
        .iter()
        .map(|(k, v)| (Arc::from(k.as_str()), Arc::from(v.as_str())))
        .collect();
    let sample = Series {
        meta: Arc::new(Meta::gauge(name.as_str(), help.as_str())),
        labels: pairs.into(),
        value: number,
        timestamp_ms: None,
    };
    let fast = Renderer::default().prepare(&[&List::from_series(&[sample])]);
    let general_om = render_openmetrics(&fams);
    assert_eq!(fast.to_vec(false), render_text(&fams));
    assert_eq!(
        fast.to_vec(true),
        general_om[..general_om.len() - b"# EOF\n".len()]
    );
    for openmetrics in [false, true] {
        let out = if openmetrics {
            render_openmetrics(&fams)
        } else {
            render_text(&fams)
        };
        let out = String::from_utf8(out).expect("UTF-8 out");
        let parsed = parse_one(&out, openmetrics);
        assert_eq!(parsed.name, name);
        assert_eq!(parsed.help, help);
        let want: Vec<(String, String)> = labels.clone().into_iter().collect();
        assert_eq!(parsed.labels, want);
        let back = match parsed.value.as_str() {
            "NaN" => f64::NAN,
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().expect("a float"),
        };
        assert!(
            back == number || (back.is_nan() && number.is_nan()),
            "{back} != {number}"
        );
    }
}

struct Parsed {
    name: String,
    help: String,
    labels: Vec<(String, String)>,
    value: String,
}

fn unescape(s: &str, quotes: bool) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some('"') if quotes => out.push('"'),
            other => panic!("bad escape \\{other:?} in {s:?}"),
        }
    }
    out
}

/// A strict reader for one family of one sample, in either format.
fn parse_one(out: &str, openmetrics: bool) -> Parsed {
    // Lines end at '\n' only, as the formats say: `str::lines` would also eat a '\r' that ends a
    // help text (found by fuzzing).
    let lines: Vec<&str> = out
        .strip_suffix('\n')
        .expect("ends with a newline")
        .split('\n')
        .collect();
    let (help_line, type_line, sample) = if openmetrics {
        assert_eq!(lines.len(), 4, "{out:?}");
        assert_eq!(lines[3], "# EOF");
        (lines[1], lines[0], lines[2])
    } else {
        assert_eq!(lines.len(), 3, "{out:?}");
        (lines[0], lines[1], lines[2])
    };
    let rest = help_line.strip_prefix("# HELP ").expect("HELP");
    let (name, help) = rest.split_once(' ').expect("HELP name text");
    let help = unescape(help, openmetrics);
    assert_eq!(type_line, format!("# TYPE {name} gauge"));
    let body = sample
        .strip_prefix(name)
        .expect("sample starts with the name");
    let mut labels = Vec::new();
    let value = if let Some(b) = body.strip_prefix('{') {
        let mut rest = b;
        loop {
            let (k, after) = rest.split_once("=\"").expect("label=\"");
            assert!(valid_label_name(k), "{k:?}");
            // The value ends at the first quote not escaped.
            let mut end = None;
            let mut escaped = false;
            for (i, c) in after.char_indices() {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.expect("closing quote");
            labels.push((k.to_string(), unescape(&after[..end], true)));
            rest = &after[end + 1..];
            if let Some(r) = rest.strip_prefix(',') {
                rest = r;
            } else {
                rest = rest.strip_prefix('}').expect("closing brace");
                break;
            }
        }
        rest.strip_prefix(' ').expect("space before the value")
    } else {
        body.strip_prefix(' ').expect("space before the value")
    };
    assert!(!value.contains(' '), "no timestamp expected: {value:?}");
    Parsed {
        name: name.to_string(),
        help,
        labels,
        value: value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn awkward_inputs_round_trip() {
        for input in [
            &b"AWS/ECS\x01CPUUtilization\x01Average\x01Cluster Name\x01a\"b\\c\nd\x01help \\ with\nnewline"[..],
            b"\x01\x01\x01\x01\x01",
            b"My App\x01Latency%\x01p99.9\x01k\x01\xff\xfe\x01",
            b"",
        ] {
            super::exposition(input);
            super::config(input);
        }
    }
}
