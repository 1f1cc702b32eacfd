//! The `deps` analyzer of Portcullis: what an extension depends on, and what is wrong with it.
//!
//! [`DepsAnalyzer`] inventories every dependency source inside a scanned package —
//! `package-lock.json` v1–v3 / `npm-shrinkwrap.json`, `yarn.lock` (classic and berry),
//! `pnpm-lock.yaml` v5–v9, bundled `node_modules/*/package.json`, bare `package.json` ranges,
//! `requirements.txt` and `poetry.lock` — into SBOM [`portcullis_core::Component`]s with
//! direct/transitive, scope and one dependency path each. It then reports:
//!
//! * known vulnerabilities and malware from the offline OSV database
//!   ([`portcullis_vulndb::VulnDb`]), aliases merged, with the smallest fixing upgrade and
//!   whether it fits the declared range;
//! * typosquats of popular npm names, dependency confusion for configured internal names,
//!   transitive git/http/file sources, deprecated versions, and license-policy violations.
//!
//! Without a database it still inventories and runs the supply-chain checks, and says so in a
//! notice. [`rematch`] and [`diff`] let the registry re-check stored inventories after
//! `portcullis db update`.

pub mod analyzer;
pub mod config;
pub mod inventory;
pub mod license;
pub mod rules;
pub mod typosquat;
pub mod vuln;

pub use analyzer::{DepsAnalyzer, Inventory};
pub use config::Config;
pub use vuln::{MatchDiff, diff, rematch};
