//! Tags and listings for pushed series: the tagging API read, per region, for the namespaces
//! whose tags the config exports (`discovery.exportedTagsOnMetrics`) or whose resources only it
//! names, and the services' own listings for the namespaces whose resources they name (REST
//! APIs, DMS, Auto Scaling groups), with the default credentials, as polling reads them. Pushed
//! series of other accounts (a monitoring account's stream) get empty tag labels.

use std::collections::{BTreeSet, HashMap};

use super::store::{Names, Want};
use crate::aws::{Api, Sessions};
use crate::catalog;
use crate::config::Role;
use crate::discovery::Listings;

/// Reads what `wants` asks for ((region, tags of a namespace or a listing) pairs). What fails
/// is named in the result, so that it keeps what it had, and in the errors, as loggable text.
pub async fn read<S: Sessions>(
    sessions: &S,
    wants: &BTreeSet<(String, Want)>,
) -> (Names, Vec<String>) {
    let mut names = Names::default();
    let mut errors = Vec::new();
    let mut by_region: HashMap<&str, Vec<&Want>> = HashMap::new();
    for (region, want) in wants {
        by_region.entry(region).or_default().push(want);
    }
    for (region, wants) in by_region {
        let session = match sessions.session(&Role::default(), region).await {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("{region}: {e}"));
                names.failed_regions.insert(region.to_string());
                for w in &wants {
                    if let Want::Listing(source) = w {
                        names.failed_listings.insert((region.to_string(), *source));
                    }
                }
                continue;
            }
        };
        let key = (session.account().to_string(), region.to_string());
        for want in wants {
            match want {
                Want::Listing(source) => match session.describe(*source).await {
                    Ok(rs) => {
                        let listing = Listings::new(rs.into_iter().map(|d| (*source, d)));
                        names
                            .listed
                            .insert((key.0.clone(), key.1.clone(), *source), listing);
                    }
                    Err(e) => {
                        errors.push(format!("{region} {source:?}: {e}"));
                        names.failed_listings.insert((region.to_string(), *source));
                    }
                },
                Want::Tags(ns) => {
                    let Some(n) = catalog::lookup(ns) else {
                        continue;
                    };
                    if n.tag_filters.is_empty() {
                        continue;
                    }
                    match session.tagged_resources(n.tag_filters).await {
                        Ok(resources) => {
                            let by_arn = names.tags.entry(key.clone()).or_default();
                            for r in resources {
                                by_arn.insert(r.arn, r.tags);
                            }
                        }
                        Err(e) => {
                            errors.push(format!("{region} {ns}: {e}"));
                            names.failed_regions.insert(region.to_string());
                        }
                    }
                }
            }
        }
    }
    (names, errors)
}
