//! `matrixctl uninstall`'s removals as plans (issue 12), and the executor's `Remove` and
//! `Append` steps, in a temporary directory.

use std::path::{Path, PathBuf};

use matrixctl::facts::{Facts, OsInfo, distro};
use matrixctl::plan::existing::Memory;
use matrixctl::plan::model::{Plan, Step};
use matrixctl::plan::{Layout, uninstall};

fn layout() -> Layout {
    Layout::of(&Facts {
        os: OsInfo::default(),
        distro: distro::by_name("debian").unwrap(),
        nginx_version: None,
        matrixd_source: None,
        matrixctl_source: None,
        ipv6: true,
        packaged: None,
        adopted: None,
    })
}

fn removed(plan: &Plan) -> Vec<(PathBuf, bool, bool)> {
    plan.steps
        .iter()
        .map(|s| match s {
            Step::Remove { path, tree, quiet } => (path.clone(), *tree, *quiet),
            other => panic!("not a removal: {other:?}"),
        })
        .collect()
}

#[test]
fn uninstall_plans_remove_only_what_exists_and_say_when_nginx_is_touched() {
    let l = layout();
    let mut m = Memory::default();
    m.files
        .insert("/etc/systemd/system/matrixd.service".into(), Vec::new());
    m.files.insert("/etc/matrixd".into(), Vec::new());
    m.files.insert("/var/lib/matrixd".into(), Vec::new());
    let files = uninstall::installed_files(
        &l,
        &[
            "/etc/systemd/system/matrixd.service".into(),
            "/etc/nginx/sites-enabled/matrixd.conf".into(),
        ],
        &m,
    );
    assert_eq!(
        removed(&files),
        [("/etc/systemd/system/matrixd.service".into(), false, false)]
    );
    assert!(!uninstall::touches_nginx(&files));
    m.files
        .insert("/etc/nginx/sites-enabled/matrixd.conf".into(), Vec::new());
    let files =
        uninstall::installed_files(&l, &["/etc/nginx/sites-enabled/matrixd.conf".into()], &m);
    assert!(uninstall::touches_nginx(&files));

    let purge = uninstall::purge(&l, Path::new("/var/www/matrixd"), &m);
    assert_eq!(
        removed(&purge),
        [
            ("/etc/matrixd".into(), true, false),
            ("/var/lib/matrixd".into(), true, false),
            ("/var/www/matrixd".into(), true, true),
        ]
    );
    assert_eq!(
        removed(&uninstall::forget(&l)),
        [("/etc/matrixd/matrixctl-install.toml".into(), false, true)]
    );
}

#[test]
fn the_executor_removes_files_and_trees_and_appends_keeping_the_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("tree/sub")).unwrap();
    std::fs::write(d.join("tree/sub/f"), "x").unwrap();
    std::fs::write(d.join("file"), "x").unwrap();
    std::fs::write(d.join("conf"), "a: 1").unwrap();
    std::fs::set_permissions(d.join("conf"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let plan = Plan {
        steps: vec![
            Step::Remove {
                path: d.join("tree"),
                tree: true,
                quiet: false,
            },
            Step::Remove {
                path: d.join("file"),
                tree: false,
                quiet: false,
            },
            Step::Remove {
                path: d.join("absent"),
                tree: false,
                quiet: false,
            },
            Step::Append {
                file: d.join("conf"),
                text: "b: 2\n".into(),
                what: "b".into(),
            },
        ],
        notes: Vec::new(),
        config_path: d.join("conf"),
        service: String::new(),
    };
    let (printer, out) = matrixctl::ui::Printer::buffer();
    matrixctl::exec::apply::apply(
        &plan,
        &matrixctl::exec::apply::Options {
            root: "/".into(),
            activate: false,
        },
        &printer,
    )
    .unwrap_or_else(|f| panic!("{}: {}", f.step, f.cause));
    assert!(!d.join("tree").exists() && !d.join("file").exists());
    assert_eq!(
        std::fs::read_to_string(d.join("conf")).unwrap(),
        "a: 1\nb: 2\n"
    );
    assert_eq!(
        std::fs::metadata(d.join("conf"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );
    let out = String::from_utf8(out.lock().unwrap().clone()).unwrap();
    assert!(
        out.contains(&format!("Removing {}/", d.join("tree").display()))
            && out.contains(&format!("Removing {}", d.join("file").display()))
            && out.contains(&format!("Adding b to {}", d.join("conf").display()))
            && !out.contains("absent"),
        "{out}"
    );
}
