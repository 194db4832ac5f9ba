CREATE TABLE IF NOT EXISTS "flask_sessions" (
  "id" SERIAL NOT NULL,
  "session_id" VARCHAR(255) NOT NULL,
  "data" BYTEA NOT NULL,
  "expiry" TIMESTAMP WITHOUT TIME ZONE NULL,
  "created_at" TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT now(),
  CONSTRAINT "pk_flask_sessions" PRIMARY KEY ("id"),
  CONSTRAINT "uq_flask_sessions_session_id" UNIQUE ("session_id")
);
