//! Secret redaction: no report, log or error prints a whole secret.

use sha2::{Digest, Sha256};

/// How many leading characters of a secret are shown (enough to recognise the key type).
pub const SHOWN_PREFIX: usize = 4;

/// `AKIA…[redacted sha256:1a2b3c4d]`: a short prefix and a hash prefix that identifies the
/// secret (to match it against allowlists and across reports) without revealing it. Secrets
/// of 12 characters or fewer show no prefix at all.
pub fn redact(secret: &str) -> String {
    let prefix: String = if secret.chars().count() > 12 {
        secret.chars().take(SHOWN_PREFIX).collect()
    } else {
        String::new()
    };
    format!("{prefix}…[redacted sha256:{}]", &secret_hash(secret)[..8])
}

/// Full hex SHA-256 of a secret, for allowlists by value hash and fingerprint keys.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Replaces every occurrence of `secret` in `text` with its redacted form.
pub fn redact_in(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    text.replace(secret, &redact(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_the_whole_secret() {
        let s = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";
        let r = redact(s);
        assert!(r.starts_with("ghp_…"));
        assert!(!r.contains(&s[4..]));
        let line = format!("const token = '{s}';");
        assert!(!redact_in(&line, s).contains(s));
        assert!(!redact("hunter2").contains("hunter2"));
    }
}
