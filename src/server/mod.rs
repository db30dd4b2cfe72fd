//! HTTP routes. `/metrics` serves the bytes of the last snapshot: a pointer load and a write,
//! never a call to AWS, never a re-render. Only the few reload series are rendered per scrape,
//! so a rejected reload shows at once.

use std::convert::Infallible;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

pub mod gzip;
pub mod listen;
pub mod web;
pub mod web_config;

use crate::collect::Snapshot;
use crate::exposition::layout::Exposition;
use crate::exposition::text::{Families, Kind};

/// What a successful reload did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reloaded {
    /// A new config: its pipeline replaced the old one.
    Swapped,
    /// The config's bytes are those in force: nothing was built or called.
    Unchanged,
}

/// Where a reload request gets its answer: what it did, or the config's errors
/// (file:line:column).
pub type ReloadReply = oneshot::Sender<Result<Reloaded, ReloadError>>;

/// Why a reload was refused: the old config keeps running. Shared by every request the one
/// reload answered.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ReloadError {
    /// The config could not be read, or is invalid (every error, with its position).
    #[error("{0}")]
    Config(Arc<crate::config::ConfigError>),
    /// The web config changed and the change could not be used.
    #[error("the web config change was rejected (see the log); the old one keeps serving")]
    WebConfig,
    /// The collection loop is gone (the exporter is stopping).
    #[error("the collection loop is not running")]
    Stopped,
}

/// The outcome of the last config (re)load.
#[derive(Clone, Debug)]
pub struct ReloadStatus {
    /// Whether the last (re)load was used.
    pub successful: bool,
    /// Seconds since the epoch of the last successful load.
    pub last_success: i64,
}

/// The Prometheus text format's content type.
pub const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";
/// OpenMetrics' content type.
pub const OPENMETRICS_FORMAT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What the routes share: the snapshot to serve and the reload channel.
pub struct AppState {
    /// The last cycle's snapshot: swapped in by the collector, read by every scrape.
    pub snapshot: ArcSwap<Snapshot>,
    /// Shown on `/`.
    pub config_file: String,
    /// Asks for a reload of the config.
    pub reload_tx: mpsc::Sender<ReloadReply>,
    /// `--web.enable-lifecycle`: without it the HTTP reload routes answer 403.
    pub lifecycle: bool,
    /// The outcome of the last (re)load, for the self-metrics.
    pub reload: Mutex<ReloadStatus>,
    /// Push mode, when `--firehose.listen-address` is set: its series follow the polled ones.
    pub push: Option<Arc<crate::push::Push>>,
}

impl AppState {
    /// The reload series, rendered per scrape (a few lines).
    fn reload_metrics(&self, openmetrics: bool) -> Bytes {
        let st = self.reload.lock().expect("not poisoned").clone();
        let mut fs = Families::default();
        fs.add(
            "cw_exporter_config_last_reload_successful",
            || {
                "1 if the last config (re)load succeeded; a rejected one keeps the old config"
                    .into()
            },
            Kind::Gauge,
            Default::default(),
            if st.successful { 1.0 } else { 0.0 },
            None,
        );
        fs.add(
            "cw_exporter_config_last_reload_success_timestamp_seconds",
            || "When the config was last loaded successfully".into(),
            Kind::Gauge,
            Default::default(),
            st.last_success as f64,
            None,
        );
        let mut out = Exposition::of(fs).to_vec(openmetrics);
        if openmetrics {
            // The response's last chunk: OpenMetrics ends with `# EOF`.
            out.extend_from_slice(b"# EOF\n");
        }
        Bytes::from(out)
    }
}

/// The routes: `/metrics`, the landing page, health and readiness, reload.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/", get(landing))
        .route("/-/healthy", get(|| async { "Healthy\n" }))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/-/ready", get(ready))
        .route("/-/reload", post(reload))
        .route("/reload", post(reload))
        .with_state(state)
}

/// The values listed in a header such as `Accept` or `Accept-Encoding`, lower case, each
/// with whether it is refused (`q=0`).
fn listed(headers: &HeaderMap, name: header::HeaderName) -> Vec<(String, bool)> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|part| {
            let mut it = part.split(';').map(str::trim);
            let value = it.next().unwrap_or("").to_ascii_lowercase();
            let refused = it.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (value, refused)
        })
        .collect()
}

/// OpenMetrics when the scraper lists it in `Accept` (Prometheus does, with a q-value), else
/// the classic text format.
fn wants_openmetrics(headers: &HeaderMap) -> bool {
    listed(headers, header::ACCEPT)
        .iter()
        .any(|(media, refused)| media == "application/openmetrics-text" && !refused)
}

async fn metrics(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let snap = s.snapshot.load_full();
    let om = wants_openmetrics(&headers);
    // The snapshot's chunks, written as the client reads them (the CloudWatch series from the
    // cycle's layout and values), then the reload series, which end an OpenMetrics response
    // with its `# EOF`.
    let content_type = if om { OPENMETRICS_FORMAT } else { TEXT_FORMAT };
    let tail = s.reload_metrics(om);
    // Pushed series never share a family with polled ones (polling wins per metric), so the
    // two expositions are written one after the other.
    let pushed = s
        .push
        .as_ref()
        .map(|p| (p.exposition.load_full(), p.own_metrics(om)));
    let (pushed_series, pushed_own) = match pushed {
        Some((e, own)) => (Some(e), Some(own)),
        None => (None, None),
    };
    let chunks = snap
        .cloudwatch
        .chunks(om)
        .chain(pushed_series.into_iter().flat_map(move |e| e.chunks(om)))
        .chain(snap.own.chunks(om))
        .chain(pushed_own)
        .chain(std::iter::once(tail));
    if gzip::accepted(&headers) {
        let body = futures_util::stream::iter(
            gzip::GzChunks::new(chunks, gzip::LEVEL).map(Ok::<_, Infallible>),
        );
        return (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CONTENT_ENCODING, "gzip"),
                (header::VARY, "Accept-Encoding"),
            ],
            Body::from_stream(body),
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::VARY, "Accept-Encoding"),
        ],
        Body::from_stream(futures_util::stream::iter(chunks.map(Ok::<_, Infallible>))),
    )
        .into_response()
}

/// The 403 of a lifecycle route when `--web.enable-lifecycle` is off.
pub const LIFECYCLE_OFF: &str = "Lifecycle API is not enabled: start cw-exporter with --web.enable-lifecycle to reload over HTTP (SIGHUP always reloads)\n";

async fn reload(State(s): State<Arc<AppState>>) -> Response {
    if !s.lifecycle {
        return (StatusCode::FORBIDDEN, LIFECYCLE_OFF).into_response();
    }
    let (tx, rx) = oneshot::channel();
    if s.reload_tx.send(tx).await.is_err() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the collection loop is not running\n",
        )
            .into_response();
    }
    match rx.await {
        Ok(Ok(Reloaded::Swapped)) => (StatusCode::OK, "Reloaded\n").into_response(),
        Ok(Ok(Reloaded::Unchanged)) => {
            (StatusCode::OK, "Config unchanged: nothing reloaded\n").into_response()
        }
        Ok(Err(e)) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "reload not answered\n").into_response(),
    }
}

async fn ready(State(s): State<Arc<AppState>>) -> Response {
    if s.snapshot.load().ready() {
        (StatusCode::OK, "Ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "Not ready: the first collection has not finished\n",
        )
            .into_response()
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A moment as a person reads it: `2026-12-01T10:18:58Z (12 s ago)`.
fn when(t: i64, now: i64) -> String {
    use aws_sdk_cloudwatch::primitives::{DateTime, DateTimeFormat};
    let date = DateTime::from_secs(t)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| t.to_string());
    let d = now - t;
    let rel = match d {
        d if d < 0 => format!("in {}", span(-d)),
        d => format!("{} ago", span(d)),
    };
    format!("{date} ({rel})")
}

/// `45 s`, `12 min`, `3 h`, `2 d`.
fn span(s: i64) -> String {
    match s {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

async fn landing(State(s): State<Arc<AppState>>) -> Html<String> {
    let snap = s.snapshot.load();
    let now = crate::aws::now_secs();
    let mut h = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>cw-exporter</title></head><body>\
         <h1>cw-exporter</h1><p><a href=\"/metrics\">Metrics</a> · \
         <a href=\"/-/healthy\">/-/healthy</a> · <a href=\"/-/ready\">/-/ready</a></p>",
    );
    let _ = write!(
        h,
        "<p>Version {} · config <code>{}</code> · times in UTC</p>",
        env!("CARGO_PKG_VERSION"),
        esc(&s.config_file)
    );
    match snap.finished_at {
        None => h.push_str("<p>The first collection has not finished yet.</p>"),
        Some(t) => {
            let _ = write!(
                h,
                "<p>Last collection finished {} and took {:.2} s.",
                when(t, now),
                snap.duration_seconds
            );
            if let Some(next) = snap.next_at {
                let _ = write!(h, " Next collection {}.", when(next, now));
            }
            h.push_str("</p>");
        }
    }
    let _ = write!(
        h,
        "<p>Since start: {} AWS calls, {} GetMetricData metrics billed.</p>",
        snap.calls_total, snap.metrics_billed_total
    );
    h.push_str(
        "<table border=\"1\" cellpadding=\"4\"><tr><th>Job</th><th>Namespace</th><th>Status</th>\
         <th>Series</th><th>Most frequent collection</th><th>Last success</th><th>Last error</th></tr>",
    );
    for j in &snap.jobs {
        let status = if j.success {
            "ok".to_string()
        } else {
            format!("failing: {}", j.error.as_deref().unwrap_or("unknown error"))
        };
        let last_error = match &j.last_error {
            None => "none".to_string(),
            Some((e, at)) => format!("{}: {e}", when(*at, now)),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>every {} s</td><td>{}</td><td>{}</td></tr>",
            esc(&j.label),
            esc(&j.namespace),
            esc(&status),
            j.series,
            j.interval_seconds,
            j.last_success
                .map(|t| when(t, now))
                .unwrap_or_else(|| "never".into()),
            esc(&last_error)
        );
    }
    h.push_str("</table>");
    if snap.scopes.len() > 1 {
        h.push_str(
            "<p>By account and region:</p><table border=\"1\" cellpadding=\"4\"><tr><th>Account</th>\
             <th>Region</th><th>Role</th><th>Status</th><th>Took</th><th>Last success</th></tr>",
        );
        for sc in &snap.scopes {
            let status = match &sc.error {
                None => "ok".to_string(),
                Some(e) => format!("failing: {e}"),
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1} s</td><td>{}</td></tr>",
                esc(&sc.account),
                esc(&sc.region),
                esc(if sc.role.is_empty() {
                    "default credentials"
                } else {
                    &sc.role
                }),
                esc(&status),
                sc.duration_seconds,
                sc.last_success
                    .map(|t| when(t, now))
                    .unwrap_or_else(|| "never".into()),
            );
        }
        h.push_str("</table>");
    }
    h.push_str("</body></html>\n");
    Html(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn moments_read_as_dates_and_spans() {
        assert_eq!(
            when(1_796_120_338, 1_796_120_350),
            "2026-12-01T10:18:58Z (12 s ago)"
        );
        assert_eq!(
            when(1_796_120_338, 1_796_120_038),
            "2026-12-01T10:18:58Z (in 5 min)"
        );
        assert_eq!(span(7200), "2 h");
        assert_eq!(span(200_000), "2 d");
    }

    #[test]
    fn accept_negotiation() {
        let mut h = HeaderMap::new();
        assert!(!wants_openmetrics(&h));
        h.insert(header::ACCEPT, HeaderValue::from_static(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        ));
        assert!(wants_openmetrics(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/plain;version=0.0.4"),
        );
        assert!(!wants_openmetrics(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/openmetrics-text;q=0"),
        );
        assert!(!wants_openmetrics(&h));
    }
}
