CREATE TABLE IF NOT EXISTS "flask_sessions" (
  "id" SERIAL NOT NULL,
  "session_id" VARCHAR(255) NOT NULL,
  "data" BYTEA NOT NULL,
  "expiry" TIMESTAMP NULL,
  CONSTRAINT "pk_flask_sessions" PRIMARY KEY ("id"),
  CONSTRAINT "uq_flask_sessions_session_id" UNIQUE ("session_id")
);
CREATE INDEX IF NOT EXISTS "ix_flask_sessions_expiry" ON "flask_sessions" ("expiry");
