//! The `[deps]` section of `portcullis.toml`.

use serde::{Deserialize, Serialize};

/// Configuration of the dependency analyzer.
///
/// ```toml
/// [deps]
/// internal-packages = ["acme-utils", "acme-*"]   # unscoped names that must never come from the public registry
/// internal-scopes = ["@acme"]                      # scopes you own (typosquat checks skip them)
/// license-allow = ["MIT", "Apache-2.0", "BSD-3-Clause", "ISC"]
/// license-deny = ["GPL-3.0-only", "AGPL-3.0-only"]
/// max-db-age-days = 7
/// include-dev = true
/// typosquat-allow = ["my-lodash-fork"]
/// typosquat-transitive = false
/// ignore-advisories = ["GHSA-xxxx-xxxx-xxxx"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Unscoped package names (a trailing `*` is a prefix match) that exist only in your
    /// private registry. Any of them resolved from the public registry, or present without an
    /// internal `resolved` URL, is a dependency-confusion risk.
    pub internal_packages: Vec<String>,
    /// Registry hosts that serve your internal packages (`npm.acme.internal`); an internal
    /// package resolved from one of them is fine.
    pub internal_registries: Vec<String>,
    /// Scopes you own (`@acme`): never reported as typosquats.
    pub internal_scopes: Vec<String>,
    /// SPDX license ids allowed. Empty = no allow-list (only the deny list applies).
    pub license_allow: Vec<String>,
    /// SPDX license ids denied (a finding when a dependency's license requires one).
    pub license_deny: Vec<String>,
    /// Report dependencies whose license is missing or not a valid SPDX expression when an
    /// allow-list is set.
    pub license_require_known: bool,
    /// Warn when the vulnerability database is older than this many days (0 = never).
    pub max_db_age_days: u32,
    /// Analyze dev dependencies too (they run in CI and on developer machines).
    pub include_dev: bool,
    /// Names never reported as typosquats (your own packages that look like popular ones).
    pub typosquat_allow: Vec<String>,
    /// Also check transitive dependencies for typosquatting. Off by default: typos happen in
    /// the names the extension author declares, malicious transitive packages are caught by
    /// the `MAL-` advisories, and on real trees (~4,400 packages) transitive checks gave about
    /// a dozen look-alike but legitimate names.
    pub typosquat_transitive: bool,
    /// Advisory ids (or aliases) to ignore, with the reason kept in the config file.
    pub ignore_advisories: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            internal_packages: Vec::new(),
            internal_registries: Vec::new(),
            internal_scopes: Vec::new(),
            license_allow: Vec::new(),
            license_deny: Vec::new(),
            license_require_known: true,
            max_db_age_days: 7,
            include_dev: true,
            typosquat_allow: Vec::new(),
            typosquat_transitive: false,
            ignore_advisories: Vec::new(),
        }
    }
}

impl Config {
    /// Whether `name` is configured as internal (exact, or prefix with a trailing `*`).
    pub fn is_internal(&self, name: &str) -> bool {
        self.internal_packages
            .iter()
            .any(|p| match p.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => p == name,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kebab_case_toml_with_defaults() {
        #[derive(Deserialize)]
        struct File {
            deps: Config,
        }
        let f: File = toml::from_str(
            r#"
            [deps]
            internal-packages = ["acme-utils", "acme-*"]
            license-deny = ["GPL-3.0-only"]
            max-db-age-days = 3
            "#,
        )
        .unwrap();
        assert_eq!(f.deps.max_db_age_days, 3);
        assert!(f.deps.include_dev, "default kept");
        assert!(f.deps.is_internal("acme-utils"));
        assert!(f.deps.is_internal("acme-billing"));
        assert!(!f.deps.is_internal("lodash"));
        assert!(
            toml::from_str::<File>("[deps]\nlicence-deny = []").is_err(),
            "typos are errors"
        );
    }
}
