//! The YAML walker both config files share: a mapping knows the keys asked of it, so what
//! else it holds is reported with its position and no list of known keys is kept by hand;
//! every problem is collected, not only the first.

use super::yaml::{Key, Node, Pos, Value};
use super::{Problem, Severity};

/// Text from the file echoed in a message, capped: a message must stay readable, and a file
/// that is not a config at all (a symlink to something else) must not be echoed back whole.
pub(crate) fn shown(s: &str) -> String {
    super::cap(s, 60)
}

/// A mapping being read. The keys asked for are the keys it knows: whatever else it holds is
/// reported as unknown when it is finished, so no list of known keys is kept by hand.
pub(crate) struct Obj<'n> {
    pub(crate) path: String,
    pub(crate) entries: &'n [(Key, Node)],
    used: Vec<bool>,
    /// Every key read, present or not, in the order asked.
    asked: Vec<&'static str>,
}

impl<'n> Obj<'n> {
    pub(crate) fn take(&mut self, key: &'static str) -> Option<(&'n Key, &'n Node)> {
        if !self.asked.contains(&key) {
            self.asked.push(key);
        }
        let i = self.entries.iter().position(|(k, _)| k.name == key)?;
        self.used[i] = true;
        let (k, v) = &self.entries[i];
        Some((k, v))
    }
    pub(crate) fn get(&mut self, key: &'static str) -> Option<&'n Node> {
        self.take(key).map(|(_, v)| v)
    }
    /// `take` for a key that is read but not offered as a known key (a deprecated one, or one
    /// refused with a message of its own).
    pub(crate) fn take_unlisted(&mut self, key: &'static str) -> Option<(&'n Key, &'n Node)> {
        let asked = self.asked.len();
        let found = self.take(key);
        self.asked.truncate(asked);
        found
    }
    pub(crate) fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.name == key)
    }
    pub(crate) fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.path, key)
        }
    }
}

/// The problems found so far, and how unknown keys count.
pub(crate) struct Walk {
    /// Every problem, in the order found.
    pub problems: Vec<Problem>,
    /// Unknown keys are errors (verify-config, a reload, the web config) or warnings (a
    /// running exporter's start).
    pub strict: bool,
}

impl Walk {
    /// A walk with no problems yet.
    pub(crate) fn new(strict: bool) -> Walk {
        Walk {
            problems: Vec::new(),
            strict,
        }
    }

    pub(crate) fn push(&mut self, severity: Severity, pos: Pos, path: &str, message: String) {
        self.problems
            .push(Problem::at(severity, pos, path, message));
    }
    pub(crate) fn error(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.push(Severity::Error, pos, path, message.into());
    }
    pub(crate) fn warn(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.push(Severity::Warning, pos, path, message.into());
    }

    pub(crate) fn obj<'n>(&mut self, node: &'n Node, path: &str) -> Option<Obj<'n>> {
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
    pub(crate) fn finish(&mut self, obj: Obj<'_>) {
        self.finish_with(obj, |_| None);
    }

    /// [`Walk::finish`], where `elsewhere` may say why a key not asked for means nothing
    /// here (it belongs to another kind of object).
    pub(crate) fn finish_with(&mut self, obj: Obj<'_>, elsewhere: impl Fn(&str) -> Option<String>) {
        let known = &obj.asked;
        for (i, (k, _)) in obj.entries.iter().enumerate() {
            if obj.used[i] {
                continue;
            }
            let path = obj.child(&k.name);
            let mut msg = format!("unknown key `{}`", shown(&k.name));
            if let Some(m) = elsewhere(&k.name) {
                msg = m;
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

    pub(crate) fn string(&mut self, node: &Node, path: &str) -> Option<String> {
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

    pub(crate) fn nonempty_string(&mut self, node: &Node, path: &str) -> Option<String> {
        let s = self.string(node, path)?;
        if s.trim().is_empty() {
            self.error(node.pos, path, "must not be empty");
            return None;
        }
        Some(s)
    }

    pub(crate) fn bool(&mut self, node: &Node, path: &str) -> Option<bool> {
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

    pub(crate) fn seconds(&mut self, node: &Node, path: &str) -> Option<u32> {
        self.seconds_up_to(node, path, u32::MAX)
    }

    /// A whole number of seconds from 0 to `max`.
    pub(crate) fn seconds_up_to(&mut self, node: &Node, path: &str, max: u32) -> Option<u32> {
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

    pub(crate) fn seq<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Node]> {
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

    pub(crate) fn string_list(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        let items = self.seq(node, path)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.nonempty_string(item, &format!("{path}[{i}]")) {
                out.push(s);
            }
        }
        Some(out)
    }

    /// The entries of a mapping whose keys are data (user names, header names), not settings.
    pub(crate) fn entries<'n>(&mut self, node: &'n Node, path: &str) -> &'n [(Key, Node)] {
        node.entries().unwrap_or_else(|m| {
            self.error(node.pos, path, m);
            &[]
        })
    }
}
