//! The one query path of the store. A read is written once: one SQL text, one parameter list
//! (`Param`) and one decoder per row type (`Decode`), and `Db::fetch_all` / `Db::fetch_optional`
//! choose where it runs: in place on a SQLite file (`direct`), else on the pool. The decoders
//! read columns through `Row`, which both engines' rows implement, so neither engine has a
//! query of its own to drift. Owns that choice; knows no table.
//!
//! A new read: `db.fetch_all::<(String, i64)>(SQL, &[Param::Text(user_id), Param::Int(since)])`,
//! with `SQL` a `const` (so it can be listed in `PREPARED_ON_CONNECT`) and a `Decode` impl
//! for any row type that is not a column or a tuple of columns.

use sqlx::Any;
use sqlx::any::AnyRow;

use super::{Db, Engine, StoreError};

/// A parameter, bound to `$1`, `$2`, ... in order on both engines.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Int(i64),
    Text(&'a str),
    MaybeText(Option<&'a str>),
    MaybeInt(Option<i64>),
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Param::Int(v) => v.to_sql(),
            Param::Text(v) => v.to_sql(),
            Param::MaybeText(v) => v.to_sql(),
            Param::MaybeInt(v) => v.to_sql(),
        }
    }
}

/// Binds `params` to a sqlx query, in order.
pub(crate) fn bind<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    params: &[Param<'_>],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    for p in params {
        query = match *p {
            Param::Int(v) => query.bind(v),
            Param::Text(v) => query.bind(v),
            Param::MaybeText(v) => query.bind(v),
            Param::MaybeInt(v) => query.bind(v),
        };
    }
    query
}

/// Appends the placeholder of parameter `n` (from 1) of a generated statement whose
/// parameters appear in order, each once: `$n` on PostgreSQL, `?` on SQLite. SQLite keeps
/// `$n` as a name and finds each by scanning all the names before it, when the statement is
/// prepared and again when it is bound: quadratic, 0.3 s for a join's 7,000 parameters;
/// `?` is numbered by its place.
pub(crate) fn push_param(sql: &mut String, engine: Engine, n: usize) {
    match engine {
        Engine::Sqlite => sql.push('?'),
        Engine::Postgres => {
            sql.push('$');
            sql.push_str(&n.to_string());
        }
    }
}

/// The placeholders of an `IN (...)` list of `n` parameters, the statement's only ones:
/// `$1, $2, ..., $n` (`?, ?, ...` on SQLite, see `push_param`).
pub(crate) fn placeholders(engine: Engine, n: usize) -> String {
    let mut s = String::with_capacity(n * 4);
    for i in 1..=n {
        if i > 1 {
            s.push_str(", ");
        }
        push_param(&mut s, engine, i);
    }
    s
}

/// Parameters per `IN (...)` list: far below SQLite's (32,766) and PostgreSQL's (65,535)
/// limits on bound parameters.
pub(crate) const IN_LIST_MAX: usize = 5000;

/// A result row of either engine, read by column index. Each engine keeps its own error type,
/// so a decoder's failure is reported as the engine reports it.
pub(crate) trait Row {
    type Error;
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    fn maybe_int(&self, i: usize) -> Result<Option<i64>, Self::Error>;
    fn text(&self, i: usize) -> Result<String, Self::Error>;
    fn maybe_text(&self, i: usize) -> Result<Option<String>, Self::Error>;
}

impl Row for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        self.get(i)
    }
    fn maybe_int(&self, i: usize) -> rusqlite::Result<Option<i64>> {
        self.get(i)
    }
    fn text(&self, i: usize) -> rusqlite::Result<String> {
        self.get(i)
    }
    fn maybe_text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        self.get(i)
    }
}

impl Row for AnyRow {
    type Error = sqlx::Error;
    fn int(&self, i: usize) -> sqlx::Result<i64> {
        sqlx::Row::try_get(self, i)
    }
    fn maybe_int(&self, i: usize) -> sqlx::Result<Option<i64>> {
        sqlx::Row::try_get(self, i)
    }
    fn text(&self, i: usize) -> sqlx::Result<String> {
        sqlx::Row::try_get(self, i)
    }
    fn maybe_text(&self, i: usize) -> sqlx::Result<Option<String>> {
        sqlx::Row::try_get(self, i)
    }
}

/// One column's value type.
pub(crate) trait Column: Sized {
    fn read<R: Row + ?Sized>(r: &R, i: usize) -> Result<Self, R::Error>;
}

impl Column for i64 {
    fn read<R: Row + ?Sized>(r: &R, i: usize) -> Result<i64, R::Error> {
        r.int(i)
    }
}
impl Column for Option<i64> {
    fn read<R: Row + ?Sized>(r: &R, i: usize) -> Result<Option<i64>, R::Error> {
        r.maybe_int(i)
    }
}
impl Column for String {
    fn read<R: Row + ?Sized>(r: &R, i: usize) -> Result<String, R::Error> {
        r.text(i)
    }
}
impl Column for Option<String> {
    fn read<R: Row + ?Sized>(r: &R, i: usize) -> Result<Option<String>, R::Error> {
        r.maybe_text(i)
    }
}

/// How a row type is read from a result row: the one decoder of that row type.
pub(crate) trait Decode: Sized {
    fn decode<R: Row + ?Sized>(r: &R) -> Result<Self, R::Error>;
}

/// A single column is read from column 0.
macro_rules! decode_column {
    ($($t:ty),*) => {$(
        impl Decode for $t {
            fn decode<R: Row + ?Sized>(r: &R) -> Result<Self, R::Error> {
                <$t as Column>::read(r, 0)
            }
        }
    )*};
}
decode_column!(i64, Option<i64>, String, Option<String>);

/// A tuple of columns is read from columns 0, 1, ... in order.
macro_rules! decode_tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Column),+> Decode for ($($t,)+) {
            fn decode<R: Row + ?Sized>(r: &R) -> Result<Self, R::Error> {
                Ok(($($t::read(r, $i)?,)+))
            }
        }
    };
}
decode_tuple!(A 0, B 1);
decode_tuple!(A 0, B 1, C 2);
decode_tuple!(A 0, B 1, C 2, D 3);
decode_tuple!(A 0, B 1, C 2, D 3, E 4);
decode_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

impl Db {
    /// Every row of `sql`, decoded as `T`.
    pub(crate) async fn fetch_all<T: Decode + Send + Unpin>(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> Result<Vec<T>, StoreError> {
        if let Some(d) = &self.direct {
            return d.rows(sql, params, usize::MAX, |r| T::decode(r));
        }
        Ok(bind(sqlx::query(sql), params)
            .try_map(|r: AnyRow| T::decode(&r))
            .fetch_all(&self.pool)
            .await?)
    }

    /// Every row of `sql`, decoded as `T`, always read on the pool: for reads that may return
    /// many rows, which would hold the caller's thread if run in place.
    pub(crate) async fn fetch_all_pooled<T: Decode + Send + Unpin>(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> Result<Vec<T>, StoreError> {
        Ok(bind(sqlx::query(sql), params)
            .try_map(|r: AnyRow| T::decode(&r))
            .fetch_all(&self.pool)
            .await?)
    }

    /// The first row of `sql`, if any, decoded as `T`.
    pub(crate) async fn fetch_optional<T: Decode + Send + Unpin>(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> Result<Option<T>, StoreError> {
        if let Some(d) = &self.direct {
            return Ok(d.rows(sql, params, 1, |r| T::decode(r))?.pop());
        }
        Ok(bind(sqlx::query(sql), params)
            .try_map(|r: AnyRow| T::decode(&r))
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Runs `statements` in order in one transaction: all of them or none. On a SQLite file
    /// they run in place on the writer connection (see `direct`): a short batch on the
    /// caller's thread when the write lock is free, a `long` one (many rows, milliseconds of
    /// work) or one that must wait for another writer with the runtime's worker handed over;
    /// else on the pool.
    pub(crate) async fn write_all(
        &self,
        statements: &[Statement<'_>],
        long: bool,
    ) -> Result<(), StoreError> {
        if let Some(d) = &self.direct {
            let multi_thread = tokio::runtime::Handle::try_current()
                .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
            if !multi_thread {
                // No worker to hand over (a current-thread runtime): here, waiting if need be.
                return d.write(statements, true).map(drop);
            }
            if !long && d.write(statements, false)? {
                return Ok(());
            }
            return tokio::task::block_in_place(|| d.write(statements, true)).map(drop);
        }
        let mut tx = self.pool.begin().await?;
        for s in statements {
            bind(sqlx::query(sqlx::AssertSqlSafe(s.sql.as_str())), &s.args)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// One statement of a write (`Db::write_all`) with its parameters, bound in order.
#[derive(Debug)]
pub(crate) struct Statement<'a> {
    pub sql: String,
    pub args: Vec<Param<'a>>,
}

impl<'a> Statement<'a> {
    pub fn new(sql: impl Into<String>, args: Vec<Param<'a>>) -> Statement<'a> {
        Statement {
            sql: sql.into(),
            args,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Every `.rs` file under `dir`, with its path relative to `src/`.
    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for entry in std::fs::read_dir(dir).expect("source directory") {
            let path: PathBuf = entry.expect("directory entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&src).expect("under src");
                let text = std::fs::read_to_string(&path).expect("readable source");
                out.push((rel.to_string_lossy().replace('\\', "/"), text));
            }
        }
    }

    /// Lines of `text` (1-based) where `needle` follows an identifier, as in `db.direct`.
    fn accesses(text: &str, needle: &str) -> Vec<usize> {
        let mut found = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            let mut offset = 0;
            while let Some(i) = rest.find(needle) {
                let at = offset + i;
                let before = line[..at].chars().next_back();
                let after = line[at + needle.len()..].chars().next();
                let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                if ident(before) && !ident(after) {
                    found.push(n + 1);
                }
                offset = at + needle.len();
                rest = &line[offset..];
            }
        }
        found
    }

    /// Issue 12: each query is written once. A read or write that also has an in-place SQLite
    /// version needs `rusqlite` (its row type) or `Db::direct` outside `query.rs`; this fails on
    /// either, so the second copy cannot come back unnoticed. Add a read through `Db::fetch_*`,
    /// a write through `Db::write_all`, instead.
    #[test]
    fn no_query_is_written_twice() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        assert!(files.iter().any(|(p, _)| p == "store/query.rs"));
        let mut offences = Vec::new();
        for (path, text) in &files {
            // The in-place reader, and the one place that decides between it and the pool.
            let reader = path == "store/direct.rs" || path == "store/query.rs";
            // `store::copy` (matrixctl migrate-db, backup) reads an SQLite file table by table,
            // whatever its columns, to write it elsewhere: no query of the server's is in it.
            let copier = path.starts_with("store/copy/");
            // store/mod.rs: `StoreError` holds the in-place connections' errors.
            let errors = path == "store/mod.rs";
            if !reader && !copier && !errors && text.contains("rusqlite") {
                offences.push(format!("{path}: names rusqlite"));
            }
            // The handle is built (and its checkpointer started) in store/mod.rs.
            if path != "store/query.rs" && path != "store/mod.rs" {
                for line in accesses(text, ".direct") {
                    offences.push(format!("{path}:{line}: reads Db::direct"));
                }
            }
            if !reader && path.starts_with("store/") {
                for needle in [".rows(", ".row("] {
                    for line in accesses(text, needle) {
                        offences.push(format!(
                            "{path}:{line}: calls the in-place reader ({needle}"
                        ));
                    }
                }
            }
        }
        assert!(
            offences.is_empty(),
            "queries must go through Db::fetch_all / fetch_optional (store/query.rs), \
             written once for both engines:\n{}",
            offences.join("\n")
        );
    }
}
