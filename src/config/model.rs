//! The one job model both YACE dialects normalise into. Everything after the config stage sees
//! only these types.

use regex::Regex;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// YACE 0.16–0.25: no `apiVersion`, `region`, `roleArn`, `awsDimensions`, `Key`/`Value` tags.
    Old,
    /// `apiVersion: v1alpha1`, YACE 0.26 and later.
    V1Alpha1,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub dialect: Dialect,
    pub sts_region: Option<String>,
    pub jobs: Vec<Job>,
    /// `enableMetricData` was set somewhere (accepted; batching is always on).
    pub saw_enable_metric_data: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// Series found with ListMetrics and attached to catalog resources.
    Discovery,
    /// Series found with ListMetrics in a namespace outside the catalog; no resources.
    Custom,
    /// Fixed dimensions, no discovery at all.
    Static,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Role {
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct TagFilter {
    pub key: String,
    /// Unanchored, as in YACE.
    pub value: Regex,
}

#[derive(Clone, Debug)]
pub struct Job {
    pub kind: JobKind,
    /// Where the job is in the file, e.g. `discovery.jobs[1]`: the `config_job` label, logs, `/`.
    pub label: String,
    /// The job's `name` (static and custom jobs; it becomes the `name` label).
    pub name: Option<String>,
    pub namespace: String,
    pub regions: Vec<String>,
    /// Never empty: `Role::default()` is the SDK's default credential chain.
    pub roles: Vec<Role>,
    pub search_tags: Vec<TagFilter>,
    /// Tag keys exported as `tag_<key>` labels (from `exportedTagsOnMetrics`).
    pub exported_tags: Vec<String>,
    pub custom_tags: Vec<(String, String)>,
    /// When set, a series must have exactly these dimension names (sorted).
    pub dimension_names: Option<Vec<String>>,
    /// Dimensions a series must have with exactly this value (old `additionalDimensions`, static
    /// `dimensions`).
    pub fixed_dimensions: Vec<(String, String)>,
    pub recently_active_only: bool,
    pub include_context_on_info: bool,
    /// `discoveryInterval` (seconds): how long this job's discovery may be reused, instead of
    /// `--discovery-interval`. A (role, region) shared by several jobs is rediscovered when the
    /// shortest of their intervals has passed.
    pub discovery_interval: Option<u32>,
    pub metrics: Vec<Metric>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    pub statistics: Vec<String>,
    pub period: u32,
    pub length: u32,
    pub delay: u32,
    pub nil_to_zero: bool,
    pub add_cloudwatch_timestamp: bool,
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
