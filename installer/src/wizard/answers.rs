//! Answers as the user gave them (`Raw`: key → values, from flags, an answers file, an earlier
//! install, or prompts), the answers file format (TOML, unknown keys rejected), and the
//! conversion to the typed `plan::model::Answers` the planner takes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::plan::model::{Answers, Database, Proxy, Registration, Smtp, Tls, Turn};
use crate::wizard::question::{self, Kind, QUESTIONS};

/// Untyped answers: question key → values (one, or several for list questions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Raw(pub BTreeMap<&'static str, Vec<String>>);

impl Raw {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.first()).map(String::as_str)
    }
    pub fn list(&self, key: &str) -> Vec<String> {
        self.0.get(key).cloned().unwrap_or_default()
    }
    pub fn set(&mut self, key: &'static str, values: Vec<String>) {
        if values.is_empty() {
            self.0.remove(key);
        } else {
            self.0.insert(key, values);
        }
    }
    /// `other`'s answers win over ours.
    pub fn overlay(&mut self, other: &Raw) {
        for (k, v) in &other.0 {
            self.0.insert(k, v.clone());
        }
    }
}

/// Checks one value with its question's validator; the error names `source` (a flag or a file
/// key).
pub fn check(key: &str, value: &str, source: &str) -> Result<(), String> {
    let q = question::question(key);
    (q.validate)(value).map_err(|e| format!("{source}: {e}"))
}

/// Reads an answers file. Unknown keys and invalid values are errors naming the key.
pub fn load(path: &Path) -> Result<Raw, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn parse(text: &str) -> Result<Raw, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
    let mut raw = Raw::default();
    for (key, value) in &table {
        let Some(q) = QUESTIONS.iter().find(|q| q.key == key) else {
            let hint = matrixd::config::known::closest(key, QUESTIONS.iter().map(|q| q.key))
                .map(|c| format!(" (did you mean {c:?}?)"))
                .unwrap_or_default();
            return Err(format!("unknown key {key:?}{hint}"));
        };
        let scalar = |v: &toml::Value| -> Result<String, String> {
            match v {
                toml::Value::String(s) => Ok(s.clone()),
                toml::Value::Boolean(b) => Ok(if *b { "yes" } else { "no" }.to_string()),
                toml::Value::Integer(i) => Ok(i.to_string()),
                other => Err(format!(
                    "{key}: expected a string, found {}",
                    other.type_str()
                )),
            }
        };
        let values = match (q.kind, value) {
            (Kind::List, toml::Value::Array(items)) => {
                items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?
            }
            (_, v) => vec![scalar(v)?],
        };
        for v in &values {
            check(q.key, v, key)?;
        }
        raw.set(q.key, values);
    }
    Ok(raw)
}

/// The answers file text: every answer, in question order, as strings (lists as arrays).
pub fn to_toml(raw: &Raw) -> String {
    let mut out = String::from(
        "# matrixctl install answers. Repeat with: matrixctl install --answers FILE --yes\n",
    );
    for q in QUESTIONS {
        let Some(values) = raw.0.get(q.key) else {
            continue;
        };
        let quote = |s: &String| toml::Value::String(s.clone()).to_string();
        match q.kind {
            Kind::List => out.push_str(&format!(
                "{} = [{}]\n",
                q.key,
                values.iter().map(quote).collect::<Vec<_>>().join(", ")
            )),
            _ => out.push_str(&format!("{} = {}\n", q.key, quote(&values[0]))),
        }
    }
    out
}

fn yes(raw: &Raw, key: &str) -> bool {
    raw.get(key) == Some("yes")
}

/// Converts complete answers (every required one present, defaults applied) to the typed form.
pub fn typed(raw: &Raw) -> Result<Answers, String> {
    let server_name = raw
        .get("server_name")
        .ok_or("server_name is missing")?
        .to_string();
    let public_baseurl = {
        let u = raw
            .get("public_baseurl")
            .ok_or("public_baseurl is missing")?;
        if u.ends_with('/') {
            u.to_string()
        } else {
            format!("{u}/")
        }
    };
    let tls = match raw.get("tls") {
        Some("existing") => Tls::Existing {
            cert: PathBuf::from(
                raw.get("tls_cert")
                    .ok_or("tls = existing needs --tls-cert")?,
            ),
            key: PathBuf::from(raw.get("tls_key").ok_or("tls = existing needs --tls-key")?),
        },
        Some("direct") => Tls::Direct,
        Some("none") => Tls::None,
        _ => Tls::SelfSigned,
    };
    let smtp = raw.get("smtp_host").map(|host| Smtp {
        host: host.to_string(),
        port: raw
            .get("smtp_port")
            .and_then(|p| p.parse().ok())
            .unwrap_or(587),
        user: raw.get("smtp_user").map(str::to_string),
        pass_file: raw.get("smtp_pass_file").map(PathBuf::from),
        notif_from: raw
            .get("notif_from")
            .map(str::to_string)
            .unwrap_or_default(),
        require_tls: raw.get("smtp_require_tls") != Some("no"),
    });
    let install_coturn = yes(raw, "install_coturn");
    let uris = raw.list("turn_uris");
    let turn = if install_coturn || !uris.is_empty() {
        Some(Turn {
            uris,
            secret_file: raw.get("turn_secret_file").map(PathBuf::from),
            install_coturn,
        })
    } else {
        None
    };
    Ok(Answers {
        server_name,
        public_baseurl,
        database: if raw.get("database") == Some("postgres") {
            Database::Postgres
        } else {
            Database::Sqlite
        },
        tls,
        proxy: if raw.get("proxy") == Some("none") {
            Proxy::None
        } else {
            Proxy::Nginx
        },
        federation: raw.get("federation") != Some("no"),
        well_known: raw.get("well_known") != Some("no"),
        registration: match raw.get("registration") {
            Some("token") => Registration::Token,
            Some("open") => Registration::Open,
            _ => Registration::Closed,
        },
        report_stats: yes(raw, "report_stats"),
        smtp,
        turn,
        url_preview: yes(raw, "url_preview"),
    })
}

/// The answers file content of typed answers (every answer explicit, so a re-run repeats it).
pub fn from_typed(a: &Answers) -> Raw {
    let mut raw = Raw::default();
    let yn = |b: bool| vec![if b { "yes" } else { "no" }.to_string()];
    let one = |s: &str| vec![s.to_string()];
    let path = |p: &Path| vec![p.to_string_lossy().into_owned()];
    raw.set("server_name", one(&a.server_name));
    raw.set(
        "database",
        one(match a.database {
            Database::Sqlite => "sqlite",
            Database::Postgres => "postgres",
        }),
    );
    raw.set(
        "proxy",
        one(match a.proxy {
            Proxy::Nginx => "nginx",
            Proxy::None => "none",
        }),
    );
    match &a.tls {
        Tls::SelfSigned => raw.set("tls", one("self-signed")),
        Tls::Direct => raw.set("tls", one("direct")),
        Tls::None => raw.set("tls", one("none")),
        Tls::Existing { cert, key } => {
            raw.set("tls", one("existing"));
            raw.set("tls_cert", path(cert));
            raw.set("tls_key", path(key));
        }
    }
    raw.set("public_baseurl", one(&a.public_baseurl));
    raw.set("federation", yn(a.federation));
    raw.set("well_known", yn(a.well_known));
    raw.set(
        "registration",
        one(match a.registration {
            Registration::Closed => "closed",
            Registration::Token => "token",
            Registration::Open => "open",
        }),
    );
    raw.set("report_stats", yn(a.report_stats));
    if let Some(m) = &a.smtp {
        raw.set("smtp_host", one(&m.host));
        raw.set("smtp_port", one(&m.port.to_string()));
        if let Some(u) = &m.user {
            raw.set("smtp_user", one(u));
        }
        if let Some(p) = &m.pass_file {
            raw.set("smtp_pass_file", path(p));
        }
        raw.set("notif_from", one(&m.notif_from));
        raw.set("smtp_require_tls", yn(m.require_tls));
    }
    if let Some(t) = &a.turn {
        raw.set("install_coturn", yn(t.install_coturn));
        raw.set("turn_uris", t.uris.clone());
        if let Some(f) = &t.secret_file {
            raw.set("turn_secret_file", path(f));
        }
    } else {
        raw.set("install_coturn", yn(false));
    }
    raw.set("url_preview", yn(a.url_preview));
    raw
}
