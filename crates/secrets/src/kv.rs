//! Format-aware key/value extraction for the generic credential model.
//!
//! The regex rules see bytes; a credential is a *value under a credential-named key*, and
//! the same pair is written a dozen ways: `password: 'x'` (JS/YAML), `"password": "x"`
//! (JSON), `\"password\":\"x\"` (JSON inside a string), `PASSWORD=x` and
//! `- MYSQL_PASSWORD=x` (`.env`, compose `environment:` lists), `process.env['PGPASSWORD'] =
//! 'x'`, `password="x"` (XML attributes, HTTP `Digest`/`OAuth` header parameters),
//! `- **password**: x` and ``Consumer Key: `x` `` (Markdown prose), `PASSWORD 'x'` and
//! `IDENTIFIED BY 'x'` (SQL). [`pair_at`] starts from a key keyword the keyword automaton
//! found and reads the pair around it in any of these shapes; [`classify_key`] and
//! [`accept`] then decide from the *kind* of key and the *shape* of the value — never from
//! the file it came from — whether the value is a credential.
//!
//! Everything is bounded: a key is at most [`MAX_KEY`] bytes, a value [`MAX_VALUE`], and
//! parsing looks at most a few bytes between them, so a pair costs O(1) per keyword hit.

use crate::filter;

/// Longest key read around a keyword.
pub const MAX_KEY: usize = 48;
/// Longest value read.
pub const MAX_VALUE: usize = 300;

/// What a key name says its value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyClass {
    /// Chosen by a person: may be short, may be a word-like string.
    Password,
    /// Generated: long, random-looking (tokens, API keys, client secrets, OAuth
    /// signatures and nonces, signing keys).
    Token,
}

/// How the value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    /// In quotes or backticks (a string literal, a Markdown code span).
    Quoted,
    /// Bare, to the end of the token (`.env`, YAML, INI, Markdown prose, headers).
    Bare,
}

/// A key/value pair found around a keyword hit (byte ranges in the haystack).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub key: (usize, usize),
    pub value: (usize, usize),
    pub quote: Quote,
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$')
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'\'' | b'"' | b'`')
}

/// Reads the key/value pair whose key contains the keyword at `ks..ke`, if the bytes
/// around it have one of the shapes of the module documentation.
pub fn pair_at(hay: &[u8], ks: usize, ke: usize) -> Option<Pair> {
    let get = |i: usize| hay.get(i).copied();
    // The key: identifier bytes around the keyword (the keyword itself may hold a space:
    // `identified by`).
    let mut a = ks;
    while a > 0 && ks - a < MAX_KEY && get(a - 1).is_some_and(is_key_byte) {
        a -= 1;
    }
    let mut b = ke;
    while b < hay.len() && b - ks < MAX_KEY && get(b).is_some_and(is_key_byte) {
        b += 1;
    }
    if b < hay.len() && get(b).is_some_and(is_key_byte) {
        return None;
    }
    // A key is a name, not the middle of a longer value (`…/password/…`, `a.b.password`
    // is fine as a member; a URL path is not).
    if a > 0 && get(a - 1) == Some(b'/') {
        return None;
    }
    // `type="password"`, `[type=password]`: the word is a value here, not a key.
    if a > 0 {
        let before = |n: usize| a.checked_sub(n).and_then(get);
        let q = before(1).is_some_and(is_quote);
        let prev = if q { before(2) } else { before(1) };
        if matches!(prev, Some(b'=')) || q && matches!(prev, Some(b':')) {
            return None;
        }
    }
    let key = (a, b);
    let mut i = b;
    // Close the key: `"`, `'`, `\"` (escaped JSON), `']` (`process.env['X']`), `**`
    // (Markdown bold).
    let mut closers = 0;
    while closers < 4 {
        match get(i) {
            Some(q) if is_quote(q) => i += 1,
            Some(b'\\') if get(i + 1).is_some_and(is_quote) => i += 2,
            Some(b']' | b'*') => i += 1,
            _ => break,
        }
        closers += 1;
    }
    let skip_ws = |mut i: usize| {
        let mut n = 0;
        while n < 4 && matches!(get(i), Some(b' ' | b'\t')) {
            i += 1;
            n += 1;
        }
        i
    };
    i = skip_ws(i);
    // The operator.
    let op_len = match (get(i), get(i + 1), get(i + 2)) {
        (Some(b'='), Some(b'='), _) | (Some(b'!'), Some(b'='), _) => return None,
        (Some(b':'), Some(b'='), _) | (Some(b'='), Some(b'>'), _) => 2,
        (Some(b':'), Some(b':'), _) => return None,
        (Some(b'=' | b':'), ..) => 1,
        // SQL: `PASSWORD 'x'`, `IDENTIFIED BY 'x'` — a space and a quote, no operator.
        (Some(q), ..) if is_quote(q) && i > b => 0,
        _ => return None,
    };
    if op_len == 0 && !(sql_key(&hay[key.0..key.1]) && sql_statement_line(hay, key.0)) {
        return None;
    }
    i = skip_ws(i + op_len);
    // An HTTP authorization scheme before the credential (`auth: Basic …`,
    // `"Authorization": "Bearer …"`): the credential is what follows it.
    let scheme_at = |i: usize| {
        ["basic ", "bearer ", "token ", "digest "]
            .iter()
            .find(|s| {
                hay.get(i..i + s.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(s.as_bytes()))
            })
            .map(|s| s.len())
    };
    let value_start_quoted = |i: usize| -> usize {
        match (get(i), get(i + 1)) {
            (Some(b'\\'), Some(q)) if is_quote(q) => i + 2,
            (Some(q), _) if is_quote(q) => i + 1,
            _ => i,
        }
    };
    let mut scheme: Option<(usize, u8)> = None;
    {
        let vs = value_start_quoted(i);
        if let Some(n) = scheme_at(vs) {
            let open = (vs > i).then(|| get(vs - 1)).flatten();
            scheme = Some((vs + n, open.unwrap_or(0)));
        }
    }
    if let Some((vs, q)) = scheme {
        // Read the token to its closing quote (or to whitespace when bare).
        let mut j = vs;
        while j < hay.len()
            && j - vs <= MAX_VALUE
            && get(j).is_some_and(|c| {
                !c.is_ascii_whitespace()
                    && c != q
                    && !is_quote(c)
                    && c != b'\\'
                    && !matches!(c, b',' | b';')
            })
        {
            j += 1;
        }
        if j == vs {
            return None;
        }
        return Some(Pair {
            key,
            value: (vs, j),
            // `Basic <token>` in source is never an expression: it sits in a string or a
            // comment even when the pair's own quotes are outside it.
            quote: Quote::Quoted,
        });
    }
    // The value: quoted (`'`, `"`, `` ` ``, `\"`) or bare.
    let (open, escaped) = match (get(i), get(i + 1)) {
        (Some(b'\\'), Some(q)) if is_quote(q) => (Some(q), true),
        (Some(q), _) if is_quote(q) => (Some(q), false),
        _ => (None, false),
    };
    if let Some(q) = open {
        let vs = i + if escaped { 2 } else { 1 };
        let mut j = vs;
        while j < hay.len() && j - vs <= MAX_VALUE {
            match get(j) {
                Some(b'\n' | b'\r') | None => return None,
                Some(b'\\') if escaped && get(j + 1) == Some(q) => {
                    return Some(Pair {
                        key,
                        value: (vs, j),
                        quote: Quote::Quoted,
                    });
                }
                Some(b'\\') => j += 2,
                Some(c) if c == q && !escaped => {
                    return Some(Pair {
                        key,
                        value: (vs, j),
                        quote: Quote::Quoted,
                    });
                }
                _ => j += 1,
            }
        }
        return None;
    }
    let vs = i;
    let mut j = vs;
    while j < hay.len()
        && j - vs <= MAX_VALUE
        && get(j).is_some_and(|c| {
            !c.is_ascii_whitespace()
                && !matches!(
                    c,
                    b',' | b';' | b'&' | b')' | b'}' | b']' | b'<' | b'>' | b'"' | b'\'' | b'`'
                )
        })
    {
        j += 1;
    }
    if j == vs || j - vs > MAX_VALUE {
        return None;
    }
    // A bare value ends its line (or is followed by a comment or a list separator): not
    // the first operand of an expression (`password = a + b`).
    let k = skip_ws(j);
    match get(k) {
        None
        | Some(
            b'\n' | b'\r' | b'#' | b',' | b';' | b'&' | b')' | b'}' | b'"' | b'\'' | b'`' | b'<',
        ) => {}
        _ => return None,
    }
    Some(Pair {
        key,
        value: (vs, j),
        quote: Quote::Bare,
    })
}

/// The line holding byte `pos` starts an SQL statement that can set a password
/// (`CREATE ROLE … PASSWORD '…'`, `ALTER USER … IDENTIFIED BY '…'`), not prose that
/// mentions one.
fn sql_statement_line(hay: &[u8], pos: usize) -> bool {
    let lo = pos.saturating_sub(300);
    let line_start = hay
        .get(lo..pos)
        .and_then(|b| memchr::memrchr(b'\n', b))
        .map_or(lo, |i| lo + i + 1);
    let line = hay.get(line_start..pos).unwrap_or(&[]);
    let t: Vec<u8> = line
        .iter()
        .skip_while(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'('))
        .take(12)
        .map(u8::to_ascii_lowercase)
        .collect();
    [&b"create "[..], b"alter ", b"grant ", b"set password"]
        .iter()
        .any(|v| t.starts_with(v))
}

fn sql_key(key: &[u8]) -> bool {
    key.eq_ignore_ascii_case(b"password")
        || key.len() >= 2 && key[key.len() - 2..].eq_ignore_ascii_case(b"by")
}

/// Key fragments that make a credential-looking key name something else: a label, a
/// field name, a policy, a URL, a flag (`passwordLabel`, `tokenUrl`, `secretName`,
/// `passwordMinLength`, `tokenType`, `api_key_header`).
const NOT_VALUE_KEYS: &[&str] = &[
    "name",
    "label",
    "placeholder",
    "field",
    "type",
    "url",
    "uri",
    "path",
    "file",
    "length",
    "min",
    "max",
    "policy",
    "hint",
    "prompt",
    "regex",
    "pattern",
    "format",
    "header",
    "param",
    "expir",
    "count",
    "endpoint",
    "mode",
    "strategy",
    "method",
    "provider",
    "store",
    "env",
    "var",
    "prefix",
    "suffix",
    "size",
    "timeout",
    "ttl",
    "limit",
    "rule",
    "error",
    "message",
    "msg",
    "text",
    "title",
    "desc",
    "help",
    "icon",
    "class",
    "style",
    "color",
    "input",
    "button",
    "show",
    "hide",
    "visible",
    "enabled",
    "required",
    "reset",
    "forgot",
    "location",
    "kind",
    "version",
    "algorithm",
    "alg",
    "encoding",
    "charset",
    "hash",
    "digest",
    "length",
    "id",
    "ids",
    "index",
    "key_id",
    "keyid",
    "kid",
    "column",
    "table",
    "attr",
    "prop",
    "selector",
    "event",
    "callback",
    "fn",
    "handler",
    "route",
    "scope",
    "audience",
    "issuer",
    "grant",
    "usage",
    "count",
    "position",
    "pos",
    "offset",
    "start",
    "end",
    "char",
    "bytes",
    "bits",
    "strength",
    "score",
    "level",
];

/// Whether `key` names a credential, and which kind.
pub fn classify_key(key: &str) -> Option<KeyClass> {
    // `$PWD`, `${OLDPWD}`: the shell's working directory, not a password.
    if key.starts_with('$') && key.to_ascii_lowercase().contains("pwd") {
        return None;
    }
    let k = key.trim_start_matches('$');
    // The last segment of a member path is the key (`config.db.password`).
    let last = k.rsplit('.').next().unwrap_or(k);
    let compact: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if compact.is_empty() || filter::is_non_secret_key(&compact) {
        return None;
    }
    if compact == "identifiedby" {
        return Some(KeyClass::Password);
    }
    if camel_words(last)
        .iter()
        .any(|w| NOT_VALUE_KEYS.contains(&w.as_str()))
    {
        return None;
    }
    const PASSWORD: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "passwort",
        "contrasena",
        "senha",
        "wachtwoord",
        "parola",
        "motdepasse",
    ];
    if PASSWORD.iter().any(|p| compact.contains(p))
        || matches!(compact.as_str(), "pwd" | "pass" | "pw")
        || compact.ends_with("pwd")
        || compact.ends_with("pass")
        || compact.starts_with("pass") && compact.len() <= 6
    {
        return Some(KeyClass::Password);
    }
    const TOKEN: &[&str] = &[
        "secret",
        "token",
        "apikey",
        "accesskey",
        "privatekey",
        "authkey",
        "consumerkey",
        "clientkey",
        "signingkey",
        "encryptionkey",
        "masterkey",
        "nonce",
        "oauthsignature",
        "credential",
        "bearer",
        "sessionkey",
        "appkey",
        "licensekey",
        "subscriptionkey",
        "authorization",
    ];
    if TOKEN.iter().any(|t| compact.contains(t)) || compact == "auth" || compact.ends_with("auth") {
        return Some(KeyClass::Token);
    }
    None
}

/// camelCase words of the original key, lower-cased (`passwordMinLength` → `min`,
/// `length`): [`NOT_VALUE_KEYS`] also apply to humps.
pub fn camel_words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `userPassword`, `getToken`: lower-case start, every capital starts a lower-case word.
fn camel_identifier(v: &str) -> bool {
    let b = v.as_bytes();
    b.first().is_some_and(u8::is_ascii_lowercase)
        && b.windows(2).all(|w| match w {
            [u, n] if u.is_ascii_uppercase() => n.is_ascii_lowercase(),
            _ => true,
        })
        && !b.last().is_some_and(u8::is_ascii_uppercase)
}

/// Whether `value`, under a key of class `class`, written as `quote`, is a credential.
/// `code` is true for source files, where a bare value is a variable, not a literal.
pub fn accept(class: KeyClass, value: &str, quote: Quote, code: bool) -> bool {
    let v = value.trim();
    if quote == Quote::Bare && code {
        return false;
    }
    let len = v.chars().count();
    if !(4..=MAX_VALUE).contains(&len) {
        return false;
    }
    // Short values have few distinct characters by nature: the placeholder model's
    // "three distinct bytes" test applies from six characters on.
    let placeholder = if len >= 6 {
        filter::is_placeholder(v)
    } else {
        const SHORT: &[&str] = &[
            "test", "pass", "user", "root", "demo", "null", "true", "none", "1234", "abcd", "xxxx",
            "****", "....", "word", "temp", "qwer", "asdf", "admin", "guest", "empty", "blank",
            "false", "12345", "hello", "pw123", "token", "value",
        ];
        let l = v.to_ascii_lowercase();
        SHORT.contains(&l.as_str()) || v.bytes().all(|b| Some(b) == v.bytes().next())
    };
    if placeholder || filter::is_code_reference(v) || filter::is_version_spec(v) {
        return false;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // An e-mail address is an identity, not its password.
    if let Some((user, host)) = v.split_once('@')
        && !user.is_empty()
        && host.contains('.')
        && !host.contains('@')
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        return false;
    }
    // A bare value with call or grouping syntax is code (bundles, code held in strings).
    if quote == Quote::Bare
        && v.bytes()
            .any(|b| matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'\\'))
    {
        return false;
    }
    if filter::is_non_secret_word(v) {
        return false;
    }
    // A credential word numbered (`token123`, `secret1`, `apikey42`): a test dummy.
    let word = v.trim_end_matches(|c: char| c.is_ascii_digit());
    if word.len() < v.len() && v.len() - word.len() <= 4 && filter::is_non_secret_word(word) {
        return false;
    }
    // A bare `$VAR`, `%VAR%`, `@Value`, `!Ref`, a template call.
    if v.starts_with(['$', '%', '@', '!', '&', '*', '=', '{', '[', '(', '<'])
        || v.ends_with(['(', ')', '{'])
    {
        return false;
    }
    match class {
        KeyClass::Password => {
            // Short person-chosen values are allowed (`ozyy`), but not labels, words of
            // a sentence or code.
            if len < 5 {
                return v
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#%&*+-./=?@^_~".contains(&b))
                    && !filter::is_single_case_word(v)
                    || v.bytes().all(|b| b.is_ascii_lowercase()) && quote == Quote::Quoted;
            }
            if filter::generic_value_plausible(v) {
                return true;
            }
            // Letters only, which the generic filter takes for identifiers and constant
            // names: still a password when it is not shaped like one (`PUCHXYFW`,
            // `fVQDGiyJjf` — capitals in runs, not starting camelCase words).
            let capital_run = v
                .as_bytes()
                .windows(2)
                .any(|w| w.iter().all(u8::is_ascii_uppercase));
            v.bytes().all(|b| b.is_ascii_alphabetic())
                && (6..=24).contains(&len)
                && capital_run
                && !camel_identifier(v)
        }
        KeyClass::Token => {
            if filter::is_uuid(v) {
                // A UUID under a credential key (`apiKey`, `client_secret`, `token`) is a
                // credential; a bare id never gets here (id-like keys are excluded).
                return true;
            }
            // Generated values mix character classes (a lower-case hex token has digits);
            // `abc=def=ghi` does not.
            let classes = [
                v.bytes().any(|b| b.is_ascii_lowercase()),
                v.bytes().any(|b| b.is_ascii_uppercase()),
                v.bytes().any(|b| b.is_ascii_digit()),
            ]
            .iter()
            .filter(|&&x| x)
            .count();
            len >= 8
                && (classes >= 2 || len >= 20)
                && filter::generic_value_plausible(v)
                && filter::shannon_entropy(v.as_bytes()) >= 3.0
                && !filter::is_single_case_word(v)
                && !filter::looks_like_identifier(v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(line: &str, kw: &str) -> Option<(String, String, Quote)> {
        let lower = line.to_ascii_lowercase();
        let ks = lower.find(kw)?;
        let p = pair_at(line.as_bytes(), ks, ks + kw.len())?;
        Some((
            line[p.key.0..p.key.1].to_string(),
            line[p.value.0..p.value.1].to_string(),
            p.quote,
        ))
    }

    #[test]
    fn pairs_in_every_format() {
        let cases: &[(&str, &str, &str, &str)] = &[
            (
                "const cfg = { password: 'ozyy' };",
                "password",
                "password",
                "ozyy",
            ),
            (
                "\"password\": \"uzbztqfo-oejq\"",
                "password",
                "password",
                "uzbztqfo-oejq",
            ),
            (
                "      - MYSQL_ROOT_PASSWORD=Kq8mZ2vx",
                "password",
                "MYSQL_ROOT_PASSWORD",
                "Kq8mZ2vx",
            ),
            (
                "    ROOT_PASSWORD: PUCHXYFW",
                "password",
                "ROOT_PASSWORD",
                "PUCHXYFW",
            ),
            (
                "process.env['PGPASSWORD'] = 'pgs3cr3t';",
                "password",
                "PGPASSWORD",
                "pgs3cr3t",
            ),
            (
                "body: \"{\\\"access_token\\\":\\\"q8Zt3LmP0vXa7RkE\\\"}\"",
                "token",
                "access_token",
                "q8Zt3LmP0vXa7RkE",
            ),
            (
                "- **password**: QODIWHHA",
                "password",
                "password",
                "QODIWHHA",
            ),
            (
                "Consumer Key: `xvz1evFS4wEEPTGEFPHBog`",
                "key",
                "Key",
                "xvz1evFS4wEEPTGEFPHBog",
            ),
            (
                "ALTER ROLE app WITH PASSWORD 'w8Lr2kQz';",
                "password",
                "PASSWORD",
                "w8Lr2kQz",
            ),
            (
                "CREATE USER 'a'@'%' IDENTIFIED BY 'h4Jk9wQe';",
                "identified by",
                "IDENTIFIED BY",
                "h4Jk9wQe",
            ),
            (
                "Authorization: OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\"",
                "nonce",
                "oauth_nonce",
                "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
            ),
            (
                "<add key=\"x\" password=\"Zx81qLm4\" />",
                "password",
                "password",
                "Zx81qLm4",
            ),
            (
                "db.password=Zx81qLm4",
                "password",
                "db.password",
                "Zx81qLm4",
            ),
        ];
        for (line, kw, key, value) in cases {
            let got = first(line, kw).unwrap_or_else(|| panic!("{line}"));
            assert_eq!((got.0.as_str(), got.1.as_str()), (*key, *value), "{line}");
        }
        for (line, kw) in [
            ("if (password === 'x') {}", "password"),
            ("const password = a + b;", "password"),
            ("GET /reset/password/abc", "password"),
            ("password::hash(x)", "password"),
            ("input[type=\"password\"]:focus, a {}", "password"),
            (
                "// Allow only users with username 'testuser' and password 'secret'",
                "password",
            ),
        ] {
            assert_eq!(first(line, kw), None, "{line}");
        }
    }

    #[test]
    fn keys_are_classified_by_kind() {
        for k in [
            "password",
            "MYSQL_ROOT_PASSWORD",
            "dbPass",
            "smtp_pwd",
            "PGPASSWORD",
            "passphrase",
        ] {
            assert_eq!(classify_key(k), Some(KeyClass::Password), "{k}");
        }
        for k in [
            "client_secret",
            "access_token",
            "apiKey",
            "oauth_nonce",
            "oauth_signature",
            "x-auth",
        ] {
            assert_eq!(classify_key(k), Some(KeyClass::Token), "{k}");
        }
        for k in [
            "passport",
            "password_label",
            "token_url",
            "secret_name",
            "kid",
            "tokenType",
            "bypass",
            "$PWD",
            "key",
        ] {
            assert_eq!(classify_key(k), None, "{k}");
        }
    }

    #[test]
    fn values_are_judged_by_shape() {
        use KeyClass::*;
        assert!(accept(Password, "ozyy", Quote::Quoted, true));
        assert!(accept(Password, "PUCHXYFW", Quote::Bare, false));
        assert!(!accept(Password, "PUCHXYFW", Quote::Bare, true));
        assert!(!accept(Password, "password", Quote::Quoted, true));
        assert!(!accept(Password, "${DB_PASSWORD}", Quote::Bare, false));
        assert!(!accept(Password, "^0.3.2", Quote::Quoted, false));
        assert!(!accept(Password, "Password:", Quote::Quoted, true));
        assert!(accept(
            Token,
            "204f8ba1-7d0e-827f-fcb6-cdf402fa9236",
            Quote::Quoted,
            true
        ));
        assert!(accept(
            Token,
            "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
            Quote::Quoted,
            true
        ));
        assert!(!accept(Token, "Bearer", Quote::Quoted, true));
        assert!(!accept(Token, "accessTokenValue", Quote::Quoted, true));
        // Locale labels, e-mail identities, code in bundles.
        assert!(!accept(Password, "Passwort", Quote::Quoted, false));
        assert!(!accept(Password, "PASSWORD", Quote::Bare, false));
        assert!(!accept(
            Token,
            "ubuntu@ubuntu-xenial.localdomain",
            Quote::Bare,
            false
        ));
        assert!(!accept(
            Token,
            "this.match(types$1.braceBarR",
            Quote::Bare,
            false
        ));
        assert!(!accept(Token, "token123", Quote::Quoted, true));
        assert!(!accept(Token, "abc=def=ghi", Quote::Quoted, true));
    }
}
