//! Whether a `package.json` `license` is an SPDX expression, with the `spdx` crate's license
//! list and parser (the same model `deps` uses for dependency licenses).
//!
//! npm's rules on top of SPDX: `UNLICENSED` and `SEE LICENSE IN <file>` are accepted. SPDX
//! says license ids match case-insensitively, while the crate's strict mode is
//! case-sensitive, so each id is first mapped to its canonical spelling.

use spdx::{Expression, ParseMode};

/// Longer strings are not licenses; bounds the parser's work on hostile manifests.
const MAX_LEN: usize = 1024;

/// Strict SPDX (no imprecise names like `Apache 2`, no `/` for `OR`) that still accepts the
/// deprecated ids (`GPL-2.0`, `GPL-2.0+`) npm packages use everywhere.
const MODE: ParseMode = ParseMode {
    allow_slash_as_or_operator: false,
    allow_imprecise_license_names: false,
    allow_postfix_plus_on_gpl: true,
    allow_deprecated: true,
    allow_unknown: false,
};

/// Whether `license` is acceptable to npm as an SPDX expression, `UNLICENSED`, or
/// `SEE LICENSE IN <file>`.
pub fn is_valid(license: &str) -> bool {
    let t = license.trim();
    if t.is_empty() || t.len() > MAX_LEN {
        return false;
    }
    if t == "UNLICENSED" {
        return true;
    }
    if let Some(file) = t.strip_prefix("SEE LICENSE IN ") {
        return !file.trim().is_empty();
    }
    Expression::parse_mode(&canonical_case(t), MODE).is_ok()
}

/// `t` with every word that names a license or exception case-insensitively replaced by its
/// canonical spelling (`mit` → `MIT`); operators and parentheses are kept as they are.
fn canonical_case(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            out.push_str(&canonical_word(word));
            word.clear();
        }
    };
    for c in t.chars() {
        if c == '(' || c == ')' || c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn canonical_word(word: &str) -> String {
    let (base, plus) = match word.strip_suffix('+') {
        Some(b) => (b, "+"),
        None => (word, ""),
    };
    let found = spdx::identifiers::LICENSES
        .iter()
        .map(|l| l.name)
        .chain(spdx::identifiers::EXCEPTIONS.iter().map(|e| e.name))
        .find(|name| name.eq_ignore_ascii_case(base));
    match found {
        Some(name) => format!("{name}{plus}"),
        None => word.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_expressions() {
        for l in [
            "MIT",
            "mit",
            "Apache-2.0",
            "(MIT OR Apache-2.0)",
            "MIT AND (BSD-3-Clause OR ISC)",
            "GPL-2.0-only WITH Classpath-exception-2.0",
            "GPL-2.0+",
            "GPL-3.0",
            "LicenseRef-Acme-Commercial",
            "UNLICENSED",
            "SEE LICENSE IN LICENSE.md",
            // Ids outside the handful a hand-written list would hold.
            "Unicode-DFS-2016",
            "BlueOak-1.0.0",
            "CC0-1.0",
        ] {
            assert!(is_valid(l), "{l}");
        }
    }

    #[test]
    fn invalid_expressions() {
        for l in [
            "",
            "MIT License",
            "Apache 2",
            "BSD",
            "proprietary",
            "(MIT",
            "MIT OR",
            "MIT WITH MIT",
            "MIT/Apache-2.0",
            "SEE LICENSE IN ",
            &"(".repeat(40),
            &"MIT OR ".repeat(400),
        ] {
            assert!(!is_valid(l), "{l}");
        }
    }
}
