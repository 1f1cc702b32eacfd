//! The secrets analyzer's rules as core [`Rule`] declarations.
//!
//! The detectors are data (`rules.toml`): each becomes a [`Rule::dynamic`] once, at start-up,
//! carrying [`Signal::HardCodedSecret`]; findings built from it inherit the signal, and a
//! finding whose secret has a provider's fixed format (or was verified live) adds
//! [`Signal::VerifiedSecret`]. Fixed, non-data rules — a key shipped by a bundled
//! dependency for its own tests — are `declare_rule!` statics with [`Signal::Hygiene`].
//! [`rules`] is the whole list the rules registry reads.

use crate::CWE_HARD_CODED_CREDENTIALS;
use crate::rules::{RuleKind, RuleSpec};
use portcullis_core::Category;
use portcullis_core::declare_rule;
use portcullis_core::rule::{Rule, Signal};
use std::borrow::Cow;
use std::sync::OnceLock;

declare_rule! {
    /// ## What it does
    /// Reports a private key (usually a self-signed `localhost` certificate's key) that a
    /// dependency bundled in the extension's `node_modules/` ships for its own tests or as
    /// a development default.
    ///
    /// ## Why is this bad?
    /// It is not a secret of the extension: the same key is in the dependency's public
    /// package and protects nothing of the extension's users. It only matters if the
    /// extension *uses* that key to serve TLS, which then anyone could impersonate; and it
    /// adds weight to the package.
    ///
    /// ## Example
    /// `node_modules/smtp-server/lib/tls-options.js` with a `-----BEGIN RSA PRIVATE KEY-----`
    /// block for the `localhost` certificate it uses when none is configured.
    ///
    /// ## Use instead
    /// Do not serve TLS with a dependency's built-in key: configure a certificate of your
    /// own at run time. Exclude the dependency's test files from the published package
    /// (`files` in `package.json`, `.npmignore`) when you bundle dependencies.
    ///
    /// ## References
    /// - CWE-321: Use of Hard-coded Cryptographic Key (<https://cwe.mitre.org/data/definitions/321.html>),
    ///   a kind of CWE-798: Use of Hard-coded Credentials (<https://cwe.mitre.org/data/definitions/798.html>)
    pub static BUNDLED_DEPENDENCY_KEY = {
        id: "secrets/bundled-dependency-test-key",
        title: "Bundled dependency's test or localhost key",
        category: Secret,
        severity: Info,
        confidence: High,
        summary: "A bundled dependency ships a private key for tests or localhost TLS",
        cwe: [798],
        signals: [Hygiene],
        fixtures: [
            pos "crates/secrets/fixtures/node-red-email-bundled/node_modules/smtp-server/lib/tls-options.js",
            neg "crates/secrets/fixtures/forge-app-own-key/src/signing.js",
        ],
    }
}

/// The fixed rules declared in code (not in `rules.toml`).
pub static FIXED_RULES: [&Rule; 1] = [&BUNDLED_DEPENDENCY_KEY];

const SECRET_SIGNALS: &[Signal] = &[Signal::HardCodedSecret];

/// The declaration of one data-driven detector.
pub(crate) fn declaration(spec: &RuleSpec) -> Rule {
    let mut r = Rule::dynamic(
        format!("secrets/{}", spec.id),
        spec.name.clone(),
        Category::Secret,
        spec.severity,
    );
    r.confidence = spec.confidence;
    r.summary = Cow::Owned(format!("Hard-coded {} ({})", spec.name, spec.provider));
    r.docs = Cow::Owned(docs(spec));
    r.cwe = Cow::Owned(vec![CWE_HARD_CODED_CREDENTIALS]);
    r.signals = Cow::Borrowed(SECRET_SIGNALS);
    r
}

/// Rule documentation in the ruff style, from the rule's data.
fn docs(s: &RuleSpec) -> String {
    let example = s
        .t
        .first()
        .map(|t| {
            format!(
                "\n## Example\n\n```\n{}\n```\n\n(`{{{{cls:n}}}}` stands for `n` random characters of a class.)\n",
                // `@path\n` prefixes name the fixture's file, not its content.
                match t.strip_prefix('@') {
                    Some(rest) => rest.split_once('\n').map_or(rest, |(_, body)| body),
                    None => t,
                }
            )
        })
        .unwrap_or_default();
    let fix = s.remediation.clone().unwrap_or_else(|| {
        format!(
            "Revoke the {} credential and issue a new one; load it at run time from the \
             platform's credential store.",
            s.provider
        )
    });
    let what = match s.kind {
        RuleKind::PrivateKey => format!("Finds a {} hard-coded in an extension's files.", s.name),
        RuleKind::Url => format!(
            "Finds {} (a password inside a URL or connection string) in an extension's files.",
            s.name
        ),
        _ => format!(
            "Finds {} ({}) hard-coded in an extension's files.",
            s.name, s.provider
        ),
    };
    format!(
        "## What it does\n\n{what}\n\n## Why is this bad?\n\nEverything in a published \
         extension is public: anyone who installs or downloads it can read the credential and \
         act as its owner. In no-code platforms a secret in node defaults also leaks into \
         every exported flow.\n{example}\n## Use instead\n\n{fix}\n\n## References\n\n- \
         CWE-798: Use of Hard-coded Credentials \
         (<https://cwe.mitre.org/data/definitions/798.html>)\n"
    )
}

/// Every rule of the secrets analyzer: the built-in detectors of `rules.toml` (in file
/// order) followed by [`FIXED_RULES`]. Built once; rules imported from a user's gitleaks
/// file are not in it (they are per configuration: see
/// [`crate::SecretsAnalyzer::declarations`]).
pub fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        // The built-in file is tested to parse; an error here would be a build defect,
        // and the registry then simply lists the fixed rules.
        let mut v: Vec<Rule> = crate::rules::parse_rules(crate::rules::BUILTIN_RULES, "built-in")
            .map(|specs| specs.iter().map(declaration).collect())
            .unwrap_or_default();
        v.extend(FIXED_RULES.iter().map(|r| (*r).clone()));
        v
    })
}
