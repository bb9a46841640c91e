//! Typing notifications: in memory only, as in Synapse. Each room keeps who is typing until
//! when, and a serial that sync tokens carry so a sync returns typing only when it changed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::streams::Scope;

#[derive(Default)]
struct RoomTyping {
    users: HashMap<String, Instant>,
    serial: u64,
}

#[derive(Default)]
pub struct Typing {
    rooms: Mutex<HashMap<String, RoomTyping>>,
    serial: AtomicU64,
}

/// Synapse caps typing timeouts; clients usually ask for 30 s.
pub const MAX_TYPING_TIMEOUT: Duration = Duration::from_secs(120);

impl Typing {
    pub fn serial(&self) -> u64 {
        self.serial.load(Ordering::Acquire)
    }

    fn bump(&self) -> u64 {
        self.serial.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Sets or clears a user's typing state; true when it changed what others see.
    pub fn set(&self, room_id: &str, user_id: &str, typing: bool, timeout: Duration) -> bool {
        let mut rooms = self.rooms.lock().expect("typing lock");
        let room = rooms.entry(room_id.to_string()).or_default();
        let changed = if typing {
            let was = room.users.contains_key(user_id);
            room.users.insert(
                user_id.to_string(),
                Instant::now() + timeout.min(MAX_TYPING_TIMEOUT),
            );
            !was
        } else {
            room.users.remove(user_id).is_some()
        };
        if changed {
            room.serial = self.bump();
        }
        changed
    }

    /// Drops expired entries; returns the rooms where something expired.
    pub fn expire(&self) -> Vec<String> {
        let now = Instant::now();
        let mut rooms = self.rooms.lock().expect("typing lock");
        let mut bumps = Vec::new();
        for (room_id, room) in rooms.iter_mut() {
            let before = room.users.len();
            room.users.retain(|_, until| *until > now);
            if room.users.len() != before {
                bumps.push(room_id.clone());
            }
        }
        for room_id in &bumps {
            let s = self.bump();
            if let Some(r) = rooms.get_mut(room_id) {
                r.serial = s;
            }
        }
        bumps
    }

    /// The serial of the room's last typing change (0 if none).
    pub fn room_serial(&self, room_id: &str) -> u64 {
        let rooms = self.rooms.lock().expect("typing lock");
        rooms.get(room_id).map_or(0, |r| r.serial)
    }

    /// (users typing, serial of the room's last change).
    /// The rooms whose typing changed after `serial`.
    pub fn changed_since(&self, serial: u64) -> std::collections::HashSet<String> {
        let rooms = self.rooms.lock().expect("typing lock");
        rooms
            .iter()
            .filter(|(_, r)| r.serial > serial)
            .map(|(id, _)| id.clone())
            .collect()
    }

    pub fn get(&self, room_id: &str) -> (Vec<String>, u64) {
        let now = Instant::now();
        let rooms = self.rooms.lock().expect("typing lock");
        match rooms.get(room_id) {
            Some(r) => {
                let mut users: Vec<String> = r
                    .users
                    .iter()
                    .filter(|(_, t)| **t > now)
                    .map(|(u, _)| u.clone())
                    .collect();
                users.sort();
                (users, r.serial)
            }
            None => (Vec::new(), 0),
        }
    }
}

impl super::Services {
    /// Drops expired typing notices and wakes the syncs of the rooms they were in.
    pub(crate) fn expire_typing(&self) {
        let rooms = self.typing.expire();
        self.streams
            .wake_now(rooms.iter().map(|r| Scope::Room(r.as_str())));
    }

    /// `user_id` starts or stops typing in `room_id` (a member of it, or RoomError::Forbidden);
    /// syncs wake now, and again when the notice expires.
    pub async fn set_typing(
        self: &std::sync::Arc<Self>,
        room_id: &str,
        user_id: &str,
        typing: bool,
        timeout: Duration,
    ) -> Result<(), super::rooms::RoomError> {
        match self.membership_of(user_id, room_id).await? {
            Some((m, _)) if m == "join" => {}
            _ => {
                return Err(super::rooms::RoomError::Forbidden(format!(
                    "User {user_id} not in room {room_id}"
                )));
            }
        }
        if self.typing.set(room_id, user_id, typing, timeout) {
            self.streams.wake_now([Scope::Room(room_id)]);
            if let Some(c) = self.cluster() {
                c.typing(room_id, user_id, typing, timeout);
            }
            // Our user's notice goes to the room's other servers.
            if ruma::UserId::parse(user_id).is_ok_and(|u| self.is_ours(u.server_name())) {
                let edu = serde_json::json!({
                    "edu_type": "m.typing",
                    "content": {"room_id": room_id, "user_id": user_id, "typing": typing},
                });
                self.send_room_edu(room_id, edu);
            }
            if typing {
                self.expire_typing_after(timeout);
            }
        }
        Ok(())
    }

    /// Drops the notices that expired once `timeout` (capped) passed.
    pub(crate) fn expire_typing_after(self: &std::sync::Arc<Self>, timeout: Duration) {
        let s = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(timeout.min(MAX_TYPING_TIMEOUT) + Duration::from_millis(50)).await;
            s.expire_typing();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_changes_bump_the_serial_and_expire() {
        let t = Typing::default();
        assert!(t.set("!r", "@a:x", true, Duration::from_millis(30)));
        let (users, s1) = t.get("!r");
        assert_eq!(users, vec!["@a:x".to_string()]);
        assert!(
            !t.set("!r", "@a:x", true, Duration::from_millis(30)),
            "refreshing is not a change"
        );
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(t.expire(), vec!["!r".to_string()]);
        let (users, s2) = t.get("!r");
        assert!(users.is_empty() && s2 > s1);
    }
}
