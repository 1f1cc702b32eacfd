//! Where a secret sits, beyond its own bytes: platform structures that export it, test and
//! example paths, file kinds.

use portcullis_core::FileKind;

/// Why a secret's severity is raised: the platform copies it out of the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exported {
    /// The `default` of a password-typed property of an n8n credential class: every workflow
    /// export and every new credential carries it.
    N8nCredentialDefault,
    /// A Node-RED node `defaults` entry: it is stored in the flow JSON (not in the encrypted
    /// credentials file) and leaves with every exported flow.
    NodeRedDefault,
}

impl Exported {
    pub fn as_str(self) -> &'static str {
        match self {
            Exported::N8nCredentialDefault => "n8n-credential-default",
            Exported::NodeRedDefault => "node-red-node-default",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Exported::N8nCredentialDefault => {
                "the value is the default of a password-typed property of an n8n credential \
                 type: it is pre-filled into every credential users create and leaks with \
                 exported workflows"
            }
            Exported::NodeRedDefault => {
                "the value is a Node-RED node `defaults` entry: it is stored in plain text in \
                 the flow JSON and leaks with every exported flow (secrets belong in the \
                 node's `credentials`)"
            }
        }
    }
}

fn window(text: &str, start: usize, before: usize, after: usize) -> &str {
    let mut a = start.saturating_sub(before);
    while a > 0 && !text.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = start.saturating_add(after).min(text.len());
    while b < text.len() && !text.is_char_boundary(b) {
        b += 1;
    }
    text.get(a..b).unwrap_or("")
}

/// The line around `pos`, but at most `LINE_REACH` bytes either side (minified bundles
/// have megabyte lines; the context that matters is near the secret).
fn line_around(text: &str, pos: usize) -> &str {
    const LINE_REACH: usize = 2000;
    let pos = pos.min(text.len());
    let bytes = text.as_bytes();
    let lo = pos.saturating_sub(LINE_REACH);
    let hi = pos.saturating_add(LINE_REACH).min(text.len());
    let start = bytes
        .get(lo..pos)
        .and_then(|b| memchr::memrchr(b'\n', b))
        .map_or(lo, |i| lo + i + 1);
    let end = bytes
        .get(pos..hi)
        .and_then(|b| memchr::memchr(b'\n', b))
        .map_or(hi, |i| pos + i);
    window(text, start, 0, end.saturating_sub(start))
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\'' && *c != '"')
        .collect()
}

/// Per-file facts [`exported`] needs, computed once per file (not once per secret, which
/// would make a file with many secrets quadratic).
#[derive(Debug, Clone, Copy)]
pub struct FileFacts {
    is_code: bool,
    n8n_credential: bool,
    node_red: bool,
}

impl FileFacts {
    pub fn new(path: &str, text: &str) -> FileFacts {
        let is_code = path.ends_with(".js") || path.ends_with(".ts") || path.ends_with(".html");
        FileFacts {
            is_code,
            n8n_credential: is_code
                && (path.ends_with(".credentials.ts")
                    || path.ends_with(".credentials.js")
                    || text.contains("ICredentialType")),
            node_red: is_code && text.contains("registerType"),
        }
    }
}

/// Whether the secret at byte `pos` of `text` is exported by its platform.
pub fn exported(facts: FileFacts, text: &str, pos: usize) -> Option<Exported> {
    if !facts.is_code {
        return None;
    }
    let line = line_around(text, pos);
    if facts.n8n_credential && compact(line).contains("default:") {
        let around = compact(window(text, pos, 600, 400));
        if around.contains("typeOptions:{password:true") {
            return Some(Exported::N8nCredentialDefault);
        }
    }
    if facts.node_red && compact(line).contains("value:") {
        let before = window(text, pos, 3000, 0);
        if before.contains("defaults") {
            return Some(Exported::NodeRedDefault);
        }
    }
    None
}

/// A package manager's own code vendored into the package (Yarn Berry's `.yarn/releases/`
/// and plugins, the Plug'n'Play loader): not the extension's code, and full of prompt and
/// option strings named `password`/`token`.
pub fn is_vendored_tool(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p.contains(".yarn/releases/")
        || p.contains(".yarn/plugins/")
        || p.contains(".yarn/sdks/")
        || p.ends_with(".pnp.cjs")
        || p.ends_with(".pnp.js")
        || p.ends_with(".pnp.loader.mjs")
}

/// Files whose values under credential-named keys are never credentials: build caches
/// (`.tsbuildinfo`: content hashes named `signature`), style sheets
/// (`input[type=password]`).
pub fn is_build_or_style_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.ends_with(".tsbuildinfo")
        || [".css", ".scss", ".sass", ".less", ".styl"]
            .iter()
            .any(|e| name.ends_with(e))
}

/// Translation files (`locales/de/x.json`): the value of `"password"` is the word for
/// "password" in another language, so only values shaped like generated keys count.
pub fn is_locale_file(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    let name = p.rsplit('/').next().unwrap_or(&p);
    let translation = [".json", ".yml", ".yaml", ".properties", ".po", ".js", ".ts"]
        .iter()
        .any(|e| name.ends_with(e));
    translation
        && p.split('/').any(|seg| {
            matches!(
                seg,
                "locales" | "locale" | "i18n" | "l10n" | "lang" | "langs" | "translations" | "nls"
            )
        })
}

/// The bundled dependency a path belongs to: the package after the last `node_modules/`
/// (`smtp-server`, `@scope/name`); `None` outside `node_modules/`.
pub fn bundled_dependency(path: &str) -> Option<&str> {
    let (_, rest) = path.rsplit_once("node_modules/")?;
    let mut parts = rest.splitn(3, '/');
    let first = parts.next().filter(|p| !p.is_empty())?;
    if first.starts_with('@') {
        let second = parts.next().filter(|p| !p.is_empty())?;
        // A file directly under `node_modules/@scope/` is no package's.
        parts.next()?;
        rest.get(..first.len() + 1 + second.len())
    } else {
        parts.next()?;
        Some(first)
    }
}

/// Words that mark a key as made for tests or local development.
const TEST_KEY_MARKERS: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "self-signed",
    "selfsigned",
    "self signed",
    "snakeoil",
    "for testing",
    "test key",
    "test certificate",
    "testing only",
    "not for production",
    "do not use in production",
];

/// A private key at byte `pos` that a bundled dependency ships for its own tests or as its
/// localhost TLS default: the file is inside `node_modules/<dep>/` and either is a test or
/// example file, or the key's surroundings (its file, within a few kilobytes) say it is a
/// localhost / self-signed / test key.
pub fn bundled_dependency_test_key(path: &str, is_test: bool, text: &str, pos: usize) -> bool {
    if bundled_dependency(path).is_none() {
        return false;
    }
    if is_test {
        return true;
    }
    let around = window(text, pos, 4000, 20_000).to_ascii_lowercase();
    TEST_KEY_MARKERS.iter().any(|m| around.contains(m))
}

/// Source code, where a bare value after `key =` is an expression, not a literal.
pub fn is_code(path: &str, kind: FileKind) -> bool {
    if matches!(
        kind,
        FileKind::JavaScript
            | FileKind::TypeScript
            | FileKind::TypeDeclaration
            | FileKind::Html
            | FileKind::SourceMap
    ) {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "vue"
            | "svelte"
            | "py"
            | "rb"
            | "php"
            | "java"
            | "kt"
            | "go"
            | "cs"
            | "swift"
            | "rs"
            | "c"
            | "h"
            | "cc"
            | "cpp"
            | "hpp"
            | "scala"
            | "groovy"
            | "dart"
            | "lua"
            | "pl"
            | "ex"
            | "exs"
            | "erl"
            | "clj"
            | "coffee"
            | "hbs"
            | "ejs"
            | "pug"
            | "jsp"
            | "asp"
            | "aspx"
            | "razor"
            | "cshtml"
    )
}

/// Configuration-like files, where unquoted `KEY=value` assignments are meaningful.
pub fn is_config_file(path: &str, kind: FileKind) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    matches!(kind, FileKind::Yaml | FileKind::Toml)
        || name.starts_with(".env")
        || name.ends_with(".env")
        || name == ".npmrc"
        || name == ".yarnrc"
        || name == ".pypirc"
        || name == ".netrc"
        || [
            ".properties",
            ".ini",
            ".conf",
            ".cfg",
            ".yml",
            ".yaml",
            ".toml",
            ".sh",
        ]
        .iter()
        .any(|e| name.ends_with(e))
}

/// File kind from a path, for blobs that did not come through ingest (git history).
pub fn kind_from_path(path: &str) -> FileKind {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if matches!(
        name.as_str(),
        "package-lock.json"
            | "npm-shrinkwrap.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | "bun.lock"
            | "poetry.lock"
            | "cargo.lock"
            | "composer.lock"
            | "gemfile.lock"
    ) {
        return FileKind::Lockfile;
    }
    let ext = name.rsplit('.').next().unwrap_or("");
    if name.ends_with(".d.ts") {
        return FileKind::TypeDeclaration;
    }
    match ext {
        "js" | "mjs" | "cjs" | "jsx" => FileKind::JavaScript,
        "ts" | "mts" | "cts" | "tsx" => FileKind::TypeScript,
        "html" | "htm" => FileKind::Html,
        "json" => FileKind::Json,
        "yml" | "yaml" => FileKind::Yaml,
        "xml" => FileKind::Xml,
        "toml" => FileKind::Toml,
        "md" | "markdown" => FileKind::Markdown,
        "map" => FileKind::SourceMap,
        _ => FileKind::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n8n_credential_default_is_exported() {
        let src = "export class AcmeApi implements ICredentialType {\n  name = 'acmeApi';\n  properties: INodeProperties[] = [\n    {\n      displayName: 'API Key',\n      name: 'apiKey',\n      type: 'string',\n      typeOptions: { password: true },\n      default: 'Zq81mXpL0rT6vW3yB9nC4kD7',\n    },\n  ];\n}\n";
        let pos = src.find("Zq81").unwrap();
        let path = "credentials/AcmeApi.credentials.ts";
        assert_eq!(
            exported(FileFacts::new(path, src), src, pos),
            Some(Exported::N8nCredentialDefault)
        );
        // The same value as a plain string elsewhere is not exported.
        let other = "const k = 'Zq81mXpL0rT6vW3yB9nC4kD7';\n";
        let path = "nodes/Acme.node.ts";
        assert_eq!(exported(FileFacts::new(path, other), other, 11), None);
    }

    #[test]
    fn bundled_dependency_names() {
        assert_eq!(
            bundled_dependency("node_modules/smtp-server/lib/tls-options.js"),
            Some("smtp-server")
        );
        assert_eq!(
            bundled_dependency("x/node_modules/a/node_modules/@acme/tls/k.js"),
            Some("@acme/tls")
        );
        assert_eq!(bundled_dependency("node_modules/@acme/k.js"), None);
        assert_eq!(bundled_dependency("lib/tls.js"), None);
    }

    #[test]
    fn node_red_defaults_are_exported() {
        let src = "module.exports = function(RED) {\n  RED.nodes.registerType('acme', Acme, {\n    defaults: {\n      name: { value: '' },\n      apiKey: { value: 'Zq81mXpL0rT6vW3yB9nC4kD7' }\n    }\n  });\n};\n";
        let pos = src.find("Zq81").unwrap();
        assert_eq!(
            exported(FileFacts::new("acme.js", src), src, pos),
            Some(Exported::NodeRedDefault)
        );
    }
}
