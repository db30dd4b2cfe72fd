//! The `streams` section (push mode): which pushed metrics are exported, and the bounds on
//! what is kept. Parsed with the same walker as the jobs, so its problems carry positions too.

use super::model::{STREAM_SERIES_LIMIT, StreamSelect, Streams};
use super::parse::Walker;
use super::yaml::{Node, Value};
use crate::catalog;

/// The largest `seriesLimit` accepted: twenty times the default, about 1 GB of pushed series.
const MAX_SERIES_LIMIT: i64 = 20 * STREAM_SERIES_LIMIT as i64;

impl Walker {
    pub(super) fn streams(&mut self, node: &Node) -> Streams {
        let mut out = Streams {
            present: true,
            ..Streams::default()
        };
        if matches!(node.value, Value::Null) {
            return out;
        }
        let Some(mut o) = self.obj(node, "streams") else {
            return out;
        };
        if let Some(n) = o.get("namespaces") {
            let path = o.child("namespaces");
            for (i, item) in self.seq(n, &path).unwrap_or(&[]).iter().enumerate() {
                if let Some(sel) = self.stream_select(item, &format!("{path}[{i}]")) {
                    if out.select.iter().any(|s| s.namespace == sel.namespace) {
                        self.error(
                            item.pos,
                            &format!("{path}[{i}]"),
                            format!("`{}` is listed twice in streams.namespaces", sel.namespace),
                        );
                        continue;
                    }
                    out.select.push(sel);
                }
            }
        }
        if let Some(n) = o.get("seriesLimit") {
            match n.value {
                Value::Int(i) if (1..=MAX_SERIES_LIMIT).contains(&i) => {
                    out.series_limit = i as usize
                }
                _ => self.error(
                    n.pos,
                    "streams.seriesLimit",
                    format!("expected a whole number from 1 to {MAX_SERIES_LIMIT}"),
                ),
            }
        }
        if let Some(n) = o.get("staleAfter") {
            match self.seconds(n, "streams.staleAfter") {
                Some(s) if s >= 60 => out.stale_after = s,
                Some(s) => self.error(
                    n.pos,
                    "streams.staleAfter",
                    format!("{s}s is shorter than a stream's one-minute updates; at least 60"),
                ),
                None => {}
            }
        }
        if let Some(n) = o.get("addCloudwatchTimestamp")
            && let Some(b) = self.bool(n, "streams.addCloudwatchTimestamp")
        {
            out.timestamps = b;
        }
        self.finish(o);
        out
    }

    fn stream_select(&mut self, item: &Node, path: &str) -> Option<StreamSelect> {
        let (name, metrics, statistics) = match &item.value {
            Value::Map(_) => {
                let mut o = self.obj(item, path)?;
                let name = match o.get("namespace") {
                    Some(v) => self.nonempty_string(v, &o.child("namespace")),
                    None => {
                        self.error(item.pos, path, "a streams namespace needs `namespace`");
                        None
                    }
                };
                let metrics = o
                    .get("metrics")
                    .and_then(|n| self.string_list(n, &format!("{path}.metrics")))
                    .unwrap_or_default();
                let statistics = o
                    .get("statistics")
                    .and_then(|n| self.statistics(n, &format!("{path}.statistics")))
                    .unwrap_or_default();
                self.finish(o);
                (name?, metrics, statistics)
            }
            _ => (self.nonempty_string(item, path)?, Vec::new(), Vec::new()),
        };
        // An alias is resolved; any other name is a namespace of its own (streams carry
        // custom namespaces too).
        let namespace = catalog::lookup(&name)
            .map(|n| n.namespace.to_string())
            .unwrap_or(name);
        Some(StreamSelect {
            namespace,
            metrics,
            statistics,
        })
    }
}
