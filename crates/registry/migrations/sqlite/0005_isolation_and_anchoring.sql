-- Poison-job detection: how many times a job's scan killed the process doing it (a signal,
-- a resource limit, the deadline). A job is retried after its first crash, failed after its
-- second.
ALTER TABLE scan_jobs ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;

-- Chained checkpoints: each signs the digest of the one before it (NULL for checkpoints
-- signed before this migration, which are checked with the v1 message).
ALTER TABLE audit_checkpoints ADD COLUMN prev TEXT;
