//! Rooms and their events in Synapse's stream order, written through the store's event batch
//! (`rooms::insert_events`: rooms, events, current state, memberships, redactions, relations,
//! transaction ids); then Synapse's current state laid over it (state resolution's outcome,
//! which a replay in stream order cannot know for rooms shared with other servers), the room
//! directory, aliases, receipts and where backfill goes on.
//!
//! Events keep their ids, their signed JSON (Synapse's `unsigned` dropped but for an invite's
//! stripped state, matrixd's own `prev_content` added) and their stream positions. Synapse's
//! outliers are kept like the rest, as matrixd keeps a joined room's auth chain and state and
//! another server's invites: on the stream, at the position Synapse gave them. Rejected and
//! soft-failed events are not part of any room and are left out.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::source::{SynapseDb, Val};
use super::target::{self, Progress, Target};
use super::{Check, Converted, Ctx, TableStep, as_is, int, opt, text};
use crate::store::rooms::{NewEventRow, Txn, insert_events};
use crate::store::{Db, StoreError};

pub(super) const EVENTS_STEP: &str = "events";

/// Every event but the rejected ones.
pub(super) const EVENTS_COUNT: &str = "SELECT COUNT(*) FROM events e \
     WHERE NOT EXISTS (SELECT 1 FROM rejections x WHERE x.event_id = e.event_id)";

const EVENTS_PAGE: &str = "SELECT CAST(e.stream_ordering AS BIGINT), e.event_id, e.room_id, j.json, j.internal_metadata, \
     t.device_id, t.txn_id, r.room_version FROM events e JOIN event_json j ON j.event_id = e.event_id \
     LEFT JOIN event_txn_id_device_id t ON t.event_id = e.event_id \
     LEFT JOIN rooms r ON r.room_id = e.room_id \
     WHERE e.stream_ordering > $2 \
     AND NOT EXISTS (SELECT 1 FROM rejections x WHERE x.event_id = e.event_id) \
     ORDER BY e.stream_ordering LIMIT $1";

/// What the copy knows of a room's current state: (type, state key) → (event id, sender,
/// content), for each new state event's `prev_content`.
type State = HashMap<String, HashMap<(String, String), (String, String, Value)>>;

pub(super) async fn copy_events(
    src: &SynapseDb,
    db: &Db,
    _ctx: &Ctx,
    batch_rows: i64,
    mut on_batch: impl FnMut(u64),
) -> Result<Progress, StoreError> {
    let mut p = target::progress(db, EVENTS_STEP).await?;
    on_batch(p.copied as u64);
    if p.done {
        return Ok(p);
    }
    // A batch of events commits before its progress row: the events themselves say where to
    // go on.
    let after = match target::last_event_position(db).await? {
        Some(pos) => pos,
        None => i64::MIN,
    };
    if after != i64::MIN {
        p.last_key = after;
    } else {
        p = Progress {
            last_key: i64::MIN,
            ..Progress::default()
        };
    }
    // Rooms with their row already (a create event, or an invite of a room we are not in).
    let mut known: std::collections::HashSet<String> =
        target::room_ids(db).await?.into_iter().collect();
    let mut state: State = HashMap::new();
    for (room, kind, sk, id, json) in target::current_state_events(db).await? {
        let v: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
        let sender = v["sender"].as_str().unwrap_or_default().to_string();
        state
            .entry(room)
            .or_default()
            .insert((kind, sk), (id, sender, v["content"].clone()));
    }
    loop {
        let page = src.page(EVENTS_PAGE, batch_rows, p.last_key).await?;
        let n = page.len() as i64;
        let mut rows = Vec::with_capacity(page.len());
        for r in &page {
            p.last_key = int(r, 0);
            match event_row(r, &mut state, &mut known) {
                Some(row) => rows.push(row),
                None => p.skipped += 1,
            }
        }
        if !rows.is_empty() {
            insert_events(db, &rows).await?;
        }
        p.copied += n;
        p.done = n < batch_rows;
        target::set_progress(db, EVENTS_STEP, &p).await?;
        on_batch(p.copied as u64);
        if p.done {
            return Ok(p);
        }
    }
}

fn str_of(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(String::from)
}

/// The row for one Synapse event, or None for one that is not part of the room (soft-failed,
/// unreadable).
fn event_row(
    r: &[Val],
    state: &mut State,
    known: &mut std::collections::HashSet<String>,
) -> Option<NewEventRow> {
    let pos = int(r, 0);
    let event_id = text(r, 1);
    let room_id = text(r, 2);
    let mut json: Map<String, Value> = serde_json::from_str(&text(r, 3)).ok()?;
    let meta: Value = serde_json::from_str(&text(r, 4)).unwrap_or(Value::Null);
    if meta.get("soft_failed").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    // An invite from another server keeps the room's stripped state it came with.
    let kept: Map<String, Value> = json
        .remove("unsigned")
        .and_then(|u| match u {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k == "invite_room_state" || k == "knock_room_state")
        .collect();
    if !kept.is_empty() {
        json.insert("unsigned".into(), Value::Object(kept));
    }
    let as_value = Value::Object(json.clone());
    let kind = str_of(&as_value, "type")?;
    let sender = str_of(&as_value, "sender")?;
    let state_key = str_of(&as_value, "state_key");
    let content = as_value.get("content").cloned().unwrap_or(json!({}));
    let depth = as_value.get("depth").and_then(Value::as_i64).unwrap_or(0);
    let ts = as_value
        .get("origin_server_ts")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    // Backfilled history sits below position 0 in both servers.
    let history = pos <= 0;
    if let Some(sk) = &state_key
        && !history
    {
        let room = state.entry(room_id.clone()).or_default();
        let key = (kind.clone(), sk.clone());
        if let Some((prev_id, prev_sender, prev_content)) = room.get(&key) {
            let unsigned = json
                .entry("unsigned")
                .or_insert_with(|| json!({}))
                .as_object_mut()?;
            unsigned.insert("prev_content".into(), prev_content.clone());
            unsigned.insert("replaces_state".into(), json!(prev_id));
            unsigned.insert("prev_sender".into(), json!(prev_sender));
        }
        room.insert(key, (event_id.clone(), sender.clone(), content.clone()));
    }
    let redacts = (kind == "m.room.redaction")
        .then(|| str_of(&as_value, "redacts").or_else(|| str_of(&content, "redacts")))
        .flatten();
    let relation = content
        .get("m.relates_to")
        .and_then(|r| Some((str_of(r, "event_id")?, str_of(r, "rel_type")?)));
    let membership = (kind == "m.room.member")
        .then(|| str_of(&content, "membership"))
        .flatten();
    // The room's row comes with its create event, or with the first event of a room whose
    // create event this server never had (an invite from another server), once.
    let new_room = if known.contains(&room_id) || history {
        None
    } else if kind == "m.room.create" && state_key.as_deref() == Some("") {
        Some((
            str_of(&content, "room_version").unwrap_or_else(|| "1".into()),
            sender.clone(),
        ))
    } else if membership.is_some() {
        r.get(7)
            .and_then(Val::text)
            .map(|version| (version, sender.clone()))
    } else {
        None
    };
    if new_room.is_some() {
        known.insert(room_id.clone());
    }
    let txn = match (opt(r, 5), opt(r, 6)) {
        (Val::Text(device_id), Val::Text(txn_id)) => Some(Txn {
            device_id,
            scope: match &redacts {
                Some(target) => format!("redact/{room_id}/{target}"),
                None => format!("send/{room_id}/{kind}"),
            },
            txn_id,
        }),
        _ => None,
    };
    Some(NewEventRow {
        stream_ordering: pos,
        event_id,
        room_id,
        sender,
        membership: state_key.clone().zip(membership),
        kind,
        state_key,
        depth,
        origin_server_ts: ts,
        json: serde_json::to_string(&json).ok()?,
        txn,
        new_room,
        redacts,
        relation,
        history,
        // Synapse's state groups are not carried over: imported events have none, and the
        // state at them is found as for events stored before state groups existed.
        state_group: None,
        new_groups: Vec::new(),
        resolved_state: None,
        forward_extremities: None,
    })
}

pub(super) static STEPS: &[TableStep] = &[
    TableStep {
        name: "current_state",
        what: "each room's current state and memberships as Synapse resolved them",
        count: "SELECT COUNT(*) FROM current_state_events c JOIN events e ON e.event_id = c.event_id \
                WHERE NOT EXISTS (SELECT 1 FROM rejections x WHERE x.event_id = c.event_id)",
        select: "SELECT c.room_id, c.type, c.state_key, c.event_id, CAST(e.stream_ordering AS BIGINT), c.membership \
                 FROM current_state_events c JOIN events e ON e.event_id = c.event_id \
                 WHERE NOT EXISTS (SELECT 1 FROM rejections x WHERE x.event_id = c.event_id) \
                 ORDER BY c.room_id, c.type, c.state_key LIMIT $1 OFFSET $2",
        targets: &[
            Target {
                head: "INSERT INTO current_state (room_id, type, state_key, event_id, stream_ordering)",
                cols: 5,
                tail: "ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = excluded.event_id, \
                       stream_ordering = excluded.stream_ordering",
            },
            Target {
                head: "INSERT INTO room_memberships (user_id, room_id, membership, event_id, stream_ordering, forgotten)",
                cols: 6,
                tail: "ON CONFLICT (user_id, room_id) DO UPDATE SET membership = excluded.membership, \
                       event_id = excluded.event_id, stream_ordering = excluded.stream_ordering",
            },
        ],
        convert: current_state,
        batch: 2000,
        check: None,
    },
    TableStep {
        name: "forgotten_rooms",
        what: "rooms users left and forgot",
        count: "SELECT COUNT(*) FROM (SELECT DISTINCT user_id, room_id FROM room_memberships WHERE forgotten = 1) f",
        select: "SELECT DISTINCT user_id, room_id, CAST('leave' AS TEXT), CAST('' AS TEXT), CAST(0 AS BIGINT), \
                 CAST(1 AS BIGINT) FROM room_memberships WHERE forgotten = 1 ORDER BY user_id, room_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO room_memberships (user_id, room_id, membership, event_id, stream_ordering, forgotten)",
            cols: 6,
            tail: "ON CONFLICT (user_id, room_id) DO UPDATE SET forgotten = 1",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM room_memberships WHERE forgotten = 1"),
    },
    TableStep {
        name: "room_directory",
        what: "rooms published in the room directory",
        count: "SELECT COUNT(*) FROM rooms WHERE is_public",
        select: "SELECT room_id, COALESCE(room_version, '1'), COALESCE(creator, ''), 1, 0 FROM rooms \
                 WHERE is_public ORDER BY room_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO rooms (room_id, room_version, creator, is_public, created_ts)",
            cols: 5,
            tail: "ON CONFLICT (room_id) DO UPDATE SET is_public = 1",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM rooms WHERE is_public = 1"),
    },
    TableStep {
        name: "room_aliases",
        what: "room aliases",
        count: "SELECT COUNT(*) FROM room_aliases",
        select: "SELECT room_alias, room_id, COALESCE(creator, '') FROM room_aliases ORDER BY room_alias LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO room_aliases (alias, room_id, creator)",
            cols: 3,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM room_aliases"),
    },
    TableStep {
        name: "receipts",
        what: "read receipts",
        count: "SELECT COUNT(*) FROM receipts_linearized",
        select: "SELECT room_id, receipt_type, user_id, COALESCE(thread_id, ''), event_id, data FROM receipts_linearized \
                 ORDER BY room_id, receipt_type, user_id, thread_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, ts, stream_id)",
            cols: 7,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: receipts,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM receipts"),
    },
    TableStep {
        name: "federation_destinations",
        what: "servers of other members, with what Synapse had delivered to them",
        count: "SELECT (SELECT COUNT(*) FROM current_state_events WHERE type = 'm.room.member' AND membership = 'join') \
                + (SELECT COUNT(*) FROM destinations)",
        select: "SELECT 'member', state_key, CAST(NULL AS BIGINT) FROM current_state_events \
                 WHERE type = 'm.room.member' AND membership = 'join' \
                 UNION ALL SELECT 'destination', destination, CAST(last_successful_stream_ordering AS BIGINT) \
                 FROM destinations ORDER BY 1, 2 LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO federation_destinations (destination, delivered_pos, failures, retry_at)",
            cols: 4,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: destinations,
        batch: i64::MAX,
        check: None,
    },
    TableStep {
        name: "backward_extremities",
        what: "where each room's history continues on other servers (backfill)",
        count: "SELECT COUNT(*) FROM event_backward_extremities",
        select: "SELECT room_id, event_id FROM event_backward_extremities ORDER BY room_id, event_id LIMIT $1 OFFSET $2",
        targets: &[Target {
            head: "INSERT INTO backward_extremities (room_id, event_id)",
            cols: 2,
            tail: "ON CONFLICT DO NOTHING",
        }],
        convert: as_is,
        batch: 1000,
        check: Some("SELECT COUNT(*) FROM backward_extremities"),
    },
];

fn current_state(page: Vec<Vec<Val>>, _: &Ctx) -> Result<Converted, String> {
    let mut rows = Vec::new();
    for r in page {
        rows.push((
            0,
            vec![opt(&r, 0), opt(&r, 1), opt(&r, 2), opt(&r, 3), opt(&r, 4)],
        ));
        if text(&r, 1) == "m.room.member"
            && let Val::Text(m) = opt(&r, 5)
        {
            rows.push((
                1,
                vec![
                    opt(&r, 2),
                    opt(&r, 0),
                    Val::Text(m),
                    opt(&r, 3),
                    opt(&r, 4),
                    Val::Int(0),
                ],
            ));
        }
    }
    Ok((rows, 0))
}

/// Every other server with a member joined to a room gets our events from now on: counted as
/// delivered up to what Synapse delivered to it (else everything imported), so nothing is sent
/// twice and nothing Synapse had not sent yet is lost.
fn destinations(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let mut delivered: HashMap<String, i64> = HashMap::new();
    let mut servers = std::collections::BTreeSet::new();
    for r in &page {
        match text(r, 0).as_str() {
            "destination" => {
                if let Some(pos) = r.get(2).and_then(Val::int) {
                    delivered.insert(text(r, 1), pos);
                }
            }
            _ => {
                if let Some((_, server)) = text(r, 1).split_once(':')
                    && server != ctx.server_name
                {
                    servers.insert(server.to_string());
                }
            }
        }
    }
    let rows = servers
        .into_iter()
        .map(|server| {
            let pos = delivered.get(&server).copied().unwrap_or(ctx.position - 1);
            (
                0,
                vec![Val::Text(server), Val::Int(pos), Val::Int(0), Val::Int(0)],
            )
        })
        .collect();
    Ok((rows, 0))
}

fn receipts(page: Vec<Vec<Val>>, ctx: &Ctx) -> Result<Converted, String> {
    let rows = page
        .into_iter()
        .map(|r| {
            let data: Value = serde_json::from_str(&text(&r, 5)).unwrap_or(Value::Null);
            let ts = data.get("ts").and_then(Value::as_i64).unwrap_or(0);
            (
                0,
                vec![
                    opt(&r, 0),
                    opt(&r, 1),
                    opt(&r, 2),
                    opt(&r, 3),
                    opt(&r, 4),
                    Val::Int(ts),
                    Val::Int(ctx.position),
                ],
            )
        })
        .collect();
    Ok((rows, 0))
}

/// Up to 50 events spread over Synapse's stream compared by id: same position, same content.
pub(super) async fn sample_events(src: &SynapseDb, db: &Db) -> Result<Vec<Check>, StoreError> {
    let total = src.count(EVENTS_COUNT).await?;
    let step = (total / 50).max(1);
    let rows = src
        .all(&format!(
            "SELECT CAST(e.stream_ordering AS BIGINT), e.event_id, j.json FROM events e \
             JOIN event_json j ON j.event_id = e.event_id \
             WHERE NOT EXISTS (SELECT 1 FROM rejections x WHERE x.event_id = e.event_id) \
             AND e.stream_ordering % {step} = 0 ORDER BY e.stream_ordering LIMIT 50"
        ))
        .await?;
    let mut same = 0;
    for r in &rows {
        let Some((pos, json, _)) = target::event(db, &text(r, 1)).await? else {
            continue;
        };
        let ours: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
        let theirs: Value = serde_json::from_str(&text(r, 2)).unwrap_or(Value::Null);
        if pos == int(r, 0) && ours["content"] == theirs["content"] {
            same += 1;
        }
    }
    Ok(vec![Check {
        what: "events sampled by id: same position and content".into(),
        source: rows.len() as i64,
        target: same,
        ok: same == rows.len() as i64,
    }])
}
