CREATE TABLE IF NOT EXISTS "flask_sessions" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "session_id" VARCHAR(255) NOT NULL,
  "data" BLOB NOT NULL,
  "expiry" TIMESTAMP NULL,
  CONSTRAINT "uq_flask_sessions_session_id" UNIQUE ("session_id")
);
CREATE INDEX IF NOT EXISTS "ix_flask_sessions_expiry" ON "flask_sessions" ("expiry");
