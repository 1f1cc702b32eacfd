-- Documents a scan produces for a version besides findings and the decision: the capability
-- manifest (what the version declares and does) and the SBOM (CycloneDX). Written in the
-- same transaction as the decision; the latest scan of a version replaces them.
CREATE TABLE version_documents (
    version_id  INTEGER NOT NULL REFERENCES versions(id),
    kind        TEXT NOT NULL,              -- capability-manifest | sbom
    body        TEXT NOT NULL,              -- JSON
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (version_id, kind)
);
