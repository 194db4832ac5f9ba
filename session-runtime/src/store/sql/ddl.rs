//! `CREATE TABLE` for a model, per backend.
//!
//! Constraint names follow Flask Unchained's naming convention (`pk_<table>`,
//! `uq_<table>_<column>`, `ix_<table>_<column>`), so a table we create looks like the one its
//! Alembic migration would.

use super::backend::Backend;
use super::model::{Column, ColumnKind, ModelSchema, Role};

/// The statements that create `schema`'s table and indexes when missing.
pub(crate) fn create_table(schema: &ModelSchema, backend: Backend) -> Vec<String> {
    let q = |s: &str| backend.quote(s);
    // Constraint and index names take the bare table name, even for `schema.table`.
    let bare = schema.table.rsplit('.').next().unwrap_or(&schema.table);
    let has_pk = schema.columns.iter().any(|c| c.role == Role::PrimaryKey);
    let mut lines: Vec<String> = schema.columns.iter().map(|c| column_sql(c, backend)).collect();
    let mut indexed: Vec<&Column> = schema.columns.iter().filter(|c| c.indexed || c.role == Role::Expiry).collect();
    indexed.dedup_by(|a, b| a.name == b.name);
    if let Some(pk) = schema.column(&Role::PrimaryKey) {
        // SQLite's autoincrement key must be declared inline (`INTEGER PRIMARY KEY AUTOINCREMENT`).
        if backend != Backend::Sqlite {
            lines.push(format!("CONSTRAINT {} PRIMARY KEY ({})", q(&format!("pk_{bare}")), q(&pk.name)));
        }
    }
    if let Some(sid) = schema.column(&Role::SessionId) {
        if has_pk {
            lines.push(format!("CONSTRAINT {} UNIQUE ({})", q(&format!("uq_{bare}_{}", sid.name)), q(&sid.name)));
        } else {
            lines.push(format!("CONSTRAINT {} PRIMARY KEY ({})", q(&format!("pk_{bare}")), q(&sid.name)));
        }
    }
    let index_name = |c: &Column| q(&format!("ix_{bare}_{}", c.name));
    if backend == Backend::Mysql {
        // MySQL has no `CREATE INDEX IF NOT EXISTS`; inline indexes are created with the table.
        for c in &indexed {
            lines.push(format!("INDEX {} ({})", index_name(c), q(&c.name)));
        }
    }
    let mut out = vec![format!("CREATE TABLE IF NOT EXISTS {} (\n  {}\n)", q(&schema.table), lines.join(",\n  "))];
    if backend != Backend::Mysql {
        let table = q(&schema.table);
        for c in &indexed {
            out.push(format!("CREATE INDEX IF NOT EXISTS {} ON {table} ({})", index_name(c), q(&c.name)));
        }
    }
    out
}

fn column_sql(c: &Column, backend: Backend) -> String {
    let name = backend.quote(&c.name);
    if c.role == Role::PrimaryKey {
        let big = c.kind == ColumnKind::BigInt;
        return match backend {
            Backend::Postgres => format!("{name} {} NOT NULL", if big { "BIGSERIAL" } else { "SERIAL" }),
            // Only `INTEGER PRIMARY KEY` aliases the rowid (64-bit whatever the kind).
            Backend::Sqlite => format!("{name} INTEGER PRIMARY KEY AUTOINCREMENT"),
            Backend::Mysql => format!("{name} {} NOT NULL AUTO_INCREMENT", if big { "BIGINT" } else { "INTEGER" }),
        };
    }
    let mut sql = format!("{name} {}", type_sql(c.kind, backend));
    sql.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    if matches!(c.role, Role::CreatedAt | Role::UpdatedAt) && !c.nullable {
        sql.push_str(match backend {
            Backend::Mysql => " DEFAULT CURRENT_TIMESTAMP(6)",
            _ => " DEFAULT CURRENT_TIMESTAMP",
        });
    }
    sql
}

fn type_sql(kind: ColumnKind, backend: Backend) -> &'static str {
    use Backend::*;
    match (kind, backend) {
        (ColumnKind::Text, _) => "VARCHAR(255)",
        (ColumnKind::Binary, Postgres) => "BYTEA",
        (ColumnKind::Binary, Sqlite) => "BLOB",
        // BLOB is 64 KiB on MySQL; sessions with a few flashes outgrow it.
        (ColumnKind::Binary, Mysql) => "LONGBLOB",
        // Microseconds, as Python's datetime has; MySQL's DATETIME would drop them.
        (ColumnKind::Timestamp, Mysql) => "DATETIME(6)",
        (ColumnKind::Timestamp, _) => "TIMESTAMP",
        (ColumnKind::SmallInt, _) => "SMALLINT",
        (ColumnKind::Integer, _) => "INTEGER",
        (ColumnKind::BigInt, _) => "BIGINT",
        (ColumnKind::Bool, _) => "BOOLEAN",
        (ColumnKind::Double, Mysql) => "DOUBLE",
        (ColumnKind::Double, _) => "DOUBLE PRECISION",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flask_unchained_table() {
        let s = ModelSchema::flask_default("flask_sessions");
        let pg = create_table(&s, Backend::Postgres);
        assert_eq!(
            pg[0],
            "CREATE TABLE IF NOT EXISTS \"flask_sessions\" (\n  \"id\" SERIAL NOT NULL,\n  \"session_id\" VARCHAR(255) NOT NULL,\n  \
             \"data\" BYTEA NOT NULL,\n  \"expiry\" TIMESTAMP NULL,\n  CONSTRAINT \"pk_flask_sessions\" PRIMARY KEY (\"id\"),\n  \
             CONSTRAINT \"uq_flask_sessions_session_id\" UNIQUE (\"session_id\")\n)"
        );
        assert_eq!(pg[1], "CREATE INDEX IF NOT EXISTS \"ix_flask_sessions_expiry\" ON \"flask_sessions\" (\"expiry\")");
        let sqlite = create_table(&s, Backend::Sqlite);
        assert!(sqlite[0].contains("\"id\" INTEGER PRIMARY KEY AUTOINCREMENT"));
        let my = create_table(&s, Backend::Mysql);
        assert_eq!(my.len(), 1);
        assert!(my[0].contains("`data` LONGBLOB NOT NULL") && my[0].contains("INDEX `ix_flask_sessions_expiry` (`expiry`)"));
    }
}
