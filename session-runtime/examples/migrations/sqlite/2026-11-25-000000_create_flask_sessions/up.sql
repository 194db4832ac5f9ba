CREATE TABLE IF NOT EXISTS "flask_sessions" (
  "id" INTEGER NOT NULL,
  "session_id" VARCHAR(255) NOT NULL,
  "data" BLOB NOT NULL,
  "expiry" DATETIME NULL,
  "created_at" DATETIME NOT NULL DEFAULT (CURRENT_TIMESTAMP),
  "updated_at" DATETIME NOT NULL DEFAULT (CURRENT_TIMESTAMP),
  CONSTRAINT pk_flask_sessions PRIMARY KEY ("id"),
  CONSTRAINT "uq_flask_sessions_session_id" UNIQUE ("session_id")
);
