//! Acting as a notary (https://spec.matrix.org/v1.16/server-server-api/#querying-keys-through-another-server):
//! answering `/_matrix/key/v2/query` with other servers' key documents as the key ring stored
//! them (each the server's own signed document as received, every signature kept) plus our
//! counter-signature, and with our own document for our own name. A server whose stored
//! documents do not answer the query is asked directly (never through another notary, so an
//! answer always comes from the server itself or from what we had), under the key ring's
//! one-fetch-a-minute rule; a server that cannot be reached yields no document, as in Synapse.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::StreamExt as _;
use ruma::api::federation::discovery::ServerSigningKeys;
use ruma::serde::Raw;
use ruma::{CanonicalJsonObject, ServerName};

use super::client::FederationClient;
use super::keys::{KeyRing, check_document, parse_stored};
use crate::keys::SigningKey;
use crate::service::{now_ms, server_keys};
use crate::store::Db;
use crate::store::server_keys::{StoredKey, documents_of};

/// How many servers of one query are looked up (and perhaps fetched) at once.
const SERVERS_AT_ONCE: usize = 8;

/// What a key query asks about one server; a timestamp left out is "now", as the spec says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// Every key (no key ids given), valid at least until the timestamp.
    EveryKey(Option<i64>),
    /// These key ids, each valid at least until its timestamp.
    Keys(BTreeMap<String, Option<i64>>),
}

impl Wanted {
    /// The documents among `rows` (newest first) that answer this, each once, and whether
    /// they answer all of it: for every key id asked, the newest row valid long enough; for
    /// every key, the newest valid row of each key id (all of it: at least one).
    fn pick(&self, rows: &[StoredKey], now: i64) -> (Vec<String>, bool) {
        let valid = |r: &StoredKey, min: Option<i64>| r.ts_valid_until_ms >= min.unwrap_or(now);
        let mut picked: Vec<&StoredKey> = Vec::new();
        let complete = match self {
            Wanted::EveryKey(min) => {
                let mut seen = BTreeSet::new();
                for r in rows {
                    if valid(r, *min) && seen.insert(r.key_id.as_str()) {
                        picked.push(r);
                    }
                }
                !picked.is_empty()
            }
            Wanted::Keys(ids) => {
                let mut all = true;
                for (id, min) in ids {
                    match rows.iter().find(|r| &r.key_id == id && valid(r, *min)) {
                        Some(r) => picked.push(r),
                        None => all = false,
                    }
                }
                all
            }
        };
        let mut docs: Vec<String> = Vec::new();
        for r in picked {
            if !docs.contains(&r.key_json) {
                docs.push(r.key_json.clone());
            }
        }
        (docs, complete)
    }
}

impl KeyRing {
    /// The key documents of `server` that answer `wanted`, as stored (not counter-signed), each
    /// checked again: from the database; if it has not all of them, after asking `server`
    /// itself (unless it was asked within the last minute) and storing its answer. None without
    /// a database.
    pub async fn documents_for(
        &self,
        client: &FederationClient,
        signing_key: &SigningKey,
        server: &ServerName,
        wanted: &Wanted,
    ) -> Vec<CanonicalJsonObject> {
        let Some(db) = &self.store else {
            return Vec::new();
        };
        let (mut docs, complete) = wanted.pick(&stored(db, server).await, (self.now)());
        if !complete {
            if let Err(why) = self.refresh(client, signing_key, server).await {
                tracing::debug!(%server, reason = %why, "notary: no fresh keys");
            }
            docs = wanted.pick(&stored(db, server).await, (self.now)()).0;
        }
        // Checked again before we vouch for them, as the key ring checks what it reads.
        docs.iter()
            .filter_map(|json| {
                let checked = parse_stored(json).and_then(|obj| check_document(obj, server));
                match checked {
                    Ok(doc) => Some(doc.json),
                    Err(e) => {
                        tracing::warn!(%server, reason = %e, "a stored key document does not verify; not served");
                        None
                    }
                }
            })
            .collect()
    }

    /// Asks `server` for its keys (`GET /_matrix/key/v2/server`) and keeps what verifies; one
    /// fetch at a time, and not within `REFETCH_INTERVAL_MS` of the last.
    async fn refresh(
        &self,
        client: &FederationClient,
        signing_key: &SigningKey,
        server: &ServerName,
    ) -> Result<(), String> {
        self.one_at_a_time(server, async {
            if let Some(why) = self.asked_recently(server) {
                return Err(why);
            }
            let fetched = self.fetch_direct(client, signing_key, server).await;
            self.mark_asked(server);
            let (doc, fetched_at) = fetched.map_err(|e| e.to_string())?;
            self.keep(server, server.as_str(), doc, fetched_at).await;
            Ok(())
        })
        .await
    }
}

/// Every stored row of `server` (none if the database fails, which is logged).
async fn stored(db: &Db, server: &ServerName) -> Vec<StoredKey> {
    documents_of(db, server.as_str())
        .await
        .inspect_err(|e| tracing::warn!(error = %e, %server, "cannot read stored key documents"))
        .unwrap_or_default()
}

impl crate::service::Services {
    /// The notary's answer to a key query: for each server asked about, the documents
    /// `KeyRing::documents_for` finds, each counter-signed by us (over the document without
    /// `signatures` and `unsigned`, as every signature); for our own name, our own document.
    /// Names that are not server names are skipped, as Synapse skips them.
    pub async fn notary_key_query(
        &self,
        query: Vec<(String, Wanted)>,
    ) -> Vec<Raw<ServerSigningKeys>> {
        let answers = futures_util::stream::iter(query)
            .map(|(name, wanted)| async move { self.notary_documents(&name, &wanted).await })
            .buffered(SERVERS_AT_ONCE)
            .collect::<Vec<_>>()
            .await;
        answers
            .into_iter()
            .flatten()
            .filter_map(|doc| match serde_json::value::to_raw_value(&doc) {
                Ok(raw) => Some(Raw::from_json(raw)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot serialize a key document");
                    None
                }
            })
            .collect()
    }

    async fn notary_documents(&self, name: &str, wanted: &Wanted) -> Vec<CanonicalJsonObject> {
        let Ok(server) = ServerName::parse(name) else {
            tracing::debug!(server = name, "notary: not a server name; skipped");
            return Vec::new();
        };
        let server_name = &self.config.server_name;
        if server.as_str() == server_name {
            // Signed by us with the key it lists: nothing to add.
            return match server_keys::signed_key_document(server_name, &self.signing_key, now_ms())
            {
                Ok(doc) => vec![doc],
                Err(e) => {
                    tracing::error!(error = %e, "signing our key document failed");
                    Vec::new()
                }
            };
        }
        let mut docs = self
            .server_key_ring
            .documents_for(&self.federation, &self.signing_key, &server, wanted)
            .await;
        docs.retain_mut(|doc| {
            self.signing_key
                .sign_json(server_name, doc)
                .inspect_err(
                    |e| tracing::warn!(error = %e, %server, "cannot counter-sign a key document"),
                )
                .is_ok()
        });
        docs
    }
}
