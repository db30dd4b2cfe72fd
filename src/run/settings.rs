//! Everything the running exporter takes from its flags, made once in `main` and passed down
//! as a value: the run loop, reloads and the `plan` driver read this, never the flags.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::collect::Options;

/// The exporter's settings, from the command line.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--config.file`.
    pub config_file: PathBuf,
    /// `--web.config.file`.
    pub web_config_file: Option<PathBuf>,
    /// `--listen-address`, as given (resolved by [`resolve_listen`] at start).
    pub listen_address: String,
    /// `--web.enable-lifecycle`: HTTP reload is off without it (SIGHUP always works).
    pub enable_lifecycle: bool,
    /// `--shard` / `--pod` of `--total-shards`.
    pub shard: crate::discovery::shard::Shard,
    /// Push mode's listener, when `--firehose.listen-address` is set.
    pub firehose: Option<Firehose>,
    /// `--aws.rate-limit` overrides, (API, calls per second).
    pub rate_limits: Vec<(String, f64)>,
    /// `--aws.timeout`: one AWS call, retries included.
    pub aws_timeout: Duration,
    /// `--scraping-interval`, seconds.
    pub scraping_interval: u64,
    /// `--discovery-interval`, seconds.
    pub discovery_interval: u64,
    /// `--failed-series-retention`, seconds.
    pub failed_series_retention: Option<u64>,
    /// `--window-mode.backfill`, seconds.
    pub window_mode_backfill: u64,
    /// `--collection-timeout`, seconds (None: the interval, at least 300).
    pub collection_timeout: Option<u64>,
    /// `--metrics-per-query`.
    pub metrics_per_query: usize,
    /// `--labels-snake-case`.
    pub labels_snake_case: bool,
    /// GetMetricData calls in flight per (role, region) (YACE's `-cloudwatch-concurrency`);
    /// None: [`crate::fetch::CALLS_IN_FLIGHT`].
    pub calls_in_flight: Option<usize>,
    /// YACE's `-fips`: AWS's FIPS endpoints.
    pub fips: bool,
    /// YACE's `-enable-feature=always-return-info-metrics`.
    pub always_info_metrics: bool,
    /// Off with YACE's `-disable-account-alias-lookup`.
    pub account_alias_lookup: bool,
    /// What to say once at start about YACE flags that were mapped or ignored.
    pub notes: Vec<Note>,
}

/// The `--firehose.*` flags.
#[derive(Clone, Debug)]
pub struct Firehose {
    /// `--firehose.listen-address`, as given.
    pub listen_address: String,
    /// `--firehose.web-config.file`.
    pub web_config_file: Option<PathBuf>,
    /// `--firehose.access-key-file`.
    pub access_key_file: Option<PathBuf>,
    /// `--firehose.no-access-key`.
    pub no_access_key: bool,
    /// `--firehose.max-body-bytes`.
    pub max_body_bytes: usize,
}

/// One thing to say at start about the flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// A warning (the flag does not do what it did in YACE), or information.
    pub warning: bool,
    /// The text.
    pub text: String,
}

impl Note {
    /// Information: the flag is accepted and what it becomes is said.
    pub fn info(text: String) -> Note {
        Note {
            warning: false,
            text,
        }
    }

    /// A warning: the flag is accepted but what it asked for does not exist here.
    pub fn warn(text: String) -> Note {
        Note {
            warning: true,
            text,
        }
    }

    /// Writes it to the log.
    pub fn log(&self) {
        if self.warning {
            tracing::warn!("{}", self.text);
        } else {
            tracing::info!("{}", self.text);
        }
    }
}

impl Settings {
    /// How long one (role, region) may take in a cycle.
    pub fn cycle_timeout(&self) -> Duration {
        Duration::from_secs(
            self.collection_timeout
                .unwrap_or(self.scraping_interval.max(300)),
        )
    }

    /// How AWS is called.
    pub fn aws_options(&self) -> crate::aws::Options {
        crate::aws::Options {
            call_timeout: self.aws_timeout,
            fips: self.fips,
            alias_lookup: self.account_alias_lookup,
        }
    }

    /// The collector's options.
    pub fn collect_options(&self) -> Options {
        Options {
            interval: Duration::from_secs(self.scraping_interval),
            metrics_per_query: self.metrics_per_query,
            labels_snake_case: self.labels_snake_case,
            discovery_interval: Duration::from_secs(self.discovery_interval),
            failed_series_retention: self.failed_series_retention.map(Duration::from_secs),
            window_backfill: self.window_mode_backfill,
            cycle_timeout: self.cycle_timeout(),
            calls_in_flight: self
                .calls_in_flight
                .unwrap_or(crate::fetch::CALLS_IN_FLIGHT),
            always_info_metrics: self.always_info_metrics,
            shard: self.shard,
        }
    }
}

/// `:PORT` (every interface), `HOST:PORT` with an IP or a host name (`localhost:5000`), or
/// `[v6]:PORT`; a name is resolved once, its first address used.
pub async fn resolve_listen(addr: &str) -> Result<SocketAddr, String> {
    let full = if addr.starts_with(':') {
        format!("0.0.0.0{addr}")
    } else {
        addr.to_string()
    };
    if let Ok(a) = full.parse() {
        return Ok(a);
    }
    let bad = || format!("--listen-address `{addr}` is not HOST:PORT or :PORT");
    // Only a name with a numeric port is worth a lookup.
    match full.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {}
        _ => return Err(bad()),
    }
    match tokio::net::lookup_host(&full).await {
        Ok(mut it) => it
            .next()
            .ok_or_else(|| format!("--listen-address `{addr}`: the name has no address")),
        Err(e) => Err(format!("--listen-address `{addr}`: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listen_addresses() {
        assert_eq!(
            resolve_listen(":5000").await.unwrap().to_string(),
            "0.0.0.0:5000"
        );
        assert_eq!(
            resolve_listen("127.0.0.1:1").await.unwrap().to_string(),
            "127.0.0.1:1"
        );
        assert_eq!(
            resolve_listen("[::1]:7").await.unwrap().to_string(),
            "[::1]:7"
        );
        assert!(
            resolve_listen("localhost:5000")
                .await
                .unwrap()
                .ip()
                .is_loopback()
        );
        for bad in ["nope", "localhost", "localhost:http", ":", "1.2.3.4:99999"] {
            assert!(resolve_listen(bad).await.is_err(), "{bad}");
        }
    }
}
