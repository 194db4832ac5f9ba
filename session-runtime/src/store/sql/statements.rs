//! The SQL text of every statement the store runs, rendered once per store from the model.

use super::backend::Backend;
use super::model::{ModelSchema, Role};

/// Statement texts; binds are listed next to each in the order they are given.
#[derive(Debug, Clone)]
pub(crate) struct Statements {
    /// binds: key
    pub(crate) select: String,
    /// binds: key, now
    pub(crate) delete_if_expired: String,
    /// binds: key, data, expiry, [created_at], [updated_at], extras...
    pub(crate) insert: String,
    /// binds: data, expiry, [updated_at], extras..., key. Rewrites the row only while it is
    /// there: a save never brings back a row a logout deleted.
    pub(crate) update: String,
    /// binds: expiry, [updated_at], key
    pub(crate) touch: String,
    /// binds: data, expiry, [updated_at], extras..., key, old data, now. Rewrites a live row
    /// only while it still holds the old data: the compare-and-set of `session_merge_on_save`.
    pub(crate) update_if_unchanged: String,
    /// binds: expiry, [updated_at], key, now. PostgreSQL only: moves a live row's expiry and
    /// returns it in one round trip. MySQL has no `UPDATE … RETURNING`; SQLite has it, but with
    /// its one writer a load that writes made `/incr` two writes (this refresh, then the save)
    /// at 0.56× the floor's req/s; refreshed at the end, every request is one write
    /// (bench/README.md, "The hot path, second pass").
    pub(crate) refresh_returning: Option<String>,
    /// binds: key
    pub(crate) delete: String,
    /// binds: now
    pub(crate) delete_expired: String,
    /// binds: now. The rows `delete_expired` deletes, locked until it does (PostgreSQL, MySQL;
    /// SQLite's one writer needs no lock), so a sweep names exactly what it deletes.
    pub(crate) select_expired: String,
    /// binds: table name as the catalog spells it
    pub(crate) table_exists: String,
    /// binds: schema (or NULL), table, column; SQLite: table, column. Whether the table has
    /// the column (`created_at` and `updated_at` are written only where they exist).
    pub(crate) column_exists: String,
    /// binds: schema (or NULL), table, data column. MySQL only: the most bytes a stored
    /// session can have, the smaller of the data column's type (a `BLOB` holds 64 KiB) and
    /// the largest packet the server takes.
    pub(crate) data_limit: Option<String>,
}

impl Statements {
    pub(crate) fn new(schema: &ModelSchema, backend: Backend) -> Self {
        let q = |s: &str| backend.quote(s);
        let p = |n: usize| backend.placeholder(n);
        let table = q(&schema.table);
        let (sid, data, expiry) = schema.core();
        let (sid, data, expiry) = (q(sid), q(data), q(expiry));

        let mut written = vec![sid.clone(), data.clone(), expiry.clone()];
        let mut on_update = vec![data.clone(), expiry.clone()];
        if let Some(c) = schema.column(&Role::CreatedAt) {
            written.push(q(&c.name));
        }
        let updated_at = schema.column(&Role::UpdatedAt).map(|c| q(&c.name));
        if let Some(c) = &updated_at {
            written.push(c.clone());
            on_update.push(c.clone());
        }
        for c in schema.filled_extras() {
            written.push(q(&c.name));
            on_update.push(q(&c.name));
        }
        let values = (1..=written.len()).map(p).collect::<Vec<_>>().join(", ");
        let insert = format!("INSERT INTO {table} ({}) VALUES ({values})", written.join(", "));
        let n = on_update.len();
        let update = {
            let set: Vec<String> = on_update.iter().enumerate().map(|(i, c)| format!("{c} = {}", p(i + 1))).collect();
            format!("UPDATE {table} SET {} WHERE {sid} = {}", set.join(", "), p(n + 1))
        };
        let touch = match &updated_at {
            Some(u) => format!("UPDATE {table} SET {expiry} = {}, {u} = {} WHERE {sid} = {}", p(1), p(2), p(3)),
            None => format!("UPDATE {table} SET {expiry} = {} WHERE {sid} = {}", p(1), p(2)),
        };
        let update_if_unchanged =
            format!("{update} AND {data} = {} AND ({expiry} IS NULL OR {expiry} > {})", p(n + 2), p(n + 3));
        let n_set = if updated_at.is_some() { 2 } else { 1 };
        let set = match &updated_at {
            Some(u) => format!("{expiry} = {}, {u} = {}", p(1), p(2)),
            None => format!("{expiry} = {}", p(1)),
        };
        let refresh_returning = (backend == Backend::Postgres).then(|| {
            format!(
                "UPDATE {table} SET {set} WHERE {sid} = {} AND ({expiry} IS NULL OR {expiry} > {}) \
                 RETURNING {sid} AS session_id, {data} AS data, {expiry} AS expiry",
                p(n_set + 1),
                p(n_set + 2)
            )
        });
        let table_exists = match backend {
            Backend::Postgres => "SELECT COUNT(*) AS n FROM (SELECT to_regclass($1) AS r) AS t WHERE r IS NOT NULL".to_owned(),
            Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?".to_owned(),
            Backend::Mysql => "SELECT COUNT(*) AS n FROM information_schema.tables \
                               WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?"
                .to_owned(),
        };
        let column_exists = match backend {
            Backend::Postgres => "SELECT COUNT(*) AS n FROM information_schema.columns \
                                  WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2 AND column_name = $3"
                .to_owned(),
            Backend::Sqlite => "SELECT COUNT(*) AS n FROM pragma_table_info(?) WHERE name = ?".to_owned(),
            Backend::Mysql => "SELECT COUNT(*) AS n FROM information_schema.columns \
                               WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND column_name = ?"
                .to_owned(),
        };
        Statements {
            select: format!(
                "SELECT {sid} AS session_id, {data} AS data, {expiry} AS expiry FROM {table} WHERE {sid} = {}",
                p(1)
            ),
            delete_if_expired: format!("DELETE FROM {table} WHERE {sid} = {} AND {expiry} <= {}", p(1), p(2)),
            insert,
            update,
            touch,
            update_if_unchanged,
            refresh_returning,
            delete: format!("DELETE FROM {table} WHERE {sid} = {}", p(1)),
            delete_expired: format!("DELETE FROM {table} WHERE {expiry} <= {}", p(1)),
            select_expired: format!(
                "SELECT {sid} AS session_id, {data} AS data, {expiry} AS expiry FROM {table} WHERE {expiry} <= {}{}",
                p(1),
                if backend == Backend::Sqlite { "" } else { " FOR UPDATE" }
            ),
            table_exists,
            column_exists,
            data_limit: (backend == Backend::Mysql).then(|| {
                // 1 KiB of the packet is left for the statement around the data.
                "SELECT CAST(LEAST(COALESCE((SELECT character_octet_length FROM information_schema.columns \
                 WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND column_name = ?), \
                 4294967295), @@max_allowed_packet - 1024) AS SIGNED) AS n"
                    .to_owned()
            }),
        }
    }
}

/// `SELECT` of the live sessions whose `column` equals the first bind (binds: value, now).
pub(crate) fn select_by(schema: &ModelSchema, backend: Backend, column: &str) -> String {
    let q = |s: &str| backend.quote(s);
    let (sid, data, expiry) = schema.core();
    let (sid, data, expiry) = (q(sid), q(data), q(expiry));
    format!(
        "SELECT {sid} AS session_id, {data} AS data, {expiry} AS expiry FROM {} \
         WHERE {} = {} AND ({expiry} IS NULL OR {expiry} > {}) ORDER BY {sid}",
        q(&schema.table),
        q(column),
        backend.placeholder(1),
        backend.placeholder(2)
    )
}

/// `DELETE` of every session whose `column` equals the one bind.
pub(crate) fn delete_by(schema: &ModelSchema, backend: Backend, column: &str) -> String {
    format!("DELETE FROM {} WHERE {} = {}", backend.quote(&schema.table), backend.quote(column), backend.placeholder(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::model::{Column, ColumnKind};

    #[test]
    fn writes_per_backend() {
        let mut s = ModelSchema::flask_default("t");
        let with_timestamps = Statements::new(&s, Backend::Postgres);
        assert_eq!(
            with_timestamps.update,
            "UPDATE \"t\" SET \"data\" = $1, \"expiry\" = $2, \"updated_at\" = $3 WHERE \"session_id\" = $4",
            "updates move updated_at; created_at is written once, by the insert"
        );
        assert!(with_timestamps.insert.contains("\"created_at\", \"updated_at\""), "{}", with_timestamps.insert);
        assert_eq!(
            with_timestamps.touch,
            "UPDATE \"t\" SET \"expiry\" = $1, \"updated_at\" = $2 WHERE \"session_id\" = $3"
        );
        s.columns.retain(|c| !matches!(c.role, Role::CreatedAt | Role::UpdatedAt));
        s.columns.push(Column {
            name: "user_id".into(),
            role: Role::Extra { from: Some("_user_id".into()) },
            kind: ColumnKind::Text,
            nullable: true,
            indexed: true,
        });
        let pg = Statements::new(&s, Backend::Postgres);
        assert_eq!(
            pg.insert,
            "INSERT INTO \"t\" (\"session_id\", \"data\", \"expiry\", \"user_id\") VALUES ($1, $2, $3, $4)"
        );
        assert_eq!(
            pg.update,
            "UPDATE \"t\" SET \"data\" = $1, \"expiry\" = $2, \"user_id\" = $3 WHERE \"session_id\" = $4"
        );
        let my = Statements::new(&s, Backend::Mysql);
        assert_eq!(my.update, "UPDATE `t` SET `data` = ?, `expiry` = ?, `user_id` = ? WHERE `session_id` = ?");
        assert_eq!(Statements::new(&s, Backend::Sqlite).touch, "UPDATE \"t\" SET \"expiry\" = ? WHERE \"session_id\" = ?");
        assert_eq!(
            pg.update_if_unchanged,
            "UPDATE \"t\" SET \"data\" = $1, \"expiry\" = $2, \"user_id\" = $3 WHERE \"session_id\" = $4 \
             AND \"data\" = $5 AND (\"expiry\" IS NULL OR \"expiry\" > $6)"
        );
        assert_eq!(
            my.update_if_unchanged,
            "UPDATE `t` SET `data` = ?, `expiry` = ?, `user_id` = ? WHERE `session_id` = ? AND `data` = ? \
             AND (`expiry` IS NULL OR `expiry` > ?)"
        );
    }
}
