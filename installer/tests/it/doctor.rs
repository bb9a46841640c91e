//! `matrixctl doctor`, the framework: selection and usage errors, --list-checks, exit codes, a
//! crashing or hanging check, and snapshots of the human report and the JSON (same facts).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use matrixctl::doctor::{self, CheckDef, Ctx, Group, Options, Outcome, Status};

use crate::doctor_support::{Conf, Pki, doctor, doctor_json, free_port, result, write_mode};

fn golden(name: &str, actual: &str) {
    testkit::golden(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden"),
        name,
        actual,
    );
}

#[test]
fn list_checks_names_every_registered_check_once() {
    let (code, out, _) = doctor(&["--list-checks"]);
    assert_eq!(code, 0);
    let ids: Vec<&str> = out
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let registry: Vec<&str> = doctor::registry::all().iter().map(|d| d.id).collect();
    assert_eq!(ids, registry);
    let mut dedup = ids.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), ids.len(), "ids are unique");
    for g in Group::ALL {
        assert!(
            registry
                .iter()
                .any(|id| id.starts_with(&format!("{}.", g.prefix()))),
            "group {g:?} has checks"
        );
    }
}

#[test]
fn an_unknown_check_is_a_usage_error_with_a_suggestion() {
    let (code, out, err) = doctor(&["config.parze"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("unknown check \"config.parze\""), "{err}");
    assert!(err.contains("did you mean `config.parse`?"), "{err}");
    let (code, _, err) = doctor(&["--bogus-flag"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn ids_and_groups_select_checks_in_registry_order() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Conf::new(dir.path(), free_port()).write();
    let (_, report) = doctor_json(&cfg, &["tls.chain", "config", "config.parse"]);
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = doctor::registry::all()
        .iter()
        .filter(|d| d.group == Group::Config)
        .map(|d| d.id)
        .chain(["tls.chain"])
        .collect();
    assert_eq!(ids, expected);
}

#[test]
fn exit_code_is_0_without_failures_1_with_one_and_strict_counts_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let conf = Conf::new(dir.path(), free_port());
    let cfg = conf.write();
    let (code, report) = doctor_json(&cfg, &["config.parse", "config.server_name"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["schema"], 1);
    assert_eq!(report["summary"]["ok"], 2);
    // A warning alone keeps 0, unless --strict.
    let cfg = conf
        .set("enable_registration", "true")
        .set("enable_registration_without_verification", "true")
        .write();
    let (code, _) = doctor_json(&cfg, &["config.registration"]);
    assert_eq!(code, 0);
    let (code, _) = doctor_json(&cfg, &["config.registration", "--strict"]);
    assert_eq!(code, 1);
    let cfg = Conf::new(dir.path(), free_port())
        .set("server_name", "\"bad name!\"")
        .write();
    let (code, report) = doctor_json(&cfg, &["config.server_name"]);
    assert_eq!(code, 1);
    assert_eq!(result(&report, "config.server_name").0, "fail");
}

fn panics(_: &Ctx) -> Outcome {
    panic!("boom in a check")
}
fn hangs(_: &Ctx) -> Outcome {
    std::thread::sleep(Duration::from_secs(30));
    Outcome::ok("never")
}
fn fine(_: &Ctx) -> Outcome {
    Outcome::ok("fine")
}

#[test]
fn a_check_that_panics_or_hangs_fails_and_the_run_goes_on() {
    let defs = [
        CheckDef {
            id: "test.panics",
            group: Group::System,
            about: "",
            run: panics,
            local: false,
        },
        CheckDef {
            id: "test.hangs",
            group: Group::System,
            about: "",
            run: hangs,
            local: false,
        },
        CheckDef {
            id: "test.fine",
            group: Group::System,
            about: "",
            run: fine,
            local: false,
        },
    ];
    let ctx = Arc::new(Ctx::new(Options {
        config: vec!["/nonexistent/homeserver.yaml".into()],
        ..Options::default()
    }));
    let start = std::time::Instant::now();
    let checks = doctor::runner::run_checks(&defs, ctx, Duration::from_millis(700));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "the hanging check was waited for"
    );
    assert_eq!(checks[0].status, Status::Fail);
    assert_eq!(checks[0].summary, "check crashed: boom in a check");
    assert_eq!(checks[1].status, Status::Fail);
    assert!(
        checks[1]
            .summary
            .en()
            .starts_with("check crashed: no answer within"),
        "{}",
        checks[1].summary
    );
    assert_eq!(checks[2].status, Status::Ok);
}

#[test]
fn offline_skips_the_network_groups_but_not_their_local_checks() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Conf::new(dir.path(), free_port()).write();
    let (_, report) = doctor_json(
        &cfg,
        &[
            "--offline",
            "federation",
            "client",
            "email",
            "turn",
            "config.parse",
        ],
    );
    for c in report["checks"].as_array().unwrap() {
        if c["id"] == "config.parse" {
            assert_eq!(c["status"], "ok");
        } else if c["id"] == "federation.queue" {
            // It reads the database, not the network: it still runs.
            assert_ne!(c["summary"], "skipped (--offline)", "{c}");
        } else {
            assert_eq!(c["status"], "skip", "{c}");
            assert_eq!(c["summary"], "skipped (--offline)");
        }
    }
}

/// A config with something in every status, for the snapshots.
pub fn snapshot_material(dir: &Path) -> std::path::PathBuf {
    let pki = Pki::new();
    let leaf = pki.leaf(&["matrix.example.test", "example.test"], 90);
    std::fs::write(dir.join("cert.pem"), &leaf.cert_pem).unwrap();
    write_mode(&dir.join("key.pem"), leaf.key_pem.as_bytes(), 0o600);
    let d = dir.display();
    Conf::new(dir, 8008)
        .set("enable_registration", "true")
        .set("enable_registration_without_verification", "true")
        .set("tls_certificate_path", &format!("\"{d}/cert.pem\""))
        .set("tls_private_key_path", &format!("\"{d}/key.pem\""))
        .set("url_preview_enabled", "true")
        .set(
            "url_preview_ip_range_blacklist",
            "[\"127.0.0.0/8\", \"::1/128\"]",
        )
        .write()
}

pub fn redact(text: &str, dir: &Path) -> String {
    let key = std::fs::read_to_string(dir.join("signing.key")).unwrap();
    let version = key.split_whitespace().nth(1).unwrap().to_string();
    text.replace(&dir.display().to_string(), "[TMP]")
        .replace(&version, "[KEY_VERSION]")
}

pub const SNAPSHOT_CHECKS: &[&str] = &["--offline", "config", "tls", "federation", "email", "turn"];

#[test]
fn human_report_and_json_snapshots_carry_the_same_facts() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = snapshot_material(dir.path());
    let c = cfg.to_str().unwrap();
    let mut args = vec!["-c", c];
    args.extend_from_slice(SNAPSHOT_CHECKS);
    let (code, human, err) = doctor(&args);
    assert_eq!(code, 1, "{err}");
    golden("doctor-report.txt", &redact(&human, dir.path()));

    let mut vargs = args.clone();
    vargs.push("-v");
    let (_, verbose, _) = doctor(&vargs);
    assert!(verbose.contains("      mode: 0600"), "{verbose}");

    let mut jargs = vec!["--json", "-c", c];
    jargs.extend_from_slice(SNAPSHOT_CHECKS);
    let (jcode, raw, _) = doctor(&jargs);
    assert_eq!(jcode, code);
    // The owner's uid depends on who runs the tests, the expiry date on when.
    let redacted: Vec<String> = raw
        .lines()
        .map(|l| {
            for key in ["uid", "not_after"] {
                if let Some(i) = l.find(&format!("\"{key}\": ")) {
                    return format!(
                        "{}\"{key}\": \"[{}]\"{}",
                        &l[..i],
                        key.to_uppercase(),
                        if l.ends_with(',') { "," } else { "" }
                    );
                }
            }
            l.to_string()
        })
        .collect();
    golden(
        "doctor-report.json",
        &redact(&(redacted.join("\n") + "\n"), dir.path()),
    );
    let json: serde_json::Value = serde_json::from_str(&raw).unwrap();

    // Every check of the JSON appears in the human report with the same mark, summary and fix.
    for c in json["checks"].as_array().unwrap() {
        let mark = match c["status"].as_str().unwrap() {
            "ok" => "✓",
            "warn" => "!",
            "fail" => "✗",
            _ => "-",
        };
        let id = c["id"].as_str().unwrap();
        let line = human
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(id))
            .unwrap_or_else(|| panic!("{id} missing:\n{human}"));
        assert!(line.trim_start().starts_with(mark), "{line}");
        assert!(line.ends_with(c["summary"].as_str().unwrap()), "{line}");
        if let Some(fix) = c["fix"].as_str()
            && c["status"] != "ok"
        {
            assert!(human.contains(&format!("fix: {fix}")), "{fix}");
        }
    }
    let s = &json["summary"];
    let tally = format!("{} problem", s["fail"]);
    assert!(human.contains(&tally), "{human}");
}

#[test]
fn ascii_marks_when_the_locale_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = snapshot_material(dir.path());
    let out = crate::matrixctl()
        .args(["doctor", "--offline", "--nginx-site", "/nonexistent", "-c"])
        .arg(&cfg)
        .args([
            "config.parse",
            "config.registration",
            "config.url_preview",
            "email.smtp",
        ])
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    let text = crate::stdout(&out);
    assert!(text.is_ascii(), "{text}");
    assert!(text.contains("  + config.parse"), "{text}");
    assert!(text.contains("  ! config.registration"), "{text}");
    assert!(text.contains("  x config.url_preview"), "{text}");
    assert!(text.contains("  - email.smtp"), "{text}");
}

/// The same run in Persian: a golden file of its own; the JSON is the English one, byte for
/// byte (machines read it); check ids stay as they are and technical fragments are isolated.
#[test]
fn persian_report_has_its_own_snapshot_and_the_json_stays_english() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = snapshot_material(dir.path());
    let c = cfg.to_str().unwrap();
    let mut args = vec!["--lang", "fa", "-c", c];
    args.extend_from_slice(SNAPSHOT_CHECKS);
    let (code, human, err) = doctor(&args);
    assert_eq!(code, 1, "{err}");
    golden("doctor-report.fa.txt", &redact(&human, dir.path()));
    assert_eq!(english_words(&human), Vec::<String>::new(), "{human}");
    assert!(human.contains("پیکربندی\n"), "{human}");
    assert!(human.contains("  ✓ config.parse "), "{human}");
    assert!(
        human.contains(&format!(
            "\u{2068}{}/cert.pem\u{2069}",
            dir.path().display()
        )),
        "a path in a Persian sentence is isolated:\n{human}"
    );
    assert!(
        !human.chars().any(|c| ('\u{6f0}'..='\u{6f9}').contains(&c)),
        "numbers stay in Latin digits:\n{human}"
    );

    let mut en = vec!["--json", "-c", c];
    en.extend_from_slice(SNAPSHOT_CHECKS);
    let mut fa = vec!["--lang", "fa"];
    fa.extend_from_slice(&en);
    let (_, en_json, _) = doctor(&en);
    let (_, fa_json, _) = doctor(&fa);
    // The certificate's expiry is computed from the clock: equal within one run.
    assert_eq!(en_json, fa_json, "--json does not depend on the language");

    // LANG picks Persian too; LC_ALL=C (set after) would win over it.
    let mut cmd = crate::matrixctl();
    cmd.args(["doctor", "-c", c, "--nginx-site", "/nonexistent/site.conf"])
        .args(SNAPSHOT_CHECKS)
        .env_remove("LC_ALL")
        .env("LANG", "fa_IR.UTF-8");
    let out = cmd.output().unwrap();
    assert_eq!(crate::stdout(&out), human);
}

/// Latin-script words a Persian text shows as words rather than as isolated fragments: outside
/// every FSI … PDI, leaving out check ids and values shown as they are (host names, URLs,
/// paths), `-v` detail keys, an English term in parentheses after its Persian one, and product
/// and protocol names.
pub fn english_words(text: &str) -> Vec<String> {
    const NAMES: &[&str] = &[
        "matrixd",
        "matrixctl",
        "ACME",
        "Synapse",
        "YAML",
        "TURN",
        "TLS",
        "PEM",
        "DNS",
        "IP",
        "IPv4",
        "CA",
        "CIDR",
        "URL",
        "PostgreSQL",
        "SQLite",
        "nginx",
        "coturn",
        "stderr",
        "glob",
        "http",
        "https",
    ];
    let mut out = Vec::new();
    for line in text.lines() {
        let mut plain = String::new();
        let mut depth = 0;
        for c in line.chars() {
            match c {
                '\u{2068}' => depth += 1,
                '\u{2069}' => depth -= 1,
                _ if depth == 0 => plain.push(c),
                _ => plain.push(' '),
            }
        }
        // "(list)" after its Persian name.
        let mut kept = String::new();
        let mut rest = plain.as_str();
        while let Some(i) = rest.find('(') {
            kept.push_str(&rest[..i]);
            let Some(j) = rest[i..].find(')') else {
                rest = &rest[i..];
                break;
            };
            let inner = &rest[i + 1..i + j];
            if !inner.is_ascii() {
                kept.push_str(inner);
            }
            rest = &rest[i + j + 1..];
        }
        kept.push_str(rest);
        let trimmed = kept.trim_start();
        let mut words = trimmed.split_whitespace().peekable();
        // A report line: a mark and a check id; a detail line: `key:`.
        if let Some(first) = words.peek()
            && (first.ends_with(':') && first.is_ascii() && line.starts_with("      "))
        {
            words.next();
        }
        for w in words {
            // A value shown as it is: a check id, host name, URL, key id or path.
            if w.contains(['.', ':', '/', '@', '_', '[']) {
                continue;
            }
            for word in w.split(|c: char| !c.is_ascii_alphanumeric()) {
                if word.chars().any(|c| c.is_ascii_alphabetic())
                    && !NAMES.contains(&word)
                    && word.len() > 1
                {
                    out.push(word.to_string());
                }
            }
        }
    }
    out
}

/// A homeserver.yaml with problems, in Persian: the server's loader names each problem by id
/// and matrixctl words it from its catalogue, so the report (with every problem, `-v`) reads
/// in Persian with keys, paths and values isolated; the English run shows matrixd's own words.
#[test]
fn persian_report_of_a_broken_config_words_the_loaders_problems() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Conf::new(dir.path(), 8008)
        .set("enable_registraton", "false")
        .set("turn_user_lifetime", "\"soon\"")
        .set("admin_contact", "\"mailto:admin@example.test\"")
        .write();
    let c = cfg.to_str().unwrap();
    let args = ["-v", "--offline", "-c", c, "config"];
    let (code, human, err) = doctor(&[&["--lang", "fa"][..], &args[..]].concat());
    assert_eq!(code, 1, "{err}");
    golden("doctor-config-problems.fa.txt", &redact(&human, dir.path()));
    assert_eq!(english_words(&human), Vec::<String>::new(), "{human}");
    assert!(
        human
            .contains("\u{2068}turn_user_lifetime\u{2069}: \u{2068}\"soon\"\u{2069} مدت زمان نیست"),
        "{human}"
    );

    let (_, en, _) = doctor(&args);
    assert!(english_words(&en).contains(&"duration".to_string()), "{en}");
    let (_, problems) = matrixd::config::load_files(std::slice::from_ref(&cfg));
    for p in problems.0 {
        let line = p.to_string();
        let first = line.lines().next().unwrap();
        let (_, what) = first.split_once(": ").unwrap();
        assert!(en.contains(what), "{what} missing from:\n{en}");
    }
}

#[test]
fn issue_17_db_backups_skips_without_backups_and_judges_the_newest_archives_age() {
    use crate::doctor_support::{Conf, expect, free_port};
    use matrixctl::doctor::Status;
    use matrixctl::doctor::checks::database::{judge_backup_age, newest_backup};
    use std::time::{Duration, SystemTime};

    let dir = tempfile::tempdir().unwrap();
    let cfg = Conf::new(dir.path(), free_port()).write();
    // No answers file (or one without backups): nothing to check.
    expect(&cfg, "db.backups", &["--distro", "debian"], "skip");
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    std::fs::write(
        dir.path().join("matrixctl-answers.toml"),
        format!(
            "server_name = \"example.test\"\nbackups = \"{}\"\n",
            backups.display()
        ),
    )
    .unwrap();
    // Backups asked for, but this machine has no backup timer: a warning saying so.
    let summary = expect(&cfg, "db.backups", &["--distro", "debian"], "warn");
    assert!(summary.contains("matrixd-backup.timer"), "{summary}");

    // The archives: another server's and other files do not count; the newest one does.
    assert_eq!(newest_backup(&backups, "example.test").unwrap(), None);
    for name in [
        "matrixd-backup-example.test-20261201T000000000Z.tar.gz",
        "matrixd-backup-other.test-20261202T000000000Z.tar.gz",
        "notes.txt",
    ] {
        std::fs::write(backups.join(name), b"x").unwrap();
    }
    let (when, path) = newest_backup(&backups, "example.test").unwrap().unwrap();
    assert!(path.ends_with("matrixd-backup-example.test-20261201T000000000Z.tar.gz"));
    let judge = |age_hours: u64| {
        judge_backup_age(
            Some((when, path.clone())),
            when + Duration::from_secs(age_hours * 3600),
            &backups,
            "matrixctl backup --to DIR --keep 7",
        )
    };
    assert_eq!(judge(0).status, Status::Ok);
    assert_eq!(judge(47).status, Status::Ok);
    let old = judge(48);
    assert_eq!(old.status, Status::Warn);
    assert!(
        old.fix
            .as_ref()
            .unwrap()
            .to_string()
            .contains("matrixctl backup --to DIR --keep 7")
    );
    let none = judge_backup_age(None, SystemTime::now(), &backups, "x");
    assert_eq!(none.status, Status::Warn);
}
