//! The `cw-exporter` binary: the flags (`run::cli`), logging, malloc tuning and dispatch.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::prelude::*;

use cw_exporter::run;
use cw_exporter::run::cli::{Cli, Command, LogFormat, LogLevel, PlanOutput, normalise_args};

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
    if !matches!(cli.command, Some(Command::Version))
        && let Err(e) = cli.shard()
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    match cli.command {
        Some(Command::Version) => {
            println!("cw-exporter {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(Command::VerifyConfig { strict }) => verify(&cli, strict),
        Some(Command::Plan { offline, output }) => {
            init_logging(cli.log_level(), cli.log_format);
            if offline.is_some() && cli.total_shards > 1 {
                eprintln!(
                    "error: plan --offline cannot split an estate it has not seen into shards: run plan without --offline, or divide by --total-shards"
                );
                return ExitCode::from(2);
            }
            let settings = cli.settings();
            match runtime().block_on(run::plan(&settings, offline)) {
                Ok(r) => {
                    match output {
                        PlanOutput::Text => {
                            if settings.shard.is_sharded() {
                                println!(
                                    "shard {} of {} (--shard, --total-shards): the figures are this shard's share; discovery lists everything in every shard",
                                    settings.shard.index, settings.shard.total
                                );
                            }
                            print!("{}", r.to_text())
                        }
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
            init_logging(cli.log_level(), cli.log_format);
            match runtime().block_on(run::run(cli.settings())) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn verify(cli: &Cli, strict: bool) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match run::verify(
        &cli.config_file,
        cli.web_config_file.as_deref(),
        strict,
        &mut out,
    ) {
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
