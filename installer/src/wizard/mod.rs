//! Asking: turns flags, an answers file, the answers of an earlier install and (on a terminal)
//! prompts into complete answers. Owns the order of layers and the "missing answer" errors;
//! the questions themselves are declared in `answers`, and prompting is `prompt.rs`, the only
//! dialoguer user.

pub mod prompt;

use crate::answers::{Given, Kind, QUESTIONS};

/// Fills every applicable question: given answers first, then prompts (when `interactive`),
/// then defaults. Without a terminal a missing required answer is an error naming its flag.
pub fn complete(given: &Given, interactive: bool) -> Result<Given, MissingAnswer> {
    let mut answers = given.clone();
    for q in QUESTIONS {
        if !(q.applies)(&answers) {
            (q.set)(&mut answers, Vec::new()).map_err(MissingAnswer::Invalid)?;
            continue;
        }
        if (q.is_set)(&answers) {
            continue;
        }
        let default = (q.default)(&answers);
        let values = if interactive {
            prompt::ask(q, default.as_deref()).map_err(|e| MissingAnswer::Prompt(e.to_string()))?
        } else if let Some(d) = default {
            vec![d]
        } else if q.required {
            return Err(MissingAnswer::Required {
                key: q.key,
                flag: q.flag(),
                help: q.explain_text(),
            });
        } else {
            continue;
        };
        (q.set)(&mut answers, values).map_err(MissingAnswer::Invalid)?;
    }
    Ok(answers)
}

#[derive(Debug)]
pub enum MissingAnswer {
    Required {
        key: &'static str,
        flag: String,
        help: String,
    },
    Prompt(String),
    /// A default or typed answer its own validator refuses (a bug).
    Invalid(String),
}

/// Asks every applicable question again, the current answers as defaults ("Change answers").
pub fn revise(current: &Given) -> Result<Given, MissingAnswer> {
    let mut answers = Given::default();
    for q in QUESTIONS {
        if !(q.applies)(&answers) {
            continue;
        }
        let now = (q.get)(current);
        let default = if (q.kind)() == Kind::List && !now.is_empty() {
            Some(now.join(", "))
        } else {
            now.into_iter().next().or_else(|| (q.default)(&answers))
        };
        let values =
            prompt::ask(q, default.as_deref()).map_err(|e| MissingAnswer::Prompt(e.to_string()))?;
        (q.set)(&mut answers, values).map_err(MissingAnswer::Invalid)?;
    }
    Ok(answers)
}
