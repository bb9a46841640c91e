//! `matrixctl doctor` against a running matrixd (generate-config, then the server): the local
//! checks (config, service, database) report no failure while it runs, and the service checks
//! fail once it is stopped.

use std::process::Command;

use crate::support::*;

fn doctor(config: &std::path::Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(bin("matrixctl"))
        .args([
            "doctor",
            "--json",
            "--offline",
            "--nginx-site",
            "/nonexistent/site.conf",
            "-c",
        ])
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), v)
}

fn status<'a>(report: &'a serde_json::Value, id: &str) -> &'a str {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing: {report:#}"))["status"]
        .as_str()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_finds_no_failure_on_a_running_matrixd_and_notices_when_it_stops() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let (proc, _url, config) = start_matrixd(dir.path()).await;
    let config2 = config.clone();
    let (code, report) =
        tokio::task::spawn_blocking(move || doctor(&config2, &["config", "service", "db"]))
            .await
            .unwrap();
    let fails: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert!(fails.is_empty(), "failures on a running server: {fails:#?}");
    assert_eq!(code, 0, "{report:#}");
    for id in [
        "config.parse",
        "config.signing_key",
        "service.running",
        "service.listeners",
        "service.client_versions",
        "db.reachable",
        "db.migrations",
    ] {
        assert_eq!(status(&report, id), "ok", "{id}: {report:#}");
    }
    drop(proc);
    let (code, report) = tokio::task::spawn_blocking(move || doctor(&config, &["service"]))
        .await
        .unwrap();
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(status(&report, "service.client_versions"), "fail");
    assert_eq!(status(&report, "service.listeners"), "fail");
}
