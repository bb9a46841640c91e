//! `matrixctl install`'s wizard on a real (pseudo-)terminal, into a `--root` tree (no root
//! needed, nothing started): every question answered by typing, the plan shown, "Change
//! answers" asking again with the current answers as defaults, Proceed, the answers file saved
//! in the working directory, and the printed repeat command, which (run with `--yes`, no
//! terminal) changes nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

/// Every file under `dir` with its bytes and mode, sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, u32, Vec<u8>)> {
    use std::os::unix::fs::MetadataExt as _;
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, u32, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                out.push((p.clone(), meta.mode(), Vec::new()));
                walk(&p, out);
            } else if meta.file_type().is_symlink() {
                out.push((
                    p.clone(),
                    0,
                    std::fs::read_link(&p)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                ));
            } else {
                out.push((p.clone(), meta.mode(), std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// The wizard's questions in order, each as (text in its prompt, what to type). `""` is Enter
/// (the default), `j` moves a choice down one item.
fn first_answers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Server name (the part after ':'", "wizard.example"),
        ("Database", "j"),                  // postgres
        ("How many matrixd processes", ""), // asked with PostgreSQL only; Enter: one
        ("Reverse proxy", ""),
        ("TLS certificate", ""),
        (
            "Public client URL [https://wizard.example/]",
            "https://matrix.wizard.example",
        ),
        ("Federate with other Matrix servers?", ""),
        ("Serve /.well-known/matrix/client", ""),
        ("Registration", ""), // closed, changed below
        ("Report anonymous usage statistics? [y/n]", "n"),
        ("SMTP server", ""),
        ("Install coturn", ""),
        ("TURN URIs", ""),
        ("Directory for daily backups", ""),
        ("Generate URL previews?", "no"),
        ("Apply this plan?", "j"), // Change answers
    ]
}

/// "Change answers": the same questions, the first run's answers as defaults; only
/// registration changes.
fn second_answers() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "Server name (the part after ':' in @alice:example.org) [wizard.example]",
            "",
        ),
        ("Database", ""),
        ("How many matrixd processes", ""),
        ("Reverse proxy", ""),
        ("TLS certificate", ""),
        ("Public client URL [https://matrix.wizard.example", ""),
        ("Federate with other Matrix servers? [Y/n]", ""),
        ("Serve /.well-known/matrix/client", ""),
        ("Registration", "j"), // token
        ("Report anonymous usage statistics? [y/N]", ""),
        ("SMTP server", ""),
        ("Install coturn", ""),
        ("TURN URIs", ""),
        ("Directory for daily backups", ""),
        (
            "Generate URL previews? (the server fetches links posted in rooms) [y/N]",
            "",
        ),
        ("Apply this plan?", ""), // Proceed
    ]
}

#[test]
fn install_wizard_on_a_terminal_saves_answers_and_its_repeat_command_changes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    let mut c = Command::new("python3");
    c.arg(repo_root().join("tests/tools/drive_prompts.py"));
    for (expect, answer) in first_answers().into_iter().chain(second_answers()) {
        c.args([expect, answer]);
    }
    c.arg("--")
        .arg(bin("matrixctl"))
        .args(["install", "--distro", "debian", "--root"])
        .arg(&root)
        .current_dir(work.path());
    let out = c.output().unwrap();
    let transcript = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(out.status.success(), "the wizard failed:\n{transcript}");

    // The plan was shown twice (before and after "Change answers"), then confirmed.
    assert!(
        transcript.contains("matrixctl install — nothing is changed until you confirm."),
        "{transcript}"
    );
    assert_eq!(transcript.matches("Plan:\n").count(), 2, "{transcript}");
    assert!(
        transcript.contains("Apply this plan?: Change answers"),
        "{transcript}"
    );
    assert!(
        transcript.contains("Apply this plan?: Proceed"),
        "{transcript}"
    );
    let plan = &transcript[transcript.rfind("Plan:\n").unwrap()..];
    for line in [
        "create     /etc/matrixd/homeserver.yaml",
        "create     /etc/matrixd/signing.key                     new ed25519 signing key",
        "self-signed certificate for matrix.wizard.example, wizard.example",
        "create     /etc/nginx/sites-available/matrixd.conf",
    ] {
        assert!(plan.contains(line), "the plan lacks {line:?}:\n{plan}");
    }
    assert!(transcript.contains("Installed into"), "{transcript}");

    // The answers file, saved in the working directory, private, with every answer typed.
    let saved = work.path().join("matrixctl-answers.toml");
    let text = std::fs::read_to_string(&saved)
        .unwrap_or_else(|e| panic!("{}: {e}\n{transcript}", saved.display()));
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    for (key, value) in [
        ("server_name", "wizard.example"),
        ("database", "postgres"),
        ("proxy", "nginx"),
        ("tls", "self-signed"),
        ("public_baseurl", "https://matrix.wizard.example/"),
        ("federation", "yes"),
        ("well_known", "yes"),
        ("registration", "token"),
        ("report_stats", "no"),
        ("url_preview", "no"),
    ] {
        assert!(
            text.lines().any(|l| l == format!("{key} = {value:?}")),
            "{key} = {value:?} missing in\n{text}"
        );
    }
    let yaml = std::fs::read_to_string(root.join("etc/matrixd/homeserver.yaml")).unwrap();
    assert!(
        yaml.contains("server_name: \"wizard.example\"")
            || yaml.contains("server_name: wizard.example"),
        "{yaml}"
    );
    assert!(yaml.contains("https://matrix.wizard.example/"), "{yaml}");
    let secret =
        std::fs::read_to_string(root.join("etc/matrixd/secrets/registration_shared_secret"))
            .unwrap();
    assert!(
        !secret.trim().is_empty() && !transcript.contains(secret.trim()),
        "a secret was printed"
    );

    // The one-line repeat command, exactly.
    let repeat = transcript
        .lines()
        .skip_while(|l| !l.contains("Answers saved to ./matrixctl-answers.toml. Repeat with:"))
        .nth(1)
        .unwrap_or_else(|| panic!("no repeat command:\n{transcript}"))
        .trim()
        .to_string();
    assert_eq!(
        repeat,
        format!(
            "matrixctl install --answers matrixctl-answers.toml --yes --root {} --distro debian",
            root.display()
        )
    );

    // Running it (no terminal) changes nothing: same files, same bytes and modes, same key.
    let before = tree(&root);
    let argv: Vec<&str> = repeat.split_whitespace().collect();
    assert_eq!(argv[0], "matrixctl");
    let out = Command::new(bin("matrixctl"))
        .args(&argv[1..])
        .current_dir(work.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the repeat command failed:\n{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(
        !err.contains("Writing") && !err.contains("Generating"),
        "{err}"
    );
    assert_eq!(
        before,
        tree(&root),
        "the repeat command changed the installed tree"
    );
    assert_eq!(
        std::fs::read_to_string(&saved).unwrap(),
        text,
        "the repeat command rewrote the answers file"
    );
}
