//! The install manifest against everything that repeats it: every format expands and every
//! source exists, the checked-in recipes carry the manifest's name, summary, homepage, licence
//! and the workspace version, the rendered service files use the manifest's paths, the docs
//! cover every command of matrixd and matrixctl and every format ships every generated file,
//! and the ports' crate lists are Cargo.lock's.

use std::path::Path;

use pkggen::manifest::{self, Manifest, Source};

fn repo() -> std::path::PathBuf {
    pkggen::repo_root()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn workspace_version() -> String {
    read("Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .map(|v| v.trim_end_matches('"').to_string())
        .unwrap()
}

#[test]
fn every_format_expands_and_every_source_exists() {
    let m = Manifest::of_repo().unwrap();
    assert_eq!(
        m.format.keys().collect::<Vec<_>>(),
        ["apk", "arch", "deb", "freebsd", "openbsd", "rpm"]
    );
    for f in m.format.keys() {
        let items = manifest::items(&m, f).unwrap();
        let mut dests: Vec<&str> = items.iter().map(|i| i.dest.as_str()).collect();
        let n = dests.len();
        dests.sort();
        dests.dedup();
        assert_eq!(dests.len(), n, "{f}: two files at one path");
        for i in &items {
            assert!(
                i.dest.starts_with('/') && !i.dest.contains('{'),
                "{f}: {}",
                i.dest
            );
            match &i.source {
                Source::Repo(p) => assert!(repo().join(p).is_file(), "{f}: {}", p.display()),
                Source::Render(name) => {
                    let text = pkggen::render::render(&m, f, name).unwrap();
                    assert!(!text.contains("{{"), "{f} {name}: unrendered");
                }
                Source::Build(b) => assert!(["matrixd", "matrixctl"].contains(&b.as_str())),
                Source::Generated(g) => {
                    assert!(g.starts_with("man/") || g.starts_with("completions/"))
                }
            }
        }
        for want in [
            "/matrixd",
            "/matrixctl",
            "/homeserver.yaml",
            "/matrixctl.1",
            "/matrixd.8",
        ] {
            assert!(
                items.iter().any(|i| i.dest.ends_with(want)),
                "{f}: no {want}"
            );
        }
        assert!(items.iter().any(|i| i.config), "{f}: no config file");
        assert!(
            manifest::dirs(&m, f)
                .unwrap()
                .iter()
                .any(|d| d.owner != "root")
        );
    }
    assert!(manifest::expand("{nope}", &manifest::vars(&m, "deb").unwrap()).is_err());
}

#[test]
fn the_checked_in_recipes_agree_with_the_manifest() {
    let m = Manifest::of_repo().unwrap();
    let p = &m.package;
    let v = workspace_version();
    let control = read("packaging/debian/debian/control");
    assert!(control.contains(&format!("Description: {}\n", p.summary)));
    let long: String = p.description.lines().map(|l| format!(" {l}\n")).collect();
    assert!(control.contains(&long), "control's long description");
    assert!(control.contains(&format!("Homepage: {}\n", p.homepage)));
    assert!(control.contains(&format!("Maintainer: {}\n", p.maintainer)));
    let spec = read("packaging/rpm/matrixd.spec");
    assert!(spec.contains(&format!("Summary:        {}\n", p.summary)));
    assert!(spec.contains(&format!("License:        {}\n", p.license)));
    assert!(spec.contains(&format!("URL:            {}\n", p.homepage)));
    assert!(spec.contains(&p.description), "spec %description");
    for f in ["packaging/arch/PKGBUILD", "packaging/alpine/APKBUILD"] {
        let t = read(f);
        assert!(t.contains(&format!("pkgdesc=\"{}\"", p.summary)), "{f}");
        assert!(t.contains(&format!("url=\"{}\"", p.homepage)), "{f}");
        assert!(t.contains(&format!("pkgver={v}\n")), "{f}: version");
        assert!(t.contains(&p.license), "{f}: licence");
    }
    let srcinfo = read("packaging/arch/.SRCINFO");
    assert!(srcinfo.contains(&format!("\tpkgver = {v}\n")));
    assert!(srcinfo.contains(&format!("\tpkgdesc = {}\n", p.summary)));
    let fbsd = read("packaging/freebsd/Makefile");
    assert!(fbsd.contains(&format!("DISTVERSION=\t{v}\n")));
    assert!(fbsd.contains(&format!("COMMENT=\t{}\n", p.summary)));
    assert!(fbsd.contains(&format!("WWW=\t\t{}\n", p.homepage)));
    let obsd = read("packaging/openbsd/Makefile");
    assert!(obsd.contains(&format!("V =\t\t\t{v}\n")));
    assert!(obsd.contains(&format!("HOMEPAGE =\t\t{}\n", p.homepage)));
    for f in ["packaging/freebsd/pkg-descr", "packaging/openbsd/pkg/DESCR"] {
        assert_eq!(read(f).trim(), p.description.trim(), "{f}");
    }
}

#[test]
fn the_packaged_service_files_use_the_manifests_paths() {
    let m = Manifest::of_repo().unwrap();
    for (format, file) in [
        ("deb", "/lib/systemd/system/matrixd.service"),
        ("rpm", "/usr/lib/systemd/system/matrixd.service"),
        ("apk", "/etc/init.d/matrixd"),
        ("freebsd", "/usr/local/etc/rc.d/matrixd"),
        ("openbsd", "/etc/rc.d/matrixd"),
    ] {
        let items = manifest::items(&m, format).unwrap();
        assert!(
            items
                .iter()
                .any(|i| i.dest == file && i.source == Source::Render("service".into()))
        );
        let text = pkggen::render::render(&m, format, "service").unwrap();
        let v = manifest::vars(&m, format).unwrap();
        let bin = manifest::expand("{bindir}/matrixd", &v).unwrap();
        let conf_d = manifest::expand("{conf_d}", &v).unwrap();
        assert!(text.contains(&bin), "{format}: {bin}");
        assert!(
            text.contains(&format!("--config {conf_d}")),
            "{format}: conf.d"
        );
        assert!(!text.contains("Written by matrixctl install"), "{format}");
        if format != "deb" && format != "rpm" {
            assert!(
                text.contains("not configured"),
                "{format}: starts unconfigured"
            );
        }
    }
    let unit = pkggen::render::render(&m, "deb", "service").unwrap();
    for k in [
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=\n",
        "SystemCallFilter=@system-service",
        "ReadWritePaths=/var/lib/matrixd",
    ] {
        assert!(unit.contains(k), "unit lacks {k}");
    }
    let marker: toml::Table =
        toml::from_str(&pkggen::render::render(&m, "deb", "package_marker").unwrap()).unwrap();
    assert_eq!(marker["bin"].as_str(), Some("/usr/bin/matrixd"));
    assert_eq!(
        marker["service_definition"].as_str(),
        Some("/lib/systemd/system/matrixd.service")
    );
}

/// The text of the generated file `name`.
fn doc(files: &[(String, Vec<u8>)], name: &str) -> String {
    let (_, bytes) = files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("pkggen docs writes no {name}"));
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_docs_cover_every_command_of_both_programs() {
    let files = pkggen::docs::files().unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for sub in [
        "generate-config",
        "register-user",
        "install",
        "start",
        "stop",
        "restart",
        "status",
        "uninstall",
        "doctor",
    ] {
        assert!(
            names.contains(&format!("man/matrixctl-{sub}.1").as_str()),
            "no page for {sub}"
        );
        for shell in ["matrixctl.bash", "_matrixctl", "matrixctl.fish"] {
            assert!(
                doc(&files, &format!("completions/{shell}")).contains(sub),
                "{shell} completion lacks {sub}"
            );
        }
    }
    assert!(doc(&files, "man/matrixctl-register-user.1").contains("exists\\-ok"));

    // matrixd: section 8, from the clap definition its binary parses.
    assert_eq!(
        pkggen::docs::matching("man/*.8").unwrap(),
        ["man/matrixd-check-config.8", "man/matrixd.8"]
    );
    let page = doc(&files, "man/matrixd.8");
    assert!(page.contains("\n.TH matrixd 8 "), "{page}");
    for want in [
        "\\-\\-config",
        "MATRIXD_CONFIG",
        "check\\-config",
        "/etc/matrixd/homeserver.yaml",
    ] {
        assert!(page.contains(want), "matrixd.8 lacks {want}");
    }
    for shell in ["matrixd.bash", "_matrixd", "matrixd.fish"] {
        let text = doc(&files, &format!("completions/{shell}"));
        assert!(text.contains("check-config"), "{shell} lacks check-config");
        assert!(text.contains("config"), "{shell} lacks --config");
    }

    // Every generated file is in the manifest of every format, at a path of its own.
    let m = Manifest::of_repo().unwrap();
    for f in m.format.keys() {
        let items = manifest::items(&m, f).unwrap();
        for (name, _) in &files {
            assert!(
                items
                    .iter()
                    .any(|i| i.source == Source::Generated(name.clone())),
                "{f}: the manifest does not ship {name}"
            );
        }
        let v = manifest::vars(&m, f).unwrap();
        for (dir, file) in [
            ("bashcompdir", "matrixd"),
            ("zshcompdir", "_matrixd"),
            ("fishcompdir", "matrixd.fish"),
            ("mandir", "man8/matrixd-check-config.8"),
        ] {
            let dest = manifest::expand(&format!("{{{dir}}}/{file}"), &v).unwrap();
            assert!(items.iter().any(|i| i.dest == dest), "{f}: no {dest}");
        }
    }
}

#[test]
fn the_crate_lists_are_cargo_locks() {
    let lock = read("Cargo.lock");
    let registry = lock.matches("source = \"registry+").count();
    let crates = pkggen::crates::from_lock(&repo().join("Cargo.lock")).unwrap();
    assert_eq!(crates.len(), registry);
    let fb = pkggen::crates::freebsd_crates(&crates);
    assert_eq!(fb.lines().count(), registry);
    let ob = pkggen::crates::openbsd_modules(&crates);
    assert_eq!(ob.lines().count(), registry);
    for c in crates.iter().take(5) {
        assert!(lock.contains(&format!("checksum = \"{}\"", c.checksum)));
        assert!(fb.contains(&format!("{}-{}", c.name, c.version)));
    }
    assert!(Path::new(&repo().join("Cargo.lock")).exists());
}
