//! The Portcullis domain model, shared by every other crate.
//!
//! Everything an analyzer produces is expressed in these types: a [`Finding`] with its
//! [`Location`] and stable [`Fingerprint`], the [`CapabilitySet`] an extension declares or its
//! code exhibits, the [`Component`]s of its dependency tree, and the [`Decision`] the gate
//! takes. Analyzers see the unpacked extension as a [`Package`] of [`SourceFile`]s and plug into
//! the pipeline through the [`Analyzer`] trait. This crate does no I/O.

pub mod analyzer;
pub mod capability;
pub mod db_status;
pub mod decision;
pub mod dependency;
pub mod extension;
pub mod finding;
pub mod fingerprint;
pub mod location;
pub mod nesting;
pub mod notice;
pub mod package;
pub mod redact;
pub mod report;
pub mod rule;
pub mod severity;
pub mod time;

pub use analyzer::{Analyzer, Context, Notice, NoticeLevel, Output};
pub use capability::{
    Capability, CapabilityItem, CapabilitySet, Channel, Evidence, FsAccess, HostPattern,
    IngressKind,
};
pub use db_status::{VULNDB_STATUS_PROPERTY, VulnDbStatus};
pub use decision::{Decision, Outcome, Reason};
pub use dependency::{Component, DependencyScope, Ecosystem};
pub use extension::{Extension, Platform};
pub use finding::{
    BaselineState, EvidenceStep, Finding, Fix, Replacement, Suppression, SuppressionKind,
    assign_fingerprints,
};
pub use fingerprint::Fingerprint;
pub use location::{Location, Region};
pub use notice::NoticeKind;
pub use package::{BinaryKind, FileKind, Origin, Package, SourceFile};
pub use report::{REPORT_SCHEMA_VERSION, ScanReport, ScanStats, TargetInfo, ToolInfo};
pub use rule::{Fixture, Rule, RuleMeta, Signal};
pub use severity::{Category, Confidence, Severity};
