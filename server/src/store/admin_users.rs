//! SQL for the admin API's user views: paginated listing with filters, full user rows, the
//! admin flag, the user type and reactivation. The rules (who may call, what a field means)
//! live in `service::admin_users`.

use super::{Db, StoreError};

/// One user as the admin API shows it.
#[derive(Debug, Clone)]
pub struct AdminUserRow {
    pub user_id: String,
    pub admin: bool,
    pub deactivated: bool,
    pub user_type: Option<String>,
    pub displayname: Option<String>,
    pub avatar_url: Option<String>,
    pub created_ts: i64,
}

type Tuple = (
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

fn to_row(t: Tuple) -> AdminUserRow {
    AdminUserRow {
        user_id: t.0,
        admin: t.1 != 0,
        deactivated: t.2 != 0,
        user_type: t.3,
        displayname: t.4,
        avatar_url: t.5,
        created_ts: t.6,
    }
}

const COLS: &str = "user_id, admin, deactivated, user_type, displayname, avatar_url, created_ts";

/// Filters and order for [`list_users`].
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Substring of the user id (`user_id` parameter).
    pub user_id: Option<String>,
    /// Substring of the localpart or the display name, case-insensitive (`name`).
    pub name: Option<String>,
    /// `Some(false)`: only active users; `None`: all.
    pub deactivated: Option<bool>,
    pub admins: Option<bool>,
    /// A column name from the whitelist in `service::admin_users`.
    pub order_column: &'static str,
    pub descending: bool,
    pub from: i64,
    pub limit: i64,
}

/// One page of users and the total matching the filters.
pub async fn list_users(db: &Db, q: &UserQuery) -> Result<(Vec<AdminUserRow>, i64), StoreError> {
    let mut filters = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    if let Some(name) = &q.name {
        binds.push(format!("@%{}%:%", name.to_lowercase()));
        binds.push(format!("%{}%", name.to_lowercase()));
        filters.push(format!(
            "(user_id LIKE ${} OR LOWER(displayname) LIKE ${})",
            binds.len() - 1,
            binds.len()
        ));
    } else if let Some(u) = &q.user_id {
        binds.push(format!("%{u}%"));
        filters.push(format!("user_id LIKE ${}", binds.len()));
    }
    match q.deactivated {
        Some(true) => filters.push("deactivated = 1".into()),
        Some(false) => filters.push("deactivated = 0".into()),
        None => {}
    }
    match q.admins {
        Some(true) => filters.push("admin = 1".into()),
        Some(false) => filters.push("admin = 0".into()),
        None => {}
    }
    let where_clause = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    let dir = if q.descending { "DESC" } else { "ASC" };
    let count_sql = format!("SELECT COUNT(*) FROM users {where_clause}");
    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total = count.fetch_one(&db.pool).await?;
    let list_sql = format!(
        "SELECT {COLS} FROM users {where_clause} ORDER BY {} {dir}, user_id ASC LIMIT ${} OFFSET ${}",
        q.order_column,
        binds.len() + 1,
        binds.len() + 2
    );
    let mut list = sqlx::query_as::<_, Tuple>(sqlx::AssertSqlSafe(list_sql));
    for b in &binds {
        list = list.bind(b.clone());
    }
    let rows = list.bind(q.limit).bind(q.from).fetch_all(&db.pool).await?;
    Ok((rows.into_iter().map(to_row).collect(), total))
}

pub async fn get_user(db: &Db, user_id: &str) -> Result<Option<AdminUserRow>, StoreError> {
    let q = format!("SELECT {COLS} FROM users WHERE user_id = $1");
    let row: Option<Tuple> = sqlx::query_as(sqlx::AssertSqlSafe(q))
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(to_row))
}

pub async fn set_admin(db: &Db, user_id: &str, admin: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET admin = $1 WHERE user_id = $2")
        .bind(admin as i64)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_user_type(
    db: &Db,
    user_id: &str,
    user_type: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET user_type = $1 WHERE user_id = $2")
        .bind(user_type)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Clears the deactivated flag (the password stays unset until an admin sets one).
pub async fn reactivate(db: &Db, user_id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET deactivated = 0 WHERE user_id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
