//! `CREATE TABLE` for a model, per backend.
//!
//! Types, defaults and constraint names are those Flask Unchained 0.9's `db.create_all()` (with
//! SQLAlchemy 1.4) makes for its session model on each database (`pk_<table>`,
//! `uq_<table>_<column>`, `ix_<table>_<column>`), so the default model's table is exactly the one
//! its Alembic migration would make, and Flask Unchained finds nothing to migrate.

use super::backend::Backend;
use super::model::{Column, ColumnKind, ModelSchema, Role};

/// The statements that create `schema`'s table and indexes when missing.
pub(crate) fn create_table(schema: &ModelSchema, backend: Backend) -> Vec<String> {
    let q = |s: &str| backend.quote(s);
    // Constraint and index names take the bare table name, even for `schema.table`.
    let bare = schema.table.rsplit('.').next().unwrap_or(&schema.table);
    let has_pk = schema.columns.iter().any(|c| c.role == Role::PrimaryKey);
    let mut lines: Vec<String> = schema.columns.iter().map(|c| column_sql(c, backend)).collect();
    let mut indexed: Vec<&Column> = schema.columns.iter().filter(|c| c.indexed).collect();
    indexed.dedup_by(|a, b| a.name == b.name);
    if let Some(pk) = schema.column(&Role::PrimaryKey) {
        lines.push(format!("CONSTRAINT {} PRIMARY KEY ({})", pk_name(&format!("pk_{bare}"), backend), q(&pk.name)));
    }
    if let Some(sid) = schema.column(&Role::SessionId) {
        if has_pk {
            lines.push(format!("CONSTRAINT {} UNIQUE ({})", q(&format!("uq_{bare}_{}", sid.name)), q(&sid.name)));
        } else {
            lines.push(format!("CONSTRAINT {} PRIMARY KEY ({})", pk_name(&format!("pk_{bare}"), backend), q(&sid.name)));
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

/// The primary key's constraint name. SQLite keeps it only in the table's SQL text, where
/// SQLAlchemy's reflection (and so Alembic) finds it only unquoted, as SQLAlchemy writes it.
fn pk_name(name: &str, backend: Backend) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if backend == Backend::Sqlite && plain {
        name.to_owned()
    } else {
        backend.quote(name)
    }
}

fn column_sql(c: &Column, backend: Backend) -> String {
    let name = backend.quote(&c.name);
    if c.role == Role::PrimaryKey {
        let big = c.kind == ColumnKind::BigInt;
        return match backend {
            Backend::Postgres => format!("{name} {} NOT NULL", if big { "BIGSERIAL" } else { "SERIAL" }),
            // A key declared exactly `INTEGER` aliases the rowid (64-bit whatever the kind), so
            // SQLite numbers the rows itself, as it does for SQLAlchemy's table.
            Backend::Sqlite => format!("{name} INTEGER NOT NULL"),
            Backend::Mysql => format!("{name} {} NOT NULL AUTO_INCREMENT", if big { "BIGINT" } else { "INTEGER" }),
        };
    }
    let mut sql = format!("{name} {}", type_sql(c.kind, backend));
    sql.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    if matches!(c.role, Role::CreatedAt | Role::UpdatedAt) && !c.nullable {
        // SQLAlchemy's `server_default=func.now()`, as each dialect renders it.
        sql.push_str(match backend {
            Backend::Sqlite => " DEFAULT (CURRENT_TIMESTAMP)",
            _ => " DEFAULT now()",
        });
    }
    sql
}

fn type_sql(kind: ColumnKind, backend: Backend) -> &'static str {
    use Backend::*;
    match (kind, backend) {
        (ColumnKind::Text, _) => "VARCHAR(255)",
        (ColumnKind::Binary, Postgres) => "BYTEA",
        // SQLAlchemy's LargeBinary. On MySQL that is a 64 KiB BLOB: the store reads the limit
        // from the catalog and refuses a bigger session before sending it.
        (ColumnKind::Binary, Sqlite | Mysql) => "BLOB",
        // SQLAlchemy's DateTime: whole seconds on MySQL, text on SQLite.
        (ColumnKind::Timestamp, Mysql | Sqlite) => "DATETIME",
        (ColumnKind::Timestamp, Postgres) => "TIMESTAMP WITHOUT TIME ZONE",
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

    /// The statements are what `db.create_all()` of a real Flask Unchained 0.9.0 app (SQLAlchemy
    /// 1.4.54) printed for its session table on each database, with quotes and `IF NOT EXISTS`.
    #[test]
    fn flask_unchained_table() {
        let s = ModelSchema::flask_default("flask_sessions");
        let pg = create_table(&s, Backend::Postgres);
        assert_eq!(
            pg,
            ["CREATE TABLE IF NOT EXISTS \"flask_sessions\" (\n  \"id\" SERIAL NOT NULL,\n  \"session_id\" VARCHAR(255) NOT NULL,\n  \
             \"data\" BYTEA NOT NULL,\n  \"expiry\" TIMESTAMP WITHOUT TIME ZONE NULL,\n  \
             \"created_at\" TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT now(),\n  \
             \"updated_at\" TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT now(),\n  \
             CONSTRAINT \"pk_flask_sessions\" PRIMARY KEY (\"id\"),\n  \
             CONSTRAINT \"uq_flask_sessions_session_id\" UNIQUE (\"session_id\")\n)"]
        );
        let sqlite = create_table(&s, Backend::Sqlite);
        assert_eq!(sqlite.len(), 1, "no index: Flask Unchained makes none");
        for part in ["\"id\" INTEGER NOT NULL,", "\"data\" BLOB NOT NULL", "\"expiry\" DATETIME NULL",
                     "\"created_at\" DATETIME NOT NULL DEFAULT (CURRENT_TIMESTAMP)", "CONSTRAINT pk_flask_sessions PRIMARY KEY (\"id\")"] {
            assert!(sqlite[0].contains(part), "{part} in {}", sqlite[0]);
        }
        let my = create_table(&s, Backend::Mysql);
        assert_eq!(my.len(), 1);
        for part in ["`id` INTEGER NOT NULL AUTO_INCREMENT", "`data` BLOB NOT NULL", "`expiry` DATETIME NULL",
                     "`updated_at` DATETIME NOT NULL DEFAULT now()", "CONSTRAINT `uq_flask_sessions_session_id` UNIQUE (`session_id`)"] {
            assert!(my[0].contains(part), "{part} in {}", my[0]);
        }
        assert!(!my[0].contains("INDEX"));
    }

    #[test]
    fn example_migrations_match() {
        // The diesel migrations shipped with the examples are this DDL, kept in sync here.
        let s = ModelSchema::flask_default("flask_sessions");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/migrations");
        for (backend, name) in [(Backend::Postgres, "postgres"), (Backend::Mysql, "mysql"), (Backend::Sqlite, "sqlite")] {
            let want: String = create_table(&s, backend).iter().map(|st| format!("{st};\n")).collect();
            let path = format!("{dir}/{name}/2026-11-25-000000_create_flask_sessions/up.sql");
            if std::env::var_os("UPDATE_MIGRATIONS").is_some() {
                std::fs::write(&path, &want).unwrap();
            }
            assert_eq!(std::fs::read_to_string(&path).unwrap(), want, "{path}; regenerate with UPDATE_MIGRATIONS=1");
        }
    }
}
