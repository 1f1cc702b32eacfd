//! Portcullis policy as code, on Cedar.
//!
//! Two policy sets, each with a schema shipped in this crate (`schema/*.cedarschema`) and
//! default policies (`policies/{gate,authz}/*.cedar`), all embedded in the binary. Policies
//! are validated against their schema in strict mode at load: a policy that does not
//! validate is refused with its file, line and the reason, never half-loaded.
//!
//! * **The gate** ([`Gate`]): approve, quarantine or reject a scanned extension version. The
//!   CLI and the registry run the same gate on a [`GateInput`] derived from the scan report;
//!   every decision lists the policies that determined it, their message and remediation,
//!   and the fingerprints of the findings behind them.
//! * **Authorization** ([`Authorizer`]): may this principal do this to that registry record?
//!   Roles are policies, the default is deny, and `forbid` rules carry separation of duties.
//! * **Replay** ([`test_policies`]): evaluates a candidate gate policy set against recorded
//!   decisions and reports every case whose outcome would change.

mod authz;
mod error;
mod gate;
mod incidental;
mod input;
mod load;
mod replay;

pub use authz::{
    AUTHZ_SCHEMA, Action, Authorizer, AuthzDecision, DEFAULT_AUTHZ_POLICIES, ParseNameError,
    Principal, Resource, ResourceKind, Role,
};
pub use error::PolicyError;
pub use gate::{
    DEFAULT_GATE_POLICIES, EvidenceSelector, GATE_SCHEMA, Gate, GatePolicy, MAX_REASON_FINDINGS,
};
pub use incidental::is_incidental_path;
pub use input::{
    CapabilityDiff, CategoryCounts, FindingRef, GateInput, MAX_EVIDENCE_FINDINGS, MAX_SET_ITEMS,
    MAX_UNANALYSED_FILES, SeverityCounts, UnanalysedFile,
};
pub use load::{MAX_POLICIES, MAX_POLICY_FILE_BYTES, MAX_POLICY_FILES};
/// The gate signals findings carry (re-exported from the core rule model).
pub use portcullis_core::rule::Signal;
pub use replay::{
    CaseError, ChangedCase, MAX_RECORDED_CASES, PolicyTestReport, RecordedDecision,
    ValidationSummary, parse_recorded, test_policies, validate_dir,
};
