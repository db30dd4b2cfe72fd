//! The `cw-exporter` binary: YACE's flags, `verify-config` and `version`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::prelude::*;

use cw_exporter::run::{self, Settings};

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

    /// Allow reloads over HTTP (POST /-/reload, YACE's POST /reload); without it they answer
    /// 403. SIGHUP always reloads.
    #[arg(long = "web.enable-lifecycle", global = true)]
    enable_lifecycle: bool,

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
    #[arg(long = "collection-timeout", value_parser = clap::value_parser!(u64).range(1..), global = true)]
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

/// glibc's malloc keeps an arena per thread and returns freed memory lazily: at 100k series
/// that kept about twice the live heap resident (bench/reports/scale.md). One arena (the
/// collector's work is mostly one task at a time) and trimming from 128 KiB bring resident
/// memory close to the live heap.
#[allow(
    unsafe_code,
    reason = "mallopt: glibc's tuning call, no safe wrapper exists"
)]
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
            match runtime().block_on(run::plan(&settings(&cli), offline)) {
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
            match runtime().block_on(run::run(settings(&cli))) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// The settings the library runs with, made once from the flags.
fn settings(cli: &Cli) -> Settings {
    Settings {
        config_file: cli.config_file.clone(),
        web_config_file: cli.web_config_file.clone(),
        listen_address: cli.listen_address.clone(),
        enable_lifecycle: cli.enable_lifecycle,
        rate_limits: cli.rate_limits.clone(),
        aws_timeout: Duration::from_secs(cli.aws_timeout),
        scraping_interval: cli.scraping_interval,
        discovery_interval: cli.discovery_interval,
        failed_series_retention: cli.failed_series_retention,
        collection_timeout: cli.collection_timeout,
        metrics_per_query: cli.metrics_per_query as usize,
        labels_snake_case: cli.labels_snake_case,
    }
}

fn verify(cli: &Cli) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match run::verify(&cli.config_file, cli.web_config_file.as_deref(), &mut out) {
        Ok(true) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

/// The runtime of `plan` and of the exporter itself.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
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
    fn a_zero_collection_timeout_is_refused() {
        assert!(Cli::try_parse_from(["cw-exporter", "--collection-timeout=0"]).is_err());
        assert!(Cli::try_parse_from(["cw-exporter", "--collection-timeout=1"]).is_ok());
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
