//! Which findings are *incidental*: located in files that do not run when the extension
//! runs — tests, fixtures, examples, documentation, READMEs and locale (translation) files.
//!
//! A finding there is still reported and cited, but it never decides a reject on its own:
//! a test's fake token, a README's `exec(userInput)` example or a locale string that looks
//! like a password say nothing about what the platform will execute. The default policies
//! send such a package to review only when an incidental finding would have rejected it.

/// Whether `path` (package-relative, `/`-separated) is a test, fixture, example, docs,
/// README/changelog or locale file.
pub fn is_incidental_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut segments = lower.split('/').filter(|s| !s.is_empty()).peekable();
    let mut file = "";
    while let Some(seg) = segments.next() {
        if segments.peek().is_none() {
            file = seg;
            break;
        }
        if INCIDENTAL_DIRS.contains(&seg) {
            return true;
        }
    }
    if file.is_empty() {
        return false;
    }
    let (stem, ext) = file.split_once('.').unwrap_or((file, ""));
    // `SECURITY.md` is documentation; `lib/security.js` is code.
    if DOC_STEMS.contains(&stem) && matches!(ext, "" | "md" | "txt" | "rst" | "markdown") {
        return true;
    }
    if [".md", ".markdown", ".rst", ".adoc"]
        .iter()
        .any(|x| file.ends_with(x))
    {
        return true;
    }
    [".test.", ".spec.", "_test.", ".stories.", ".e2e."]
        .iter()
        .any(|m| file.contains(m))
}

/// Directory names whose contents never run with the extension.
const INCIDENTAL_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "__test__",
    "spec",
    "specs",
    "__mocks__",
    "__fixtures__",
    "fixtures",
    "fixture",
    "testdata",
    "test-data",
    "example",
    "examples",
    "demo",
    "demos",
    "docs",
    "doc",
    "locale",
    "locales",
    "i18n",
    "l10n",
    "translations",
];

/// File stems of documentation (`README.md`, `CHANGELOG`, `HISTORY.txt`, …).
const DOC_STEMS: &[&str] = &[
    "readme",
    "changelog",
    "changes",
    "history",
    "contributing",
    "security",
    "code_of_conduct",
    "authors",
];

#[cfg(test)]
mod tests {
    use super::is_incidental_path;

    #[test]
    fn tests_examples_docs_and_locales_are_incidental() {
        for p in [
            "test/fixtures/token.js",
            "packages/core/__tests__/exec.js",
            "src/api.test.ts",
            "lib/client.spec.js",
            "examples/send-mail.js",
            "docs/usage.js",
            "README.md",
            "node_modules/moment/locale/fr.js",
            "dist/i18n/de.json",
            "CHANGELOG",
            "guide.markdown",
        ] {
            assert!(is_incidental_path(p), "{p}");
        }
    }

    #[test]
    fn shipped_code_is_not_incidental() {
        for p in [
            "index.js",
            "dist/nodes/Acme/Acme.node.js",
            "lib/testing-utils.js",
            "src/latest.js",
            "package.json",
            "scripts/postinstall.js",
            "lib/locale-utils.js",
            "lib/security.js",
            "lib/history.js",
            "",
        ] {
            assert!(!is_incidental_path(p), "{p}");
        }
    }
}
