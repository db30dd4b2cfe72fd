//! Walks the positioned YAML tree of either YACE dialect into the job model, collecting every
//! problem on the way rather than stopping at the first.

use std::collections::BTreeMap;

use regex::Regex;

use super::model::*;
use super::yaml::{Key, Node, Pos, Value};
use super::{Problem, Severity};
use crate::catalog;

pub(super) struct Walker {
    pub problems: Vec<Problem>,
    /// Unknown keys are errors (verify-config) or warnings (a running exporter).
    pub strict: bool,
    /// Bytes of tag regexes read so far: bounded across the config (see [`REGEX_TOTAL_BYTES`]).
    pub regex_bytes: usize,
}

/// A mapping being read. The keys asked for are the keys it knows: whatever else it holds is
/// reported as unknown when it is finished, so no list of known keys is kept by hand.
struct Obj<'n> {
    path: String,
    entries: &'n [(Key, Node)],
    used: Vec<bool>,
    /// Every key read, present or not, in the order asked.
    asked: Vec<&'static str>,
}

impl<'n> Obj<'n> {
    fn take(&mut self, key: &'static str) -> Option<(&'n Key, &'n Node)> {
        if !self.asked.contains(&key) {
            self.asked.push(key);
        }
        let i = self.entries.iter().position(|(k, _)| k.name == key)?;
        self.used[i] = true;
        let (k, v) = &self.entries[i];
        Some((k, v))
    }
    fn get(&mut self, key: &'static str) -> Option<&'n Node> {
        self.take(key).map(|(_, v)| v)
    }
    /// `take` for a deprecated key: read, but not listed among the keys known here.
    fn take_deprecated(&mut self, key: &'static str) -> Option<(&'n Key, &'n Node)> {
        let asked = self.asked.len();
        let found = self.take(key);
        self.asked.truncate(asked);
        found
    }
    /// `take` on a job, for a key only some kinds of job have ([`KIND_KEYS`]): on any other
    /// kind it is not read, so `finish` reports it.
    fn take_for(&mut self, kind: JobKind, key: &'static str) -> Option<(&'n Key, &'n Node)> {
        match only_on(key) {
            Some(kinds) if !kinds.contains(&kind) => None,
            _ => self.take(key),
        }
    }
    fn get_for(&mut self, kind: JobKind, key: &'static str) -> Option<&'n Node> {
        self.take_for(kind, key).map(|(_, v)| v)
    }
    fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.name == key)
    }
    fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.path, key)
        }
    }
}

/// Job-level settings a metric inherits unless it sets its own.
#[derive(Clone, Default)]
struct Inherited {
    statistics: Option<Vec<String>>,
    period: Option<u32>,
    length: Option<u32>,
    delay: Option<u32>,
    nil_to_zero: Option<bool>,
    add_cloudwatch_timestamp: Option<bool>,
    export_all_data_points: Option<bool>,
    window_mode: Option<bool>,
    collection_interval: Option<u32>,
}

/// Text from the file echoed in a message, capped: a message must stay readable, and a file
/// that is not a config at all (a symlink to something else) must not be echoed back whole.
fn shown(s: &str) -> String {
    super::cap(s, 60)
}

/// Job keys that only some kinds of job have. Reading consults it ([`Obj::take_for`]), and so
/// does the message for such a key on another kind: the one place that says which kind has
/// which. Keys not here are read on every kind.
pub(super) const KIND_KEYS: &[(&str, &[JobKind])] = {
    use JobKind::{Custom, Discovery, Static};
    &[
        ("type", &[Discovery]),
        ("namespace", &[Static, Custom]),
        ("dimensionNameRequirements", &[Discovery, Custom]),
        ("recentlyActiveOnly", &[Discovery, Custom]),
        ("discoveryInterval", &[Discovery, Custom]),
        ("includeContextOnInfoMetrics", &[Discovery]),
        ("awsDimensions", &[Discovery]),
        ("additionalDimensions", &[Discovery]),
        ("enableMetricData", &[Discovery]),
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

/// The most seconds `length` and `delay` may be: CloudWatch keeps data 15 months (455 days).
const MAX_SECONDS: u32 = 455 * 86_400;

/// AWS's region names when this was written; a well-formed name not here is a warning (a
/// typo, or a region newer than this list), a malformed one an error.
const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eusc-de-east-1",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-west-1",
    "us-west-2",
];

/// The most memory one compiled tag regex may take (its program, and its lazy DFA's cache).
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// The longest tag regex, and all of a config's together. The regex crate's size limit does
/// not count its literal prefilters: a 270 KB alternation of names took 29 MB, a 2.9 MB one
/// 270 MB (measured); 16 KiB is about a thousand names.
const REGEX_MAX_BYTES: usize = 16 << 10;
const REGEX_TOTAL_BYTES: usize = 128 << 10;

const DEFAULT_PERIOD: u32 = 300;
const DEFAULT_LENGTH: u32 = 300;

impl Walker {
    fn push(&mut self, severity: Severity, pos: Pos, path: &str, message: String) {
        self.problems
            .push(Problem::at(severity, pos, path, message));
    }
    fn error(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.push(Severity::Error, pos, path, message.into());
    }
    fn warn(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.push(Severity::Warning, pos, path, message.into());
    }

    fn obj<'n>(&mut self, node: &'n Node, path: &str) -> Option<Obj<'n>> {
        match node.entries() {
            Ok(entries) => Some(Obj {
                path: path.to_string(),
                entries,
                used: vec![false; entries.len()],
                asked: Vec::new(),
            }),
            Err(m) => {
                self.error(node.pos, path, m);
                None
            }
        }
    }

    /// Reports the keys of `obj` that were not asked for: an error when strict, else a
    /// warning.
    fn finish(&mut self, obj: Obj<'_>) {
        self.finish_as(obj, None);
    }

    /// [`Walker::finish`] for a job of `kind`: a key another kind has says so.
    fn finish_as(&mut self, obj: Obj<'_>, kind: Option<JobKind>) {
        let known = &obj.asked;
        for (i, (k, _)) in obj.entries.iter().enumerate() {
            if obj.used[i] {
                continue;
            }
            let path = obj.child(&k.name);
            let mut msg = format!("unknown key `{}`", shown(&k.name));
            if let (Some(kind), Some(_)) = (kind, only_on(&k.name)) {
                msg = format!(
                    "`{}` has no meaning on {}; it is ignored",
                    k.name,
                    kind_name(kind)
                );
            } else if let Some(s) = known.iter().find(|c| c.eq_ignore_ascii_case(&k.name)) {
                msg.push_str(&format!(" (did you mean `{s}`?)"));
            } else if !known.is_empty() {
                msg.push_str(&format!("; known keys here: {}", known.join(", ")));
            }
            let sev = if self.strict {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push(sev, k.pos, &path, msg);
        }
    }

    fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        // Unquoted numbers are fine where a name is expected (e.g. an account id).
        if let Value::Int(i) = node.value {
            return Some(i.to_string());
        }
        match node.text() {
            Ok(s) => Some(s.to_string()),
            Err(m) => {
                self.error(node.pos, path, m);
                None
            }
        }
    }

    fn nonempty_string(&mut self, node: &Node, path: &str) -> Option<String> {
        let s = self.string(node, path)?;
        if s.trim().is_empty() {
            self.error(node.pos, path, "must not be empty");
            return None;
        }
        Some(s)
    }

    fn bool(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            other => {
                self.error(
                    node.pos,
                    path,
                    format!("expected true or false, found {}", other.kind()),
                );
                None
            }
        }
    }

    fn seconds(&mut self, node: &Node, path: &str) -> Option<u32> {
        self.seconds_up_to(node, path, u32::MAX)
    }

    /// A whole number of seconds from 0 to `max`.
    fn seconds_up_to(&mut self, node: &Node, path: &str, max: u32) -> Option<u32> {
        let range = if max == u32::MAX {
            "a whole number of seconds ≥ 0".to_string()
        } else {
            format!("a whole number of seconds from 0 to {max}")
        };
        match &node.value {
            Value::Int(i) if *i >= 0 && *i <= i64::from(max) => Some(*i as u32),
            Value::Int(i) => {
                self.error(node.pos, path, format!("expected {range}, found {i}"));
                None
            }
            Value::Float(f) => {
                self.error(node.pos, path, format!("expected {range}, found {f}"));
                None
            }
            other => {
                self.error(
                    node.pos,
                    path,
                    format!("expected {range}, found {}", other.kind()),
                );
                None
            }
        }
    }

    /// A region name: malformed is an error, well-formed but unknown a warning.
    fn check_region(&mut self, node: &Node, path: &str) {
        let Value::Str(r) = &node.value else { return };
        static FORM: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        let form =
            FORM.get_or_init(|| Regex::new(r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$").expect("valid"));
        if !form.is_match(r) {
            self.error(
                node.pos,
                path,
                format!("`{}` is not an AWS region name (like us-east-1)", shown(r)),
            );
        } else if !KNOWN_REGIONS.contains(&r.as_str()) {
            self.warn(
                node.pos,
                path,
                format!("`{r}` is not a region this version knows: a typo, or a newer region?"),
            );
        }
    }

    fn seq<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            Value::Null => Some(&[]),
            other => {
                self.error(
                    node.pos,
                    path,
                    format!("expected a list, found {}", other.kind()),
                );
                None
            }
        }
    }

    fn string_list(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        let items = self.seq(node, path)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.nonempty_string(item, &format!("{path}[{i}]")) {
                out.push(s);
            }
        }
        Some(out)
    }

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
        if jobs.is_empty() && !self.problems.iter().any(|p| p.severity == Severity::Error) {
            self.problems.push(Problem {
                severity: Severity::Error,
                pos: Some(root.pos),
                path: String::new(),
                message:
                    "the config has no jobs: add `discovery.jobs`, `static` or `customNamespace`"
                        .into(),
            });
        }
        self.finish(top);
        Some(Config {
            dialect,
            sts_region,
            jobs,
            saw_enable_metric_data: saw_emd,
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
    fn deprecated_rounding_period(&mut self, o: &mut Obj<'_>) {
        if let Some((k, _)) = o.take_deprecated("roundingPeriod") {
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
            JobKind::Discovery => match o.take_for(kind, "type") {
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
            JobKind::Static | JobKind::Custom => match o.get_for(kind, "namespace") {
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

        // Regions: `regions: [..]`, or the old `region: x`.
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

        // Roles: `roles: [{roleArn, externalId}]`, or the old `roleArn` / `roleArns`.
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

        // Tags.
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

        // Dimension rules.
        let mut dimension_names: Option<Vec<String>> = None;
        if let Some(n) = o.get_for(kind, "dimensionNameRequirements") {
            dimension_names = self.string_list(n, &o.child("dimensionNameRequirements"));
        }
        let mut fixed_dimensions = Vec::new();
        if let Some((k, n)) = o.take_for(kind, "awsDimensions") {
            let p = o.child("awsDimensions");
            let listed = self.string_list(n, &p).unwrap_or_default();
            let mut set: Vec<String> = catalog_ns
                .map(|ns| ns.base_dimensions().iter().map(|s| s.to_string()).collect())
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
                dimension_names =
                    Some(ns.base_dimensions().iter().map(|s| s.to_string()).collect());
            }
        }
        let dims_key = if kind == JobKind::Static {
            "dimensions"
        } else {
            "additionalDimensions"
        };
        if let Some((k, n)) = o.take_for(kind, dims_key) {
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

        let flag = |w: &mut Self, o: &mut Obj<'_>, key: &'static str| -> Option<bool> {
            o.get_for(kind, key).and_then(|n| w.bool(n, &o.child(key)))
        };
        let recently_active_only = flag(self, &mut o, "recentlyActiveOnly").unwrap_or(false);
        let include_context_on_info =
            flag(self, &mut o, "includeContextOnInfoMetrics").unwrap_or(false);
        let discovery_interval = o
            .get_for(kind, "discoveryInterval")
            .and_then(|n| self.seconds(n, &o.child("discoveryInterval")));
        if let Some((_, n)) = o.take_for(kind, "enableMetricData") {
            self.bool(n, &o.child("enableMetricData"));
            *saw_emd = true;
        }

        let inherited = self.inherited(&mut o);
        let mut metrics = Vec::new();
        match o.get("metrics") {
            None => self.error(node.pos, path, "the job needs `metrics`"),
            Some(n) => {
                let p = o.child("metrics");
                let items = self.seq(n, &p).unwrap_or(&[]);
                if items.is_empty() {
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

        self.finish_as(o, Some(kind));

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
            include_context_on_info,
            discovery_interval,
            metrics,
        })
    }

    fn error_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }

    fn role_arn(&mut self, node: &Node, path: &str) -> Option<String> {
        let a = self.nonempty_string(node, path)?;
        if !a.starts_with("arn:") || a.split(':').count() < 6 {
            self.error(
                node.pos,
                path,
                format!("`{a}` is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)"),
            );
            return None;
        }
        Some(a)
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

    fn inherited(&mut self, o: &mut Obj<'_>) -> Inherited {
        let mut inh = Inherited::default();
        if let Some(n) = o.get("statistics") {
            inh.statistics = self.statistics(n, &o.child("statistics"));
        }
        for (key, slot) in [
            ("period", &mut inh.period),
            ("length", &mut inh.length),
            ("delay", &mut inh.delay),
        ] {
            if let Some(n) = o.get(key) {
                *slot = self.seconds_up_to(n, &o.child(key), MAX_SECONDS);
            }
        }
        for (key, slot) in [
            ("nilToZero", &mut inh.nil_to_zero),
            ("addCloudwatchTimestamp", &mut inh.add_cloudwatch_timestamp),
            ("exportAllDataPoints", &mut inh.export_all_data_points),
            ("windowMode", &mut inh.window_mode),
        ] {
            if let Some(n) = o.get(key) {
                *slot = self.bool(n, &o.child(key));
            }
        }
        if let Some(n) = o.get("collectionInterval") {
            let path = o.child("collectionInterval");
            inh.collection_interval = self.seconds(n, &path);
            if inh.collection_interval == Some(0) {
                self.error(n.pos, &path, "collectionInterval must be at least 1 second");
                inh.collection_interval = None;
            }
        }
        inh
    }

    fn statistics(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        let list = self.string_list(node, path)?;
        let items = self.seq(node, path).unwrap_or(&[]);
        let mut ok = Vec::new();
        for (i, s) in list.into_iter().enumerate() {
            let pos = items.get(i).map(|n| n.pos).unwrap_or(node.pos);
            match canonical_statistic(&s) {
                Some(c) => ok.push(c),
                None => self.error(
                    pos,
                    &format!("{path}[{i}]"),
                    format!(
                        "`{s}` is not a CloudWatch statistic (Average, Sum, Minimum, Maximum, \
                         SampleCount, pNN, pNN.N, or an extended statistic such as tm99)"
                    ),
                ),
            }
        }
        ok.dedup();
        Some(ok)
    }

    fn metric(&mut self, node: &Node, path: &str, job: &Inherited) -> Option<Metric> {
        let mut o = self.obj(node, path)?;
        let errors_before = self.error_count();
        self.deprecated_rounding_period(&mut o);
        let name = match o.get("name") {
            Some(n) => self.nonempty_string(n, &o.child("name")),
            None => {
                self.error(node.pos, path, "a metric needs `name`");
                None
            }
        };
        let own = self.inherited(&mut o);
        self.finish(o);
        let statistics = own.statistics.or_else(|| job.statistics.clone());
        let statistics = match statistics {
            Some(s) if !s.is_empty() => s,
            _ if self.error_count() > errors_before => vec![],
            _ => {
                self.error(
                    node.pos,
                    path,
                    "no `statistics` for this metric (set them on the metric or the job)",
                );
                vec![]
            }
        };
        let period = own.period.or(job.period).unwrap_or(DEFAULT_PERIOD);
        let length = own.length.or(job.length).unwrap_or(DEFAULT_LENGTH);
        let delay = own.delay.or(job.delay).unwrap_or(0);
        if !valid_period(period) {
            self.error(
                node.pos,
                path,
                format!(
                    "period {period} is not one CloudWatch accepts: 1, 5, 10, 20, 30 or a multiple of 60"
                ),
            );
        }
        if length < period {
            self.error(
                node.pos,
                path,
                format!("length {length} is shorter than period {period}: no datapoint would fit"),
            );
        }
        let window_mode = own.window_mode.or(job.window_mode).unwrap_or(false);
        let collection_interval = own.collection_interval.or(job.collection_interval);
        let add_ts = own
            .add_cloudwatch_timestamp
            .or(job.add_cloudwatch_timestamp);
        let export_all = own.export_all_data_points.or(job.export_all_data_points);
        if window_mode {
            // Every datapoint since the last poll, each at its CloudWatch time.
            for (key, set) in [
                ("addCloudwatchTimestamp", add_ts),
                ("exportAllDataPoints", export_all),
            ] {
                if set == Some(false) {
                    self.error(
                        node.pos,
                        path,
                        format!("windowMode exports every datapoint with its CloudWatch timestamp; {key}: false contradicts it"),
                    );
                }
            }
            match collection_interval {
                None => self.error(
                    node.pos,
                    path,
                    "windowMode needs a collectionInterval (on the metric or its job): the window is the time since the last poll",
                ),
                Some(i) if !i.is_multiple_of(period.max(1)) => self.error(
                    node.pos,
                    path,
                    format!(
                        "windowMode needs a collectionInterval that is a multiple of the period: {i} is not a multiple of {period}"
                    ),
                ),
                Some(_) => {}
            }
        }
        let add_ts = add_ts.unwrap_or(window_mode);
        let export_all = export_all.unwrap_or(window_mode);
        // (In window mode a contradiction was reported above.)
        if export_all && !add_ts && !window_mode {
            // Without timestamps every datapoint would be the same series: Prometheus rejects it.
            self.error(
                node.pos,
                path,
                "exportAllDataPoints needs addCloudwatchTimestamp: true",
            );
        }
        if self.error_count() > errors_before {
            return None;
        }
        Some(Metric {
            name: name?,
            statistics,
            period,
            length,
            delay,
            nil_to_zero: own.nil_to_zero.or(job.nil_to_zero).unwrap_or(false),
            add_cloudwatch_timestamp: add_ts,
            export_all_data_points: export_all,
            collection_interval,
            window_mode,
        })
    }
}

fn valid_period(p: u32) -> bool {
    matches!(p, 1 | 5 | 10 | 20 | 30) || (p > 0 && p.is_multiple_of(60))
}

/// The statistic as CloudWatch spells it, or None when it is not one.
pub fn canonical_statistic(s: &str) -> Option<String> {
    for std in ["Average", "Sum", "Minimum", "Maximum", "SampleCount"] {
        if s == std {
            return Some(s.to_string());
        }
    }
    // Percentiles and the short extended forms: p99, p99.9, tm90, wm99, tc90, ts99; IQM.
    static SHORT: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let short = SHORT.get_or_init(|| {
        Regex::new(r"^(p|tm|wm|tc|ts)(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$|^IQM$").expect("valid")
    });
    if short.is_match(s) || range_statistic(s) {
        return Some(s.to_string());
    }
    None
}

/// `TM(10%:90%)`, `TC(0.005:0.030)`, `TS(80%:)`, `WM(:95%)`, `PR(100:2000)`: two bounds, one
/// of them may be empty, both percentages (0–100, not for PR) or both values, the lower first.
fn range_statistic(s: &str) -> bool {
    let Some((kind, rest)) = s.split_once('(') else {
        return false;
    };
    if !matches!(kind, "TM" | "WM" | "TC" | "TS" | "PR") {
        return false;
    }
    let Some((lo, hi)) = rest.strip_suffix(')').and_then(|r| r.split_once(':')) else {
        return false;
    };
    if lo.is_empty() && hi.is_empty() {
        return false;
    }
    let bound = |b: &str| -> Option<Option<(f64, bool)>> {
        if b.is_empty() {
            return Some(None);
        }
        let (num, pct) = match b.strip_suffix('%') {
            Some(n) => (n, true),
            None => (b, false),
        };
        if num.is_empty()
            || !num
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        {
            return None;
        }
        let v: f64 = num.parse().ok()?;
        if pct && !(0.0..=100.0).contains(&v) {
            return None;
        }
        Some(Some((v, pct)))
    };
    let (Some(lo), Some(hi)) = (bound(lo), bound(hi)) else {
        return false;
    };
    let pcts = [lo, hi].iter().flatten().map(|b| b.1).collect::<Vec<_>>();
    if kind == "PR" && pcts.contains(&true) {
        return false;
    }
    if pcts.len() == 2 && pcts[0] != pcts[1] {
        return false;
    }
    match (lo, hi) {
        (Some(a), Some(b)) => a.0 < b.0,
        _ => true,
    }
}
