//! The `database` section of homeserver.yaml, rewritten as text so every other line (comments,
//! quoting, order) stays as the operator wrote it. Pure: the caller reads and writes the file.

use matrixd::config::PostgresArgs;

/// Whether `text` has a top-level `database` key.
pub fn has_database_key(text: &str) -> bool {
    section(text).is_some()
}

/// The byte range of the top-level `database` key: its line and every following line up to the
/// next line that starts in column 0 (another key, a comment or a document marker).
fn section(text: &str) -> Option<(usize, usize)> {
    let mut start = None;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let col0 = !line.starts_with([' ', '\t', '\n', '\r']);
        match start {
            None if col0 && is_database_key(line) => start = Some(pos),
            Some(s) if col0 => return Some((s, pos)),
            _ => {}
        }
        pos += line.len();
    }
    start.map(|s| (s, text.len()))
}

fn is_database_key(line: &str) -> bool {
    let rest = line
        .strip_prefix("database")
        .or_else(|| line.strip_prefix("\"database\""))
        .or_else(|| line.strip_prefix("'database'"));
    rest.is_some_and(|r| r.trim_start().starts_with(':'))
}

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The new section, in the generated config's style.
pub fn postgres_section(a: &PostgresArgs) -> String {
    let mut s = String::from(
        "# PostgreSQL since `matrixctl migrate-db` copied the SQLite database here.\ndatabase:\n  name: psycopg2\n  args:\n",
    );
    if let Some(u) = &a.user {
        s.push_str(&format!("    user: {}\n", quoted(u)));
    }
    if let Some(p) = &a.password {
        s.push_str(&format!("    password: {}\n", quoted(p.expose())));
    }
    if let Some(d) = &a.dbname {
        s.push_str(&format!("    dbname: {}\n", quoted(d)));
    }
    if let Some(h) = &a.host {
        s.push_str(&format!("    host: {}\n", quoted(h)));
    }
    if let Some(p) = a.port {
        s.push_str(&format!("    port: {p}\n"));
    }
    s.push_str(&format!(
        "    cp_min: {}\n    cp_max: {}\n",
        a.cp_min, a.cp_max
    ));
    s
}

/// `text` with its `database` section replaced by `new` (appended when there is none).
pub fn replace_database(text: &str, new: &str) -> String {
    match section(text) {
        Some((s, e)) => {
            let mut out = String::with_capacity(text.len() + new.len());
            out.push_str(&text[..s]);
            out.push_str(new);
            out.push_str(&text[e..]);
            out
        }
        None => {
            let mut out = text.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(new);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> PostgresArgs {
        PostgresArgs {
            user: Some("matrixd".into()),
            password: Some(matrixd::config::Secret("p\"w:#".into())),
            dbname: Some("matrixd".into()),
            host: Some("127.0.0.1".into()),
            port: Some(5432),
            cp_min: 5,
            cp_max: 10,
            sslmode: None,
            sslrootcert: None,
            application_name: None,
            connect_timeout: None,
            allow_unsafe_locale: false,
        }
    }

    #[test]
    fn replaces_only_the_database_section() {
        let text = "server_name: \"a.example\"\n# the database\ndatabase:\n  name: sqlite3\n  args:\n\n    database: \"/var/lib/matrixd/homeserver.db\"\nlog_config: \"/etc/matrixd/log.yaml\"\n";
        let out = replace_database(text, &postgres_section(&args()));
        assert!(out.starts_with("server_name: \"a.example\"\n# the database\n# PostgreSQL"));
        assert!(out.ends_with("    cp_max: 10\nlog_config: \"/etc/matrixd/log.yaml\"\n"));
        assert!(!out.contains("sqlite3"));
        let parsed: serde_json::Value = yaml_to_json(&out);
        assert_eq!(parsed["database"]["args"]["password"], "p\"w:#");
        assert_eq!(parsed["database"]["args"]["port"], 5432);
        assert_eq!(parsed["log_config"], "/etc/matrixd/log.yaml");
    }

    #[test]
    fn appends_when_there_is_no_section_and_ignores_lookalikes() {
        let text = "server_name: a\ndatabase_extra: 1\n  database: nested";
        assert!(!has_database_key(text));
        let out = replace_database(text, "database: {}\n");
        assert_eq!(
            out,
            "server_name: a\ndatabase_extra: 1\n  database: nested\ndatabase: {}\n"
        );
        assert!(has_database_key("database: {name: sqlite3}\n"));
    }

    fn yaml_to_json(text: &str) -> serde_json::Value {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("homeserver.yaml");
        std::fs::write(&path, text).unwrap();
        let m = matrixd::config::read_top_level(&[path]).expect("valid YAML");
        serde_json::to_value(m).expect("JSON")
    }
}
