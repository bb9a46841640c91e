//! `matrixctl install` (issue 4): distro data and detection, answers from files and flags with
//! errors that name the flag, golden plans and generated files for every OS family and a few
//! answer sets, the rendered homeserver.yaml through the server's loader, the nginx site
//! through `nginx -t`, the systemd unit through `systemd-analyze verify`, the shell service
//! scripts through shellcheck, and the executor into `--root` (idempotent re-runs, backups).

use std::path::{Path, PathBuf};
use std::process::Command;

use matrixctl::answers::{self, Answers, Registration, Tls, YesNo};
use matrixctl::facts::{self, Facts, distro};
use matrixctl::plan::{self, Layout, existing::Memory, model::*};
use matrixctl::wizard;

use crate::{matrixctl, stderr, stdout};

const FAMILIES: &[&str] = &[
    "debian", "fedora", "opensuse", "arch", "alpine", "freebsd", "openbsd",
];
const ANSWER_SETS: &[&str] = &[
    "basic",
    "postgres-full",
    "direct",
    "acme",
    "acme-direct",
    "backups",
    "workers",
];

pub(crate) fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn golden(name: &str, actual: &str) {
    testkit::golden(&manifest().join("tests/golden"), name, actual);
}

pub(crate) fn test_facts(family: &str) -> Facts {
    Facts {
        os: facts::OsInfo::default(),
        distro: distro::by_name(family).unwrap(),
        nginx_version: None,
        matrixd_source: Some(PathBuf::from("/opt/matrixctl/bin/matrixd")),
        matrixctl_source: Some(PathBuf::from("/opt/matrixctl/bin/matrixctl")),
        ipv6: true,
        packaged: None,
        adopted: None,
    }
}

pub(crate) fn answer_set(name: &str) -> Answers {
    let given =
        answers::file::load(&manifest().join(format!("tests/fixtures/answers/{name}.toml")))
            .unwrap();
    Answers::from_given(&wizard::complete(&given, false).unwrap()).unwrap()
}

pub(crate) fn counter() -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("generated-secret-{n}")
    }
}

pub(crate) fn memory() -> Memory {
    let mut m = Memory::default();
    m.files
        .insert("/root/smtp-pass".into(), b"smtp-hunter2\n".to_vec());
    m
}

/// The plan and every generated file, as one reviewable text.
fn describe(plan: &Plan) -> String {
    let mut out = format!("=== plan\n{}", plan::show::render(plan, false));
    for s in &plan.steps {
        if let Step::File(f) = s {
            match &f.content {
                Content::Template { id, text } => out.push_str(&format!(
                    "\n=== {} (templates/{id})\n{text}",
                    f.path.display()
                )),
                Content::Data { text, .. } => {
                    out.push_str(&format!("\n=== {}\n{text}", f.path.display()))
                }
                _ => {}
            }
        }
    }
    out
}

#[test]
fn every_distro_file_parses_and_is_embedded() {
    let dir = manifest().join("../distros");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = distro::EMBEDDED
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    embedded.sort();
    assert_eq!(
        on_disk, embedded,
        "every distros/*.toml must be listed in facts::distro::EMBEDDED"
    );
    for (name, text) in distro::EMBEDDED {
        assert_eq!(
            std::fs::read_to_string(dir.join(name)).unwrap(),
            *text,
            "{name} is embedded stale"
        );
        let d = distro::parse(name, text).unwrap();
        assert_eq!(format!("{}.toml", d.id), *name);
        for argv in [
            &d.packages.install,
            &d.packages.is_installed,
            &d.service.start,
            &d.service.stop,
            &d.service.is_active,
        ] {
            assert!(!argv.is_empty(), "{name}: an empty command");
        }
        assert!(
            !d.packages.nginx.is_empty()
                && !d.packages.postgresql.is_empty()
                && !d.packages.coturn.is_empty()
        );
        assert!(
            ["systemd", "openrc", "freebsd-rc", "openbsd-rc"].contains(&d.service.kind.as_str()),
            "{name}: service kind"
        );
        assert!(["listen", "directive"].contains(&d.nginx.http2.as_str()));
    }
    let mut ids: Vec<String> = facts::family_ids();
    ids.sort();
    let mut want: Vec<String> = FAMILIES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(ids, want);
}

#[test]
fn detection_maps_real_os_release_samples_to_families() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("Linux", "ID=debian\nVERSION_ID=\"12\"\n", Some("debian")),
        (
            "Linux",
            "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\n",
            Some("debian"),
        ),
        (
            "Linux",
            "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n",
            Some("debian"),
        ),
        (
            "Linux",
            "ID=someday\nID_LIKE=\"ubuntu debian\"\n",
            Some("debian"),
        ),
        ("Linux", "ID=fedora\nVERSION_ID=40\n", Some("fedora")),
        ("Linux", "ID=\"rhel\"\nID_LIKE=\"fedora\"\n", Some("fedora")),
        (
            "Linux",
            "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n",
            Some("fedora"),
        ),
        (
            "Linux",
            "ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\n",
            Some("fedora"),
        ),
        (
            "Linux",
            "ID=\"centos\"\nID_LIKE=\"rhel fedora\"\n",
            Some("fedora"),
        ),
        (
            "Linux",
            "ID=\"opensuse-tumbleweed\"\nID_LIKE=\"opensuse suse\"\n",
            Some("opensuse"),
        ),
        ("Linux", "ID=arch\n", Some("arch")),
        ("Linux", "ID=manjaro\nID_LIKE=arch\n", Some("arch")),
        ("Linux", "ID=alpine\nVERSION_ID=3.20.0\n", Some("alpine")),
        ("FreeBSD", "NAME=FreeBSD\nID=freebsd\n", Some("freebsd")),
        ("FreeBSD", "", Some("freebsd")),
        ("OpenBSD", "", Some("openbsd")),
        ("Linux", "ID=gentoo\n", None),
        ("Linux", "ID=nixos\n", None),
        ("Linux", "", None),
    ];
    for (uname, text, want) in cases {
        let os = facts::parse_os_release(text);
        let got = distro::matching(uname, os.id.as_deref(), &os.id_like).map(|d| d.id);
        assert_eq!(got.as_deref(), *want, "{uname} {text:?}");
    }
    assert_eq!(
        facts::parse_nginx_version("nginx version: nginx/1.22.1\n"),
        Some((1, 22, 1))
    );
    assert_eq!(
        facts::parse_nginx_version("nginx version: nginx/1.26.0 (Ubuntu)"),
        Some((1, 26, 0))
    );
}

#[test]
fn golden_plans_and_files_for_every_family_and_answer_set() {
    for family in FAMILIES {
        for set in ANSWER_SETS {
            let a = answer_set(set);
            let plan = match plan::build(&a, &test_facts(family), &memory(), &mut counter()) {
                Ok(plan) => plan,
                // matrixd cannot bind port 443 for TLS-ALPN-01 under the BSDs' rc scripts.
                Err(e) if *set == "acme-direct" && matches!(*family, "freebsd" | "openbsd") => {
                    golden(
                        &format!("install/{family}-{set}.txt"),
                        &format!("=== refused\n{}\nhint: {}\n", e.message, e.hint),
                    );
                    continue;
                }
                Err(e) => panic!("{family}-{set}: {}: {}", e.message, e.hint),
            };
            let shown = plan::show::render(&plan, false);
            assert!(
                !shown.contains("generated-secret") && !shown.contains("hunter2"),
                "a secret appears in the printed plan:\n{shown}"
            );
            golden(&format!("install/{family}-{set}.txt"), &describe(&plan));
        }
    }
}

#[test]
fn planning_is_pure_and_a_second_plan_over_the_result_changes_nothing() {
    let a = answer_set("basic");
    let f = test_facts("debian");
    let first = plan::build(&a, &f, &memory(), &mut counter()).unwrap();
    assert_eq!(
        first,
        plan::build(&a, &f, &memory(), &mut counter()).unwrap()
    );
    // What the first plan writes, as existing files: the second plan is all unchanged/keep.
    let mut m = memory();
    for s in &first.steps {
        if let Step::File(fs) = s {
            let bytes = match &fs.content {
                Content::Template { text, .. } | Content::Data { text, .. } => {
                    text.clone().into_bytes()
                }
                _ => b"x".to_vec(),
            };
            m.files.insert(fs.path.clone(), bytes);
        }
        if let Step::Dir { path, .. } = s {
            m.files.insert(path.clone(), Vec::new());
        }
        if let Step::SelfSigned {
            cert, key, names, ..
        } = s
        {
            // A certificate made now: more than 30 days left, so it is kept.
            let ck =
                matrixctl::exec::apply::self_signed(names, matrixctl::plan::tls::now()).unwrap();
            m.files.insert(cert.clone(), ck.cert.pem().into_bytes());
            m.files.insert(key.clone(), b"k".to_vec());
        }
    }
    let second = plan::build(&a, &f, &m, &mut counter()).unwrap();
    for s in &second.steps {
        match s {
            Step::File(fs) if !matches!(fs.content, Content::Copy(_)) => {
                assert!(
                    !fs.change.changes(),
                    "{} would change on a re-run",
                    fs.path.display()
                )
            }
            Step::Dir { path, change, .. } => assert!(!change.changes(), "{}", path.display()),
            Step::SelfSigned { change, .. } => assert_eq!(*change, Change::Keep),
            _ => {}
        }
    }
}

#[test]
fn answers_files_reject_unknown_keys_and_bad_values_by_name() {
    let e = answers::file::parse("server_nmae = \"example.org\"\n").unwrap_err();
    assert!(
        e.contains("server_nmae") && e.contains("server_name"),
        "{e}"
    );
    let e = answers::file::parse("database = \"mysql\"\n").unwrap_err();
    assert!(
        e.contains("database") && e.contains("sqlite, postgres"),
        "{e}"
    );
    let e = answers::file::parse("server_name = \"exa mple\"\n").unwrap_err();
    assert!(
        e.contains("server_name") && e.contains("not a valid server name"),
        "{e}"
    );
    // The saved form reads back to the same answers.
    let a = answer_set("postgres-full");
    let text = answers::file::to_toml(&a.to_given());
    let back = Answers::from_given(
        &wizard::complete(&answers::file::parse(&text).unwrap(), false).unwrap(),
    )
    .unwrap();
    assert_eq!(a, back);
}

#[test]
fn every_question_is_one_flag_and_one_answers_file_key_with_the_same_meaning() {
    use clap::{CommandFactory as _, Parser as _};
    let cmd = matrixctl::cli::Cli::command();
    let install = cmd.find_subcommand("install").unwrap();
    for q in answers::QUESTIONS {
        let flags: Vec<_> = install
            .get_arguments()
            .filter(|a| a.get_long().map(|l| format!("--{l}")) == Some(q.flag()))
            .collect();
        assert_eq!(flags.len(), 1, "{}: one flag {}", q.key, q.flag());
        assert!(!q.prompt.is_empty(), "{}: a prompt", q.key);
    }
    // The same answers as flags and as an answers file parse to the same typed answers.
    let argv = [
        "matrixctl",
        "install",
        "--server-name",
        "example.org",
        "--database",
        "postgres",
        "--tls",
        "existing",
        "--tls-cert",
        "/c.pem",
        "--tls-key",
        "/k.pem",
        "--report-stats",
        "no",
        "--smtp-host",
        "smtp.example.org",
        "--smtp-port",
        "25",
        "--turn-uri",
        "turn:a.example.org",
        "--turn-uri",
        "turns:b.example.org",
        "--install-coturn",
    ];
    let matrixctl::cli::Command::Install(args) =
        matrixctl::cli::Cli::try_parse_from(argv).unwrap().command
    else {
        unreachable!()
    };
    let file = answers::file::parse(
        "server_name = \"example.org\"\ndatabase = \"postgres\"\ntls = \"existing\"\ntls_cert = \"/c.pem\"\ntls_key = \"/k.pem\"\nreport_stats = false\nsmtp_host = \"smtp.example.org\"\nsmtp_port = 25\nturn_uris = [\"turn:a.example.org\", \"turns:b.example.org\"]\ninstall_coturn = true\n",
    )
    .unwrap();
    assert_eq!(args.given, file);
    // An unknown choice is an error naming the accepted values, never a silent default.
    let e = matrixctl::cli::Cli::try_parse_from(["matrixctl", "install", "--database", "mysql"])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("--database") && e.contains("sqlite, postgres"),
        "{e}"
    );
}

#[test]
fn an_existing_certificate_must_be_a_full_chain_matching_its_key() {
    use matrixctl::plan::tls::check_pair;
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let mut leaf_params =
        rcgen::CertificateParams::new(vec!["matrix.example.org".to_string()]).unwrap();
    leaf_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "matrix.example.org");
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let full = format!("{}{}", leaf.pem(), ca.pem());
    assert_eq!(
        check_pair(full.as_bytes(), leaf_key.serialize_pem().as_bytes()),
        Ok(())
    );
    let e = check_pair(leaf.pem().as_bytes(), leaf_key.serialize_pem().as_bytes()).unwrap_err();
    assert!(e.contains("full chain"), "{e}");
    let other = rcgen::KeyPair::generate().unwrap();
    let e = check_pair(full.as_bytes(), other.serialize_pem().as_bytes()).unwrap_err();
    assert!(e.contains("does not belong"), "{e}");
    let e = check_pair(
        format!("{}{}", ca.pem(), leaf.pem()).as_bytes(),
        leaf_key.serialize_pem().as_bytes(),
    )
    .unwrap_err();
    assert!(
        e.contains("not the full chain")
            || e.contains("does not belong")
            || e.contains("out of order"),
        "{e}"
    );
}

/// Facts whose every path lies under `dir`, so a plan can be executed for real in a test.
pub fn facts_under(dir: &Path, family: &str) -> Facts {
    let mut f = test_facts(family);
    let p = |s: &mut String| *s = format!("{}{}", dir.display(), s);
    let d = &mut f.distro;
    for s in [
        &mut d.paths.config_dir,
        &mut d.paths.data_dir,
        &mut d.paths.log_dir,
        &mut d.paths.run_dir,
        &mut d.paths.bin,
        &mut d.nginx.site,
        &mut d.nginx.webroot,
        &mut d.service.unit_path,
        &mut d.coturn.config,
    ] {
        p(s);
    }
    if let Some(l) = &mut d.nginx.enable_link {
        p(l);
    }
    if let Some(u) = &mut d.service.instance_unit {
        p(u);
    }
    // The renewal and backup schedules' files too (a test applying the plan must not write
    // into this machine's /etc).
    for sched in [&mut d.renewal, &mut d.backup] {
        for s in [&mut sched.service, &mut sched.timer, &mut sched.script]
            .into_iter()
            .flatten()
        {
            p(s);
        }
    }
    d.nginx.webroot_in_chroot = None;
    f.matrixd_source = None;
    f.matrixctl_source = None;
    f
}

pub(crate) fn apply_without_activation(plan: &Plan) {
    let (printer, _) = matrixctl::ui::Printer::buffer();
    matrixctl::exec::apply::apply(
        plan,
        &matrixctl::exec::apply::Options {
            root: "/".into(),
            activate: false,
        },
        &printer,
    )
    .unwrap_or_else(|f| panic!("{}: {}", f.step, f.cause));
}

#[test]
fn the_installed_homeserver_yaml_loads_with_the_servers_loader() {
    for set in ["basic", "postgres-full", "direct"] {
        let dir = tempfile::tempdir().unwrap();
        let f = facts_under(dir.path(), "debian");
        let mut a = answer_set(set);
        if a.smtp_pass_file.is_some() {
            let pass = dir.path().join("smtp-pass");
            std::fs::write(&pass, "pw\n").unwrap();
            a.smtp_pass_file = Some(pass.to_str().unwrap().parse().unwrap());
        }
        let fs = matrixctl::plan::existing::Fs { root: "/".into() };
        let plan = plan::build(&a, &f, &fs, &mut matrixd::keys::random_secret).unwrap();
        apply_without_activation(&plan);
        let (config, problems) = matrixd::config::load_files(&[plan.config_path.clone()]);
        if set == "basic" {
            assert!(
                problems.0.is_empty(),
                "{set}: a plain install's config must load without a single problem:\n{problems}"
            );
        } else {
            assert!(
                !problems.has_errors(),
                "{set}: the config must load:\n{problems}"
            );
        }
        let config = config.unwrap();
        assert_eq!(config.server_name, a.server_name.as_str());
        assert!(
            config.registration_secret().is_some(),
            "the registration secret is read from its file"
        );
        if set == "postgres-full" {
            let (_, plain) = {
                let mut b = a.clone();
                b.smtp_host = None;
                b.install_coturn = YesNo::No;
                b.turn_uris.clear();
                b.url_preview = YesNo::No;
                b.registration = Registration::Closed;
                let plan = plan::build(&b, &f, &fs, &mut matrixd::keys::random_secret).unwrap();
                apply_without_activation(&plan);
                matrixd::config::load_files(&[plan.config_path.clone()])
            };
            assert!(
                plain.0.is_empty(),
                "a plain PostgreSQL install's config must load without a single problem:\n{plain}"
            );
            match &config.database {
                matrixd::config::Database::Postgres(pg) => {
                    assert_eq!(pg.host.as_deref(), Some("/var/run/postgresql"));
                    assert_eq!(pg.user.as_deref(), Some("matrixd"));
                }
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn the_nginx_site_passes_nginx_t_with_debians_nginx() {
    let Some(nginx) = testkit::tool("nginx") else {
        return;
    };
    let version = Command::new(&nginx).arg("-v").output().unwrap();
    let version = facts::parse_nginx_version(&String::from_utf8_lossy(&version.stderr));
    for (set, tls) in [
        ("basic", "self-signed"),
        ("basic", "none"),
        ("postgres-full", "self-signed"),
        ("acme", "acme"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut f = facts_under(dir.path(), "debian");
        f.nginx_version = version;
        f.ipv6 = Path::new("/proc/net/if_inet6").exists();
        let mut a = answer_set(set);
        a.smtp_host = None;
        if tls == "none" {
            a.tls = Tls::None;
            a.public_baseurl = "http://example.org/".parse().unwrap();
        }
        let fs = matrixctl::plan::existing::Fs { root: "/".into() };
        let plan = plan::build(&a, &f, &fs, &mut matrixd::keys::random_secret).unwrap();
        apply_without_activation(&plan);
        let out = nginx_test(&nginx, dir.path(), &f.distro.nginx.site);
        assert!(
            out.status.success(),
            "nginx -t rejects the {set}/{tls} site:\n{}\n{}",
            stderr(&out),
            std::fs::read_to_string(&f.distro.nginx.site).unwrap()
        );
    }
}

/// `nginx -t` on a site written under `dir` (nginx's prefix, temp paths and log there too).
pub(crate) fn nginx_test(nginx: &Path, dir: &Path, site: &str) -> std::process::Output {
    let conf = dir.join("nginx-test.conf");
    let d = dir.display();
    std::fs::write(
        &conf,
        format!(
            "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n    client_body_temp_path {d}/body;\n    proxy_temp_path {d}/proxy;\n    fastcgi_temp_path {d}/fastcgi;\n    uwsgi_temp_path {d}/uwsgi;\n    scgi_temp_path {d}/scgi;\n    access_log off;\n    include {};\n}}\n",
            site
        ),
    )
    .unwrap();
    Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&conf)
        .output()
        .unwrap()
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify_without_a_warning() {
    let Some(analyze) = testkit::tool("systemd-analyze") else {
        return;
    };
    for set in ["basic", "postgres-full"] {
        let dir = tempfile::tempdir().unwrap();
        let mut f = facts_under(dir.path(), "debian");
        // ExecStart must name an existing binary.
        f.distro.paths.bin = std::env::current_exe()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let plan = plan::build(&answer_set(set), &f, &memory(), &mut counter()).unwrap();
        let unit = plan.steps.iter().find_map(|s| match s {
            Step::File(fs) if matches!(&fs.content, Content::Template { id, .. } if id.starts_with("service/")) => Some(fs.clone()),
            _ => None,
        });
        let unit = unit.unwrap();
        let path = dir.path().join("matrixd.service");
        let Content::Template { text, .. } = &unit.content else {
            unreachable!()
        };
        std::fs::write(&path, text).unwrap();
        let out = Command::new(&analyze)
            .arg("verify")
            .arg(&path)
            .output()
            .unwrap();
        let all = format!("{}{}", stdout(&out), stderr(&out));
        let relevant: Vec<&str> = all
            .lines()
            .filter(|l| l.contains("matrixd.service"))
            .collect();
        assert!(
            out.status.success() && relevant.is_empty(),
            "systemd-analyze verify ({set}):\n{all}"
        );
    }
}

#[test]
fn the_shell_service_scripts_pass_shellcheck() {
    let Some(shellcheck) = testkit::tool("shellcheck") else {
        return;
    };
    for (family, shell) in [("alpine", "sh"), ("freebsd", "sh"), ("openbsd", "ksh")] {
        for set in ["basic", "postgres-full"] {
            let plan = plan::build(
                &answer_set(set),
                &test_facts(family),
                &memory(),
                &mut counter(),
            )
            .unwrap();
            let text = plan
                .steps
                .iter()
                .find_map(|s| match s {
                    Step::File(fs) => match &fs.content {
                        Content::Template { id, text } if id.starts_with("service/") => {
                            Some(text.clone())
                        }
                        _ => None,
                    },
                    _ => None,
                })
                .unwrap();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("matrixd");
            std::fs::write(&path, &text).unwrap();
            let out = Command::new(&shellcheck)
                .arg("-s")
                .arg(shell)
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "shellcheck -s {shell} rejects the {family} script:\n{}{}\n{text}",
                stdout(&out),
                stderr(&out)
            );
        }
    }
}

pub(crate) fn run_install(root: &Path, extra: &[&str]) -> std::process::Output {
    matrixctl()
        .args(["install", "--root"])
        .arg(root)
        .args(["--distro", "debian", "--yes"])
        .args(extra)
        .output()
        .unwrap()
}

pub(crate) fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(p: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in std::fs::read_dir(p).unwrap().filter_map(Result::ok) {
            let path = e.path();
            if path.is_dir() && !path.is_symlink() {
                walk(&path, out);
            } else if !path.is_symlink() {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out.sort();
    out
}

#[test]
fn install_into_a_root_is_idempotent_and_a_changed_answer_rewrites_only_what_it_affects() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let flags = ["--server-name", "example.org", "--report-stats", "no"];
    let out = run_install(root, &flags);
    assert!(out.status.success(), "{}", stderr(&out));
    let cfg = root.join("etc/matrixd/homeserver.yaml");
    assert!(cfg.is_file());
    let key = std::fs::read(root.join("etc/matrixd/signing.key")).unwrap();
    assert!(String::from_utf8_lossy(&key).starts_with("ed25519 a_"));
    use std::os::unix::fs::PermissionsExt as _;
    for secret in [
        "signing.key",
        "secrets/form_secret",
        "secrets/macaroon_secret_key",
        "secrets/registration_shared_secret",
        "homeserver.yaml",
    ] {
        let mode = std::fs::metadata(root.join("etc/matrixd").join(secret))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{secret}");
    }
    assert!(std::fs::read_link(root.join("etc/nginx/sites-enabled/matrixd.conf")).is_ok());
    let before = snapshot(root);

    // The same answers again: nothing changes, and it says so. The saved answers are the defaults.
    let out = run_install(root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was changed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(before, snapshot(root), "a re-run changed bytes");
    let dry = run_install(root, &["--dry-run"]);
    assert!(
        stdout(&dry).contains("unchanged  /etc/matrixd/homeserver.yaml"),
        "{}",
        stdout(&dry)
    );
    assert!(
        stdout(&dry).contains("keep       /etc/matrixd/signing.key"),
        "{}",
        stdout(&dry)
    );

    // One changed answer: homeserver.yaml is rewritten (old one kept), the key is not.
    let out = run_install(root, &["--registration", "token"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Updating /etc/matrixd/homeserver.yaml (old file kept as"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(root.join("etc/matrixd/signing.key")).unwrap(),
        key
    );
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("registration_requires_token: true"));
    let backups: Vec<_> = std::fs::read_dir(root.join("etc/matrixd"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("homeserver.yaml.")
                && e.file_name().to_string_lossy().ends_with(".bak")
        })
        .collect();
    assert_eq!(backups.len(), 1);
    assert!(
        !std::fs::read_to_string(backups[0].path())
            .unwrap()
            .contains("registration_requires_token")
    );
    // The nginx site did not change.
    assert!(
        !stderr(&out).contains("Updating /etc/nginx")
            && !stderr(&out).contains("Writing /etc/nginx"),
        "{}",
        stderr(&out)
    );

    // The server name can never change.
    let out = run_install(root, &["--server-name", "other.org"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("can never change"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn issue_17_switching_a_used_sqlite_install_to_postgresql_offers_migrate_db() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let flags = ["--server-name", "example.org", "--report-stats", "no"];
    let out = run_install(root, &flags);
    assert!(out.status.success(), "{}", stderr(&out));
    // Never started: no database yet, so PostgreSQL may be chosen.
    let dry = run_install(root, &["--database", "postgres", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    // Once the server has data in SQLite, the switch is refused in favour of migrate-db.
    std::fs::create_dir_all(root.join("var/lib/matrixd")).unwrap();
    std::fs::write(
        root.join("var/lib/matrixd/homeserver.db"),
        b"SQLite format 3\0",
    )
    .unwrap();
    let before = snapshot(root);
    let out = run_install(root, &["--database", "postgres"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("matrixctl migrate-db"),
        "{}",
        stderr(&out)
    );
    assert_eq!(before, snapshot(root), "nothing changed");
}

#[test]
fn without_a_terminal_a_missing_answer_names_its_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_install(dir.path(), &["--server-name", "example.org"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("missing answer: report_stats")
            && stderr(&out).contains("--report-stats"),
        "{}",
        stderr(&out)
    );
    let out = run_install(dir.path(), &["--report-stats", "no"]);
    assert!(stderr(&out).contains("--server-name"), "{}", stderr(&out));
    let out = run_install(
        dir.path(),
        &["--server-name", "bad name", "--report-stats", "no"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--server-name") && stderr(&out).contains("not a valid server name"),
        "{}",
        stderr(&out)
    );
    let out = run_install(
        dir.path(),
        &[
            "--server-name",
            "example.org",
            "--report-stats",
            "no",
            "--tls",
            "existing",
        ],
    );
    assert!(stderr(&out).contains("--tls-cert"), "{}", stderr(&out));
    let answers = dir.path().join("a.toml");
    std::fs::write(
        &answers,
        "server_name = \"example.org\"\nreport_stat = \"no\"\n",
    )
    .unwrap();
    let out = run_install(dir.path(), &["--answers", answers.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown key \"report_stat\"")
            && stderr(&out).contains("report_stats"),
        "{}",
        stderr(&out)
    );
    // No --yes and no terminal: the plan is shown, nothing is changed.
    let out = matrixctl()
        .args(["install", "--root"])
        .arg(dir.path())
        .args([
            "--distro",
            "debian",
            "--server-name",
            "example.org",
            "--report-stats",
            "no",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert!(!dir.path().join("etc").exists());
}

#[test]
fn an_unsupported_os_is_refused_with_what_was_detected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(
        dir.path().join("etc/os-release"),
        "ID=plan9\nPRETTY_NAME=\"Plan 9\"\n",
    )
    .unwrap();
    let out = matrixctl()
        .args([
            "install",
            "--dry-run",
            "--yes",
            "--server-name",
            "example.org",
            "--report-stats",
            "no",
            "--root",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains("unsupported operating system: Plan 9")
            && e.contains("plan9")
            && e.contains("--distro NAME"),
        "{e}"
    );
    let out = matrixctl()
        .args([
            "install",
            "--dry-run",
            "--yes",
            "--server-name",
            "example.org",
            "--report-stats",
            "no",
            "--distro",
            "alpine",
            "--root",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("/etc/init.d/matrixd"),
        "{}",
        stdout(&out)
    );
}

/// The plan in Persian: its own golden files; the columns line up by display width (the
/// target column starts at the same terminal column on every line), and the commands and paths
/// are the English plan's.
#[test]
fn persian_plans_have_their_own_golden_files_and_aligned_columns() {
    use matrixctl::i18n::{Lang, width, with_lang};
    for set in ["basic", "postgres-full"] {
        let a = answer_set(set);
        let plan = plan::build(&a, &test_facts("debian"), &memory(), &mut counter()).unwrap();
        let en = with_lang(Lang::En, || plan::show::render(&plan, false));
        let fa = with_lang(Lang::Fa, || plan::show::render(&plan, false));
        golden(&format!("install/debian-{set}.fa.txt"), &fa);
        assert_eq!(en.lines().count(), fa.lines().count(), "{fa}");
        for (e, f) in en.lines().zip(fa.lines()) {
            // Command lines are the same in both languages.
            if e.trim_start().starts_with("$ ") {
                assert_eq!(e, f);
            }
            // A verb line whose target is a path (the same in both): it starts at column 13,
            // and the detail after it at column 58, as in English.
            if !e.starts_with("   ") && e[13..].starts_with('/') {
                let target = e[13..].split(' ').next().unwrap();
                let at = f.find(target).unwrap_or_else(|| panic!("{target} in {f}"));
                assert_eq!(width(&f[..at]), 13, "{f}");
                if e.len() > 58 && e.as_bytes()[57] == b' ' && e.as_bytes()[58] != b' ' {
                    let end = at + target.len();
                    let detail = end + f[end..].find(|c: char| c != ' ').unwrap();
                    assert_eq!(width(&f[..detail]), 58, "{f}");
                }
            }
        }
        assert!(fa.contains("ساختن"), "{fa}");
    }
}

fn packaged() -> matrixctl::facts::package::Packaged {
    matrixctl::facts::package::Packaged {
        format: "deb".into(),
        bin: "/usr/bin/matrixd".into(),
        matrixctl: "/usr/bin/matrixctl".into(),
        service_definition: "/lib/systemd/system/matrixd.service".into(),
        config_dir: "/etc/matrixd".into(),
        conf_d: "/etc/matrixd/conf.d".into(),
        data_dir: "/var/lib/matrixd".into(),
        log_dir: "/var/log/matrixd".into(),
        user: "matrixd".into(),
        group: "matrixd".into(),
        setup: "/usr/lib/matrixd/matrixd-setup".into(),
    }
}

/// Issue 15: with the matrixd package installed, install uses its binary and service
/// definition (writes neither), and refuses a server name other than the package's.
#[test]
fn issue_15_an_installed_package_provides_the_binary_and_the_service() {
    let mut facts = test_facts("debian");
    facts.packaged = Some(packaged());
    let a = answer_set("basic");
    let mut m = memory();
    m.files.insert(
        "/etc/matrixd/conf.d/server_name.yaml".into(),
        format!("# by matrixd-setup\nserver_name: \"{}\"\n", a.server_name).into_bytes(),
    );
    let p = plan::build(&a, &facts, &m, &mut counter()).unwrap();
    let written: Vec<&Path> = p
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::File(f) => Some(f.path.as_path()),
            _ => None,
        })
        .collect();
    assert!(
        !written.contains(&Path::new("/usr/local/bin/matrixd")),
        "{written:?}"
    );
    assert!(
        !written.contains(&Path::new("/usr/bin/matrixd")),
        "{written:?}"
    );
    assert!(
        !written.iter().any(|p| p.starts_with("/etc/systemd/system")),
        "install wrote a unit although the package has one: {written:?}"
    );
    assert!(
        p.notes.iter().any(|n| n
            .to_string()
            .contains("/lib/systemd/system/matrixd.service")),
        "{:?}",
        p.notes
    );
    assert_eq!(Layout::of(&facts).bin, Path::new("/usr/bin/matrixd"));
    // The package's signing key and secrets (conf.d/secrets.yaml) stay the only ones: no
    // second set that matrixd, reading both files, would refuse, and no second key.
    assert!(
        !written
            .iter()
            .any(|p| p.starts_with("/etc/matrixd/secrets") || p.ends_with("signing.key")),
        "{written:?}"
    );
    assert!(
        !p.steps.iter().any(
            |s| matches!(s, Step::Dir { path, .. } if path.starts_with("/etc/matrixd/secrets"))
        ),
        "install makes a secrets directory although the package keeps them in conf.d"
    );
    let hs = rendered(&p, matrixctl::render::HOMESERVER_YAML.0);
    for key in [
        "signing_key_path",
        "registration_shared_secret",
        "macaroon_secret_key",
        "form_secret",
    ] {
        assert!(!hs.contains(key), "homeserver.yaml sets {key}:\n{hs}");
    }
    assert!(hs.contains("/etc/matrixd/conf.d/secrets.yaml"), "{hs}");
    assert!(
        p.notes
            .iter()
            .any(|n| n.to_string().contains("/etc/matrixd/conf.d/secrets.yaml")),
        "{:?}",
        p.notes
    );
    // Without a service manager matrixd is started reading what the packaged service reads.
    let spawn = p.steps.iter().find_map(|s| match s {
        Step::Service(svc) if svc.name == "matrixd" => match &svc.direct {
            Direct::Spawn { argv, .. } => Some(argv.clone()),
            _ => None,
        },
        _ => None,
    });
    assert_eq!(
        spawn.unwrap(),
        [
            "/usr/bin/matrixd",
            "--config",
            "/etc/matrixd/homeserver.yaml",
            "--config",
            "/etc/matrixd/conf.d"
        ]
    );
    let plain = plan::build(&a, &test_facts("debian"), &memory(), &mut counter()).unwrap();
    assert!(plain.steps.iter().any(
        |s| matches!(s, Step::File(f) if f.path == Path::new("/etc/systemd/system/matrixd.service"))
    ));

    m.files.insert(
        "/etc/matrixd/conf.d/server_name.yaml".into(),
        b"server_name: \"other.example\"\n".to_vec(),
    );
    let e = plan::build(&a, &facts, &m, &mut counter()).unwrap_err();
    assert!(e.message.contains("other.example"), "{}", e.message);
    assert!(e.hint.contains("--server-name other.example"), "{}", e.hint);
}

/// The leaf's validity, as Unix seconds.
fn validity(pem: &[u8]) -> (i64, i64) {
    use rustls::pki_types::pem::PemObject as _;
    let der = rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .next()
        .unwrap()
        .unwrap();
    let (_, c) = x509_parser::parse_x509_certificate(der.as_ref()).unwrap();
    (
        c.validity().not_before.timestamp(),
        c.validity().not_after.timestamp(),
    )
}

#[test]
fn issue_19_self_signed_certificates_last_a_year_and_a_rerun_renews_them_under_30_days() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let flags = ["--server-name", "example.org", "--report-stats", "no"];
    let out = run_install(root, &flags);
    assert!(out.status.success(), "{}", stderr(&out));
    let tls = root.join("etc/matrixd/tls");
    let (cert, key) = (tls.join("fullchain.pem"), tls.join("privkey.pem"));
    let now = matrixctl::plan::tls::now();
    let (from, to) = validity(&std::fs::read(&cert).unwrap());
    assert!(
        (now - 600..=now).contains(&from),
        "valid from now less a small margin, not {from} (now {now})"
    );
    assert!(
        (now + 364 * 86_400..=now + 366 * 86_400).contains(&to),
        "valid for a year, not until {to} (now {now})"
    );

    // 40 days left: a re-run keeps it.
    let names = ["example.org".to_string()];
    let write = |made: i64| {
        let ck = matrixctl::exec::apply::self_signed(&names, made).unwrap();
        std::fs::write(&cert, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
        ck.cert.pem()
    };
    let kept = write(now - 325 * 86_400);
    let dry = run_install(root, &["--dry-run"]);
    assert!(
        stdout(&dry).contains("keep       /etc/matrixd/tls/fullchain.pem"),
        "{}",
        stdout(&dry)
    );
    let out = run_install(root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&cert).unwrap(), kept);

    // 20 days left: the plan says so, a re-run makes a new pair and keeps the old as backups.
    let old = write(now - 345 * 86_400);
    let dry = run_install(root, &["--dry-run"]);
    assert!(
        stdout(&dry).contains("update     /etc/matrixd/tls/fullchain.pem")
            && stdout(&dry).contains("fewer than 30 days left"),
        "{}",
        stdout(&dry)
    );
    let out = run_install(root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let new = std::fs::read_to_string(&cert).unwrap();
    assert_ne!(new, old, "renewed");
    let (_, to) = validity(new.as_bytes());
    assert!(to > now + 364 * 86_400);
    let backups: Vec<String> = std::fs::read_dir(&tls)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".bak"))
        .collect();
    assert_eq!(backups.len(), 2, "{backups:?}");
    let backup = backups
        .iter()
        .find(|n| n.starts_with("fullchain.pem"))
        .unwrap();
    assert_eq!(std::fs::read_to_string(tls.join(backup)).unwrap(), old);
    assert!(
        matrixctl::plan::tls::check_pair(new.as_bytes(), &std::fs::read(&key).unwrap()).is_ok()
    );
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn issue_19_acme_answers_are_checked_and_the_plan_shows_the_challenge_and_the_timer() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let base = [
        "--server-name",
        "example.org",
        "--report-stats",
        "no",
        "--tls",
        "acme",
    ];
    let with = |extra: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        run_install(root, &args)
    };
    let bad_email = with(&["--acme-email", "admin", "--dry-run"]);
    assert_ne!(bad_email.status.code(), Some(0));
    assert!(
        stderr(&bad_email).contains("is not an email address"),
        "{}",
        stderr(&bad_email)
    );
    let plain_http = with(&["--acme-directory", "http://ca.example/dir", "--dry-run"]);
    assert_ne!(plain_http.status.code(), Some(0));
    assert!(
        stderr(&plain_http).contains("is not an https URL"),
        "{}",
        stderr(&plain_http)
    );
    // Without nginx, matrixd serves TLS and obtains its certificate itself: no renew.toml,
    // no timer, no challenge directory.
    let no_proxy = with(&["--proxy", "none", "--dry-run"]);
    assert!(no_proxy.status.success(), "{}", stderr(&no_proxy));
    assert!(
        stdout(&no_proxy).contains("matrixd obtains the certificate for example.org itself")
            && !stdout(&no_proxy).contains("renew.toml")
            && !stdout(&no_proxy).contains("renew-certs")
            && !stdout(&no_proxy).contains("acme-challenge")
            && !stdout(&no_proxy).contains("/etc/nginx"),
        "{}",
        stdout(&no_proxy)
    );
    let staging = with(&["--acme-staging", "--dry-run"]);
    assert!(staging.status.success(), "{}", stderr(&staging));
    let plan = stdout(&staging);
    for want in [
        "self-signed stand-in",
        "/etc/matrixd/acme/renew.toml",
        "/var/www/matrixd/.well-known/acme-challenge/",
        "/etc/systemd/system/matrixd-renew-certs.timer",
    ] {
        assert!(plan.contains(want), "{want}:\n{plan}");
    }
    // Into a root: everything but the certificate itself (that needs nginx running); staging,
    // then production on a re-run that says so; another re-run changes nothing.
    let directory = |root: &Path| {
        let renew = std::fs::read_to_string(root.join("etc/matrixd/acme/renew.toml")).unwrap();
        renew
            .lines()
            .find(|l| l.starts_with("directory = "))
            .unwrap()
            .to_string()
    };
    let out = with(&["--acme-email", "admin@example.org", "--acme-staging"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        directory(root).contains("acme-staging-v02"),
        "{}",
        directory(root)
    );
    let out = run_install(root, &["--acme-staging", "no"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        directory(root),
        "directory = \"https://acme-v02.api.letsencrypt.org/directory\""
    );
    let renew = std::fs::read_to_string(root.join("etc/matrixd/acme/renew.toml")).unwrap();
    assert!(renew.contains("email = \"admin@example.org\""), "{renew}");
    let before = snapshot(root);
    let again = run_install(root, &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("nothing was changed"),
        "{}",
        stderr(&again)
    );
    assert_eq!(before, snapshot(root), "a re-run changed bytes");

    // A deploy hook the operator adds to renew.toml survives a re-run (the rest follows the
    // answers: here a new email), and renew-certs still reads the file.
    let renew_path = root.join("etc/matrixd/acme/renew.toml");
    let hooked = renew.replace(
        "[key_owner]",
        "deploy_hook = [[\"systemctl\", \"reload\", \"coturn\"], [\"touch\", \"/run/renewed\"]]\n\n[key_owner]",
    );
    std::fs::write(&renew_path, &hooked).unwrap();
    let out = run_install(root, &["--acme-email", "ops@example.org"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let kept = std::fs::read_to_string(&renew_path).unwrap();
    let parsed: matrixctl::plan::model::Acme = toml::from_str(&kept).unwrap();
    assert_eq!(
        parsed.deploy_hook,
        [
            vec!["systemctl", "reload", "coturn"],
            vec!["touch", "/run/renewed"]
        ],
        "{kept}"
    );
    assert_eq!(parsed.email.as_deref(), Some("ops@example.org"));
    let before = snapshot(root);
    let again = run_install(root, &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(before, snapshot(root), "a re-run changed bytes");
}

/// The text of the file rendered from template `id` in `plan`.
fn rendered(plan: &Plan, id: &str) -> String {
    plan.steps
        .iter()
        .find_map(|s| match s {
            Step::File(fs) => match &fs.content {
                Content::Template { id: t, text } if *t == id => Some(text.clone()),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {id} in the plan"))
}

#[test]
fn issue_19_the_renewal_timer_passes_systemd_analyze_and_the_daily_script_shellcheck() {
    let (Some(analyze), Some(shellcheck)) = (
        testkit::tool("systemd-analyze"),
        testkit::tool("shellcheck"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut f = facts_under(dir.path(), "debian");
    // ExecStart must name an existing binary: the test binary stands in for matrixctl.
    let exe = std::env::current_exe().unwrap();
    f.distro.paths.bin = exe.with_file_name("matrixd").to_string_lossy().into_owned();
    let plan = plan::build(&answer_set("acme"), &f, &memory(), &mut counter()).unwrap();
    let service = rendered(&plan, "acme/renew-certs.service.tera");
    let service = service.replace(
        &exe.with_file_name("matrixctl")
            .to_string_lossy()
            .into_owned(),
        &exe.to_string_lossy(),
    );
    std::fs::write(dir.path().join("matrixd-renew-certs.service"), service).unwrap();
    std::fs::write(
        dir.path().join("matrixd-renew-certs.timer"),
        rendered(&plan, "acme/renew-certs.timer.tera"),
    )
    .unwrap();
    let out = Command::new(&analyze)
        .arg("verify")
        .arg(dir.path().join("matrixd-renew-certs.service"))
        .arg(dir.path().join("matrixd-renew-certs.timer"))
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&out), stderr(&out));
    let relevant: Vec<&str> = all
        .lines()
        .filter(|l| l.contains("matrixd-renew-certs"))
        .collect();
    assert!(
        out.status.success() && relevant.is_empty(),
        "systemd-analyze verify:\n{all}"
    );
    for family in ["alpine", "freebsd"] {
        let plan = plan::build(
            &answer_set("acme"),
            &test_facts(family),
            &memory(),
            &mut counter(),
        )
        .unwrap();
        let text = rendered(&plan, "acme/renew-certs-periodic.sh.tera");
        let path = dir.path().join(format!("{family}-renew"));
        std::fs::write(&path, &text).unwrap();
        let out = Command::new(&shellcheck)
            .args(["-s", "sh"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shellcheck rejects the {family} script:\n{}{}\n{text}",
            stdout(&out),
            stderr(&out)
        );
    }
}

/// The answers of set `name` with backups into `dir` (keeping `keep`).
fn with_backups(name: &str, dir: &Path, keep: u32) -> Answers {
    let mut a = answer_set(name);
    a.backups = Some(dir.to_str().unwrap().parse().unwrap());
    a.backups_keep = Some(answers::Count(keep));
    a
}

#[test]
fn issue_17_backups_plan_a_root_only_directory_and_the_distros_daily_schedule() {
    let dir = Path::new("/var/backups/matrixd");
    let step_of = |plan: &Plan, path: &str| {
        plan.steps
            .iter()
            .find(|s| match s {
                Step::File(f) => f.path == Path::new(path),
                Step::Dir { path: p, .. } => p == Path::new(path),
                _ => false,
            })
            .cloned()
            .unwrap_or_else(|| panic!("no step for {path}"))
    };
    let debian = plan::build(
        &with_backups("basic", dir, 3),
        &test_facts("debian"),
        &memory(),
        &mut counter(),
    )
    .unwrap();
    match step_of(&debian, "/var/backups/matrixd") {
        Step::Dir { mode, owner, .. } => {
            assert_eq!(mode, 0o700);
            assert_eq!(owner.user, "root");
        }
        other => panic!("{other:?}"),
    }
    let service = rendered(&debian, "backup/backup.service.tera");
    assert!(
        service.contains(
            "ExecStart=/usr/local/bin/matrixctl backup --quiet --config /etc/matrixd/homeserver.yaml --to /var/backups/matrixd --keep 3"
        ),
        "{service}"
    );
    // Install's own files: uninstall removes them.
    let owned = matrixctl::commands::install::owned_files(&debian);
    for p in [
        "/etc/systemd/system/matrixd-backup.service",
        "/etc/systemd/system/matrixd-backup.timer",
    ] {
        assert!(owned.contains(&PathBuf::from(p)), "{p}: {owned:?}");
    }
    let timer = rendered(&debian, "backup/backup.timer.tera");
    assert!(timer.contains("OnCalendar=daily") && timer.contains("Persistent=true"));
    let shown = plan::show::render(&debian, false);
    for want in [
        "/var/backups/matrixd/",
        "/etc/systemd/system/matrixd-backup.timer",
        "systemctl enable matrixd-backup.timer",
        "/usr/local/bin/matrixctl ",
    ] {
        assert!(shown.contains(want), "{want}:\n{shown}");
    }
    // Inside the data directory: refused (archives would hold the older ones; --purge).
    let e = plan::build(
        &with_backups("basic", Path::new("/var/lib/matrixd/backups"), 3),
        &test_facts("debian"),
        &memory(),
        &mut counter(),
    )
    .unwrap_err();
    assert!(
        e.message.contains("is inside /var/lib/matrixd"),
        "{}",
        e.message
    );
    // Without --backups: nothing of it.
    let plain = plan::build(
        &answer_set("basic"),
        &test_facts("debian"),
        &memory(),
        &mut counter(),
    )
    .unwrap();
    let shown = plan::show::render(&plain, false);
    assert!(!shown.contains("backup"), "{shown}");
    // A re-run over what the plan wrote changes nothing; another count rewrites the service only.
    let mut m = memory();
    for s in &debian.steps {
        match s {
            Step::File(f) => {
                if let Content::Template { text, .. } = &f.content {
                    m.files.insert(f.path.clone(), text.clone().into_bytes());
                }
            }
            Step::Dir { path, .. } => {
                m.files.insert(path.clone(), Vec::new());
            }
            _ => {}
        }
    }
    let again = plan::build(
        &with_backups("basic", dir, 3),
        &test_facts("debian"),
        &m,
        &mut counter(),
    )
    .unwrap();
    for p in [
        "/var/backups/matrixd",
        "/etc/systemd/system/matrixd-backup.service",
        "/etc/systemd/system/matrixd-backup.timer",
    ] {
        match step_of(&again, p) {
            Step::File(f) => assert_eq!(f.change, Change::Unchanged, "{p}"),
            Step::Dir { change, .. } => assert_eq!(change, Change::Unchanged, "{p}"),
            _ => unreachable!(),
        }
    }
    let other = plan::build(
        &with_backups("basic", dir, 5),
        &test_facts("debian"),
        &m,
        &mut counter(),
    )
    .unwrap();
    let changed: Vec<PathBuf> = other
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::File(f) if f.change.changes() && !matches!(f.content, Content::Copy(_)) => {
                Some(f.path.clone())
            }
            _ => None,
        })
        .collect();
    assert!(
        changed.contains(&PathBuf::from("/etc/systemd/system/matrixd-backup.service"))
            && !changed.contains(&PathBuf::from("/etc/systemd/system/matrixd-backup.timer")),
        "{changed:?}"
    );

    // OpenBSD: a marked block in /etc/daily.local, the operator's lines kept; a re-run leaves
    // it as it is, and uninstall takes only the block out.
    let mut m = memory();
    m.files
        .insert("/etc/daily.local".into(), b"echo operator's own\n".to_vec());
    let openbsd = plan::build(
        &with_backups("basic", dir, 7),
        &test_facts("openbsd"),
        &m,
        &mut counter(),
    )
    .unwrap();
    let Step::File(daily) = step_of(&openbsd, "/etc/daily.local") else {
        unreachable!()
    };
    assert_eq!(daily.change, Change::Update);
    let Content::Template { text, .. } = &daily.content else {
        unreachable!()
    };
    assert!(
        text.starts_with("echo operator's own\n# BEGIN matrixd backup")
            && text.contains("matrixctl backup --quiet --config /etc/matrixd/homeserver.yaml --to /var/backups/matrixd --keep 7"),
        "{text}"
    );
    assert!(
        !matrixctl::commands::install::owned_files(&openbsd)
            .contains(&PathBuf::from("/etc/daily.local")),
        "uninstall must not delete the operator's daily.local"
    );
    m.files
        .insert("/etc/daily.local".into(), text.clone().into_bytes());
    let again = plan::build(
        &with_backups("basic", dir, 7),
        &test_facts("openbsd"),
        &m,
        &mut counter(),
    )
    .unwrap();
    let Step::File(daily) = step_of(&again, "/etc/daily.local") else {
        unreachable!()
    };
    assert_eq!(daily.change, Change::Unchanged);
    let f = test_facts("openbsd");
    let removal = matrixctl::plan::uninstall::backup_block(&Layout::of(&f), &f.distro.backup, &m);
    match removal.steps.as_slice() {
        [Step::File(f)] => match &f.content {
            Content::Data { text, .. } => assert_eq!(text, "echo operator's own\n"),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn issue_17_the_backup_units_pass_systemd_analyze_and_the_daily_scripts_shellcheck() {
    let (Some(analyze), Some(shellcheck)) = (
        testkit::tool("systemd-analyze"),
        testkit::tool("shellcheck"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut f = facts_under(dir.path(), "debian");
    // ExecStart must name an existing binary: the test binary stands in for matrixctl.
    let exe = std::env::current_exe().unwrap();
    f.distro.paths.bin = exe.with_file_name("matrixd").to_string_lossy().into_owned();
    let a = with_backups("basic", &dir.path().join("backups"), 7);
    let plan = plan::build(&a, &f, &memory(), &mut counter()).unwrap();
    let service = rendered(&plan, "backup/backup.service.tera").replace(
        &exe.with_file_name("matrixctl")
            .to_string_lossy()
            .into_owned(),
        &exe.to_string_lossy(),
    );
    std::fs::write(dir.path().join("matrixd-backup.service"), service).unwrap();
    std::fs::write(
        dir.path().join("matrixd-backup.timer"),
        rendered(&plan, "backup/backup.timer.tera"),
    )
    .unwrap();
    let out = Command::new(&analyze)
        .arg("verify")
        .arg(dir.path().join("matrixd-backup.service"))
        .arg(dir.path().join("matrixd-backup.timer"))
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&out), stderr(&out));
    let relevant: Vec<&str> = all
        .lines()
        .filter(|l| l.contains("matrixd-backup"))
        .collect();
    assert!(
        out.status.success() && relevant.is_empty(),
        "systemd-analyze verify:\n{all}"
    );
    for (family, id) in [
        ("alpine", "backup/backup-periodic.sh.tera"),
        ("freebsd", "backup/backup-periodic.sh.tera"),
        ("openbsd", "backup/daily.local.tera"),
    ] {
        let a = with_backups("basic", Path::new("/var/backups/matrixd"), 7);
        let plan = plan::build(&a, &test_facts(family), &memory(), &mut counter()).unwrap();
        let mut text = rendered(&plan, id);
        if !text.starts_with("#!") {
            text = format!("#!/bin/sh\n{text}");
        }
        let path = dir.path().join(format!("{family}-backup"));
        std::fs::write(&path, &text).unwrap();
        let out = Command::new(&shellcheck)
            .args(["-s", "sh"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shellcheck rejects the {family} script:\n{}{}\n{text}",
            stdout(&out),
            stderr(&out)
        );
    }
}

#[test]
fn issue_17_the_backup_services_command_line_backs_up_an_installed_server() {
    let dir = tempfile::tempdir().unwrap();
    let f = facts_under(dir.path(), "debian");
    let backups = dir.path().join("backups");
    let a = with_backups("basic", &backups, 1);
    let fs = matrixctl::plan::existing::Fs { root: "/".into() };
    let plan = plan::build(&a, &f, &fs, &mut matrixd::keys::random_secret).unwrap();
    apply_without_activation(&plan);
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&backups).unwrap().permissions().mode() & 0o777,
        0o700
    );
    // The server creates its SQLite file at its first start: an empty one stands in.
    let config = matrixd::config::load_files(std::slice::from_ref(&plan.config_path))
        .0
        .unwrap();
    let matrixd::config::Database::Sqlite { path: db } = &config.database else {
        panic!("{:?}", config.database)
    };
    std::fs::write(db, b"").unwrap();
    let service = rendered(&plan, "backup/backup.service.tera");
    let exec = service
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    let argv: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(
        argv[0],
        Layout::of(&f).matrixctl.to_str().unwrap(),
        "the unit runs the matrixctl install placed beside matrixd"
    );
    let archives = || {
        std::fs::read_dir(&backups)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tar.gz"))
            .collect::<Vec<_>>()
    };
    for _ in 0..2 {
        let out = matrixctl().args(&argv[1..]).output().unwrap();
        assert!(out.status.success(), "{exec}:\n{}", stderr(&out));
    }
    // --keep 1: the second run removed the first archive.
    let left = archives();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].starts_with("matrixd-backup-example.org-"),
        "{left:?}"
    );
}

/// What `install --adopt` plans over an imported config (issue 18), planned directly: the
/// config and the key it names kept, no secrets, key or log config of ours, the service user
/// given the files, nginx forwarding to the config's listener, PostgreSQL's role and database
/// as the config names them; and what would need the config rewritten, refused.
#[test]
fn issue_18_adopt_plans_around_the_existing_config_and_never_writes_it() {
    use matrixctl::facts::adopt::Adopted;
    let pg = |host: Option<&str>| {
        matrixd::config::Database::Postgres(matrixd::config::PostgresArgs {
            user: Some("synapse_user".into()),
            password: None,
            dbname: Some("imported".into()),
            host: host.map(str::to_string),
            port: None,
            cp_min: 1,
            cp_max: 4,
            sslmode: None,
            sslrootcert: None,
            application_name: None,
            connect_timeout: None,
            allow_unsafe_locale: false,
        })
    };
    let adopted = Adopted {
        config: "/etc/matrixd/homeserver.yaml".into(),
        server_name: "example.org".into(),
        public_baseurl: Some("https://example.org/".into()),
        database: pg(Some("/var/run/postgresql")),
        http_port: Some(8765),
        federation: true,
        tls_listener: false,
        signing_key: "/etc/matrixd/example.org.signing.key".into(),
        media_store: "/var/lib/matrixd/media_store".into(),
        enable_registration: false,
        registration_requires_token: false,
        report_stats: Some(false),
    };
    let mut f = test_facts("debian");
    f.adopted = Some(adopted.clone());
    let mut a = answer_set("basic");
    a.adopt = Some(YesNo::Yes);
    a.database = answers::Database::Postgres;
    let mut m = memory();
    m.files.insert(
        "/etc/matrixd/homeserver.yaml".into(),
        b"server_name: example.org # import-synapse's\n".to_vec(),
    );
    m.files.insert(
        "/etc/matrixd/example.org.signing.key".into(),
        b"ed25519 a_x k".to_vec(),
    );
    let plan = plan::build(&a, &f, &m, &mut counter()).unwrap();
    let shown = plan::show::render(&plan, false);
    let file = |p: &str| {
        plan.steps.iter().find_map(|s| match s {
            Step::File(fs) if fs.path == Path::new(p) => Some(fs.clone()),
            _ => None,
        })
    };
    let config = file("/etc/matrixd/homeserver.yaml").unwrap();
    assert_eq!(config.change, Change::Keep);
    assert!(config.create_only);
    let key = file("/etc/matrixd/example.org.signing.key").unwrap();
    assert_eq!((key.change, key.create_only), (Change::Keep, true));
    for never in [
        "/etc/matrixd/signing.key",
        "/etc/matrixd/log.config",
        "/etc/matrixd/secrets/form_secret",
    ] {
        assert!(file(never).is_none(), "{never}:\n{shown}");
    }
    assert!(!shown.contains("templates/homeserver.yaml.tera"), "{shown}");
    assert!(
        shown
            .contains("give the adopted config, its signing key and the data directory to matrixd"),
        "{shown}"
    );
    assert!(rendered(&plan, "nginx/site.conf.tera").contains("proxy_pass http://127.0.0.1:8765;"));
    assert!(
        shown.contains("createuser -h /var/run/postgresql -U postgres synapse_user")
            && shown.contains("--owner=synapse_user imported"),
        "{shown}"
    );
    // A re-run plans the same (nothing of the config changes).
    assert_eq!(plan, plan::build(&a, &f, &m, &mut counter()).unwrap());

    // Another server's PostgreSQL: nothing of PostgreSQL is installed or created here.
    let mut remote = f.clone();
    remote.adopted.as_mut().unwrap().database = pg(Some("db.example.org"));
    let shown = plan::show::render(
        &plan::build(&a, &remote, &m, &mut counter()).unwrap(),
        false,
    );
    assert!(
        !shown.contains("createuser") && !shown.contains("postgresql"),
        "{shown}"
    );

    // What needs homeserver.yaml rewritten, or cannot run from the installed service: refused.
    let refused = |a: &Answers, f: &Facts, m: &Memory| {
        plan::build(a, f, m, &mut counter()).unwrap_err().message
    };
    let mut direct = a.clone();
    direct.tls = Tls::Direct;
    assert!(refused(&direct, &f, &m).contains("needs a TLS listener"));
    let mut outside = f.clone();
    outside.adopted.as_mut().unwrap().media_store = "/srv/synapse/media".into();
    assert!(refused(&a, &outside, &m).contains("/srv/synapse/media is outside /var/lib/matrixd"));
    let mut no_key = memory();
    no_key.files.insert(
        "/etc/matrixd/homeserver.yaml".into(),
        b"server_name: example.org\n".to_vec(),
    );
    assert!(refused(&a, &f, &no_key).contains("does not exist"));
    let mut no_listener = f.clone();
    no_listener.adopted.as_mut().unwrap().http_port = None;
    assert!(refused(&a, &no_listener, &m).contains("no plain-HTTP listener"));
}
