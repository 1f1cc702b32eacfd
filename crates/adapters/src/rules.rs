//! Metadata of every rule the adapters report (`manifest/…` and the platform rules).

use portcullis_core::{Category, RuleMeta, Severity};

struct R {
    id: &'static str,
    name: &'static str,
    category: Category,
    severity: Severity,
    short: &'static str,
    what: &'static str,
    why: &'static str,
    example: &'static str,
    fix: &'static str,
    cwe: &'static [u32],
    refs: &'static [&'static str],
}

fn meta(r: &R) -> RuleMeta {
    let mut help = format!(
        "## What it does\n{}\n\n## Why is this bad?\n{}\n\n## Example\n```\n{}\n```\n\nUse instead:\n{}\n\n## References\n",
        r.what, r.why, r.example, r.fix
    );
    for c in r.cwe {
        help.push_str(&format!(
            "- [CWE-{c}](https://cwe.mitre.org/data/definitions/{c}.html)\n"
        ));
    }
    for u in r.refs {
        help.push_str(&format!("- <{u}>\n"));
    }
    RuleMeta {
        id: r.id.to_string(),
        name: r.name.to_string(),
        category: r.category,
        default_severity: r.severity,
        short_description: r.short.to_string(),
        help,
        cwe: r.cwe.to_vec(),
        references: r.refs.iter().map(|s| s.to_string()).collect(),
    }
}

const N8N_LINT: &str = "https://www.npmjs.com/package/@n8n/eslint-plugin-community-nodes";
const N8N_VERIFY: &str =
    "https://docs.n8n.io/integrations/creating-nodes/build/reference/verification-guidelines/";

const RULES: &[R] = &[
    R {
        id: "manifest/invalid-json",
        name: "Manifest is not valid JSON",
        category: Category::Manifest,
        severity: Severity::Medium,
        short: "A JSON manifest (package.json, plugin.json) does not parse.",
        what: "Reports a JSON manifest that is not valid JSON, with the line and column of the error.",
        why: "The platform may read the file differently (or refuse it), so what Portcullis checks is not what gets installed; a malformed manifest can also be an attempt to hide declarations from scanners.",
        example: "{ \"name\": \"n8n-nodes-acme\", \"n8n\": { \"nodes\": [\"dist/A.node.js\",] } }",
        fix: "Make the file valid JSON (no trailing commas, no comments).",
        cwe: &[20],
        refs: &["https://www.rfc-editor.org/rfc/rfc8259"],
    },
    R {
        id: "manifest/invalid-yaml",
        name: "Manifest is not valid YAML",
        category: Category::Manifest,
        severity: Severity::Medium,
        short: "A YAML manifest (Forge manifest.yml) does not parse.",
        what: "Reports a YAML manifest that does not parse, with the line and column of the error.",
        why: "Forge refuses to deploy an invalid manifest, and a scanner that cannot read the permissions cannot check them.",
        example: "permissions:\n  scopes:\n    - read:jira-work\n   - storage:app",
        fix: "Fix the indentation or syntax; validate with `forge lint`.",
        cwe: &[20],
        refs: &["https://developer.atlassian.com/platform/forge/manifest-reference/"],
    },
    R {
        id: "manifest/invalid-xml",
        name: "Manifest is not valid XML",
        category: Category::Manifest,
        severity: Severity::Medium,
        short: "A PCF ControlManifest.Input.xml does not parse.",
        what: "Reports an XML manifest that does not parse (DTDs are refused), with the position of the error.",
        why: "The declared external services and features cannot be checked; DTDs in particular are an XXE vector in tooling that reads the file.",
        example: "<manifest><control namespace=\"Acme\" constructor=\"Map\"></manifest>",
        fix: "Make the file well-formed XML without a DOCTYPE.",
        cwe: &[20, 611],
        refs: &[
            "https://learn.microsoft.com/power-apps/developer/component-framework/manifest-schema-reference/",
        ],
    },
    R {
        id: "manifest/invalid-field",
        name: "Manifest field has the wrong shape",
        category: Category::Manifest,
        severity: Severity::Low,
        short: "A platform manifest field is present but has an unexpected type.",
        what: "Reports a known manifest field whose value has the wrong type (e.g. `n8n.nodes` not an array).",
        why: "The platform either ignores the field or fails at load time; either way the declaration Portcullis reads is not the one that takes effect.",
        example: "\"n8n\": { \"nodes\": \"dist/Acme.node.js\" }",
        fix: "Use the shape the platform documents (e.g. an array of paths).",
        cwe: &[20],
        refs: &[],
    },
    R {
        id: "manifest/missing-entry-point",
        name: "Declared entry point is missing",
        category: Category::Manifest,
        severity: Severity::Low,
        short: "A file the manifest declares as code is not in the package.",
        what: "Reports node, credential, function or code files the manifest names that are not present (neither the compiled file nor its TypeScript source).",
        why: "The package is broken or was published from a different build than its sources; the code the platform will load was not scanned.",
        example: "\"n8n\": { \"nodes\": [\"dist/nodes/Acme/Acme.node.js\"] }   // file not in the tarball",
        fix: "Build before publishing (`npm run build`) and include the files in `files`.",
        cwe: &[1104],
        refs: &[],
    },
    R {
        id: "n8n/no-runtime-dependencies",
        name: "n8n community node has runtime dependencies",
        category: Category::SupplyChain,
        severity: Severity::Medium,
        short: "Verified n8n community nodes must not declare runtime `dependencies`.",
        what: "Reports each entry of `dependencies` in an n8n community node package.",
        why: "n8n installs community nodes into its own process; every runtime dependency is unreviewed code running with full access to all workflow credentials. n8n's verification rules forbid them.",
        example: "\"dependencies\": { \"axios\": \"^1.6.0\" }",
        fix: "Use `this.helpers.httpRequest` and the allow-listed modules; move build tools to `devDependencies`.",
        cwe: &[1357],
        refs: &[N8N_LINT, N8N_VERIFY],
    },
    R {
        id: "n8n/restricted-import",
        name: "n8n community node imports a restricted module",
        category: Category::Code,
        severity: Severity::Medium,
        short: "Imports outside n8n's allow-list (n8n-workflow, lodash, luxon, zod, crypto, …).",
        what: "Reports imports and `require` calls of modules outside the n8n community-node allow-list, and dynamic `require`/`import` of computed names. Node built-ins that reach the OS (`child_process`, `fs`, `net`, `vm`, `worker_threads`) are high severity.",
        why: "A node runs inside the n8n process with access to every credential; OS-level modules let it read the host, spawn processes or open sockets the platform cannot see.",
        example: "import { execSync } from 'child_process';",
        fix: "Use n8n helpers (`this.helpers.httpRequest`, binary-data helpers) and allow-listed modules only.",
        cwe: &[829],
        refs: &[N8N_LINT],
    },
    R {
        id: "n8n/restricted-global",
        name: "n8n community node uses a restricted global",
        category: Category::Code,
        severity: Severity::Low,
        short: "Use of `process`, `globalThis`, timers, `__dirname`, `eval`, … in a community node.",
        what: "Reports references to globals n8n's community-node lint forbids.",
        why: "`process.env` exposes the host's secrets (including n8n's own encryption key); `globalThis` and timers let a node outlive or tamper with the workflow engine.",
        example: "const key = process.env.N8N_ENCRYPTION_KEY;",
        fix: "Take configuration from node parameters or credentials.",
        cwe: &[526],
        refs: &[N8N_LINT],
    },
    R {
        id: "n8n/credential-reuse",
        name: "n8n node uses a credential type it does not define",
        category: Category::Capability,
        severity: Severity::Medium,
        short: "A node requests a credential type that is neither in its package nor a generic n8n one.",
        what: "Reports `description.credentials[].name` values that no credential class in the package defines and that are not n8n's generic HTTP credential types.",
        why: "A community node that asks for another integration's credential (e.g. `slackApi`) can read the user's token for that service and send it anywhere.",
        example: "credentials: [{ name: 'googleSheetsOAuth2Api', required: true }]",
        fix: "Define your own credential class in the package and reference it.",
        cwe: &[522],
        refs: &[N8N_LINT],
    },
    R {
        id: "n8n/missing-community-keyword",
        name: "n8n package lacks the community-node keyword",
        category: Category::Manifest,
        severity: Severity::Info,
        short: "package.json `keywords` lacks `n8n-community-node-package`.",
        what: "Reports n8n node packages whose keywords do not include `n8n-community-node-package`.",
        why: "n8n only lists packages with the keyword; a package declaring an `n8n` section without it is unusual (a typo-squat or a private fork).",
        example: "\"keywords\": [\"n8n\"]",
        fix: "Add `n8n-community-node-package` to `keywords`.",
        cwe: &[],
        refs: &[N8N_VERIFY],
    },
    R {
        id: "n8n/credential-password-field",
        name: "Secret credential field is not masked",
        category: Category::Secret,
        severity: Severity::Medium,
        short: "A credential property that holds a secret lacks `typeOptions: { password: true }`.",
        what: "Reports credential-class properties whose name says they hold a secret (token, key, password) but that are not marked as password fields.",
        why: "Unmasked fields are shown in clear text in the editor and in screenshots and screen shares.",
        example: "{ displayName: 'API Key', name: 'apiKey', type: 'string', default: '' }",
        fix: "Add `typeOptions: { password: true }` to the property.",
        cwe: &[549],
        refs: &[N8N_LINT],
    },
    R {
        id: "n8n/secret-node-parameter",
        name: "Secret taken as a plain node parameter",
        category: Category::Secret,
        severity: Severity::Medium,
        short: "A node parameter that holds a secret instead of a credential.",
        what: "Reports node `description.properties` entries whose names say they hold a secret (API key, token, password) and that are neither masked nor a credential.",
        why: "Node parameters are saved in the workflow JSON in clear text, exported and shared with the workflow, and shown in execution logs; credentials are encrypted with the instance key and never exported.",
        example: "{ displayName: 'API Key', name: 'apiKey', type: 'string', default: '' }   // in the node, not a credential class",
        fix: "Move the value into a credential class and reference it in `description.credentials`.",
        cwe: &[312, 522],
        refs: &[N8N_VERIFY],
    },
    R {
        id: "node-red/credentials-mismatch",
        name: "Node-RED runtime and editor credentials differ",
        category: Category::Capability,
        severity: Severity::Medium,
        short: "`registerType` credentials in the runtime `.js` and the editor `.html` do not match.",
        what: "Compares the `credentials` of `RED.nodes.registerType` in the runtime file with those in the editor HTML for the same node type.",
        why: "A credential only the editor declares is saved into the plain `flows.json` instead of the encrypted `flows_cred.json`; one only the runtime declares is never configured and the node falls back to something else.",
        example: "// acme.html\ncredentials: { apiKey: { type: 'password' } }\n// acme.js\nRED.nodes.registerType('acme', Acme);  // no credentials",
        fix: "Declare the same credentials object on both sides.",
        cwe: &[312],
        refs: &["https://nodered.org/docs/creating-nodes/credentials"],
    },
    R {
        id: "node-red/secret-in-defaults",
        name: "Secret kept in Node-RED node defaults",
        category: Category::Secret,
        severity: Severity::High,
        short: "A secret-looking property is in `defaults` instead of `credentials`.",
        what: "Reports editor `defaults` keys whose names say they hold a secret.",
        why: "`defaults` are stored in `flows.json` in clear text and exported with every flow that is shared; only `credentials` are encrypted and stripped on export.",
        example: "defaults: { name: { value: '' }, apiKey: { value: '' } }",
        fix: "Move the field to `credentials: { apiKey: { type: 'password' } }` on both sides.",
        cwe: &[312],
        refs: &["https://nodered.org/docs/creating-nodes/credentials"],
    },
    R {
        id: "node-red/route-without-permission",
        name: "Node-RED HTTP route without permission check",
        category: Category::Capability,
        severity: Severity::High,
        short: "`RED.httpAdmin`/`RED.httpNode` route registered without `RED.auth.needsPermission`.",
        what: "Reports HTTP routes a node adds to the admin (or public) HTTP server without the `RED.auth.needsPermission(...)` middleware.",
        why: "Admin routes run with editor privileges; without the middleware any user who can reach the editor port (or anyone, when adminAuth is off for the route) can call them.",
        example: "RED.httpAdmin.post('/acme/run', (req, res) => { ... });",
        fix: "RED.httpAdmin.post('/acme/run', RED.auth.needsPermission('acme.write'), handler);",
        cwe: &[306, 862],
        refs: &["https://nodered.org/docs/user-guide/runtime/securing-node-red"],
    },
    R {
        id: "forge/unsafe-csp",
        name: "Forge content permissions relax the CSP",
        category: Category::Capability,
        severity: Severity::High,
        short: "`permissions.content.scripts`/`styles` contain `unsafe-eval` or `unsafe-inline`.",
        what: "Reports Forge `permissions.content` entries that disable Custom UI content-security-policy protections.",
        why: "`unsafe-eval` lets injected strings run as code; `unsafe-inline` removes the main defence against XSS in the app's iframe, which holds the user's product session.",
        example: "permissions:\n  content:\n    scripts:\n      - unsafe-eval",
        fix: "Remove the entry; bundle code instead of evaluating it and move inline scripts to files.",
        cwe: &[79, 95],
        refs: &["https://developer.atlassian.com/platform/forge/manifest-reference/permissions/"],
    },
    R {
        id: "pcf/secret-input-property",
        name: "PCF control takes a secret as a plain property",
        category: Category::Secret,
        severity: Severity::Medium,
        short: "A secret-looking `<property usage=\"input\">` of a PCF control.",
        what: "Reports input properties of a control whose names say they hold a key or token.",
        why: "Property values are stored in the form/app definition and shipped to every client browser; a key there is readable by all users.",
        example: "<property name=\"mapsApiKey\" of-type=\"SingleLine.Text\" usage=\"input\" />",
        fix: "Call the service through a server-side connector or custom API that holds the key.",
        cwe: &[522],
        refs: &[
            "https://learn.microsoft.com/power-apps/developer/component-framework/manifest-schema-reference/property",
        ],
    },
    R {
        id: "pcf/external-service-disabled",
        name: "PCF lists domains with external-service-usage disabled",
        category: Category::Manifest,
        severity: Severity::Low,
        short: "`<external-service-usage enabled=\"false\">` still lists domains.",
        what: "Reports controls that list external domains while declaring that they use no external service.",
        why: "The declaration is a licensing flag, not enforcement: the control can still call the domains while appearing not to.",
        example: "<external-service-usage enabled=\"false\"><domain>maps.example.com</domain></external-service-usage>",
        fix: "Set `enabled=\"true\"` when the control calls the domains, or remove them.",
        cwe: &[],
        refs: &[
            "https://learn.microsoft.com/power-apps/developer/component-framework/manifest-schema-reference/external-service-usage",
        ],
    },
    R {
        id: "grafana/manifest-hash-mismatch",
        name: "Grafana plugin file does not match MANIFEST.txt",
        category: Category::SupplyChain,
        severity: Severity::High,
        short: "A file's SHA-256 differs from the signed MANIFEST.txt, or a listed file is missing.",
        what: "Recomputes the SHA-256 of every file MANIFEST.txt lists and compares.",
        why: "A mismatch means the plugin was modified after signing; Grafana refuses to load it unless unsigned plugins are allowed, which is exactly when a tampered plugin gets in.",
        example: "MANIFEST.txt: \"module.js\": \"3b1c…\"   actual: \"9f00…\"",
        fix: "Rebuild and re-sign the plugin (`npx @grafana/sign-plugin`); never edit a signed build.",
        cwe: &[345, 494],
        refs: &["https://grafana.com/developers/plugin-tools/publish-a-plugin/sign-a-plugin"],
    },
    R {
        id: "grafana/unsigned-file",
        name: "Grafana plugin contains a file not covered by MANIFEST.txt",
        category: Category::SupplyChain,
        severity: Severity::Medium,
        short: "A file in the plugin directory is not listed in the signed manifest.",
        what: "Reports files next to a signed plugin that MANIFEST.txt does not list.",
        why: "Unlisted files are not covered by the signature and can be added after signing.",
        example: "dist/extra.js (not in MANIFEST.txt)",
        fix: "Sign the plugin after the final build, or remove the file.",
        cwe: &[345],
        refs: &["https://grafana.com/developers/plugin-tools/publish-a-plugin/sign-a-plugin"],
    },
    R {
        id: "grafana/route-without-role",
        name: "Grafana proxy route without role or action",
        category: Category::Capability,
        severity: Severity::Low,
        short: "A plugin route has neither `reqRole` nor `reqAction`.",
        what: "Reports `routes[]` of plugin.json without an access requirement.",
        why: "Any signed-in viewer can call the route through the data-source proxy, which injects the data source's secret credentials on their behalf.",
        example: "{ \"path\": \"admin\", \"url\": \"{{ .JsonData.url }}/admin\" }",
        fix: "Add `\"reqRole\": \"Admin\"` or `\"reqAction\"` to routes that change data or expose secrets.",
        cwe: &[862],
        refs: &[
            "https://grafana.com/developers/plugin-tools/how-to-guides/data-source-plugins/add-authentication-for-data-source-plugins",
        ],
    },
    R {
        id: "grafana/secret-in-json-data",
        name: "Grafana route injects a secret from jsonData",
        category: Category::Secret,
        severity: Severity::Medium,
        short: "A route header or parameter takes a secret-looking value from `.JsonData`.",
        what: "Reports route headers/params templated from `{{ .JsonData.x }}` where `x` looks like a secret.",
        why: "`jsonData` is stored unencrypted and returned to every browser that loads the data source; secrets belong in `secureJsonData`.",
        example: "{ \"name\": \"Authorization\", \"content\": \"Bearer {{ .JsonData.apiKey }}\" }",
        fix: "Use `{{ .SecureJsonData.apiKey }}` and store the value as a secure field.",
        cwe: &[312],
        refs: &[],
    },
];

/// A finding of rule `id` with the rule's category, CWEs and fix; `severity` overrides the
/// rule's default (some occurrences are worse than others).
pub(crate) fn finding(
    id: &str,
    severity: Option<Severity>,
    message: impl Into<String>,
    location: portcullis_core::Location,
) -> portcullis_core::Finding {
    let Some(r) = RULES.iter().find(|r| r.id == id) else {
        // Only reachable through a typo in this crate; the rules test guards the ids used.
        return portcullis_core::Finding::new(
            id,
            Category::Manifest,
            severity.unwrap_or(Severity::Low),
            message,
            location,
        );
    };
    let mut f = portcullis_core::Finding::new(
        id,
        r.category,
        severity.unwrap_or(r.severity),
        message,
        location,
    )
    .with_remediation(r.fix);
    for c in r.cwe {
        f = f.with_cwe(*c);
    }
    f
}

/// Every rule the adapters can report.
pub fn rules() -> Vec<RuleMeta> {
    RULES.iter().map(meta).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_documented() {
        let rules = rules();
        let mut ids: Vec<_> = rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rules.len());
        for r in &rules {
            assert!(r.id.contains('/'));
            assert!(r.help.contains("## Why is this bad?"), "{}", r.id);
        }
    }
}
