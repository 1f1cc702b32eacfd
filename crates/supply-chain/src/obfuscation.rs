//! Minification and obfuscation detection for shipped JavaScript.
//!
//! Minified code (long lines, little whitespace) is common and legitimate in browser bundles;
//! obfuscated code is written to defeat review. The detector looks for the fingerprints of the
//! common obfuscators rather than for "ugly" code: javascript-obfuscator's `_0x` names and
//! string-array rotation, Dean Edwards' packer, dense hex/unicode escapes, JSFuck, and
//! decode-and-run (`eval(atob(…))`). A *strong* signal alone decides; *weak* ones need company.
//! Only the first `max-scan-bytes` of a file are examined, so time is linear and bounded.

use regex::Regex;
use std::sync::OnceLock;

/// One obfuscation indicator, at a byte offset of the sampled text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub what: String,
    pub offset: usize,
    pub len: usize,
    pub strong: bool,
}

/// Layout statistics of the sampled text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    pub bytes: usize,
    pub lines: usize,
    pub max_line: usize,
    pub whitespace_ratio: f64,
}

impl Layout {
    pub fn avg_line(&self) -> usize {
        self.bytes / self.lines.max(1)
    }
}

#[derive(Debug, Clone)]
pub struct Verdict {
    pub layout: Layout,
    pub signals: Vec<Signal>,
}

impl Verdict {
    /// Obfuscated: one strong signal, or at least two weak ones.
    pub fn obfuscated(&self) -> bool {
        self.signals.iter().any(|s| s.strong) || self.signals.len() >= 2
    }

    /// Minified: long average lines, or a huge line with almost no whitespace, in a file big
    /// enough for it to matter.
    pub fn minified(&self, min_size: usize, avg_line_length: usize) -> bool {
        let l = self.layout;
        l.bytes >= min_size
            && (l.avg_line() >= avg_line_length
                || (l.max_line >= 5000 && l.whitespace_ratio < 0.08))
    }
}

/// Analyzes at most `max` bytes of `text`: all of it when it fits, else the first three
/// quarters of the budget from the head and the last quarter from the tail — payloads are
/// often appended to the end of a large legitimate bundle (event-stream's was). Signal offsets
/// are relative to the whole `text`; the layout describes the head.
pub fn analyze_sampled(text: &str, max: usize) -> Verdict {
    if text.len() <= max {
        return analyze(text);
    }
    let head = sample(text, max / 4 * 3);
    let mut verdict = analyze(head);
    let mut start = text.len().saturating_sub(max / 4).max(head.len());
    while start < text.len() && !text.is_char_boundary(start) {
        start += 1;
    }
    if let Some(tail) = text.get(start..) {
        let t = analyze(tail);
        verdict.signals.extend(t.signals.into_iter().map(|mut s| {
            s.offset += start;
            s
        }));
    }
    verdict
}

/// The longest prefix of `text` of at most `max` bytes that ends on a char boundary.
pub fn sample(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

struct Patterns {
    hex_ident: Regex,
    packer: Regex,
    rotation_bracket: Regex,
    rotation_dot: Regex,
    decode_run: Regex,
    from_char_code: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| {
            regex::RegexBuilder::new(s)
                .unicode(false)
                .build()
                .unwrap_or_else(|e| panic!("built-in regex {s}: {e}"))
        };
        Patterns {
            hex_ident: re(r"\b_0x[0-9a-fA-F]{3,8}\b"),
            packer: re(r"eval\s*\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,\s*[a-z]\s*\)"),
            rotation_bracket: re(r#"\[\s*['"]push['"]\s*\]\s*\(\s*[\w$]+\s*\[\s*['"]shift['"]\s*\]\s*\(\s*\)\s*\)"#),
            rotation_dot: re(r"while\s*\(\s*--\s*[\w$]+\s*\)\s*\{?\s*[\w$]+\s*\.push\s*\(\s*[\w$]+\s*\.shift\s*\(\s*\)\s*\)"),
            decode_run: re(r"\b(?:eval|Function)\s*\(\s*(?:atob|Buffer\.from|unescape|decodeURIComponent|String\.fromCharCode)\s*\("),
            from_char_code: re(r"String\.fromCharCode\s*\("),
        }
    })
}

/// Examines `text` (already sampled by the caller).
pub fn analyze(text: &str) -> Verdict {
    let p = patterns();
    let mut signals = Vec::new();

    let mut hex_count = 0usize;
    let mut hex_first = None;
    for m in p.hex_ident.find_iter(text).take(1000) {
        hex_count += 1;
        hex_first.get_or_insert((m.start(), m.len()));
    }
    if hex_count >= 10
        && let Some((offset, len)) = hex_first
    {
        signals.push(Signal {
            what: format!(
                "{hex_count} `_0x…` hexadecimal identifiers (javascript-obfuscator naming)"
            ),
            offset,
            len,
            strong: true,
        });
    }
    let mut first = |re: &Regex, what: &str, strong: bool| {
        if let Some(m) = re.find(text) {
            signals.push(Signal {
                what: what.to_string(),
                offset: m.start(),
                len: m.len(),
                strong,
            });
        }
    };
    first(
        &p.packer,
        "Dean Edwards packer `eval(function(p,a,c,k,e,d)…)`",
        true,
    );
    first(
        &p.rotation_bracket,
        "string-array rotation `['push'](…['shift']())`",
        true,
    );
    first(
        &p.rotation_dot,
        "string-array rotation loop `while(--n){a.push(a.shift())}`",
        false,
    );
    first(
        &p.decode_run,
        "decode-and-run: `eval`/`Function` applied to decoded data",
        true,
    );

    let fcc: Vec<_> = p.from_char_code.find_iter(text).take(64).collect();
    if fcc.len() >= 10 {
        signals.push(Signal {
            what: format!("{} `String.fromCharCode` calls building strings", fcc.len()),
            offset: fcc[0].start(),
            len: fcc[0].len(),
            strong: false,
        });
    }

    if let Some(s) = escapes(text) {
        signals.push(s);
    }
    if let Some(s) = jsfuck(text) {
        signals.push(s);
    }

    signals.sort_by_key(|s| s.offset);
    Verdict {
        layout: layout(text),
        signals,
    }
}

/// Density of `\xNN` and `\uNNNN` escapes: strong above 30 % of the text, weak above 10 %.
fn escapes(text: &str) -> Option<Signal> {
    let b = text.as_bytes();
    let mut count = 0usize;
    let mut escaped = 0usize;
    let mut first = None;
    for i in memchr::memchr_iter(b'\\', b) {
        let is_hex = |r: std::ops::Range<usize>| {
            b.get(r)
                .is_some_and(|s| s.iter().all(u8::is_ascii_hexdigit))
        };
        let n = match b.get(i + 1) {
            Some(b'x') if is_hex(i + 2..i + 4) => 4,
            Some(b'u') if is_hex(i + 2..i + 6) => 6,
            _ => continue,
        };
        count += 1;
        escaped += n;
        first.get_or_insert(i);
    }
    let ratio = escaped as f64 / text.len().max(1) as f64;
    if count < 32 || ratio < 0.10 {
        return None;
    }
    Some(Signal {
        what: format!(
            "{count} hex/unicode escapes making up {:.0}% of the code",
            ratio * 100.0
        ),
        offset: first.unwrap_or(0),
        len: 4,
        strong: ratio >= 0.30,
    })
}

/// A run of at least 100 characters drawn only from `[]()!+`: JSFuck encoding.
fn jsfuck(text: &str) -> Option<Signal> {
    let mut run = 0usize;
    for (i, c) in text.bytes().enumerate() {
        if matches!(c, b'[' | b']' | b'(' | b')' | b'!' | b'+') {
            run += 1;
            if run == 100 {
                return Some(Signal {
                    what: "JSFuck-style code (a long run of only `[]()!+`)".to_string(),
                    offset: i + 1 - run,
                    len: run,
                    strong: true,
                });
            }
        } else if !c.is_ascii_whitespace() {
            run = 0;
        }
    }
    None
}

fn layout(text: &str) -> Layout {
    let b = text.as_bytes();
    let mut lines = 1usize;
    let mut max_line = 0usize;
    let mut last = 0usize;
    for i in memchr::memchr_iter(b'\n', b) {
        max_line = max_line.max(i - last);
        last = i + 1;
        lines += 1;
    }
    max_line = max_line.max(b.len() - last);
    let ws = b.iter().filter(|c| c.is_ascii_whitespace()).count();
    Layout {
        bytes: b.len(),
        lines,
        max_line,
        whitespace_ratio: ws as f64 / b.len().max(1) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_code_is_neither() {
        let src = "'use strict';\nconst https = require('https');\n\nfunction get(url) {\n  return new Promise((resolve) => https.get(url, resolve));\n}\nmodule.exports = { get };\n".repeat(20);
        let v = analyze(&src);
        assert!(!v.obfuscated(), "{:?}", v.signals);
        assert!(!v.minified(1024, 300));
    }

    #[test]
    fn minified_bundle_is_minified_not_obfuscated() {
        let src = "!function(e,t){\"object\"==typeof exports?module.exports=t():e.lib=t()}(this,function(){var n={};function r(e){return n[e]||(n[e]={exports:{}})}return r});".repeat(60);
        let v = analyze(&src);
        assert!(v.minified(1024, 300));
        assert!(!v.obfuscated(), "{:?}", v.signals);
    }

    #[test]
    fn javascript_obfuscator_output_is_obfuscated() {
        let src = "var _0x4e2a=['\\x68\\x74\\x74\\x70\\x73','\\x67\\x65\\x74'];(function(_0x2d8f05,_0x4b81bb){var _0x4d74cb=function(_0x32719f){while(--_0x32719f){_0x2d8f05['push'](_0x2d8f05['shift']());}};_0x4d74cb(++_0x4b81bb);}(_0x4e2a,0x1b3));var _0x1a2b=function(_0x5c3e1d,_0x1f2a3b){_0x5c3e1d=_0x5c3e1d-0x0;var _0x3e4f5a=_0x4e2a[_0x5c3e1d];return _0x3e4f5a;};";
        let v = analyze(src);
        assert!(v.obfuscated());
        assert!(v.signals.iter().any(|s| s.what.contains("_0x")));
        assert!(v.signals.iter().any(|s| s.what.contains("rotation")));
    }

    #[test]
    fn packer_jsfuck_and_decode_run() {
        assert!(analyze("eval(function(p,a,c,k,e,d){e=function(c){return c};return p}('0 1',2,2,'a|b'.split('|'),0,{}))").obfuscated());
        let jsf = format!("x = {};", "[]+!+[]+(![]+[])[+[]]+".repeat(10));
        assert!(analyze(&jsf).obfuscated());
        assert!(analyze("eval(atob('Y29uc29sZS5sb2coMSk='))").obfuscated());
        assert!(analyze("new Function(Buffer.from(p, 'base64').toString())()").obfuscated());
    }

    #[test]
    fn escape_density() {
        let dense = format!("var s = \"{}\";", "\\x63\\x75\\x72\\x6c".repeat(40));
        let v = analyze(&dense);
        assert!(v.obfuscated(), "{:?}", v.signals);
        // A few escapes in normal code are fine.
        let normal = format!(
            "{}var nl = '\\x0a'; var e = '\\u00e9';\n",
            "const a = compute(b, c);\n".repeat(50)
        );
        assert!(!analyze(&normal).obfuscated());
    }

    #[test]
    fn queue_rotation_alone_is_not_enough() {
        let src = "function rotate(q, n) {\n  while (--n) { q.push(q.shift()) }\n  return q;\n}\n";
        assert!(!analyze(src).obfuscated());
    }

    #[test]
    fn payload_appended_to_a_large_bundle_is_found() {
        let mut text =
            "const a = require('./a');\nmodule.exports = function (x) { return a(x) + 1; };\n"
                .repeat(4000);
        let payload_at = text.len();
        text.push_str("eval(atob('cmVxdWlyZSgiY2hpbGRfcHJvY2VzcyIpLmV4ZWMoImN1cmwgZXZpbCIp'));\n");
        assert!(
            !analyze(sample(&text, 64 * 1024)).obfuscated(),
            "head alone misses it"
        );
        let v = analyze_sampled(&text, 64 * 1024);
        assert!(v.obfuscated());
        assert_eq!(v.signals[0].offset, payload_at);
        assert_eq!(&text[payload_at..payload_at + 4], "eval");
    }

    #[test]
    fn sample_respects_char_boundaries() {
        let s = "ééé";
        assert_eq!(sample(s, 3), "é");
        assert_eq!(sample(s, 100), s);
    }
}
