//! A linear, allocation-light measure of how deeply a structured text nests, checked before
//! a recursive parser (serde's YAML/TOML/JSON readers, an XML tree walk) sees hostile input.
//!
//! The measure over-approximates rather than parses: brackets outside strings and comments,
//! plus (YAML) block indentation levels and compact `- - -` entries, plus (XML) open
//! elements. A real manifest nests under ten levels; hostile ones nest a hundred thousand.
//! Counting stops as soon as the limit is passed, so the cost is one pass at most.

/// The syntaxes [`exceeds`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
    Toml,
    Xml,
}

/// Nesting limit of platform manifests and lockfiles: far above any real one (Forge
/// manifests nest ~6 deep, lockfiles ~5), far below what overflows a recursive reader.
pub const MAX_DOCUMENT_NESTING: usize = 64;

/// `Some(depth)` when `text` nests deeper than `max` (the depth at which counting stopped),
/// else `None`.
pub fn exceeds(text: &str, syntax: Syntax, max: usize) -> Option<usize> {
    let depth = match syntax {
        Syntax::Json => brackets(text.as_bytes(), max, b"", false),
        Syntax::Toml => brackets(text.as_bytes(), max, b"'", true),
        Syntax::Yaml => yaml(text, max),
        Syntax::Xml => xml(text.as_bytes(), max),
    };
    (depth > max).then_some(depth)
}

/// Deepest `[`/`{` nesting outside `"…"` strings (and `extra_quote` strings, and `#`
/// comments when `hash_comments`); stops past `max`.
fn brackets(b: &[u8], max: usize, extra_quote: &[u8], hash_comments: bool) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'"' => i = skip_quoted(b, i, b'"', true),
            b'#' if hash_comments => i = skip_line(b, i),
            b'[' | b'{' => {
                depth += 1;
                if depth > deepest {
                    deepest = depth;
                    if deepest > max {
                        return deepest;
                    }
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ if extra_quote.contains(&c) => i = skip_quoted(b, i, c, false),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Index of the closing quote of the string opening at `i` (or the end).
fn skip_quoted(b: &[u8], i: usize, quote: u8, escapes: bool) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        if escapes && b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == quote {
            return j;
        }
        j += 1;
    }
    b.len()
}

fn skip_line(b: &[u8], i: usize) -> usize {
    memchr_newline(&b[i..]).map_or(b.len(), |n| i + n)
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|c| *c == b'\n')
}

/// YAML: block structure (a stack of indentation columns, plus compact `- `/`? ` entries
/// opening a level each) and flow brackets, whichever is deeper at any point.
fn yaml(text: &str, max: usize) -> usize {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut deepest = 0usize;
    for line in text.lines() {
        let b = line.as_bytes();
        let indent = b.iter().take_while(|c| **c == b' ').count();
        let rest = &b[indent..];
        if flow == 0 {
            if rest.is_empty() || rest[0] == b'#' {
                continue;
            }
            while indents.last().is_some_and(|&top| top >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        // Compact nested sequence entries on one line: `- - - x`.
        let mut dashes = 0usize;
        let mut k = 0;
        while k + 1 < rest.len() && matches!(rest[k], b'-' | b'?') && rest[k + 1] == b' ' {
            dashes += 1;
            k += 2;
            while k < rest.len() && rest[k] == b' ' {
                k += 1;
            }
        }
        let mut i = k;
        while i < rest.len() {
            match rest[i] {
                b'"' => i = skip_quoted(rest, i, b'"', true),
                b'\'' => i = skip_quoted(rest, i, b'\'', false),
                b'#' if i == 0 || rest[i - 1] == b' ' || rest[i - 1] == b'\t' => break,
                b'[' | b'{' => flow += 1,
                b']' | b'}' => flow = flow.saturating_sub(1),
                _ => {}
            }
            let depth = indents.len() + dashes + flow;
            if depth > deepest {
                deepest = depth;
                if deepest > max {
                    return deepest;
                }
            }
            i += 1;
        }
        deepest = deepest.max(indents.len() + dashes + flow);
        if deepest > max {
            return deepest;
        }
    }
    deepest
}

/// XML: open elements (`<a>` opens, `</a>` and `/>` close); comments, CDATA, declarations
/// and processing instructions are skipped.
fn xml(b: &[u8], max: usize) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &b[i..];
        let (skip_to, delta): (&[u8], i8) = if rest.starts_with(b"<!--") {
            (b"-->", 0)
        } else if rest.starts_with(b"<![CDATA[") {
            (b"]]>", 0)
        } else if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
            (b">", 0)
        } else if rest.starts_with(b"</") {
            (b">", -1)
        } else {
            (b">", 1)
        };
        let end = find(rest, skip_to).map_or(b.len(), |n| i + n + skip_to.len());
        if delta == 1 && end >= 2 && b[end - 2] != b'/' {
            depth += 1;
            if depth > deepest {
                deepest = depth;
                if deepest > max {
                    return deepest;
                }
            }
        } else if delta == -1 {
            depth = depth.saturating_sub(1);
        }
        i = end.max(i + 1);
    }
    deepest
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_documents_pass() {
        let forge = "app:\n  id: ari:cloud:ecosystem::app/1\nmodules:\n  jira:issuePanel:\n    - key: panel\n      function: main\n      title: 'A [draft] title'\npermissions:\n  scopes: [read:jira-work, 'write:jira-work']\n  external:\n    fetch:\n      backend:\n        - address: '*.example.com'\n";
        assert_eq!(exceeds(forge, Syntax::Yaml, 8), None);
        assert_eq!(
            exceeds(r#"{"a": {"b": ["[[[[", {"c": 1}]}}"#, Syntax::Json, 4),
            None
        );
        assert_eq!(
            exceeds(
                "[tool.poetry]\nx = \"[[[[\" # [[[[\ny = [[1], [2]]\n",
                Syntax::Toml,
                3
            ),
            None
        );
        let xml = "<?xml version=\"1.0\"?><manifest><!-- <a><b><c> --><control a=\"x\"><property/><resources><code path=\"i.ts\"/></resources></control></manifest>";
        assert_eq!(exceeds(xml, Syntax::Xml, 3), None);
    }

    #[test]
    fn hostile_documents_are_caught_early() {
        let flow = format!("app:\n  id: x\nmodules: {}", "[".repeat(100_000));
        assert_eq!(exceeds(&flow, Syntax::Yaml, 64), Some(65));
        let block: String = (0..200)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(exceeds(&block, Syntax::Yaml, 64).is_some());
        let dashes = format!("a:\n  {}x\n", "- ".repeat(500));
        assert!(exceeds(&dashes, Syntax::Yaml, 64).is_some());
        assert!(exceeds(&"{\"a\":".repeat(1000), Syntax::Json, 64).is_some());
        assert!(exceeds(&format!("a = {}", "[".repeat(1000)), Syntax::Toml, 64).is_some());
        assert!(exceeds(&"<a>".repeat(1000), Syntax::Xml, 64).is_some());
    }
}
