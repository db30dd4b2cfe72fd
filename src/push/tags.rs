//! Tags and listings for pushed series: the tagging API read, per region, for the namespaces
//! whose tags the config exports (`discovery.exportedTagsOnMetrics`) or whose resources only it
//! names, and the services' own listings for the namespaces whose resources they name (REST
//! APIs, DMS, Auto Scaling groups), with the default credentials, as polling reads them. Pushed
//! series of other accounts (a monitoring account's stream) get empty tag labels.

use std::collections::{BTreeSet, HashMap};

use super::store::{ListedTable, TagTable};
use crate::aws::{Api, Sessions};
use crate::catalog::{self, Source};
use crate::config::Role;
use crate::discovery::Listings;

/// What one read of the tagging API and the listings found.
pub struct Read {
    /// The tags, per (account, region), per ARN.
    pub table: TagTable,
    /// The listed resources, per (account, region).
    pub listed: ListedTable,
    /// What failed, as loggable text.
    pub errors: Vec<String>,
    /// The regions with a failure: they keep the tags they had.
    pub failed_regions: BTreeSet<String>,
}

/// Reads the tags of `wants` ((region, namespace) pairs). A region or namespace that fails is
/// named in the result, so that it keeps the tags it had.
pub async fn read<S: Sessions>(sessions: &S, wants: &BTreeSet<(String, String)>) -> Read {
    let mut table = TagTable::new();
    let mut listed = ListedTable::new();
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
        let mut sources: BTreeSet<Source> = BTreeSet::new();
        for ns in &namespaces {
            let Some(n) = catalog::lookup(ns) else {
                continue;
            };
            sources.extend(n.resources.iter().filter_map(|r| Some(r.listing()?.0)));
        }
        let mut resources = Vec::new();
        for source in sources {
            match session.describe(source).await {
                Ok(rs) => resources.extend(rs.into_iter().map(|d| (source, d))),
                Err(e) => {
                    errors.push(format!("{region} {source:?}: {e}"));
                    failed_regions.insert(region.to_string());
                }
            }
        }
        if !resources.is_empty() {
            let listings = Listings::new(resources);
            // A listing's tags (Auto Scaling groups: the tagging API has none of theirs).
            let by_arn = table.entry(key.clone()).or_default();
            for d in listings.resources().filter(|d| !d.tags.is_empty()) {
                by_arn.insert(d.arn.clone(), d.tags.clone());
            }
            listed.insert(key.clone(), listings);
        }
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
        listed,
        errors,
        failed_regions,
    }
}
