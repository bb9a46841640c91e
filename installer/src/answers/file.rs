//! The answers file: TOML, one key per question (the flag's name with '_'), read with serde
//! (`Given` rejects unknown keys; this module names them, with a "did you mean") and written
//! in question order with every value as a string, lists as arrays.

use std::path::Path;

use super::{Given, Kind, QUESTIONS, Question};

/// Reads an answers file. Unknown keys and invalid values are errors naming the key.
pub fn load(path: &Path) -> Result<Given, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| crate::tr!("doc-cannot-read", path = path.display(), error = e))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn parse(text: &str) -> Result<Given, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
    let mut given = Given::default();
    // One key at a time, so that an error names its key.
    for (key, value) in table {
        if Question::by_key(&key).is_none() {
            let hint = matrixd::config::known::closest(&key, QUESTIONS.iter().map(|q| q.key))
                .map(|c| crate::tr!("answers-did-you-mean", name = format!("{c:?}")))
                .unwrap_or_default();
            return Err(crate::tr!(
                "answers-unknown-key",
                key = format!("{key:?}"),
                hint = hint
            ));
        }
        let mut one = toml::Table::new();
        one.insert(key.clone(), value);
        let answer: Given = one
            .try_into()
            .map_err(|e: toml::de::Error| format!("{key}: {}", e.message().trim()))?;
        given.overlay(&answer);
    }
    Ok(given)
}

/// The answers file text: every answer, in question order, as strings (lists as arrays).
pub fn to_toml(given: &Given) -> String {
    let mut out = String::from(
        "# matrixctl install answers. Repeat with: matrixctl install --answers FILE --yes\n",
    );
    let quote = |s: &String| toml::Value::String(s.clone()).to_string();
    for q in QUESTIONS {
        let values = (q.get)(given);
        if values.is_empty() {
            continue;
        }
        if (q.kind)() == Kind::List {
            out.push_str(&format!(
                "{} = [{}]\n",
                q.key,
                values.iter().map(quote).collect::<Vec<_>>().join(", ")
            ));
        } else {
            out.push_str(&format!("{} = {}\n", q.key, quote(&values[0])));
        }
    }
    out
}
