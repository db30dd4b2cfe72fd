//! The time to render `/metrics` at W3 (100k series), in process: what a scrape costs the
//! exporter before the network. Samples are built like the seed's config makes them (14
//! service metrics and 2 cluster metrics of Container Insights, 50 clusters × 143 services, plus
//! one info series per resource), with the same labels. Writes bench/reports/render.md.
//!
//! Run: `bench/run render` (or `cargo bench --bench render`).

use std::sync::Arc;
use std::time::Instant;

use cw_exporter::exposition::layout::{Labels, List, Meta, Renderer, Series};

const CLUSTERS: usize = 50;
const SERVICES: usize = 143;
const SERVICE_METRICS: [&str; 14] = [
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
const CLUSTER_METRICS: [&str; 2] = ["ContainerInstanceCount", "ServiceCount"];

fn labels(pairs: &[(&str, String)]) -> Labels {
    let mut v: Vec<(Arc<str>, Arc<str>)> = pairs
        .iter()
        .map(|(k, v)| (Arc::from(*k), Arc::from(v.as_str())))
        .collect();
    v.sort();
    v.into()
}

fn meta(metric: &str) -> Arc<Meta> {
    let snake: String = metric
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let lower = c.to_ascii_lowercase();
            if c.is_ascii_uppercase() && i > 0 {
                vec!['_', lower]
            } else {
                vec![lower]
            }
        })
        .collect();
    Arc::new(Meta::gauge(
        format!("aws_ecs_containerinsights_{snake}_average"),
        format!(
            "CloudWatch ECS/ContainerInsights {metric} Average, period 300s, over the last 3600s"
        ),
    ))
}

/// One list per job, as the collector hands them over.
fn workload(n_clusters: usize, n_services: usize) -> Vec<Vec<Series>> {
    let account = "123456789012".to_string();
    let region = "us-east-1".to_string();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut value = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 10_000_000) as f64 / 1000.0
    };
    let info = Arc::new(Meta::gauge(
        "aws_ecs_containerinsights_info",
        "A ECS/ContainerInsights resource the exporter discovered (value is always 0)",
    ));
    let (mut clusters, mut services) = (Vec::new(), Vec::new());
    let cluster_metas: Vec<_> = CLUSTER_METRICS.iter().map(|m| meta(m)).collect();
    let service_metas: Vec<_> = SERVICE_METRICS.iter().map(|m| meta(m)).collect();
    for c in 0..n_clusters {
        let cluster = format!("prod-cluster-{c:02}");
        let arn = format!("arn:aws:ecs:{region}:{account}:cluster/{cluster}");
        let l = labels(&[
            ("account_id", account.clone()),
            ("dimension_ClusterName", cluster.clone()),
            ("name", arn.clone()),
            ("region", region.clone()),
        ]);
        for m in &cluster_metas {
            clusters.push(Series {
                meta: m.clone(),
                labels: l.clone(),
                value: value(),
                timestamp_ms: None,
            });
        }
        clusters.push(Series {
            meta: info.clone(),
            labels: labels(&[("name", arn)]),
            value: 0.0,
            timestamp_ms: None,
        });
        for s in 0..n_services {
            let service = format!("checkout-api-service-{s:03}");
            let arn = format!("arn:aws:ecs:{region}:{account}:service/{cluster}/{service}");
            let l = labels(&[
                ("account_id", account.clone()),
                ("dimension_ClusterName", cluster.clone()),
                ("dimension_ServiceName", service.clone()),
                ("name", arn.clone()),
                ("region", region.clone()),
            ]);
            for m in &service_metas {
                services.push(Series {
                    meta: m.clone(),
                    labels: l.clone(),
                    value: value(),
                    timestamp_ms: None,
                });
            }
            services.push(Series {
                meta: info.clone(),
                labels: labels(&[("name", arn)]),
                value: 0.0,
                timestamp_ms: None,
            });
        }
    }
    vec![clusters, services]
}

fn ms(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo test --all-targets` runs this too (without `--bench`): then only a small smoke run,
    // and no report.
    if !std::env::args().any(|a| a == "--bench") {
        let lists: Vec<List> = workload(2, 3)
            .iter()
            .map(|l| List::from_series(l))
            .collect();
        let slices: Vec<&List> = lists.iter().collect();
        let text = Renderer::default().prepare(&slices).to_vec(false);
        let samples = text
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty() && l[0] != b'#');
        assert_eq!(samples.count(), 2 * (2 + 1) + 2 * 3 * (14 + 1));
        return;
    }
    let lists: Vec<List> = workload(CLUSTERS, SERVICES)
        .iter()
        .map(|l| List::from_series(l))
        .collect();
    let slices: Vec<&List> = lists.iter().collect();
    let n: usize = slices.iter().map(|s| s.len()).sum();
    let mut r = Renderer::default();
    let mut e = None;
    let build = ms(|| e = Some(r.prepare(&slices)));
    let e = e.expect("prepared");
    assert!(e.rebuilt);
    let reuse = median(
        (0..20)
            .map(|_| ms(|| assert!(!r.prepare(&slices).rebuilt)))
            .collect(),
    );
    let mut size = 0;
    let mut time = |om: bool| {
        median(
            (0..30)
                .map(|_| {
                    ms(|| {
                        // What a scrape does: every chunk, in order (here into a sink).
                        size = e.chunks(om).map(|c| c.len()).sum();
                    })
                })
                .collect(),
        )
    };
    let text = time(false);
    let om = time(true);
    let text_size: usize = e.chunks(false).map(|c| c.len()).sum();
    // What a scrape with `Accept-Encoding: gzip` adds, per level: CPU and bytes on the wire.
    let gzip_rows: String = [1u32, 3, 6]
        .iter()
        .map(|&level| {
            let mut bytes = 0;
            let t = median(
                (0..5)
                    .map(|_| {
                        ms(|| {
                            bytes = cw_exporter::server::gzip::GzChunks::new(e.chunks(false), level)
                                .map(|c| c.len())
                                .sum();
                        })
                    })
                    .collect(),
            );
            let mark = if level == cw_exporter::server::gzip::LEVEL { " (used)" } else { "" };
            format!("| gzip level {level}{mark} | every gzip scrape | {t:.0} ms, {:.2} MB ({:.1} % of the text) |\n", bytes as f64 / 1e6, 100.0 * bytes as f64 / text_size as f64)
        })
        .collect();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let report = format!(
        "# Rendering /metrics at W3 (benches/render.rs)\n\n\
         {cpus} CPUs, release build, in process (no network). {n} series: the seed's 14 service and 2 cluster \
         metrics of Container Insights on {CLUSTERS} clusters × {SERVICES} services, plus one info series per \
         resource, labelled as the exporter labels them; values with up to 7 significant digits.\n\n\
         | step | when | time |\n|---|---|---|\n\
         | build the layout (families, sorted rows, label blocks) | after each discovery | {build:.1} ms |\n\
         | reuse it (same shape) and take the cycle's values | every cycle | {reuse:.2} ms |\n\
         | **write the text format** ({:.1} MB) | every scrape | **{text:.1} ms** (median of 30) |\n\
         | write OpenMetrics | every scrape | {om:.1} ms (median of 30) |\n\
         {gzip_rows}\n\
         Target (issue 6): render at W3 ≤ 10 ms.\n",
        text_size as f64 / 1e6
    );
    let out = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/reports/render.md");
    std::fs::write(out, &report).expect("write the report");
    print!("{report}");
}
