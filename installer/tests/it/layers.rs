//! The installer's module boundaries (issue 12), checked on the source: who may use whom. A
//! failure names the file and the forbidden path.

use std::path::{Path, PathBuf};

fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(p: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(p).unwrap().filter_map(Result::ok) {
            let path = e.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir),
        &mut out,
    );
    assert!(!out.is_empty(), "no sources under src/{dir}");
    out
}

fn forbid(dir: &str, paths: &[&str]) {
    for (file, text) in sources(dir) {
        for p in paths {
            assert!(
                !text.contains(p),
                "{} uses {p}, which src/{dir} must not",
                file.display()
            );
        }
    }
}

#[test]
fn answers_are_below_the_wizard_and_the_planner() {
    forbid(
        "answers",
        &["crate::wizard", "crate::plan", "crate::exec", "dialoguer"],
    );
    forbid(
        "plan",
        &["crate::wizard", "crate::exec", "crate::ui", "dialoguer"],
    );
}

#[test]
fn facts_only_look_and_exec_only_changes() {
    forbid("facts", &["crate::exec", "crate::plan", "crate::wizard"]);
    forbid("exec", &["crate::wizard", "dialoguer"]);
}

#[test]
fn uninstall_and_generate_config_change_files_only_through_a_plan_and_the_executor() {
    for file in ["commands/uninstall.rs", "commands/generate_config.rs"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        for call in [
            "fs::remove",
            "fs::write",
            "fs::create_dir",
            "fs::copy",
            "write_atomic",
            "create_new",
            "exec::append",
        ] {
            assert!(!text.contains(call), "src/{file} calls {call} itself");
        }
    }
}
