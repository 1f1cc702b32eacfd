//! Portcullis registry storage: the state behind `portcullis serve`.
//!
//! One logical schema over SQLite (embedded, the default) or PostgreSQL (several `serve`
//! processes and remote scan workers), reached through one async API, [`Store`]. It holds
//! the catalog (extensions, immutable semver versions, trusted sources), submissions and
//! their scan job queue, findings and gate decisions, reviews, per-environment install
//! state, principals with hashed API tokens, and a hash-chained audit log whose head is
//! signed with ed25519. Every state change and its audit event commit in one transaction.
//!
//! Authorization is not done here: the server asks the policy crate first, then calls the
//! store. The store still enforces invariants no policy may relax (immutability, no
//! self-review, promotion order).

pub mod artifacts;
pub mod audit;
pub mod auth;
mod cache;
pub mod catalog;
pub mod error;
mod object_artifacts;
mod poison;
pub mod store;
pub mod submissions;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod workflow;

pub use audit::{AuditEvent, AuditFilter, Checkpoint, TailPolicy, VerifyReport};
pub use auth::{
    Authenticated, IssuedToken, Principal, ROLES, SCOPES, TokenInfo, bootstrap_steward,
};
pub use catalog::{
    ExtensionPatch, ExtensionRecord, NewExtension, NewTrustedSource, TrustedSource, VersionRecord,
};
pub use error::{RegistryError, Result};
pub use store::{Backend, Store, StoreConfig};
pub use submissions::{
    DOC_CAPABILITY_MANIFEST, DOC_SBOM, DecisionRecord, FindingRecord, JobRecord, ScanJob,
    ScanResult, SubmissionFilter, SubmissionMetadata, SubmissionRecord,
};
pub use workflow::{EnvAction, EnvState, InstallStatus, ReviewRecord};

#[cfg(test)]
mod audit_anchoring_tests;
#[cfg(test)]
mod tests;
