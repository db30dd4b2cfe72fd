//! What a cycle hands to the server: the CloudWatch series and the exporter's own, each laid
//! out for the one writer, and each job's state.

use bytes::Bytes;

use super::JobStatus;
use super::series;
pub use super::state::ScopeStatus;
use crate::exposition::layout::Exposition;
use crate::exposition::text::Families;

/// What `/metrics` serves: made once per cycle, read by every scrape.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The CloudWatch series: written out per scrape from their layout and values.
    pub cloudwatch: Exposition,
    /// The exporter's own series (a few dozen), written after them by the same writer.
    pub own: Exposition,
    /// Every job's state after the cycle.
    pub jobs: Vec<JobStatus>,
    /// Every (role, region)'s state after its last collection.
    pub scopes: Vec<ScopeStatus>,
    /// When the last cycle finished (seconds since the epoch); None before the first.
    pub finished_at: Option<i64>,
    /// The collection intervals (cadence groups) this cycle collected.
    pub groups: Vec<u64>,
    /// When the next cycle is due (seconds since the epoch).
    pub next_at: Option<i64>,
    /// AWS calls made since the process started (every API, every outcome).
    pub calls_total: u64,
    /// GetMetricData metrics billed since the process started (every statistic counted).
    pub metrics_billed_total: u64,
    /// How long the cycle's collection took.
    pub duration_seconds: f64,
    /// Time to prepare the cycle's series for scrapes (the layout is reused while discovery
    /// is; the bytes are written per scrape).
    pub prepare_seconds: f64,
}

impl Snapshot {
    /// Whether a cycle has finished (what `/-/ready` answers).
    pub fn ready(&self) -> bool {
        self.finished_at.is_some()
    }

    /// What is served before the first collection: the build info, so a scrape already shows
    /// which exporter answers, and nothing that could pass for a collection result.
    pub fn starting() -> Snapshot {
        let mut fs = Families::default();
        series::add_build_info(&mut fs);
        Snapshot {
            own: Exposition::of(fs),
            ..Snapshot::default()
        }
    }

    /// The exposition in chunks, to be written in order (OpenMetrics without `# EOF`).
    pub fn chunks(&self, openmetrics: bool) -> impl Iterator<Item = Bytes> + Send + 'static {
        self.cloudwatch
            .chunks(openmetrics)
            .chain(self.own.chunks(openmetrics))
    }

    /// All of it in one buffer.
    pub fn to_vec(&self, openmetrics: bool) -> Vec<u8> {
        self.chunks(openmetrics).flat_map(|c| c.to_vec()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Snapshot;

    #[test]
    fn before_the_first_collection_only_the_build_info_is_served() {
        let s = Snapshot::starting();
        assert!(!s.ready());
        let text = String::from_utf8(s.to_vec(false)).unwrap();
        assert_eq!(
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .collect::<Vec<_>>(),
            vec![format!(
                "cw_exporter_build_info{{version=\"{}\"}} 1",
                env!("CARGO_PKG_VERSION")
            )]
        );
        let om = String::from_utf8(s.to_vec(true)).unwrap();
        assert!(
            om.starts_with("# TYPE cw_exporter_build_info gauge\n"),
            "{om}"
        );
        assert!(!om.contains("# EOF"), "the server ends the response");
    }
}
