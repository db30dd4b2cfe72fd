//! Which pushed points are kept: the config's `streams` selection, minus what polling
//! collects. Made once per config (re)load and handed to the store as a value.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::{Config, Job, Streams, canonical_statistic};
use crate::exposition::names::metric_name;

/// What the store applies to every point.
#[derive(Clone, Debug)]
pub struct Rules {
    /// The `streams` section.
    pub streams: Streams,
    /// Per namespace, the metrics a polling job collects: polling wins for those, in every
    /// account and region, so a family is never served from both.
    pub polled: HashMap<String, HashSet<String>>,
    /// Every family polling serves (`aws_<ns>_<metric>_<stat>`): a pushed statistic whose
    /// family is one of them (another spelling of the same names) is left out too.
    pub polled_families: HashSet<String>,
    /// `--labels-snake-case`.
    pub snake: bool,
    /// `discovery.exportedTagsOnMetrics`: per namespace, the tag keys pushed series get as
    /// `tag_<key>` labels ("" where the resource has no such tag), as polled series do.
    pub exported_tags: BTreeMap<String, Vec<String>>,
}

/// Why a point is not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Not selected by `streams.namespaces`.
    Filtered,
    /// A polling job collects this metric.
    Polled,
}

impl Rules {
    /// The rules of a config.
    pub fn of(cfg: &Config, snake: bool) -> Rules {
        let mut r = Rules::new(&cfg.streams, &cfg.jobs, snake);
        r.exported_tags = cfg.exported_tags.clone();
        r
    }

    /// The rules of a `streams` section and the polling jobs beside it (no exported tags).
    pub fn new(streams: &Streams, jobs: &[Job], snake: bool) -> Rules {
        let mut polled: HashMap<String, HashSet<String>> = HashMap::new();
        let mut polled_families = HashSet::new();
        for j in jobs {
            let set = polled.entry(j.namespace.clone()).or_default();
            set.extend(j.metrics.iter().map(|m| m.name.clone()));
            for m in &j.metrics {
                for stat in &m.statistics {
                    polled_families.insert(metric_name(&j.namespace, &m.name, stat));
                }
            }
        }
        Rules {
            streams: streams.clone(),
            polled,
            polled_families,
            snake,
            exported_tags: BTreeMap::new(),
        }
    }

    /// Whether the metric is exported from streams, and if not, why.
    pub fn metric(&self, namespace: &str, metric: &str) -> Result<(), Skip> {
        if !self.streams.select.is_empty()
            && !self.streams.select.iter().any(|s| {
                s.namespace == namespace
                    && (s.metrics.is_empty() || s.metrics.iter().any(|m| m == metric))
            })
        {
            return Err(Skip::Filtered);
        }
        if self
            .polled
            .get(namespace)
            .is_some_and(|m| m.contains(metric))
        {
            return Err(Skip::Polled);
        }
        Ok(())
    }

    /// Whether a statistic of a namespace's metric is exported.
    pub fn statistic(&self, namespace: &str, statistic: &str) -> bool {
        let Some(sel) = self
            .streams
            .select
            .iter()
            .find(|s| s.namespace == namespace)
        else {
            return true;
        };
        sel.statistics.is_empty()
            || canonical_statistic(statistic).is_some_and(|c| sel.statistics.contains(&c))
    }
}
