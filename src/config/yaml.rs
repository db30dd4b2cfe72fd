//! A YAML tree in which every node and every key remembers its line and column.
//!
//! The config is parsed into this tree first and walked by hand afterwards, so that one pass
//! can report *every* problem (unknown keys, bad values) with its position, instead of stopping
//! at the first error the way a derived `Deserialize` would.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A 1-based position in the source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1, counted in characters.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A YAML value; lists and mappings hold positioned nodes.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, or no value at all.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer that fits an `i64`.
    Int(i64),
    /// A floating-point number (or an integer too large for an `i64`).
    Float(f64),
    /// A string.
    Str(String),
    /// A list, in file order.
    Seq(Vec<Node>),
    /// A mapping, its entries in file order.
    Map(Vec<(Key, Node)>),
}

/// A value and where it is in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where the value is.
    pub pos: Pos,
    /// The value itself.
    pub value: Value,
}

/// A mapping key and where it is in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The key's text.
    pub name: String,
    /// Where the key is.
    pub pos: Pos,
}

impl Node {
    /// The entries of a mapping (none for an empty value), or what to say instead. Shared by
    /// every walker of a YAML file, so they all word it the same way.
    pub fn entries(&self) -> Result<&[(Key, Node)], String> {
        match &self.value {
            Value::Map(m) => Ok(m),
            Value::Null => Ok(&[]),
            v => Err(format!("expected a mapping, found {}", v.kind())),
        }
    }

    /// A string value, or what to say instead.
    pub fn text(&self) -> Result<&str, String> {
        match &self.value {
            Value::Str(s) => Ok(s),
            v => Err(format!("expected a string, found {}", v.kind())),
        }
    }
}

impl Value {
    /// A word for error messages: "a string", "a list", ...
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

fn pos_of<T>(s: &Spanned<T>) -> Pos {
    Pos {
        line: s.referenced.line() as u32,
        column: s.referenced.column() as u32,
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            pos: pos_of(&s),
            value: s.value,
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<String>::deserialize(d)?;
        Ok(Key {
            pos: pos_of(&s),
            name: s.value,
        })
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            out.push(n);
        }
        Ok(Value::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Key>()? {
            let v = map.next_value::<Node>()?;
            out.push((k, v));
        }
        Ok(Value::Map(out))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// Parses YAML text into a positioned tree. The error carries the parser's own line and column,
/// and only the parser's reason: its message also quotes the offending source lines, which must
/// not reach a log when the file holds credentials (a web config's password hashes).
pub fn parse(text: &str) -> Result<Node, (Option<Pos>, String)> {
    serde_saphyr::from_str::<Node>(text).map_err(|e| {
        let pos = e.location().map(|l| Pos {
            line: l.line() as u32,
            column: l.column() as u32,
        });
        (pos, reason(&e.to_string()))
    })
}

/// "error: line 2 column 6: unclosed bracket '['\n --> ..." → "unclosed bracket '['".
fn reason(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    let rest = first.strip_prefix("error: ").unwrap_or(first);
    match rest.strip_prefix("line ") {
        Some(r) => match r.split_once(": ") {
            Some((pos, why)) if pos.contains(" column ") => why.to_string(),
            _ => rest.to_string(),
        },
        None => rest.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_and_key_has_a_position() {
        let n = parse("a: 1\nb:\n  - x\n  - {c: true}\n").unwrap();
        let Value::Map(m) = n.value else { panic!() };
        assert_eq!(m[0].0.name, "a");
        assert_eq!(m[0].0.pos, Pos { line: 1, column: 1 });
        assert_eq!(m[0].1.value, Value::Int(1));
        assert_eq!(m[0].1.pos, Pos { line: 1, column: 4 });
        let Value::Seq(s) = &m[1].1.value else {
            panic!()
        };
        assert_eq!(s[0].pos, Pos { line: 3, column: 5 });
        let Value::Map(inner) = &s[1].value else {
            panic!()
        };
        assert_eq!(inner[0].0.name, "c");
        assert_eq!(inner[0].0.pos.line, 4);
        assert_eq!(inner[0].1.value, Value::Bool(true));
    }

    #[test]
    fn syntax_errors_say_why_without_quoting_the_source() {
        assert_eq!(
            reason("error: line 2 column 6: unclosed bracket '['\n --> <input>:2:6\n2 |   a: ["),
            "unclosed bracket '['"
        );
        assert_eq!(reason("something else"), "something else");
        let (_, m) = parse("a: $2b$secret\nb: [\n").unwrap_err();
        assert!(!m.contains("secret"), "{m}");
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let (pos, msg) = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(pos.is_some(), "{msg}");
    }
}
