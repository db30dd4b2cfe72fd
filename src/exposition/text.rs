//! The Prometheus text format 0.0.4 and OpenMetrics 1.0, written by hand: names and labels are
//! dynamic, and a snapshot is rendered once per collection, then served as bytes.

use std::collections::{BTreeMap, BTreeSet, HashSet};

/// A family's metric type, as its `# TYPE` line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A gauge: any family that is not a counter.
    Gauge,
    /// The family name ends in `_total`.
    Counter,
}

/// One sample of a family: its labels, value and optional timestamp.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Sorted by name; every sample of a family has the same names.
    pub labels: Vec<(String, String)>,
    /// The sample's value.
    pub value: f64,
    /// Milliseconds since the epoch, written after the value when set.
    pub timestamp_ms: Option<i64>,
}

/// A metric family: its name, help text, type and samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Family {
    /// The metric name.
    pub name: String,
    /// The `# HELP` text.
    pub help: String,
    /// The `# TYPE`.
    pub kind: Kind,
    /// Its samples; [`Families::finish`] sorts them by label values, then timestamp.
    pub samples: Vec<Sample>,
}

/// Labels, value and timestamp of a sample before its family's label names are known.
type RawSample = (BTreeMap<String, String>, f64, Option<i64>);

/// Collects samples by family, then evens out label names (missing = "") and drops duplicates,
/// as Prometheus needs.
#[derive(Default)]
pub struct Families {
    map: BTreeMap<String, (String, Kind, Vec<RawSample>)>,
    /// Samples dropped because an identical one (name, labels, timestamp) was already there.
    pub duplicates: usize,
}

impl Families {
    /// Adds a sample to the family `name`. The family's first sample sets its help and kind
    /// (`help` is called only then).
    pub fn add(
        &mut self,
        name: &str,
        help: impl FnOnce() -> String,
        kind: Kind,
        labels: BTreeMap<String, String>,
        value: f64,
        timestamp_ms: Option<i64>,
    ) {
        if !self.map.contains_key(name) {
            self.map
                .insert(name.to_string(), (help(), kind, Vec::new()));
        }
        let entry = self.map.get_mut(name).expect("inserted above");
        entry.2.push((labels, value, timestamp_ms));
    }

    /// The families, sorted by name, with even label names and no duplicates; and how many
    /// duplicates were dropped.
    pub fn finish(mut self) -> (Vec<Family>, usize) {
        let mut out = Vec::with_capacity(self.map.len());
        for (name, (help, kind, samples)) in std::mem::take(&mut self.map) {
            let names: BTreeSet<&String> = samples.iter().flat_map(|(l, _, _)| l.keys()).collect();
            let names: Vec<String> = names.into_iter().cloned().collect();
            let mut seen = HashSet::with_capacity(samples.len());
            let mut fam = Family {
                name,
                help,
                kind,
                samples: Vec::with_capacity(samples.len()),
            };
            for (mut labels, value, ts) in samples {
                let full: Vec<(String, String)> = names
                    .iter()
                    .map(|n| (n.clone(), labels.remove(n).unwrap_or_default()))
                    .collect();
                if !seen.insert((full.clone(), ts)) {
                    self.duplicates += 1;
                    continue;
                }
                fam.samples.push(Sample {
                    labels: full,
                    value,
                    timestamp_ms: ts,
                });
            }
            // Sorted like client_golang's output, so YACE users diffing the two see no noise.
            fam.samples.sort_by(|a, b| {
                a.labels
                    .iter()
                    .map(|(_, v)| v)
                    .cmp(b.labels.iter().map(|(_, v)| v))
                    .then(a.timestamp_ms.cmp(&b.timestamp_ms))
            });
            out.push(fam);
        }
        (out, self.duplicates)
    }
}

/// A float as Go's `strconv.FormatFloat(f, 'g', -1, 64)` writes it, which is what YACE's
/// output (client_golang) shows: shortest digits, exponent form below 1e-4 or from 1e21.
///
/// ```
/// use cw_exporter::exposition::text::format_float;
/// assert_eq!(format_float(256.0), "256");
/// assert_eq!(format_float(0.03375506236035767), "0.03375506236035767");
/// assert_eq!(format_float(1234567.0), "1.234567e+06");
/// assert_eq!(format_float(0.00001), "1e-05");
/// assert_eq!(format_float(f64::NAN), "NaN");
/// ```
pub fn format_float(f: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_float(&mut out, f);
    String::from_utf8(out).expect("ASCII")
}

/// [`format_float`] into a buffer, without allocating: this runs once per sample per cycle.
pub(crate) fn write_float(out: &mut Vec<u8>, f: f64) {
    if f.is_nan() {
        return out.extend_from_slice(b"NaN");
    }
    if f.is_infinite() {
        return out.extend_from_slice(if f > 0.0 { b"+Inf" } else { b"-Inf" });
    }
    if f == 0.0 {
        return out.extend_from_slice(if f.is_sign_negative() { b"-0" } else { b"0" });
    }
    // Integers below 1e6 (counts, bytes, most gauges) print as themselves.
    if f.fract() == 0.0 && f.abs() < 1e6 {
        let mut buf = itoa_buf(f as i64);
        return out.extend_from_slice(buf.take());
    }
    // ryu gives the shortest round-tripping digits, in its own layout ("1.2345e-7",
    // "0.001234", "123.456").
    let mut rb = ryu::Buffer::new();
    let s = rb.format_finite(f).as_bytes();
    // Between 1e-4 and 1e6 (decimal exponent -4 to 5) Go writes plain decimals, and so does
    // ryu, digit for digit (integers were written above, so no "100.0"): most CloudWatch values.
    if (1e-4..1e6).contains(&f.abs()) {
        return out.extend_from_slice(s);
    }
    // Elsewhere read the digits and the decimal exponent back out of ryu's layout.
    let (neg, s) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let (mantissa, e10) = match s.iter().position(|b| *b == b'e') {
        Some(p) => (&s[..p], parse_exp(&s[p + 1..])),
        None => (s, 0),
    };
    let mut digits = [0u8; 40];
    let mut n = 0;
    let mut point = None;
    let mut leading = true;
    let mut skipped = 0i32; // leading zeros after the point
    for &b in mantissa {
        match b {
            b'.' => point = Some(n as i32),
            b'0' if leading => {
                if point.is_some() {
                    skipped += 1;
                }
            }
            _ => {
                leading = false;
                digits[n] = b;
                n += 1;
            }
        }
    }
    // Trailing zeros of the integer part ("100.0" style) are not significant digits.
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    let int_digits = match point {
        // Digits before the point, or (for 0.00x) minus the zeros after it.
        Some(p) => p - skipped,
        // No point: all of the mantissa is the integer part.
        None => mantissa.len() as i32,
    };
    let exp = int_digits - 1 + e10;
    let digits = &digits[..n];
    if neg {
        out.push(b'-');
    }
    // Go: %e when exp < -4 || exp >= eprec, and eprec is 6 for the shortest form.
    if !(-4..6).contains(&exp) {
        exponent_form(out, digits, exp);
    } else if exp < 0 {
        out.extend_from_slice(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        out.extend_from_slice(digits);
    } else {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            out.extend_from_slice(digits);
            for _ in digits.len()..int_len {
                out.push(b'0');
            }
        } else {
            out.extend_from_slice(&digits[..int_len]);
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..]);
        }
    }
}

fn parse_exp(s: &[u8]) -> i32 {
    let (neg, s) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let v = s.iter().fold(0i32, |a, b| a * 10 + i32::from(b - b'0'));
    if neg { -v } else { v }
}

/// A small integer's decimal digits, on the stack.
struct ItoaBuf {
    buf: [u8; 24],
    start: usize,
}

impl ItoaBuf {
    fn take(&mut self) -> &[u8] {
        &self.buf[self.start..]
    }
}

fn itoa_buf(v: i64) -> ItoaBuf {
    let mut buf = [0u8; 24];
    let mut i = buf.len();
    let neg = v < 0;
    let mut u = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        buf[i] = b'-';
    }
    ItoaBuf { buf, start: i }
}

/// A sample's timestamp: milliseconds in the text format, seconds in OpenMetrics.
pub(crate) fn write_timestamp(out: &mut Vec<u8>, ts_ms: i64, openmetrics: bool) {
    if openmetrics {
        out.extend_from_slice(itoa_buf(ts_ms.div_euclid(1000)).take());
        let ms = ts_ms.rem_euclid(1000);
        out.push(b'.');
        out.push(b'0' + (ms / 100) as u8);
        out.push(b'0' + (ms / 10 % 10) as u8);
        out.push(b'0' + (ms % 10) as u8);
    } else {
        out.extend_from_slice(itoa_buf(ts_ms).take());
    }
}

/// Exponent form: `d.ddde+XX`, at least two exponent digits.
fn exponent_form(out: &mut Vec<u8>, digits: &[u8], exp: i32) {
    out.push(digits[0]);
    if digits.len() > 1 {
        out.push(b'.');
        out.extend_from_slice(&digits[1..]);
    }
    out.push(b'e');
    out.push(if exp < 0 { b'-' } else { b'+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(itoa_buf(i64::from(a)).take());
}

pub(crate) fn escape_label_value(out: &mut Vec<u8>, v: &str) {
    for b in v.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}

pub(crate) fn escape_help(out: &mut Vec<u8>, v: &str, openmetrics: bool) {
    for b in v.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'"' if openmetrics => out.extend_from_slice(b"\\\""),
            _ => out.push(b),
        }
    }
}

fn write_sample(out: &mut Vec<u8>, name: &str, s: &Sample, openmetrics: bool) {
    out.extend_from_slice(name.as_bytes());
    if !s.labels.is_empty() {
        out.push(b'{');
        for (i, (k, v)) in s.labels.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b"=\"");
            escape_label_value(out, v);
            out.push(b'"');
        }
        out.push(b'}');
    }
    out.push(b' ');
    write_float(out, s.value);
    if let Some(ts) = s.timestamp_ms {
        out.push(b' ');
        write_timestamp(out, ts, openmetrics);
    }
    out.push(b'\n');
}

/// Text format 0.0.4.
///
/// ```
/// use cw_exporter::exposition::text::{render_text, Family, Kind, Sample};
/// let f = Family {
///     name: "aws_ecs_cpuutilization_average".into(),
///     help: "CloudWatch AWS/ECS CPUUtilization".into(),
///     kind: Kind::Gauge,
///     samples: vec![Sample {
///         labels: vec![("name".into(), "a\"b".into())],
///         value: 12.5,
///         timestamp_ms: None,
///     }],
/// };
/// let want = concat!(
///     "# HELP aws_ecs_cpuutilization_average CloudWatch AWS/ECS CPUUtilization\n",
///     "# TYPE aws_ecs_cpuutilization_average gauge\n",
///     "aws_ecs_cpuutilization_average{name=\"a\\\"b\"} 12.5\n",
/// );
/// assert_eq!(String::from_utf8(render_text(&[f])).unwrap(), want);
/// ```
pub fn render_text(families: &[Family]) -> Vec<u8> {
    let mut out = Vec::with_capacity(families.iter().map(|f| f.samples.len() * 160 + 200).sum());
    for f in families {
        if f.samples.is_empty() {
            continue;
        }
        out.extend_from_slice(b"# HELP ");
        out.extend_from_slice(f.name.as_bytes());
        out.push(b' ');
        escape_help(&mut out, &f.help, false);
        out.extend_from_slice(b"\n# TYPE ");
        out.extend_from_slice(f.name.as_bytes());
        out.extend_from_slice(match f.kind {
            Kind::Gauge => b" gauge\n",
            Kind::Counter => b" counter\n",
        });
        for s in &f.samples {
            write_sample(&mut out, &f.name, s, false);
        }
    }
    out
}

/// OpenMetrics 1.0: counters are declared without `_total`, timestamps are in seconds, and the
/// exposition ends with `# EOF`.
pub fn render_openmetrics(families: &[Family]) -> Vec<u8> {
    let mut out = Vec::with_capacity(families.iter().map(|f| f.samples.len() * 160 + 200).sum());
    for f in families {
        if f.samples.is_empty() {
            continue;
        }
        let meta_name = match f.kind {
            Kind::Counter => f.name.strip_suffix("_total").unwrap_or(&f.name),
            Kind::Gauge => &f.name,
        };
        out.extend_from_slice(b"# TYPE ");
        out.extend_from_slice(meta_name.as_bytes());
        out.extend_from_slice(match f.kind {
            Kind::Gauge => b" gauge\n",
            Kind::Counter => b" counter\n",
        });
        out.extend_from_slice(b"# HELP ");
        out.extend_from_slice(meta_name.as_bytes());
        out.push(b' ');
        escape_help(&mut out, &f.help, true);
        out.push(b'\n');
        for s in &f.samples {
            write_sample(&mut out, &f.name, s, true);
        }
    }
    out.extend_from_slice(b"# EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_match_go() {
        for (f, want) in [
            (1.0, "1"),
            (-1.0, "-1"),
            (100000.0, "100000"),
            (999999.0, "999999"),
            (1000000.0, "1e+06"),
            (1.5e21, "1.5e+21"),
            (0.0001, "0.0001"),
            (0.000123, "0.000123"),
            (1.23e-7, "1.23e-07"),
            (123.456, "123.456"),
            (-0.5, "-0.5"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ] {
            assert_eq!(format_float(f), want, "{f}");
        }
    }

    /// The first implementation (through `{:e}`), kept as the oracle for the fast one.
    fn reference(f: f64) -> String {
        if !f.is_finite() || f == 0.0 {
            return format_float(f);
        }
        let e = format!("{f:e}");
        let (mantissa, exp) = e.split_once('e').unwrap();
        let exp: i32 = exp.parse().unwrap();
        let (neg, mantissa) = match mantissa.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, mantissa),
        };
        let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        if !(-4..6).contains(&exp) {
            out.push_str(&digits[..1]);
            if digits.len() > 1 {
                out.push('.');
                out.push_str(&digits[1..]);
            }
            out.push_str(&format!(
                "e{}{:02}",
                if exp < 0 { '-' } else { '+' },
                exp.abs()
            ));
        } else if exp < 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exp - 1) as usize));
            out.push_str(&digits);
        } else {
            let int_len = (exp + 1) as usize;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.push_str(&"0".repeat(int_len - digits.len()));
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
        out
    }

    #[test]
    fn the_fast_float_writer_equals_the_reference() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            0.1,
            0.5,
            1.5,
            10.0,
            99.99,
            1e5,
            123456.5,
            999999.5,
            1e6,
            1e7,
            1.2e7,
            1e15,
            1e16,
            1e17,
            1e21,
            1e22,
            0.0001,
            0.00012,
            1e-5,
            1.5e-10,
            5e-324,
            42.0,
            3.0e-4,
            0.001234,
            9.999999999999999e-5,
            1.0000000000000002e-4,
            999999.9999999999,
            0.30000000000000004,
        ];
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(f64::from_bits(x));
            // Values like CloudWatch's: a few decimals, or integers, over many magnitudes.
            let scale = 10f64.powi((x % 24) as i32 - 12);
            values.push(((x >> 20) % 100_000) as f64 * scale);
            values.push(((x >> 11) % 10_000_000) as f64);
        }
        let mut ties = 0;
        for v in values {
            for v in [v, -v] {
                let (fast, slow) = (format_float(v), reference(v));
                if fast != slow {
                    // Two shortest candidates equally near (the value is exactly halfway):
                    // ryu (like Go's strconv) rounds half to even, Rust's `{:e}` up. Same length, same value.
                    assert_eq!(fast.len(), slow.len(), "{v:e}");
                    assert_eq!(fast.parse::<f64>().unwrap(), v, "{v:e}");
                    ties += 1;
                }
            }
        }
        // Ties are rare (the 17th digit of an exact binary value ending in 5).
        assert!(ties * 1000 < 1_200_000, "{ties} differences");
    }

    #[test]
    fn families_even_out_labels_and_drop_duplicates() {
        let mut fs = Families::default();
        let l = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        fs.add("m", || "h".into(), Kind::Gauge, l(&[("b", "1")]), 1.0, None);
        fs.add(
            "m",
            || "h".into(),
            Kind::Gauge,
            l(&[("a", "x\ny\\"), ("b", "2")]),
            2.0,
            None,
        );
        fs.add("m", || "h".into(), Kind::Gauge, l(&[("b", "1")]), 3.0, None);
        fs.add(
            "c_total",
            || "calls".into(),
            Kind::Counter,
            l(&[]),
            7.0,
            Some(1_700_000_000_123),
        );
        let (fams, dups) = fs.finish();
        assert_eq!(dups, 1);
        let text = String::from_utf8(render_text(&fams)).unwrap();
        assert_eq!(
            text,
            "# HELP c_total calls\n# TYPE c_total counter\nc_total 7 1700000000123\n\
             # HELP m h\n# TYPE m gauge\nm{a=\"\",b=\"1\"} 1\nm{a=\"x\\ny\\\\\",b=\"2\"} 2\n"
        );
        let om = String::from_utf8(render_openmetrics(&fams)).unwrap();
        assert!(
            om.starts_with("# TYPE c counter\n# HELP c calls\nc_total 7 1700000000.123\n"),
            "{om}"
        );
        assert!(om.ends_with("# EOF\n"));
    }
}
