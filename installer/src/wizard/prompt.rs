//! The only code that talks to dialoguer: one prompt per question kind, with the default shown
//! and the question's validator run on what is typed. Callers check for a terminal first.

use dialoguer::{Confirm, Input, Select};

use crate::answers::{Kind, Question};

/// Asks `q`; returns its values (empty: no answer).
pub fn ask(q: &Question, default: Option<&str>) -> std::io::Result<Vec<String>> {
    let explain = q.explain_text();
    if !explain.is_empty() {
        eprintln!("  {explain}");
    }
    let prompt = q.prompt_text();
    let map = |e: dialoguer::Error| match e {
        dialoguer::Error::IO(io) => io,
    };
    Ok(match (q.kind)() {
        Kind::Choice(choices) => {
            let start = default
                .and_then(|d| choices.iter().position(|c| c == d))
                .unwrap_or(0);
            let labels: Vec<String> = choices.iter().map(|c| q.choice_label(c)).collect();
            let i = Select::new()
                .with_prompt(&prompt)
                .items(&labels)
                .default(start)
                .interact()
                .map_err(map)?;
            vec![choices[i].clone()]
        }
        Kind::YesNo => {
            let b = yes_no(&prompt, default.map(|d| d == "yes"))?;
            vec![if b { "yes" } else { "no" }.to_string()]
        }
        Kind::Text => {
            let validate = q.validate;
            let mut input = Input::<String>::new()
                .with_prompt(&prompt)
                .allow_empty(!q.required);
            if let Some(d) = default {
                input = input.default(d.to_string());
            }
            let s: String = input
                .validate_with(move |s: &String| if s.is_empty() { Ok(()) } else { validate(s) })
                .interact_text()
                .map_err(map)?;
            if s.is_empty() { Vec::new() } else { vec![s] }
        }
        Kind::List => {
            let validate = q.validate;
            let s: String = Input::<String>::new()
                .with_prompt(&prompt)
                .allow_empty(true)
                .validate_with(move |s: &String| {
                    s.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .try_for_each(validate)
                })
                .interact_text()
                .map_err(map)?;
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        }
    })
}

/// What to do with the plan: proceed, change answers, or cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Proceed,
    Change,
    Cancel,
}

pub fn confirm_plan() -> std::io::Result<Decision> {
    let i = Select::new()
        .with_prompt(crate::tr!("wizard-apply"))
        .items([
            crate::tr!("wizard-proceed"),
            crate::tr!("wizard-change"),
            crate::tr!("wizard-cancel"),
        ])
        .default(0)
        .interact()
        .map_err(|e| match e {
            dialoguer::Error::IO(io) => io,
        })?;
    Ok([Decision::Proceed, Decision::Change, Decision::Cancel][i])
}

/// Yes/no confirmation (uninstall --purge).
pub fn confirm(prompt: &str) -> std::io::Result<bool> {
    yes_no(prompt, Some(false))
}

/// A yes/no question. In English: y or n, then Enter (a typed y or n alone would leave that
/// Enter to skip the next question); without a default (report_stats) Enter alone is no
/// answer: it shows [y/n] and waits for one. In Persian the answers are words (a Persian
/// keyboard has no y or n), so it is a choice between them, the default preselected.
fn yes_no(prompt: &str, default: Option<bool>) -> std::io::Result<bool> {
    let map = |e: dialoguer::Error| match e {
        dialoguer::Error::IO(io) => io,
    };
    if crate::i18n::current() == crate::i18n::Lang::En {
        let mut c = Confirm::new().with_prompt(prompt).wait_for_newline(true);
        if let Some(d) = default {
            c = c.default(d);
        }
        return c.interact().map_err(map);
    }
    let i = Select::new()
        .with_prompt(prompt)
        .items([crate::tr!("wizard-yes"), crate::tr!("wizard-no")])
        .default(if default == Some(false) { 1 } else { 0 })
        .interact()
        .map_err(map)?;
    Ok(i == 0)
}
