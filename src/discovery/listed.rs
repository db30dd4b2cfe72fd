//! The resources the services' own listings name ([`crate::catalog::Arn::Listed`]): which
//! listings a job's series need, and the one resource a dimension value names in each.

use std::collections::{BTreeSet, HashMap};

use crate::catalog::{Namespace, ResourceType, Source};
use crate::config::Job;
use crate::model::{Described, ListedMetric};

/// The listings the series `job` exports need: only those of the calling account (a linked
/// account's resources are not listed by the monitoring account's APIs), and only series the
/// job's metrics and dimension rules keep (an EC2 job on `InstanceId` never asks for Auto
/// Scaling groups).
pub fn needed(ns: &Namespace, job: &Job, listed: &[&ListedMetric]) -> BTreeSet<Source> {
    listed
        .iter()
        .filter(|l| l.account.is_none())
        .filter(|l| job.metrics.iter().any(|m| m.name == l.metric) && super::dimensions_fit(job, l))
        .filter_map(|l| ns.resource_for(|d| l.dim(d))?.listing())
        .map(|(source, _)| source)
        .collect()
}

/// A resource's tags, (key, value).
pub type Tags = Vec<(String, String)>;

/// Listed resources by (listing, dimension, value). Owned, so that push mode keeps one per
/// (account, region) between its reads.
#[derive(Clone, Debug, Default)]
pub struct Listings {
    /// Per listing and dimension, each value's resource (an index into `resources`); None: the
    /// value names several resources.
    by: HashMap<Source, HashMap<String, HashMap<String, Option<usize>>>>,
    resources: Vec<Described>,
}

impl Listings {
    /// From the listings' resources.
    pub fn new(listed: impl IntoIterator<Item = (Source, Described)>) -> Listings {
        let mut out = Listings::default();
        for (source, d) in listed {
            out.add(source, d);
        }
        out
    }

    /// Whether `source`'s resources were added (an empty listing counts).
    pub fn has(&self, source: Source) -> bool {
        self.by.contains_key(&source)
    }

    /// Adds `source`'s listing.
    pub fn add_listing(&mut self, source: Source, listed: &[Described]) {
        self.by.entry(source).or_default();
        for d in listed {
            self.add(source, d.clone());
        }
    }

    fn add(&mut self, source: Source, d: Described) {
        let i = self.resources.len();
        for dim in &d.dimensions {
            let resources = &self.resources;
            self.by
                .entry(source)
                .or_default()
                .entry(dim.name.clone())
                .or_default()
                .entry(dim.value.clone())
                // The same resource twice (a DMS task under two names) is still one.
                .and_modify(|e| {
                    if e.is_some_and(|o| resources[o].arn != d.arn) {
                        *e = None;
                    }
                })
                .or_insert(Some(i));
        }
        self.resources.push(d);
    }

    /// The one resource `source` lists with `dim` = `value`. None when it lists none, or
    /// several: two REST APIs may share a name, and CloudWatch then adds both APIs' requests
    /// into one series, which is neither's.
    pub fn get(&self, source: Source, dim: &str, value: &str) -> Option<&Described> {
        let i = (*self.by.get(&source)?.get(dim)?.get(value)?)?;
        Some(&self.resources[i])
    }

    /// The resource of a series of the listed type `rt` (`dim` gives its dimensions): its ARN,
    /// and the listing's tags when the listed resource is the series' own (a REST API's tags
    /// are not its stage's). None if the listing names none (or several).
    pub fn name<'a>(
        &self,
        rt: &ResourceType,
        region: &str,
        account: &str,
        dim: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<(String, Option<&Tags>)> {
        let (source, key) = rt.listing()?;
        let d = self.get(source, key, dim(key)?)?;
        let arn = rt.listed_arn(region, account, &d.arn, dim)?;
        let tags = Some(&d.tags).filter(|_| arn == d.arn);
        Some((arn, tags))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dim;

    fn api(id: &str, name: &str) -> Described {
        Described {
            arn: format!("arn:aws:apigateway:eu-west-1::/restapis/{id}"),
            dimensions: vec![Dim {
                name: "ApiName".into(),
                value: name.into(),
            }],
            ..Described::default()
        }
    }

    #[test]
    fn a_value_names_one_resource_or_none() {
        let apis = [
            api("a1", "orders"),
            api("b2", "shared"),
            api("c3", "shared"),
        ];
        let tasks = [
            Described {
                arn: "arn:aws:dms:eu-west-1:1:task:XYZ".into(),
                dimensions: vec![Dim {
                    name: "ReplicationTaskIdentifier".into(),
                    value: "nightly".into(),
                }],
                ..Described::default()
            },
            Described {
                arn: "arn:aws:dms:eu-west-1:1:task:XYZ".into(),
                dimensions: vec![Dim {
                    name: "ReplicationTaskIdentifier".into(),
                    value: "XYZ".into(),
                }],
                ..Described::default()
            },
        ];
        let l = Listings::new(
            apis.iter()
                .map(|d| (Source::ApiGatewayRestApis, d.clone()))
                .chain(
                    tasks
                        .iter()
                        .map(|d| (Source::DmsReplicationTasks, d.clone())),
                ),
        );
        let get = |s, d, v| l.get(s, d, v).map(|d| d.arn.as_str());
        assert_eq!(
            get(Source::ApiGatewayRestApis, "ApiName", "orders"),
            Some("arn:aws:apigateway:eu-west-1::/restapis/a1")
        );
        // Two APIs of one name: the series is neither's.
        assert_eq!(get(Source::ApiGatewayRestApis, "ApiName", "shared"), None);
        assert_eq!(get(Source::ApiGatewayRestApis, "ApiName", "gone"), None);
        // Not another listing's, nor another dimension's.
        assert_eq!(get(Source::DmsReplicationTasks, "ApiName", "orders"), None);
        assert_eq!(get(Source::AutoScalingGroups, "ApiName", "orders"), None);
        // One task under its two names is one task under either.
        for name in ["nightly", "XYZ"] {
            assert_eq!(
                get(
                    Source::DmsReplicationTasks,
                    "ReplicationTaskIdentifier",
                    name
                ),
                Some("arn:aws:dms:eu-west-1:1:task:XYZ")
            );
        }
    }
}
