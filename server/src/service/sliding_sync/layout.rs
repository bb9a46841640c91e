//! A connection's lists as its last answer laid them out: the user's rooms a list may show,
//! each list's order, and what the request asks of every room in a range. The next request
//! with the same lists, on the same memberships and account data, starts from it: only the
//! rooms the change logs name since then are looked at again (their bump stamps, filters and
//! places), so an answer with nothing new costs nothing per room, and one new message costs
//! one room's work and a re-sort of an already sorted list.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use ruma::UInt;
use ruma::api::client::sync::sync_events::v5;

use super::conn::Sent;
use super::{Candidate, RequiredState, RoomFacts, SlidingError, SlidingRequest, Wanted};
use super::{RoomTags, direct_rooms, list_allows, required_of, room_tags};
use crate::service::Services;
use crate::service::changes::SyncHints;
use crate::service::sync::Token;
use crate::store::rooms as db;

/// Account data rows: (room or "", type, content).
type AccountRows = Vec<(String, String, String)>;

/// One of the user's rooms a list may show: its row in the memberships, and its bump stamp.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cand {
    pub m: u32,
    pub bump: Option<i64>,
}

/// The lists of one answer (see the module comment). Indices are into `cands`.
pub struct Layout {
    /// The request's lists and subscriptions, as text: a request asking otherwise is laid out
    /// anew.
    shape: String,
    memberships: Arc<Vec<db::MembershipRow>>,
    account: Arc<AccountRows>,
    /// The oldest leave kept only because it came after the request's `from`, and the newest
    /// leave left out: a later `from` past the first or before the second keeps other rooms.
    since_leave: Option<i64>,
    dropped_leave: Option<i64>,
    cands: Vec<Cand>,
    index: Arc<HashMap<Arc<str>, u32>>,
    pub(super) dms: Arc<HashSet<String>>,
    /// Each room's tags (its `m.tag` account data), read when a list filters by them.
    tags: Arc<RoomTags>,
    /// Per list, in the request's order: the rooms it shows, ordered by recency.
    lists: Vec<Arc<ListOrder>>,
    /// What the request asks of each room in a list's ranges or subscribed: the rooms an
    /// answer may send, and the default scope of the extensions.
    pub(super) wanted: BTreeMap<u32, Wanted>,
    /// The rooms in each list's ranges, in list order.
    pub(super) list_rooms: HashMap<String, Vec<u32>>,
    pub(super) subscribed: Vec<u32>,
    pub(super) counts: BTreeMap<String, v5::response::List>,
}

struct ListOrder {
    order: Vec<u32>,
    required: Arc<RequiredState>,
}

/// A layout built on the last one: that layout, and the rooms with news since.
pub(super) struct BuiltOn {
    pub prior: Arc<Layout>,
    pub touched: HashSet<u32>,
}

/// What a connection's last answer left: its position, the record it sent and its layout.
#[derive(Clone)]
pub struct Kept {
    pub at: i64,
    pub sent: Arc<Sent>,
    pub layout: Arc<Layout>,
}

impl Layout {
    pub(super) fn candidate(&self, i: u32) -> Candidate<'_> {
        let c = self.cands[i as usize];
        let (room_id, membership, event_id, mstream) = &self.memberships[c.m as usize];
        Candidate {
            room_id,
            membership,
            event_id,
            mstream: *mstream,
            bump: c.bump,
        }
    }

    /// A copy to lay out again: what `fill` makes is left empty.
    fn successor(&self) -> Layout {
        Layout {
            shape: self.shape.clone(),
            memberships: self.memberships.clone(),
            account: self.account.clone(),
            since_leave: self.since_leave,
            dropped_leave: self.dropped_leave,
            cands: self.cands.clone(),
            index: self.index.clone(),
            dms: self.dms.clone(),
            tags: self.tags.clone(),
            lists: self.lists.clone(),
            wanted: BTreeMap::new(),
            list_rooms: HashMap::new(),
            subscribed: Vec::new(),
            counts: BTreeMap::new(),
        }
    }

    pub(super) fn room(&self, i: u32) -> &str {
        &self.memberships[self.cands[i as usize].m as usize].0
    }

    pub(super) fn find(&self, room_id: &str) -> Option<u32> {
        self.index.get(room_id).copied()
    }

    pub(super) fn account(&self) -> &[(String, String, String)] {
        &self.account
    }

    /// Whether a request with these lists, on these memberships and account data, from
    /// `from`, would lay its lists out from the same rooms.
    fn fits(
        &self,
        shape: &str,
        memberships: &Arc<Vec<db::MembershipRow>>,
        account: &Arc<AccountRows>,
        from: Option<Token>,
    ) -> bool {
        let Some(from) = from else {
            return false;
        };
        self.shape == shape
            && Arc::ptr_eq(&self.memberships, memberships)
            && Arc::ptr_eq(&self.account, account)
            && self.since_leave.is_none_or(|l| l > from.pos)
            && self.dropped_leave.is_none_or(|l| l <= from.pos)
    }

    /// The rooms with events or receipts after `since`, or `None` when the logs no longer
    /// know (then every room is looked at).
    fn touched(&self, hints: &SyncHints, since: i64) -> Option<HashSet<u32>> {
        let mut out = HashSet::new();
        for log in [&hints.room_events, &hints.receipts] {
            let view = log.view();
            for room in view.changed_after(since)? {
                if let Some(i) = self.find(room) {
                    out.insert(i);
                }
            }
        }
        Some(out)
    }

    fn sort(&self, order: &mut [u32]) {
        order.sort_by(|&a, &b| {
            let (ca, cb) = (self.cands[a as usize], self.cands[b as usize]);
            cb.bump
                .cmp(&ca.bump)
                .then_with(|| self.room(a).cmp(self.room(b)))
        });
    }

    fn allows(
        &self,
        i: u32,
        name: &str,
        list: &v5::request::List,
        req: &SlidingRequest,
        facts: &HashMap<&str, RoomFacts>,
    ) -> bool {
        let c = self.candidate(i);
        list_allows(
            &c,
            list.filters.as_ref(),
            req.tags.get(name),
            &self.dms,
            &self.tags,
            facts.get(c.room_id),
        )
    }

    /// The ranges, subscriptions and counts, from the lists' orders.
    fn fill(&mut self, req: &SlidingRequest, user_id: &str) {
        self.wanted.clear();
        self.list_rooms.clear();
        self.subscribed.clear();
        self.counts.clear();
        for ((name, list), lo) in req.body.lists.iter().zip(&self.lists) {
            let rooms = &lo.order;
            let mut count = v5::response::List::default();
            count.count = UInt::new_saturating(rooms.len() as u64);
            self.counts.insert(name.clone(), count);
            let mut in_range = vec![false; rooms.len()];
            if req.whole_lists.contains(name) {
                in_range.fill(true);
            } else {
                for (start, end) in &list.ranges {
                    let start = u64::from(*start) as usize;
                    let end = (u64::from(*end) as usize).min(rooms.len().saturating_sub(1));
                    for r in in_range.iter_mut().take(end + 1).skip(start) {
                        *r = true;
                    }
                }
            }
            let limit = list.room_details.timeline_limit.into();
            let shown = self.list_rooms.entry(name.clone()).or_default();
            for (&i, _) in rooms.iter().zip(&in_range).filter(|(_, r)| **r) {
                self.wanted.entry(i).or_default().add(limit, &lo.required);
                shown.push(i);
            }
        }
        // Subscriptions: any room the user has a membership in that lists may show.
        for (room_id, sub) in &req.body.room_subscriptions {
            let Some(i) = self.find(room_id.as_str()) else {
                continue;
            };
            let required = Arc::new(required_of(&sub.required_state, user_id));
            self.wanted
                .entry(i)
                .or_default()
                .add(sub.timeline_limit.into(), &required);
            self.subscribed.push(i);
        }
    }
}

/// The request's lists and subscriptions, as `Layout::shape` compares them.
pub(super) fn shape(req: &SlidingRequest) -> String {
    let mut whole: Vec<&String> = req.whole_lists.iter().collect();
    whole.sort();
    let mut tags: Vec<_> = req.tags.iter().collect();
    tags.sort_by(|a, b| a.0.cmp(b.0));
    let lists =
        serde_json::to_string(&(&req.body.lists, &req.body.room_subscriptions)).unwrap_or_default();
    format!("{lists}|{whole:?}|{tags:?}")
}

impl Services {
    /// The lists of this request: from the connection's last layout when it still fits
    /// (with the rooms that have news since looked at again), else anew (`None`: every room
    /// may have news).
    pub(super) async fn sliding_layout(
        &self,
        user_id: &str,
        req: &SlidingRequest,
        shape: &str,
        from: Option<Token>,
        base: &Arc<Sent>,
        kept: Option<&Kept>,
    ) -> Result<(Arc<Layout>, Option<BuiltOn>), SlidingError> {
        let (memberships, account) =
            tokio::try_join!(self.memberships(user_id), self.all_account_data(user_id))?;
        let prior = kept.filter(|k| {
            Arc::ptr_eq(&k.sent, base) && k.layout.fits(shape, &memberships, &account, from)
        });
        if let Some(k) = prior
            && let Some(from) = from
            && let Some(touched) = k.layout.touched(&self.hints, from.pos.min(k.at))
        {
            let layout = if touched.is_empty() {
                k.layout.clone()
            } else {
                Arc::new(
                    self.lay_out_again(&k.layout, &touched, req, user_id)
                        .await?,
                )
            };
            let prior = k.layout.clone();
            return Ok((layout, Some(BuiltOn { prior, touched })));
        }
        let layout = self
            .lay_out(user_id, req, shape, memberships, account, from)
            .await?;
        Ok((Arc::new(layout), None))
    }

    async fn lay_out(
        &self,
        user_id: &str,
        req: &SlidingRequest,
        shape: &str,
        memberships: Arc<Vec<db::MembershipRow>>,
        account: Arc<AccountRows>,
        from: Option<Token>,
    ) -> Result<Layout, SlidingError> {
        let picked = self.candidates(user_id, &memberships, from).await?;
        let index = picked
            .cands
            .iter()
            .enumerate()
            .map(|(i, c)| (Arc::from(memberships[c.m as usize].0.as_str()), i as u32))
            .collect();
        let dms = direct_rooms(&account);
        let tags = if req.tags.is_empty() {
            RoomTags::new()
        } else {
            room_tags(&account)
        };
        let mut layout = Layout {
            shape: shape.to_owned(),
            memberships,
            account,
            since_leave: picked.since_leave,
            dropped_leave: picked.dropped_leave,
            cands: picked.cands,
            index: Arc::new(index),
            dms: Arc::new(dms),
            tags: Arc::new(tags),
            lists: Vec::new(),
            wanted: BTreeMap::new(),
            list_rooms: HashMap::new(),
            subscribed: Vec::new(),
            counts: BTreeMap::new(),
        };
        let all: Vec<u32> = (0..layout.cands.len() as u32).collect();
        let facts = self.facts_for(req, &layout, &all).await?;
        let mut lists = Vec::with_capacity(req.body.lists.len());
        for (name, list) in &req.body.lists {
            let mut order: Vec<u32> = all
                .iter()
                .copied()
                .filter(|&i| layout.allows(i, name, list, req, &facts))
                .collect();
            layout.sort(&mut order);
            let required = Arc::new(required_of(&list.room_details.required_state, user_id));
            lists.push(Arc::new(ListOrder { order, required }));
        }
        layout.lists = lists;
        layout.fill(req, user_id);
        Ok(layout)
    }

    /// `prior` after news in the `touched` rooms: their bump stamps and filters read again,
    /// and the lists they are in re-sorted.
    async fn lay_out_again(
        &self,
        prior: &Layout,
        touched: &HashSet<u32>,
        req: &SlidingRequest,
        user_id: &str,
    ) -> Result<Layout, SlidingError> {
        let mut layout = prior.successor();
        let to = self.streams.current();
        let mut moved = Vec::with_capacity(touched.len());
        for &i in touched {
            let c = layout.candidate(i);
            if c.membership == "join" {
                let bump = self.bump_stamp(c.room_id, to).await?;
                if bump != c.bump {
                    layout.cands[i as usize].bump = bump;
                    moved.push(i);
                }
            }
        }
        let touched_rooms: Vec<u32> = touched.iter().copied().collect();
        let mut lists = std::mem::take(&mut layout.lists);
        let facts = self.facts_for(req, &layout, &touched_rooms).await?;
        for ((name, list), lo) in req.body.lists.iter().zip(lists.iter_mut()) {
            let in_list: HashSet<u32> = lo
                .order
                .iter()
                .copied()
                .filter(|i| touched.contains(i))
                .collect();
            let now: Vec<u32> = touched_rooms
                .iter()
                .copied()
                .filter(|&i| layout.allows(i, name, list, req, &facts))
                .collect();
            let same_rooms = now.len() == in_list.len() && now.iter().all(|i| in_list.contains(i));
            if same_rooms && !moved.iter().any(|i| in_list.contains(i)) {
                continue;
            }
            let mut order: Vec<u32> = lo
                .order
                .iter()
                .copied()
                .filter(|i| !touched.contains(i))
                .chain(now)
                .collect();
            layout.sort(&mut order);
            *lo = Arc::new(ListOrder {
                order,
                required: lo.required.clone(),
            });
        }
        drop(facts);
        layout.lists = lists;
        layout.fill(req, user_id);
        Ok(layout)
    }

    /// What the lists' filters need to know of these rooms (nothing when no filter asks).
    async fn facts_for<'l>(
        &self,
        req: &SlidingRequest,
        layout: &'l Layout,
        rooms: &[u32],
    ) -> Result<HashMap<&'l str, RoomFacts>, SlidingError> {
        let needed = req.body.lists.values().any(|l| {
            l.filters.as_ref().is_some_and(|f| {
                f.is_encrypted.is_some() || !f.room_types.is_empty() || !f.not_room_types.is_empty()
            })
        });
        if !needed {
            return Ok(HashMap::new());
        }
        Ok(self
            .rooms_facts(rooms.iter().map(|&i| layout.room(i)))
            .await?)
    }
}
