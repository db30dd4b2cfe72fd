//! The running exporter: the listener, the collection loop, reloads and signals, built from
//! one [`Settings`]. `main` parses flags into settings and calls [`run`].

pub mod cli;
mod firehose;
mod plan_driver;
mod reload;
pub mod settings;
mod verify;

use std::sync::Arc;

use arc_swap::ArcSwap;
use tokio::sync::mpsc;

use crate::aws::{Accounting, Aws, RateLimits};
use crate::collect::{Collector, Snapshot};
use crate::config::{self, ConfigError, Severity};
use crate::server::web::{self, Web, WebConfigError};
use crate::server::{AppState, ReloadReply, ReloadStatus, listen, router};
pub use plan_driver::{PlanError, plan};
pub use reload::Fingerprint;
pub use settings::Settings;
pub use verify::verify;

/// Why the exporter could not start (once running, nothing stops it but a signal).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The config file could not be read, or is invalid.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// `--web.config.file` could not be used.
    #[error("--web.config.file: {0}")]
    WebConfig(#[from] WebConfigError),
    /// `--listen-address` is not an address, or nothing can listen there.
    #[error("{0}")]
    Listen(String),
    /// The `--firehose.*` flags cannot be used as given.
    #[error("{0}")]
    Firehose(String),
}

/// What lives as long as the process: the settings, the web config, and the call accounting
/// and rate limits (shared across reloads: counters never reset, and a reload cannot reset
/// the pace of calls).
pub struct Exporter {
    /// The flags.
    pub settings: Settings,
    web: Option<Arc<Web>>,
    accounting: Arc<Accounting>,
    limits: Arc<RateLimits>,
}

impl Exporter {
    /// Parses config text: warnings logged, errors returned as text. At start unknown keys
    /// are warnings (an existing YACE deployment must come up); a reload is strict.
    fn parse_config(&self, text: &str, strict: bool) -> Result<config::Config, ConfigError> {
        let file = &self.settings.config_file;
        let loaded = config::parse_str(text, file, strict)?;
        for w in &loaded.warnings {
            match w.severity {
                Severity::Note => tracing::debug!("{}", w.display(file)),
                _ => tracing::warn!("{}", w.display(file)),
            }
        }
        if loaded.config.saw_enable_metric_data {
            tracing::info!(
                "`enableMetricData` is accepted and has no effect: cw-exporter always batches queries into GetMetricData"
            );
        }
        Ok(loaded.config)
    }

    /// Push mode's rules for a config.
    fn push_rules(&self, cfg: &config::Config) -> crate::push::Rules {
        crate::push::Rules::of(cfg, self.settings.labels_snake_case)
    }

    /// A collection pipeline for a config.
    async fn collector(&self, cfg: config::Config) -> Collector {
        let aws = Aws::new(
            cfg.sts_region.clone(),
            self.accounting.clone(),
            self.limits.clone(),
            &self.settings.aws_options(),
        )
        .await;
        Collector::new(cfg.jobs, Arc::new(aws), self.settings.collect_options())
    }
}

/// Runs the exporter until SIGTERM or Ctrl-C.
pub async fn run(settings: Settings) -> Result<(), StartError> {
    for note in &settings.notes {
        note.log();
    }
    let text = config::read(&settings.config_file)?;
    let addr = settings::resolve_listen(&settings.listen_address)
        .await
        .map_err(StartError::Listen)?;
    let web = match &settings.web_config_file {
        Some(p) => Some(Arc::new(Web::load(p)?)),
        None => None,
    };
    let exporter = Arc::new(Exporter {
        web: web.clone(),
        accounting: Arc::new(Accounting::default()),
        limits: Arc::new(RateLimits::new(&settings.rate_limits)),
        settings,
    });
    let cfg = exporter.parse_config(&text, false)?;
    let firehose = match &exporter.settings.firehose {
        Some(f) => Some(firehose::prepare(f, exporter.push_rules(&cfg)).await?),
        None => {
            if cfg.streams.present {
                tracing::warn!(
                    "the config's `streams` section has no effect without --firehose.listen-address"
                );
            }
            None
        }
    };
    let tag_aws = match firehose {
        Some(_) => Some(
            Aws::new(
                cfg.sts_region.clone(),
                exporter.accounting.clone(),
                exporter.limits.clone(),
                &exporter.settings.aws_options(),
            )
            .await,
        ),
        None => None,
    };
    let collector = exporter.collector(cfg).await;
    let fingerprint = Fingerprint::new(text, &exporter.settings);

    // Queued reload requests are coalesced, so a small queue is enough; senders wait.
    let (reload_tx, reload_rx) = mpsc::channel::<ReloadReply>(16);
    let state = Arc::new(AppState {
        snapshot: ArcSwap::from_pointee(Snapshot::starting()),
        config_file: exporter.settings.config_file.display().to_string(),
        reload_tx: reload_tx.clone(),
        lifecycle: exporter.settings.enable_lifecycle,
        reload: std::sync::Mutex::new(ReloadStatus {
            successful: true,
            last_success: crate::aws::now_secs(),
        }),
        push: firehose.as_ref().map(|f| f.endpoint.push.clone()),
    });

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| StartError::Listen(format!("cannot listen on {addr}: {e}")))?;
    tracing::info!(
        address = %addr,
        config = %exporter.settings.config_file.display(),
        jobs = collector.jobs().len(),
        tls = web.as_ref().is_some_and(|w| w.current().tls.is_some()),
        basic_auth = web.as_ref().is_some_and(|w| !w.current().config.basic_auth_users.is_empty()),
        lifecycle = exporter.settings.enable_lifecycle,
        "listening"
    );

    tokio::spawn(forward_sighup(reload_tx));
    let (swap_tx, swap_rx) = mpsc::channel::<Collector>(1);
    tokio::spawn(
        reload::Reloader {
            exporter: exporter.clone(),
            current: fingerprint,
            swap: swap_tx,
            state: state.clone(),
        }
        .run(reload_rx),
    );
    tokio::spawn(collect_loop(collector, swap_rx, state.clone()));

    let mut app = router(state);
    if let Some(w) = &web {
        app = app.layer(axum::middleware::from_fn_with_state(w.clone(), web::guard));
    }
    // One stop signal for both listeners.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown().await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let discovery_interval = std::time::Duration::from_secs(exporter.settings.discovery_interval);
    let pushing = firehose.map(|f| {
        tokio::spawn(f.endpoint.push.clone().publish_loop());
        if let Some(aws) = tag_aws {
            tokio::spawn(firehose::tag_loop(
                f.endpoint.push.clone(),
                aws,
                discovery_interval,
            ));
        }
        tokio::spawn(firehose::serve(f, stopped(stop_rx.clone())))
    });
    listen::serve(listener, app, web, stopped(stop_rx)).await;
    if let Some(p) = pushing {
        let _ = p.await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// SIGHUP reloads, like `POST /-/reload` (and always, lifecycle flag or not).
async fn forward_sighup(reload: mpsc::Sender<ReloadReply>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        return;
    };
    while hup.recv().await.is_some() {
        let (tx, _rx) = tokio::sync::oneshot::channel();
        if reload.send(tx).await.is_err() {
            return;
        }
    }
}

enum Step {
    Collected(Snapshot),
    Swap(Option<Box<Collector>>),
}

/// Runs cycles when due and stores each snapshot; a new pipeline from a reload replaces the
/// current one at once, cancelling its cycle in flight (its snapshot keeps serving until the
/// new pipeline's first collection).
async fn collect_loop(
    mut collector: Collector,
    mut swaps: mpsc::Receiver<Collector>,
    state: Arc<AppState>,
) {
    let mut previous: Vec<(String, bool)> = Vec::new();
    loop {
        let due = collector.next_due();
        let mut in_flight = false;
        let step = tokio::select! {
            biased;
            new = swaps.recv() => Step::Swap(new.map(Box::new)),
            snap = async {
                tokio::time::sleep_until(due.into()).await;
                in_flight = true;
                collector.cycle().await
            } => Step::Collected(snap),
        };
        let snap = match step {
            Step::Swap(None) => return,
            Step::Swap(Some(new)) => {
                if in_flight {
                    tracing::info!(
                        "the collection in flight was cancelled: a reloaded config takes over"
                    );
                }
                collector = *new;
                previous.clear();
                continue;
            }
            Step::Collected(snap) => snap,
        };
        log_transitions(&snap, &mut previous);
        let groups: Vec<String> = snap.groups.iter().map(u64::to_string).collect();
        tracing::info!(
            groups = groups.join(","),
            seconds = format!("{:.3}", snap.duration_seconds),
            prepare_ms = format!("{:.1}", snap.prepare_seconds * 1000.0),
            series = snap.jobs.iter().map(|j| j.series).sum::<usize>(),
            "collection finished"
        );
        state.snapshot.store(Arc::new(snap));
    }
}

/// Logs each job's state changes once, not every cycle.
fn log_transitions(snap: &Snapshot, previous: &mut Vec<(String, bool)>) {
    for (i, j) in snap.jobs.iter().enumerate() {
        let was = previous.get(i).map(|p| p.1);
        if !j.success && was != Some(false) {
            tracing::error!(job = %j.label, error = j.error.as_deref().unwrap_or(""), "collection failing");
        } else if j.success && was == Some(false) {
            tracing::info!(job = %j.label, "collection recovered");
        }
    }
    *previous = snap
        .jobs
        .iter()
        .map(|j| (j.label.clone(), j.success))
        .collect();
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
