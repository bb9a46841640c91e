//! A typed, path-aware walk over a YAML mapping that records every problem instead of stopping
//! at the first. Owns type checking and unknown-key reporting; the meaning of keys is `check.rs`'s.

use std::cell::RefCell;
use std::collections::BTreeSet;

use yaml_serde::{Mapping, Value};

use super::known;
use super::problem::{Expected, Fix, Found, Kind, Problem, Problems, Quoted};

/// Describes a YAML value for "expected X, found Y" messages.
pub fn describe(v: &Value) -> Found {
    match v {
        Value::Null => Found::Null,
        Value::Bool(b) => Found::Bool { value: *b },
        Value::Number(n) if n.is_f64() => Found::Float {
            value: n.to_string(),
        },
        Value::Number(n) => Found::Integer {
            value: n.to_string(),
        },
        Value::String(s) => Found::Str {
            value: Quoted(s.clone()),
        },
        Value::Sequence(_) => Found::List,
        Value::Mapping(_) => Found::Mapping,
        Value::Tagged(t) => Found::Tagged {
            tag: t.tag.to_string(),
        },
    }
}

/// One mapping being read. Every key read is marked used; `finish` reports the rest.
pub struct Section<'a> {
    pub path: String,
    map: &'a Mapping,
    used: BTreeSet<String>,
    problems: &'a RefCell<Problems>,
}

impl<'a> Section<'a> {
    pub fn new(path: impl Into<String>, map: &'a Mapping, problems: &'a RefCell<Problems>) -> Self {
        Section {
            path: path.into(),
            map,
            used: BTreeSet::new(),
            problems,
        }
    }

    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub fn push(&self, p: Problem) {
        self.problems.borrow_mut().push(p);
    }

    pub fn error(&self, key: &str, message: Kind, fix: Fix) {
        self.push(Problem::error(self.key_path(key), message).fix(fix));
    }

    pub fn warning(&self, key: &str, message: Kind) {
        self.push(Problem::warning(self.key_path(key), message));
    }

    pub fn contains(&self, key: &str) -> bool {
        matches!(self.map.get(key), Some(v) if !v.is_null())
    }

    /// Whether the key is written at all, even as null (where null means something other
    /// than the default, as Synapse's `refreshable_access_token_lifetime: null`).
    pub fn present(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The raw value, marked used; `None` when absent or null.
    pub fn raw(&mut self, key: &str) -> Option<&'a Value> {
        self.used.insert(key.to_string());
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn wrong_type(&self, key: &str, expected: Expected, found: &Value) {
        let quote = matches!(expected, Expected::Str | Expected::StringList)
            && matches!(found, Value::Number(_) | Value::Bool(_));
        let mut p = Problem::error(
            self.key_path(key),
            Kind::WrongType {
                expected,
                found: describe(found),
            },
        );
        if quote {
            p = p.fix(Fix::QuoteValue {
                key: key.to_string(),
            });
        }
        self.push(p);
    }

    pub fn string(&mut self, key: &str) -> Option<String> {
        let v = self.raw(key)?;
        match v {
            Value::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(key, Expected::Str, other);
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        let v = self.raw(key)?;
        match v {
            Value::Bool(b) => Some(*b),
            other => {
                self.wrong_type(key, Expected::Boolean, other);
                None
            }
        }
    }

    pub fn integer(&mut self, key: &str, min: i64, max: i64) -> Option<i64> {
        let v = self.raw(key)?;
        match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                self.error(
                    key,
                    Kind::OutOfRange { value: n },
                    Fix::IntegerRange { min, max },
                );
                None
            }
            None => {
                self.wrong_type(key, Expected::Integer { min, max }, v);
                None
            }
        }
    }

    pub fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        let v = self.raw(key)?;
        let Value::Sequence(items) = v else {
            self.wrong_type(key, Expected::StringList, v);
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                other => self.wrong_type(&format!("{key}[{i}]"), Expected::Str, other),
            }
        }
        Some(out)
    }

    pub fn list(&mut self, key: &str) -> Option<&'a Vec<Value>> {
        let v = self.raw(key)?;
        match v {
            Value::Sequence(items) => Some(items),
            other => {
                self.wrong_type(key, Expected::List, other);
                None
            }
        }
    }

    pub fn section(&mut self, key: &str) -> Option<Section<'a>> {
        let v = self.raw(key)?;
        let path = self.key_path(key);
        self.mapping_at(path, key, v)
    }

    /// A list item (or any value) that must be a mapping, reported under `path`.
    pub fn item(&self, path: String, v: &'a Value) -> Option<Section<'a>> {
        match v {
            Value::Mapping(m) => Some(Section::new(path, m, self.problems)),
            other => {
                self.push(Problem::error(
                    path,
                    Kind::WrongType {
                        expected: Expected::Mapping,
                        found: describe(other),
                    },
                ));
                None
            }
        }
    }

    fn mapping_at(&self, path: String, key: &str, v: &'a Value) -> Option<Section<'a>> {
        match v {
            Value::Mapping(m) => Some(Section::new(path, m, self.problems)),
            other => {
                self.wrong_type(key, Expected::Mapping, other);
                None
            }
        }
    }

    /// Reports every key not read: Synapse keys we do not support as warnings, anything else as
    /// an error with the closest known key as a suggestion.
    pub fn finish(self, supported: &[&str], synapse_only: &[&str]) {
        for k in self.map.keys() {
            let Some(name) = k.as_str() else {
                self.push(Problem::error(
                    self.path.clone(),
                    Kind::KeyNotString { found: describe(k) },
                ));
                continue;
            };
            if self.used.contains(name) {
                continue;
            }
            if synapse_only.contains(&name) {
                self.push(Problem::warning(self.key_path(name), Kind::SynapseOnly));
                continue;
            }
            let p = Problem::error(self.key_path(name), Kind::UnknownKey);
            let p = match known::closest(name, supported.iter().chain(synapse_only).copied()) {
                Some(s) => p.fix(Fix::DidYouMean { key: s.to_string() }),
                None => p.fix(Fix::RemoveKey),
            };
            self.push(p);
        }
    }
}
