//! Domain logic: accounts, shared-secret registration, server keys, rooms and events, sync,
//! typing, push rules. Never imports axum; talks to storage only through `crate::store`.

pub mod account_data;
pub mod account_management;
pub mod accounts;
pub mod admin_registration_tokens;
pub mod admin_rooms;
pub mod admin_users;
pub mod changes;
pub mod cluster;
pub(crate) mod cores;
pub mod directory;
pub mod e2ee;
pub mod email;
pub mod federation;
pub mod filters;
pub mod media;
pub mod metrics;
pub mod notifications;
pub mod opengraph;
pub mod openid;
pub mod presence;
pub mod profile;
pub mod push;
pub mod push_rules;
pub mod pushers;
pub mod ratelimit;
pub mod raw;
pub mod receipts;
pub mod register_nonce;
pub mod registration;
pub mod remote_media;
pub mod reports;
pub mod rooms;
pub mod safe_http;
pub mod server_keys;
pub mod sliding_sync;
pub mod spaces;
pub mod streams;
pub mod sync;
pub mod threepid;
pub mod timeline;
pub mod typing;
pub mod uia;
pub mod url_preview;

use std::sync::Arc;

use crate::config::Config;
use crate::keys::SigningKey;
use crate::store::Db;

/// Everything a request handler needs, shared by all requests.
pub struct Services {
    pub config: Config,
    /// Only services reach the database (the api layer cannot name it).
    pub(in crate::service) db: Db,
    pub signing_key: SigningKey,
    pub streams: streams::Streams,
    pub typing: typing::Typing,
    /// User-interactive auth sessions (registration, password, deactivation, devices).
    pub uia: uia::UiaSessions,
    /// Per-room state `rooms::append` keeps between sends.
    pub room_cache: tokio::sync::Mutex<std::collections::HashMap<String, rooms::RoomCache>>,
    /// Push rules' context of a room for a user, read from the database when the room is not
    /// in `room_cache`: kept while the room's state stands.
    member_contexts: rooms::MemberContexts,
    /// The origin_server_ts of the newest create event whose hash is its room id: each next
    /// one gets a later one, so no two rooms created at the same moment share an id.
    pub created_ts: std::sync::atomic::AtomicI64,
    /// Built events waiting for the committer, and recent transaction ids.
    pub commits: rooms::commit::CommitQueue,
    /// What changed since a position, so sync skips queries that would find nothing.
    pub hints: changes::SyncHints,
    /// The URL-preview client and cache.
    pub previews: url_preview::Previews,
    pub limiter: ratelimit::Limiter,
    /// Parsed push rules per user, and a generation bumped on every change.
    pub push_rule_cache: std::sync::Mutex<(
        u64,
        std::collections::HashMap<String, Arc<ruma::push::Ruleset>>,
    )>,
    /// What sync last learned about each device (pending to-device messages, key counts).
    pub device_memos: e2ee::DeviceMemos,
    /// Memberships, account data and room state as sync last read them.
    pub sync_snapshots: sync::SyncSnapshots,
    /// Sliding sync connections, and what its lists read of rooms.
    pub sliding: sliding_sync::SlidingState,
    /// Unread notification counts per (room, user), extended incrementally by sync.
    pub unread_cache:
        std::sync::Mutex<std::collections::HashMap<(String, String), sync::UnreadCounts>>,
    /// Outbound federation: discovery, X-Matrix signing, the pinned HTTP clients.
    pub federation: federation::FederationClient,
    /// Other servers' signing keys, verified, cached in memory and kept in the database
    /// (`server_key`), and served to others as a notary (`notary_key_query`).
    pub server_key_ring: federation::KeyRing,
    /// The outbound federation queue's delivery tasks.
    pub sender: federation::sender::Sender,
    /// Inbound transactions: one per origin at a time, the last one's answer.
    pub inbound: federation::transactions::Inbound,
    /// rc_federation, per origin.
    pub federation_limiter: federation::ratelimit::FederationLimiter,
    /// Fetching rooms' older history from other servers: one store at a time, recent failures.
    pub backfills: federation::backfill::Backfills,
    /// Other servers' device-list updates are applied one at a time (each reads what the
    /// previous one wrote).
    pub remote_device_lists: tokio::sync::Mutex<()>,
    /// Other servers' media being fetched for our users (one download per file).
    pub remote_media_fetches: remote_media::RemoteMediaFetches,
    /// Where each `next_batch` of a space hierarchy continues.
    pub hierarchy_sessions: spaces::HierarchySessions,
    /// Notifications on their way to push gateways.
    pub pushers: pushers::Pushers,
    /// The other processes sharing the database (`worker_name`), once joined.
    cluster: std::sync::OnceLock<Arc<cluster::Cluster>>,
    /// Rooms whose entry in `room_cache` another process made stale.
    stale_rooms: std::sync::Mutex<cluster::StaleRooms>,
}

pub type SharedServices = Arc<Services>;

pub use crate::store::{StoreError, now_ms};

impl Services {
    /// Once started: lets go of what start-up needed and serving does not (idle database
    /// connections beyond one).
    pub async fn release_after_start(&self) {
        self.db.release_idle().await;
    }

    /// The services over an opened database, starting at stream position `position`.
    pub fn new(
        config: Config,
        db: Db,
        signing_key: SigningKey,
        position: i64,
        starts: &crate::store::e2ee::StartPositions,
        commits: rooms::commit::CommitQueue,
    ) -> Services {
        Services {
            federation: federation::client_from_config(&config),
            server_key_ring: federation::KeyRing::new(config.trusted_key_servers.clone())
                .with_store(db.clone()),
            sender: Default::default(),
            inbound: Default::default(),
            federation_limiter: Default::default(),
            backfills: Default::default(),
            remote_device_lists: Default::default(),
            remote_media_fetches: Default::default(),
            hierarchy_sessions: Default::default(),
            pushers: Default::default(),
            cluster: Default::default(),
            stale_rooms: Default::default(),
            config,
            db,
            signing_key,
            streams: streams::Streams::new(position),
            typing: Default::default(),
            uia: Default::default(),
            room_cache: Default::default(),
            member_contexts: Default::default(),
            created_ts: Default::default(),
            commits,
            hints: changes::SyncHints::new(position, starts.presence, starts.device_lists),
            previews: Default::default(),
            limiter: Default::default(),
            device_memos: Default::default(),
            sync_snapshots: Default::default(),
            sliding: Default::default(),
            unread_cache: Default::default(),
            push_rule_cache: Default::default(),
        }
    }

    /// Joins the other processes sharing the database, when `worker_name` is set.
    pub async fn join_cluster(self: &Arc<Self>) -> anyhow::Result<()> {
        if let Some(name) = &self.config.worker_name {
            let c = cluster::Cluster::new(name);
            let _ = self.cluster.set(c.clone());
            c.start(self).await?;
        }
        Ok(())
    }

    /// Connections of the database pool: (open, idle), for the metrics.
    pub fn db_pool_stats(&self) -> (u32, usize) {
        (self.db.pool.size(), self.db.pool.num_idle())
    }

    /// Prepares the hot statements on the connections opened before the schema was ready.
    pub fn prepare_ahead_in_background(&self) {
        self.db.prepare_ahead_in_background();
    }

    /// Closes the database pool (at shutdown).
    pub async fn close_db(&self) {
        self.db.pool.close().await;
    }
}
