//! The doctor's TLS checks on rcgen certificates: readable, matching key, expiry, names and
//! the full chain (fullchain.pem versus cert.pem), for matrixd's own and the nginx site's.

use matrixctl::doctor::checks::tls::name_covers;

use crate::doctor_support::{Conf, Leaf, Pki, expect, free_port, self_signed, write_mode};

/// A config whose tls_certificate_path holds `cert_pem` and tls_private_key_path `key_pem`.
fn with_cert(cert_pem: &str, key_pem: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert_pem).unwrap();
    write_mode(&dir.path().join("key.pem"), key_pem.as_bytes(), 0o600);
    let d = dir.path().display().to_string();
    let cfg = Conf::new(dir.path(), free_port())
        .set("tls_certificate_path", &format!("\"{d}/cert.pem\""))
        .set("tls_private_key_path", &format!("\"{d}/key.pem\""))
        .write();
    (dir, cfg)
}

fn good(pki: &Pki) -> Leaf {
    pki.leaf(&["matrix.example.test", "example.test"], 90)
}

#[test]
fn tls_checks_skip_without_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Conf::new(dir.path(), free_port()).write();
    for id in [
        "tls.certificate",
        "tls.key_match",
        "tls.expiry",
        "tls.names",
        "tls.chain",
    ] {
        expect(&cfg, id, &[], "skip");
    }
}

#[test]
fn a_good_full_chain_passes_every_tls_check() {
    let pki = Pki::new();
    let leaf = good(&pki);
    let (_d, cfg) = with_cert(&pki.fullchain(&leaf), &leaf.key_pem);
    let s = expect(&cfg, "tls.certificate", &[], "ok");
    assert!(
        s.contains("matrix.example.test, issued by Doctor Test CA"),
        "{s}"
    );
    expect(&cfg, "tls.key_match", &[], "ok");
    let s = expect(&cfg, "tls.expiry", &[], "ok");
    assert!(s.contains("more days"), "{s}");
    expect(&cfg, "tls.names", &[], "ok");
    let s = expect(&cfg, "tls.chain", &[], "ok");
    assert!(s.contains("full chain of 2"), "{s}");
}

#[test]
fn tls_certificate_fails_on_a_file_without_a_certificate() {
    let pki = Pki::new();
    let leaf = good(&pki);
    let (_d, cfg) = with_cert("this is not PEM\n", &leaf.key_pem);
    expect(&cfg, "tls.certificate", &[], "fail");
}

#[test]
fn tls_key_match_fails_with_another_key() {
    let pki = Pki::new();
    let leaf = good(&pki);
    let other = good(&pki);
    let (_d, cfg) = with_cert(&pki.fullchain(&leaf), &other.key_pem);
    let s = expect(&cfg, "tls.key_match", &[], "fail");
    assert!(s.contains("does not belong"), "{s}");
}

#[test]
fn issue_19_tls_expiry_fails_when_expired_and_warns_under_30_days() {
    let pki = Pki::new();
    let expired = pki.leaf(&["matrix.example.test", "example.test"], -2);
    let (_d, cfg) = with_cert(&pki.fullchain(&expired), &expired.key_pem);
    let s = expect(&cfg, "tls.expiry", &[], "fail");
    assert!(s.contains("expired"), "{s}");
    let soon = pki.leaf(&["matrix.example.test", "example.test"], 5);
    let (_d, cfg) = with_cert(&pki.fullchain(&soon), &soon.key_pem);
    let s = expect(&cfg, "tls.expiry", &[], "warn");
    assert!(s.contains("expires in 5 day(s)"), "{s}");
    assert!(fix(&cfg).contains("certbot renew"), "{}", fix(&cfg));
    let month = pki.leaf(&["matrix.example.test", "example.test"], 25);
    let (_d, cfg) = with_cert(&pki.fullchain(&month), &month.key_pem);
    let s = expect(&cfg, "tls.expiry", &[], "warn");
    assert!(s.contains("expires in 25 day(s)"), "{s}");
    let later = pki.leaf(&["matrix.example.test", "example.test"], 31);
    let (_d, cfg) = with_cert(&pki.fullchain(&later), &later.key_pem);
    expect(&cfg, "tls.expiry", &[], "ok");
    // A self-signed certificate made 340 days and an hour ago has 24 days and 23 hours left: a
    // re-run of the install renews it.
    let now = matrixctl::plan::tls::now();
    let names = ["matrix.example.test".to_string()];
    let old = matrixctl::exec::apply::self_signed(&names, now - 340 * 86_400 - 3600).unwrap();
    let (_d, cfg) = with_cert(&old.cert.pem(), &old.signing_key.serialize_pem());
    let s = expect(&cfg, "tls.expiry", &[], "warn");
    assert!(s.contains("expires in 24 day(s)"), "{s}");
    assert!(fix(&cfg).contains("matrixctl install"), "{}", fix(&cfg));
}

/// The fix tls.expiry proposes.
fn fix(cfg: &std::path::Path) -> String {
    let (_, report) = crate::doctor_support::doctor_json(cfg, &["tls.expiry"]);
    report["checks"][0]["fix"].to_string()
}

#[test]
fn tls_names_fails_when_public_baseurl_host_is_not_covered() {
    let pki = Pki::new();
    let wrong = pki.leaf(&["other.example.test"], 90);
    let (_d, cfg) = with_cert(&pki.fullchain(&wrong), &wrong.key_pem);
    let s = expect(&cfg, "tls.names", &[], "fail");
    assert!(s.contains("not for matrix.example.test"), "{s}");
    // A wildcard covers matrix.example.test; example.test itself is missing: a warning.
    let wild = pki.leaf(&["*.example.test"], 90);
    let (_d, cfg) = with_cert(&pki.fullchain(&wild), &wild.key_pem);
    expect(&cfg, "tls.names", &[], "warn");
    assert!(name_covers("*.example.test", "matrix.example.test"));
    assert!(!name_covers("*.example.test", "a.b.example.test"));
    assert!(!name_covers("*.example.test", "example.test"));
}

#[test]
fn tls_chain_fails_for_a_leaf_without_its_chain_and_warns_for_self_signed() {
    let pki = Pki::new();
    let leaf = good(&pki);
    let (_d, cfg) = with_cert(&leaf.cert_pem, &leaf.key_pem);
    let s = expect(&cfg, "tls.chain", &[], "fail");
    assert!(s.contains("cert.pem instead of fullchain.pem"), "{s}");
    // Out of order: the CA first.
    let (_d, cfg) = with_cert(&format!("{}{}", pki.ca_pem, leaf.cert_pem), &leaf.key_pem);
    expect(&cfg, "tls.chain", &[], "fail");
    let ss = self_signed(&["matrix.example.test", "example.test"]);
    let (_d, cfg) = with_cert(&ss.cert_pem, &ss.key_pem);
    let s = expect(&cfg, "tls.chain", &[], "warn");
    assert!(s.contains("self-signed"), "{s}");
}

#[test]
fn the_nginx_sites_certificate_is_checked_too() {
    let pki = Pki::new();
    let leaf = good(&pki);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("cert.pem"), &leaf.cert_pem).unwrap();
    write_mode(&d.join("key.pem"), leaf.key_pem.as_bytes(), 0o600);
    let site = d.join("site.conf");
    std::fs::write(&site, format!("server {{\n  listen 443 ssl;\n  ssl_certificate {0}/cert.pem;\n  ssl_certificate_key {0}/key.pem;\n}}\n", d.display())).unwrap();
    let cfg = Conf::new(d, free_port()).write();
    let site_arg = site.to_str().unwrap();
    expect(&cfg, "tls.key_match", &["--nginx-site", site_arg], "ok");
    let s = expect(&cfg, "tls.chain", &["--nginx-site", site_arg], "fail");
    assert!(s.contains("fullchain.pem"), "{s}");
}

#[test]
fn issue_19_tls_renewal_reports_a_missing_timer_and_skips_without_acme() {
    let pki = Pki::new();
    let leaf = good(&pki);
    let (dir, cfg) = with_cert(&pki.fullchain(&leaf), &leaf.key_pem);
    let s = expect(&cfg, "tls.renewal", &[], "skip");
    assert!(s.contains("renew.toml"), "{s}");
    // install --tls acme's settings beside the config, but no timer on this machine.
    std::fs::create_dir_all(dir.path().join("acme")).unwrap();
    std::fs::write(
        dir.path().join("acme/renew.toml"),
        format!(
            "directory = \"https://acme-v02.api.letsencrypt.org/directory\"\nnames = [\"matrix.example.test\"]\ncert = \"{0}/cert.pem\"\nkey = \"{0}/key.pem\"\naccount_dir = \"{0}/acme\"\nchallenge_dir = \"{0}/www\"\n\n[key_owner]\nuser = \"root\"\ngroup = \"root\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    for distro in ["debian", "alpine"] {
        if std::path::Path::new("/etc/systemd/system/matrixd-renew-certs.timer").exists()
            || std::path::Path::new("/etc/periodic/daily/matrixd-renew-certs").exists()
        {
            return;
        }
        let s = expect(&cfg, "tls.renewal", &["--distro", distro], "warn");
        assert!(s.contains("will not renew itself"), "{distro}: {s}");
    }
    // The fix for a certificate about to expire is now renew-certs.
    let soon = pki.leaf(&["matrix.example.test", "example.test"], 5);
    std::fs::write(dir.path().join("cert.pem"), pki.fullchain(&soon)).unwrap();
    write_mode(&dir.path().join("key.pem"), soon.key_pem.as_bytes(), 0o600);
    expect(&cfg, "tls.expiry", &[], "warn");
    assert!(fix(&cfg).contains("matrixctl renew-certs"), "{}", fix(&cfg));
}
