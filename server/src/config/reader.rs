//! A typed, path-aware walk over a YAML mapping that records every problem instead of stopping
//! at the first. Owns type checking and unknown-key reporting; the meaning of keys is `check.rs`'s.

use std::cell::RefCell;
use std::collections::BTreeSet;

use yaml_serde::{Mapping, Value};

use super::known;
use super::problem::{Problem, Problems};

/// Describes a YAML value for "expected X, found Y" messages.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) if n.is_f64() => format!("the number {n}"),
        Value::Number(n) => format!("the integer {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
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

    pub fn error(&self, key: &str, message: impl Into<String>, fix: impl Into<String>) {
        self.push(Problem::error(self.key_path(key), message).fix(fix));
    }

    pub fn warning(&self, key: &str, message: impl Into<String>) {
        self.push(Problem::warning(self.key_path(key), message));
    }

    pub fn contains(&self, key: &str) -> bool {
        matches!(self.map.get(key), Some(v) if !v.is_null())
    }

    /// The raw value, marked used; `None` when absent or null.
    pub fn raw(&mut self, key: &str) -> Option<&'a Value> {
        self.used.insert(key.to_string());
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn wrong_type(&self, key: &str, expected: &str, found: &Value) {
        let mut p = Problem::error(
            self.key_path(key),
            format!("expected {expected}, found {}", describe(found)),
        );
        if expected.contains("string") && matches!(found, Value::Number(_) | Value::Bool(_)) {
            p = p.fix(format!("put the value in quotes: {key}: \"...\""));
        }
        self.push(p);
    }

    pub fn string(&mut self, key: &str) -> Option<String> {
        let v = self.raw(key)?;
        match v {
            Value::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(key, "a string", other);
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        let v = self.raw(key)?;
        match v {
            Value::Bool(b) => Some(*b),
            other => {
                self.wrong_type(key, "a boolean (true or false)", other);
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
                    format!("{n} is out of range"),
                    format!("use an integer from {min} to {max}"),
                );
                None
            }
            None => {
                self.wrong_type(key, &format!("an integer from {min} to {max}"), v);
                None
            }
        }
    }

    pub fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        let v = self.raw(key)?;
        let Value::Sequence(items) = v else {
            self.wrong_type(key, "a list of strings", v);
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                other => self.wrong_type(&format!("{key}[{i}]"), "a string", other),
            }
        }
        Some(out)
    }

    pub fn list(&mut self, key: &str) -> Option<&'a Vec<Value>> {
        let v = self.raw(key)?;
        match v {
            Value::Sequence(items) => Some(items),
            other => {
                self.wrong_type(key, "a list", other);
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
                    format!("expected a mapping, found {}", describe(other)),
                ));
                None
            }
        }
    }

    fn mapping_at(&self, path: String, key: &str, v: &'a Value) -> Option<Section<'a>> {
        match v {
            Value::Mapping(m) => Some(Section::new(path, m, self.problems)),
            other => {
                self.wrong_type(key, "a mapping", other);
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
                    format!("key {} is not a string", describe(k)),
                ));
                continue;
            };
            if self.used.contains(name) {
                continue;
            }
            if synapse_only.contains(&name) {
                self.push(Problem::warning(
                    self.key_path(name),
                    "is a Synapse setting matrixd does not support yet; it is ignored",
                ));
                continue;
            }
            let mut p = Problem::error(self.key_path(name), "unknown key");
            p = match known::closest(name, supported.iter().chain(synapse_only).copied()) {
                Some(s) => p.fix(format!("did you mean `{s}`? If not, remove the key")),
                None => p.fix("remove the key; see the list of supported keys in README.md"),
            };
            self.push(p);
        }
    }
}
