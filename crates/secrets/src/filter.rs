//! False-positive control: what a candidate value must look like to be reported.
//!
//! Placeholders (`xxxx`, `<your-key>`, `${VAR}`, `{{ $credentials.x }}`, `process.env.X`,
//! `changeme`), documentation keys (AWS's `…EXAMPLE` keys), runs of one character and
//! keyboard/alphabet sequences are never secrets. Generic `key = "value"` matches must in
//! addition not look like code, a path, a URL, prose or an i18n label.

/// Shannon entropy of `s` in bits per byte.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        if let Some(c) = counts.get_mut(b as usize) {
            *c += 1;
        }
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Documentation values published by providers; they appear in READMEs and tests.
const DOC_VALUES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "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",
];

/// Fragments that mark a value as a placeholder, a template or an indirection (lower-case).
const PLACEHOLDER_FRAGMENTS: &[&str] = &[
    "xxxx",
    "****",
    "....",
    "${",
    "{{",
    "}}",
    "#{",
    "%(",
    "<%",
    "process.env",
    "$credentials",
    "$env",
    "os.environ",
    "getenv",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "yourpass",
    "your_api",
    "changeme",
    "change_me",
    "change-me",
    "replace_me",
    "replaceme",
    "placeholder",
    "example",
    "redacted",
    "insert_",
    "insert-",
    "enter_",
    "enter-your",
    "put_your",
    "todo",
    "fixme",
    "<your",
    "<api",
    "<token",
    "<secret",
    "<password",
    "secret_here",
    "key_here",
    "token_here",
    "here_",
    "dummy",
];

/// Keyboard and alphabet runs that only appear in made-up values.
const SEQUENCES: &[&str] = &[
    "0123456789",
    "123456789",
    "abcdefghij",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "abcdefabcdef",
];

/// True when the value is a placeholder, a documentation value or a template.
pub fn is_placeholder(value: &str) -> bool {
    is_placeholder_with(value, true)
}

/// [`is_placeholder`], optionally without the run-of-one-character check.
pub fn is_placeholder_with(value: &str, check_runs: bool) -> bool {
    if DOC_VALUES.iter().any(|d| value.contains(d)) {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    if PLACEHOLDER_FRAGMENTS.iter().any(|f| lower.contains(f)) {
        return true;
    }
    if SEQUENCES.iter().any(|s| lower.contains(s)) {
        return true;
    }
    // `<...>` and `[...]` wrapped values are template slots.
    let t = value.trim();
    if (t.starts_with('<') && t.ends_with('>')) || (t.starts_with('[') && t.ends_with(']')) {
        return true;
    }
    (check_runs && has_long_run(value.as_bytes(), 6)) || distinct_bytes(value.as_bytes()) <= 3
}

/// A run of the same byte at least `n` long (`aaaaaa`, `000000`).
fn has_long_run(s: &[u8], n: usize) -> bool {
    let mut run = 0usize;
    let mut prev = None;
    for &b in s {
        if Some(b) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(b);
        }
        if run >= n {
            return true;
        }
    }
    false
}

fn distinct_bytes(s: &[u8]) -> usize {
    let mut seen = [false; 256];
    let mut n = 0;
    for &b in s {
        if let Some(slot) = seen.get_mut(b as usize)
            && !*slot
        {
            *slot = true;
            n += 1;
        }
    }
    n
}

/// A member expression (`oauth2Response.access_token`, `config.auth.password`): code that
/// reads a secret, not a secret.
pub fn is_code_reference(s: &str) -> bool {
    let is_ident = |seg: &str| {
        let mut b = seg.bytes();
        b.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b'$')
            && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
    };
    let segs: Vec<&str> = s.split('.').collect();
    segs.len() >= 2 && segs.iter().all(|seg| is_ident(seg))
}

/// A camel/Pascal-case identifier (`LcLmChatMistralCloudV1Node`): every capital starts a
/// lower-case word and there are hardly any digits. Random keys of that length essentially
/// never have this shape.
pub fn looks_like_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 12 || !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    if !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return false;
    }
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let uppers = b.iter().filter(|c| c.is_ascii_uppercase()).count();
    digits <= 2
        && uppers >= 2
        && b.windows(2).all(|w| match w {
            [u, n] if u.is_ascii_uppercase() => n.is_ascii_lowercase() || n.is_ascii_digit(),
            _ => true,
        })
}

/// Letters (and `_`) of one case only, no digits: a constant name or a word, not a key
/// (`PROJECTKEYNAME`, `defaultvalue`). Random keys of 16+ characters mix case or digits.
pub fn is_single_case_word(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().all(|c| c.is_ascii_alphabetic() || *c == b'_')
        && (b.iter().all(|c| !c.is_ascii_lowercase()) || b.iter().all(|c| !c.is_ascii_uppercase()))
}

/// `8-4-4-4-12` hex.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Words that are values of secret-named keys but never secrets themselves.
const NON_SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "true",
    "false",
    "null",
    "none",
    "undefined",
    "string",
    "required",
    "optional",
    "hidden",
    "text",
    "bearer",
    "basic",
    "oauth",
    "oauth2",
    "jwt",
    "hash",
    "sha256",
    "sha1",
    "md5",
    "hex",
    "base64",
    "utf8",
    "utf-8",
    "ascii",
    "default",
    "test",
    "testing",
    "admin",
    "root",
    "user",
    "username",
    "guest",
    "demo",
    "sample",
    "foo",
    "bar",
    "baz",
    "foobar",
    "secret123",
    "password123",
    "pass",
    "pwd",
    "new-password",
    "current-password",
    "off",
    "on",
    "enabled",
    "disabled",
    "value",
    "header",
    "query",
    "body",
    "credentials",
    "login",
    "authorization",
    "x-api-key",
    "api-key",
    "access_token",
    "refresh_token",
    "id_token",
    "client_credentials",
    "authorization_code",
    "invalid",
    "wrong",
    "incorrect",
    "empty",
    "function",
    "object",
    "number",
    "boolean",
    "symbol",
    "bigint",
    // Well-known default and example passwords: published, so not a leak of anything.
    "admin123",
    "password1",
    "12345678",
    "123456",
    "letmein",
    "qwerty",
    "welcome",
    "welcome1",
    "p@ssw0rd",
    "passw0rd",
    "secret1",
    "changeit",
    "adminadmin",
    "toor",
];

/// One of the words that are values of secret-named keys but never secrets
/// (`password`, `true`, `bearer`, well-known default passwords), any case.
pub fn is_non_secret_word(value: &str) -> bool {
    let l = value.trim().to_ascii_lowercase();
    NON_SECRET_WORDS.contains(&l.as_str())
}

/// Shaped like a generated key rather than a word: 16+ characters, digits and letters,
/// 3.5+ bits of entropy per character.
pub fn looks_generated(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() >= 16
        && b.iter().any(u8::is_ascii_digit)
        && b.iter().any(u8::is_ascii_alphabetic)
        && shannon_entropy(b) >= 3.5
}

/// A dependency version range (`^0.3.2`, `~1.1.3`, `>=5.3.0 <6`, `0.3.x`, `*`,
/// `workspace:^`, `npm:pkg@^1`): what a `package.json` dependency entry holds, never a
/// password.
pub fn is_version_spec(value: &str) -> bool {
    let v = value.trim();
    if [
        "workspace:",
        "npm:",
        "file:",
        "link:",
        "portal:",
        "patch:",
        "catalog:",
    ]
    .iter()
    .any(|p| v.starts_with(p))
    {
        return true;
    }
    let mut saw_digit = false;
    for c in v.chars() {
        match c {
            '0'..='9' => saw_digit = true,
            '.' | 'x' | 'X' | '*' | '^' | '~' | '<' | '>' | '=' | '|' | ' ' | '-' => {}
            _ => return false,
        }
    }
    (saw_digit || v == "*" || v.contains('x')) && !v.is_empty()
}

/// Key names that contain a secret word but name something else (`passport`,
/// `passthrough`, `bypass`, `compass`, `tokenizer`): the generic rules' keyword `pass`
/// or `token` inside another word.
pub fn is_non_secret_key(key: &str) -> bool {
    const WORDS: &[&str] = &[
        "passport",
        "passthrough",
        "passthru",
        "bypass",
        "compass",
        "passive",
        "passenger",
        "passage",
        "tokenizer",
        "tokenise",
        "tokenize",
    ];
    let k = key.to_ascii_lowercase();
    WORDS.iter().any(|w| k.contains(w))
}

/// Generic-rule heuristics: whether `value` (the quoted value of a secret-named key) looks
/// like a real credential rather than code, a label or a reference.
pub fn generic_value_plausible(value: &str) -> bool {
    let v = value.trim();
    let len = v.chars().count();
    if !(5..=200).contains(&len) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if NON_SECRET_WORDS.contains(&lower.as_str()) {
        return false;
    }
    // A prompt or a label (`Password:`, `Enter token?`), a command-line flag
    // (`--password`), a dependency range (`^0.3.2`).
    if v.ends_with(':') || v.ends_with('?') || v.starts_with("--") || is_version_spec(v) {
        return false;
    }
    // Prose, labels and messages contain spaces; secrets essentially never do.
    if v.contains(char::is_whitespace) {
        return false;
    }
    // Mostly non-ASCII text is a translated label, not a key (a password may contain a
    // `§` or two).
    let non_ascii = v.chars().filter(|c| !c.is_ascii()).count();
    if non_ascii * 4 > len {
        return false;
    }
    // URLs, paths, file names, MIME types, CSS, selectors.
    if lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("./")
        || lower.starts_with("../")
        || lower.starts_with('/') && v[1..].contains('/') && !v.contains('+')
        || lower.starts_with('#')
        || lower.starts_with('.') && !lower.contains('/')
    {
        return false;
    }
    const FILE_EXTS: &[&str] = &[
        ".js", ".ts", ".json", ".html", ".css", ".png", ".svg", ".jpg", ".md", ".yml", ".yaml",
        ".txt", ".pem", ".key", ".crt", ".node", ".xml", ".env",
    ];
    if FILE_EXTS.iter().any(|e| lower.ends_with(e)) {
        return false;
    }
    // A capitalised word (`Passwort`, `Contraseña`, `Hasło`) is a translated label.
    let mut chars = v.chars();
    if chars.next().is_some_and(char::is_uppercase) && chars.all(char::is_lowercase) {
        return false;
    }
    if is_code_reference(v) {
        return false;
    }
    // Dotted identifiers / member access (`config.auth.password`, `does.not.matter`).
    let segments: Vec<&str> = v.split(['.', ' ']).collect();
    if segments.len() >= 2
        && segments
            .iter()
            .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_'))
    {
        return false;
    }
    // Code: calls, indexing, template syntax, operators.
    if v.contains("()") || v.contains("=>") || v.contains("$(") || v.contains("::") {
        return false;
    }
    // SCREAMING_CASE / kebab / snake identifiers made only of letters are labels and keys.
    // Unicode-aware: `VIS_KODEORD_RÅD`, `entrap_o–peter` (an en dash) are labels too.
    let is_sep =
        |c: char| matches!(c, '_' | '-' | '.' | ':') || (!c.is_ascii() && !c.is_alphanumeric());
    let letters_and_sep = v.chars().all(|c| c.is_alphabetic() || is_sep(c));
    let has_sep = v.chars().any(is_sep);
    if letters_and_sep && has_sep {
        return false;
    }
    // camelCase identifiers (`userPassword`, `getToken`): letters only, a lower→upper hump.
    if v.bytes().all(|b| b.is_ascii_alphabetic()) {
        let humps = v
            .as_bytes()
            .windows(2)
            .filter(|w| matches!(w, [a, b] if a.is_ascii_lowercase() && b.is_ascii_uppercase()))
            .count();
        if humps >= 1 && v.as_bytes().first().is_some_and(u8::is_ascii_lowercase) && humps <= 3 {
            return false;
        }

        // An all-caps word is a constant name or an enum value.
        if v.bytes().all(|b| b.is_ascii_uppercase()) && len < 16 {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert!(shannon_entropy(b"aaaaaaaa") < 0.01);
        assert!(shannon_entropy(b"q8Zt3LmP0vXa7RkE") > 3.5);
    }

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "xxxxxxxxxxxxxxxx",
            "<your-api-key>",
            "${API_KEY}",
            "{{ $credentials.apiKey }}",
            "process.env.TOKEN",
            "changeme",
            "AKIAIOSFODNN7EXAMPLE",
            "aaaaaaaaaaaa",
            "sk_live_0123456789abcdef",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for s in ["q8Zt3LmP0vXa7RkEw2", "nK4wYljpFV0iPYgohF0vrA4ces0jdcMrehK="] {
            assert!(!is_placeholder(s), "{s}");
        }
    }

    #[test]
    fn generic_values_exclude_code_and_labels() {
        for v in [
            "Nouveau mot de passe",
            "does.not.matter",
            "config.auth.password",
            "LABEL_PASSWORD",
            "userPassword",
            "password",
            "./keys/server.pem",
            "https://example.org/x",
            "new-password",
            "Contraseña",
            "Passwort",
            "VIS_KODEORD_RÅD",
            "entrap_o–peter_long–credit_tun",
            "admin123",
            "function",
            "oauth2Response.access_token",
            "^0.3.2",
            "~1.1.3",
            ">=5.3.0 <6",
            "Password:",
            "--password",
        ] {
            assert!(!generic_value_plausible(v), "{v}");
        }
        for v in [
            "coqgkxmxayg",
            "gri-1609",
            "M5fUiRbLpXb$?9f+Qcf4",
            "zjywzfh271",
        ] {
            assert!(generic_value_plausible(v), "{v}");
        }
    }

    #[test]
    fn identifiers_are_not_keys() {
        assert!(looks_like_identifier("LcLmChatMistralCloudV1Node"));
        assert!(!looks_like_identifier("q8Zt3LmP0vXa7RkEw2Yc9NbT"));
        assert!(is_code_reference("r.password"));
        assert!(!is_code_reference("Zq81mXpL0rT6"));
    }

    #[test]
    fn uuid_shape() {
        assert!(is_uuid("204f8ba1-7d0e-827f-fcb6-cdf402fa9236"));
        assert!(!is_uuid("204f8ba1-7d0e-827f-fcb6-cdf402fa923"));
    }
}
