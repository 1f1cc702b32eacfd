//! Neutralising untrusted text before it reaches a terminal, a Markdown renderer or a URI.
//!
//! File names, messages, snippets and remediation hints can all carry bytes chosen by the
//! author of a hostile package. Printed raw, an ESC byte lets them rewrite the user's terminal
//! (hide a finding, fake an "approved" line, set the window title, or worse on terminals with
//! exploitable escape handlers); bidirectional overrides make code read differently from how
//! it runs (Trojan Source, CVE-2021-42574); in Markdown, raw HTML or link syntax lets them
//! inject content into a pull-request comment. Every format funnels such text through this
//! module.

use std::borrow::Cow;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthChar;

/// True for characters that must never reach a terminal as themselves: C0 controls (except
/// the ones a caller handles itself), DEL, C1 controls (`U+0080..=U+009F`, which include the
/// 8-bit CSI), bidirectional embeddings/overrides/isolates, and other invisible format
/// characters that can disguise text.
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}'              // zero-width no-break space / BOM
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
        )
}

/// The visible replacement for a dangerous character: `\x1b` style for ASCII and C1
/// controls, `<U+202E>` for the others. Shown rather than dropped so a reviewer can see that
/// something was hidden there.
fn escape_char(c: char, out: &mut String) {
    let n = c as u32;
    if n < 0x100 {
        let _ = write!(out, "\\x{n:02x}");
    } else {
        let _ = write!(out, "<U+{n:04X}>");
    }
}

/// Makes one line of untrusted text safe for a terminal: every control or invisible
/// formatting character (newlines and tabs included) is replaced by a visible escape.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_dangerous) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push(' '),
            c if is_dangerous(c) => escape_char(c, &mut out),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`terminal`] for text that may legitimately span lines (remediation hints): keeps
/// `\n` (dropping a preceding `\r`) and escapes everything else.
pub fn terminal_multiline(s: &str) -> String {
    s.split('\n')
        .map(|l| terminal(l.strip_suffix('\r').unwrap_or(l)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// One snippet line made safe for a terminal, plus the display width of each source
/// character, so that a caret line can be drawn under the right columns even when a
/// character was escaped into several (`\x1b` is four cells) or is a wide CJK character.
pub fn terminal_with_widths(line: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(line.len());
    let mut widths = Vec::with_capacity(line.len());
    for c in line.chars() {
        let before = out.len();
        match c {
            // A tab is one column in the region's coordinates but is shown as four spaces;
            // its width below is four cells, which keeps the caret aligned.
            '\t' => out.push_str("    "),
            c if is_dangerous(c) => escape_char(c, &mut out),
            c => out.push(c),
        }
        let added = out.get(before..).map_or(1, |pushed| pushed.chars().count());
        let width = if added == 1 {
            c.width().unwrap_or(1).max(1)
        } else {
            added
        };
        widths.push(width);
    }
    (out, widths)
}

/// Escapes untrusted text for inline use in GitHub-flavoured Markdown, including inside a
/// table cell: HTML special characters become entities (no raw HTML, no tag injection), and
/// Markdown punctuation is backslash-escaped so text cannot open links, images, emphasis,
/// code spans, headings or table columns. Line breaks and control characters become spaces or
/// visible escapes, so one value can never break out of its table row.
pub fn markdown_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '|' => out.push_str("&#124;"),
            // Emphasis, code spans, links/images, strikethrough; `:` and `@` defuse URL and
            // e-mail autolinks. Line-start syntax (`#`, `-`, `1.`) needs no escape: the text
            // never starts a line (line breaks become spaces).
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | ':' | '@' => {
                out.push('\\');
                out.push(c);
            }
            // `www.` autolinks.
            '.' if out
                .get(out.len().saturating_sub(3)..)
                .is_some_and(|t| t.eq_ignore_ascii_case("www")) =>
            {
                out.push_str("\\.");
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_dangerous(c) => escape_char(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// Untrusted text for inside a fenced code block: the fence cannot be closed early because
/// the caller picks a fence longer than any backtick run in the text, and `&`/`<` are not
/// special inside fences; only control characters need escaping.
pub fn markdown_code_line(s: &str) -> String {
    terminal(s).into_owned()
}

/// Percent-encodes a package-relative path into a relative URI reference (RFC 3986) for
/// SARIF `artifactLocation.uri` and CycloneDX references. Everything outside the unreserved
/// set and `/` is encoded — `:` included, so that a hostile first segment such as
/// `javascript:alert(1)` or `C:` cannot turn the reference into an absolute URI, and `%`, `?`,
/// `#` and spaces cannot change its meaning. A leading `/` is dropped: paths are relative to
/// the package root.
pub fn uri_path(path: &str) -> String {
    let path = path.trim_start_matches('/');
    let mut out = String::with_capacity(path.len() + 8);
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_made_visible() {
        let hostile = "lib/\x1b]0;pwned\x07evil\x1b[2K\r.js";
        let safe = terminal(hostile);
        assert!(!safe.chars().any(|c| c.is_control()), "{safe:?}");
        assert_eq!(safe, "lib/\\x1b]0;pwned\\x07evil\\x1b[2K\\x0d.js");
        // The 8-bit CSI (U+009B) is as dangerous as ESC [.
        assert_eq!(terminal("a\u{9b}31mb"), "a\\x9b31mb");
    }

    #[test]
    fn trojan_source_bidi_is_shown() {
        let s = "if (isAdmin) {\u{202E} } \u{2066}// check later\u{2069}";
        let safe = terminal(s);
        assert!(safe.contains("<U+202E>"));
        assert!(safe.contains("<U+2066>") && safe.contains("<U+2069>"));
        assert!(!safe.contains('\u{202E}'));
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            terminal("nodes/Shell/Shell.node.js"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn widths_follow_escapes_and_wide_chars() {
        let (s, w) = terminal_with_widths("a\x1b漢\tb");
        assert_eq!(s, "a\\x1b漢    b");
        assert_eq!(w, vec![1, 4, 2, 4, 1]);
    }

    #[test]
    fn markdown_cannot_inject_html_links_or_columns() {
        let s = "<img src=x onerror=alert(1)> [click](https://evil.example) | `x` **b**\n# h";
        let md = markdown_inline(s);
        assert!(!md.contains('<') && !md.contains('>'));
        assert!(!md.contains('\n'));
        assert!(!md.contains('|'));
        assert!(md.contains("\\[click\\](https\\://evil"));
        assert_eq!(
            markdown_inline("see www.evil.example"),
            "see www\\.evil.example"
        );
        assert_eq!(markdown_inline("a@b.c"), "a\\@b.c");
        assert_eq!(markdown_inline("漢."), "漢.");
        assert!(md.contains("\\`x\\`"));
    }

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri_path("nodes/A B/x#1.js"), "nodes/A%20B/x%231.js");
        assert_eq!(uri_path("javascript:alert(1)"), "javascript%3Aalert%281%29");
        assert_eq!(uri_path("/etc/passwd"), "etc/passwd");
        assert_eq!(uri_path("ü.js"), "%C3%BC.js");
    }
}
