//! The SQLite side of a copy: the tables and their columns as the file declares them, batches
//! in primary-key order after a given key, and every row for the checksum; and a snapshot for
//! `matrixctl backup`. Opens the file read-only: nothing here writes to it.

use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{Column, CopyError, Kind, Table, Value, quote};

/// The tables sqlx and SQLite keep for themselves: never copied (the target has its own).
const NOT_COPIED: &[&str] = &["_sqlx_migrations"];

/// A SQLite database file, opened read-only.
pub struct Source {
    conn: Option<Connection>,
    path: PathBuf,
    /// The `-wal` and `-shm` files this connection created (a reader of a WAL database creates
    /// them when absent and, being read-only, cannot remove them on close as a writer does).
    created: Vec<PathBuf>,
}

impl Source {
    pub fn open(path: &Path) -> Result<Source, CopyError> {
        let side = |suffix: &str| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            PathBuf::from(p)
        };
        let absent: Vec<PathBuf> = [side("-wal"), side("-shm")]
            .into_iter()
            .filter(|p| !p.exists())
            .collect();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Source {
            conn: Some(conn),
            path: path.to_path_buf(),
            created: absent,
        })
    }

    fn conn(&self) -> &Connection {
        self.conn.as_ref().expect("open until dropped")
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A consistent copy of the whole database in `dest` (which must not exist yet), taken while
    /// the server may be writing: `VACUUM INTO` reads one snapshot (`matrixctl backup`).
    pub fn snapshot_to(&self, dest: &Path) -> Result<(), CopyError> {
        self.conn()
            .execute("VACUUM INTO ?1", [dest.to_string_lossy()])?;
        Ok(())
    }

    /// The file's size in bytes as SQLite counts it (pages × page size).
    pub fn size_bytes(&self) -> Result<u64, CopyError> {
        let pages: i64 = self
            .conn()
            .query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let size: i64 = self
            .conn()
            .query_row("PRAGMA page_size", [], |r| r.get(0))?;
        Ok((pages.max(0) as u64) * (size.max(0) as u64))
    }

    /// The `server_name` the server recorded in this database (none before its first start).
    pub fn server_name(&self) -> Result<Option<String>, CopyError> {
        let has_meta: bool = self.conn().query_row(
            "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'server_meta')",
            [],
            |r| r.get(0),
        )?;
        if !has_meta {
            return Ok(None);
        }
        let mut st = self
            .conn()
            .prepare("SELECT value FROM server_meta WHERE name = 'server_name'")?;
        let mut rows = st.query([])?;
        Ok(match rows.next()? {
            Some(r) => Some(r.get(0)?),
            None => None,
        })
    }

    /// The versions of the migrations applied to this file, in order.
    pub fn applied_migrations(&self) -> Result<Vec<i64>, CopyError> {
        let has: bool = self.conn().query_row(
            "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
            [],
            |r| r.get(0),
        )?;
        if !has {
            return Ok(Vec::new());
        }
        let mut st = self
            .conn()
            .prepare("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")?;
        let v = st
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(v)
    }

    /// Every table to copy, with its columns, primary key and row count: a table after the
    /// tables its foreign keys name (PostgreSQL checks each row as it arrives), else by name.
    pub fn tables(&self) -> Result<Vec<Table>, CopyError> {
        let mut left = self.tables_by_name()?;
        let mut deps = Vec::new();
        for t in &left {
            let mut st = self
                .conn()
                .prepare(&format!("PRAGMA foreign_key_list({})", quote(&t.name)))?;
            let refs = st
                .query_map([], |r| r.get::<_, String>(2))?
                .collect::<Result<Vec<_>, _>>()?;
            deps.push((t.name.clone(), refs));
        }
        let mut out: Vec<Table> = Vec::with_capacity(left.len());
        while !left.is_empty() {
            let ready = left
                .iter()
                .position(|t| {
                    deps.iter()
                        .find(|(n, _)| *n == t.name)
                        .is_none_or(|(_, refs)| {
                            refs.iter().all(|r| {
                                *r == t.name
                                    || out.iter().any(|o| &o.name == r)
                                    || !left.iter().any(|l| &l.name == r)
                            })
                        })
                })
                // A cycle: keep the name order (the copy then reports the violation).
                .unwrap_or(0);
            out.push(left.remove(ready));
        }
        Ok(out)
    }

    fn tables_by_name(&self) -> Result<Vec<Table>, CopyError> {
        let mut st = self.conn().prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?;
        let names = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::new();
        for name in names {
            if NOT_COPIED.contains(&name.as_str()) {
                continue;
            }
            let mut info = self
                .conn()
                .prepare(&format!("PRAGMA table_info({})", quote(&name)))?;
            // (position in the key (0: not in it), column)
            let cols = info
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(5)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut columns = Vec::new();
            let mut key: Vec<(i64, usize)> = Vec::new();
            for (i, (col, declared, pk)) in cols.into_iter().enumerate() {
                let kind = Kind::of_declared(&declared).ok_or_else(|| CopyError::ColumnType {
                    table: name.clone(),
                    column: col.clone(),
                    declared: declared.clone(),
                })?;
                if pk > 0 {
                    key.push((pk, i));
                }
                columns.push(Column { name: col, kind });
            }
            if key.is_empty() {
                return Err(CopyError::NoPrimaryKey(name));
            }
            key.sort();
            let rows: i64 = self.conn().query_row(
                &format!("SELECT COUNT(*) FROM {}", quote(&name)),
                [],
                |r| r.get(0),
            )?;
            out.push(Table {
                name,
                columns,
                key: key.into_iter().map(|(_, i)| i).collect(),
                rows: rows.max(0) as u64,
            });
        }
        Ok(out)
    }

    /// Up to `limit` rows of `t` after the key `after` (from the first row without one), in
    /// primary-key order (SQLite's binary order, the order PostgreSQL's C collation also has).
    pub fn batch(
        &self,
        t: &Table,
        after: Option<&[Value]>,
        limit: usize,
    ) -> Result<Vec<Vec<Value>>, CopyError> {
        let key = t.key_list();
        let mut sql = format!("SELECT {} FROM {}", t.column_list(), quote(&t.name));
        if after.is_some() {
            let params: Vec<String> = (1..=t.key.len()).map(|i| format!("?{i}")).collect();
            sql.push_str(&format!(" WHERE ({key}) > ({})", params.join(", ")));
        }
        sql.push_str(&format!(" ORDER BY {key} LIMIT {limit}"));
        let mut st = self.conn().prepare_cached(&sql)?;
        let params: Vec<&dyn rusqlite::ToSql> = after
            .unwrap_or(&[])
            .iter()
            .map(|v| v as &dyn rusqlite::ToSql)
            .collect();
        let mut rows = st.query(params.as_slice())?;
        let mut out = Vec::with_capacity(limit);
        while let Some(r) = rows.next()? {
            out.push(read_row(t, r)?);
        }
        Ok(out)
    }

    /// Calls `each` with every row of `t`, in no particular order.
    pub fn each_row(&self, t: &Table, mut each: impl FnMut(&[Value])) -> Result<(), CopyError> {
        let mut st = self.conn().prepare(&format!(
            "SELECT {} FROM {}",
            t.column_list(),
            quote(&t.name)
        ))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            each(&read_row(t, r)?);
        }
        Ok(())
    }
}

/// One row, each value checked against its column's kind (SQLite stores any type anywhere;
/// PostgreSQL would refuse it later, so say where it is now).
fn read_row(t: &Table, r: &rusqlite::Row<'_>) -> Result<Vec<Value>, CopyError> {
    let mut row = Vec::with_capacity(t.columns.len());
    for (i, c) in t.columns.iter().enumerate() {
        let v = match (c.kind, r.get_ref(i)?) {
            (_, ValueRef::Null) => Value::Null,
            (Kind::Int, ValueRef::Integer(n)) => Value::Int(n),
            (Kind::Text, ValueRef::Text(s)) => Value::Text(
                std::str::from_utf8(s)
                    .map_err(|_| CopyError::Value {
                        table: t.name.clone(),
                        column: c.name.clone(),
                        found: "text that is not UTF-8".into(),
                    })?
                    .to_string(),
            ),
            (Kind::Bytes, ValueRef::Blob(b)) => Value::Bytes(b.to_vec()),
            (_, other) => {
                return Err(CopyError::Value {
                    table: t.name.clone(),
                    column: c.name.clone(),
                    found: format!("{:?}", other.data_type()),
                });
            }
        };
        row.push(v);
    }
    Ok(row)
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as V};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => V::Null,
            Value::Int(n) => V::Integer(*n),
            Value::Text(s) => V::Text(s.as_bytes()),
            Value::Bytes(b) => V::Blob(b),
        }))
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        drop(self.conn.take());
        // An empty write-ahead log only (one with frames holds data not yet in the file), then
        // the shared-memory index when no log remains.
        let wal = self.path_with("-wal");
        if self.created.contains(&wal) && std::fs::metadata(&wal).is_ok_and(|m| m.len() == 0) {
            let _ = std::fs::remove_file(&wal);
        }
        let shm = self.path_with("-shm");
        if self.created.contains(&shm) && !wal.exists() {
            let _ = std::fs::remove_file(&shm);
        }
    }
}

impl Source {
    fn path_with(&self, suffix: &str) -> PathBuf {
        let mut p = self.path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    }
}
