//! Unread notification and highlight counts per room, from the user's push rules, kept per
//! (room, user) and extended incrementally by each sync.

use super::response::UnreadNotifications;
use crate::service::Services;
use crate::service::rooms::RoomError;
use crate::store::{rooms as db, userdata};

/// Unread counts of one user in one room, valid for events in (from, upto].
#[derive(Debug, Clone, Copy)]
pub struct UnreadCounts {
    from: i64,
    upto: i64,
    notes: u64,
    highlights: u64,
    /// The user's read position as read when the stream was at `read_at`.
    read: Option<i64>,
    read_at: i64,
}

impl Services {
    /// Notification and highlight counts since the user's read receipt (or join), from the
    /// user's push rules evaluated with ruma on each event by someone else.
    /// `joined_at` is the position of the user's join (from their memberships).
    pub async fn unread_counts(
        &self,
        room_id: &str,
        user_id: &str,
        joined_at: i64,
    ) -> Result<UnreadNotifications, RoomError> {
        let now = self.streams.current();
        // Counts are kept per (room, user) from the read position on, so each sync only
        // evaluates the events that arrived since the last one; those are fetched alongside
        // the read position, on the guess that it has not moved.
        let key = (room_id.to_string(), user_id.to_string());
        let cached = self
            .unread_cache
            .lock()
            .expect("unread cache")
            .get(&key)
            .copied()
            .filter(|c| c.upto <= now);
        // At most 1,000 unread events are evaluated (clients show "99+" long before); past
        // that the counts stand still until the user reads.
        const MAX_EVALUATED: i64 = 1000;
        // The read position stands while no receipt was set in the room.
        let known_read = cached
            .filter(|c| !self.hints.receipts.changed_since(room_id, c.read_at))
            .map(|c| c.read);
        let (read, guessed) = tokio::try_join!(
            async {
                match known_read {
                    Some(read) => Ok(read),
                    None => userdata::read_position(&self.db, room_id, user_id).await,
                }
            },
            async {
                match cached {
                    Some(c) if !self.hints.room_events.changed_since(room_id, c.upto) => {
                        Ok(Some(Vec::new()))
                    }
                    Some(c) => db::events_forwards(&self.db, room_id, c.upto, now, MAX_EVALUATED)
                        .await
                        .map(Some),
                    None => Ok(None),
                }
            },
        )?;
        let from = read.unwrap_or(0).max(joined_at);
        let (start, mut notes, mut highlights, rows) = match (cached, guessed) {
            (Some(c), Some(rows)) if c.from == from => (c.upto, c.notes, c.highlights, rows),
            _ => (
                from,
                0,
                0,
                db::events_forwards(&self.db, room_id, from, now, MAX_EVALUATED).await?,
            ),
        };
        let upto = if rows.len() as i64 == MAX_EVALUATED {
            now
        } else {
            now.max(start)
        };
        if !rows.is_empty() {
            let (ruleset, ctx) = tokio::try_join!(
                self.parsed_push_rules(user_id),
                self.push_context(room_id, user_id),
            )?;
            if let Some(ctx) = ctx {
                for r in &rows {
                    let p = Services::pdu(r)?;
                    if p.sender_str() == user_id {
                        continue;
                    }
                    let event = p.client_format(Some(room_id), None, None);
                    let Ok(raw) = ruma::serde::Raw::new(&event) else {
                        continue;
                    };
                    let actions = ruleset.get_actions(&raw, &ctx).await;
                    if actions.iter().any(|a| a.should_notify()) {
                        notes += 1;
                        if actions.iter().any(|a| a.is_highlight()) {
                            highlights += 1;
                        }
                    }
                }
            }
        }
        self.unread_cache.lock().expect("unread cache").insert(
            key,
            UnreadCounts {
                from,
                upto,
                notes,
                highlights,
                read,
                read_at: now,
            },
        );
        Ok(UnreadNotifications {
            notification_count: notes,
            highlight_count: highlights,
        })
    }
}
