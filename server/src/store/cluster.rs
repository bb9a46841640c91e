//! Several matrixd processes on one PostgreSQL database: the writer's lock, the shared stream
//! counter, the notification channel, and the leader's lock. Each handle is a connection of its
//! own (a session-level advisory lock lives as long as its session; LISTEN needs one too), so
//! a process that dies lets go of its locks with its connections.

use sqlx::postgres::{PgConnection, PgListener, PgNotification};
use sqlx::{Connection, Row};

use super::{Db, StoreError};

/// The channel every process listens on.
pub const CHANNEL: &str = "matrixd_cluster";
/// Advisory lock keys (one 64-bit space per database; these spell "mxdW" and "mxdL").
const WRITER_LOCK: i64 = 0x6d78_6457;
const LEADER_LOCK: i64 = 0x6d78_644c;

/// A connection of its own to the server's PostgreSQL database.
pub struct Session(PgConnection);

impl Session {
    /// Its commits do not wait for the disk (`synchronous_commit = off`): what it writes (the
    /// shared position and flag) is lost only if PostgreSQL itself stops, and then every
    /// session ends too, so a process starts the next one as if the last holder had died.
    pub async fn open(db: &Db) -> Result<Session, StoreError> {
        let mut conn = PgConnection::connect(&db.url.0).await?;
        sqlx::query("SET synchronous_commit = off")
            .execute(&mut conn)
            .await?;
        Ok(Session(conn))
    }

    /// Waits for the writer's lock, then reads the highest position handed out so far and
    /// whether the previous holder stopped without letting go (it may have stored positions
    /// past that one).
    pub async fn lock_writer(&mut self) -> Result<(i64, bool), StoreError> {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(WRITER_LOCK)
            .execute(&mut self.0)
            .await?;
        // The row as it was, marked as being written, in one statement.
        let row = sqlx::query(
            "WITH old AS (SELECT allocated, writing FROM cluster_stream WHERE id = 1) \
             UPDATE cluster_stream SET writing = 1 FROM old WHERE cluster_stream.id = 1 \
             RETURNING old.allocated, old.writing",
        )
        .fetch_optional(&mut self.0)
        .await?;
        match row {
            Some(r) => Ok((r.get::<i64, _>(0), r.get::<i32, _>(1) != 0)),
            None => {
                sqlx::query(
                    "INSERT INTO cluster_stream (id, allocated, writing) VALUES (1, 0, 1) \
                     ON CONFLICT (id) DO UPDATE SET writing = 1",
                )
                .execute(&mut self.0)
                .await?;
                Ok((0, false))
            }
        }
    }

    /// Takes the writer's lock only if nobody holds it.
    pub async fn try_lock_writer(&mut self) -> Result<bool, StoreError> {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(WRITER_LOCK)
            .fetch_one(&mut self.0)
            .await?;
        Ok(got)
    }

    /// Records the highest position handed out, then lets go of the writer's lock: `false`
    /// when this session did not hold it (its connection was lost and made again).
    pub async fn unlock_writer(&mut self, allocated: i64) -> Result<bool, StoreError> {
        self.set_allocated(allocated).await?;
        let held: bool = sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
            .bind(WRITER_LOCK)
            .fetch_one(&mut self.0)
            .await?;
        Ok(held)
    }

    /// The highest position any process has handed out (0 before the first).
    pub async fn allocated(&mut self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT allocated FROM cluster_stream WHERE id = 1")
            .fetch_optional(&mut self.0)
            .await?;
        Ok(row.map_or(0, |r| r.get::<i64, _>(0)))
    }

    /// Raises the recorded highest position to `allocated`; nobody is writing.
    async fn set_allocated(&mut self, allocated: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO cluster_stream (id, allocated, writing) VALUES (1, $1, 0) \
             ON CONFLICT (id) DO UPDATE SET writing = 0, \
             allocated = GREATEST(cluster_stream.allocated, EXCLUDED.allocated)",
        )
        .bind(allocated)
        .execute(&mut self.0)
        .await?;
        Ok(())
    }

    /// Takes the leader's lock if nobody holds it; held until this session ends.
    pub async fn try_lead(&mut self) -> Result<bool, StoreError> {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LEADER_LOCK)
            .fetch_one(&mut self.0)
            .await?;
        Ok(got)
    }

    /// Whether the connection still answers.
    pub async fn ping(&mut self) -> Result<(), StoreError> {
        self.0.ping().await?;
        Ok(())
    }

    /// Sends `payloads` to every listening process, in order, all or none (one statement: the
    /// notifications of one transaction are delivered together, in the order sent).
    pub async fn publish(&mut self, payloads: &[String]) -> Result<(), StoreError> {
        sqlx::query(
            "SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n",
        )
        .bind(CHANNEL)
        .bind(payloads)
        .execute(&mut self.0)
        .await?;
        Ok(())
    }
}

/// The receiving end of `Session::publish`.
pub struct Listener(PgListener);

impl Listener {
    pub async fn open(db: &Db) -> Result<Listener, StoreError> {
        let mut l = PgListener::connect(&db.url.0).await?;
        l.listen(CHANNEL).await?;
        Ok(Listener(l))
    }

    /// The next payload; `Ok(None)` when the connection was lost (what was sent meanwhile
    /// is lost too; the next call connects again).
    pub async fn next(&mut self) -> Result<Option<String>, StoreError> {
        Ok(self
            .0
            .try_recv()
            .await?
            .map(|n: PgNotification| n.payload().to_string()))
    }
}
