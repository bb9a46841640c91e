//! Asking: turns flags, an answers file, the answers of an earlier install and (on a terminal)
//! prompts into complete answers. Owns the order of layers and the "missing answer" errors;
//! prompting itself is `prompt.rs`, the only dialoguer user.

pub mod answers;
pub mod prompt;
pub mod question;

use answers::Raw;
use question::QUESTIONS;

/// Fills every applicable question: given answers first, then prompts (when `interactive`),
/// then defaults. Without a terminal a missing required answer is an error naming its flag.
pub fn complete(given: &Raw, interactive: bool) -> Result<Raw, MissingAnswer> {
    let mut raw = given.clone();
    for q in QUESTIONS {
        if !(q.applies)(&raw) {
            raw.set(q.key, Vec::new());
            continue;
        }
        if raw.0.contains_key(q.key) {
            continue;
        }
        let default = (q.default)(&raw);
        if interactive {
            let values = prompt::ask(q, default.as_deref())
                .map_err(|e| MissingAnswer::Prompt(e.to_string()))?;
            raw.set(q.key, values);
        } else if let Some(d) = default {
            raw.set(q.key, vec![d]);
        } else if q.required {
            return Err(MissingAnswer::Required {
                key: q.key,
                flag: q.flag,
                help: q.help,
            });
        }
    }
    Ok(raw)
}

#[derive(Debug)]
pub enum MissingAnswer {
    Required {
        key: &'static str,
        flag: &'static str,
        help: &'static str,
    },
    Prompt(String),
}

/// Asks every applicable question again, the current answers as defaults ("Change answers").
pub fn revise(current: &Raw) -> Result<Raw, MissingAnswer> {
    let mut raw = Raw::default();
    for q in QUESTIONS {
        if !(q.applies)(&raw) {
            continue;
        }
        let default = current
            .get(q.key)
            .map(str::to_string)
            .or_else(|| (q.default)(&raw));
        let values = if q.kind == question::Kind::List && !current.list(q.key).is_empty() {
            let joined = current.list(q.key).join(", ");
            prompt::ask(q, Some(&joined))
        } else {
            prompt::ask(q, default.as_deref())
        }
        .map_err(|e| MissingAnswer::Prompt(e.to_string()))?;
        raw.set(q.key, values);
    }
    Ok(raw)
}
