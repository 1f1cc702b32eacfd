use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Finds `crypto.createCipher`/`createDecipher` (no IV, MD5 key derivation), DES/RC4/RC2/Blowfish and ECB modes, and MD5/SHA-1 applied to credentials or passwords.
///
/// ## Why is this bad?
/// These primitives are broken: ECB leaks plaintext structure, MD5/SHA-1 password hashes are cracked at billions per second.
///
/// ## Example
/// ```js
/// const digest = crypto.createHash('md5').update(password).digest('hex');
/// ```
///
/// ## Use instead
/// ```js
/// const digest = await argon2.hash(password); // or crypto.scrypt
/// ```
///
/// ## References
/// - CWE-327: Use of a Broken or Risky Cryptographic Algorithm
/// - CWE-328: Use of Weak Hash
    pub static WEAK_CRYPTO = {
        id: "js/weak-crypto",
        title: "Weak cryptography",
        category: Code,
        severity: Medium,
        confidence: High,
        summary: "A broken cipher, mode or hash protects secrets.",
        cwe: [327, 328],
        owasp: ["A02:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/node/server.js", neg "crates/js/tests/fixtures/safe/safe-server.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "{sink}";

pub const REMEDIATION: &str = "Use `crypto.createCipheriv` with AES-256-GCM and a random IV; hash passwords with scrypt/argon2/bcrypt; use SHA-256 or better elsewhere.";
