//! Declarations of the `deps` analyzer's rules: the text `rules list`, SARIF and the docs
//! show, and the signals the gate reads.

use portcullis_core::rule::Rule;
use portcullis_core::{Finding, Location, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Matches every resolved dependency (lockfiles, bundled `node_modules`) against the offline OSV database (GitHub, PyPA, npm advisories). Advisories that alias each other (GHSA ↔ CVE ↔ PYSEC) are one finding. The finding names the smallest upgrade that clears them and whether it fits the declared range.
    ///
    /// ## Why is this bad?
    /// A known vulnerability in code the extension ships runs with the extension's privileges inside the platform: its credentials, its network access, its data.
    ///
    /// ## Example
    /// ```json
    /// "node_modules/lodash": { "version": "4.17.20" }
    /// ```
    /// `lodash@4.17.20` is affected by GHSA-35jh-r3h4-6jhm (CVE-2021-23337, command injection in `template`).
    ///
    /// ## Use instead
    /// `lodash@4.17.21` (within `^4.17.15`, so `npm update lodash` is enough).
    ///
    /// ## References
    /// - CWE-1395: Dependency on Vulnerable Third-Party Component
    /// - https://osv.dev
    pub static VULNERABLE_DEPENDENCY = {
        id: "deps/vulnerable-dependency",
        title: "Vulnerable dependency",
        category: Dependency,
        severity: High,
        confidence: High,
        summary: "A resolved dependency version is affected by a published advisory (OSV).",
        cwe: [1395],
        owasp: ["A06:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports dependencies listed in the OpenSSF malicious-packages data (`MAL-` OSV records): typosquats, hijacked releases, dependency-confusion payloads.
    ///
    /// ## Why is this bad?
    /// The package was published to steal credentials, open a backdoor or mine currency; its install scripts have likely already run wherever it was installed.
    ///
    /// ## Example
    /// `crossenv@6.1.1` (a typosquat of `cross-env` that exfiltrated environment variables).
    ///
    /// ## Use instead
    /// remove it, rotate every credential on machines that installed it, use the real package.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - https://github.com/ossf/malicious-packages
    pub static MALICIOUS_PACKAGE = {
        id: "deps/malicious-package",
        title: "Malicious package",
        category: Dependency,
        severity: Critical,
        confidence: High,
        summary: "A dependency is a known malicious package (OpenSSF MAL- advisory).",
        cwe: [506],
        owasp: ["A08:2021"],
        signals: [MaliciousDependency],
    }
}

declare_rule! {
    /// ## What it does
    /// Compares every npm dependency name with a list of popular packages shipped with Portcullis: one or two edits away, separators dropped (`crossenv`), look-alike characters (`l0dash`), decoy affixes (`lodash-js`), scope tricks (`@lodash/lodash`, `types-node`).
    ///
    /// ## Why is this bad?
    /// Typosquats are the most common way malware enters npm trees; a near-miss name in a lockfile is worth a look even when no advisory exists yet.
    ///
    /// ## Example
    /// ```json
    /// "dependencies": { "loadsh": "^4.17.21" }
    /// ```
    /// Use instead: `"lodash": "^4.17.21"`. If the name is intentional, add it to `[deps] typosquat-allow`.
    ///
    /// ## References
    /// - CWE-1357: Reliance on Insufficiently Trustworthy Component
    pub static TYPOSQUATTING = {
        id: "deps/typosquatting",
        title: "Possible typosquat",
        category: Dependency,
        severity: Medium,
        confidence: Medium,
        summary: "A dependency name imitates a popular package.",
        cwe: [1357],
        owasp: ["A08:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Checks the names configured in `[deps] internal-packages`: each must resolve from one of `internal-registries`. An internal name resolved from the public registry, or with no recorded source, is reported.
    ///
    /// ## Why is this bad?
    /// If an unscoped internal name is not claimed on npmjs.org, anyone can publish it there with a higher version, and a misconfigured install picks the attacker's package (Birsan, 2021).
    ///
    /// ## Example
    /// `acme-billing-client` resolved from `https://registry.npmjs.org/acme-billing-client/-/…`.
    ///
    /// ## Use instead
    /// move internal packages under a scope you own (`@acme/billing-client`) mapped to your registry in `.npmrc`, and claim the unscoped names publicly.
    ///
    /// ## References
    /// - CWE-427: Uncontrolled Search Path Element
    /// - https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610
    pub static DEPENDENCY_CONFUSION = {
        id: "deps/dependency-confusion",
        title: "Dependency confusion",
        category: Dependency,
        severity: High,
        confidence: High,
        summary: "An internal package name resolves (or may resolve) from a public registry.",
        cwe: [427],
        owasp: ["A08:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports transitive dependencies whose lockfile entry resolves to git, a plain tarball URL, or a `file:`/`link:` path instead of a registry. (Direct ones in package.json are reported by the supply-chain analyzer.)
    ///
    /// ## Why is this bad?
    /// Such sources bypass registry immutability, advisories and malware scanning; a branch or URL can change under you, and plain `http://` can be tampered with in transit.
    ///
    /// ## Example
    /// `"resolved": "git+ssh://git@github.com/someone/lib.git#main"`
    ///
    /// ## Use instead
    /// a published registry version, or at least a full commit hash over HTTPS.
    ///
    /// ## References
    /// - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    pub static NON_REGISTRY_SOURCE = {
        id: "deps/non-registry-source",
        title: "Dependency from a non-registry source",
        category: Dependency,
        severity: Medium,
        confidence: High,
        summary: "A transitive dependency is installed from git, an HTTP tarball or a local path.",
        cwe: [829],
        owasp: ["A08:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports dependencies whose lockfile entry or bundled `package.json` carries a `deprecated` message.
    ///
    /// ## Why is this bad?
    /// Deprecated packages stop receiving security fixes; the message usually names the replacement.
    ///
    /// ## Example
    /// `request@2.88.2`: "request has been deprecated".
    ///
    /// ## Use instead
    /// the replacement the message names (`undici`, `node-fetch`, `axios`).
    ///
    /// ## References
    /// - CWE-1104: Use of Unmaintained Third Party Components
    pub static DEPRECATED_PACKAGE = {
        id: "deps/deprecated-package",
        title: "Deprecated dependency",
        category: Dependency,
        severity: Low,
        confidence: High,
        summary: "The lockfile or package metadata marks a dependency version as deprecated.",
        cwe: [1104],
        owasp: ["A06:2021"],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Evaluates each dependency's SPDX expression against `[deps] license-deny`. `MIT OR GPL-3.0-only` passes (you may choose MIT); `GPL-3.0-only` does not.
    ///
    /// ## Why is this bad?
    /// Shipping code under a license your organisation does not accept creates legal obligations (source disclosure, network-use clauses).
    ///
    /// ## Example
    /// `"license": "AGPL-3.0-only"` with `license-deny = ["AGPL-3.0-only"]`.
    ///
    /// ## Use instead
    /// an alternative package, or a recorded legal exception.
    ///
    /// ## References
    /// - https://spdx.org/licenses/
    pub static LICENSE_DENIED = {
        id: "deps/license-denied",
        title: "Denied license",
        category: Dependency,
        severity: Medium,
        confidence: High,
        summary: "A dependency's license can only be satisfied with a license on the deny list.",
    }
}

declare_rule! {
    /// ## What it does
    /// With `[deps] license-allow` set, reports dependencies whose SPDX expression cannot be satisfied using only allowed licenses.
    ///
    /// ## Why is this bad?
    /// An allow list is how legal review scales: anything outside it needs a human decision before it ships.
    ///
    /// ## Example
    /// `"license": "MPL-2.0"` with `license-allow = ["MIT", "Apache-2.0"]`.
    ///
    /// ## Use instead
    /// an allowed alternative, or extend the allow list after review.
    ///
    /// ## References
    /// - https://spdx.org/licenses/
    pub static LICENSE_NOT_ALLOWED = {
        id: "deps/license-not-allowed",
        title: "License not on the allow list",
        category: Dependency,
        severity: Low,
        confidence: High,
        summary: "A dependency's license is not covered by the configured allow list.",
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports license fields that are not SPDX expressions: `UNLICENSED`, `SEE LICENSE IN …`, free text.
    ///
    /// ## Why is this bad?
    /// Nobody can tell automatically whether you may ship it.
    ///
    /// ## Example
    /// `"license": "SEE LICENSE IN EULA.txt"`
    ///
    /// ## Use instead
    /// review the terms and record the decision.
    ///
    /// ## References
    /// - https://spdx.org/licenses/
    pub static LICENSE_UNKNOWN = {
        id: "deps/license-unknown",
        title: "Unknown license",
        category: Dependency,
        severity: Low,
        confidence: High,
        summary: "A dependency declares a license that is not an SPDX expression.",
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a `package.json` whose dependencies are neither locked (no package-lock, shrinkwrap, yarn or pnpm lockfile) nor bundled.
    ///
    /// ## Why is this bad?
    /// The versions installed are decided at install time on the platform: a compromised or vulnerable release published tomorrow is installed without review, and what was scanned is not what runs.
    ///
    /// ## Example
    /// `"dependencies": { "axios": "^1.6.0" }` with no lockfile.
    ///
    /// ## Use instead
    /// ship `npm-shrinkwrap.json` (npm honours it for published packages) or bundle dependencies, and scan the result.
    ///
    /// ## References
    /// - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    pub static UNRESOLVED_DEPENDENCIES = {
        id: "deps/unresolved-dependencies",
        title: "Unresolved dependencies (no lockfile)",
        category: Dependency,
        severity: Low,
        confidence: High,
        summary: "Dependencies are declared as ranges with no lockfile or bundled copy to pin them.",
        cwe: [829],
        owasp: ["A08:2021"],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports lockfiles that are not valid for their format (bad JSON/YAML, unknown lockfile version).
    ///
    /// ## Why is this bad?
    /// Nothing in it was checked for vulnerabilities or malware; a deliberately broken lockfile is a way to hide a dependency tree.
    ///
    /// ## Example
    /// A `package-lock.json` cut off in the middle.
    ///
    /// ## Use instead
    /// regenerate it with the package manager (`npm install --package-lock-only`).
    ///
    /// ## References
    /// - https://docs.npmjs.com/cli/configuring-npm/package-lock-json
    pub static MALFORMED_LOCKFILE = {
        id: "deps/malformed-lockfile",
        title: "Malformed lockfile",
        category: Dependency,
        severity: Low,
        confidence: High,
        summary: "A lockfile could not be parsed, so its dependencies were not checked.",
        owasp: ["A08:2021"],
        signals: [UnanalysedCode],
    }
}

/// Every rule of this crate, in declaration order.
pub static RULES: &[&Rule] = &[
    &VULNERABLE_DEPENDENCY,
    &MALICIOUS_PACKAGE,
    &TYPOSQUATTING,
    &DEPENDENCY_CONFUSION,
    &NON_REGISTRY_SOURCE,
    &DEPRECATED_PACKAGE,
    &LICENSE_DENIED,
    &LICENSE_NOT_ALLOWED,
    &LICENSE_UNKNOWN,
    &UNRESOLVED_DEPENDENCIES,
    &MALFORMED_LOCKFILE,
];

/// A finding of `rule` at `severity` (a dependency finding's severity comes from its
/// advisory or the configuration, not only from the rule).
pub(crate) fn finding(
    rule: &Rule,
    severity: Severity,
    message: impl Into<String>,
    location: Location,
) -> Finding {
    Finding::from_rule(rule, message, location).with_severity(severity)
}

/// Every `deps/*` rule.
pub fn all() -> &'static [&'static Rule] {
    RULES
}
