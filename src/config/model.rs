//! The one job model both YACE dialects normalise into. Everything after the config stage sees
//! only these types.

use regex::Regex;

/// Which of the two YACE config dialects a file is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// YACE 0.16–0.25: no `apiVersion`, `region`, `roleArn`, `awsDimensions`, `Key`/`Value` tags.
    Old,
    /// `apiVersion: v1alpha1`, YACE 0.26 and later.
    V1Alpha1,
}

/// A whole config, normalised: its jobs and the top-level settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// The dialect the file is written in.
    pub dialect: Dialect,
    /// `sts-region`: the region STS is called in (assuming roles, looking up the account).
    pub sts_region: Option<String>,
    /// Every job of the file: discovery jobs first, then `static` and `customNamespace` ones.
    pub jobs: Vec<Job>,
    /// `enableMetricData` was set somewhere (accepted; batching is always on).
    pub saw_enable_metric_data: bool,
    /// The `streams` section: what push mode exports (defaults when the file has none).
    pub streams: Streams,
    /// `discovery.exportedTagsOnMetrics`: per namespace, the tag keys exported as labels
    /// (polled jobs have theirs in [`Job::exported_tags`]; push mode reads this).
    pub exported_tags: std::collections::BTreeMap<String, Vec<String>>,
}

/// The `streams` section: which metrics that CloudWatch Metric Streams push through Firehose
/// are exported, and the bounds on what is kept. cw-exporter's own key (YACE has no push mode).
#[derive(Clone, Debug, PartialEq)]
pub struct Streams {
    /// Whether the file has the section (it does nothing without `--firehose.listen-address`).
    pub present: bool,
    /// `namespaces`: what to export; empty: every metric that arrives.
    pub select: Vec<StreamSelect>,
    /// `seriesLimit`: the most pushed series kept; a new series past it is refused and counted.
    pub series_limit: usize,
    /// `staleAfter`: seconds without an update after which a pushed series leaves `/metrics`.
    pub stale_after: u32,
    /// `addCloudwatchTimestamp`: each sample carries its CloudWatch timestamp.
    pub timestamps: bool,
}

/// The default `seriesLimit`. A pushed series with its five statistics holds about 1 KB
/// (`bench/reports/push.md`: 95 MiB live at 100k), so 50k fit the chart's 128 MiB limit beside
/// the exporter's own needs even under a flood of new series.
pub const STREAM_SERIES_LIMIT: usize = 50_000;
/// The default `staleAfter`: 15 minutes.
pub const STREAM_STALE_AFTER: u32 = 900;

impl Default for Streams {
    fn default() -> Self {
        Streams {
            present: false,
            select: Vec::new(),
            series_limit: STREAM_SERIES_LIMIT,
            stale_after: STREAM_STALE_AFTER,
            timestamps: false,
        }
    }
}

/// One `streams.namespaces` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamSelect {
    /// The CloudWatch namespace (an alias is resolved).
    pub namespace: String,
    /// The metric names to export; empty: all of the namespace.
    pub metrics: Vec<String>,
    /// The statistics to export, as CloudWatch spells them; empty: all delivered, and Average.
    pub statistics: Vec<String>,
}

/// What kind of job it is, and so how its series are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// Series found with ListMetrics and attached to catalog resources.
    Discovery,
    /// Series found with ListMetrics in a namespace outside the catalog; no resources.
    Custom,
    /// Fixed dimensions, no discovery at all.
    Static,
}

/// An identity to call AWS as: a role to assume, or the default credentials.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Role {
    /// `roleArn`: the role to assume; None uses the default credentials as they are.
    pub role_arn: Option<String>,
    /// `externalId`, passed when assuming the role.
    pub external_id: Option<String>,
}

/// A `searchTags` entry: a resource must have the tag `key` with a value matching `value`.
#[derive(Clone, Debug)]
pub struct TagFilter {
    /// The tag key, matched exactly.
    pub key: String,
    /// Unanchored, as in YACE.
    pub value: Regex,
}

/// One job of the config, in either dialect.
#[derive(Clone, Debug)]
pub struct Job {
    /// Which kind of job it is: discovery, custom namespace or static.
    pub kind: JobKind,
    /// Where the job is in the file, e.g. `discovery.jobs[1]`: the `config_job` label, logs, `/`.
    pub label: String,
    /// The job's `name` (static and custom jobs; it becomes the `name` label).
    pub name: Option<String>,
    /// The CloudWatch namespace, e.g. `AWS/ECS`.
    pub namespace: String,
    /// The regions the job runs in.
    pub regions: Vec<String>,
    /// Never empty: `Role::default()` is the SDK's default credential chain.
    pub roles: Vec<Role>,
    /// `searchTags` (discovery jobs only): a resource must match every one of them.
    pub search_tags: Vec<TagFilter>,
    /// Tag keys exported as `tag_<key>` labels (from `exportedTagsOnMetrics`).
    pub exported_tags: Vec<String>,
    /// `customTags`: (key, value) pairs exported as `custom_tag_<key>` labels.
    pub custom_tags: Vec<(String, String)>,
    /// When set, a series must have exactly these dimension names (sorted).
    pub dimension_names: Option<Vec<String>>,
    /// Dimensions a series must have with exactly this value (old `additionalDimensions`, static
    /// `dimensions`).
    pub fixed_dimensions: Vec<(String, String)>,
    /// `recentlyActiveOnly`: ListMetrics lists only metrics active in the past three hours.
    pub recently_active_only: bool,
    /// `includeLinkedAccounts` (an OAM monitoring account): ListMetrics lists the linked
    /// source accounts' series too, and each is queried, labelled and named with the account
    /// that owns it.
    pub include_linked_accounts: bool,
    /// `linkedAccounts`: keep only the series these accounts own (empty: every account).
    pub linked_accounts: Vec<String>,
    /// `includeContextOnInfoMetrics`: the `_info` series also get the `region`, `account_id`
    /// and custom tag labels.
    pub include_context_on_info: bool,
    /// `discoveryInterval` (seconds): how long this job's discovery may be reused, instead of
    /// `--discovery-interval`. A (role, region) shared by several jobs is rediscovered when the
    /// shortest of their intervals has passed.
    pub discovery_interval: Option<u32>,
    /// The job's metrics, in file order (may be empty when it has enhanced metrics).
    pub metrics: Vec<Metric>,
    /// `enhancedMetrics` (discovery jobs): values from the service's own API, read at
    /// discovery.
    pub enhanced: Vec<&'static crate::catalog::enhanced::EnhancedMetric>,
    /// The job's own `collectionInterval` (its metrics inherit it): the cadence of a job that
    /// has only enhanced metrics.
    pub collection_interval: Option<u32>,
}

/// One metric entry of a job, with the job's settings filled in where it sets none.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// The CloudWatch metric name.
    pub name: String,
    /// The statistics to fetch, as CloudWatch spells them (`Average`, `p99`, ...).
    pub statistics: Vec<String>,
    /// `period` (seconds): the span of one datapoint.
    pub period: u32,
    /// `length` (seconds): how far back the window reaches.
    pub length: u32,
    /// `delay` (seconds): how far before now the window ends.
    pub delay: u32,
    /// `nilToZero`: with no datapoint, export 0 instead of NaN.
    pub nil_to_zero: bool,
    /// `addCloudwatchTimestamp`: samples carry their CloudWatch timestamp (and none is
    /// exported when there is no datapoint).
    pub add_cloudwatch_timestamp: bool,
    /// `exportAllDataPoints`: with CloudWatch timestamps, export every datapoint of the window,
    /// not only the newest.
    pub export_all_data_points: bool,
    /// `collectionInterval` (seconds; the metric's or its job's): how often this metric is
    /// collected, instead of `--scraping-interval`. Metrics due at the same moment are fetched
    /// together.
    pub collection_interval: Option<u32>,
    /// `windowMode`: each collection fetches every datapoint since the previous one's window
    /// and exports them with their CloudWatch timestamps (so `addCloudwatchTimestamp` and
    /// `exportAllDataPoints` are on). Needs a `collectionInterval` that is a multiple of
    /// `period`, so every window holds whole periods and none is empty.
    pub window_mode: bool,
}

impl Job {
    /// Whether discovery must call the tagging API for this job.
    pub fn needs_tags(&self) -> bool {
        self.kind == JobKind::Discovery
            && (!self.search_tags.is_empty() || !self.exported_tags.is_empty())
    }
}
