//! The `cw-exporter` binary: YACE's flags, `verify-config` and `version`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use arc_swap::ArcSwap;
use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::prelude::*;

use cw_exporter::aws::{Accounting, Aws, RateLimits};
use cw_exporter::collect::cadence::Cadence;
use cw_exporter::collect::{Collector, Options, Snapshot};
use cw_exporter::config::{self, Severity};
use cw_exporter::discovery;
use cw_exporter::plan::report::{self, Report};
use cw_exporter::server::web::{self, Web};
use cw_exporter::server::{AppState, ReloadReply, ReloadStatus, listen, router};
use std::collections::BTreeMap;

#[derive(Parser, Debug)]
#[command(
    name = "cw-exporter",
    version,
    about = "Exports CloudWatch metrics to Prometheus; reads YACE configs unchanged.",
    after_help = "YACE's single-dash spelling works too: -config.file=config.yml -listen-address=:5000"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Path of the YAML config (either YACE dialect).
    #[arg(long = "config.file", default_value = "config.yml", global = true)]
    config_file: PathBuf,

    /// Address to serve /metrics on; ":5000" means every interface, port 5000.
    #[arg(
        long = "listen-address",
        visible_alias = "web.listen-address",
        default_value = ":5000",
        global = true
    )]
    listen_address: String,

    /// Client-side rate limit, API=CALLS_PER_SECOND (repeatable; 0 = none). Defaults:
    /// GetMetricData=40, ListMetrics=20, GetResources=10, below AWS's default quotas.
    #[arg(long = "aws.rate-limit", value_parser = cw_exporter::aws::limits::parse_override, global = true)]
    rate_limits: Vec<(String, f64)>,

    /// Exporter-toolkit web config (TLS, basic auth); re-read when it or a file it names changes.
    #[arg(long = "web.config.file", global = true)]
    web_config_file: Option<PathBuf>,

    /// Seconds between two collections of a metric that sets no `collectionInterval`.
    #[arg(long = "scraping-interval", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    scraping_interval: u64,

    /// Seconds a discovery (ListMetrics, tags) is reused before it runs again; 0: every cycle.
    #[arg(long = "discovery-interval", default_value_t = 600, global = true)]
    discovery_interval: u64,

    /// Seconds a failing job's last good series are still served before they are dropped
    /// (default: three of their collection intervals; never less than two).
    #[arg(long = "failed-series-retention", global = true)]
    failed_series_retention: Option<u64>,

    /// Seconds one AWS API call may take, retries included.
    #[arg(long = "aws.timeout", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    aws_timeout: u64,

    /// Seconds one collection may take per region and role before its jobs count as failed
    /// (default: the scraping interval, and at least 300).
    #[arg(long = "collection-timeout", global = true)]
    collection_timeout: Option<u64>,

    /// Queries per GetMetricData call (CloudWatch allows at most 500).
    #[arg(long = "metrics-per-query", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=500), global = true)]
    metrics_per_query: u64,

    /// Snake-case dimension and tag label names (dimension_cluster_name, not dimension_ClusterName).
    #[arg(long = "labels-snake-case", global = true)]
    labels_snake_case: bool,

    /// Least severe log level written: debug, info, warn or error.
    #[arg(long = "log.level", default_value = "info", global = true)]
    log_level: LogLevel,

    /// Log line format: logfmt or json.
    #[arg(long = "log.format", default_value = "logfmt", global = true)]
    log_format: LogFormat,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check the config file, print every problem with its line and column, exit non-zero if any.
    VerifyConfig,
    /// Print the version and exit.
    Version,
    /// Run discovery once and print what the config will cost: series, GetMetricData calls and
    /// metrics billed per cycle, discovery calls, dollars per month at list price.
    Plan {
        /// Do not call AWS: assume this many series for every metric of every discovery job.
        #[arg(long, value_name = "SERIES_PER_METRIC")]
        offline: Option<usize>,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        output: PlanOutput,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PlanOutput {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Logfmt,
    Json,
}

/// YACE (Go's flag package) spells long flags with one dash: `-config.file=x`. Give them two.
fn normalise_args(args: impl IntoIterator<Item = String>) -> Vec<String> {
    args.into_iter()
        .enumerate()
        .map(|(i, a)| {
            if i > 0 && a.starts_with('-') && !a.starts_with("--") && a.len() > 2 {
                format!("-{a}")
            } else {
                a
            }
        })
        .collect()
}

fn init_logging(level: LogLevel, format: LogFormat) {
    let level = match level {
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    };
    // --log.level is ours; every library (the AWS SDK, hyper) stays at warn: their debug output
    // is large and carries request detail (signed headers) that has no place in our logs.
    let filter = tracing_subscriber::EnvFilter::new(format!("warn,cw_exporter={level}"));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr),
            )
            .init(),
        LogFormat::Logfmt => registry
            .with(
                tracing_logfmt::builder()
                    .layer()
                    .with_writer(std::io::stderr),
            )
            .init(),
    }
}

fn parse_listen(addr: &str) -> anyhow::Result<SocketAddr> {
    let full = if addr.starts_with(':') {
        format!("0.0.0.0{addr}")
    } else {
        addr.to_string()
    };
    full.parse()
        .with_context(|| format!("--listen-address `{addr}` is not HOST:PORT or :PORT"))
}

/// glibc's malloc keeps an arena per thread and returns freed memory lazily: at 100k series
/// that kept about twice the live heap resident (bench/reports/scale.md). One arena (the
/// collector's work is mostly one task at a time) and trimming from 128 KiB bring resident
/// memory close to the live heap.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called first thing, before any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 * 1024);
    }
}

fn main() -> ExitCode {
    tune_malloc();
    let cli = Cli::parse_from(normalise_args(std::env::args()));
    match cli.command {
        Some(Command::Version) => {
            println!("cw-exporter {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(Command::VerifyConfig) => verify(&cli),
        Some(Command::Plan { offline, output }) => {
            init_logging(cli.log_level, cli.log_format);
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            match rt.block_on(plan_cmd(&cli, offline)) {
                Ok(r) => {
                    match output {
                        PlanOutput::Text => print!("{}", r.to_text()),
                        PlanOutput::Json => println!(
                            "{}",
                            serde_json::to_string_pretty(&r).expect("a report serialises")
                        ),
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        None => {
            init_logging(cli.log_level, cli.log_format);
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            match rt.block_on(run(cli)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn verify(cli: &Cli) -> ExitCode {
    let web_ok = match &cli.web_config_file {
        None => true,
        Some(p) => match Web::load(p) {
            Ok(_) => {
                println!("{}: OK", p.display());
                true
            }
            Err(e) => {
                println!("{e}");
                false
            }
        },
    };
    let code = verify_config(cli);
    if web_ok { code } else { ExitCode::FAILURE }
}

fn verify_config(cli: &Cli) -> ExitCode {
    match config::load(&cli.config_file, true) {
        Ok(l) => {
            for w in &l.warnings {
                println!("{}", w.display(&cli.config_file));
            }
            let warnings = l
                .warnings
                .iter()
                .filter(|p| p.severity == Severity::Warning)
                .count();
            println!(
                "{}: OK ({} job(s), {} warning(s))",
                cli.config_file.display(),
                l.config.jobs.len(),
                warnings
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            for p in &e.problems {
                println!("{}", p.display(&e.file));
            }
            let n = e
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .count();
            println!("{}: {} error(s)", e.file.display(), n);
            ExitCode::FAILURE
        }
    }
}

/// The `plan` subcommand: discovery once (or the user's counts), then the collector's planner.
async fn plan_cmd(cli: &Cli, offline: Option<usize>) -> anyhow::Result<Report> {
    let loaded = config::load(&cli.config_file, false).map_err(|e| anyhow::anyhow!("{e}"))?;
    for w in loaded
        .warnings
        .iter()
        .filter(|w| w.severity == Severity::Warning)
    {
        eprintln!("{}", w.display(&cli.config_file));
    }
    let jobs = loaded.config.jobs;
    let mut scopes = Vec::new();
    let default_age = Duration::from_secs(cli.discovery_interval);
    let age =
        |ids: &[usize]| cw_exporter::collect::discovery_age(&jobs, ids, default_age).as_secs();
    match offline {
        Some(n) => {
            for ((_, region), ids) in discovery::scopes(&jobs) {
                let (targets, estimated) = discovery::assumed(&jobs, &ids, n);
                scopes.push(report::Scope {
                    region,
                    jobs: ids.clone(),
                    targets,
                    discovery_calls: estimated
                        .into_iter()
                        .map(|(api, c)| (api.to_string(), c))
                        .collect(),
                    discovery_interval_seconds: age(&ids),
                });
            }
        }
        None => {
            let acc = Arc::new(Accounting::default());
            let aws = Aws::new(
                loaded.config.sts_region.clone(),
                acc.clone(),
                Arc::new(RateLimits::new(&cli.rate_limits)),
                Duration::from_secs(cli.aws_timeout),
            )
            .await;
            // The account id is looked up once per role for the process, not per discovery.
            let totals = || -> BTreeMap<String, u64> {
                let mut m = BTreeMap::new();
                for (k, n) in acc.calls() {
                    if k.api != "GetCallerIdentity" {
                        *m.entry(k.api.to_string()).or_default() += n;
                    }
                }
                m
            };
            for ((role, region), ids) in discovery::scopes(&jobs) {
                let session = aws.session(&role, &region).await?;
                let before = totals();
                let found = discovery::discover(&session, &jobs, &ids).await;
                if let Some((j, e)) = found.failed.first() {
                    anyhow::bail!("discovery for {} failed: {e}", jobs[*j].label);
                }
                let discovery_calls = totals()
                    .into_iter()
                    .map(|(api, n)| (api.clone(), n - before.get(&api).copied().unwrap_or(0)))
                    .filter(|(_, n)| *n > 0)
                    .collect();
                scopes.push(report::Scope {
                    region: region.clone(),
                    jobs: ids.clone(),
                    targets: found.targets,
                    discovery_calls,
                    discovery_interval_seconds: age(&ids),
                });
            }
        }
    }
    let cadence = Cadence::new(&jobs, cli.scraping_interval);
    Ok(report::report(
        &jobs,
        &scopes,
        cli.metrics_per_query as usize,
        &cadence,
        &RateLimits::new(&cli.rate_limits),
    ))
}

/// Loads the config for the running exporter: warnings logged, errors returned as text. At
/// start unknown keys are warnings (an existing YACE deployment must come up); a reload is
/// strict, since the old config keeps running and whoever reloads is there to read the error.
fn load_for_run(cli: &Cli, strict: bool) -> Result<config::Config, String> {
    let loaded = config::load(&cli.config_file, strict).map_err(|e| e.to_string())?;
    for w in &loaded.warnings {
        match w.severity {
            Severity::Note => tracing::debug!("{}", w.display(&cli.config_file)),
            _ => tracing::warn!("{}", w.display(&cli.config_file)),
        }
    }
    if loaded.config.saw_enable_metric_data {
        tracing::info!(
            "`enableMetricData` is accepted and has no effect: cw-exporter always batches queries into GetMetricData"
        );
    }
    Ok(loaded.config)
}

/// A collector for a config. The accounting and the rate limits are shared across reloads:
/// counters never reset, and a reload cannot reset the pace of calls.
async fn collector_for(
    cli: &Cli,
    cfg: config::Config,
    acc: Arc<Accounting>,
    limits: Arc<RateLimits>,
) -> Collector {
    let aws = Arc::new(
        Aws::new(
            cfg.sts_region.clone(),
            acc,
            limits,
            Duration::from_secs(cli.aws_timeout),
        )
        .await,
    );
    Collector::new(
        cfg.jobs,
        aws,
        Options {
            interval: Duration::from_secs(cli.scraping_interval),
            metrics_per_query: cli.metrics_per_query as usize,
            labels_snake_case: cli.labels_snake_case,
            discovery_interval: Duration::from_secs(cli.discovery_interval),
            failed_series_retention: cli.failed_series_retention.map(Duration::from_secs),
            cycle_timeout: Duration::from_secs(
                cli.collection_timeout
                    .unwrap_or(cli.scraping_interval.max(300)),
            ),
        },
    )
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let cfg = load_for_run(&cli, false).map_err(|e| anyhow::anyhow!("{e}"))?;
    let addr = parse_listen(&cli.listen_address)?;
    let web = match &cli.web_config_file {
        Some(p) => Some(Arc::new(
            Web::load(p).map_err(|e| anyhow::anyhow!("--web.config.file: {e}"))?,
        )),
        None => None,
    };
    let acc = Arc::new(Accounting::default());
    let limits = Arc::new(RateLimits::new(&cli.rate_limits));
    let mut collector = collector_for(&cli, cfg, acc.clone(), limits.clone()).await;
    let (reload_tx, mut reload_rx) = tokio::sync::mpsc::channel::<ReloadReply>(4);
    let state = Arc::new(AppState {
        snapshot: ArcSwap::from_pointee(Snapshot::starting()),
        config_file: cli.config_file.display().to_string(),
        reload_tx: reload_tx.clone(),
        reload: std::sync::Mutex::new(ReloadStatus {
            successful: true,
            last_success: cw_exporter::aws::now_secs(),
        }),
    });

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(
        address = %addr,
        config = %cli.config_file.display(),
        jobs = collector.jobs().len(),
        tls = web.as_ref().is_some_and(|w| w.current().tls.is_some()),
        basic_auth = web.as_ref().is_some_and(|w| !w.current().config.basic_auth_users.is_empty()),
        "listening"
    );

    // SIGHUP reloads, like POST /-/reload.
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hup.recv().await.is_some() {
            let (tx, _rx) = tokio::sync::oneshot::channel();
            if reload_tx.send(tx).await.is_err() {
                return;
            }
        }
    });

    let collect_state = state.clone();
    tokio::spawn(async move {
        let mut previous: Vec<(String, bool)> = Vec::new();
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(collector.next_due().into()) => {}
                Some(reply) = reload_rx.recv() => {
                    // A new config gets a new pipeline, whose schedule starts now; the old
                    // snapshot serves until its first collection. A bad config changes nothing.
                    let result = match load_for_run(&cli, true) {
                        Ok(cfg) => {
                            collector = collector_for(&cli, cfg, acc.clone(), limits.clone()).await;
                            previous.clear();
                            tracing::info!(jobs = collector.jobs().len(), "config reloaded");
                            Ok(())
                        }
                        Err(e) => {
                            tracing::error!("config reload rejected, the old config keeps running: {e}");
                            Err(e)
                        }
                    };
                    {
                        let mut st = collect_state.reload.lock().expect("not poisoned");
                        st.successful = result.is_ok();
                        if result.is_ok() {
                            st.last_success = cw_exporter::aws::now_secs();
                        }
                    }
                    let _ = reply.send(result);
                    continue;
                }
            }
            let snap = collector.cycle().await;
            // Log each job's state changes once, not every cycle.
            let now: Vec<(String, bool)> = snap
                .jobs
                .iter()
                .map(|j| (j.label.clone(), j.success))
                .collect();
            for (i, j) in snap.jobs.iter().enumerate() {
                let was = previous.get(i).map(|p| p.1);
                if !j.success && was != Some(false) {
                    tracing::error!(job = %j.label, error = j.error.as_deref().unwrap_or(""), "collection failing");
                } else if j.success && was == Some(false) {
                    tracing::info!(job = %j.label, "collection recovered");
                }
            }
            previous = now;
            let groups: Vec<String> = snap.groups.iter().map(u64::to_string).collect();
            tracing::info!(
                groups = groups.join(","),
                seconds = format!("{:.3}", snap.duration_seconds),
                prepare_ms = format!("{:.1}", snap.prepare_seconds * 1000.0),
                series = snap.jobs.iter().map(|j| j.series).sum::<usize>(),
                "collection finished"
            );
            collect_state.snapshot.store(Arc::new(snap));
        }
    });

    let mut app = router(state);
    if let Some(w) = &web {
        app = app.layer(axum::middleware::from_fn_with_state(w.clone(), web::guard));
    }
    listen::serve(listener, app, web, shutdown()).await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_dash_yace_flags_become_double_dash() {
        let a = normalise_args(
            [
                "cw-exporter",
                "-config.file=/x.yml",
                "-listen-address",
                ":9",
                "--labels-snake-case",
                "-h",
            ]
            .map(String::from),
        );
        assert_eq!(
            a,
            vec![
                "cw-exporter",
                "--config.file=/x.yml",
                "--listen-address",
                ":9",
                "--labels-snake-case",
                "-h"
            ]
        );
        let cli = Cli::try_parse_from(a.into_iter().filter(|x| x != "-h")).unwrap();
        assert_eq!(cli.config_file, PathBuf::from("/x.yml"));
        assert_eq!(cli.listen_address, ":9");
        assert!(cli.labels_snake_case);
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(parse_listen(":5000").unwrap().to_string(), "0.0.0.0:5000");
        assert_eq!(
            parse_listen("127.0.0.1:1").unwrap().to_string(),
            "127.0.0.1:1"
        );
        assert!(parse_listen("nope").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
