//! Test harness: writes a homeserver.yaml into a temporary directory, creates a PostgreSQL
//! database when asked, and runs matrixd on an ephemeral loopback port.

use std::path::{Path, PathBuf};

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs an async test body once per storage engine.
#[macro_export]
macro_rules! both_engines {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                // Without PostgreSQL, plain `cargo test` skips with a message; scripts/test.sh fails.
                if testkit::pg::available() {
                    super::$name($crate::support::Engine::Postgres).await
                }
            }
        }
    };
}

pub use testkit::pg::{host as pg_host, port as pg_port, user as pg_user};

/// Creates an empty database as Synapse's docs require (UTF8, C collation).
pub async fn create_pg_database(collation: &str) -> String {
    let name = format!("matrixd_test_{}", random_suffix());
    testkit::pg::create_database(
        &name,
        &format!(
            "ENCODING 'UTF8' LC_COLLATE '{collation}' LC_CTYPE '{collation}' TEMPLATE template0"
        ),
    )
    .await;
    name
}

pub async fn drop_pg_database(name: &str) {
    testkit::pg::drop_database(name).await;
}

pub fn random_suffix() -> String {
    use rand::RngExt as _;
    let mut rng = rand::rng();
    (0..12)
        .map(|_| (b'a' + rng.random_range(0..26u8)) as char)
        .collect()
}

/// Options for a test server's config.
#[derive(Clone)]
pub struct Options {
    pub server_name: String,
    pub shared_secret: Option<String>,
    pub public_baseurl: Option<String>,
    /// Extra YAML appended to the config.
    pub extra: String,
    /// Raise the rc_* limits far above Synapse's defaults (as Synapse's own tests do), so tests
    /// that send quickly are not throttled; rate-limit tests turn this off.
    pub relaxed_limits: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            server_name: "test.example".into(),
            shared_secret: Some("s3cr3t-for-tests".into()),
            public_baseurl: None,
            extra: String::new(),
            relaxed_limits: true,
        }
    }
}

/// rc_* settings far above anything a test does.
pub const RELAXED_LIMITS: &str = "rc_message: {per_second: 10000, burst_count: 10000}\nrc_registration: {per_second: 10000, burst_count: 10000}\nrc_login: {address: {per_second: 10000, burst_count: 10000}, account: {per_second: 10000, burst_count: 10000}, failed_attempts: {per_second: 10000, burst_count: 10000}}\nrc_joins: {local: {per_second: 10000, burst_count: 10000}, remote: {per_second: 10000, burst_count: 10000}}\nrc_invites: {per_room: {per_second: 10000, burst_count: 10000}, per_user: {per_second: 10000, burst_count: 10000}, per_issuer: {per_second: 10000, burst_count: 10000}}\n";

/// A temporary server home: config, key, database.
pub struct Home {
    pub dir: tempfile::TempDir,
    pub engine: Engine,
    pub pg_database: Option<String>,
}

impl Home {
    pub async fn new(engine: Engine) -> Home {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = matrixd::keys::SigningKey::generate();
        std::fs::write(dir.path().join("signing.key"), key.to_file_line()).unwrap();
        let pg_database = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(create_pg_database("C").await),
        };
        Home {
            dir,
            engine,
            pg_database,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("homeserver.yaml")
    }

    pub fn database_yaml(&self) -> String {
        match &self.pg_database {
            None => format!(
                "database:\n  name: sqlite3\n  args:\n    database: \"{}\"\n",
                self.path().join("homeserver.db").display()
            ),
            Some(db) => format!(
                "database:\n  name: psycopg2\n  args:\n    user: \"{}\"\n    dbname: \"{db}\"\n    host: \"{}\"\n    port: {}\n    cp_min: 1\n    cp_max: 5\n",
                pg_user(),
                pg_host(),
                pg_port()
            ),
        }
    }

    pub fn write_config(&self, o: &Options) -> PathBuf {
        let mut y = format!(
            "server_name: \"{}\"\nreport_stats: false\nlisteners:\n  - port: 0\n    bind_addresses: ['127.0.0.1']\n    type: http\n    resources:\n      - names: [client, federation]\nsigning_key_path: \"{}\"\nmedia_store_path: \"{}\"\n{}",
            o.server_name,
            self.path().join("signing.key").display(),
            self.path().join("media").display(),
            self.database_yaml()
        );
        if let Some(s) = &o.shared_secret {
            y.push_str(&format!("registration_shared_secret: \"{s}\"\n"));
        }
        if let Some(u) = &o.public_baseurl {
            y.push_str(&format!("public_baseurl: \"{u}\"\n"));
        }
        if o.relaxed_limits {
            y.push_str(RELAXED_LIMITS);
        }
        y.push_str(&o.extra);
        std::fs::write(self.config_path(), y).unwrap();
        self.config_path()
    }

    pub async fn cleanup(self) {
        if let Some(db) = &self.pg_database {
            drop_pg_database(db).await;
        }
    }
}

/// A running server.
pub struct TestServer {
    pub url: String,
    pub http: reqwest::Client,
    /// The running server's services, for what tests check below HTTP.
    pub services: matrixd::service::SharedServices,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    pub async fn start(home: &Home, o: &Options) -> TestServer {
        Self::try_start(home, o).await.expect("server starts")
    }

    pub async fn try_start(home: &Home, o: &Options) -> anyhow::Result<TestServer> {
        Self::start_from(home.write_config(o)).await
    }

    /// Starts matrixd on the config file at `path` as it is (for tests that edit the YAML
    /// `Home::write_config` wrote); `url` is its first listener, which must be plain HTTP.
    pub async fn start_from(path: PathBuf) -> anyhow::Result<TestServer> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = matrixd::config::load(&[path]).map_err(|e| anyhow::anyhow!("{e}"))?;
        let server = matrixd::Server::start(config).await?;
        let addr = server.local_addrs()[0];
        let services = server.services.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(async move {
            let _ = rx.await;
        }));
        Ok(TestServer {
            url: format!("http://{addr}"),
            http: reqwest::Client::new(),
            services,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await
                .expect("server task")
                .expect("server shut down cleanly");
        }
    }

    pub fn u(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.u(path)).send().await.expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.u(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.u(path))
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Registers through the shared-secret API, as register_new_matrix_user does.
    pub async fn register(
        &self,
        secret: &str,
        user: &str,
        password: &str,
        admin: bool,
    ) -> (u16, Value) {
        let (_, nonce) = self.get("/_synapse/admin/v1/register").await;
        let nonce = nonce["nonce"].as_str().expect("nonce").to_string();
        let mac = matrixd::api::admin::register::registration_mac(
            secret, &nonce, user, password, admin, None,
        );
        self.post(
            "/_synapse/admin/v1/register",
            &serde_json::json!({"nonce": nonce, "username": user, "password": password, "admin": admin, "mac": mac}),
        )
        .await
    }

    pub async fn login(&self, user: &str, password: &str) -> (u16, Value) {
        self.post(
            "/_matrix/client/v3/login",
            &serde_json::json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user}, "password": password}),
        )
        .await
    }
}

/// A logged-in user on a test server.
#[derive(Clone)]
pub struct User {
    pub user_id: String,
    pub token: String,
    pub base: String,
    pub http: reqwest::Client,
}

impl TestServer {
    /// Registers `name` with the shared secret and returns the logged-in user.
    pub async fn user(&self, name: &str) -> User {
        let (status, body) = self
            .register("s3cr3t-for-tests", name, "password", false)
            .await;
        assert_eq!(status, 200, "register {name}: {body}");
        User {
            user_id: body["user_id"].as_str().unwrap().to_string(),
            token: body["access_token"].as_str().unwrap().to_string(),
            base: self.url.clone(),
            http: self.http.clone(),
        }
    }
}

impl User {
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let path = if path.starts_with("/_matrix") || path.starts_with("/_synapse") {
            path.to_string()
        } else {
            format!("/_matrix/client/v3{path}")
        };
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(b);
        }
        let res = r.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(&body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PUT, path, Some(&body)).await
    }
    /// Asserts 200 and returns the body.
    pub async fn ok(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let (status, v) = self.call(method.clone(), path, Some(&body)).await;
        assert_eq!(status, 200, "{method} {path}: {v}");
        v
    }
    pub async fn create_room(&self, body: Value) -> String {
        self.ok(reqwest::Method::POST, "/createRoom", body).await["room_id"]
            .as_str()
            .unwrap()
            .to_string()
    }
    pub async fn send_text(&self, room_id: &str, txn: &str, text: &str) -> String {
        let path = format!("/rooms/{}/send/m.room.message/{txn}", enc(room_id));
        self.ok(
            reqwest::Method::PUT,
            &path,
            serde_json::json!({"msgtype": "m.text", "body": text}),
        )
        .await["event_id"]
            .as_str()
            .unwrap()
            .to_string()
    }
    pub async fn sync(&self, since: Option<&str>, timeout_ms: u64) -> Value {
        let mut path = format!("/sync?timeout={timeout_ms}");
        if let Some(s) = since {
            path.push_str(&format!("&since={}", enc(s)));
        }
        let (status, v) = self.get(&path).await;
        assert_eq!(status, 200, "sync: {v}");
        v
    }
}

/// Percent-encodes a path segment.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
