//! The catalogues against each other and against the code: the same ids in both languages,
//! the same placeholders in each message, no message the code never uses, no id the code uses
//! that a catalogue lacks; and the choice of language.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::*;

/// Message id → its placeholders (`$name`), read from the FTL text: a message starts at a line
/// `id = …` and continues on indented lines.
fn messages(ftl: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in ftl.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            if !line.starts_with(' ') {
                current = None;
            }
            continue;
        }
        if !line.starts_with(' ') {
            let (id, _) = line.split_once(" =").expect("a message line is `id = …`");
            assert!(
                out.insert(id.to_string(), BTreeSet::new()).is_none(),
                "{id} is defined twice"
            );
            current = Some(id.to_string());
        }
        let id = current.as_ref().expect("a continuation follows a message");
        let mut rest = line;
        while let Some(i) = rest.find('$') {
            rest = &rest[i + 1..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            out.get_mut(id).unwrap().insert(name);
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
}

/// Every id the code names: `tr!("id"` and `msg!("id"` (and `"id"` literals handed to them
/// through tables), plus the ids built from declared data (questions, flags, checks).
fn ids_in_code() -> (BTreeSet<String>, String) {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut named = BTreeSet::new();
    let mut all = String::new();
    for (path, text) in &files {
        if path.ends_with("i18n/tests.rs") {
            continue;
        }
        for mac in ["tr!(\"", "msg!(\""] {
            let mut rest = text.as_str();
            while let Some(i) = rest.find(mac) {
                let macro_name = !rest[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_');
                rest = &rest[i + mac.len()..];
                let id: String = rest.chars().take_while(|c| *c != '"').collect();
                if macro_name && !path.ends_with("src/i18n.rs") {
                    named.insert(id);
                }
            }
        }
        all.push_str(text);
    }
    for id in dynamic_ids() {
        all.push_str(&format!("\"{id}\""));
    }
    (named, all)
}

#[test]
fn both_catalogues_define_the_same_messages_with_the_same_placeholders() {
    let en = messages(EN_FTL);
    let fa = messages(FA_FTL);
    let only_en: Vec<_> = en.keys().filter(|k| !fa.contains_key(*k)).collect();
    let only_fa: Vec<_> = fa.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(only_en.is_empty(), "only in en/matrixctl.ftl: {only_en:?}");
    assert!(only_fa.is_empty(), "only in fa/matrixctl.ftl: {only_fa:?}");
    for (id, ph) in &en {
        assert_eq!(ph, &fa[id], "{id}: placeholders differ between en and fa");
    }
    assert!(
        en.len() > 50,
        "the scanner found only {} messages",
        en.len()
    );
}

#[test]
fn every_message_is_used_and_every_used_id_exists() {
    let en = messages(EN_FTL);
    let (named, all_code) = ids_in_code();
    let unused: Vec<_> = en
        .keys()
        .filter(|id| !all_code.contains(&format!("\"{id}\"")))
        .collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:?}");
    let missing: Vec<_> = named.iter().filter(|id| !en.contains_key(*id)).collect();
    assert!(
        missing.is_empty(),
        "ids the code uses that en/matrixctl.ftl lacks: {missing:?}"
    );
    let dynamic: Vec<_> = dynamic_ids()
        .into_iter()
        .filter(|id| !en.contains_key(id))
        .collect();
    assert!(
        dynamic.is_empty(),
        "generated ids the catalogue lacks: {dynamic:?}"
    );
}

#[test]
fn every_message_formats_without_errors_in_both_languages() {
    for lang in Lang::ALL {
        let bundle = lang.bundle();
        for (id, ph) in messages(lang.ftl()) {
            let msg = bundle.get_message(&id).unwrap();
            let pattern = msg.value().unwrap_or_else(|| panic!("{id} has no value"));
            let mut args = FluentArgs::new();
            for p in &ph {
                if is_count(p) {
                    args.set(p.as_str(), 2);
                } else {
                    args.set(p.as_str(), "x");
                }
            }
            let mut errors = Vec::new();
            let out = bundle.format_pattern(pattern, Some(&args), &mut errors);
            assert!(errors.is_empty(), "{}: {id}: {errors:?}", lang.code());
            assert!(!out.trim().is_empty(), "{}: {id} is empty", lang.code());
        }
    }
}

/// A Persian message writes technical fragments as placeholders, so they are isolated: no
/// path, command, flag or URL appears in its own text.
#[test]
fn persian_messages_keep_technical_fragments_in_placeholders() {
    let mut bad = Vec::new();
    for line in FA_FTL.lines().filter(|l| !l.starts_with('#')) {
        let text = line.split_once(" = ").map_or(line, |(_, v)| v);
        // Outside placeables.
        let mut outside = String::new();
        let mut depth = 0;
        for c in text.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ if depth == 0 => outside.push(c),
                _ => {}
            }
        }
        for frag in ["/", "--", "://", "_", "$ "] {
            if outside.contains(frag) {
                bad.push(format!("{frag:?} in: {line}"));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn english_is_not_isolated_and_persian_is_with_latin_digits() {
    let args = [("path", "/etc/matrixd/homeserver.yaml".to_string())];
    let en = format(Lang::En, "err-read-answers", &args);
    assert!(!en.contains('\u{2068}'), "{en:?}");
    assert!(en.contains("/etc/matrixd/homeserver.yaml"));
    let fa = format(Lang::Fa, "err-read-answers", &args);
    assert!(
        fa.contains("\u{2068}/etc/matrixd/homeserver.yaml\u{2069}"),
        "{fa:?}"
    );
    let n = format(Lang::Fa, "doctor-tally-skipped", &[("n", "12".to_string())]);
    assert!(n.contains("\u{2068}12\u{2069}"), "{n:?}");
    // A Persian message inside a Persian message is not isolated; the fragments in it are.
    let fix = format(Lang::Fa, "doctor-fix", &[("fix", fa.clone())]);
    assert!(fix.ends_with(&fa), "{fix:?}");
    assert!(!fix.contains(&format!("\u{2068}{fa}")), "{fix:?}");
}

#[test]
fn language_comes_from_the_flag_then_lc_all_lc_messages_lang() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(Lang::from_env(env(&[])), Lang::En);
    assert_eq!(Lang::from_env(env(&[("LANG", "fa_IR.UTF-8")])), Lang::Fa);
    assert_eq!(Lang::from_env(env(&[("LANG", "fa")])), Lang::Fa);
    assert_eq!(Lang::from_env(env(&[("LANG", "C")])), Lang::En);
    assert_eq!(Lang::from_env(env(&[("LANG", "POSIX")])), Lang::En);
    assert_eq!(Lang::from_env(env(&[("LANG", "C.UTF-8")])), Lang::En);
    assert_eq!(Lang::from_env(env(&[("LANG", "de_DE.UTF-8")])), Lang::En);
    assert_eq!(
        Lang::from_env(env(&[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "fa_IR")])),
        Lang::Fa
    );
    assert_eq!(
        Lang::from_env(env(&[("LC_MESSAGES", "fa_IR"), ("LC_ALL", "C")])),
        Lang::En
    );
    // An empty variable is unset.
    assert_eq!(
        Lang::from_env(env(&[("LC_ALL", ""), ("LANG", "fa_IR.UTF-8")])),
        Lang::Fa
    );
    assert_eq!(
        Lang::choose(Some("en"), env(&[("LANG", "fa_IR.UTF-8")])),
        Lang::En
    );
    assert_eq!(Lang::choose(Some("fa"), env(&[("LANG", "C")])), Lang::Fa);
    assert_eq!(Lang::choose(None, env(&[("LC_ALL", "fa")])), Lang::Fa);
}

#[test]
fn padding_measures_display_width() {
    assert_eq!(pad("نصب", 6), "نصب   ");
    // A zero-width non-joiner and the isolates take no column.
    assert_eq!(width("می\u{200c}شود"), 5);
    assert_eq!(width("\u{2068}/etc\u{2069}"), 4);
    assert_eq!(pad("abc", 2), "abc");
}

#[test]
fn with_lang_overrides_only_inside() {
    let fa = with_lang(Lang::Fa, || tr!("doctor-tally-skipped", n = 1));
    let en = with_lang(Lang::En, || tr!("doctor-tally-skipped", n = 1));
    assert_ne!(fa, en);
    assert_eq!(current(), Lang::En);
}

/// Prints the English help texts of the derived command line as FTL (run with --ignored
/// --nocapture when a flag is added, then translate the new lines).
#[test]
#[ignore]
fn dump_clap_help_as_ftl() {
    use clap::CommandFactory as _;
    fn esc(s: &str) -> String {
        s.replace('{', "\u{0}")
            .replace('}', "{\"}\"}")
            .replace('\u{0}', "{\"{\"}")
    }
    fn walk(cmd: &clap::Command, path: &str) {
        let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
        println!("{} = {}", crate::cli::about_id(path), esc(&about));
        for a in cmd.get_arguments() {
            if let Some(h) = a.get_help() {
                let mut h = h.to_string();
                if crate::answers::Question::by_key(a.get_id().as_str()).is_some()
                    && let Some(i) = h.rfind(" [default: ")
                {
                    h.truncate(i);
                }
                println!(
                    "{} = {}",
                    crate::cli::help_id(path, a.get_id().as_str()),
                    esc(&h)
                );
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, sub.get_name());
        }
    }
    walk(&crate::cli::Cli::command(), "");
}

/// Ids built from declared data rather than written in the code.
fn dynamic_ids() -> Vec<String> {
    let mut ids = crate::cli::catalogue_ids();
    ids.extend(crate::answers::catalogue_ids());
    ids.extend(crate::doctor::catalogue_ids());
    ids.extend(
        matrixd::config::message_ids()
            .into_iter()
            .map(str::to_string),
    );
    ids
}

/// Every message the server's config loader can produce (`matrixd::config::message_ids`: its
/// kinds, fixes and value descriptions) is in both catalogues: a new problem without a
/// translation fails here.
#[test]
fn every_config_problem_id_is_in_both_catalogues() {
    let en = messages(EN_FTL);
    let fa = messages(FA_FTL);
    let ids = matrixd::config::message_ids();
    assert!(ids.len() > 100, "only {} ids", ids.len());
    for id in ids {
        assert!(en.contains_key(id), "en/matrixctl.ftl lacks {id}");
        assert!(fa.contains_key(id), "fa/matrixctl.ftl lacks {id}");
    }
}

/// One instance of every problem message, with the server's own words.
fn config_examples() -> Vec<(Text, String)> {
    use matrixd::config::{Expected, Fix, Found, Kind};
    let mut out = Vec::new();
    for k in Kind::examples() {
        out.push((problems::kind(&k), k.to_string()));
    }
    for f in Fix::examples() {
        out.push((problems::fix(&f), f.to_string()));
    }
    for e in Expected::examples() {
        out.push((problems::message(&e.message()), e.to_string()));
    }
    for f in Found::examples() {
        out.push((problems::message(&f.message()), f.to_string()));
    }
    for k in matrixd::keys::KeyError::examples() {
        out.push((problems::message(&k.message()), k.to_string()));
    }
    out
}

/// matrixctl's English for a config problem is what matrixd prints, byte for byte (every
/// variant, and a whole problem with its key and fix); the Persian is Persian, with the
/// values isolated.
#[test]
fn config_problems_read_in_english_as_matrixd_prints_them_and_in_persian() {
    use matrixd::config::{Expected, Fix, Found, Kind, Problem, Problems};
    for (text, server) in config_examples() {
        assert_eq!(text.in_lang(Lang::En), server);
        let fa = text.in_lang(Lang::Fa);
        assert!(fa.chars().any(is_arabic_script), "not Persian: {fa:?}");
    }
    let mut ps = Problems::default();
    ps.push(Problem::warning("listeners", Kind::NoListeners).fix(Fix::AddListener));
    ps.push(
        Problem::error(
            "database.args.port",
            Kind::WrongType {
                expected: Expected::Integer { min: 1, max: 65535 },
                found: Found::Str { value: "x".into() },
            },
        )
        .fix(Fix::QuoteValue { key: "port".into() }),
    );
    ps.push(Problem::error("", Kind::NoConfigFile));
    assert_eq!(problems::problems(&ps).in_lang(Lang::En), ps.to_string());
    let fa = problems::problems(&ps).in_lang(Lang::Fa);
    assert!(
        fa.starts_with("خطا: \u{2068}database.args.port\u{2069}: باید یک عدد صحیح از \u{2068}1\u{2069} تا \u{2068}65535\u{2069} باشد، اما رشته‌ی \u{2068}\"x\"\u{2069} است\n  راه رفع: "),
        "{fa}"
    );
}

/// The English catalogue's help texts are the derived ones: English `--help` is unchanged, and
/// the Persian one differs in every about line.
#[test]
fn english_help_is_the_derived_help_and_persian_is_translated() {
    use clap::CommandFactory as _;
    let mut derived = crate::cli::Cli::command();
    // What `command()` would build in English if it did not use the derived text directly.
    let mut en = with_lang(Lang::En, || {
        crate::cli::localise(crate::cli::Cli::command(), "")
    });
    let mut fa = with_lang(Lang::Fa, crate::cli::command);
    assert_eq!(
        derived.render_long_help().to_string(),
        en.render_long_help().to_string()
    );
    let names: Vec<String> = crate::cli::Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let d = derived
            .find_subcommand_mut(&name)
            .unwrap()
            .render_long_help()
            .to_string();
        let e = en
            .find_subcommand_mut(&name)
            .unwrap()
            .render_long_help()
            .to_string();
        let f = fa
            .find_subcommand_mut(&name)
            .unwrap()
            .render_long_help()
            .to_string();
        assert_eq!(d, e, "{name}: English help differs from the derived help");
        assert_ne!(d, f, "{name}: Persian help is not translated");
    }
}

/// A text handed from one matrixctl to another (doctor run as the service user) comes back as
/// the same message tree, so it renders in the receiver's language.
#[test]
fn texts_cross_processes_as_ids_and_arguments() {
    let inner = msg!("db-default-user");
    let text = Text::Concat(vec![
        msg!("db-describe-pg-socket", user = "", dbname = "matrixd").with_arg("user", inner),
        Text::Raw(" · ".into()),
        msg!("db-migrations-ok", n = 17),
    ]);
    let wire = serde_json::to_string(&text.to_wire()).unwrap();
    assert!(!wire.contains("local socket"), "words are not sent: {wire}");
    let back = Text::from_wire(&serde_json::from_str(&wire).unwrap()).unwrap();
    // The same tree (arguments by name, in any order): the same words in either language.
    assert_eq!(back.in_lang(Lang::Fa), text.in_lang(Lang::Fa));
    assert_ne!(back.in_lang(Lang::Fa), back.in_lang(Lang::En));
    assert!(
        back.in_lang(Lang::En)
            .starts_with("PostgreSQL (user)@(local socket)/matrixd · 17 migrations")
    );
    assert_eq!(Text::from_wire(&serde_json::json!(3)), None);
    let unknown = serde_json::json!({"id": "no-such-message", "args": {}});
    assert_eq!(Text::from_wire(&unknown), None);
}
