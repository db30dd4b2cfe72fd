//! Walks the positioned YAML tree of either YACE dialect into the job model, collecting every
//! problem on the way rather than stopping at the first.

use std::collections::BTreeMap;

use super::model::*;
use super::walk::{Obj, Walk, shown};
use super::yaml::{Key, Node, Pos, Value};
use super::{Problem, Severity};
use crate::catalog;

/// The config's walk: the shared [`Walk`], and what only a config needs.
pub(super) struct Walker {
    pub walk: Walk,
    /// Bytes of tag regexes read so far: bounded across the config (see [`REGEX_TOTAL_BYTES`]).
    pub regex_bytes: usize,
}

impl std::ops::Deref for Walker {
    type Target = Walk;
    fn deref(&self) -> &Walk {
        &self.walk
    }
}

impl std::ops::DerefMut for Walker {
    fn deref_mut(&mut self) -> &mut Walk {
        &mut self.walk
    }
}

/// `take` on a job for a key only some kinds of job have ([`KIND_KEYS`]): on any other kind it
/// is not read, so finishing the job reports it.
fn take_for<'n>(o: &mut Obj<'n>, kind: JobKind, key: &'static str) -> Option<(&'n Key, &'n Node)> {
    match only_on(key) {
        Some(kinds) if !kinds.contains(&kind) => None,
        _ => o.take(key),
    }
}

fn get_for<'n>(o: &mut Obj<'n>, kind: JobKind, key: &'static str) -> Option<&'n Node> {
    take_for(o, kind, key).map(|(_, v)| v)
}

/// Job keys that only some kinds of job have. Reading consults it ([`take_for`]), and so
/// does the message for such a key on another kind: the one place that says which kind has
/// which. Keys not here are read on every kind.
pub(super) const KIND_KEYS: &[(&str, &[JobKind])] = {
    use JobKind::{Custom, Discovery, Static};
    &[
        ("type", &[Discovery]),
        ("namespace", &[Static, Custom]),
        ("dimensionNameRequirements", &[Discovery, Custom]),
        ("recentlyActiveOnly", &[Discovery, Custom]),
        ("includeLinkedAccounts", &[Discovery, Custom]),
        ("linkedAccounts", &[Discovery, Custom]),
        ("discoveryInterval", &[Discovery, Custom]),
        ("includeContextOnInfoMetrics", &[Discovery]),
        ("awsDimensions", &[Discovery]),
        ("additionalDimensions", &[Discovery]),
        ("enableMetricData", &[Discovery]),
        ("enhancedMetrics", &[Discovery]),
        ("dimensions", &[Static]),
    ]
};

/// The kinds of job that have `key`, if only some do.
fn only_on(key: &str) -> Option<&'static [JobKind]> {
    KIND_KEYS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, kinds)| *kinds)
}

/// How a kind of job is called in messages.
fn kind_name(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Discovery => "a discovery job",
        JobKind::Static => "a static job",
        JobKind::Custom => "a customNamespace job",
    }
}

/// The most memory one compiled tag regex may take (its program, and its lazy DFA's cache).
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// The longest tag regex, and all of a config's together. The regex crate's size limit does
/// not count its literal prefilters: a 270 KB alternation of names took 29 MB, a 2.9 MB one
/// 270 MB (measured); 16 KiB is about a thousand names.
const REGEX_MAX_BYTES: usize = 16 << 10;
const REGEX_TOTAL_BYTES: usize = 128 << 10;

impl Walker {
    // ---------------------------------------------------------------------------------------

    pub fn config(&mut self, root: &Node) -> Option<Config> {
        let mut top = self.obj(root, "")?;
        let dialect = match top.get("apiVersion") {
            None => Dialect::Old,
            Some(n) => match self.string(n, "apiVersion").as_deref() {
                Some("v1alpha1") => Dialect::V1Alpha1,
                Some(other) => {
                    self.error(
                        n.pos,
                        "apiVersion",
                        format!("unsupported apiVersion `{other}`; the only one is `v1alpha1`"),
                    );
                    Dialect::V1Alpha1
                }
                None => Dialect::V1Alpha1,
            },
        };
        let sts_region = top
            .get("sts-region")
            .and_then(|n| self.nonempty_string(n, "sts-region"));
        let mut saw_emd = false;
        let mut jobs = Vec::new();

        // exportedTagsOnMetrics is read first: discovery jobs need it.
        let mut exported: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(dn) = top.get("discovery")
            && let Some(mut disc) = self.obj(dn, "discovery")
        {
            if let Some(et) = disc.get("exportedTagsOnMetrics") {
                exported = self.exported_tags(et, dialect);
            }
            if let Some(jn) = disc.get("jobs") {
                for (i, j) in self
                    .seq(jn, "discovery.jobs")
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                {
                    let path = format!("discovery.jobs[{i}]");
                    if let Some(job) = self.job(j, &path, JobKind::Discovery, dialect, &mut saw_emd)
                    {
                        jobs.push(job);
                    }
                }
            }
            self.finish(disc);
        }
        for (key, kind) in [
            ("static", JobKind::Static),
            ("customNamespace", JobKind::Custom),
        ] {
            if let Some(sn) = top.get(key) {
                for (i, j) in self.seq(sn, key).unwrap_or(&[]).iter().enumerate() {
                    let path = format!("{key}[{i}]");
                    if let Some(job) = self.job(j, &path, kind, dialect, &mut saw_emd) {
                        jobs.push(job);
                    }
                }
            }
        }
        // Exported tags apply to every discovery job of their namespace.
        for job in &mut jobs {
            if job.kind == JobKind::Discovery
                && let Some(keys) = exported.get(&job.namespace)
            {
                job.exported_tags = keys.clone();
            }
        }
        let streams = match top.get("streams") {
            Some(n) => self.streams(n),
            None => Streams::default(),
        };
        if jobs.is_empty()
            && !streams.present
            && !self.problems.iter().any(|p| p.severity == Severity::Error)
        {
            self.problems.push(Problem {
                severity: Severity::Error,
                pos: Some(root.pos),
                path: String::new(),
                message:
                    "the config has no jobs: add `discovery.jobs`, `static` or `customNamespace` (or `streams` for push mode)"
                        .into(),
            });
        }
        self.finish(top);
        Some(Config {
            dialect,
            sts_region,
            jobs,
            saw_enable_metric_data: saw_emd,
            streams,
            exported_tags: exported,
        })
    }

    fn exported_tags(&mut self, node: &Node, dialect: Dialect) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        let path = "discovery.exportedTagsOnMetrics";
        let Value::Map(entries) = &node.value else {
            self.error(
                node.pos,
                path,
                format!(
                    "expected a mapping of namespace to tag keys, found {}",
                    node.value.kind()
                ),
            );
            return out;
        };
        for (k, v) in entries {
            let p = format!("{path}.{}", k.name);
            let Some(ns) = catalog::lookup(&k.name) else {
                self.error(
                    k.pos,
                    &p,
                    format!(
                        "`{}` is not a namespace the exporter discovers; known: {}",
                        k.name,
                        catalog::known_names()
                    ),
                );
                continue;
            };
            if ns.namespace != k.name && dialect == Dialect::V1Alpha1 {
                self.warn(
                    k.pos,
                    &p,
                    format!(
                        "`{}` is an old-dialect alias; write `{}`",
                        k.name, ns.namespace
                    ),
                );
            }
            if let Some(keys) = self.string_list(v, &p) {
                out.entry(ns.namespace.to_string())
                    .or_insert_with(Vec::new)
                    .extend(keys);
            }
        }
        out
    }

    fn old_key_note(&mut self, dialect: Dialect, key: &Key, path: &str, equivalent: &str) {
        let what = format!("`{}` is an old-dialect key", key.name);
        self.old_form_note(dialect, key.pos, path, &what, equivalent);
    }

    /// Says what an old-dialect form is in v1alpha1: a warning in a v1alpha1 file, a note in an
    /// old-dialect one (where it is valid, and the note helps migrating).
    fn old_form_note(
        &mut self,
        dialect: Dialect,
        pos: Pos,
        path: &str,
        what: &str,
        equivalent: &str,
    ) {
        let message = format!("{what}; in v1alpha1 write {equivalent}");
        let severity = match dialect {
            Dialect::V1Alpha1 => Severity::Warning,
            Dialect::Old => Severity::Note,
        };
        self.push(severity, pos, path, message);
    }

    /// YACE's `roundingPeriod` is deprecated there and only warned about; the same here, at
    /// start and on reload, so a config that started also reloads.
    pub(super) fn deprecated_rounding_period(&mut self, o: &mut Obj<'_>) {
        if let Some((k, _)) = o.take_unlisted("roundingPeriod") {
            let path = o.child("roundingPeriod");
            self.warn(
                k.pos,
                &path,
                "`roundingPeriod` is deprecated in YACE and has no effect here: windows follow the schedule",
            );
        }
    }

    fn job(
        &mut self,
        node: &Node,
        path: &str,
        kind: JobKind,
        dialect: Dialect,
        saw_emd: &mut bool,
    ) -> Option<Job> {
        let mut o = self.obj(node, path)?;
        let errors_before = self.error_count();
        self.deprecated_rounding_period(&mut o);

        // Namespace: discovery jobs say `type`, static and custom ones `namespace`.
        let mut namespace = String::new();
        let mut catalog_ns = None;
        match kind {
            JobKind::Discovery => match take_for(&mut o, kind, "type") {
                None => self.error(
                    node.pos,
                    path,
                    "a discovery job needs `type` (its namespace)",
                ),
                Some((_, n)) => {
                    let p = o.child("type");
                    if let Some(t) = self.nonempty_string(n, &p) {
                        match catalog::lookup(&t) {
                            Some(ns) => {
                                if ns.namespace != t {
                                    self.old_form_note(
                                        dialect,
                                        n.pos,
                                        &p,
                                        &format!("`{t}` is an old-dialect alias"),
                                        &format!("`type: {}`", ns.namespace),
                                    );
                                }
                                namespace = ns.namespace.to_string();
                                catalog_ns = Some(ns);
                            }
                            None => self.error(
                                n.pos,
                                &p,
                                format!(
                                    "`{t}` is not a namespace the exporter can discover yet; known: {}. \
                                     For another namespace use `customNamespace` or `static`",
                                    catalog::known_names()
                                ),
                            ),
                        }
                    }
                }
            },
            JobKind::Static | JobKind::Custom => match get_for(&mut o, kind, "namespace") {
                None => self.error(node.pos, path, "this job needs `namespace`"),
                Some(n) => {
                    if let Some(t) = self.nonempty_string(n, &o.child("namespace")) {
                        namespace = catalog::lookup(&t)
                            .map(|ns| ns.namespace.to_string())
                            .unwrap_or(t);
                    }
                }
            },
        }

        let name = match o.get("name") {
            Some(n) => self.nonempty_string(n, &o.child("name")),
            None => {
                if kind != JobKind::Discovery {
                    self.error(node.pos, path, "this job needs `name`");
                }
                None
            }
        };

        let regions = self.regions(&mut o, dialect, node, path);
        let roles = self.roles(&mut o, dialect);
        let (search_tags, custom_tags) = self.tags(&mut o, kind, dialect);
        let (dimension_names, fixed_dimensions) =
            self.dimension_rules(&mut o, kind, dialect, catalog_ns);

        let flag = |w: &mut Self, o: &mut Obj<'_>, key: &'static str| -> Option<bool> {
            get_for(o, kind, key).and_then(|n| w.bool(n, &o.child(key)))
        };
        let recently_active_only = flag(self, &mut o, "recentlyActiveOnly").unwrap_or(false);
        let (include_linked_accounts, linked_accounts) =
            self.linked_accounts(&mut o, kind, &search_tags);
        let include_context_on_info =
            flag(self, &mut o, "includeContextOnInfoMetrics").unwrap_or(false);
        let discovery_interval = get_for(&mut o, kind, "discoveryInterval")
            .and_then(|n| self.seconds(n, &o.child("discoveryInterval")));
        if let Some((_, n)) = take_for(&mut o, kind, "enableMetricData") {
            self.bool(n, &o.child("enableMetricData"));
            *saw_emd = true;
        }

        // A job may have only enhanced metrics; an empty list is no substitute for `metrics`.
        let mut enhanced_only = false;
        let enhanced = match take_for(&mut o, kind, "enhancedMetrics") {
            Some((_, n)) => {
                enhanced_only =
                    matches!(&n.value, crate::config::yaml::Value::Seq(s) if !s.is_empty());
                self.enhanced(n, &o.child("enhancedMetrics"), &namespace)
            }
            None => Vec::new(),
        };

        let inherited = self.inherited(&mut o);
        let mut metrics = Vec::new();
        match o.get("metrics") {
            None if enhanced_only => {}
            None => self.error(node.pos, path, "the job needs `metrics`"),
            Some(n) => {
                let p = o.child("metrics");
                let items = self.seq(n, &p).unwrap_or(&[]);
                if items.is_empty() && !enhanced_only {
                    self.error(n.pos, &p, "the job needs at least one metric");
                }
                for (i, m) in items.iter().enumerate() {
                    if let Some(m) = self.metric(m, &format!("{p}[{i}]"), &inherited) {
                        if metrics.iter().any(|x: &Metric| x.name == m.name) {
                            self.warn(
                                items[i].pos,
                                &format!("{p}[{i}]"),
                                format!("metric `{}` is listed twice in this job", m.name),
                            );
                        }
                        metrics.push(m);
                    }
                }
            }
        }

        self.finish_with(o, |key| {
            only_on(key).map(|_| {
                format!(
                    "`{key}` has no meaning on {}; it is ignored",
                    kind_name(kind)
                )
            })
        });

        if self.error_count() > errors_before {
            return None;
        }
        let label = path.to_string();
        Some(Job {
            kind,
            label,
            name,
            namespace,
            regions,
            roles,
            search_tags,
            exported_tags: Vec::new(),
            custom_tags,
            dimension_names,
            fixed_dimensions,
            recently_active_only,
            include_linked_accounts,
            linked_accounts,
            include_context_on_info,
            discovery_interval,
            metrics,
            enhanced,
            collection_interval: inherited.collection_interval(),
        })
    }

    /// `linkedAccounts: ['111122223333', ...]`: the OAM source accounts to keep, each a
    /// 12-digit id. Only with `includeLinkedAccounts: true`; and `includeLinkedAccounts` not
    /// with `searchTags`, which a monitoring account cannot apply to its source accounts'
    /// resources (its tagging API lists only its own).
    fn linked_accounts(
        &mut self,
        o: &mut Obj<'_>,
        kind: JobKind,
        search_tags: &[super::TagFilter],
    ) -> (bool, Vec<String>) {
        let mut include = false;
        if let Some(n) = get_for(o, kind, "includeLinkedAccounts") {
            let p = o.child("includeLinkedAccounts");
            include = self.bool(n, &p).unwrap_or(false);
            if include && !search_tags.is_empty() {
                self.error(
                    n.pos,
                    &p,
                    "not with `searchTags`: a monitoring account's tagging API lists only its own resources, so the linked accounts' series could never match; filter with `linkedAccounts` or `dimensionNameRequirements` instead",
                );
            }
        }
        let Some((_, n)) = take_for(o, kind, "linkedAccounts") else {
            return (include, Vec::new());
        };
        let p = o.child("linkedAccounts");
        if !include {
            self.error(
                n.pos,
                &p,
                "needs `includeLinkedAccounts: true` (it keeps only some of the linked accounts)",
            );
        }
        let before = self.error_count();
        let mut out = Vec::new();
        for (i, item) in self.seq(n, &p).unwrap_or(&[]).iter().enumerate() {
            let ip = format!("{p}[{i}]");
            // An unquoted id with a leading zero reads as a shorter number.
            let Some(id) = self.string(item, &ip) else {
                continue;
            };
            if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
                out.push(id);
            } else {
                self.error(
                    item.pos,
                    &ip,
                    format!("`{id}` is not an AWS account id (12 digits; quote it, '012345678901', so a leading zero is kept)"),
                );
            }
        }
        if out.is_empty() && self.error_count() == before {
            self.error(
                n.pos,
                &p,
                "an empty list would keep no series; leave the key out to keep every linked account",
            );
        }
        (include, out)
    }

    /// `enhancedMetrics: [{name: AllocatedStorage}, ...]` (a plain name is taken too): each
    /// must be one of the namespace's, exactly as YACE spells it.
    fn enhanced(
        &mut self,
        n: &Node,
        path: &str,
        namespace: &str,
    ) -> Vec<&'static catalog::enhanced::EnhancedMetric> {
        let mut out = Vec::new();
        let known = catalog::enhanced::names_of(namespace);
        let items = self.seq(n, path).unwrap_or(&[]);
        if !items.is_empty() && known.is_empty() && !namespace.is_empty() {
            self.error(
                n.pos,
                path,
                format!(
                    "`{namespace}` has no enhanced metrics; namespaces that do: {}",
                    catalog::enhanced::namespaces().join(", ")
                ),
            );
            return out;
        }
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let name = match &item.value {
                crate::config::yaml::Value::Map(_) => {
                    let Some(mut o) = self.obj(item, &p) else {
                        continue;
                    };
                    let name = match o.get("name") {
                        Some(v) => self.nonempty_string(v, &o.child("name")),
                        None => {
                            self.error(item.pos, &p, "an enhanced metric needs `name`");
                            None
                        }
                    };
                    self.finish(o);
                    name
                }
                _ => self.nonempty_string(item, &p),
            };
            let Some(name) = name else { continue };
            match catalog::enhanced::lookup(namespace, &name) {
                Some(m) if out.contains(&m) => self.warn(
                    item.pos,
                    &p,
                    format!("enhanced metric `{name}` is listed twice in this job"),
                ),
                Some(m) => out.push(m),
                None if namespace.is_empty() => {}
                None => self.error(
                    item.pos,
                    &p,
                    format!("`{name}` is not an enhanced metric of {namespace}; known: {known}"),
                ),
            }
        }
        out
    }

    /// `regions: [..]`, or the old `region: x`.
    fn regions(
        &mut self,
        o: &mut Obj<'_>,
        dialect: Dialect,
        node: &Node,
        path: &str,
    ) -> Vec<String> {
        let mut regions = Vec::new();
        if let Some(n) = o.get("regions") {
            regions = self.string_list(n, &o.child("regions")).unwrap_or_default();
            if let Value::Seq(items) = &n.value {
                for (i, r) in items.iter().enumerate() {
                    self.check_region(r, &format!("{}[{i}]", o.child("regions")));
                }
            }
        }
        if let Some((k, n)) = o.take("region") {
            let p = o.child("region");
            self.old_key_note(dialect, k, &p, "`regions: [..]`");
            self.check_region(n, &p);
            if let Some(r) = self.nonempty_string(n, &p) {
                regions.push(r);
            }
        }
        regions.dedup();
        if regions.is_empty() && !o.has("regions") {
            self.error(
                node.pos,
                path,
                "the job needs `regions` (or the old `region`)",
            );
        }
        regions
    }

    /// `roles: [{roleArn, externalId}]`, or the old `roleArn` / `roleArns`; the default
    /// credentials when none.
    fn roles(&mut self, o: &mut Obj<'_>, dialect: Dialect) -> Vec<Role> {
        let mut roles = Vec::new();
        if let Some(n) = o.get("roles") {
            let p = o.child("roles");
            for (i, r) in self.seq(n, &p).unwrap_or(&[]).iter().enumerate() {
                let rp = format!("{p}[{i}]");
                if let Some(mut ro) = self.obj(r, &rp) {
                    let role_arn = ro
                        .get("roleArn")
                        .and_then(|n| self.role_arn(n, &format!("{rp}.roleArn")));
                    let external_id = ro
                        .get("externalId")
                        .and_then(|n| self.nonempty_string(n, &format!("{rp}.externalId")));
                    if role_arn.is_none() && external_id.is_some() {
                        // As YACE: an external id is for assuming a role, and there is none.
                        self.error(r.pos, &rp, "an `externalId` needs a `roleArn`");
                    }
                    self.finish(ro);
                    roles.push(Role {
                        role_arn,
                        external_id,
                    });
                }
            }
        }
        if let Some((k, n)) = o.take("roleArn") {
            let p = o.child("roleArn");
            self.old_key_note(dialect, k, &p, "`roles: [{roleArn: ..}]`");
            if let Some(a) = self.role_arn(n, &p) {
                roles.push(Role {
                    role_arn: Some(a),
                    external_id: None,
                });
            }
        }
        if let Some((k, n)) = o.take("roleArns") {
            let p = o.child("roleArns");
            self.old_key_note(dialect, k, &p, "`roles: [{roleArn: ..}, ..]`");
            for (i, a) in self.seq(n, &p).unwrap_or(&[]).iter().enumerate() {
                if let Some(a) = self.role_arn(a, &format!("{p}[{i}]")) {
                    roles.push(Role {
                        role_arn: Some(a),
                        external_id: None,
                    });
                }
            }
        }
        if roles.is_empty() {
            roles.push(Role::default());
        }
        roles.dedup();
        roles
    }

    /// `searchTags` (discovery jobs only) and `customTags`.
    fn tags(
        &mut self,
        o: &mut Obj<'_>,
        kind: JobKind,
        dialect: Dialect,
    ) -> (Vec<TagFilter>, Vec<(String, String)>) {
        let mut search_tags = Vec::new();
        if let Some((_, n)) = o.take("searchTags") {
            let p = o.child("searchTags");
            for (i, t) in self.seq(n, &p).unwrap_or(&[]).iter().enumerate() {
                if let Some(f) = self.tag_filter(t, &format!("{p}[{i}]"), dialect) {
                    search_tags.push(f);
                }
            }
            if kind != JobKind::Discovery && !search_tags.is_empty() {
                self.error(n.pos, &p, "`searchTags` only applies to discovery jobs");
            }
        }
        let mut custom_tags = Vec::new();
        if let Some(n) = o.get("customTags") {
            let p = o.child("customTags");
            for (i, t) in self.seq(n, &p).unwrap_or(&[]).iter().enumerate() {
                if let Some((k, v)) = self.key_value(t, &format!("{p}[{i}]"), "key", "value") {
                    custom_tags.push((k, v));
                }
            }
        }
        (search_tags, custom_tags)
    }

    /// Which dimension sets a job takes (`dimensionNameRequirements`, or the old
    /// `awsDimensions`), and a static job's `dimensions` (the old `additionalDimensions`).
    #[allow(clippy::type_complexity)]
    fn dimension_rules(
        &mut self,
        o: &mut Obj<'_>,
        kind: JobKind,
        dialect: Dialect,
        catalog_ns: Option<&'static catalog::Namespace>,
    ) -> (Option<Vec<String>>, Vec<(String, String)>) {
        let mut dimension_names: Option<Vec<String>> = None;
        if let Some(n) = get_for(o, kind, "dimensionNameRequirements") {
            dimension_names = self.string_list(n, &o.child("dimensionNameRequirements"));
        }
        let mut fixed_dimensions = Vec::new();
        if let Some((k, n)) = take_for(o, kind, "awsDimensions") {
            let p = o.child("awsDimensions");
            let listed = self.string_list(n, &p).unwrap_or_default();
            let mut set: Vec<String> = catalog_ns
                .map(|ns| ns.base_dimensions.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            set.extend(listed);
            set.sort();
            set.dedup();
            self.old_key_note(
                dialect,
                k,
                &p,
                &format!("`dimensionNameRequirements: [{}]`", set.join(", ")),
            );
            if dimension_names.is_some() {
                self.error(
                    k.pos,
                    &p,
                    "set either `awsDimensions` or `dimensionNameRequirements`, not both",
                );
            }
            dimension_names = Some(set);
        } else if dialect == Dialect::Old && kind == JobKind::Discovery {
            // The old dialect exported only the resource's own dimension set by default.
            if let (None, Some(ns)) = (&dimension_names, catalog_ns) {
                dimension_names = Some(ns.base_dimensions.iter().map(|s| s.to_string()).collect());
            }
        }
        let dims_key = if kind == JobKind::Static {
            "dimensions"
        } else {
            "additionalDimensions"
        };
        if let Some((k, n)) = take_for(o, kind, dims_key) {
            let p = o.child(dims_key);
            if kind != JobKind::Static {
                self.old_key_note(
                    dialect,
                    k,
                    &p,
                    "nothing equivalent (it has no v1alpha1 form); keep the old dialect or use a static job",
                );
            }
            for (i, d) in self.seq(n, &p).unwrap_or(&[]).iter().enumerate() {
                if let Some(kv) = self.key_value(d, &format!("{p}[{i}]"), "name", "value") {
                    fixed_dimensions.push(kv);
                }
            }
        }
        if kind != JobKind::Static
            && !fixed_dimensions.is_empty()
            && let Some(names) = &mut dimension_names
        {
            names.extend(fixed_dimensions.iter().map(|(k, _)| k.clone()));
            names.sort();
            names.dedup();
        }
        if let Some(names) = &mut dimension_names {
            names.sort();
            names.dedup();
        }
        (dimension_names, fixed_dimensions)
    }

    pub(super) fn error_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }

    /// A role to assume: empty means the default credentials (None), as in YACE. Something
    /// that is not an ARN is a warning, as YACE accepts it too: STS refuses it at run time,
    /// and the jobs of that role fail with its error.
    fn role_arn(&mut self, node: &Node, path: &str) -> Option<String> {
        let a = self.string(node, path)?;
        let a = a.trim();
        if a.is_empty() {
            return None;
        }
        if !a.starts_with("arn:") || a.split(':').count() < 6 {
            self.warn(
                node.pos,
                path,
                format!(
                    "`{}` is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME): assuming it will fail",
                    shown(a)
                ),
            );
        }
        Some(a.to_string())
    }

    fn key_value(
        &mut self,
        node: &Node,
        path: &str,
        kname: &'static str,
        vname: &'static str,
    ) -> Option<(String, String)> {
        let mut o = self.obj(node, path)?;
        let k = o
            .get(kname)
            .and_then(|n| self.nonempty_string(n, &format!("{path}.{kname}")));
        let v = o
            .get(vname)
            .and_then(|n| self.string(n, &format!("{path}.{vname}")));
        if k.is_none() && !o.has(kname) {
            self.error(node.pos, path, format!("needs `{kname}`"));
        }
        if v.is_none() && !o.has(vname) {
            self.error(node.pos, path, format!("needs `{vname}`"));
        }
        self.finish(o);
        Some((k?, v?))
    }

    fn tag_filter(&mut self, node: &Node, path: &str, dialect: Dialect) -> Option<TagFilter> {
        let mut o = self.obj(node, path)?;
        // Old dialect: `Key`/`Value`; v1alpha1: `key`/`value`.
        let mut pick = |w: &mut Self, lower: &'static str, upper: &'static str| -> Option<String> {
            if let Some(n) = o.get(lower) {
                return w.string(n, &format!("{path}.{lower}"));
            }
            let (k, n) = o.take(upper)?;
            w.old_key_note(
                dialect,
                k,
                &format!("{path}.{upper}"),
                &format!("`{lower}`"),
            );
            w.string(n, &format!("{path}.{upper}"))
        };
        let key = pick(self, "key", "Key");
        let value = pick(self, "value", "Value");
        self.finish(o);
        let Some(key) = key else {
            self.error(node.pos, path, "a search tag needs `key`");
            return None;
        };
        let value = value.unwrap_or_default();
        // Bounded: a huge alternation compiles to gigabytes without a limit.
        self.regex_bytes += value.len();
        if value.len() > REGEX_MAX_BYTES || self.regex_bytes > REGEX_TOTAL_BYTES {
            self.error(
                node.pos,
                path,
                format!(
                    "tag value `{}` is too long a regular expression: {} bytes, at most {REGEX_MAX_BYTES} each and {REGEX_TOTAL_BYTES} for the whole config",
                    shown(&value),
                    value.len()
                ),
            );
            return None;
        }
        match regex::RegexBuilder::new(&value)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()
        {
            Ok(value) => Some(TagFilter { key, value }),
            Err(e) => {
                self.error(
                    node.pos,
                    path,
                    format!(
                        "tag value `{}` is not a valid regular expression: {}",
                        shown(&value),
                        e.to_string().lines().last().unwrap_or_default().trim()
                    ),
                );
                None
            }
        }
    }
}
