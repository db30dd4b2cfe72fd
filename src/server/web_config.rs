//! `--web.config.file`: the Prometheus exporter-toolkit format (TLS and basic auth), parsed into
//! a checked model. Pure: files named in it are read by [`super::web`], not here.
//!
//! Anything that would weaken security if ignored (`client_allowed_sans`, client-certificate
//! modes that skip verification) is an error, not a warning; cipher and curve choices are
//! warnings, because rustls only offers modern suites and picks among them itself.

use std::path::{Path, PathBuf};

use crate::config::yaml::{self, Node};
use crate::config::{self, Problem, Severity};

/// A checked web config: TLS, basic auth users and HTTP server settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebConfig {
    /// `tls_server_config`; None when the file sets none (plain HTTP).
    pub tls: Option<TlsSettings>,
    /// user → bcrypt hash, in file order.
    pub basic_auth_users: Vec<(String, String)>,
    /// Extra response headers (`http_server_config.headers`).
    pub headers: Vec<(String, String)>,
    /// `http_server_config.http2` (default true): offer HTTP/2 over TLS.
    pub http2: bool,
}

/// The checked `tls_server_config`.
#[derive(Clone, Debug, PartialEq)]
pub struct TlsSettings {
    /// `cert_file`: the server's certificate chain (PEM).
    pub cert_file: PathBuf,
    /// `key_file`: the server's private key (PEM).
    pub key_file: PathBuf,
    /// `client_ca_file`: the CA certificates client certificates are verified against.
    pub client_ca_file: Option<PathBuf>,
    /// `client_auth_type`: whether client certificates are asked for and verified.
    pub client_auth: ClientAuth,
    /// `min_version` (default TLS 1.2).
    pub min_version: TlsVersion,
    /// `max_version` (default TLS 1.3).
    pub max_version: TlsVersion,
}

/// The supported values of `client_auth_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// `NoClientCert`: no client certificate asked for.
    None,
    /// `VerifyClientCertIfGiven`: verified against the client CA when sent.
    VerifyIfGiven,
    /// `RequireAndVerifyClientCert`.
    Require,
}

/// A TLS protocol version: only 1.2 and 1.3 are offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.2 (`TLS12`).
    Tls12,
    /// TLS 1.3 (`TLS13`).
    Tls13,
}

/// The parsed config and what was said about it (warnings), or every error found.
pub struct Parsed {
    /// The checked config.
    pub config: WebConfig,
    /// The warnings (e.g. ignored cipher settings), in file order.
    pub warnings: Vec<Problem>,
}

/// The walk of a web config: the config's walker, always strict (an unknown key there may be
/// a security setting that would silently not apply).
struct Walk {
    walk: config::walk::Walk,
    /// Relative paths in the file are relative to the file's directory, as in exporter-toolkit.
    dir: PathBuf,
}

impl std::ops::Deref for Walk {
    type Target = config::walk::Walk;
    fn deref(&self) -> &config::walk::Walk {
        &self.walk
    }
}

impl std::ops::DerefMut for Walk {
    fn deref_mut(&mut self) -> &mut config::walk::Walk {
        &mut self.walk
    }
}

/// Keys of exporter-toolkit's `tls_server_config` that are refused: they would weaken or
/// change verification, and ignoring them would be silently less safe than asked.
const REFUSED_TLS_KEYS: &[&str] = &["client_allowed_sans", "cert", "key", "client_ca"];
/// Keys that are accepted and ignored: rustls offers only modern suites and curves.
const IGNORED_TLS_KEYS: &[&str] = &[
    "cipher_suites",
    "curve_preferences",
    "prefer_server_cipher_suites",
];

impl Walk {
    fn file(&mut self, n: &Node, path: &str) -> Option<PathBuf> {
        let s = self.string(n, path)?;
        if s.is_empty() {
            return None;
        }
        let p = Path::new(&s);
        Some(if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.join(p)
        })
    }

    fn version(&mut self, n: &Node, path: &str) -> Option<TlsVersion> {
        match self.string(n, path)?.as_str() {
            "TLS12" => Some(TlsVersion::Tls12),
            "TLS13" => Some(TlsVersion::Tls13),
            "TLS10" | "TLS11" => {
                self.error(
                    n.pos,
                    path,
                    "TLS 1.0 and 1.1 are not offered; use TLS12 or TLS13",
                );
                None
            }
            other => {
                self.error(
                    n.pos,
                    path,
                    format!("unknown TLS version {other:?}; use TLS12 or TLS13"),
                );
                None
            }
        }
    }

    fn client_auth(&mut self, v: &Node, path: &str) -> Option<ClientAuth> {
        let s = self.string(v, path)?;
        match s.as_str() {
            "" | "NoClientCert" => Some(ClientAuth::None),
            "VerifyClientCertIfGiven" => Some(ClientAuth::VerifyIfGiven),
            "RequireAndVerifyClientCert" => Some(ClientAuth::Require),
            "RequestClientCert" | "RequireAnyClientCert" => {
                self.error(v.pos, path, format!("{s} accepts certificates nobody verified and is not supported; use VerifyClientCertIfGiven or RequireAndVerifyClientCert"));
                None
            }
            other => {
                self.error(v.pos, path, format!("unknown client_auth_type {other:?}: NoClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert"));
                None
            }
        }
    }

    fn tls(&mut self, n: &Node) -> Option<TlsSettings> {
        let base = "tls_server_config";
        let mut o = self.obj(n, base)?;
        if o.entries.is_empty() {
            return None;
        }
        let cert = o
            .get("cert_file")
            .and_then(|v| self.file(v, &o.child("cert_file")));
        let key = o
            .get("key_file")
            .and_then(|v| self.file(v, &o.child("key_file")));
        let ca = o
            .get("client_ca_file")
            .and_then(|v| self.file(v, &o.child("client_ca_file")));
        let auth = o.get("client_auth_type").and_then(|v| {
            let a = self.client_auth(v, &o.child("client_auth_type"))?;
            Some((a, v.pos))
        });
        let (mut min, mut max) = (TlsVersion::Tls12, TlsVersion::Tls13);
        if let Some(v) = o.get("min_version") {
            min = self.version(v, &o.child("min_version")).unwrap_or(min);
        }
        if let Some(v) = o.get("max_version") {
            max = self.version(v, &o.child("max_version")).unwrap_or(max);
        }
        for key in IGNORED_TLS_KEYS {
            if let Some((k, _)) = o.take_unlisted(key) {
                self.warn(
                    k.pos,
                    &o.child(key),
                    "ignored: rustls offers only modern cipher suites and curves and chooses among them itself",
                );
            }
        }
        for key in REFUSED_TLS_KEYS {
            if let Some((k, _)) = o.take_unlisted(key) {
                self.error(
                    k.pos,
                    &o.child(key),
                    "not supported by cw-exporter; see the README's web security section",
                );
            }
        }
        self.finish(o);
        let (Some(cert_file), Some(key_file)) = (cert, key) else {
            self.error(n.pos, base, "cert_file and key_file are both required");
            return None;
        };
        if min > max {
            self.error(n.pos, base, "min_version is above max_version");
        }
        let client_auth = match (auth, &ca) {
            (Some((a, _)), Some(_)) => a,
            (None, Some(_)) => {
                self.error(n.pos, base, "client_ca_file is set but client_auth_type is not: say VerifyClientCertIfGiven or RequireAndVerifyClientCert");
                ClientAuth::None
            }
            (Some((ClientAuth::None, _)), None) | (None, None) => ClientAuth::None,
            (Some((_, pos)), None) => {
                self.error(
                    pos,
                    &format!("{base}.client_auth_type"),
                    "verifying client certificates needs client_ca_file",
                );
                ClientAuth::None
            }
        };
        if client_auth == ClientAuth::None && ca.is_some() {
            self.error(
                n.pos,
                base,
                "client_ca_file is set with NoClientCert: it would never be used",
            );
        }
        Some(TlsSettings {
            cert_file,
            key_file,
            client_ca_file: ca,
            client_auth,
            min_version: min,
            max_version: max,
        })
    }

    fn users(&mut self, v: &Node, cfg: &mut WebConfig) {
        for (user, hash) in self.entries(v, "basic_auth_users") {
            let path = format!("basic_auth_users.{}", user.name);
            let Some(h) = self.string(hash, &path) else {
                continue;
            };
            // Never echo the hash: it is credential material.
            if h.parse::<bcrypt::HashParts>().is_err() {
                self.error(hash.pos, &path, "not a bcrypt hash (expected $2a$, $2b$ or $2y$ followed by the cost and 53 characters)");
                continue;
            }
            if cfg.basic_auth_users.iter().any(|(u, _)| *u == user.name) {
                self.error(user.pos, &path, "user listed twice");
                continue;
            }
            cfg.basic_auth_users.push((user.name.clone(), h));
        }
    }

    fn http_server(&mut self, v: &Node, cfg: &mut WebConfig) {
        let Some(mut o) = self.obj(v, "http_server_config") else {
            return;
        };
        if let Some(b) = o.get("http2").and_then(|n| self.bool(n, &o.child("http2"))) {
            cfg.http2 = b;
        }
        if let Some(hv) = o.get("headers") {
            let path = o.child("headers");
            for (name, value) in self.entries(hv, &path) {
                let p = format!("{path}.{}", name.name);
                let Some(val) = self.string(value, &p) else {
                    continue;
                };
                let valid = axum::http::HeaderName::from_bytes(name.name.as_bytes()).is_ok()
                    && axum::http::HeaderValue::from_str(&val).is_ok();
                if !valid {
                    self.error(name.pos, &p, "not a valid HTTP header");
                    continue;
                }
                let lower = name.name.to_ascii_lowercase();
                if [
                    "authorization",
                    "www-authenticate",
                    "content-type",
                    "content-length",
                    "content-encoding",
                    "date",
                    "server",
                ]
                .contains(&lower.as_str())
                {
                    self.error(
                        name.pos,
                        &p,
                        "this header is set by the server and cannot be overridden",
                    );
                    continue;
                }
                cfg.headers.push((name.name.clone(), val));
            }
        }
        self.finish(o);
    }
}

/// Parses the text of a web config; `file` names it in problems and anchors relative paths.
pub fn parse(text: &str, file: &Path) -> Result<Parsed, Vec<Problem>> {
    let root = yaml::parse(text).map_err(|(pos, message)| {
        vec![Problem {
            severity: Severity::Error,
            pos,
            path: String::new(),
            message: format!("YAML syntax: {message}"),
        }]
    })?;
    let mut w = Walk {
        walk: config::walk::Walk::new(true),
        dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let mut cfg = WebConfig {
        http2: true,
        ..Default::default()
    };
    if let Some(mut top) = w.obj(&root, "") {
        if let Some(v) = top.get("tls_server_config") {
            cfg.tls = w.tls(v);
        }
        if let Some(v) = top.get("basic_auth_users") {
            w.users(v, &mut cfg);
        }
        if let Some(v) = top.get("http_server_config") {
            w.http_server(v, &mut cfg);
        }
        w.finish(top);
    }
    let problems = w.walk.problems;
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(problems);
    }
    Ok(Parsed {
        config: cfg,
        warnings: problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // bcrypt("test", cost 4): a valid hash shape for parsing.
    const HASH: &str = "$2b$04$5UxBk7CKdsUUCv4ZBsMwluTNuSOV3ZH8sbeZYj96cfs2YmquDtziW";

    fn errors(text: &str) -> Vec<String> {
        match parse(text, Path::new("/etc/web.yml")) {
            Ok(_) => vec![],
            Err(ps) => ps
                .iter()
                .map(|p| p.display(Path::new("web.yml")).to_string())
                .collect(),
        }
    }

    #[test]
    fn full_config() {
        let text = format!(
            "tls_server_config:\n  cert_file: tls/server.crt\n  key_file: /k/server.key\n  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n  min_version: TLS13\nbasic_auth_users:\n  alice: {HASH}\nhttp_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n"
        );
        let p = parse(&text, Path::new("/etc/cw/web.yml")).unwrap();
        let tls = p.config.tls.unwrap();
        assert_eq!(tls.cert_file, PathBuf::from("/etc/cw/tls/server.crt"));
        assert_eq!(tls.key_file, PathBuf::from("/k/server.key"));
        assert_eq!(tls.client_ca_file, Some(PathBuf::from("/etc/cw/ca.crt")));
        assert_eq!(tls.client_auth, ClientAuth::Require);
        assert_eq!(tls.min_version, TlsVersion::Tls13);
        assert_eq!(
            p.config.basic_auth_users,
            vec![("alice".into(), HASH.into())]
        );
        assert!(!p.config.http2);
        assert_eq!(
            p.config.headers,
            vec![("X-Frame-Options".into(), "deny".into())]
        );
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn empty_file_means_plain_http_without_auth() {
        let p = parse("", Path::new("w.yml")).unwrap();
        assert_eq!(p.config.tls, None);
        assert!(p.config.basic_auth_users.is_empty());
    }

    #[test]
    fn every_problem_has_its_position_and_no_secret() {
        let e = errors(
            "basic_auth_users:\n  bob: $2b$04$notahash\ntls_server_config:\n  cert_file: a\n  client_auth_type: Sometimes\nbogus: 1\n",
        );
        assert!(e.iter().any(|l| l == "web.yml:2:8: error: basic_auth_users.bob: not a bcrypt hash (expected $2a$, $2b$ or $2y$ followed by the cost and 53 characters)"), "{e:?}");
        assert!(e.iter().all(|l| !l.contains("notahash")), "{e:?}");
        assert!(
            e.iter().any(|l| l.starts_with(
                "web.yml:5:21: error: tls_server_config.client_auth_type: unknown client_auth_type"
            )),
            "{e:?}"
        );
        assert!(e.iter().any(|l| l == "web.yml:4:3: error: tls_server_config: cert_file and key_file are both required"), "{e:?}");
        assert!(
            e.iter().any(|l| l.starts_with(
                "web.yml:6:1: error: bogus: unknown key `bogus`; known keys here: tls_server_config"
            )),
            "{e:?}"
        );
    }

    #[test]
    fn insecure_or_inconsistent_tls_is_refused() {
        let base = "tls_server_config:\n  cert_file: c\n  key_file: k\n";
        assert!(
            errors(&format!(
                "{base}  client_auth_type: RequireAnyClientCert\n  client_ca_file: ca\n"
            ))[0]
                .contains("not supported")
        );
        assert!(
            errors(&format!("{base}  client_ca_file: ca\n"))[0].contains("client_auth_type is not")
        );
        assert!(
            errors(&format!(
                "{base}  client_auth_type: RequireAndVerifyClientCert\n"
            ))[0]
                .contains("needs client_ca_file")
        );
        assert!(
            errors(&format!("{base}  client_allowed_sans: [a]\n"))[0].contains("not supported")
        );
        assert!(errors(&format!("{base}  min_version: TLS10\n"))[0].contains("not offered"));
        assert!(
            errors(&format!(
                "{base}  min_version: TLS13\n  max_version: TLS12\n"
            ))[0]
                .contains("above")
        );
        let p = parse(
            &format!("{base}  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"),
            Path::new("w"),
        )
        .unwrap();
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn yaml_syntax_errors_have_positions() {
        let e = errors("basic_auth_users:\n  a: [\n");
        assert!(e[0].starts_with("web.yml:"), "{e:?}");
        assert!(e[0].contains(": error: "), "{e:?}");
    }
}
