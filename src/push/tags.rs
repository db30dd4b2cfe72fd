//! Tags for pushed series: the tagging API read, per region, for the namespaces whose tags the
//! config exports (`discovery.exportedTagsOnMetrics`), with the default credentials. Pushed
//! series of other accounts (a monitoring account's stream) get empty tag labels.

use std::collections::{BTreeSet, HashMap};

use super::store::TagTable;
use crate::aws::{Api, Sessions};
use crate::catalog;
use crate::config::Role;

/// What one read of the tagging API found.
pub struct Read {
    /// The tags, per (account, region), per ARN.
    pub table: TagTable,
    /// What failed, as loggable text.
    pub errors: Vec<String>,
    /// The regions with a failure: they keep the tags they had.
    pub failed_regions: BTreeSet<String>,
}

/// Reads the tags of `wants` ((region, namespace) pairs). A region or namespace that fails is
/// named in the result, so that it keeps the tags it had.
pub async fn read<S: Sessions>(sessions: &S, wants: &BTreeSet<(String, String)>) -> Read {
    let mut table = TagTable::new();
    let mut errors = Vec::new();
    let mut failed_regions = BTreeSet::new();
    let mut by_region: HashMap<&str, Vec<&str>> = HashMap::new();
    for (region, ns) in wants {
        by_region.entry(region).or_default().push(ns);
    }
    for (region, namespaces) in by_region {
        let session = match sessions.session(&Role::default(), region).await {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("{region}: {e}"));
                failed_regions.insert(region.to_string());
                continue;
            }
        };
        let key = (session.account().to_string(), region.to_string());
        for ns in namespaces {
            let Some(n) = catalog::lookup(ns) else {
                continue;
            };
            if n.tag_filters.is_empty() {
                continue;
            }
            match session.tagged_resources(n.tag_filters).await {
                Ok(resources) => {
                    let by_arn = table.entry(key.clone()).or_default();
                    for r in resources {
                        by_arn.insert(r.arn, r.tags);
                    }
                }
                Err(e) => {
                    errors.push(format!("{region} {ns}: {e}"));
                    failed_regions.insert(region.to_string());
                }
            }
        }
    }
    Read {
        table,
        errors,
        failed_regions,
    }
}
