//! `matrixctl install --workers N` (issue 17): N matrixd processes on one PostgreSQL database.
//! What is refused and why, the plan a re-run with another N makes (what it stops, disables and
//! removes), every process's config through the server's loader, the instances' service
//! definitions through systemd-analyze and shellcheck, the nginx upstream through `nginx -t`,
//! the executor into `--root` converging from 1 to 3 to 2 to 1 process, and doctor's
//! service.workers against loopback servers in the processes' place.

use std::path::{Path, PathBuf};
use std::process::Command;

use matrixctl::answers::{Answers, Database, Proxy, Workers};
use matrixctl::plan::{self, existing::Memory, model::*};

use crate::doctor_support::{Conf, Http, Reply, doctor_json, free_port, result};
use crate::install::{
    answer_set, apply_without_activation, counter, facts_under, memory, run_install, test_facts,
};
use crate::{stderr, stdout};

fn with_workers(n: u8) -> Answers {
    let mut a = answer_set("workers");
    a.workers = Some(Workers(n));
    a
}

/// What a plan leaves on disk, as `Existing` for the next plan.
fn result_of(plan: &Plan, mut m: Memory) -> Memory {
    for s in &plan.steps {
        match s {
            Step::File(f) => {
                let bytes = match &f.content {
                    Content::Template { text, .. } | Content::Data { text, .. } => {
                        text.clone().into_bytes()
                    }
                    _ => b"x".to_vec(),
                };
                m.files.insert(f.path.clone(), bytes);
            }
            Step::Dir { path, .. } => {
                m.files.insert(path.clone(), Vec::new());
            }
            Step::Remove { path, .. } => {
                m.files.remove(path);
            }
            _ => {}
        }
    }
    m
}

fn retired(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .filter_map(|s| match s {
            Step::Retire(r) => Some(r.service.name.clone()),
            _ => None,
        })
        .collect()
}

fn removed(plan: &Plan) -> Vec<PathBuf> {
    plan.steps
        .iter()
        .filter_map(|s| match s {
            Step::Remove { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect()
}

fn started(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .filter_map(|s| match s {
            Step::Service(s) if s.name.starts_with("matrixd") => Some(s.name.clone()),
            _ => None,
        })
        .collect()
}

fn written(plan: &Plan) -> Vec<(PathBuf, Change)> {
    plan.steps
        .iter()
        .filter_map(|s| match s {
            Step::File(f) => Some((f.path.clone(), f.change)),
            _ => None,
        })
        .collect()
}

#[test]
fn issue_17_workers_are_refused_with_sqlite_without_nginx_and_out_of_range() {
    // SQLite: refused by name, with both ways out.
    let mut a = with_workers(3);
    a.database = Database::Sqlite;
    let e = plan::build(&a, &test_facts("debian"), &memory(), &mut counter()).unwrap_err();
    assert!(e.message.contains("PostgreSQL"), "{}", e.message);
    assert!(
        e.hint.contains("--database postgres")
            && e.hint.contains("matrixctl migrate-db")
            && e.hint.contains("--workers 1"),
        "{}",
        e.hint
    );
    // One process with SQLite is today's install.
    a.workers = Some(Workers(1));
    plan::build(&a, &test_facts("debian"), &memory(), &mut counter()).unwrap();
    // Without nginx nothing spreads clients over the processes.
    let mut a = with_workers(2);
    a.proxy = Proxy::None;
    let e = plan::build(&a, &test_facts("debian"), &memory(), &mut counter()).unwrap_err();
    assert!(e.hint.contains("--proxy nginx"), "{}", e.hint);

    // Through the binary: the flag's range, and SQLite given with the flag is not dropped.
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "--server-name",
        "example.org",
        "--report-stats",
        "no",
        "--dry-run",
    ];
    for bad in ["0", "17", "many"] {
        let out = run_install(dir.path(), &[&base[..], &["--workers", bad]].concat());
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("1-16"), "{bad}: {}", stderr(&out));
    }
    let out = run_install(
        dir.path(),
        &[&base[..], &["--workers", "4", "--database", "sqlite"]].concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("4 matrixd processes need PostgreSQL")
            && stderr(&out).contains("matrixctl migrate-db"),
        "{}",
        stderr(&out)
    );
    // An answers file's key too.
    let answers = dir.path().join("answers.toml");
    std::fs::write(
        &answers,
        "server_name = \"example.org\"\nreport_stats = \"no\"\ndatabase = \"postgres\"\nworkers = 2\n",
    )
    .unwrap();
    let out = run_install(
        dir.path(),
        &["--answers", answers.to_str().unwrap(), "--dry-run"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("workers/matrixd-2.yaml")
            && !stdout(&out).contains("workers/matrixd-3.yaml")
            && stdout(&out).contains("matrixd@.service"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn issue_17_workers_a_rerun_with_another_n_stops_and_removes_what_it_left() {
    for family in ["debian", "alpine", "freebsd", "openbsd"] {
        let f = test_facts(family);
        let config_dir = PathBuf::from(&f.distro.paths.config_dir);
        let worker = |k: u8| config_dir.join(format!("workers/matrixd-{k}.yaml"));

        // Today's single process, then 3: the single service is stopped, disabled and its
        // definition removed; three instances start.
        let one = plan::build(&with_workers(1), &f, &memory(), &mut counter()).unwrap();
        assert!(retired(&one).is_empty() && removed(&one).is_empty());
        let single_unit = written(&one)
            .into_iter()
            .map(|(p, _)| p)
            .find(|p| {
                p.to_string_lossy().contains("matrixd")
                    && !p.starts_with(&config_dir)
                    && (p.to_string_lossy().contains("systemd")
                        || p.to_string_lossy().contains("rc.d")
                        || p.to_string_lossy().contains("init.d"))
            })
            .unwrap();
        let m = result_of(&one, memory());
        let three = plan::build(&with_workers(3), &f, &m, &mut counter()).unwrap();
        assert_eq!(retired(&three), ["matrixd"], "{family}");
        assert_eq!(
            removed(&three),
            std::slice::from_ref(&single_unit),
            "{family}"
        );
        assert_eq!(started(&three).len(), 3, "{family}: {:?}", started(&three));
        // The retired service stops before any instance starts.
        let pos = |pred: &dyn Fn(&Step) -> bool| three.steps.iter().position(pred).unwrap();
        assert!(
            pos(&|s| matches!(s, Step::Retire(_)))
                < pos(
                    &|s| matches!(s, Step::Service(x) if x.name != "postgresql" && x.name.starts_with("matrixd"))
                )
        );

        // Again with 3: nothing changes, nothing is stopped.
        let m = result_of(&three, m);
        let again = plan::build(&with_workers(3), &f, &m, &mut counter()).unwrap();
        assert!(
            retired(&again).is_empty() && removed(&again).is_empty(),
            "{family}"
        );
        for (p, change) in written(&again) {
            if !p.ends_with("matrixd") && !p.ends_with("matrixctl") {
                assert!(
                    !change.changes(),
                    "{family}: {} changes on a re-run",
                    p.display()
                );
            }
        }

        // 3 → 2: the third is stopped, disabled and its files go; 1 and 2 stay.
        let two = plan::build(&with_workers(2), &f, &m, &mut counter()).unwrap();
        assert_eq!(retired(&two).len(), 1, "{family}");
        assert!(
            retired(&two)[0].ends_with('3'),
            "{family}: {:?}",
            retired(&two)
        );
        assert!(removed(&two).contains(&worker(3)), "{family}");
        assert!(!removed(&two).contains(&worker(2)), "{family}");
        let own_scripts = f.distro.service.instance_unit.is_none();
        // Its config, its log config and (rc systems) its own script.
        assert_eq!(
            removed(&two).len(),
            if own_scripts { 3 } else { 2 },
            "{family}: {:?}",
            removed(&two)
        );
        let Step::Retire(r) = two
            .steps
            .iter()
            .find(|s| matches!(s, Step::Retire(_)))
            .unwrap()
        else {
            unreachable!()
        };
        assert!(r.stop.argv.iter().any(|a| a.ends_with('3')), "{:?}", r.stop);
        assert!(!r.disable.is_empty());

        // 3 → 1: every instance stopped, their files (and the template unit) removed, the
        // single service's definition written again.
        let back = plan::build(&with_workers(1), &f, &m, &mut counter()).unwrap();
        assert_eq!(retired(&back).len(), 3, "{family}: {:?}", retired(&back));
        for k in 1..=3 {
            assert!(removed(&back).contains(&worker(k)), "{family}");
        }
        if let Some(unit) = &f.distro.service.instance_unit {
            assert!(removed(&back).contains(&PathBuf::from(unit.replace("{svc}", "matrixd"))));
        }
        assert!(
            written(&back).contains(&(single_unit.clone(), Change::Create)),
            "{family}"
        );
        assert_eq!(started(&back), ["matrixd"], "{family}");
    }
}

#[test]
fn issue_17_each_process_config_loads_after_homeserver_yaml_with_the_servers_loader() {
    let dir = tempfile::tempdir().unwrap();
    let f = facts_under(dir.path(), "debian");
    let fs = plan::existing::Fs { root: "/".into() };
    let plan = plan::build(&with_workers(3), &f, &fs, &mut matrixd::keys::random_secret).unwrap();
    apply_without_activation(&plan);
    let config_dir = PathBuf::from(&f.distro.paths.config_dir);
    let mut ports = Vec::new();
    for k in 1..=3u16 {
        let worker = config_dir.join(format!("workers/matrixd-{k}.yaml"));
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&worker).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the same mode as homeserver.yaml");
        let (config, problems) =
            matrixd::config::load_files(&[plan.config_path.clone(), worker.clone()]);
        assert!(problems.0.is_empty(), "{}: {problems}", worker.display());
        let config = config.unwrap();
        assert_eq!(
            config.worker_name.as_deref(),
            Some(format!("matrixd-{k}").as_str())
        );
        assert_eq!(config.listeners.len(), 1);
        let l = &config.listeners[0];
        assert_eq!(l.port, 8008 + k - 1);
        assert_eq!(l.bind_addresses, ["127.0.0.1"]);
        assert!(
            l.serves(matrixd::config::Resource::Client)
                && l.serves(matrixd::config::Resource::Federation)
        );
        assert_eq!(
            config.pid_file.as_deref(),
            Some(Path::new(&format!(
                "{}/matrixd-{k}.pid",
                f.distro.paths.run_dir
            )))
        );
        assert_eq!(
            config.log_config.as_deref(),
            Some(
                config_dir
                    .join(format!("workers/matrixd-{k}.log.config"))
                    .as_path()
            ),
            "each process logs to its own file"
        );
        let (_, log_file) = matrixd::logging::read_log_config(config.log_config.as_deref());
        assert_eq!(
            log_file.unwrap(),
            Path::new(&f.distro.paths.log_dir).join(format!("matrixd-{k}.log"))
        );
        ports.push(l.port);
    }
    // The nginx upstream names exactly those ports, hashed by access token.
    let site = std::fs::read_to_string(&f.distro.nginx.site).unwrap();
    assert!(
        site.contains("hash $http_authorization consistent;"),
        "{site}"
    );
    for p in ports {
        assert!(site.contains(&format!("server 127.0.0.1:{p};")), "{site}");
    }
    assert!(
        site.contains("proxy_pass http://matrixd_workers;"),
        "{site}"
    );
    // With one process the site proxies to the port directly, as before.
    let dir1 = tempfile::tempdir().unwrap();
    let f1 = facts_under(dir1.path(), "debian");
    let one = plan::build(
        &with_workers(1),
        &f1,
        &fs,
        &mut matrixd::keys::random_secret,
    )
    .unwrap();
    apply_without_activation(&one);
    let site = std::fs::read_to_string(&f1.distro.nginx.site).unwrap();
    assert!(!site.contains("upstream") && site.contains("proxy_pass http://127.0.0.1:8008;"));
    assert!(!config_dir_of(&f1).join("workers").exists());
}

fn config_dir_of(f: &matrixctl::facts::Facts) -> PathBuf {
    PathBuf::from(&f.distro.paths.config_dir)
}

fn rendered(plan: &Plan, id: &str) -> Vec<(PathBuf, String)> {
    plan.steps
        .iter()
        .filter_map(|s| match s {
            Step::File(f) => match &f.content {
                Content::Template { id: i, text } if *i == id => {
                    Some((f.path.clone(), text.clone()))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn issue_17_the_instances_definitions_pass_systemd_analyze_and_shellcheck_and_the_site_nginx_t() {
    if let Some(analyze) = testkit::tool("systemd-analyze") {
        let dir = tempfile::tempdir().unwrap();
        let mut f = test_facts("debian");
        f.distro.paths.bin = std::env::current_exe()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let plan = plan::build(&with_workers(2), &f, &memory(), &mut counter()).unwrap();
        let units = rendered(&plan, "service/systemd-instance.service.tera");
        assert_eq!(units.len(), 1, "one template unit for every instance");
        std::fs::write(dir.path().join("matrixd@.service"), &units[0].1).unwrap();
        let out = Command::new(&analyze)
            .arg("verify")
            .arg(dir.path().join("matrixd@2.service"))
            .output()
            .unwrap();
        let all = format!("{}{}", stdout(&out), stderr(&out));
        let relevant: Vec<&str> = all.lines().filter(|l| l.contains("matrixd@")).collect();
        assert!(
            out.status.success() && relevant.is_empty(),
            "systemd-analyze verify:\n{all}"
        );
    }
    if let Some(shellcheck) = testkit::tool("shellcheck") {
        for (family, shell, id) in [
            ("alpine", "sh", "service/openrc-instance.tera"),
            ("freebsd", "sh", "service/freebsd-rc-instance.tera"),
            ("openbsd", "ksh", "service/openbsd-rc-instance.tera"),
        ] {
            let plan = plan::build(
                &with_workers(2),
                &test_facts(family),
                &memory(),
                &mut counter(),
            )
            .unwrap();
            let scripts = rendered(&plan, id);
            assert_eq!(scripts.len(), 2, "{family}: one script per instance");
            for (path, text) in scripts {
                let dir = tempfile::tempdir().unwrap();
                let file = dir.path().join(path.file_name().unwrap());
                std::fs::write(&file, &text).unwrap();
                let out = Command::new(&shellcheck)
                    .arg("-s")
                    .arg(shell)
                    .arg(&file)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "shellcheck {family}:\n{}{}\n{text}",
                    stdout(&out),
                    stderr(&out)
                );
            }
        }
    }
    if let Some(nginx) = testkit::tool("nginx") {
        let dir = tempfile::tempdir().unwrap();
        let mut f = facts_under(dir.path(), "debian");
        let version = Command::new(&nginx).arg("-v").output().unwrap();
        f.nginx_version =
            matrixctl::facts::parse_nginx_version(&String::from_utf8_lossy(&version.stderr));
        f.ipv6 = Path::new("/proc/net/if_inet6").exists();
        let fs = plan::existing::Fs { root: "/".into() };
        let plan =
            plan::build(&with_workers(3), &f, &fs, &mut matrixd::keys::random_secret).unwrap();
        apply_without_activation(&plan);
        let out = crate::install::nginx_test(&nginx, dir.path(), &f.distro.nginx.site);
        assert!(
            out.status.success(),
            "nginx -t rejects the upstream:\n{}",
            stderr(&out)
        );
    }
}

#[test]
fn issue_17_install_into_a_root_converges_from_one_process_to_three_to_two_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let flags = [
        "--server-name",
        "example.org",
        "--report-stats",
        "no",
        "--database",
        "postgres",
    ];
    let out = run_install(root, &flags);
    assert!(out.status.success(), "{}", stderr(&out));
    let unit = root.join("etc/systemd/system/matrixd.service");
    let template = root.join("etc/systemd/system/matrixd@.service");
    let worker = |k: u8| root.join(format!("etc/matrixd/workers/matrixd-{k}.yaml"));
    assert!(unit.is_file() && !template.exists() && !worker(1).exists());

    let out = run_install(root, &["--workers", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!unit.exists(), "the single unit is removed");
    assert!(template.is_file());
    for k in 1..=3 {
        assert!(worker(k).is_file(), "{k}");
    }
    // The receipt lists them, so `uninstall` removes them (after stopping every instance).
    let receipt = std::fs::read_to_string(root.join("etc/matrixd/matrixctl-install.toml")).unwrap();
    for f in [
        "/etc/systemd/system/matrixd@.service",
        "/etc/matrixd/workers/matrixd-3.yaml",
    ] {
        assert!(receipt.contains(f), "{f}:\n{receipt}");
    }
    let saved = std::fs::read_to_string(root.join("etc/matrixd/matrixctl-answers.toml")).unwrap();
    assert!(saved.contains("workers = \"3\""), "{saved}");

    // The earlier answers carry the 3: a plain re-run changes nothing.
    let out = run_install(root, &[]);
    assert!(
        stderr(&out).contains("nothing was changed"),
        "{}",
        stderr(&out)
    );

    let out = run_install(root, &["--workers", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(worker(2).is_file() && !worker(3).exists());
    assert!(
        !root
            .join("etc/matrixd/workers/matrixd-3.log.config")
            .exists()
    );
    assert!(
        stderr(&out).contains("Removing /etc/matrixd/workers/matrixd-3.yaml"),
        "{}",
        stderr(&out)
    );

    let out = run_install(root, &["--workers", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(unit.is_file() && !template.exists());
    assert!(!worker(1).exists() && !worker(2).exists());
    let site =
        std::fs::read_to_string(root.join("etc/nginx/sites-available/matrixd.conf")).unwrap();
    assert!(!site.contains("upstream"), "{site}");
}

/// homeserver.yaml for doctor on PostgreSQL (worker_name needs it; nothing connects).
fn postgres_conf(dir: &Path, port: u16) -> PathBuf {
    Conf::new(dir, port)
        .set(
            "database",
            "\n  name: psycopg2\n  args:\n    user: \"matrixd\"\n    dbname: \"matrixd\"\n    host: \"/var/run/postgresql\"",
        )
        .write()
}

fn worker_file(dir: &Path, k: u8, port: u16) {
    std::fs::create_dir_all(dir.join("workers")).unwrap();
    std::fs::write(
        dir.join(format!("workers/matrixd-{k}.yaml")),
        format!(
            "worker_name: \"matrixd-{k}\"\npid_file: \"{}/matrixd-{k}.pid\"\nlisteners:\n  - port: {port}\n    bind_addresses: [\"127.0.0.1\"]\n    type: http\n    x_forwarded: true\n    resources:\n      - names: [client, federation]\n",
            dir.display()
        ),
    )
    .unwrap();
}

#[test]
fn issue_17_doctor_finds_the_processes_from_their_configs_and_names_the_one_that_does_not_answer() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = postgres_conf(dir.path(), free_port());
    // One process: skipped.
    let (_, report) = doctor_json(&cfg, &["service.workers", "--distro", "debian"]);
    let (status, summary) = result(&report, "service.workers");
    assert_eq!(status, "skip", "{summary}");
    assert!(summary.contains("one process"), "{summary}");

    // Two processes answering /health.
    let (a, b) = (Http::start(None), Http::start(None));
    for h in [&a, &b] {
        h.route("/health", Reply::status(200, "OK"));
    }
    worker_file(dir.path(), 1, a.port());
    worker_file(dir.path(), 2, b.port());
    let (code, report) = doctor_json(&cfg, &["service.workers", "--distro", "debian"]);
    let (status, summary) = result(&report, "service.workers");
    assert_eq!((code, status.as_str()), (0, "ok"), "{summary}");
    assert!(
        summary.contains(&format!("matrixd-1 ({})", a.port()))
            && summary.contains(&format!("matrixd-2 ({})", b.port())),
        "{summary}"
    );

    // A third whose port nothing listens on: a failure naming it, the fix restarts it.
    let dead = free_port();
    worker_file(dir.path(), 3, dead);
    let (code, report) = doctor_json(&cfg, &["service.workers", "--distro", "debian"]);
    let (status, summary) = result(&report, "service.workers");
    assert_eq!((code, status.as_str()), (1, "fail"), "{summary}");
    assert!(
        summary.contains(&format!("matrixd-3 on port {dead}")),
        "{summary}"
    );
    assert!(!summary.contains("matrixd-1"), "{summary}");
    let fix = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "service.workers")
        .unwrap()["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(fix.contains("systemctl restart matrixd@3"), "{fix}");

    // A process answering something else than 200 fails too.
    b.route("/health", Reply::status(503, "starting"));
    let (_, report) = doctor_json(&cfg, &["service.workers", "--distro", "debian"]);
    let (_, summary) = result(&report, "service.workers");
    assert!(
        summary.contains("matrixd-2") && summary.contains("503"),
        "{summary}"
    );

    // service.running judges the instances (not homeserver.yaml's pid file) once there are
    // several: without a service manager, by each one's pid file.
    if !Path::new("/run/systemd/system").exists() {
        for k in 1..=3 {
            std::fs::write(
                dir.path().join(format!("matrixd-{k}.pid")),
                format!("{}\n", std::process::id()),
            )
            .unwrap();
        }
        let (_, report) = doctor_json(&cfg, &["service.running", "--distro", "debian"]);
        let (status, summary) = result(&report, "service.running");
        assert_eq!(status, "ok", "{summary}");
        std::fs::remove_file(dir.path().join("matrixd-2.pid")).unwrap();
        let (_, report) = doctor_json(&cfg, &["service.running", "--distro", "debian"]);
        let (status, summary) = result(&report, "service.running");
        assert_eq!(status, "fail", "{summary}");
        assert!(summary.contains("matrixd@2"), "{summary}");
    }
}

/// The plans of re-runs that change N, as an operator reads them (English and Persian): what
/// is stopped and disabled, what is removed, what starts.
#[test]
fn issue_17_the_plans_of_a_changed_n_read_in_both_languages() {
    use matrixctl::i18n::{Lang, with_lang};
    let f = test_facts("debian");
    let one = plan::build(&with_workers(1), &f, &memory(), &mut counter()).unwrap();
    let m1 = result_of(&one, memory());
    let three = plan::build(&with_workers(3), &f, &m1, &mut counter()).unwrap();
    let m3 = result_of(&three, m1);
    let two = plan::build(&with_workers(2), &f, &m3, &mut counter()).unwrap();
    let en = |p: &Plan| with_lang(Lang::En, || plan::show::render(p, false));
    crate::install::golden("install/debian-workers-1-to-3.txt", &en(&three));
    crate::install::golden("install/debian-workers-3-to-2.txt", &en(&two));
    let fa = with_lang(Lang::Fa, || plan::show::render(&two, false));
    crate::install::golden("install/debian-workers-3-to-2.fa.txt", &fa);
    assert_eq!(en(&two).lines().count(), fa.lines().count(), "{fa}");
    assert!(en(&two).contains("  stop       matrixd@3"), "{}", en(&two));
    assert!(
        en(&two).contains("$ systemctl disable matrixd@3"),
        "{}",
        en(&two)
    );
    assert!(fa.contains("توقف"), "{fa}");
}

/// Real processes on `drop`: killed, and their database dropped.
struct Running {
    children: Vec<std::process::Child>,
    dbname: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        testkit::pg::drop_database_blocking(&self.dbname);
    }
}

fn answers_health(port: u16, secs: u64) -> bool {
    use std::io::{Read as _, Write as _};
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = s
                .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            let mut reply = String::new();
            let _ = s.read_to_string(&mut reply);
            if reply.starts_with("HTTP/1.1 200") {
                return true;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    false
}

/// Two real matrixd processes from the configs install writes (on a PostgreSQL database of
/// this test, on free ports): both serve, doctor finds them from their config files, and when
/// one stops, doctor names it and the command that restarts it.
#[test]
fn issue_17_real_matrixd_processes_run_from_the_installed_configs_and_doctor_sees_one_stop() {
    let Some(matrixd) = crate::acme::matrixd_bin() else {
        return;
    };
    if !testkit::pg::available() {
        return;
    }
    let dbname = format!("workers_{}", std::process::id());
    testkit::pg::create_database_blocking(
        &dbname,
        "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
    );
    let mut running = Running {
        children: Vec::new(),
        dbname: dbname.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let f = facts_under(dir.path(), "debian");
    let fs = plan::existing::Fs { root: "/".into() };
    let plan = plan::build(&with_workers(2), &f, &fs, &mut matrixd::keys::random_secret).unwrap();
    apply_without_activation(&plan);
    // This test's database, and free ports in place of 8008 and 8009 (a build machine may use
    // them); everything else as written.
    let hs = plan.config_path.clone();
    let text = std::fs::read_to_string(&hs).unwrap().replace(
        "    user: \"matrixd\"\n    dbname: \"matrixd\"\n    host: \"/var/run/postgresql\"",
        &format!("    user: \"postgres\"\n    dbname: \"{dbname}\"\n    host: \"127.0.0.1\"\n    port: 5432"),
    );
    assert!(text.contains(&dbname), "{text}");
    std::fs::write(&hs, text).unwrap();
    let config_dir = config_dir_of(&f);
    let mut ports = Vec::new();
    for k in 1..=2u16 {
        let w = config_dir.join(format!("workers/matrixd-{k}.yaml"));
        let port = free_port();
        let text = std::fs::read_to_string(&w).unwrap();
        let generated = format!("  - port: {}\n", 8008 + k - 1);
        assert!(text.contains(&generated), "{text}");
        std::fs::write(&w, text.replace(&generated, &format!("  - port: {port}\n"))).unwrap();
        ports.push(port);
        // One after the other, as install starts them: the first runs the migrations.
        let child = Command::new(&matrixd)
            .arg("--config")
            .arg(&hs)
            .arg("--config")
            .arg(&w)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        running.children.push(child);
        let log = Path::new(&f.distro.paths.log_dir).join(format!("matrixd-{k}.log"));
        assert!(
            answers_health(port, 60),
            "matrixd-{k} does not answer /health on {port}:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    let (code, report) = doctor_json(&hs, &["service.workers", "--distro", "debian"]);
    let (status, summary) = result(&report, "service.workers");
    assert_eq!((code, status.as_str()), (0, "ok"), "{summary}");
    assert!(
        summary.contains(&format!("matrixd-1 ({})", ports[0]))
            && summary.contains(&format!("matrixd-2 ({})", ports[1])),
        "{summary}"
    );
    // Each wrote its own pid file and log.
    for k in 1..=2 {
        assert!(
            Path::new(&f.distro.paths.run_dir)
                .join(format!("matrixd-{k}.pid"))
                .is_file()
        );
        assert!(
            Path::new(&f.distro.paths.log_dir)
                .join(format!("matrixd-{k}.log"))
                .is_file()
        );
    }

    let mut second = running.children.pop().unwrap();
    second.kill().unwrap();
    second.wait().unwrap();
    let (code, report) = doctor_json(&hs, &["service.workers", "--distro", "debian"]);
    let (status, summary) = result(&report, "service.workers");
    assert_eq!((code, status.as_str()), (1, "fail"), "{summary}");
    assert!(
        summary.contains(&format!("matrixd-2 on port {}", ports[1]))
            && !summary.contains("matrixd-1"),
        "{summary}"
    );
}

/// doctor's nginx.proxy reads the upstream: every process's port in it, none else, hashed by
/// access token; a site that leaves one out or drops the hash is a warning that says so.
#[test]
fn issue_17_doctor_checks_the_nginx_upstream_against_the_processes() {
    let dir = tempfile::tempdir().unwrap();
    let f = facts_under(dir.path(), "debian");
    let fs = plan::existing::Fs { root: "/".into() };
    let plan = plan::build(&with_workers(2), &f, &fs, &mut matrixd::keys::random_secret).unwrap();
    apply_without_activation(&plan);
    let hs = plan.config_path.clone();
    let site = PathBuf::from(&f.distro.nginx.site);
    let check = || {
        let (_, report) = doctor_json(
            &hs,
            &[
                "nginx.proxy",
                "--distro",
                "debian",
                "--nginx-site",
                site.to_str().unwrap(),
            ],
        );
        result(&report, "nginx.proxy")
    };
    let (status, summary) = check();
    assert_eq!(status, "ok", "{summary}");
    assert!(summary.contains("http://matrixd_workers"), "{summary}");

    let text = std::fs::read_to_string(&site).unwrap();
    std::fs::write(
        &site,
        text.replace(
            "    server 127.0.0.1:8009;\n",
            "    server 127.0.0.1:9999;\n",
        ),
    )
    .unwrap();
    let (status, summary) = check();
    assert_eq!(status, "warn", "{summary}");
    assert!(
        summary.contains("leaves out matrixd-2 (port 8009)") && summary.contains("port 9999"),
        "{summary}"
    );
    std::fs::write(
        &site,
        text.replace("    hash $http_authorization consistent;\n", ""),
    )
    .unwrap();
    let (status, summary) = check();
    assert_eq!(status, "warn", "{summary}");
    assert!(
        summary.contains("hash $http_authorization consistent;"),
        "{summary}"
    );
}

/// `restore` over an install with several processes refuses while any of them runs (each has
/// its own pid file, named in its config beside homeserver.yaml), not only the single one.
#[test]
fn issue_17_restore_refuses_while_any_process_runs() {
    let dir = tempfile::tempdir().unwrap();
    let fs = plan::existing::Fs { root: "/".into() };
    // A backup of a one-process SQLite server.
    let src = dir.path().join("src");
    let fa = facts_under(&src, "debian");
    let plan_a = plan::build(
        &crate::install::answer_set("basic"),
        &fa,
        &fs,
        &mut matrixd::keys::random_secret,
    )
    .unwrap();
    apply_without_activation(&plan_a);
    crate::doctor_service::migrated_sqlite(
        &Path::new(&fa.distro.paths.data_dir).join("homeserver.db"),
    );
    let archive = dir.path().join("backup.tar.gz");
    let out = crate::matrixctl()
        .args(["backup", "--quiet", "--config"])
        .arg(&plan_a.config_path)
        .arg("--to")
        .arg(&archive)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // Restored over an install of two processes, the second of which runs.
    let dst = dir.path().join("dst");
    let fb = facts_under(&dst, "debian");
    let plan_b = plan::build(
        &with_workers(2),
        &fb,
        &fs,
        &mut matrixd::keys::random_secret,
    )
    .unwrap();
    apply_without_activation(&plan_b);
    let pid_file = Path::new(&fb.distro.paths.run_dir).join("matrixd-2.pid");
    std::fs::write(&pid_file, format!("{}\n", std::process::id())).unwrap();
    let restore = || {
        crate::matrixctl()
            .arg("restore")
            .arg(&archive)
            .arg("--config-path")
            .arg(&plan_b.config_path)
            .arg("--data-directory")
            .arg(dst.join("restored-data"))
            .arg("--force")
            .output()
            .unwrap()
    };
    let out = restore();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("matrixd is running (pid {})", std::process::id())),
        "{}",
        stderr(&out)
    );
    // Not running: the refusal is gone (whatever the restore then does).
    std::fs::remove_file(&pid_file).unwrap();
    let out = restore();
    assert!(
        !stderr(&out).contains("matrixd is running"),
        "{}",
        stderr(&out)
    );
}
