//! Starting push mode from the `--firehose.*` flags: the access key, the TLS config, the
//! listener; then serving it beside `/metrics`.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;

use super::StartError;
use super::settings::{self, Firehose};
use crate::push::firehose::{BODIES_AT_ONCE, Endpoint, router};
use crate::push::{Push, Rules};
use crate::server::listen;
use crate::server::web::Web;

/// The Firehose listener, bound and ready to serve.
pub struct Prepared {
    /// The endpoint (and through it, push mode's state).
    pub endpoint: Arc<Endpoint>,
    listener: tokio::net::TcpListener,
    web: Option<Arc<Web>>,
}

/// Reads the key and the TLS config and binds the listener: every problem is a start error.
pub async fn prepare(f: &Firehose, rules: Rules) -> Result<Prepared, StartError> {
    let err = |m: String| StartError::Firehose(m);
    let key = match (&f.access_key_file, f.no_access_key) {
        (Some(_), true) => {
            return Err(err(
                "--firehose.access-key-file and --firehose.no-access-key exclude each other".into(),
            ));
        }
        (Some(path), false) => {
            let text = std::fs::read(path).map_err(|e| {
                err(format!(
                    "--firehose.access-key-file {}: {e}",
                    path.display()
                ))
            })?;
            // A trailing newline is the file's, not the key's (echo, kubectl create secret).
            let key = text.trim_ascii_end().to_vec();
            if key.is_empty() {
                return Err(err(format!(
                    "--firehose.access-key-file {}: the file is empty",
                    path.display()
                )));
            }
            if key.len() > 4096 {
                return Err(err(format!(
                    "--firehose.access-key-file {}: longer than Firehose's 4096-byte access key",
                    path.display()
                )));
            }
            Some(key)
        }
        (None, true) => {
            tracing::warn!(
                "--firehose.no-access-key: the Firehose endpoint accepts requests WITHOUT an access key; anyone who reaches it can push series"
            );
            None
        }
        (None, false) => {
            return Err(err(
                "--firehose.listen-address needs --firehose.access-key-file (the key Firehose sends), or --firehose.no-access-key to run without one".into(),
            ));
        }
    };
    let web = match &f.web_config_file {
        Some(p) => {
            let w = Web::load(p).map_err(|e| err(format!("--firehose.web-config.file: {e}")))?;
            if !w.current().config.basic_auth_users.is_empty() {
                return Err(err(format!(
                    "--firehose.web-config.file {}: basic_auth_users cannot be used here, Firehose sends no Authorization header (its access key authenticates)",
                    p.display()
                )));
            }
            Some(Arc::new(w))
        }
        None => None,
    };
    let addr = settings::resolve_listen(&f.listen_address)
        .await
        .map_err(|e| err(format!("--firehose.listen-address: {e}")))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| err(format!("cannot listen on {addr} for Firehose: {e}")))?;
    tracing::info!(
        address = %addr,
        tls = web.as_ref().is_some_and(|w| w.current().tls.is_some()),
        access_key = key.is_some(),
        max_body_bytes = f.max_body_bytes,
        "Firehose endpoint listening (POST /firehose)"
    );
    Ok(Prepared {
        endpoint: Arc::new(Endpoint {
            push: Push::new(rules),
            key,
            max_body: f.max_body_bytes,
            permits: Arc::new(Semaphore::new(BODIES_AT_ONCE)),
        }),
        listener,
        web,
    })
}

/// Serves the Firehose endpoint until `stop`.
pub async fn serve(p: Prepared, stop: impl Future<Output = ()>) {
    listen::serve(p.listener, router(p.endpoint), p.web, stop).await;
}

/// How often the tag loop looks for wants (a region's tags of a namespace, or a listing) it has
/// not read yet.
const NEW_TAG_WANTS_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Keeps the pushed series' tags and listings fresh through `aws`: every `interval` (the
/// discovery interval, at least a minute), and soon after series that want something not read
/// yet arrive. Nothing is called while no pushed series wants tags or a listing.
pub async fn tag_loop(push: Arc<Push>, aws: crate::aws::Aws, interval: std::time::Duration) {
    let interval = interval.max(std::time::Duration::from_secs(60));
    let mut read: std::collections::BTreeSet<(String, crate::push::store::Want)> =
        Default::default();
    let mut last = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(NEW_TAG_WANTS_EVERY).await;
        let wants = push.tag_wants();
        if wants.is_empty() {
            continue;
        }
        if wants.is_subset(&read) && last.elapsed() < interval {
            continue;
        }
        push.clone().refresh_tags(&aws, &wants).await;
        read = wants;
        last = tokio::time::Instant::now();
    }
}
