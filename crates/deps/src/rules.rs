//! Rule metadata of the `deps` analyzer: the text `rules list`, SARIF and the docs show.

use portcullis_core::{Category, RuleMeta, Severity};

pub const VULNERABLE: &str = "deps/vulnerable-dependency";
pub const MALICIOUS: &str = "deps/malicious-package";
pub const TYPOSQUAT: &str = "deps/typosquatting";
pub const CONFUSION: &str = "deps/dependency-confusion";
pub const NON_REGISTRY: &str = "deps/non-registry-source";
pub const DEPRECATED: &str = "deps/deprecated-package";
pub const LICENSE_DENIED: &str = "deps/license-denied";
pub const LICENSE_NOT_ALLOWED: &str = "deps/license-not-allowed";
pub const LICENSE_UNKNOWN: &str = "deps/license-unknown";
pub const UNRESOLVED: &str = "deps/unresolved-dependencies";
pub const MALFORMED: &str = "deps/malformed-lockfile";

struct R {
    id: &'static str,
    name: &'static str,
    sev: Severity,
    short: &'static str,
    help: &'static str,
    cwe: &'static [u32],
}

const RULES: &[R] = &[
    R {
        id: VULNERABLE,
        name: "Vulnerable dependency",
        sev: Severity::High,
        short: "A resolved dependency version is affected by a published advisory (OSV).",
        cwe: &[1395],
        help: "## What it does\nMatches every resolved dependency (lockfiles, bundled `node_modules`) against the offline OSV database (GitHub, PyPA, npm advisories). Advisories that alias each other (GHSA ↔ CVE ↔ PYSEC) are one finding. The finding names the smallest upgrade that clears them and whether it fits the declared range.\n\n## Why is this bad?\nA known vulnerability in code the extension ships runs with the extension's privileges inside the platform: its credentials, its network access, its data.\n\n## Example\n```json\n\"node_modules/lodash\": { \"version\": \"4.17.20\" }\n```\n`lodash@4.17.20` is affected by GHSA-35jh-r3h4-6jhm (CVE-2021-23337, command injection in `template`).\n\nUse instead: `lodash@4.17.21` (within `^4.17.15`, so `npm update lodash` is enough).\n\n## References\n- CWE-1395: Dependency on Vulnerable Third-Party Component\n- https://osv.dev\n",
    },
    R {
        id: MALICIOUS,
        name: "Malicious package",
        sev: Severity::Critical,
        short: "A dependency is a known malicious package (OpenSSF MAL- advisory).",
        cwe: &[506],
        help: "## What it does\nReports dependencies listed in the OpenSSF malicious-packages data (`MAL-` OSV records): typosquats, hijacked releases, dependency-confusion payloads.\n\n## Why is this bad?\nThe package was published to steal credentials, open a backdoor or mine currency; its install scripts have likely already run wherever it was installed.\n\n## Example\n`crossenv@6.1.1` (a typosquat of `cross-env` that exfiltrated environment variables).\n\nUse instead: remove it, rotate every credential on machines that installed it, use the real package.\n\n## References\n- CWE-506: Embedded Malicious Code\n- https://github.com/ossf/malicious-packages\n",
    },
    R {
        id: TYPOSQUAT,
        name: "Possible typosquat",
        sev: Severity::Medium,
        short: "A dependency name imitates a popular package.",
        cwe: &[1357],
        help: "## What it does\nCompares every npm dependency name with a list of popular packages shipped with Portcullis: one or two edits away, separators dropped (`crossenv`), look-alike characters (`l0dash`), decoy affixes (`lodash-js`), scope tricks (`@lodash/lodash`, `types-node`).\n\n## Why is this bad?\nTyposquats are the most common way malware enters npm trees; a near-miss name in a lockfile is worth a look even when no advisory exists yet.\n\n## Example\n```json\n\"dependencies\": { \"loadsh\": \"^4.17.21\" }\n```\nUse instead: `\"lodash\": \"^4.17.21\"`. If the name is intentional, add it to `[deps] typosquat-allow`.\n\n## References\n- CWE-1357: Reliance on Insufficiently Trustworthy Component\n",
    },
    R {
        id: CONFUSION,
        name: "Dependency confusion",
        sev: Severity::High,
        short: "An internal package name resolves (or may resolve) from a public registry.",
        cwe: &[427],
        help: "## What it does\nChecks the names configured in `[deps] internal-packages`: each must resolve from one of `internal-registries`. An internal name resolved from the public registry, or with no recorded source, is reported.\n\n## Why is this bad?\nIf an unscoped internal name is not claimed on npmjs.org, anyone can publish it there with a higher version, and a misconfigured install picks the attacker's package (Birsan, 2021).\n\n## Example\n`acme-billing-client` resolved from `https://registry.npmjs.org/acme-billing-client/-/…`.\n\nUse instead: move internal packages under a scope you own (`@acme/billing-client`) mapped to your registry in `.npmrc`, and claim the unscoped names publicly.\n\n## References\n- CWE-427: Uncontrolled Search Path Element\n- https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610\n",
    },
    R {
        id: NON_REGISTRY,
        name: "Dependency from a non-registry source",
        sev: Severity::Medium,
        short: "A transitive dependency is installed from git, an HTTP tarball or a local path.",
        cwe: &[829],
        help: "## What it does\nReports transitive dependencies whose lockfile entry resolves to git, a plain tarball URL, or a `file:`/`link:` path instead of a registry. (Direct ones in package.json are reported by the supply-chain analyzer.)\n\n## Why is this bad?\nSuch sources bypass registry immutability, advisories and malware scanning; a branch or URL can change under you, and plain `http://` can be tampered with in transit.\n\n## Example\n`\"resolved\": \"git+ssh://git@github.com/someone/lib.git#main\"`\n\nUse instead: a published registry version, or at least a full commit hash over HTTPS.\n\n## References\n- CWE-829: Inclusion of Functionality from Untrusted Control Sphere\n",
    },
    R {
        id: DEPRECATED,
        name: "Deprecated dependency",
        sev: Severity::Low,
        short: "The lockfile or package metadata marks a dependency version as deprecated.",
        cwe: &[1104],
        help: "## What it does\nReports dependencies whose lockfile entry or bundled `package.json` carries a `deprecated` message.\n\n## Why is this bad?\nDeprecated packages stop receiving security fixes; the message usually names the replacement.\n\n## Example\n`request@2.88.2`: \"request has been deprecated\".\n\nUse instead: the replacement the message names (`undici`, `node-fetch`, `axios`).\n\n## References\n- CWE-1104: Use of Unmaintained Third Party Components\n",
    },
    R {
        id: LICENSE_DENIED,
        name: "Denied license",
        sev: Severity::Medium,
        short: "A dependency's license can only be satisfied with a license on the deny list.",
        cwe: &[],
        help: "## What it does\nEvaluates each dependency's SPDX expression against `[deps] license-deny`. `MIT OR GPL-3.0-only` passes (you may choose MIT); `GPL-3.0-only` does not.\n\n## Why is this bad?\nShipping code under a license your organisation does not accept creates legal obligations (source disclosure, network-use clauses).\n\n## Example\n`\"license\": \"AGPL-3.0-only\"` with `license-deny = [\"AGPL-3.0-only\"]`.\n\nUse instead: an alternative package, or a recorded legal exception.\n\n## References\n- https://spdx.org/licenses/\n",
    },
    R {
        id: LICENSE_NOT_ALLOWED,
        name: "License not on the allow list",
        sev: Severity::Low,
        short: "A dependency's license is not covered by the configured allow list.",
        cwe: &[],
        help: "## What it does\nWith `[deps] license-allow` set, reports dependencies whose SPDX expression cannot be satisfied using only allowed licenses.\n\n## Why is this bad?\nAn allow list is how legal review scales: anything outside it needs a human decision before it ships.\n\n## Example\n`\"license\": \"MPL-2.0\"` with `license-allow = [\"MIT\", \"Apache-2.0\"]`.\n\nUse instead: an allowed alternative, or extend the allow list after review.\n\n## References\n- https://spdx.org/licenses/\n",
    },
    R {
        id: LICENSE_UNKNOWN,
        name: "Unknown license",
        sev: Severity::Low,
        short: "A dependency declares a license that is not an SPDX expression.",
        cwe: &[],
        help: "## What it does\nReports license fields that are not SPDX expressions: `UNLICENSED`, `SEE LICENSE IN …`, free text.\n\n## Why is this bad?\nNobody can tell automatically whether you may ship it.\n\n## Example\n`\"license\": \"SEE LICENSE IN EULA.txt\"`\n\nUse instead: review the terms and record the decision.\n\n## References\n- https://spdx.org/licenses/\n",
    },
    R {
        id: UNRESOLVED,
        name: "Unresolved dependencies (no lockfile)",
        sev: Severity::Low,
        short: "Dependencies are declared as ranges with no lockfile or bundled copy to pin them.",
        cwe: &[829],
        help: "## What it does\nReports a `package.json` whose dependencies are neither locked (no package-lock, shrinkwrap, yarn or pnpm lockfile) nor bundled.\n\n## Why is this bad?\nThe versions installed are decided at install time on the platform: a compromised or vulnerable release published tomorrow is installed without review, and what was scanned is not what runs.\n\n## Example\n`\"dependencies\": { \"axios\": \"^1.6.0\" }` with no lockfile.\n\nUse instead: ship `npm-shrinkwrap.json` (npm honours it for published packages) or bundle dependencies, and scan the result.\n\n## References\n- CWE-829: Inclusion of Functionality from Untrusted Control Sphere\n",
    },
    R {
        id: MALFORMED,
        name: "Malformed lockfile",
        sev: Severity::Low,
        short: "A lockfile could not be parsed, so its dependencies were not checked.",
        cwe: &[],
        help: "## What it does\nReports lockfiles that are not valid for their format (bad JSON/YAML, unknown lockfile version).\n\n## Why is this bad?\nNothing in it was checked for vulnerabilities or malware; a deliberately broken lockfile is a way to hide a dependency tree.\n\n## Example\nA `package-lock.json` cut off in the middle.\n\nUse instead: regenerate it with the package manager (`npm install --package-lock-only`).\n\n## References\n- https://docs.npmjs.com/cli/configuring-npm/package-lock-json\n",
    },
];

/// Metadata of every `deps/*` rule.
pub fn all() -> Vec<RuleMeta> {
    RULES
        .iter()
        .map(|r| RuleMeta {
            id: r.id.to_string(),
            name: r.name.to_string(),
            category: Category::Dependency,
            default_severity: r.sev,
            short_description: r.short.to_string(),
            help: r.help.to_string(),
            cwe: r.cwe.to_vec(),
            references: Vec::new(),
        })
        .collect()
}
