-- At most one bootstrap, enforced by the database: the primary key admits only id = 1, so a
-- second concurrent `bootstrap` fails to insert even if it slipped past the steward check.
CREATE TABLE bootstrap (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    principal_id TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

-- The public half of the one key that signs audit checkpoints and approvals. The first
-- `serve` process records its key; a process started with another key refuses to start
-- (several processes on one database must share the key file).
CREATE TABLE audit_signing_key (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    public_key  TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
