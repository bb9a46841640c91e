//! The /sync response as types. ruma has these too (`sync_events::v3::Response`), but its
//! serialization leaves out what is empty or default inside a room — `"limited": false`, an
//! empty `state`, `ephemeral` or `account_data` — which Synapse always sends and which clients
//! written against Synapse read; so the shape here is Synapse's, with ruma's ids and raw event
//! types for the contents. Top-level sections are left out when empty, as Synapse does.

use std::collections::BTreeMap;

use ruma::events::{
    AnyGlobalAccountDataEvent, AnyRoomAccountDataEvent, AnyStrippedStateEvent,
    AnySyncEphemeralRoomEvent, AnySyncStateEvent, AnySyncTimelineEvent, AnyToDeviceEvent,
    presence::PresenceEvent,
};
use ruma::serde::Raw;
use ruma::{OwnedRoomId, OwnedUserId};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct SyncResponse {
    pub next_batch: String,
    #[serde(skip_serializing_if = "Rooms::is_empty")]
    pub rooms: Rooms,
    #[serde(skip_serializing_if = "Events::is_empty")]
    pub account_data: Events<AnyGlobalAccountDataEvent>,
    #[serde(skip_serializing_if = "Events::is_empty")]
    pub presence: Events<PresenceEvent>,
    #[serde(skip_serializing_if = "Events::is_empty")]
    pub to_device: Events<AnyToDeviceEvent>,
    #[serde(skip_serializing_if = "DeviceLists::is_empty")]
    pub device_lists: DeviceLists,
    /// Always sent (Synapse does, for clients that cannot tell "none" from "unchanged").
    pub device_one_time_keys_count: BTreeMap<String, u64>,
    pub device_unused_fallback_key_types: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Rooms {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub join: BTreeMap<OwnedRoomId, JoinedRoom>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub invite: BTreeMap<OwnedRoomId, InvitedRoom>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub leave: BTreeMap<OwnedRoomId, LeftRoom>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub knock: BTreeMap<OwnedRoomId, KnockedRoom>,
}

impl Rooms {
    fn is_empty(&self) -> bool {
        self.join.is_empty()
            && self.invite.is_empty()
            && self.leave.is_empty()
            && self.knock.is_empty()
    }
}

/// `{"events": [...]}`, the shape of every event list in a sync.
#[derive(Debug, Serialize)]
#[serde(bound = "")]
pub struct Events<T> {
    pub events: Vec<Raw<T>>,
}

impl<T> Events<T> {
    pub fn new(events: Vec<Raw<T>>) -> Self {
        Self { events }
    }

    fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

impl<T> Default for Events<T> {
    fn default() -> Self {
        Self { events: Vec::new() }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct DeviceLists {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<OwnedUserId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<OwnedUserId>,
}

impl DeviceLists {
    fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.left.is_empty()
    }
}

#[derive(Debug, Serialize)]
pub struct Timeline {
    pub events: Vec<Raw<AnySyncTimelineEvent>>,
    pub limited: bool,
    pub prev_batch: String,
}

#[derive(Debug, Serialize)]
pub struct JoinedRoom {
    pub timeline: Timeline,
    pub state: Events<AnySyncStateEvent>,
    pub ephemeral: Events<AnySyncEphemeralRoomEvent>,
    pub account_data: Events<AnyRoomAccountDataEvent>,
    pub unread_notifications: UnreadNotifications,
    pub summary: RoomSummary,
}

#[derive(Debug, Serialize)]
pub struct LeftRoom {
    pub timeline: Timeline,
    pub state: Events<AnySyncStateEvent>,
    pub account_data: Events<AnyRoomAccountDataEvent>,
}

#[derive(Debug, Serialize)]
pub struct InvitedRoom {
    pub invite_state: Events<AnyStrippedStateEvent>,
}

/// A room the user knocked on: the stripped state they may see, ending with the knock.
#[derive(Debug, Serialize)]
pub struct KnockedRoom {
    pub knock_state: Events<AnyStrippedStateEvent>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct UnreadNotifications {
    pub notification_count: u64,
    pub highlight_count: u64,
}

/// Sent as `{}` unless lazy-loading members asked for it (as Synapse).
#[derive(Debug, Default, Serialize)]
pub struct RoomSummary {
    #[serde(rename = "m.heroes", skip_serializing_if = "Option::is_none")]
    pub heroes: Option<Vec<OwnedUserId>>,
    #[serde(
        rename = "m.joined_member_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub joined_member_count: Option<u64>,
    #[serde(
        rename = "m.invited_member_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub invited_member_count: Option<u64>,
}
