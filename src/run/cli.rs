//! The command line: our flags, YACE's spellings of them, and YACE's flags that have no
//! equivalent, turned into one [`Settings`] (and what to say about the YACE ones).

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use super::Settings;
use super::settings::Note;

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "cw-exporter",
    version,
    about = "Exports CloudWatch metrics to Prometheus; reads YACE configs unchanged.",
    after_help = "YACE's single-dash spelling works too: -config.file=config.yml -listen-address=:5000"
)]
pub struct Cli {
    /// A subcommand; none runs the exporter.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Path of the YAML config (either YACE dialect).
    #[arg(long = "config.file", default_value = "config.yml", global = true)]
    pub config_file: PathBuf,

    /// Address to serve /metrics on; ":5000" means every interface, port 5000.
    #[arg(
        long = "listen-address",
        visible_alias = "web.listen-address",
        default_value = ":5000",
        global = true
    )]
    pub listen_address: String,

    /// Client-side rate limit, API=CALLS_PER_SECOND (repeatable; 0 = none). Defaults:
    /// GetMetricData=40, ListMetrics=20, GetResources=10, DescribeTable=10 (enhanced metrics:
    /// one call per DynamoDB table), below AWS's default quotas.
    #[arg(long = "aws.rate-limit", value_parser = crate::aws::limits::parse_override, global = true)]
    pub rate_limits: Vec<(String, f64)>,

    /// Exporter-toolkit web config (TLS, basic auth); re-read when it or a file it names changes.
    #[arg(long = "web.config.file", global = true)]
    pub web_config_file: Option<PathBuf>,

    /// Allow reloads over HTTP (POST /-/reload, YACE's POST /reload); without it they answer
    /// 403. SIGHUP always reloads.
    #[arg(long = "web.enable-lifecycle", global = true)]
    pub enable_lifecycle: bool,

    /// This process's shard, zero-based (kube-state-metrics' flag): it keeps the resources
    /// rendezvous hashing gives it, and their series.
    #[arg(long = "shard", global = true, help_heading = "Sharding")]
    pub shard: Option<u32>,

    /// How many shards split the resources (1: no sharding).
    #[arg(long = "total-shards", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), global = true, help_heading = "Sharding")]
    pub total_shards: u32,

    /// The pod's name (a StatefulSet's `<name>-<ordinal>`): its ordinal is the shard; give it
    /// from the downward API instead of --shard.
    #[arg(
        long = "pod",
        env = "POD_NAME",
        global = true,
        help_heading = "Sharding"
    )]
    pub pod: Option<String>,

    /// Push mode: serve Firehose's HTTP endpoint (POST /firehose) for CloudWatch Metric
    /// Streams on this address, e.g. ":8443". Off when unset.
    #[arg(
        long = "firehose.listen-address",
        global = true,
        help_heading = "Push mode"
    )]
    pub firehose_listen_address: Option<String>,

    /// TLS for the Firehose listener, in the exporter-toolkit web config format (basic auth
    /// is refused there: Firehose authenticates with its access key).
    #[arg(
        long = "firehose.web-config.file",
        global = true,
        help_heading = "Push mode"
    )]
    pub firehose_web_config_file: Option<PathBuf>,

    /// File holding the access key Firehose sends (X-Amz-Firehose-Access-Key); a file, so the
    /// key is not in `ps`. Required with --firehose.listen-address unless
    /// --firehose.no-access-key.
    #[arg(
        long = "firehose.access-key-file",
        global = true,
        help_heading = "Push mode"
    )]
    pub firehose_access_key_file: Option<PathBuf>,

    /// Accept Firehose requests without an access key (anyone who reaches the port can push
    /// series). For tests and for endpoints behind a proxy that authenticates.
    #[arg(
        long = "firehose.no-access-key",
        global = true,
        help_heading = "Push mode"
    )]
    pub firehose_no_access_key: bool,

    /// The largest Firehose request body, compressed or not (at most 64 MiB, Firehose's
    /// largest buffer); bigger ones get 413. Keep the stream's buffer size below it.
    #[arg(long = "firehose.max-body-bytes", default_value_t = crate::push::firehose::DEFAULT_BODY_BYTES as u64,
          value_parser = clap::value_parser!(u64).range(1024..=crate::push::firehose::MAX_BODY_BYTES as u64),
          global = true, help_heading = "Push mode")]
    pub firehose_max_body_bytes: u64,

    /// Seconds between two collections of a metric that sets no `collectionInterval`.
    #[arg(long = "scraping-interval", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub scraping_interval: u64,

    /// Seconds a discovery (ListMetrics, tags) is reused before it runs again; 0: every cycle.
    #[arg(long = "discovery-interval", default_value_t = 600, global = true)]
    pub discovery_interval: u64,

    /// Seconds a failing job's last good series are still served before they are dropped
    /// (default: three of their collection intervals; never less than two).
    #[arg(long = "failed-series-retention", global = true)]
    pub failed_series_retention: Option<u64>,

    /// Seconds a new or replaced process reaches back, beyond one interval, in the first
    /// window of each `windowMode` metric: a replacement pod fills the gap its predecessor
    /// left if it was down for less than this (keep interval + delay + this under an hour:
    /// Prometheus refuses older samples).
    #[arg(long = "window-mode.backfill", default_value_t = 900, value_parser = clap::value_parser!(u64).range(0..=3600), global = true)]
    pub window_mode_backfill: u64,

    /// Seconds one AWS API call may take, retries included.
    #[arg(long = "aws.timeout", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub aws_timeout: u64,

    /// Seconds one collection may take per region and role before its jobs count as failed
    /// (default: the scraping interval, and at least 300).
    #[arg(long = "collection-timeout", value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub collection_timeout: Option<u64>,

    /// Queries per GetMetricData call (CloudWatch allows at most 500).
    #[arg(long = "metrics-per-query", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=500), global = true)]
    pub metrics_per_query: u64,

    /// Snake-case dimension and tag label names (dimension_cluster_name, not dimension_ClusterName).
    #[arg(long = "labels-snake-case", global = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub labels_snake_case: bool,

    /// Least severe log level written: debug, info, warn or error.
    #[arg(long = "log.level", default_value = "info", global = true)]
    pub log_level: LogLevel,

    /// Log line format: logfmt or json.
    #[arg(long = "log.format", default_value = "logfmt", global = true)]
    pub log_format: LogFormat,

    /// YACE's flags that have no flag of ours: accepted, each mapped or said what it becomes.
    #[command(flatten)]
    pub yace: YaceFlags,
}

/// YACE v0.67's flags with no equivalent of ours, accepted so a YACE Deployment's args work
/// unchanged. What each becomes is said once at start ([`Cli::settings`]). Booleans take Go's
/// spellings: `-fips`, `-fips=true`, `-fips=false`.
#[derive(Args, Debug, Default)]
#[command(next_help_heading = "YACE compatibility")]
pub struct YaceFlags {
    /// YACE's feature flags (repeatable, comma-separated). `always-return-info-metrics`: an
    /// info series for every tagged resource a tag-reading job finds, even without series;
    /// `aws-sdk-v1`, `aws-sdk-v2`: accepted (there is one AWS SDK here); others are ignored.
    #[arg(long = "enable-feature", value_delimiter = ',', global = true)]
    pub enable_feature: Vec<String>,
    /// GetMetricData calls in flight per role and region (default 4).
    #[arg(long = "cloudwatch-concurrency", value_parser = clap::value_parser!(u64).range(1..=64), global = true)]
    pub cloudwatch_concurrency: Option<u64>,
    /// Take the in-flight GetMetricData calls from `-cloudwatch-concurrency.get-metric-data-limit`.
    #[arg(long = "cloudwatch-concurrency.per-api-limit-enabled", global = true, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", default_value = "false",
          value_parser = BoolishValueParser::new())]
    pub per_api_limit_enabled: bool,
    /// Accepted; ListMetrics is paced by `--aws.rate-limit`, one listing at a time.
    #[arg(long = "cloudwatch-concurrency.list-metrics-limit", global = true)]
    pub list_metrics_limit: Option<u64>,
    /// GetMetricData calls in flight per role and region, with the per-API limits enabled.
    #[arg(long = "cloudwatch-concurrency.get-metric-data-limit", value_parser = clap::value_parser!(u64).range(1..=64), global = true)]
    pub get_metric_data_limit: Option<u64>,
    /// Accepted; GetMetricStatistics is never called (static jobs use GetMetricData).
    #[arg(
        long = "cloudwatch-concurrency.get-metric-statistics-limit",
        global = true
    )]
    pub get_metric_statistics_limit: Option<u64>,
    /// Accepted; the tagging API is paced by `--aws.rate-limit`, one listing at a time.
    #[arg(long = "tag-concurrency", global = true)]
    pub tag_concurrency: Option<u64>,
    /// Use AWS's FIPS endpoints.
    #[arg(long = "fips", global = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub fips: bool,
    /// Accepted with a warning: there is no profiling endpoint (pprof is Go's).
    #[arg(long = "profiling.enabled", global = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub profiling_enabled: bool,
    /// Do not call IAM ListAccountAliases: no series gets an `account_alias` label.
    #[arg(long = "disable-account-alias-lookup", global = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub disable_account_alias_lookup: bool,
    /// The same as `--log.level=debug`.
    #[arg(long = "debug", global = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub debug: bool,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the config file (and the web config), print every problem with its line and
    /// column, exit non-zero if any is an error. Unknown keys are warnings, as at start and on
    /// reload; `--strict` makes them errors (for CI pipelines).
    VerifyConfig {
        /// Unknown keys (and keys meaningless on their kind of job) are errors.
        #[arg(long)]
        strict: bool,
    },
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

/// How `plan` prints its report.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PlanOutput {
    /// Tables for a reader.
    Text,
    /// The same figures as JSON.
    Json,
}

/// The least severe log level written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    /// Everything, each cycle's detail included.
    Debug,
    /// What happened: cycles, reloads, transitions.
    Info,
    /// What went wrong but goes on.
    Warn,
    /// What failed.
    Error,
}

/// The log line format, on stderr.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LogFormat {
    /// `key=value` pairs.
    Logfmt,
    /// One JSON object a line.
    Json,
}

/// YACE (Go's flag package) spells long flags with one dash: `-config.file=x`. Give them two.
pub fn normalise_args(args: impl IntoIterator<Item = String>) -> Vec<String> {
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

impl Cli {
    /// The least severe log level to write: `--log.level`, or debug with YACE's `-debug`.
    pub fn log_level(&self) -> LogLevel {
        if self.yace.debug {
            LogLevel::Debug
        } else {
            self.log_level
        }
    }

    /// The shard from `--shard`, or `--pod`'s ordinal, of `--total-shards`.
    pub fn shard(&self) -> Result<crate::discovery::shard::Shard, String> {
        use crate::discovery::shard::{Shard, ordinal};
        let from_pod = match &self.pod {
            Some(pod) if self.total_shards > 1 => Some(ordinal(pod).ok_or_else(|| {
                format!("--pod {pod}: no ordinal at the end of the name (a StatefulSet pod is <name>-<ordinal>); give --shard instead")
            })?),
            _ => None,
        };
        let (index, from) = match (self.shard, from_pod) {
            (Some(i), Some(p)) if i != p => {
                return Err(format!(
                    "--shard {i} and --pod {}'s ordinal {p} disagree: give one",
                    self.pod.as_deref().unwrap_or("")
                ));
            }
            (Some(i), _) => (i, "--shard".to_string()),
            (None, Some(p)) => (p, format!("--pod {}", self.pod.as_deref().unwrap_or(""))),
            (None, None) => (0, "--shard".to_string()),
        };
        if index >= self.total_shards {
            return Err(format!(
                "{from}: shard {index} is not below --total-shards {}: shards are 0 to {}",
                self.total_shards,
                self.total_shards - 1
            ));
        }
        if self.firehose_listen_address.is_some() && self.total_shards > 1 {
            return Err("--firehose.listen-address with --total-shards > 1: Firehose delivers each batch to one replica, so pushed series cannot be split by shard; run the Firehose endpoint in one unsharded process".into());
        }
        Ok(Shard {
            index,
            total: self.total_shards,
        })
    }

    /// The settings the library runs with, made once from the flags.
    pub fn settings(&self) -> Settings {
        let y = &self.yace;
        let mut notes = Vec::new();
        let mut always_info = false;
        for f in &y.enable_feature {
            match f.trim() {
                "" => {}
                "always-return-info-metrics" => always_info = true,
                "aws-sdk-v1" | "aws-sdk-v2" => notes.push(Note::info(format!(
                    "-enable-feature={f} is accepted and changes nothing: cw-exporter uses the one AWS SDK for Rust"
                ))),
                other => notes.push(Note::warn(format!(
                    "-enable-feature={other} is not a feature cw-exporter knows; ignored, as YACE ignores unknown features"
                ))),
            }
        }
        let in_flight = if y.per_api_limit_enabled {
            y.get_metric_data_limit
        } else {
            y.cloudwatch_concurrency
        };
        if y.per_api_limit_enabled && y.cloudwatch_concurrency.is_some() {
            notes.push(Note::warn(
                "-cloudwatch-concurrency and -cloudwatch-concurrency.per-api-limit-enabled are both set: the per-API GetMetricData limit is used, as YACE does".into(),
            ));
        }
        for (given, flag, why) in [
            (
                y.list_metrics_limit.is_some(),
                "-cloudwatch-concurrency.list-metrics-limit",
                "ListMetrics runs one listing at a time per role and region, paced by --aws.rate-limit",
            ),
            (
                y.tag_concurrency.is_some(),
                "-tag-concurrency",
                "the tagging API is read one listing at a time per namespace, paced by --aws.rate-limit",
            ),
            (
                y.get_metric_statistics_limit.is_some(),
                "-cloudwatch-concurrency.get-metric-statistics-limit",
                "GetMetricStatistics is never called: static jobs use GetMetricData too",
            ),
        ] {
            if given {
                notes.push(Note::info(format!(
                    "{flag} is accepted and has no effect: {why}"
                )));
            }
        }
        if self.pod.is_some() && self.total_shards == 1 && self.shard.is_none() {
            notes.push(Note::info(
                "--pod (or POD_NAME) is set and --total-shards is 1: not sharded".into(),
            ));
        }
        if y.profiling_enabled {
            notes.push(Note::warn(
                "-profiling.enabled is accepted, but cw-exporter has no profiling endpoint (YACE's /debug/pprof is Go's)".into(),
            ));
        }
        Settings {
            config_file: self.config_file.clone(),
            web_config_file: self.web_config_file.clone(),
            listen_address: self.listen_address.clone(),
            enable_lifecycle: self.enable_lifecycle,
            // main checks the shard flags before anything runs.
            shard: self.shard().unwrap_or_default(),
            firehose: self.firehose_listen_address.clone().map(|listen_address| {
                super::settings::Firehose {
                    listen_address,
                    web_config_file: self.firehose_web_config_file.clone(),
                    access_key_file: self.firehose_access_key_file.clone(),
                    no_access_key: self.firehose_no_access_key,
                    max_body_bytes: self.firehose_max_body_bytes as usize,
                }
            }),
            rate_limits: self.rate_limits.clone(),
            aws_timeout: Duration::from_secs(self.aws_timeout),
            scraping_interval: self.scraping_interval,
            discovery_interval: self.discovery_interval,
            failed_series_retention: self.failed_series_retention,
            window_mode_backfill: self.window_mode_backfill,
            collection_timeout: self.collection_timeout,
            metrics_per_query: self.metrics_per_query as usize,
            labels_snake_case: self.labels_snake_case,
            calls_in_flight: in_flight.map(|n| n as usize),
            fips: y.fips,
            always_info_metrics: always_info,
            account_alias_lookup: !y.disable_account_alias_lookup,
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

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

    /// A YACE v0.67 Deployment's args, every flag YACE has, in Go's spellings.
    const YACE_ARGS: &[&str] = &[
        "-listen-address=:5000",
        "-config.file=/config/config.yml",
        "-scraping-interval=60",
        "-metrics-per-query=400",
        "-labels-snake-case=true",
        "-log.format=json",
        "-log.level=warn",
        "-debug",
        "-fips=false",
        "-profiling.enabled",
        "-enable-feature=always-return-info-metrics,aws-sdk-v2",
        "-enable-feature=made-up-feature",
        "-cloudwatch-concurrency=7",
        "-cloudwatch-concurrency.per-api-limit-enabled=true",
        "-cloudwatch-concurrency.list-metrics-limit=3",
        "-cloudwatch-concurrency.get-metric-data-limit=9",
        "-cloudwatch-concurrency.get-metric-statistics-limit=2",
        "-tag-concurrency=5",
    ];

    fn parse(args: &[&str]) -> Cli {
        let all = std::iter::once("cw-exporter").chain(args.iter().copied());
        Cli::try_parse_from(normalise_args(all.map(String::from))).unwrap()
    }

    #[test]
    fn a_yace_deployments_args_parse_in_both_spellings_and_map_as_documented() {
        let double: Vec<String> = YACE_ARGS.iter().map(|a| format!("-{a}")).collect();
        let double: Vec<&str> = double.iter().map(String::as_str).collect();
        for args in [YACE_ARGS, &double[..]] {
            let cli = parse(args);
            let s = cli.settings();
            assert_eq!(cli.log_level(), LogLevel::Debug, "-debug wins");
            assert!(s.labels_snake_case && !s.fips && s.always_info_metrics);
            assert_eq!(s.metrics_per_query, 400);
            // Per-API limits on: the GetMetricData limit, not -cloudwatch-concurrency.
            assert_eq!(s.calls_in_flight, Some(9));
            let said = |w: &str| s.notes.iter().any(|n| n.text.contains(w));
            assert!(said("aws-sdk-v2") && said("made-up-feature") && said("profiling"));
            assert!(said("list-metrics-limit") && said("-tag-concurrency"));
            assert!(said("get-metric-statistics-limit") && said("both set"));
            let warned: Vec<_> = s.notes.iter().filter(|n| n.warning).collect();
            assert_eq!(
                warned.len(),
                3,
                "unknown feature, profiling, both limits: {warned:?}"
            );
        }
        let s = parse(&["-cloudwatch-concurrency=7", "-fips"]).settings();
        assert_eq!(s.calls_in_flight, Some(7));
        assert!(s.fips && s.notes.is_empty());
        let s = parse(&[]).settings();
        assert_eq!(s.calls_in_flight, None);
        assert!(!s.labels_snake_case && !s.always_info_metrics && s.notes.is_empty());
        assert!(!parse(&["-labels-snake-case=false"]).labels_snake_case);
        assert!(parse(&["--labels-snake-case"]).labels_snake_case);
    }

    #[test]
    fn yace_flags_have_their_own_help_group() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        let group = help
            .split("YACE compatibility:")
            .nth(1)
            .expect("a YACE group");
        for flag in [
            "--enable-feature",
            "--cloudwatch-concurrency",
            "--tag-concurrency",
            "--fips",
            "--profiling.enabled",
            "--debug",
        ] {
            assert!(group.contains(flag), "{flag} in the YACE group");
        }
        assert!(
            !group.contains("--scraping-interval"),
            "ours stay in their group"
        );
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
