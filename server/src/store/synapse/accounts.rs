//! Users (password hashes as Synapse stored them: bcrypt, checked at login and rehashed to
//! argon2 then), profiles, third-party ids, devices, access tokens and refresh tokens (stored
//! hashed, with their expiry and refresh chains, so clients stay logged in and keep
//! refreshing) and registration tokens. A locked account (matrixd has no locks) comes
//! without its password hash and tokens: it keeps no way in until an admin sets a password.

use super::source::{SynapseDb, Val};
use super::target::{self, Target};
use super::{Check, Converted, Ctx, TableStep, as_is, int, opt, text, token_hash};
use crate::store::{Db, StoreError};

pub(super) static STEPS: &[TableStep] = &[
    TableStep {
        name: "users",
        what: "users with password hashes, admin and deactivated flags, user types",
        count: "SELECT COUNT(*) FROM users",
        // A locked account (matrixd has no locks) keeps no way in: no password, no tokens.
        select: "SELECT name, CASE WHEN locked THEN NULL ELSE password_hash END, CAST(creation_ts AS BIGINT), \
                 CAST(admin AS BIGINT), user_type, CAST(deactivated AS BIGINT) FROM users ORDER BY name LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO users (user_id, localpart, password_hash, admin, user_type, displayname, deactivated, created_ts)",
            cols: 8,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: users,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM users"),
    },
    TableStep {
        name: "profiles",
        what: "display names and avatars",
        count: "SELECT COUNT(*) FROM profiles",
        select: "SELECT user_id, displayname, avatar_url FROM profiles ORDER BY user_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO users (user_id, localpart, displayname, avatar_url, created_ts)",
            cols: 5,
            tail: "ON CONFLICT (user_id) DO UPDATE SET displayname = excluded.displayname, avatar_url = excluded.avatar_url",
        }],
        convert: profiles,
        batch: 1000,
        check: None,
    },
    TableStep {
        name: "user_threepids",
        what: "e-mail addresses and phone numbers bound to accounts",
        count: "SELECT COUNT(*) FROM user_threepids",
        select: "SELECT user_id, medium, address, CAST(validated_at AS BIGINT), CAST(added_at AS BIGINT) \
                 FROM user_threepids ORDER BY medium, address LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO user_threepids (user_id, medium, address, validated_at, added_at)",
            cols: 5,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM user_threepids"),
    },
    TableStep {
        name: "devices",
        what: "devices (cross-signing keys' hidden devices left out)",
        count: "SELECT COUNT(*) FROM devices WHERE hidden IS NULL OR NOT hidden",
        select: "SELECT user_id, device_id, display_name, CAST(COALESCE(last_seen, 0) AS BIGINT) FROM devices \
                 WHERE hidden IS NULL OR NOT hidden ORDER BY user_id, device_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO devices (user_id, device_id, display_name, created_ts)",
            cols: 4,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM devices"),
    },
    TableStep {
        name: "refresh_tokens",
        what: "refresh tokens of devices, with their chains and expiry (locked accounts' left out)",
        count: "SELECT COUNT(*) FROM refresh_tokens",
        // Synapse links a chain by numeric ids; matrixd by the tokens' hashes.
        select: "SELECT r.user_id, r.device_id, r.token, n.token, CAST(r.expiry_ts AS BIGINT), \
                 CAST(r.ultimate_session_expiry_ts AS BIGINT), CASE WHEN u.locked THEN 1 ELSE 0 END \
                 FROM refresh_tokens r LEFT JOIN refresh_tokens n ON n.id = r.next_token_id \
                 LEFT JOIN users u ON u.name = r.user_id ORDER BY r.id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO refresh_tokens (token_hash, user_id, device_id, next_token_hash, expiry_ts, \
                   ultimate_session_expiry_ts, created_ts)",
            cols: 7,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: refresh_tokens,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM refresh_tokens"),
    },
    TableStep {
        name: "access_tokens",
        what: "access tokens of devices, with their expiry and refresh token (clients stay logged in; locked accounts' are left out)",
        count: "SELECT COUNT(*) FROM access_tokens",
        select: "SELECT t.user_id, t.device_id, t.token, CAST(COALESCE(t.last_validated, 0) AS BIGINT), \
                 CAST(t.valid_until_ms AS BIGINT), t.puppets_user_id, CASE WHEN u.locked THEN 1 ELSE 0 END, \
                 r.token, CASE WHEN t.used THEN 1 ELSE 0 END \
                 FROM access_tokens t LEFT JOIN users u ON u.name = t.user_id \
                 LEFT JOIN refresh_tokens r ON r.id = t.refresh_token_id ORDER BY t.id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts, valid_until_ms, \
                   refresh_token_hash, used)",
            cols: 7,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: access_tokens,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM access_tokens"),
    },
    TableStep {
        name: "registration_tokens",
        what: "registration tokens with their uses",
        count: "SELECT COUNT(*) FROM registration_tokens",
        select: "SELECT token, CAST(uses_allowed AS BIGINT), CAST(pending AS BIGINT), CAST(completed AS BIGINT), \
                 CAST(expiry_time AS BIGINT) FROM registration_tokens ORDER BY token LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO registration_tokens (token, uses_allowed, pending, completed, expiry_time)",
            cols: 5,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM registration_tokens"),
    },
];

fn localpart(user_id: &str) -> String {
    user_id
        .trim_start_matches('@')
        .split(':')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn users(page: Vec<Vec<Val>>, _: &Ctx) -> Result<Converted, String> {
    let rows = page
        .into_iter()
        .map(|r| {
            let user_id = text(&r, 0);
            let row = vec![
                Val::Text(localpart(&user_id)),
                opt(&r, 1),
                Val::Int(int(&r, 3)),
                opt(&r, 4),
                Val::Null,
                Val::Int(int(&r, 5)),
                // Synapse counts seconds here.
                Val::Int(int(&r, 2) * 1000),
            ];
            (0, [vec![Val::Text(user_id)], row].concat())
        })
        .collect();
    Ok((rows, 0))
}

fn profiles(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let rows = page
        .into_iter()
        .map(|r| {
            let user_id = ctx.user_id(&text(&r, 0));
            (
                0,
                vec![
                    Val::Text(user_id.clone()),
                    Val::Text(localpart(&user_id)),
                    opt(&r, 1),
                    opt(&r, 2),
                    Val::Int(0),
                ],
            )
        })
        .collect();
    Ok((rows, 0))
}

/// The hash of an optional token column (a refresh chain's link).
fn opt_token_hash(r: &[Val], i: usize) -> Val {
    match opt(r, i) {
        Val::Null => Val::Null,
        _ => Val::Text(token_hash(&text(r, i))),
    }
}

fn access_tokens(page: Vec<Vec<Val>>, _: &Ctx) -> Result<Converted, String> {
    let mut skipped = 0;
    let mut rows = Vec::new();
    for r in page {
        // Without a device (admin API, puppets): the client logs in again. Locked accounts
        // too: matrixd has no locks, so they keep no way in.
        let device = opt(&r, 1);
        if device == Val::Null || opt(&r, 5) != Val::Null || int(&r, 6) == 1 {
            skipped += 1;
            continue;
        }
        rows.push((
            0,
            vec![
                Val::Text(token_hash(&text(&r, 2))),
                opt(&r, 0),
                device,
                Val::Int(int(&r, 3)),
                opt(&r, 4),
                opt_token_hash(&r, 7),
                Val::Int(int(&r, 8)),
            ],
        ));
    }
    Ok((rows, skipped))
}

fn refresh_tokens(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let mut skipped = 0;
    let mut rows = Vec::new();
    for r in page {
        let device = opt(&r, 1);
        if device == Val::Null || int(&r, 6) == 1 {
            skipped += 1;
            continue;
        }
        rows.push((
            0,
            vec![
                Val::Text(token_hash(&text(&r, 2))),
                opt(&r, 0),
                device,
                opt_token_hash(&r, 3),
                opt(&r, 4),
                opt(&r, 5),
                Val::Int(ctx.now_ms),
            ],
        ));
    }
    Ok((rows, skipped))
}

/// Up to 20 users compared: present, same password hash, same flags.
pub(super) async fn sample_users(src: &SynapseDb, db: &Db) -> Result<Vec<Check>, StoreError> {
    let rows = src
        .all(
            "SELECT name, CASE WHEN locked THEN NULL ELSE password_hash END, CAST(admin AS BIGINT), \
             CAST(deactivated AS BIGINT) FROM users ORDER BY name LIMIT 20",
        )
        .await?;
    let mut same = 0;
    for r in &rows {
        if let Some((hash, admin, deactivated)) = target::user(db, &text(r, 0)).await?
            && Val::opt_text(hash) == opt(r, 1)
            && admin == int(r, 2)
            && deactivated == int(r, 3)
        {
            same += 1;
        }
    }
    Ok(vec![Check {
        what: "users sampled: same hash and flags".into(),
        source: rows.len() as i64,
        target: same,
        ok: same == rows.len() as i64,
    }])
}
