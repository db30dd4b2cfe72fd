//! Push mode on one core, in process: how many metric-stream records (and points) a second
//! decodes and applies, for JSON and OpenTelemetry 1.0, and the resident memory the store and
//! its layout hold at 100k pushed series (W3's shape: 50 clusters × 143 services × 14
//! Container Insights metrics). Writes bench/reports/push.md.
//!
//! Run: `bench/run push` (or `cargo bench --bench push`).

use std::time::{Duration, Instant};

use base64::Engine;
use cw_exporter::config::{StreamSelect, Streams};
use cw_exporter::exposition::layout::Renderer;
use cw_exporter::model::Dim;
use cw_exporter::push::{Point, Push, Rules, otel, records};

const METRICS: [&str; 14] = [
    "CpuReserved",
    "CpuUtilized",
    "MemoryReserved",
    "MemoryUtilized",
    "StorageReadBytes",
    "StorageWriteBytes",
    "NetworkRxBytes",
    "NetworkTxBytes",
    "DesiredTaskCount",
    "RunningTaskCount",
    "PendingTaskCount",
    "DeploymentCount",
    "TaskSetCount",
    "EphemeralStorageUtilized",
];
/// Metrics per record: a metric stream packs many per Firehose record.
const PER_RECORD: usize = 500;

fn point(c: usize, s: usize, m: usize, ts: i64) -> Point {
    let v = (c * 1000 + s * 14 + m) as f64;
    Point {
        account: "123456789012".into(),
        region: "us-east-1".into(),
        namespace: "ECS/ContainerInsights".into(),
        metric: METRICS[m].into(),
        dimensions: vec![
            Dim {
                name: "ClusterName".into(),
                value: format!("cluster-{c:02}"),
            },
            Dim {
                name: "ServiceName".into(),
                value: format!("service-{s:03}"),
            },
        ],
        timestamp_ms: ts,
        stats: vec![
            ("Maximum".into(), v + 1.0),
            ("Minimum".into(), v),
            ("Sum".into(), v * 3.0),
            ("SampleCount".into(), 3.0),
        ],
    }
}

fn json_line(p: &Point) -> String {
    let stat = |n: &str| p.stats.iter().find(|(s, _)| s == n).unwrap().1;
    format!(
        r#"{{"metric_stream_name":"bench","account_id":"{}","region":"{}","namespace":"{}","metric_name":"{}","dimensions":{{"ClusterName":"{}","ServiceName":"{}"}},"timestamp":{},"value":{{"max":{},"min":{},"sum":{},"count":{}}},"unit":"None"}}"#,
        p.account,
        p.region,
        p.namespace,
        p.metric,
        p.dimensions[0].value,
        p.dimensions[1].value,
        p.timestamp_ms,
        stat("Maximum"),
        stat("Minimum"),
        stat("Sum"),
        stat("SampleCount")
    )
}

/// Every point of the workload, in records of PER_RECORD, each as Firehose's base64 `data`.
fn records(clusters: usize, services: usize, ts: i64, otel_format: bool) -> Vec<String> {
    let mut points = Vec::new();
    for c in 0..clusters {
        for s in 0..services {
            for m in 0..METRICS.len() {
                points.push(point(c, s, m, ts));
            }
        }
    }
    points
        .chunks(PER_RECORD)
        .map(|chunk| {
            let raw = if otel_format {
                otel::encode::record(chunk)
            } else {
                chunk
                    .iter()
                    .map(json_line)
                    .collect::<Vec<_>>()
                    .join("\n")
                    .into_bytes()
            };
            base64::engine::general_purpose::STANDARD.encode(raw)
        })
        .collect()
}

/// Returns freed heap to the system first, as the exporter's malloc settings do promptly, so
/// the figure is what is live rather than what the allocator kept.
#[allow(
    unsafe_code,
    reason = "malloc_trim: one libc call, no safe wrapper in the tree"
)]
fn trimmed_rss_kib() -> u64 {
    // SAFETY: malloc_trim only releases free heap memory; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
    rss_kib()
}

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

struct Run {
    records: usize,
    points: usize,
    decode: Duration,
    apply: Duration,
    /// The same points a minute later: every series updated, none new (the steady state).
    update: Duration,
    publish: Duration,
    series: usize,
    rss_delta_kib: u64,
    live_delta_kib: u64,
}

fn run(clusters: usize, services: usize, otel_format: bool, streams: Streams) -> Run {
    let input = records(clusters, services, 1_700_000_040_000, otel_format);
    let next = records(clusters, services, 1_700_000_100_000, otel_format);
    let before = rss_kib();
    let live_before = trimmed_rss_kib();
    let push = Push::new(Rules::new(&streams, &[], false));
    let (mut decode, mut apply) = (Duration::ZERO, Duration::ZERO);
    let mut points = 0;
    for r in &input {
        let t = Instant::now();
        let d = records::decode(r);
        decode += t.elapsed();
        points += d.points.len();
        let t = Instant::now();
        push.apply(d.points);
        apply += t.elapsed();
    }
    let mut update = Duration::ZERO;
    for r in &next {
        let t = Instant::now();
        let d = records::decode(r);
        push.apply(d.points);
        update += t.elapsed();
    }
    let mut renderer = Renderer::default();
    let t = Instant::now();
    push.publish(&mut renderer);
    let publish = t.elapsed();
    let text: Vec<u8> = push.exposition.load().to_vec(false);
    let series = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .count();
    let rss_delta_kib = rss_kib().saturating_sub(before);
    drop(text);
    let live_delta_kib = trimmed_rss_kib().saturating_sub(live_before);
    drop(push);
    drop(renderer);
    Run {
        records: input.len(),
        points,
        decode,
        apply,
        update,
        publish,
        series,
        rss_delta_kib,
        live_delta_kib,
    }
}

fn main() {
    // `cargo test --all-targets` runs this too (without `--bench`): a small smoke run only.
    if !std::env::args().any(|a| a == "--bench") {
        for otel_format in [false, true] {
            let r = run(2, 3, otel_format, Streams::default());
            assert_eq!(r.points, 2 * 3 * 14);
            // 5 statistics per series: Average is added.
            assert_eq!(r.series, 2 * 3 * 14 * 5);
        }
        return;
    }
    let average_only = Streams {
        select: vec![StreamSelect {
            namespace: "ECS/ContainerInsights".into(),
            metrics: Vec::new(),
            statistics: vec!["Average".into()],
        }],
        ..Streams::default()
    };
    let mut rows = String::new();
    for (name, otel_format, streams) in [
        ("JSON, every statistic", false, Streams::default()),
        (
            "OpenTelemetry 1.0, every statistic",
            true,
            Streams::default(),
        ),
        ("JSON, Average only", false, average_only),
    ] {
        let r = run(50, 143, otel_format, streams);
        let secs = (r.decode + r.apply).as_secs_f64();
        let steady = r.update.as_secs_f64();
        rows.push_str(&format!(
            "| {name} | {} | {} | {:.0} / {:.0} | {:.0} / {:.0} | {:.0} / {:.0} | {:.0} | {} | {:.1} | {:.1} |\n",
            r.records,
            r.points,
            r.records as f64 / secs,
            r.records as f64 / steady,
            r.points as f64 / secs,
            r.points as f64 / steady,
            r.decode.as_secs_f64() * 1000.0,
            r.apply.as_secs_f64() * 1000.0,
            r.publish.as_secs_f64() * 1000.0,
            r.series,
            r.rss_delta_kib as f64 / 1024.0,
            r.live_delta_kib as f64 / 1024.0,
        ));
        eprintln!("{name}: done");
    }
    let report = format!(
        "# Push mode: decode, apply and memory (benches/push.rs)\n\n\
         One core, in process, release build: 100,100 metric-stream points (W3's shape: 50 \
         clusters × 143 services × 14 Container Insights metrics, each with Maximum, Minimum, \
         Sum and SampleCount) in records of {PER_RECORD} metrics, each record base64-decoded, \
         decoded (`push::records::decode`) and applied to the store (`Push::apply`), then \
         published once (the layout for /metrics). Rates are given for the first minute (every \
         series new: labels, ARN and families built) and the next (every series updated, the \
         steady state). What the HTTP request adds (gzip, the body's JSON) is not counted. \
         Memory is the process's resident growth from before the store to after the \
         publication, as the allocator left it (peak) and after returning freed memory to the \
         system (live: the store, its layout and the exposition's values; each series exports 5 \
         statistics, Average included, unless the config selects fewer).\n\n\
         | Run | Records | Points | Records/s first / steady | Points/s first / steady | Decode / apply, first (ms) | Publish (ms) | Samples in /metrics | RSS growth (MiB) | Live growth (MiB) |\n\
         |---|---|---|---|---|---|---|---|---|---|\n{rows}"
    );
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/reports/push.md");
    std::fs::write(&out, report).unwrap();
    println!("wrote {}", out.display());
}
