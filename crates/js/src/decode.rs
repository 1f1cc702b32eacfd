//! Constant decoding of the encodings malware hides names and URLs in: base64 (standard and
//! URL-safe) and hex, as `Buffer.from(s, enc)` and `atob(s)` see them.

use base64::Engine as _;

/// Longest literal decoded (longer payloads are data, not names).
const MAX_INPUT: usize = 4096;

/// The UTF-8 text `s` decodes to under `encoding` (`base64`, `base64url`, `hex`), if it is
/// text.
pub fn decode(s: &str, encoding: &str) -> Option<String> {
    if s.len() > MAX_INPUT {
        return None;
    }
    let bytes = match encoding.to_ascii_lowercase().as_str() {
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(s.trim()))
            .ok()?,
        "base64url" => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim().trim_end_matches('='))
            .ok()?,
        "hex" => hex::decode(s.trim()).ok()?,
        _ => return None,
    };
    let text = String::from_utf8(bytes).ok()?;
    text.chars()
        .all(|c| !c.is_control() || c == '\n' || c == '\t')
        .then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_names_and_refuses_binary() {
        assert_eq!(decode("ZXhlYw==", "base64").as_deref(), Some("exec"));
        assert_eq!(decode("ZXhlYw", "base64").as_deref(), Some("exec"));
        assert_eq!(decode("6578656320", "hex").as_deref(), Some("exec "));
        assert_eq!(
            decode("aHR0cHM6Ly94LnRlc3Qv", "base64url").as_deref(),
            Some("https://x.test/")
        );
        assert_eq!(decode("AAEC", "base64"), None);
        assert_eq!(decode("zz", "hex"), None);
        assert_eq!(decode("ZXhlYw==", "utf8"), None);
    }
}
