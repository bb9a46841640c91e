//! Email over a real SMTP server on loopback (aiosmtpd, from the venv of
//! tests/interop/setup-synapse.sh, started by the test): adding an address to an account
//! (requestToken, the mailed link, /account/3pid/add behind UIA, /account/3pid) and password
//! reset (requestToken, the link's confirmation form, /account/password with
//! m.login.email.identity and no access token). Also the config rules.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer};

const BASEURL: &str = "https://matrix.test.example/";

/// aiosmtpd writing each received mail to a directory; killed (by pid) on drop.
struct SmtpSink {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let python = std::env::var("MATRIXD_TEST_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
                    .join(".cache/matrixctl/synapse-venv/bin/python")
            });
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/smtp_sink.py");
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(&python)
            .arg(&script)
            .arg(dir.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {} ({e}); run tests/interop/setup-synapse.sh (it installs aiosmtpd)", python.display()));
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("smtp_sink.py did not print a port (is aiosmtpd installed? run tests/interop/setup-synapse.sh): {line:?}")
        });
        SmtpSink { child, port, dir }
    }

    fn count(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "json")
            })
            .count()
    }

    /// Waits for mail number `n` (1-based).
    async fn mail(&self, n: usize) -> Value {
        let path = self.dir.path().join(format!("{n}.json"));
        for _ in 0..100 {
            if let Ok(text) = std::fs::read_to_string(&path) {
                return serde_json::from_str(&text).unwrap();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("mail {n} never arrived");
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first URL in a mail body.
fn link_in(mail: &Value) -> String {
    let body = mail["body"].as_str().unwrap();
    let start = body.find("https://").expect("a link in the mail");
    body[start..].split_whitespace().next().unwrap().to_string()
}

/// The link, aimed at the test server instead of public_baseurl.
fn local(server: &TestServer, link: &str) -> String {
    assert!(link.starts_with(BASEURL), "{link}");
    format!("{}/{}", server.url, &link[BASEURL.len()..])
}

fn email_options(port: u16) -> Options {
    Options {
        public_baseurl: Some(BASEURL.into()),
        extra: format!(
            "email:\n  smtp_host: 127.0.0.1\n  smtp_port: {port}\n  notif_from: \"Test Server <noreply@test.example>\"\n  app_name: MatrixTest\n"
        ),
        ..Default::default()
    }
}

async fn add_email_and_reset_password(engine: Engine) {
    let sink = SmtpSink::start();
    let home = Home::new(engine).await;
    let server = TestServer::start(&home, &email_options(sink.port)).await;
    let alice = server.user("alice").await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // requestToken for an address to add; the same send_attempt again gets the same sid, no mail.
    let req =
        json!({"client_secret": "add-secret", "email": "Alice@Example.ORG", "send_attempt": 1});
    let (status, body) = server
        .post("/_matrix/client/v3/account/3pid/email/requestToken", &req)
        .await;
    assert_eq!(status, 200, "{body}");
    let sid = body["sid"].as_str().unwrap().to_string();
    let mail = sink.mail(1).await;
    assert_eq!(
        mail["to"],
        json!(["alice@example.org"]),
        "mailed to the canonical address"
    );
    assert_eq!(mail["from"], "noreply@test.example");
    assert!(
        mail["subject"]
            .as_str()
            .unwrap()
            .contains("Validate your email"),
        "{mail}"
    );
    assert!(
        mail["body"].as_str().unwrap().contains("MatrixTest"),
        "{mail}"
    );
    let link = link_in(&mail);
    assert!(
        link.starts_with(&format!(
            "{BASEURL}_matrix/client/unstable/add_threepid/email/submit_token?"
        )),
        "{link}"
    );
    let (status, again) = server
        .post("/_matrix/client/v3/account/3pid/email/requestToken", &req)
        .await;
    assert_eq!((status, again["sid"].as_str()), (200, Some(sid.as_str())));

    // Not validated yet: /3pid/add passes UIA but finds no validated session.
    let add = |session: Option<String>| {
        let alice = alice.clone();
        let sid = sid.clone();
        async move {
            let mut body = json!({"client_secret": "add-secret", "sid": sid});
            if let Some(session) = session {
                body["auth"] = json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": "alice"}, "password": "password", "session": session});
            }
            alice.post("/account/3pid/add", body).await
        }
    };
    let (status, challenge) = add(None).await;
    assert_eq!(status, 401, "{challenge}");
    assert_eq!(
        challenge["flows"],
        json!([{"stages": ["m.login.password"]}])
    );
    let (status, body) = add(challenge["session"].as_str().map(str::to_string)).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_THREEPID_AUTH_FAILED")),
        "{body}"
    );

    // A wrong client_secret on the link fails; the real link validates.
    let wrong = local(&server, &link).replace("client_secret=add-secret", "client_secret=other");
    let r = plain.get(&wrong).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = plain.get(local(&server, &link)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("validated"));

    let (status, challenge) = add(None).await;
    assert_eq!(status, 401);
    let (status, body) = add(challenge["session"].as_str().map(str::to_string)).await;
    assert_eq!(status, 200, "{body}");
    let (status, list) = alice.get("/account/3pid").await;
    assert_eq!(status, 200);
    let t = &list["threepids"];
    assert_eq!(t.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(
        (t[0]["medium"].as_str(), t[0]["address"].as_str()),
        (Some("email"), Some("alice@example.org"))
    );
    assert!(t[0]["validated_at"].as_i64().unwrap() > 0 && t[0]["added_at"].as_i64().unwrap() > 0);

    // The address is now taken.
    let (status, body) = server
        .post(
            "/_matrix/client/v3/account/3pid/email/requestToken",
            &json!({"client_secret": "x", "email": "alice@example.org", "send_attempt": 1}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_THREEPID_IN_USE"))
    );

    // Password reset: unknown addresses are refused; a known one gets a mail.
    let (status, body) = server
        .post(
            "/_matrix/client/v3/account/password/email/requestToken",
            &json!({"client_secret": "r", "email": "nobody@example.org", "send_attempt": 1}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_THREEPID_NOT_FOUND"))
    );
    let (status, body) = server
        .post(
            "/_matrix/client/r0/account/password/email/requestToken",
            &json!({"client_secret": "reset-secret", "email": "ALICE@example.org", "send_attempt": 1, "next_link": "https://client.example/done"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let reset_sid = body["sid"].as_str().unwrap().to_string();
    let mail = sink.mail(2).await;
    assert!(
        mail["subject"].as_str().unwrap().contains("Password reset"),
        "{mail}"
    );
    let link = link_in(&mail);
    assert!(
        link.starts_with(&format!(
            "{BASEURL}_synapse/client/password_reset/email/submit_token?"
        )),
        "{link}"
    );

    // Before the link is followed, the email stage does not pass.
    let reset = |session: Option<&str>| {
        let mut auth = json!({"type": "m.login.email.identity", "threepid_creds": {"sid": reset_sid, "client_secret": "reset-secret"}});
        if let Some(s) = session {
            auth["session"] = json!(s);
        }
        json!({"new_password": "brand-new-password", "auth": auth})
    };
    let (status, body) = server
        .post("/_matrix/client/v3/account/password", &reset(None))
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errcode"], "M_UNAUTHORIZED", "{body}");
    assert_eq!(
        body["flows"],
        json!([{"stages": ["m.login.email.identity"]}])
    );
    let session = body["session"].as_str().unwrap().to_string();

    // The link shows a confirmation form; posting it validates and redirects to next_link.
    let r = plain.get(local(&server, &link)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("<form method=\"post\""), "{page}");
    let query = local(&server, &link);
    let (target, form) = query.split_once('?').unwrap();
    let r = plain
        .post(target)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("https://client.example/done?sid={reset_sid}")
    );

    let (status, body) = server
        .post(
            "/_matrix/client/v3/account/password",
            &reset(Some(&session)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = server.login("alice", "password").await;
    assert_eq!(status, 403, "the old password no longer works");
    let (status, body) = server.login("alice", "brand-new-password").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = alice.get("/account/whoami").await;
    assert_eq!(status, 401, "devices are logged out by default");

    assert_eq!(sink.count(), 2, "no mail was sent twice");
    server.stop().await;
    home.cleanup().await;
}
both_engines!(add_email_and_reset_password);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_config_rules() {
    let home = Home::new(Engine::Sqlite).await;
    // Email without public_baseurl: refused, naming both keys.
    let o = Options {
        public_baseurl: None,
        ..email_options(2525)
    };
    let err = TestServer::try_start(&home, &o)
        .await
        .err()
        .expect("refuses to start");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("email") && msg.contains("public_baseurl"),
        "{msg}"
    );
    // notif_from is required.
    let o = Options {
        public_baseurl: Some(BASEURL.into()),
        extra: "email:\n  smtp_host: localhost\n".into(),
        ..Default::default()
    };
    let msg = format!(
        "{:#}",
        TestServer::try_start(&home, &o)
            .await
            .err()
            .expect("refuses to start")
    );
    assert!(msg.contains("email.notif_from"), "{msg}");

    // Without email, the endpoints answer as Synapse's do.
    let server = TestServer::start(&home, &Options::default()).await;
    let req = json!({"client_secret": "s", "email": "a@example.org", "send_attempt": 1});
    let (status, body) = server
        .post("/_matrix/client/v3/account/3pid/email/requestToken", &req)
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_THREEPID_MEDIUM_NOT_SUPPORTED")),
        "{body}"
    );
    let (status, body) = server
        .post(
            "/_matrix/client/v3/account/password/email/requestToken",
            &req,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    server.stop().await;
    home.cleanup().await;
}
