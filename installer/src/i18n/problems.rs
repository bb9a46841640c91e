//! matrixd's configuration problems in the user's language. The server's loader gives each
//! problem a message id and named fields (`matrixd::config::{Kind, Fix}`) and words them in
//! English itself; here the same ids are looked up in matrixctl's catalogues (`conf-*`), so a
//! problem reads in Persian with its keys, paths and values isolated, and in English exactly as
//! matrixd prints it (the catalogue tests compare the two).

use std::borrow::Cow;

use matrixd::config::{Arg, Fix, Kind, Message, Problem, Problems, Severity};

use super::Text;

/// A message of the server's loader (a kind, a fix, a value's description).
pub fn message(m: &Message) -> Text {
    Text::Msg {
        id: m.id,
        args: m
            .args
            .iter()
            .map(|(k, a)| {
                let v = match a {
                    Arg::Text(s) => Text::Raw(s.clone()),
                    Arg::Message(m) => message(m),
                };
                (Cow::Borrowed(*k), v)
            })
            .collect(),
    }
}

/// What is wrong.
pub fn kind(k: &Kind) -> Text {
    message(&k.message())
}

/// How to fix it.
pub fn fix(f: &Fix) -> Text {
    message(&f.message())
}

/// `key: what is wrong` (or only what is wrong, for a whole-file problem), as doctor's
/// one-line summaries show it.
pub fn at_key(p: &Problem) -> Text {
    if p.path.is_empty() {
        kind(&p.message)
    } else {
        msg!("conf-at-key", key = p.path, message = "").with_arg("message", kind(&p.message))
    }
}

/// One problem as matrixd prints it: `error: key: what`, then `  fix: how` on its own line.
pub fn problem(p: &Problem) -> Text {
    let what = at_key(p);
    let line = match p.severity {
        Severity::Error => msg!("conf-problem-error", problem = ""),
        Severity::Warning => msg!("conf-problem-warning", problem = ""),
    }
    .with_arg("problem", what);
    match &p.fix {
        None => line,
        Some(f) => Text::Concat(vec![
            line,
            Text::Raw("\n  ".into()),
            msg!("conf-problem-fix", fix = "").with_arg("fix", fix(f)),
        ]),
    }
}

/// Every problem, errors first, one per line (as matrixd's `check-config` prints them).
pub fn problems(ps: &Problems) -> Text {
    Text::Concat(
        ps.errors()
            .chain(ps.warnings())
            .flat_map(|p| [problem(p), Text::Raw("\n".into())])
            .collect(),
    )
}

/// Whether a problem is a key matrixd reads but does not act on (a Synapse setting, listener
/// type or resource it does not support): doctor reports these as ignored, not as errors.
pub fn is_ignored_setting(p: &Problem) -> bool {
    matches!(
        p.message,
        Kind::SynapseOnly | Kind::ListenerTypeUnsupported { .. } | Kind::ResourceUnsupported { .. }
    )
}
