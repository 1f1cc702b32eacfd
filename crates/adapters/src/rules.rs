//! Declarations of every rule the adapters report (`manifest/…` and the platform rules).
//!
//! One `declare_rule!` static per rule: the doc comment is the rule's documentation and the
//! signals are what its findings contribute to the gate.

use portcullis_core::rule::Rule;
use portcullis_core::{Finding, Location, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a JSON manifest that is not valid JSON, with the line and column of the error.
    ///
    /// ## Why is this bad?
    /// The platform may read the file differently (or refuse it), so what Portcullis checks is not what gets installed; a malformed manifest can also be an attempt to hide declarations from scanners.
    ///
    /// ## Example
    /// ```json
    /// { "name": "n8n-nodes-acme", "n8n": { "nodes": ["dist/A.node.js",] } }
    /// ```
    ///
    /// ## Use instead
    /// Make the file valid JSON (no trailing commas, no comments).
    ///
    /// ## References
    /// - [CWE-20](https://cwe.mitre.org/data/definitions/20.html)
    /// - <https://www.rfc-editor.org/rfc/rfc8259>
    pub static INVALID_JSON = {
        id: "manifest/invalid-json",
        title: "Manifest is not valid JSON",
        category: Manifest,
        severity: Medium,
        confidence: High,
        summary: "A JSON manifest (package.json, plugin.json) does not parse.",
        cwe: [20],
        owasp: ["A05:2021"],
        signals: [UnanalysedCode],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a YAML manifest that does not parse, with the line and column of the error.
    ///
    /// ## Why is this bad?
    /// Forge refuses to deploy an invalid manifest, and a scanner that cannot read the permissions cannot check them.
    ///
    /// ## Example
    /// ```yaml
    /// permissions:
    ///   scopes:
    ///     - read:jira-work
    ///    - storage:app
    /// ```
    ///
    /// ## Use instead
    /// Fix the indentation or syntax; validate with `forge lint`.
    ///
    /// ## References
    /// - [CWE-20](https://cwe.mitre.org/data/definitions/20.html)
    /// - <https://developer.atlassian.com/platform/forge/manifest-reference/>
    pub static INVALID_YAML = {
        id: "manifest/invalid-yaml",
        title: "Manifest is not valid YAML",
        category: Manifest,
        severity: Medium,
        confidence: High,
        summary: "A YAML manifest (Forge manifest.yml) does not parse.",
        cwe: [20],
        owasp: ["A05:2021"],
        signals: [UnanalysedCode],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports an XML manifest that does not parse (DTDs are refused), with the position of the error.
    ///
    /// ## Why is this bad?
    /// The declared external services and features cannot be checked; DTDs in particular are an XXE vector in tooling that reads the file.
    ///
    /// ## Example
    /// ```xml
    /// <manifest><control namespace="Acme" constructor="Map"></manifest>
    /// ```
    ///
    /// ## Use instead
    /// Make the file well-formed XML without a DOCTYPE.
    ///
    /// ## References
    /// - [CWE-20](https://cwe.mitre.org/data/definitions/20.html)
    /// - [CWE-611](https://cwe.mitre.org/data/definitions/611.html)
    /// - <https://learn.microsoft.com/power-apps/developer/component-framework/manifest-schema-reference/>
    pub static INVALID_XML = {
        id: "manifest/invalid-xml",
        title: "Manifest is not valid XML",
        category: Manifest,
        severity: Medium,
        confidence: High,
        summary: "A PCF ControlManifest.Input.xml does not parse.",
        cwe: [20, 611],
        owasp: ["A05:2021"],
        signals: [UnanalysedCode],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a known manifest field whose value has the wrong type (e.g. `n8n.nodes` not an array).
    ///
    /// ## Why is this bad?
    /// The platform either ignores the field or fails at load time; either way the declaration Portcullis reads is not the one that takes effect.
    ///
    /// ## Example
    /// ```json
    /// "n8n": { "nodes": "dist/Acme.node.js" }
    /// ```
    ///
    /// ## Use instead
    /// Use the shape the platform documents (e.g. an array of paths).
    ///
    /// ## References
    /// - [CWE-20](https://cwe.mitre.org/data/definitions/20.html)
    pub static INVALID_FIELD = {
        id: "manifest/invalid-field",
        title: "Manifest field has the wrong shape",
        category: Manifest,
        severity: Low,
        confidence: High,
        summary: "A platform manifest field is present but has an unexpected type.",
        cwe: [20],
        owasp: ["A05:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports node, credential, function or code files the manifest names that are not present (neither the compiled file nor its TypeScript source).
    ///
    /// ## Why is this bad?
    /// The package is broken or was published from a different build than its sources; the code the platform will load was not scanned.
    ///
    /// ## Example
    /// ```json
    /// "n8n": { "nodes": ["dist/nodes/Acme/Acme.node.js"] }   // file not in the tarball
    /// ```
    ///
    /// ## Use instead
    /// Build before publishing (`npm run build`) and include the files in `files`.
    ///
    /// ## References
    /// - [CWE-1104](https://cwe.mitre.org/data/definitions/1104.html)
    pub static MISSING_ENTRY_POINT = {
        id: "manifest/missing-entry-point",
        title: "Declared entry point is missing",
        category: Manifest,
        severity: Low,
        confidence: High,
        summary: "A file the manifest declares as code is not in the package.",
        cwe: [1104],
        owasp: ["A08:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports each entry of `dependencies` in an n8n community node package.
    ///
    /// ## Why is this bad?
    /// n8n installs community nodes into its own process; every runtime dependency is unreviewed code running with full access to all workflow credentials. n8n's verification rules forbid them.
    ///
    /// ## Example
    /// ```json
    /// "dependencies": { "axios": "^1.6.0" }
    /// ```
    ///
    /// ## Use instead
    /// Use `this.helpers.httpRequest` and the allow-listed modules; move build tools to `devDependencies`.
    ///
    /// ## References
    /// - [CWE-1357](https://cwe.mitre.org/data/definitions/1357.html)
    /// - <https://www.npmjs.com/package/@n8n/eslint-plugin-community-nodes>
    /// - <https://docs.n8n.io/integrations/creating-nodes/build/reference/verification-guidelines/>
    pub static NO_RUNTIME_DEPENDENCIES = {
        id: "n8n/no-runtime-dependencies",
        title: "n8n community node has runtime dependencies",
        category: SupplyChain,
        severity: Medium,
        confidence: High,
        summary: "Verified n8n community nodes must not declare runtime `dependencies`.",
        cwe: [1357],
        owasp: ["A06:2021"],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports imports and `require` calls of modules outside the n8n community-node allow-list, and dynamic `require`/`import` of computed names. Node built-ins that reach the OS (`child_process`, `fs`, `net`, `vm`, `worker_threads`) are high severity.
    ///
    /// ## Why is this bad?
    /// A node runs inside the n8n process with access to every credential; OS-level modules let it read the host, spawn processes or open sockets the platform cannot see.
    ///
    /// ## Example
    /// ```js
    /// import { execSync } from 'child_process';
    /// ```
    ///
    /// ## Use instead
    /// Use n8n helpers (`this.helpers.httpRequest`, binary-data helpers) and allow-listed modules only.
    ///
    /// ## References
    /// - [CWE-829](https://cwe.mitre.org/data/definitions/829.html)
    /// - <https://www.npmjs.com/package/@n8n/eslint-plugin-community-nodes>
    pub static RESTRICTED_IMPORT = {
        id: "n8n/restricted-import",
        title: "n8n community node imports a restricted module",
        category: Code,
        severity: Medium,
        confidence: High,
        summary: "Imports outside n8n's allow-list (n8n-workflow, lodash, luxon, zod, crypto, …).",
        cwe: [829],
        owasp: ["A08:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports references to globals n8n's community-node lint forbids.
    ///
    /// ## Why is this bad?
    /// `process.env` exposes the host's secrets (including n8n's own encryption key); `globalThis` and timers let a node outlive or tamper with the workflow engine.
    ///
    /// ## Example
    /// ```js
    /// const key = process.env.N8N_ENCRYPTION_KEY;
    /// ```
    ///
    /// ## Use instead
    /// Take configuration from node parameters or credentials.
    ///
    /// ## References
    /// - [CWE-526](https://cwe.mitre.org/data/definitions/526.html)
    /// - <https://www.npmjs.com/package/@n8n/eslint-plugin-community-nodes>
    pub static RESTRICTED_GLOBAL = {
        id: "n8n/restricted-global",
        title: "n8n community node uses a restricted global",
        category: Code,
        severity: Low,
        confidence: High,
        summary: "Use of `process`, `globalThis`, timers, `__dirname`, `eval`, … in a community node.",
        cwe: [526],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports `description.credentials[].name` values that no credential class in the package defines and that are not n8n's generic HTTP credential types.
    ///
    /// ## Why is this bad?
    /// A community node that asks for another integration's credential (e.g. `slackApi`) can read the user's token for that service and send it anywhere.
    ///
    /// ## Example
    /// ```js
    /// credentials: [{ name: 'googleSheetsOAuth2Api', required: true }]
    /// ```
    ///
    /// ## Use instead
    /// Define your own credential class in the package and reference it.
    ///
    /// ## References
    /// - [CWE-522](https://cwe.mitre.org/data/definitions/522.html)
    /// - <https://www.npmjs.com/package/@n8n/eslint-plugin-community-nodes>
    pub static CREDENTIAL_REUSE = {
        id: "n8n/credential-reuse",
        title: "n8n node uses a credential type it does not define",
        category: Capability,
        severity: Medium,
        confidence: High,
        summary: "A node requests a credential type that is neither in its package nor a generic n8n one.",
        cwe: [522],
        owasp: ["A01:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports n8n node packages whose keywords do not include `n8n-community-node-package`.
    ///
    /// ## Why is this bad?
    /// n8n only lists packages with the keyword; a package declaring an `n8n` section without it is unusual (a typo-squat or a private fork).
    ///
    /// ## Example
    /// ```json
    /// "keywords": ["n8n"]
    /// ```
    ///
    /// ## Use instead
    /// Add `n8n-community-node-package` to `keywords`.
    ///
    /// ## References
    /// - <https://docs.n8n.io/integrations/creating-nodes/build/reference/verification-guidelines/>
    pub static MISSING_COMMUNITY_KEYWORD = {
        id: "n8n/missing-community-keyword",
        title: "n8n package lacks the community-node keyword",
        category: Manifest,
        severity: Info,
        confidence: High,
        summary: "package.json `keywords` lacks `n8n-community-node-package`.",
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports credential-class properties whose name says they hold a secret (token, key, password) but that are not marked as password fields.
    ///
    /// ## Why is this bad?
    /// Unmasked fields are shown in clear text in the editor and in screenshots and screen shares.
    ///
    /// ## Example
    /// ```json
    /// { displayName: 'API Key', name: 'apiKey', type: 'string', default: '' }
    /// ```
    ///
    /// ## Use instead
    /// Add `typeOptions: { password: true }` to the property.
    ///
    /// ## References
    /// - [CWE-549](https://cwe.mitre.org/data/definitions/549.html)
    /// - <https://www.npmjs.com/package/@n8n/eslint-plugin-community-nodes>
    pub static CREDENTIAL_PASSWORD_FIELD = {
        id: "n8n/credential-password-field",
        title: "Secret credential field is not masked",
        category: Manifest,
        severity: Medium,
        confidence: High,
        summary: "A credential property that holds a secret lacks `typeOptions: { password: true }`.",
        cwe: [549],
        owasp: ["A02:2021"],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports node `description.properties` entries whose names say they hold a secret (API key, token, password) and that are neither masked nor a credential.
    ///
    /// ## Why is this bad?
    /// Node parameters are saved in the workflow JSON in clear text, exported and shared with the workflow, and shown in execution logs; credentials are encrypted with the instance key and never exported.
    ///
    /// ## Example
    /// ```json
    /// { displayName: 'API Key', name: 'apiKey', type: 'string', default: '' }   // in the node, not a credential class
    /// ```
    ///
    /// ## Use instead
    /// Move the value into a credential class and reference it in `description.credentials`.
    ///
    /// ## References
    /// - [CWE-312](https://cwe.mitre.org/data/definitions/312.html)
    /// - [CWE-522](https://cwe.mitre.org/data/definitions/522.html)
    /// - <https://docs.n8n.io/integrations/creating-nodes/build/reference/verification-guidelines/>
    pub static SECRET_NODE_PARAMETER = {
        id: "n8n/secret-node-parameter",
        title: "Secret taken as a plain node parameter",
        category: Manifest,
        severity: Medium,
        confidence: High,
        summary: "A node parameter that holds a secret instead of a credential.",
        cwe: [312, 522],
        owasp: ["A02:2021"],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Compares the `credentials` of `RED.nodes.registerType` in the runtime file with those in the editor HTML for the same node type.
    ///
    /// ## Why is this bad?
    /// A credential only the editor declares is saved into the plain `flows.json` instead of the encrypted `flows_cred.json`; one only the runtime declares is never configured and the node falls back to something else.
    ///
    /// ## Example
    /// ```js
    /// // acme.html
    /// credentials: { apiKey: { type: 'password' } }
    /// // acme.js
    /// RED.nodes.registerType('acme', Acme);  // no credentials
    /// ```
    ///
    /// ## Use instead
    /// Declare the same credentials object on both sides.
    ///
    /// ## References
    /// - [CWE-312](https://cwe.mitre.org/data/definitions/312.html)
    /// - <https://nodered.org/docs/creating-nodes/credentials>
    pub static CREDENTIALS_MISMATCH = {
        id: "node-red/credentials-mismatch",
        title: "Node-RED runtime and editor credentials differ",
        category: Capability,
        severity: Medium,
        confidence: High,
        summary: "`registerType` credentials in the runtime `.js` and the editor `.html` do not match.",
        cwe: [312],
        owasp: ["A02:2021"],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports editor `defaults` keys whose names say they hold a secret.
    ///
    /// ## Why is this bad?
    /// `defaults` are stored in `flows.json` in clear text and exported with every flow that is shared; only `credentials` are encrypted and stripped on export.
    ///
    /// ## Example
    /// ```js
    /// defaults: { name: { value: '' }, apiKey: { value: '' } }
    /// ```
    ///
    /// ## Use instead
    /// Move the field to `credentials: { apiKey: { type: 'password' } }` on both sides.
    ///
    /// ## References
    /// - [CWE-312](https://cwe.mitre.org/data/definitions/312.html)
    /// - <https://nodered.org/docs/creating-nodes/credentials>
    pub static SECRET_IN_DEFAULTS = {
        id: "node-red/secret-in-defaults",
        title: "Secret kept in Node-RED node defaults",
        category: Manifest,
        severity: Medium,
        confidence: High,
        summary: "A secret-looking property is in `defaults` instead of `credentials`.",
        cwe: [312],
        owasp: ["A02:2021"],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports HTTP routes a node adds to the admin (or public) HTTP server without the `RED.auth.needsPermission(...)` middleware.
    ///
    /// ## Why is this bad?
    /// Admin routes run with editor privileges; without the middleware any user who can reach the editor port (or anyone, when adminAuth is off for the route) can call them.
    ///
    /// ## Example
    /// ```js
    /// RED.httpAdmin.post('/acme/run', (req, res) => { ... });
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// RED.httpAdmin.post('/acme/run', RED.auth.needsPermission('acme.write'), handler);
    /// ```
    ///
    /// ## References
    /// - [CWE-306](https://cwe.mitre.org/data/definitions/306.html)
    /// - [CWE-862](https://cwe.mitre.org/data/definitions/862.html)
    /// - <https://nodered.org/docs/user-guide/runtime/securing-node-red>
    pub static ROUTE_WITHOUT_PERMISSION = {
        id: "node-red/route-without-permission",
        title: "Node-RED HTTP route without permission check",
        category: Capability,
        severity: High,
        confidence: High,
        summary: "`RED.httpAdmin`/`RED.httpNode` route registered without `RED.auth.needsPermission`.",
        cwe: [306, 862],
        owasp: ["A01:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports Forge `permissions.content` entries that disable Custom UI content-security-policy protections.
    ///
    /// ## Why is this bad?
    /// `unsafe-eval` lets injected strings run as code; `unsafe-inline` removes the main defence against XSS in the app's iframe, which holds the user's product session.
    ///
    /// ## Example
    /// ```yaml
    /// permissions:
    ///   content:
    ///     scripts:
    ///       - unsafe-eval
    /// ```
    ///
    /// ## Use instead
    /// Remove the entry; bundle code instead of evaluating it and move inline scripts to files.
    ///
    /// ## References
    /// - [CWE-79](https://cwe.mitre.org/data/definitions/79.html)
    /// - [CWE-95](https://cwe.mitre.org/data/definitions/95.html)
    /// - <https://developer.atlassian.com/platform/forge/manifest-reference/permissions/>
    pub static UNSAFE_CSP = {
        id: "forge/unsafe-csp",
        title: "Forge content permissions relax the CSP",
        category: Capability,
        severity: High,
        confidence: High,
        summary: "`permissions.content.scripts`/`styles` contain `unsafe-eval` or `unsafe-inline`.",
        cwe: [79, 95],
        owasp: ["A05:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports input properties of a control whose names say they hold a key or token.
    ///
    /// ## Why is this bad?
    /// Property values are stored in the form/app definition and shipped to every client browser; a key there is readable by all users.
    ///
    /// ## Example
    /// ```xml
    /// <property name="mapsApiKey" of-type="SingleLine.Text" usage="input" />
    /// ```
    ///
    /// ## Use instead
    /// Call the service through a server-side connector or custom API that holds the key.
    ///
    /// ## References
    /// - [CWE-522](https://cwe.mitre.org/data/definitions/522.html)
    /// - <https://learn.microsoft.com/power-apps/developer/component-framework/manifest-schema-reference/property>
    pub static SECRET_INPUT_PROPERTY = {
        id: "pcf/secret-input-property",
        title: "PCF control takes a secret as a plain property",
        category: Manifest,
        severity: Medium,
        confidence: High,
        summary: "A secret-looking `<property usage=\"input\">` of a PCF control.",
        cwe: [522],
        owasp: ["A02:2021"],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports controls that list external domains while declaring that they use no external service.
    ///
    /// ## Why is this bad?
    /// The declaration is a licensing flag, not enforcement: the control can still call the domains while appearing not to.
    ///
    /// ## Example
    /// ```xml
    /// <external-service-usage enabled="false"><domain>maps.example.com</domain></external-service-usage>
    /// ```
    ///
    /// ## Use instead
    /// Set `enabled="true"` when the control calls the domains, or remove them.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/power-apps/developer/component-framework/manifest-schema-reference/external-service-usage>
    pub static EXTERNAL_SERVICE_DISABLED = {
        id: "pcf/external-service-disabled",
        title: "PCF lists domains with external-service-usage disabled",
        category: Manifest,
        severity: Low,
        confidence: High,
        summary: "`<external-service-usage enabled=\"false\">` still lists domains.",
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Recomputes the SHA-256 of every file MANIFEST.txt lists and compares.
    ///
    /// ## Why is this bad?
    /// A mismatch means the plugin was modified after signing; Grafana refuses to load it unless unsigned plugins are allowed, which is exactly when a tampered plugin gets in.
    ///
    /// ## Example
    /// ```js
    /// MANIFEST.txt: "module.js": "3b1c…"   actual: "9f00…"
    /// ```
    ///
    /// ## Use instead
    /// Rebuild and re-sign the plugin (`npx @grafana/sign-plugin`); never edit a signed build.
    ///
    /// ## References
    /// - [CWE-345](https://cwe.mitre.org/data/definitions/345.html)
    /// - [CWE-494](https://cwe.mitre.org/data/definitions/494.html)
    /// - <https://grafana.com/developers/plugin-tools/publish-a-plugin/sign-a-plugin>
    pub static MANIFEST_HASH_MISMATCH = {
        id: "grafana/manifest-hash-mismatch",
        title: "Grafana plugin file does not match MANIFEST.txt",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "A file's SHA-256 differs from the signed MANIFEST.txt, or a listed file is missing.",
        cwe: [345, 494],
        owasp: ["A08:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports files next to a signed plugin that MANIFEST.txt does not list.
    ///
    /// ## Why is this bad?
    /// Unlisted files are not covered by the signature and can be added after signing.
    ///
    /// ## Example
    /// ```js
    /// dist/extra.js (not in MANIFEST.txt)
    /// ```
    ///
    /// ## Use instead
    /// Sign the plugin after the final build, or remove the file.
    ///
    /// ## References
    /// - [CWE-345](https://cwe.mitre.org/data/definitions/345.html)
    /// - <https://grafana.com/developers/plugin-tools/publish-a-plugin/sign-a-plugin>
    pub static UNSIGNED_FILE = {
        id: "grafana/unsigned-file",
        title: "Grafana plugin contains a file not covered by MANIFEST.txt",
        category: SupplyChain,
        severity: Medium,
        confidence: High,
        summary: "A file in the plugin directory is not listed in the signed manifest.",
        cwe: [345],
        owasp: ["A08:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports `routes[]` of plugin.json without an access requirement.
    ///
    /// ## Why is this bad?
    /// Any signed-in viewer can call the route through the data-source proxy, which injects the data source's secret credentials on their behalf.
    ///
    /// ## Example
    /// ```json
    /// { "path": "admin", "url": "{{ .JsonData.url }}/admin" }
    /// ```
    ///
    /// ## Use instead
    /// Add `"reqRole": "Admin"` or `"reqAction"` to routes that change data or expose secrets.
    ///
    /// ## References
    /// - [CWE-862](https://cwe.mitre.org/data/definitions/862.html)
    /// - <https://grafana.com/developers/plugin-tools/how-to-guides/data-source-plugins/add-authentication-for-data-source-plugins>
    pub static ROUTE_WITHOUT_ROLE = {
        id: "grafana/route-without-role",
        title: "Grafana proxy route without role or action",
        category: Capability,
        severity: Low,
        confidence: High,
        summary: "A plugin route has neither `reqRole` nor `reqAction`.",
        cwe: [862],
        owasp: ["A01:2021"],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports route headers/params templated from `{{ .JsonData.x }}` where `x` looks like a secret.
    ///
    /// ## Why is this bad?
    /// `jsonData` is stored unencrypted and returned to every browser that loads the data source; secrets belong in `secureJsonData`.
    ///
    /// ## Example
    /// ```json
    /// { "name": "Authorization", "content": "Bearer {{ .JsonData.apiKey }}" }
    /// ```
    ///
    /// ## Use instead
    /// Use `{{ .SecureJsonData.apiKey }}` and store the value as a secure field.
    ///
    /// ## References
    /// - [CWE-312](https://cwe.mitre.org/data/definitions/312.html)
    pub static SECRET_IN_JSON_DATA = {
        id: "grafana/secret-in-json-data",
        title: "Grafana route injects a secret from jsonData",
        category: Manifest,
        severity: Medium,
        confidence: High,
        summary: "A route header or parameter takes a secret-looking value from `.JsonData`.",
        cwe: [312],
        owasp: ["A02:2021"],
        signals: [Hygiene],
    }
}

/// Every rule of this crate, in declaration order.
pub static RULES: &[&Rule] = &[
    &INVALID_JSON,
    &INVALID_YAML,
    &INVALID_XML,
    &INVALID_FIELD,
    &MISSING_ENTRY_POINT,
    &NO_RUNTIME_DEPENDENCIES,
    &RESTRICTED_IMPORT,
    &RESTRICTED_GLOBAL,
    &CREDENTIAL_REUSE,
    &MISSING_COMMUNITY_KEYWORD,
    &CREDENTIAL_PASSWORD_FIELD,
    &SECRET_NODE_PARAMETER,
    &CREDENTIALS_MISMATCH,
    &SECRET_IN_DEFAULTS,
    &ROUTE_WITHOUT_PERMISSION,
    &UNSAFE_CSP,
    &SECRET_INPUT_PROPERTY,
    &EXTERNAL_SERVICE_DISABLED,
    &MANIFEST_HASH_MISMATCH,
    &UNSIGNED_FILE,
    &ROUTE_WITHOUT_ROLE,
    &SECRET_IN_JSON_DATA,
];

/// A finding of `rule` with the rule's category, CWEs, signals and fix; `severity`
/// overrides the rule's default (some occurrences are worse than others).
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

/// Every rule the adapters can report.
pub fn rules() -> &'static [&'static Rule] {
    RULES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_documented() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for r in RULES {
            assert!(r.id.contains('/'));
            assert!(r.section("Why is this bad?").is_some(), "{}", r.id);
            assert!(r.section("Use instead").is_some(), "{}", r.id);
        }
    }
}
