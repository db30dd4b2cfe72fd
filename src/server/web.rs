//! The web config at run time: TLS certificates and basic-auth users loaded from
//! `--web.config.file`, re-read when that file or a file it names changes, and the guard that
//! asks for credentials.
//!
//! A change is noticed by its modification time and size, checked at most once a second when a
//! connection or request arrives; a bad new version is logged once and the old one keeps
//! serving, as with the exporter's own config.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};

use super::web_config::{self, ClientAuth, TlsSettings, TlsVersion, WebConfig};
use crate::config::Severity;

/// Routes that answer without credentials: they tell only whether the process is up and
/// ready, and the kubelet's probes cannot easily send basic auth.
pub const OPEN_PATHS: &[&str] = &["/-/healthy", "/-/ready", "/healthz"];

/// How many verified `Authorization` values are remembered: bcrypt is slow on purpose
/// (~50 ms at cost 10), and a scraper sends the same header every time.
const AUTH_CACHE: usize = 64;

/// One loaded version of the web config: its settings and TLS acceptor.
pub struct Active {
    /// The settings as read.
    pub config: WebConfig,
    /// The TLS acceptor, if TLS is configured.
    pub tls: Option<TlsAcceptor>,
    headers: Vec<(HeaderName, HeaderValue)>,
    verified: Mutex<Vec<String>>,
}

type Stamp = (PathBuf, Option<(SystemTime, u64)>);

struct Check {
    last: Instant,
    /// Check at the next call whatever the time (set by a reload).
    due: bool,
    stamps: Vec<Stamp>,
    /// The stamps of a version that failed to load, so that it is reported once.
    rejected: Option<Vec<Stamp>>,
}

/// The web config file, reloaded when it changes on disk.
pub struct Web {
    path: PathBuf,
    active: ArcSwap<Active>,
    check: Mutex<Check>,
}

fn stamp(p: &Path) -> Stamp {
    let s = std::fs::metadata(p)
        .ok()
        .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
    (p.to_path_buf(), s)
}

fn stamps(path: &Path, cfg: Option<&WebConfig>) -> Vec<Stamp> {
    let mut v = vec![stamp(path)];
    if let Some(t) = cfg.and_then(|c| c.tls.as_ref()) {
        v.push(stamp(&t.cert_file));
        v.push(stamp(&t.key_file));
        if let Some(ca) = &t.client_ca_file {
            v.push(stamp(ca));
        }
    }
    v
}

/// Why a web config could not be used (at start: the exporter stops; on change: the old one
/// keeps serving).
#[derive(Debug, thiserror::Error)]
pub enum WebConfigError {
    /// The file could not be read.
    #[error("{}: {source}", file.display())]
    Read {
        /// The web config file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid web config: every error, `file:line:column: ...`.
    #[error("{}", lines.join("\n"))]
    Invalid {
        /// The errors, each on its line.
        lines: Vec<String>,
    },
    /// A certificate or key it names cannot be used (the key's text is never shown).
    #[error("{0}")]
    Tls(String),
}

fn certs(file: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(file)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{what} {}: {e}", file.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{what} {}: no PEM certificate in it",
            file.display()
        ));
    }
    Ok(certs)
}

fn server_config(t: &TlsSettings, http2: bool) -> Result<ServerConfig, String> {
    let chain = certs(&t.cert_file, "cert_file")?;
    // The key's text never reaches the message: only the file name and the parser's reason.
    let key = PrivateKeyDer::from_pem_file(&t.key_file)
        .map_err(|e| format!("key_file {}: {e}", t.key_file.display()))?;
    let versions: &[&rustls::SupportedProtocolVersion] = match (t.min_version, t.max_version) {
        (TlsVersion::Tls13, _) => &[&rustls::version::TLS13],
        (TlsVersion::Tls12, TlsVersion::Tls12) => &[&rustls::version::TLS12],
        (TlsVersion::Tls12, TlsVersion::Tls13) => {
            &[&rustls::version::TLS12, &rustls::version::TLS13]
        }
    };
    // Explicit provider: more than one rustls crypto backend is compiled into this binary.
    let builder = ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_protocol_versions(versions)
    .map_err(|e| e.to_string())?;
    let builder = match (t.client_auth, &t.client_ca_file) {
        (ClientAuth::None, _) | (_, None) => builder.with_no_client_auth(),
        (mode, Some(ca)) => {
            let mut roots = RootCertStore::empty();
            for c in certs(ca, "client_ca_file")? {
                roots
                    .add(c)
                    .map_err(|e| format!("client_ca_file {}: {e}", ca.display()))?;
            }
            let v = WebPkiClientVerifier::builder(Arc::new(roots));
            let v = if mode == ClientAuth::VerifyIfGiven {
                v.allow_unauthenticated()
            } else {
                v
            };
            builder.with_client_cert_verifier(v.build().map_err(|e| e.to_string())?)
        }
    };
    let mut cfg = builder.with_single_cert(chain, key).map_err(|e| {
        format!(
            "cert_file {} and key_file {}: {e}",
            t.cert_file.display(),
            t.key_file.display()
        )
    })?;
    cfg.alpn_protocols = if http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(cfg)
}

/// Reads and checks the web config and every file it names. Warnings are logged here.
fn load(path: &Path) -> Result<Active, WebConfigError> {
    let text = crate::config::read_text(path, crate::config::MAX_FILE_BYTES).map_err(|source| {
        WebConfigError::Read {
            file: path.to_path_buf(),
            source,
        }
    })?;
    let parsed = web_config::parse(&text, path).map_err(|ps| WebConfigError::Invalid {
        lines: ps
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| p.display(path).to_string())
            .collect(),
    })?;
    for w in &parsed.warnings {
        tracing::warn!("{}", w.display(path));
    }
    let cfg = parsed.config;
    let tls = match &cfg.tls {
        Some(t) => Some(TlsAcceptor::from(Arc::new(
            server_config(t, cfg.http2).map_err(WebConfigError::Tls)?,
        ))),
        None => None,
    };
    let headers = cfg
        .headers
        .iter()
        .filter_map(|(k, v)| {
            Some((
                HeaderName::from_bytes(k.as_bytes()).ok()?,
                HeaderValue::from_str(v).ok()?,
            ))
        })
        .collect();
    Ok(Active {
        config: cfg,
        tls,
        headers,
        verified: Mutex::new(Vec::new()),
    })
}

impl Web {
    /// Loads the web config at start: any error stops the exporter before it listens.
    pub fn load(path: &Path) -> Result<Web, WebConfigError> {
        let active = load(path)?;
        let st = stamps(path, Some(&active.config));
        Ok(Web {
            path: path.to_path_buf(),
            active: ArcSwap::from_pointee(active),
            check: Mutex::new(Check {
                last: Instant::now(),
                due: false,
                stamps: st,
                rejected: None,
            }),
        })
    }

    /// Checks the files now (not at most once a second), as a reload asks; false if the
    /// files on disk were rejected (the old web config keeps serving).
    pub fn refresh(&self) -> bool {
        self.check.lock().expect("not poisoned").due = true;
        self.current();
        self.check.lock().expect("not poisoned").rejected.is_none()
    }

    /// The web config in force, re-read first if a file changed.
    pub fn current(&self) -> Arc<Active> {
        {
            let mut c = self.check.lock().expect("not poisoned");
            if c.due || c.last.elapsed() >= Duration::from_secs(1) {
                c.due = false;
                c.last = Instant::now();
                let cur = self.active.load();
                let now = stamps(&self.path, Some(&cur.config));
                if now != c.stamps && c.rejected.as_ref() != Some(&now) {
                    match load(&self.path) {
                        Ok(a) => {
                            c.stamps = stamps(&self.path, Some(&a.config));
                            c.rejected = None;
                            self.active.store(Arc::new(a));
                            tracing::info!(file = %self.path.display(), "web config reloaded");
                        }
                        Err(e) => {
                            tracing::error!(file = %self.path.display(), "web config change rejected, the old one keeps serving: {e}");
                            c.rejected = Some(now);
                        }
                    }
                }
            }
        }
        self.active.load_full()
    }
}

/// Decodes `Authorization: Basic ...` into (user, password).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let (u, p) = std::str::from_utf8(&raw).ok()?.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

async fn authorised(active: &Arc<Active>, headers: &HeaderMap) -> bool {
    let Some(raw) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    if active
        .verified
        .lock()
        .expect("not poisoned")
        .iter()
        .any(|v| v == raw)
    {
        return true;
    }
    let Some((user, pass)) = basic_credentials(headers) else {
        return false;
    };
    let users = &active.config.basic_auth_users;
    let known = users.iter().find(|(u, _)| *u == user);
    // An unknown user costs as much as a wrong password, so timing does not tell users apart.
    let hash = known.or(users.first()).map(|(_, h)| h.clone());
    let Some(hash) = hash else { return false };
    let ok = tokio::task::spawn_blocking(move || bcrypt::verify(pass, &hash).unwrap_or(false))
        .await
        .unwrap_or(false)
        && known.is_some();
    if ok {
        let mut v = active.verified.lock().expect("not poisoned");
        if v.len() >= AUTH_CACHE {
            v.remove(0);
        }
        v.push(raw.to_string());
    }
    ok
}

/// Middleware: basic auth (if users are configured) on every route but [`OPEN_PATHS`], and
/// the configured response headers.
pub async fn guard(State(web): State<Arc<Web>>, req: Request, next: Next) -> Response {
    let active = web.current();
    if !active.config.basic_auth_users.is_empty()
        && !OPEN_PATHS.contains(&req.uri().path())
        && !authorised(&active, req.headers()).await
    {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"cw-exporter\"")],
            "Unauthorized\n",
        )
            .into_response();
    }
    let mut resp = next.run(req).await;
    for (k, v) in &active.headers {
        resp.headers_mut().insert(k.clone(), v.clone());
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_decoded() {
        let mut h = HeaderMap::new();
        // "alice:pa:ss" — the password may hold colons.
        h.insert(
            header::AUTHORIZATION,
            "Basic YWxpY2U6cGE6c3M=".parse().unwrap(),
        );
        assert_eq!(
            basic_credentials(&h),
            Some(("alice".into(), "pa:ss".into()))
        );
        h.insert(header::AUTHORIZATION, "Bearer x".parse().unwrap());
        assert_eq!(basic_credentials(&h), None);
    }
}
