//! End-to-end tests of every report format on a realistic n8n package report.
//!
//! The SARIF and CycloneDX tests validate against the official JSON schemas and run
//! Microsoft's SARIF Multitool. Those come from npm into `<workspace>/.tools/`; when they are
//! missing the tests run `scripts/install-test-tools.sh` themselves, and fail loudly if that
//! does not work: a validation test that silently skips proves nothing.

mod cyclonedx;
mod fixture;
mod json;
mod markdown;
mod robustness;
mod sarif;
mod text;
mod tools;
