//! Discovery: which series each job exports, and the one resource each belongs to.
//!
//! ListMetrics is called once per (role, region, namespace, metric name), however many jobs share
//! it; the tagging API only when a job filters on tags or the namespace exports tags. Resource
//! ARNs are built from dimensions (see [`crate::catalog`]), so untagged resources are found too.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

pub mod enhanced;
pub mod listed;
pub mod shard;

use crate::aws::{Api, AwsError};
use crate::catalog;
use crate::catalog::Source;
use crate::config::{Job, JobKind, Role};
use crate::model::{Described, Dim, ListedMetric, TaggedResource};
pub use enhanced::EnhancedValue;
pub use listed::Listings;

/// One series a job exports: a metric entry of the job, with concrete dimensions.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Index of the job in the config.
    pub job: usize,
    /// Index into the job's `metrics`.
    pub metric: usize,
    /// Shared with the listing and with every other target of the same series.
    pub dimensions: Arc<[Dim]>,
    /// The `name` label: the resource ARN, or a static/custom job's name.
    pub resource: Arc<str>,
    /// Values of the job's exported tag keys, in the job's order ("" when absent).
    pub tags: Arc<[String]>,
    /// The linked source account that owns the series (OAM); None: the session's own.
    pub account: Option<Arc<str>>,
}

/// A resource seen by a discovery job: becomes an `aws_<ns>_info` series.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// Index of the job that saw it.
    pub job: usize,
    /// Its ARN (the `name` label).
    pub arn: Arc<str>,
    /// All its tags, when the tagging API was asked; empty otherwise.
    pub tags: Vec<(String, String)>,
    /// The linked source account that owns it (OAM); None: the session's own.
    pub account: Option<Arc<str>>,
}

/// What discovery found for one (role, region).
#[derive(Debug, Default)]
pub struct Found {
    /// Every series to fetch, in the jobs' order.
    pub targets: Vec<Target>,
    /// Every resource seen (for the `_info` series).
    pub resources: Vec<Resource>,
    /// The values of the jobs' enhanced metrics.
    pub enhanced: Vec<EnhancedValue>,
    /// Service listings (enhanced metrics' values, or the names of listed resources) whose
    /// call failed: the discovery is incomplete (not kept), though no job failed.
    pub sources_failed: Vec<(Source, Arc<AwsError>)>,
    /// Jobs (by index) whose discovery failed here, with why.
    pub failed: Vec<(usize, Arc<AwsError>)>,
    /// Series of jobs with search tags whose resource only the tagging API or a service's
    /// listing can name, and it names none of theirs: not exported.
    pub unassociated: usize,
    /// The account's alias when discovery ran (YACE's `account_alias` label).
    pub account_alias: Option<Arc<str>>,
}

/// A result several jobs read; the error is shared too.
type Shared<T> = Result<T, Arc<AwsError>>;
/// Resource ARN → its tags.
type TagMap = HashMap<String, Vec<(String, String)>>;

/// The (role, region) pairs the config needs, each with the jobs that run there.
pub fn scopes(jobs: &[Job]) -> BTreeMap<(Role, String), Vec<usize>> {
    let mut out: BTreeMap<(Role, String), Vec<usize>> = BTreeMap::new();
    for (i, j) in jobs.iter().enumerate() {
        for role in &j.roles {
            for region in &j.regions {
                out.entry((role.clone(), region.clone()))
                    .or_default()
                    .push(i);
            }
        }
    }
    out
}

/// Runs discovery for the jobs of one (role, region).
///
/// With `always_info` (YACE's `always-return-info-metrics`), a job that reads the tagging API
/// also gets an info series for each tagged resource its search tags match, series or not.
pub async fn discover<A: Api>(
    session: &A,
    jobs: &[Job],
    job_ids: &[usize],
    always_info: bool,
) -> Found {
    let mut found = Found {
        account_alias: session.account_alias().map(Arc::from),
        ..Found::default()
    };
    // One ListMetrics listing per (namespace, metric name), shared by every job that needs it.
    // Listing by name lets CloudWatch do the filtering: a Container Insights namespace holds
    // per-task and per-container series by the thousand that no job asked for.
    let mut listings: HashMap<(&str, &str, bool, bool), Shared<Vec<ListedMetric>>> = HashMap::new();
    let mut tag_maps: HashMap<&str, Shared<TagMap>> = HashMap::new();
    // One call per service listing (enhanced metrics, listed resources), shared by every job
    // that reads it.
    let mut described: HashMap<Source, Shared<Vec<Described>>> = HashMap::new();
    // The listed resources of the listings read so far, indexed once per discovery.
    let mut named = Listings::default();
    // One copy of each dimension set across listings: the metrics of one service all have the
    // same dimensions, and at 100k series the copies were most of discovery's memory.
    let mut dim_sets: HashSet<Arc<[Dim]>> = HashSet::new();
    for &i in job_ids {
        let job = &jobs[i];
        if job.kind == JobKind::Static {
            found.targets.extend(static_targets(i, job));
            continue;
        }
        let mut listed: Vec<&ListedMetric> = Vec::new();
        let mut failure = None;
        let mut names: Vec<&str> = job.metrics.iter().map(|m| m.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let key = |name| {
            (
                job.namespace.as_str(),
                name,
                job.recently_active_only,
                job.include_linked_accounts,
            )
        };
        for &name in &names {
            if let std::collections::hash_map::Entry::Vacant(e) = listings.entry(key(name)) {
                let mut r = session
                    .list_metrics(
                        &job.namespace,
                        name,
                        job.recently_active_only,
                        job.include_linked_accounts,
                    )
                    .await
                    .map_err(Arc::new);
                if let Ok(l) = &mut r {
                    for m in l.iter_mut() {
                        match dim_sets.get(&m.dimensions) {
                            Some(d) => m.dimensions = d.clone(),
                            None => {
                                dim_sets.insert(m.dimensions.clone());
                            }
                        }
                    }
                }
                e.insert(r);
            }
        }
        for &name in &names {
            match &listings[&key(name)] {
                // `linkedAccounts`: only the series these accounts own.
                Ok(l) => listed.extend(l.iter().filter(|m| {
                    job.linked_accounts.is_empty()
                        || job.linked_accounts.iter().any(|a| {
                            a.as_str() == m.account.as_deref().unwrap_or(session.account())
                        })
                })),
                Err(e) => failure = Some(e.clone()),
            }
        }
        if let Some(e) = failure {
            found.failed.push((i, e));
            continue;
        }
        let catalog_ns = catalog::lookup(&job.namespace).filter(|_| job.kind == JobKind::Discovery);
        // A namespace whose resources only the tagging API can name reads it too, as in YACE
        // (`catalog::always_tagged`).
        let tagged_types = catalog_ns.is_some_and(|n| n.has_tagged_types());
        let tags = if job.needs_tags() || tagged_types {
            let ns = job.namespace.as_str();
            if !tag_maps.contains_key(ns) {
                let types: Vec<&str> = catalog_ns
                    .map(|n| n.tag_filters.to_vec())
                    .unwrap_or_default();
                // No filter would list every resource of the account: a namespace without
                // tagging types has no tags to read.
                let r = if types.is_empty() {
                    Ok(TagMap::new())
                } else {
                    session
                        .tagged_resources(&types)
                        .await
                        .map(|rs| {
                            rs.into_iter()
                                .map(|r: TaggedResource| (r.arn, r.tags))
                                .collect()
                        })
                        .map_err(Arc::new)
                };
                tag_maps.insert(ns, r);
            }
            match &tag_maps[ns] {
                Ok(m) => Some(m),
                Err(e) => {
                    found.failed.push((i, e.clone()));
                    continue;
                }
            }
        } else {
            None
        };
        // The listings that name the job's resources no dimension holds (REST APIs, DMS,
        // Auto Scaling groups), only when a series the job exports needs one. One that fails
        // leaves those series as it found them (`global`; with search tags, left out) and the
        // job succeeding, as before the listing existed; the next discovery tries again.
        let sources = catalog_ns
            .map(|ns| listed::needed(ns, job, &listed))
            .unwrap_or_default();
        for &source in &sources {
            describe_once(
                session,
                &mut described,
                &mut found,
                source,
                "resources not named: their series are `global` (with searchTags: left out) until a discovery reads the listing",
            )
            .await;
            if let (false, Ok(listed)) = (named.has(source), &described[&source]) {
                named.add_listing(source, listed);
            }
        }
        let (targets, mut resources, unassociated) = select(
            i,
            job,
            &listed,
            tags,
            &named,
            session.region(),
            session.account(),
        );
        if !job.enhanced.is_empty() {
            let sources = enhanced::sources(job);
            for &source in &sources {
                // As YACE: the job's CloudWatch series stay and it succeeds.
                describe_once(
                    session,
                    &mut described,
                    &mut found,
                    source,
                    "enhanced metrics not read: their series are missing until a discovery reads them",
                )
                .await;
            }
            let of_job: Vec<&Described> = sources
                .iter()
                .filter_map(|s| described[s].as_ref().ok())
                .flatten()
                .collect();
            let (values, more) = enhanced::select(i, job, &of_job, tags, &resources);
            found.enhanced.extend(values);
            resources.extend(more);
        }
        if always_info && let Some(tags) = tags {
            resources.extend(without_series(i, job, tags, &resources));
        }
        found.targets.extend(targets);
        found.resources.extend(resources);
        found.unassociated += unassociated;
    }
    found
}

/// Calls `source` once per discovery. A failure is counted by its error code, said once per
/// source and error (with what it costs and the permission it needs), and marks the discovery
/// incomplete, so that the next cycle tries again.
async fn describe_once<A: Api>(
    session: &A,
    described: &mut HashMap<Source, Shared<Vec<Described>>>,
    found: &mut Found,
    source: Source,
    consequence: &str,
) {
    let std::collections::hash_map::Entry::Vacant(slot) = described.entry(source) else {
        return;
    };
    let r = session.describe(source).await.map_err(Arc::new);
    if let Err(e) = &r {
        if crate::model::first_time(&format!("listing {source:?} {}", e.code)) {
            tracing::warn!(
                source = ?source,
                region = session.region(),
                needs = source.permissions().join(", "),
                error = %e,
                "{consequence} (said once per source and error)"
            );
        }
        found.sources_failed.push((source, e.clone()));
    }
    slot.insert(r);
}

/// Targets as if every metric of every listing job had `n` series, with the discovery calls that
/// would take: for `plan --offline`, before any AWS access exists.
pub fn assumed(
    jobs: &[Job],
    job_ids: &[usize],
    n: usize,
) -> (Vec<Target>, Vec<(&'static str, u64)>) {
    let mut targets = Vec::new();
    let mut listings = BTreeSet::new();
    let mut tag_listings = BTreeSet::new();
    let pages = |per_page: usize| n.div_ceil(per_page).max(1) as u64;
    for &i in job_ids {
        let job = &jobs[i];
        if job.kind == JobKind::Static {
            targets.extend(static_targets(i, job));
            continue;
        }
        for (m, metric) in job.metrics.iter().enumerate() {
            listings.insert((
                job.namespace.as_str(),
                metric.name.as_str(),
                job.recently_active_only,
            ));
            for s in 0..n {
                targets.push(Target {
                    job: i,
                    metric: m,
                    dimensions: Arc::from(vec![Dim {
                        name: "Series".into(),
                        value: s.to_string(),
                    }]),
                    resource: Arc::from(""),
                    tags: Arc::from(Vec::new()),
                    account: None,
                });
            }
        }
        if job.needs_tags() {
            tag_listings.insert(job.namespace.as_str());
        }
    }
    let mut calls = vec![("ListMetrics", listings.len() as u64 * pages(500))];
    if !tag_listings.is_empty() {
        calls.push(("GetResources", tag_listings.len() as u64 * pages(100)));
    }
    // Enhanced metrics and the listings that name resources: each source listed once, `n`
    // resources of it assumed (a listing only runs for series of its types: at most this).
    let mut sources: Vec<Source> = job_ids
        .iter()
        .flat_map(|&i| {
            let job = &jobs[i];
            let listings = catalog::lookup(&job.namespace)
                .filter(|_| job.kind == JobKind::Discovery)
                .into_iter()
                .flat_map(|ns| ns.resources)
                .filter_map(|r| Some(r.listing()?.0));
            enhanced::sources(job).into_iter().chain(listings)
        })
        .collect();
    sources.sort_unstable();
    sources.dedup();
    for s in sources {
        let apis = s.apis();
        calls.push((apis[0], pages(s.page_size())));
        // DynamoDB: one DescribeTable per table.
        for api in &apis[1..] {
            calls.push((api, n as u64));
        }
    }
    (targets, calls)
}

fn static_targets(i: usize, job: &Job) -> Vec<Target> {
    let name: Arc<str> = job.name.as_deref().unwrap_or_default().into();
    let dims: Arc<[Dim]> = job
        .fixed_dimensions
        .iter()
        .map(|(n, v)| Dim {
            name: n.clone(),
            value: v.clone(),
        })
        .collect();
    (0..job.metrics.len())
        .map(|m| Target {
            job: i,
            metric: m,
            dimensions: dims.clone(),
            resource: name.clone(),
            tags: Arc::from(Vec::new()),
            account: None,
        })
        .collect()
}

/// The pure heart of discovery: which listed series a job exports, and to which resource.
/// Returns the targets, the resources they belong to, and how many series matched the job's
/// metric and dimension rules but belong to no catalog resource (they are not exported).
pub fn select(
    job_index: usize,
    job: &Job,
    listed: &[&ListedMetric],
    tags: Option<&TagMap>,
    listings: &Listings,
    region: &str,
    account: &str,
) -> (Vec<Target>, Vec<Resource>, usize) {
    let ns = catalog::lookup(&job.namespace);
    let mut targets = Vec::new();
    // ARN → (its tags, its owner when a linked account's).
    type Owned = (Vec<(String, String)>, Option<Arc<str>>);
    let mut resources: BTreeMap<Arc<str>, Owned> = BTreeMap::new();
    let mut unassociated = 0;
    let job_name: Option<Arc<str>> = job.name.as_deref().map(Arc::from);
    let mut arns: HashMap<String, Arc<str>> = HashMap::new();
    let empty_tags: Arc<[String]> = Arc::from(vec![String::new(); job.exported_tags.len()]);
    let global: Arc<str> = Arc::from(catalog::GLOBAL);
    // Resources of tagged types, by (type, the dimension values their ARN stands for).
    let mut tagged: HashMap<(*const catalog::ResourceType, Vec<String>), &str> = HashMap::new();
    if let (Some(ns), Some(tags)) = (ns, tags) {
        for rt in ns.resources {
            for arn in tags.keys() {
                if let Some(values) = rt.tagged_values(arn) {
                    tagged.insert((rt as *const _, values), arn);
                }
            }
        }
    }

    for l in listed {
        let metric_ids: Vec<usize> = job
            .metrics
            .iter()
            .enumerate()
            .filter(|(_, m)| m.name == l.metric)
            .map(|(i, _)| i)
            .collect();
        if metric_ids.is_empty() || !dimensions_fit(job, l) {
            continue;
        }
        let (resource, tag_values) = match (job.kind, ns) {
            (JobKind::Discovery, Some(ns)) => {
                // The series' resource: built from its dimensions, or the listed or tagged
                // resource they name; else none (YACE's "global").
                let rt = ns.resource_for(|d| l.dim(d));
                // The tags of the listed resource the series belongs to, when its listing
                // gives them (the tagging API lists no Auto Scaling groups).
                let mut listed_tags = None;
                let arn = match rt {
                    None => None,
                    Some(rt) => {
                        let owner = l.account.as_deref().unwrap_or(account);
                        // The tags and listings are the calling account's: a linked account's
                        // series (OAM) is never one of its resources.
                        let own = l.account.is_none();
                        let arn = match rt.arn {
                            catalog::Arn::Built(_) => rt.build_arn(region, owner, |d| l.dim(d)),
                            catalog::Arn::Listed { .. } => listings
                                .name(rt, region, owner, |d| l.dim(d))
                                .filter(|_| own)
                                .map(|(arn, tags)| {
                                    listed_tags = tags;
                                    arn
                                }),
                            catalog::Arn::Tagged(_) => rt
                                .candidates(|d| l.dim(d))
                                .into_iter()
                                .find_map(|values| tagged.get(&(rt as *const _, values)))
                                .filter(|_| own)
                                .map(|arn| arn.to_string()),
                        };
                        match arn {
                            Some(arn) => Some(arn),
                            // Its resource is untagged or unlisted (or not so as to match): with
                            // search tags it cannot match them; without, it is kept as belonging
                            // to no resource rather than dropped.
                            None if !job.search_tags.is_empty() => {
                                unassociated += 1;
                                continue;
                            }
                            None => None,
                        }
                    }
                };
                let arn = match arn {
                    Some(a) => a,
                    None => {
                        for m in &metric_ids {
                            targets.push(Target {
                                job: job_index,
                                metric: *m,
                                dimensions: l.dimensions.clone(),
                                resource: global.clone(),
                                tags: empty_tags.clone(),
                                account: l.account.clone(),
                            });
                        }
                        continue;
                    }
                };
                let resource_tags = tags.and_then(|t| t.get(&arn)).or(listed_tags);
                if !job.search_tags.is_empty() {
                    let Some(rtags) = resource_tags else { continue };
                    if !matches_search_tags(job, rtags) {
                        continue;
                    }
                }
                let arc = arns
                    .entry(arn.clone())
                    .or_insert_with(|| Arc::from(arn.as_str()))
                    .clone();
                // A transient resource (an ECS task) has no info series: it would outlive the
                // task by the two weeks CloudWatch keeps listing its series.
                if !rt.is_some_and(|r| r.transient) {
                    resources.entry(arc.clone()).or_insert_with(|| {
                        (
                            resource_tags.cloned().unwrap_or_default(),
                            l.account.clone(),
                        )
                    });
                }
                let tag_values: Arc<[String]> = match resource_tags {
                    Some(rtags) if !job.exported_tags.is_empty() => tag_values(job, rtags),
                    _ => empty_tags.clone(),
                };
                (arc, tag_values)
            }
            _ => (
                job_name.clone().unwrap_or_else(|| Arc::from("")),
                empty_tags.clone(),
            ),
        };
        for m in metric_ids {
            targets.push(Target {
                job: job_index,
                metric: m,
                dimensions: l.dimensions.clone(),
                resource: resource.clone(),
                tags: tag_values.clone(),
                account: l.account.clone(),
            });
        }
    }
    let resources = resources
        .into_iter()
        .map(|(arn, (tags, account))| Resource {
            job: job_index,
            arn,
            tags,
            account,
        })
        .collect();
    (targets, resources, unassociated)
}

/// The tagged resources a job's search tags match that `have` (the resources with series)
/// lacks, in ARN order: what YACE's `always-return-info-metrics` adds as info series.
pub fn without_series(
    job_index: usize,
    job: &Job,
    tags: &TagMap,
    have: &[Resource],
) -> Vec<Resource> {
    // A set, not a scan of `have` per tagged resource: both can be thousands long.
    let have: HashSet<&str> = have.iter().map(|r| &*r.arn).collect();
    let mut out: Vec<Resource> = tags
        .iter()
        .filter(|(arn, _)| !have.contains(arn.as_str()))
        .filter(|(_, rtags)| matches_search_tags(job, rtags))
        .map(|(arn, rtags)| Resource {
            job: job_index,
            arn: Arc::from(arn.as_str()),
            tags: rtags.clone(),
            account: None,
        })
        .collect();
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    out
}

/// The values of the job's exported tag keys on a resource, in the job's order ("" when absent).
fn tag_values(job: &Job, rtags: &[(String, String)]) -> Arc<[String]> {
    job.exported_tags
        .iter()
        .map(|k| {
            rtags
                .iter()
                .find(|(rk, _)| rk == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .into()
}

/// Whether a resource's tags match every search tag of the job.
fn matches_search_tags(job: &Job, rtags: &[(String, String)]) -> bool {
    job.search_tags.iter().all(|f| {
        rtags
            .iter()
            .any(|(k, v)| *k == f.key && f.value.is_match(v))
    })
}

/// The job's dimension rules: an exact set of names (if any) and fixed name=value pairs.
pub(crate) fn dimensions_fit(job: &Job, l: &ListedMetric) -> bool {
    if let Some(names) = &job.dimension_names {
        if names.len() != l.dimensions.len() {
            return false;
        }
        let have: BTreeSet<&str> = l.dimensions.iter().map(|d| d.name.as_str()).collect();
        if have.len() != names.len() || !names.iter().all(|n| have.contains(n.as_str())) {
            return false;
        }
    }
    job.fixed_dimensions
        .iter()
        .all(|(n, v)| l.dim(n) == Some(v.as_str()))
}

#[cfg(test)]
mod tests;
