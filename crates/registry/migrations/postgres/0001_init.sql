-- Portcullis registry schema v1. Kept identical between SQLite and PostgreSQL except for
-- the identity column type and the 64-bit integer type. PostgreSQL flavour.
-- Times are Unix milliseconds (UTC). JSON documents are stored as TEXT exactly as written.

CREATE TABLE principals (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    roles       TEXT NOT NULL,             -- JSON array of role names
    teams       TEXT NOT NULL,             -- JSON array of team names
    created_at  BIGINT NOT NULL,
    disabled    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES principals(id),
    token_hash   TEXT NOT NULL UNIQUE,      -- SHA-256 hex of the secret; the secret is never stored
    scopes       TEXT NOT NULL,             -- JSON array: read | write | admin | status
    description  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT
);

CREATE TABLE extensions (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform             TEXT NOT NULL,
    name                 TEXT NOT NULL,
    owner_team           TEXT NOT NULL,
    maintainers          TEXT NOT NULL,     -- JSON array
    description          TEXT NOT NULL,
    data_classes         TEXT NOT NULL,     -- JSON array
    risk_computed        TEXT,
    risk_override        TEXT,
    risk_justification   TEXT,
    compatibility_notes  TEXT NOT NULL,
    lifecycle            TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    UNIQUE (platform, name)
);

CREATE TABLE artifacts (
    sha256      TEXT PRIMARY KEY,
    size        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE versions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    extension_id    BIGINT NOT NULL REFERENCES extensions(id),
    version         TEXT NOT NULL,
    artifact_sha256 TEXT NOT NULL REFERENCES artifacts(sha256),
    state           TEXT NOT NULL,
    submitted_by    TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (extension_id, version)
);

CREATE TABLE trusted_sources (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform    TEXT NOT NULL,
    kind        TEXT NOT NULL,              -- platform | npm-scope | git-host
    pattern     TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (platform, kind, pattern)
);

CREATE TABLE submissions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id  BIGINT NOT NULL UNIQUE REFERENCES versions(id),
    submitter   TEXT NOT NULL,
    metadata    TEXT NOT NULL,              -- JSON submission template
    state       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE scan_jobs (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id BIGINT NOT NULL REFERENCES submissions(id),
    state         TEXT NOT NULL,            -- queued | running | done | failed
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL,
    lease_until   BIGINT,
    worker        TEXT,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX scan_jobs_ready ON scan_jobs (state, id);

CREATE TABLE findings (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id  BIGINT NOT NULL REFERENCES versions(id),
    fingerprint TEXT NOT NULL,
    rule_id     TEXT NOT NULL,
    severity    TEXT NOT NULL,
    category    TEXT NOT NULL,
    message     TEXT NOT NULL,
    path        TEXT NOT NULL,
    line        BIGINT,
    body        TEXT NOT NULL,              -- the full finding as JSON
    UNIQUE (version_id, fingerprint)
);

CREATE TABLE decisions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id  BIGINT NOT NULL REFERENCES versions(id),
    outcome     TEXT NOT NULL,
    reasons     TEXT NOT NULL,              -- JSON array of reasons
    inputs      TEXT NOT NULL,              -- JSON object: what the gate saw
    decided_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX decisions_version ON decisions (version_id, id);

CREATE TABLE reviews (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id  BIGINT NOT NULL REFERENCES versions(id),
    reviewer    TEXT NOT NULL,
    verdict     TEXT NOT NULL,              -- approve | request-changes | reject
    comment     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX reviews_version ON reviews (version_id, id);

CREATE TABLE env_states (
    version_id  BIGINT NOT NULL REFERENCES versions(id),
    env         TEXT NOT NULL,              -- dev | staging | prod
    state       TEXT NOT NULL,              -- allowed | quarantined | revoked
    prior_state TEXT NOT NULL,              -- state before a quarantine (allowed | none), for release
    reason      TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (version_id, env)
);

CREATE TABLE audit_events (
    seq       BIGINT PRIMARY KEY,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    time      BIGINT NOT NULL,
    details   TEXT NOT NULL,                -- canonical JSON, hashed byte for byte
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_subject ON audit_events (subject, seq);

-- One row: the last appended event. Every state-changing transaction updates this row
-- first, which serialises writers on both backends (row lock / SQLite write lock).
CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY,
    hash       TEXT NOT NULL,
    time       BIGINT NOT NULL,
    public_key TEXT NOT NULL,
    signature  TEXT NOT NULL
);
