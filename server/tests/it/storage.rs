//! Storage behaviour across restarts: data persists, server_name is pinned to its database,
//! and PostgreSQL databases with the wrong collation are refused as Synapse refuses them.

use crate::both_engines;
use crate::support::{self, Engine, Home, Options, TestServer};

async fn accounts_survive_a_restart(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let (_, reg) = s.register("s3cr3t-for-tests", "alice", "pw", false).await;
    s.stop().await;

    let s = TestServer::start(&home, &Options::default()).await;
    let (status, _) = s
        .get_auth(
            "/_matrix/client/v3/account/whoami",
            reg["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, 200, "tokens survive a restart");
    assert_eq!(s.login("alice", "pw").await.0, 200);
    s.stop().await;
    home.cleanup().await;
}
both_engines!(accounts_survive_a_restart);

async fn server_name_is_pinned(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    s.stop().await;
    let other = Options {
        server_name: "other.example".into(),
        ..Default::default()
    };
    let err = TestServer::try_start(&home, &other)
        .await
        .err()
        .expect("refused");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("belongs to server_name \"test.example\""),
        "{msg}"
    );
    home.cleanup().await;
}
both_engines!(server_name_is_pinned);

#[tokio::test]
async fn postgres_with_a_non_c_collation_is_refused() {
    if !testkit::pg::available() {
        return;
    }
    let mut home = Home::new(Engine::Sqlite).await;
    let db = support::create_pg_database("C.UTF-8").await;
    home.engine = Engine::Postgres;
    home.pg_database = Some(db);
    let err = TestServer::try_start(&home, &Options::default())
        .await
        .err()
        .expect("refused");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("must be 'C'") && msg.contains("allow_unsafe_locale"),
        "{msg}"
    );

    let o = Options {
        extra: String::new(),
        ..Default::default()
    };
    // With the escape hatch, it starts.
    let path = home.write_config(&o);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("database:\n", "database:\n  allow_unsafe_locale: true\n");
    std::fs::write(&path, text).unwrap();
    let config = matrixd::config::load(&[path]).unwrap();
    let server = matrixd::Server::start(config)
        .await
        .expect("starts with allow_unsafe_locale");
    drop(server);
    home.cleanup().await;
}

/// Every statement a new PostgreSQL connection prepares ahead parses against the real schema
/// (failures there are only logged, so a typo would otherwise cost every request its round trip).
#[tokio::test]
async fn statements_prepared_ahead_parse() {
    if !testkit::pg::available() {
        return;
    }
    let name = support::create_pg_database("C").await;
    let args = matrixd::config::PostgresArgs {
        user: Some(support::pg_user()),
        password: None,
        dbname: Some(name.clone()),
        host: Some(support::pg_host()),
        port: Some(support::pg_port()),
        cp_min: 1,
        cp_max: 2,
        sslmode: None,
        sslrootcert: None,
        application_name: None,
        connect_timeout: None,
        allow_unsafe_locale: false,
    };
    let db = matrixd::store::Db::connect(&matrixd::config::Database::Postgres(args))
        .await
        .expect("connect and migrate");
    let checked = db.check_prepared_ahead().await;
    db.pool.close().await;
    support::drop_pg_database(&name).await;
    checked.expect("every statement prepares");
}

/// The reads an initial sync makes for many rooms at once answer, room by room, what the
/// single-room reads answer (on PostgreSQL they are one statement each, on SQLite a loop).
async fn reads_for_many_rooms_equal_the_single_room_reads(engine: Engine) {
    use matrixd::store::{rooms, userdata};
    use reqwest::Method;
    use serde_json::json;

    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let room = alice
            .create_room(json!({"preset": "public_chat", "name": format!("r{i}")}))
            .await;
        let r = support::enc(&room);
        bob.ok(Method::POST, &format!("/join/{r}"), json!({})).await;
        for k in 0..(3 * i) {
            let event = alice.send_text(&room, &format!("t{i}{k}"), "hi").await;
            if k % 2 == 0 {
                bob.ok(
                    Method::POST,
                    &format!("/rooms/{r}/receipt/m.read/{}", support::enc(&event)),
                    json!({}),
                )
                .await;
            }
        }
        ids.push(room);
    }
    ids.push("!unknown:test.example".to_string());
    let rooms_list: Vec<&str> = ids.iter().map(String::as_str).collect();
    // The server's database, opened beside it.
    let config = matrixd::config::load(&[home.config_path()]).expect("config loads");
    let db = &matrixd::store::Db::connect(&config.database)
        .await
        .expect("database opens");
    let now = s.services.streams.current();
    let many = rooms::events_backwards_rooms(db, &rooms_list, 0, now, 4)
        .await
        .unwrap();
    let receipts = userdata::receipts_since_rooms(db, &rooms_list, 0)
        .await
        .unwrap();
    let positions: Vec<(&str, i64)> = rooms_list.iter().map(|r| (*r, now - 3)).collect();
    let states = rooms::state_then_rooms(db, &positions).await.unwrap();
    for room in &rooms_list {
        let one = rooms::events_backwards(db, room, 0, now, 4).await.unwrap();
        let ids_of = |rows: &[rooms::EventRow]| -> Vec<String> {
            rows.iter().map(|r| r.event_id.clone()).collect()
        };
        assert_eq!(
            many.get(*room).map(|v| ids_of(v)).unwrap_or_default(),
            ids_of(&one),
            "timeline of {room}"
        );
        assert_eq!(
            receipts.get(*room).cloned().unwrap_or_default(),
            userdata::receipts_since(db, room, 0).await.unwrap(),
            "receipts of {room}"
        );
        let state = rooms::state_then(db, room, now - 3).await.unwrap();
        assert_eq!(
            states.get(*room).map(|v| ids_of(v)).unwrap_or_default(),
            ids_of(&state),
            "state of {room}"
        );
    }
    assert!(
        many.len() >= 4 && !receipts.is_empty(),
        "the rooms were read"
    );
    s.stop().await;
    home.cleanup().await;
}
both_engines!(reads_for_many_rooms_equal_the_single_room_reads);
