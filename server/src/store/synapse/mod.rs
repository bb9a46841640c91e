//! `matrixctl import-synapse`: a stopped Synapse's database read (never written) and its rows
//! written into a fresh matrixd database, one step per group of tables, so that users,
//! devices, access tokens, rooms with every event (same ids, same order), keys and media carry
//! over. The store is the only code that knows both schemas, so the copy lives here; the
//! installer finds the files, refuses a running Synapse, draws the bars and writes the config.
//!
//! Each step reads its Synapse tables in a fixed order in batches and writes each batch with
//! its progress row (`matrixd_import_progress`, created at run time) in one transaction, so a
//! re-run continues after the last committed batch. Events keep Synapse's stream positions
//! (local events positive, backfilled history negative, as in matrixd); every other row that
//! sync reads by position gets one position just past the last event, which matrixd's start-up
//! then takes as its stream's start. Modules: `source` (Synapse, read-only), `target`
//! (progress and batched writes), and one module per group: `accounts`, `userdata`, `rooms`,
//! `e2ee`, `media`, `keys`.

mod accounts;
mod e2ee;
mod keys;
mod media;
mod rooms;
pub mod source;
mod target;
mod userdata;

use std::ops::RangeInclusive;
use std::path::PathBuf;

pub use source::{SynapseDb, Val};
pub use target::Progress;
use target::Target;

use super::{Db, StoreError};

/// Synapse schema versions this import reads (`schema_version.version`): from the oldest
/// schema current Synapse releases still run on (its SCHEMA_COMPAT_VERSION) to the newest
/// release tested.
pub const SUPPORTED_SCHEMA: RangeInclusive<i64> = 84..=94;

/// What the steps need besides the two databases.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub server_name: String,
    /// The position given to rows sync reads by position (account data, receipts, keys):
    /// one past Synapse's last event.
    pub position: i64,
    /// Synapse's media store (read) and matrixd's (written).
    pub media_from: PathBuf,
    pub media_to: PathBuf,
    pub now_ms: i64,
}

impl Ctx {
    /// `@localpart:server` for Synapse columns that hold a localpart (profiles, filters).
    fn user_id(&self, localpart_or_id: &str) -> String {
        if localpart_or_id.starts_with('@') {
            localpart_or_id.to_string()
        } else {
            format!("@{localpart_or_id}:{}", self.server_name)
        }
    }
}

/// Rows to write (index into the step's targets, values) and how many source rows were left
/// out.
pub type Converted = (Vec<(usize, Vec<Val>)>, i64);

/// One step that copies tables generically: Synapse rows by `select` (`$1` limit, `$2`
/// offset, in a fixed order) turned into matrixd rows by `convert`.
pub struct TableStep {
    pub name: &'static str,
    /// What it carries over, for the plan.
    pub what: &'static str,
    pub count: &'static str,
    pub select: &'static str,
    pub targets: &'static [Target],
    pub convert: fn(Vec<Vec<Val>>, &Ctx) -> Result<Converted, String>,
    /// Rows per batch; `i64::MAX` for steps that must see a table whole (grouping).
    pub batch: i64,
    /// A target count that must equal the source count minus the skipped rows.
    pub check: Option<&'static str>,
}

/// The steps in order (events first: the current-state fix-up and receipts name them).
pub fn steps() -> Vec<Step> {
    let mut out = Vec::new();
    out.extend(accounts::STEPS.iter().map(Step::Table));
    out.push(Step::Events);
    out.extend(rooms::STEPS.iter().map(Step::Table));
    out.extend(userdata::STEPS.iter().map(Step::Table));
    out.extend(e2ee::STEPS.iter().map(Step::Table));
    out.extend(media::STEPS.iter().map(Step::Table));
    out.extend(keys::STEPS.iter().map(Step::Table));
    out
}

pub enum Step {
    Table(&'static TableStep),
    /// Rooms and their events, in Synapse's stream order (`rooms::copy_events`).
    Events,
}

impl Step {
    pub fn name(&self) -> &'static str {
        match self {
            Step::Table(t) => t.name,
            Step::Events => rooms::EVENTS_STEP,
        }
    }
    pub fn what(&self) -> &'static str {
        match self {
            Step::Table(t) => t.what,
            Step::Events => {
                "rooms, events (same ids and order), state, memberships, redactions, relations"
            }
        }
    }
    fn count_sql(&self) -> &'static str {
        match self {
            Step::Table(t) => t.count,
            Step::Events => rooms::EVENTS_COUNT,
        }
    }
}

/// How many Synapse rows a step reads (for the plan, before any target exists).
pub async fn count_source(src: &SynapseDb, step: &Step) -> Result<i64, StoreError> {
    src.count(step.count_sql()).await
}

/// A comparison of the verification pass.
#[derive(Debug, Clone)]
pub struct Check {
    pub what: String,
    pub source: i64,
    pub target: i64,
    pub ok: bool,
}

/// An import: Synapse's database (read) and matrixd's (written).
pub struct Import {
    pub src: SynapseDb,
    pub db: Db,
    pub ctx: Ctx,
}

impl Import {
    /// Prepares the target: refuses one that holds users but no import progress (another
    /// server's data), and creates the progress table.
    pub async fn new(
        src: SynapseDb,
        db: Db,
        server_name: &str,
        media_from: PathBuf,
        media_to: PathBuf,
    ) -> Result<Import, StoreError> {
        if !target::has_progress_table(&db).await? && target::user_count(&db).await? > 0 {
            return Err(StoreError::Refused(
                "the target database already holds users and no import progress: import into a new, empty database".into(),
            ));
        }
        target::create_progress_table(&db).await?;
        let last = src
            .count("SELECT CAST(COALESCE(MAX(stream_ordering), 0) AS BIGINT) FROM events")
            .await?;
        let ctx = Ctx {
            server_name: server_name.to_string(),
            position: last.max(0) + 1,
            media_from,
            media_to,
            now_ms: super::now_ms(),
        };
        Ok(Import { src, db, ctx })
    }

    /// The step's recorded progress.
    pub async fn progress(&self, step: &Step) -> Result<Progress, StoreError> {
        target::progress(&self.db, step.name()).await
    }

    /// Runs (or continues) a step; `on_batch` gets the source rows read so far.
    pub async fn run_step(
        &self,
        step: &Step,
        batch_rows: i64,
        mut on_batch: impl FnMut(u64),
    ) -> Result<Progress, StoreError> {
        match step {
            Step::Events => {
                rooms::copy_events(&self.src, &self.db, &self.ctx, batch_rows, on_batch).await
            }
            Step::Table(t) => {
                let mut p = target::progress(&self.db, t.name).await?;
                let batch = if t.batch == i64::MAX {
                    i64::MAX
                } else {
                    batch_rows.min(t.batch)
                };
                on_batch(p.copied as u64);
                while !p.done {
                    let page = self.src.page(t.select, batch, p.last_key).await?;
                    let n = page.len() as i64;
                    let (rows, skipped) = (t.convert)(page, &self.ctx)
                        .map_err(|e| StoreError::Refused(format!("{}: {e}", t.name)))?;
                    p.last_key += n;
                    p.copied += n;
                    p.skipped += skipped;
                    p.done = n < batch;
                    target::write_batch(&self.db, t.name, t.targets, &rows, &p).await?;
                    on_batch(p.copied as u64);
                }
                Ok(p)
            }
        }
    }

    /// Compares counts per step (source rows read minus those left out by rule, against the
    /// target), then samples: events by id (same position, same content), users (same hash
    /// and flags), media (same bytes).
    pub async fn verify(&self) -> Result<Vec<Check>, StoreError> {
        let mut out = Vec::new();
        for step in steps() {
            let p = target::progress(&self.db, step.name()).await?;
            let source = self.src.count(step.count_sql()).await?;
            out.push(Check {
                what: format!("{}: rows read", step.name()),
                source,
                target: p.copied,
                ok: source == p.copied && p.done,
            });
            let check = match &step {
                Step::Table(t) => t.check,
                Step::Events => Some("SELECT COUNT(*) FROM events"),
            };
            if let Some(sql) = check {
                let target = target::count(&self.db, sql).await?;
                out.push(Check {
                    what: format!("{}: rows stored", step.name()),
                    source: source - p.skipped,
                    target,
                    ok: source - p.skipped == target,
                });
            }
        }
        out.extend(rooms::sample_events(&self.src, &self.db).await?);
        out.extend(accounts::sample_users(&self.src, &self.db).await?);
        out.extend(media::sample_media(&self.src, &self.ctx).await?);
        Ok(out)
    }
}

/// The SHA-256 hex digest matrixd stores for an access token (`service::accounts::hash_token`
/// computes the same; a test there checks they agree).
pub fn token_hash(token: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// The text of column `i`, or "".
fn text(r: &[Val], i: usize) -> String {
    r.get(i).and_then(Val::text).unwrap_or_default()
}

fn opt(r: &[Val], i: usize) -> Val {
    r.get(i).cloned().unwrap_or(Val::Null)
}

fn int(r: &[Val], i: usize) -> i64 {
    r.get(i).and_then(Val::int).unwrap_or(0)
}

/// Rows written to target 0 unchanged.
fn as_is(page: Vec<Vec<Val>>, _: &Ctx) -> Result<Converted, String> {
    Ok((page.into_iter().map(|r| (0, r)).collect(), 0))
}
