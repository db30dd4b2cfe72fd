//! Reloads: SIGHUP and `POST /-/reload` ask, this task answers. Requests that arrive together
//! are answered by one reload; a config whose bytes (and web config's bytes) are those in force
//! is a no-op that builds nothing and calls nothing; a new one is validated and answered at
//! once, and its pipeline handed to the collection loop, which swaps it in without waiting for
//! the cycle in flight.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::{Exporter, Settings};
use crate::collect::Collector;
use crate::config;
use crate::server::{AppState, ReloadError, ReloadReply, Reloaded};

/// The bytes a running pipeline was built from. Kept whole: configs are small (capped at
/// [`config::MAX_FILE_BYTES`]) and equality must be exact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprint {
    config: String,
    web: Option<Vec<u8>>,
}

impl Fingerprint {
    /// The config text (as parsed) and the web config file's bytes as they are now.
    pub fn new(config: String, settings: &Settings) -> Fingerprint {
        let web = settings.web_config_file.as_ref().and_then(|p| {
            config::read_text(p, config::MAX_FILE_BYTES)
                .ok()
                .map(String::into_bytes)
        });
        Fingerprint { config, web }
    }
}

/// Answers reload requests for one running exporter.
pub struct Reloader {
    pub(super) exporter: Arc<Exporter>,
    /// What the pipeline in force was built from.
    pub(super) current: Fingerprint,
    /// Where a new pipeline goes: the collection loop.
    pub(super) swap: mpsc::Sender<Collector>,
    pub(super) state: Arc<AppState>,
}

impl Reloader {
    /// Answers requests until every sender is gone.
    pub async fn run(mut self, mut requests: mpsc::Receiver<ReloadReply>) {
        while let Some(first) = requests.recv().await {
            let mut waiting = vec![first];
            // Everything already queued is answered by this one reload.
            while let Ok(more) = requests.try_recv() {
                waiting.push(more);
            }
            let result = self.reload().await;
            {
                let mut st = self.state.reload.lock().expect("not poisoned");
                st.successful = result.is_ok();
                // As Prometheus: every successful reload, a no-op one too.
                if result.is_ok() {
                    st.last_success = crate::aws::now_secs();
                }
            }
            for w in waiting {
                let _ = w.send(result.clone());
            }
        }
    }

    async fn reload(&mut self) -> Result<Reloaded, ReloadError> {
        let s = &self.exporter.settings;
        let text = match config::read(&s.config_file) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!("config reload rejected, the old config keeps running: {e}");
                return Err(ReloadError::Config(Arc::new(e)));
            }
        };
        let next = Fingerprint::new(text, s);
        if next == self.current {
            tracing::info!("config reload: nothing changed, nothing done");
            return Ok(Reloaded::Unchanged);
        }
        if next.config == self.current.config {
            // Only the web config changed: it is re-read on its own; no new pipeline.
            if let Some(w) = &self.exporter.web
                && !w.refresh()
            {
                return Err(ReloadError::WebConfig);
            }
            self.current = next;
            tracing::info!("config reload: only the web config changed; re-read it");
            return Ok(Reloaded::Unchanged);
        }
        // As tolerant as at start (unknown keys are warnings), so a config that started also
        // reloads; an error keeps the old config running, and whoever reloads reads it.
        let cfg = match self.exporter.parse_config(&next.config, false) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("config reload rejected, the old config keeps running: {e}");
                return Err(ReloadError::Config(Arc::new(e)));
            }
        };
        if let Some(push) = &self.state.push {
            push.set_rules(self.exporter.push_rules(&cfg));
        }
        let collector = self.exporter.collector(cfg).await;
        let jobs = collector.jobs().len();
        if self.swap.send(collector).await.is_err() {
            return Err(ReloadError::Stopped);
        }
        self.current = next;
        tracing::info!(jobs, "config reloaded");
        Ok(Reloaded::Swapped)
    }
}
