//! Rendering a finished run: the grouped human report (✓ ! ✗ -, ASCII where the terminal's
//! locale is not UTF-8; `-v` adds details) and the versioned JSON on stdout. Both carry the same
//! facts: id, group, status, summary, fix and details of every check.

use serde::Serialize;

use super::{Check, Group, Status};

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub ok: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
}

impl Summary {
    pub fn of(checks: &[Check]) -> Self {
        let mut s = Summary::default();
        for c in checks {
            match c.status {
                Status::Ok => s.ok += 1,
                Status::Warn => s.warn += 1,
                Status::Fail => s.fail += 1,
                Status::Skip => s.skip += 1,
            }
        }
        s
    }
}

/// The JSON document. `schema` changes only when a field changes meaning or disappears.
#[derive(Serialize)]
struct JsonReport<'a> {
    schema: u32,
    summary: Summary,
    checks: &'a [Check],
}

pub const JSON_SCHEMA: u32 = 1;

pub fn json(checks: &[Check]) -> String {
    serde_json::to_string_pretty(&JsonReport {
        schema: JSON_SCHEMA,
        summary: Summary::of(checks),
        checks,
    })
    .expect("the report serialises")
}

/// The JSON report with every check's texts also as data (`Text::to_wire`: message ids and
/// arguments) under `texts`, for a matrixctl that shows them in its own language (doctor run
/// as the service user hands its database checks back this way).
pub fn json_with_texts(checks: &[Check]) -> String {
    let mut doc = serde_json::to_value(JsonReport {
        schema: JSON_SCHEMA,
        summary: Summary::of(checks),
        checks,
    })
    .expect("the report serialises");
    if let Some(list) = doc["checks"].as_array_mut() {
        for (c, j) in checks.iter().zip(list) {
            j["texts"] = serde_json::json!({
                "summary": c.summary.to_wire(),
                "fix": c.fix.as_ref().map(crate::i18n::Text::to_wire),
                "details": c
                    .details
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_wire()))
                    .collect::<serde_json::Map<_, _>>(),
            });
        }
    }
    serde_json::to_string_pretty(&doc).expect("the report serialises")
}

/// The status marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbols {
    Unicode,
    Ascii,
}

impl Symbols {
    /// Unicode when the locale says UTF-8 (LC_ALL, then LC_CTYPE, then LANG, as setlocale does).
    pub fn from_locale() -> Self {
        // ALLOWED: reading the locale is how a terminal program learns its character set.
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let locale = var("LC_ALL")
            .or_else(|| var("LC_CTYPE"))
            .or_else(|| var("LANG"))
            .unwrap_or_default();
        let l = locale.to_ascii_lowercase();
        if l.contains("utf-8") || l.contains("utf8") {
            Symbols::Unicode
        } else {
            Symbols::Ascii
        }
    }

    pub fn mark(self, s: Status) -> &'static str {
        match (self, s) {
            (Symbols::Unicode, Status::Ok) => "✓",
            (Symbols::Unicode, Status::Warn) => "!",
            (Symbols::Unicode, Status::Fail) => "✗",
            (Symbols::Unicode, Status::Skip) => "-",
            (Symbols::Ascii, Status::Ok) => "+",
            (Symbols::Ascii, Status::Warn) => "!",
            (Symbols::Ascii, Status::Fail) => "x",
            (Symbols::Ascii, Status::Skip) => "-",
        }
    }
}

/// The human report, grouped in group order, ending with a one-line tally.
pub fn human(checks: &[Check], verbose: bool, symbols: Symbols) -> String {
    let width = checks.iter().map(|c| c.id.len()).max().unwrap_or(0).max(22) + 1;
    let mut out = String::new();
    for group in Group::ALL {
        let in_group: Vec<&Check> = checks.iter().filter(|c| c.group == group).collect();
        if in_group.is_empty() {
            continue;
        }
        out.push_str(&group.title());
        out.push('\n');
        for c in in_group {
            out.push_str(&format!(
                "  {} {:<width$} {}\n",
                symbols.mark(c.status),
                c.id,
                c.summary
            ));
            if let Some(fix) = &c.fix
                && c.status != Status::Ok
            {
                out.push_str(&format!("      {}\n", crate::tr!("doctor-fix", fix = fix)));
            }
            if verbose {
                for (k, v) in &c.details {
                    let v = v.to_string();
                    let mut lines = v.lines();
                    out.push_str(&format!("      {k}: {}\n", lines.next().unwrap_or("")));
                    for l in lines {
                        out.push_str(&format!("        {l}\n"));
                    }
                }
            }
        }
    }
    let s = Summary::of(checks);
    let mut tally = crate::tr!(
        "doctor-tally",
        problems = crate::tr!("doctor-tally-problems", n = s.fail),
        warnings = crate::tr!("doctor-tally-warnings", n = s.warn),
        skipped = crate::tr!("doctor-tally-skipped", n = s.skip),
        ok = crate::tr!("doctor-tally-ok", n = s.ok)
    );
    if !verbose {
        tally.push_str(&crate::tr!(
            "doctor-tally-more",
            verbose = "matrixctl doctor -v",
            json = "--json"
        ));
    }
    out.push('\n');
    out.push_str(&tally);
    out.push('\n');
    out
}
