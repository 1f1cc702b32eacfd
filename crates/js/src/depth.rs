//! A linear pre-check that bounds how deep the parser and the semantic pass will recurse.
//!
//! oxc's parser and visitors are recursive: `(((…)))`, but also constructs without any
//! bracket — `!!!…x`, `x=x=…`, `a?b:a?b:…`, `()=>()=>…`, `if(a) if(a) …`, and left-deep trees
//! such as `1+1+…` or `a.b.b…` that the semantic pass walks recursively — nest one level per
//! token. A 60 KB file of them overflows any fixed stack. Before parsing, this scan counts, per
//! bracket level, the tokens that can open a nesting level since the last point where a new
//! expression or statement starts at that level (`;`, `,`, a line break that ends a statement,
//! a block that is not followed by `else`/`catch`/…). The sum over the open levels
//! over-estimates the AST depth of any expression; a file over the limit is not parsed and is
//! reported as not analysed.
//!
//! Strings, template text, comments and regular-expression literals are skipped so that an
//! ASCII-art comment or a `'-----'` separator does not count.

/// What the scan found: the deepest bracket nesting and the deepest operator/statement chain,
/// each with the byte offset where it was reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Depth {
    pub brackets: usize,
    pub brackets_at: usize,
    pub chain: usize,
    pub chain_at: usize,
}

/// Words that nest what follows them (unary keywords, statement heads) or join two
/// expressions (`in`, `instanceof`).
fn nesting_word(w: &[u8]) -> bool {
    matches!(
        w,
        b"if"
            | b"else"
            | b"while"
            | b"for"
            | b"do"
            | b"with"
            | b"new"
            | b"typeof"
            | b"void"
            | b"delete"
            | b"await"
            | b"yield"
            | b"in"
            | b"instanceof"
            | b"case"
            | b"return"
            | b"throw"
    )
}

/// Words after which a line break cannot end the statement or a block (`} else`).
fn continues(w: &[u8]) -> bool {
    matches!(
        w,
        b"else" | b"catch" | b"finally" | b"in" | b"instanceof" | b"of" | b"while"
    )
}

/// Statement heads that nest the next statement: `if (a)\nif (b)` is one chain.
fn statement_head(w: &[u8]) -> bool {
    matches!(w, b"if" | b"else" | b"while" | b"for" | b"do" | b"with")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start of input, an operator, an opening bracket, a keyword: a `/` here starts a regex.
    Operator,
    /// An identifier, literal, `]` or `}`: the expression may be complete.
    Value,
    /// `)`: complete, but `if (a)` followed by a statement keyword nests.
    Paren,
}

struct Level {
    chain: usize,
    /// This level was opened by `${` inside a template literal.
    template: bool,
}

/// Scans `text` once (see the module documentation).
pub fn scan(text: &str) -> Depth {
    let b = text.as_bytes();
    let mut d = Depth::default();
    let mut levels: Vec<Level> = vec![Level {
        chain: 0,
        template: false,
    }];
    let mut sum = 0usize;
    let mut prev = Prev::Operator;
    // A line break (or a closed block) was seen since the last token.
    let mut newline = false;
    let mut after_block = false;
    let mut i = 0;
    // Inside a template literal's text (not its `${}` code).
    let mut in_template = false;

    macro_rules! reset {
        () => {
            if let Some(l) = levels.last_mut() {
                sum -= l.chain;
                l.chain = 0;
            }
        };
    }
    macro_rules! count {
        ($at:expr) => {
            if let Some(l) = levels.last_mut() {
                l.chain += 1;
                sum += 1;
                if sum > d.chain {
                    d.chain = sum;
                    d.chain_at = $at;
                }
            }
        };
    }

    while i < b.len() {
        if in_template {
            match b[i] {
                b'\\' => i += 2,
                b'`' => {
                    in_template = false;
                    prev = Prev::Value;
                    i += 1;
                }
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    in_template = false;
                    levels.push(Level {
                        chain: 0,
                        template: true,
                    });
                    if levels.len() - 1 > d.brackets {
                        d.brackets = levels.len() - 1;
                        d.brackets_at = i;
                    }
                    prev = Prev::Operator;
                    i += 2;
                }
                _ => i += 1,
            }
            continue;
        }
        let c = b[i];
        match c {
            b'\n' | b'\r' => {
                newline = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        // Comments.
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |n| i + 2 + n + 2);
            newline = true;
            continue;
        }
        // Where the previous statement may have ended, a new one starts at this level.
        let word_start = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'"' | b'\'');
        if (after_block || newline) && word_start && prev != Prev::Operator {
            let w = word_at(b, i);
            let nests = prev == Prev::Paren && statement_head(w);
            if !continues(w) && !nests {
                reset!();
            }
        }
        newline = false;
        after_block = false;
        match c {
            b'\'' | b'"' => {
                i += 1;
                while i < b.len() && b[i] != c && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                prev = Prev::Value;
            }
            b'`' => {
                in_template = true;
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                levels.push(Level {
                    chain: 0,
                    template: false,
                });
                if levels.len() - 1 > d.brackets {
                    d.brackets = levels.len() - 1;
                    d.brackets_at = i;
                }
                prev = Prev::Operator;
                i += 1;
            }
            b')' | b']' | b'}' => {
                let was_template = if levels.len() > 1 {
                    let l = levels.pop().unwrap_or(Level {
                        chain: 0,
                        template: false,
                    });
                    sum -= l.chain;
                    l.template
                } else {
                    false
                };
                if was_template && c == b'}' {
                    in_template = true;
                } else {
                    prev = if c == b')' { Prev::Paren } else { Prev::Value };
                    after_block = c == b'}';
                }
                i += 1;
            }
            b';' | b',' => {
                reset!();
                prev = Prev::Operator;
                i += 1;
            }
            b'/' if prev == Prev::Operator => {
                // A regular-expression literal.
                i += 1;
                let mut class = false;
                while i < b.len() && b[i] != b'\n' {
                    match b[i] {
                        b'\\' => i += 1,
                        b'[' => class = true,
                        b']' => class = false,
                        b'/' if !class => break,
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
                prev = Prev::Value;
            }
            b'!' | b'~' | b'+' | b'-' => {
                // Each one may be a unary operator nesting the next.
                count!(i);
                // `x++` / `x--` end an expression.
                if matches!(c, b'+' | b'-') && b.get(i + 1) == Some(&c) && prev != Prev::Operator {
                    i += 2;
                    prev = Prev::Value;
                } else {
                    i += 1;
                    prev = Prev::Operator;
                }
            }
            _ if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'$') || b[i] >= 0x80)
                {
                    i += 1;
                }
                let w = &b[start..i];
                if nesting_word(w) {
                    count!(start);
                    prev = Prev::Operator;
                } else {
                    prev = Prev::Value;
                }
            }
            _ if is_operator(c) => {
                // One run of operator characters (`===`, `=>`, `?.`, `>>>=`) is one level.
                count!(i);
                while i < b.len() && is_operator(b[i]) && !matches!(b[i], b'!' | b'~' | b'+' | b'-')
                {
                    i += 1;
                }
                prev = Prev::Operator;
            }
            _ => i += 1,
        }
    }
    d
}

fn is_operator(c: u8) -> bool {
    matches!(
        c,
        b'=' | b'<' | b'>' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b'?' | b':' | b'.' | b'@'
    ) || matches!(c, b'!' | b'~' | b'+' | b'-')
}

fn word_at(b: &[u8], i: usize) -> &[u8] {
    let end = b[i..]
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$')))
        .map_or(b.len(), |n| i + n);
    &b[i..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(s: &str) -> usize {
        scan(s).chain
    }

    #[test]
    fn brackets_are_counted_outside_strings() {
        let d = scan("f(a[b{c}])");
        assert_eq!(d.brackets, 3);
        assert_eq!(scan("x = '((((((('; y = \"[[[[\"; // ((((\n").brackets, 0);
        assert_eq!(scan(")))").brackets, 0);
    }

    #[test]
    fn chains_without_brackets_are_counted() {
        for unit in [
            "1+", "!", "a.", "x=", "a?b:", "()=>", "if(a) ", "- ", "typeof ",
        ] {
            let s = unit.repeat(500) + "1";
            assert!(chain(&s) >= 500, "{unit}: {}", chain(&s));
        }
        // Line breaks inside an expression do not end it.
        assert!(chain(&"1+\n".repeat(300)) >= 300);
        assert!(chain(&"a\n.b".repeat(300)) >= 300);
        assert!(chain(&"if (a)\n".repeat(300)) >= 300);
        assert!(chain(&"if (a) {} else ".repeat(300)) >= 300);
    }

    #[test]
    fn ordinary_code_stays_shallow() {
        // Many statements, with and without semicolons, in one block.
        let semis = "const a = b.c + d;\n".repeat(2000);
        assert!(chain(&semis) < 10, "{}", chain(&semis));
        let asi = "const a = b.c + d\nfoo(a)\nif (a) { bar() }\n".repeat(2000);
        assert!(chain(&asi) < 10, "{}", chain(&asi));
        let obj = format!("module.exports = {{ {} }};", "k: a.b,".repeat(2000));
        assert!(chain(&obj) < 10);
        // Operators in strings, comments, templates and regexes do not count.
        let quoted =
            "x = '-+-+-+-+-+-+-+-+-+-' /* ------- */ + `a-b-c-${d}-e` + /[-+!]+/g;\n".repeat(500);
        assert!(chain(&quoted) < 12, "{}", chain(&quoted));
    }

    #[test]
    fn template_code_is_scanned() {
        let s = format!("`${{{}1}}`", "!".repeat(400));
        assert!(chain(&s) >= 400);
        assert_eq!(scan("`a${b}c`").brackets, 1);
    }
}
