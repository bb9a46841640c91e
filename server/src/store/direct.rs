//! SQLite reads and event writes on the caller's thread. sqlx runs every SQLite connection on
//! a thread of its own, so each query is a round trip to that thread and back, and each of its
//! parameters is copied on the way; the small indexed reads a sync or a send makes by the dozen
//! cost more in those thread switches than in SQLite, and a joined room's thousands of rows
//! more in the copies. These connections answer in place instead. The readers only read
//! (`query_only`), and in WAL mode they never wait for the writer and always see every
//! committed transaction. The one writer connection writes batches of events (`Db::write_all`)
//! in transactions that take the write lock at their start (`BEGIN IMMEDIATE`), waiting for
//! the pool's writers as they wait for each other.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Row, Statement as Prepared, TransactionBehavior};

use super::StoreError;
use super::query::{Param, Statement};

/// Idle connections kept.
const KEEP: usize = 4;

pub struct Direct {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// The writer, opened on first use.
    writer: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct").field("path", &self.path).finish()
    }
}

impl Direct {
    pub fn new(path: PathBuf) -> Direct {
        Direct {
            path,
            idle: Mutex::new(Vec::new()),
            writer: Mutex::new(None),
        }
    }

    /// A connection to the file that waits up to 5 s for a lock, with `pragmas` set and room
    /// for `statements` prepared statements.
    fn open(&self, pragmas: &str, statements: usize) -> rusqlite::Result<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(BUSY_TIMEOUT)?;
        c.execute_batch(pragmas)?;
        c.set_prepared_statement_cache_capacity(statements);
        Ok(c)
    }

    /// Closes the idle connections beyond one.
    pub fn release_idle(&self) {
        self.idle.lock().expect("direct connections").truncate(1);
    }

    /// Runs `sql` with `params` bound to `$1`, `$2`, ... and maps its rows, at most `max` of
    /// them. Only `Db::fetch_all` and `Db::fetch_optional` call it (see `query`).
    pub(super) fn rows<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        max: usize,
        mut map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let conn = self.idle.lock().expect("direct connections").pop();
        let conn = match conn {
            Some(c) => c,
            None => self.open(READER, 64).map_err(direct_err)?,
        };
        let out = (|| {
            let mut st = conn.prepare_cached(sql)?;
            bind_all(&mut st, params)?;
            let mut rows = st.raw_query();
            let mut out = Vec::new();
            while out.len() < max {
                let Some(r) = rows.next()? else {
                    break;
                };
                out.push(map(r)?);
            }
            Ok(out)
        })()
        .map_err(direct_err);
        let mut idle = self.idle.lock().expect("direct connections");
        if idle.len() < KEEP {
            idle.push(conn);
        }
        out
    }

    /// Runs `statements` in order in one transaction on the writer connection: all of them or
    /// none. When another caller has the writer, or another connection the write lock, waits
    /// for it (the lock up to the busy timeout) if `wait`, else writes nothing and answers
    /// false. Only `Db::write_all` calls it.
    pub(super) fn write(
        &self,
        statements: &[Statement<'_>],
        wait: bool,
    ) -> Result<bool, StoreError> {
        let mut writer = match self.writer.try_lock() {
            Ok(w) => w,
            Err(std::sync::TryLockError::WouldBlock) if !wait => return Ok(false),
            Err(std::sync::TryLockError::WouldBlock) => self.writer.lock().expect("direct writer"),
            Err(std::sync::TryLockError::Poisoned(_)) => panic!("direct writer poisoned"),
        };
        let conn = match writer.as_mut() {
            Some(c) => c,
            None => writer.insert(self.open(WRITER, 32)?),
        };
        // Only taking the lock waits: in WAL mode nothing else in a write transaction does.
        conn.busy_timeout(if wait { BUSY_TIMEOUT } else { Duration::ZERO })?;
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(rusqlite::Error::SqliteFailure(e, _))
                if !wait && e.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
        for s in statements {
            let mut st = tx.prepare_cached(&s.sql)?;
            bind_all(&mut st, &s.args)?;
            st.raw_execute()?;
        }
        tx.commit()?;
        Ok(true)
    }
}

/// Binds `params` to `$1`, `$2`, ... (or to `?`, in order).
fn bind_all(st: &mut Prepared<'_>, params: &[Param<'_>]) -> rusqlite::Result<()> {
    // `?` has no name: bound by its place, as a batch's thousands of them are.
    let positional = st.parameter_name(1).is_none();
    for (i, p) in params.iter().enumerate() {
        // `$n` are named parameters to SQLite, numbered in order of first appearance.
        let idx = if positional {
            None
        } else {
            match PARAM_NAMES.get(i) {
                Some(name) => st.parameter_index(name)?,
                None => st.parameter_index(&format!("${}", i + 1))?,
            }
        };
        st.raw_bind_parameter(idx.unwrap_or(i + 1), p)?;
    }
    Ok(())
}

/// How long a connection waits for a lock another holds (as the pool's, `Db::connect`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The readers' settings.
const READER: &str = "PRAGMA query_only = ON";

/// The writer's settings: the pool's connections' (see `Db::connect`), and a joined room's rows
/// (megabytes, more than the page cache holds) kept in memory until the commit writes them,
/// where SQLite would otherwise spill them to the log first and write them again; statement
/// journals in memory. Once committed, the cache is back to its size.
const WRITER: &str = "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
     PRAGMA foreign_keys = ON; PRAGMA cache_spill = OFF; PRAGMA temp_store = MEMORY";

/// The names of the first parameters, so binding them allocates nothing.
const PARAM_NAMES: [&str; 8] = ["$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8"];

/// How often the write-ahead log is copied back into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Checkpoints the write-ahead log in the background, so no commit (and no send waiting on
/// it) pays for a checkpoint and its fsync: the writers run with `wal_autocheckpoint = 0`.
/// Ends when the database handle is dropped.
pub fn spawn_checkpointer(direct: &std::sync::Arc<Direct>) {
    let weak = std::sync::Arc::downgrade(direct);
    tokio::spawn(async move {
        let mut conn: Option<Connection> = None;
        loop {
            tokio::time::sleep(CHECKPOINT_EVERY).await;
            let Some(d) = weak.upgrade() else {
                return;
            };
            let path = d.path.clone();
            drop(d);
            let taken = conn.take();
            let r = tokio::task::spawn_blocking(move || {
                let c = match taken {
                    Some(c) => c,
                    None => {
                        let c = Connection::open(&path)?;
                        c.busy_timeout(BUSY_TIMEOUT)?;
                        c
                    }
                };
                c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
                Ok::<_, rusqlite::Error>(c)
            })
            .await;
            match r {
                Ok(Ok(c)) => conn = Some(c),
                Ok(Err(e)) => tracing::warn!(error = %e, "WAL checkpoint failed; will retry"),
                Err(_) => return,
            }
        }
    });
}

fn direct_err(e: rusqlite::Error) -> StoreError {
    StoreError::Refused(format!("database error: {e}"))
}
