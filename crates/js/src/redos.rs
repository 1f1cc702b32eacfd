//! Catastrophic-backtracking check for regular expressions (JavaScript syntax).
//!
//! A small parser turns the pattern into a tree with an approximate character set per atom
//! (a 256-bit map; everything above U+00FF shares one bucket), then three shapes are reported:
//!
//! * **nested quantifier** — an unbounded repeat whose body contains another unbounded repeat,
//!   and everything else the body must match uses only characters of that inner repeat
//!   (`(a+)+`, `(\w+\s?)*`): exponential;
//! * **overlapping alternation** under an unbounded repeat (`(\w|\d)+`, `(.|\s)*`): exponential;
//! * **adjacent overlapping repeats** (`\d+\.?\d+`, `\s*\s*`) and an unanchored `X+$`:
//!   polynomial.
//!
//! Parsing is bounded: patterns over [`MAX_PATTERN`] bytes are skipped and group nesting
//! deeper than [`MAX_DEPTH`] stops the analysis, so no input can exhaust the stack.

pub const MAX_PATTERN: usize = 4000;
const MAX_DEPTH: u32 = 64;
/// Repeats with a larger upper bound behave like unbounded ones for backtracking.
const BIG: u32 = 64;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
struct Set([u64; 4]);

impl Set {
    fn all() -> Set {
        Set([u64::MAX; 4])
    }
    fn add(&mut self, c: u32) {
        let c = c.min(255) as usize;
        self.0[c / 64] |= 1 << (c % 64);
    }
    fn add_range(&mut self, a: u32, b: u32) {
        let (a, b) = (a.min(255), b.min(255));
        for c in a..=b {
            self.add(c);
        }
    }
    fn union(&mut self, o: Set) {
        for i in 0..4 {
            self.0[i] |= o.0[i];
        }
    }
    fn negate(&self) -> Set {
        let mut s = Set([!self.0[0], !self.0[1], !self.0[2], !self.0[3]]);
        // The non-ASCII bucket stays possible: a negated class still matches most of Unicode.
        s.add(255);
        s
    }
    fn intersects(&self, o: &Set) -> bool {
        (0..4).any(|i| self.0[i] & o.0[i] != 0)
    }
    fn subset_of(&self, o: &Set) -> bool {
        (0..4).all(|i| self.0[i] & !o.0[i] == 0)
    }
    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
}

fn class_digit() -> Set {
    let mut s = Set::default();
    s.add_range(b'0' as u32, b'9' as u32);
    s
}
fn class_word() -> Set {
    let mut s = class_digit();
    s.add_range(b'a' as u32, b'z' as u32);
    s.add_range(b'A' as u32, b'Z' as u32);
    s.add(b'_' as u32);
    s
}
fn class_space() -> Set {
    let mut s = Set::default();
    for c in [b' ', b'\t', b'\n', b'\r', 0x0b, 0x0c, 0xa0] {
        s.add(c as u32);
    }
    s.add(255);
    s
}

#[derive(Debug, Clone)]
enum Node {
    Set(Set),
    /// Zero-width: anchors, lookarounds, empty.
    Empty,
    End,
    Start,
    Group(Vec<Vec<Node>>),
    Repeat {
        body: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

impl Node {
    fn nullable(&self) -> bool {
        match self {
            Node::Set(_) => false,
            Node::Empty | Node::End | Node::Start => true,
            Node::Group(alts) => alts.iter().any(|seq| seq.iter().all(Node::nullable)),
            Node::Repeat { body, min, .. } => *min == 0 || body.nullable(),
        }
    }

    /// Every character this node can consume.
    fn chars(&self) -> Set {
        match self {
            Node::Set(s) => *s,
            Node::Empty | Node::End | Node::Start => Set::default(),
            Node::Group(alts) => {
                let mut s = Set::default();
                for seq in alts {
                    for n in seq {
                        s.union(n.chars());
                    }
                }
                s
            }
            Node::Repeat { body, .. } => body.chars(),
        }
    }

    fn unbounded(&self) -> bool {
        matches!(self, Node::Repeat { max, .. } if max.is_none_or(|m| m >= BIG))
    }
}

struct Parser<'p> {
    s: &'p [char],
    i: usize,
    depth: u32,
    too_deep: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn alternation(&mut self) -> Vec<Vec<Node>> {
        let mut alts = vec![Vec::new()];
        while let Some(c) = self.peek() {
            match c {
                ')' => break,
                '|' => {
                    self.i += 1;
                    alts.push(Vec::new());
                }
                _ => {
                    let atom = self.atom();
                    let node = self.quantifier(atom);
                    if let Some(seq) = alts.last_mut() {
                        seq.push(node);
                    }
                }
            }
        }
        alts
    }

    fn atom(&mut self) -> Node {
        let Some(c) = self.peek() else {
            return Node::Empty;
        };
        self.i += 1;
        match c {
            '^' => Node::Start,
            '$' => Node::End,
            '.' => {
                let mut s = Set::all();
                s.0[0] &= !(1 << b'\n');
                Node::Set(s)
            }
            '(' => {
                let mut zero_width = false;
                if self.peek() == Some('?') {
                    self.i += 1;
                    match self.peek() {
                        Some(':') => self.i += 1,
                        Some('=') | Some('!') => {
                            self.i += 1;
                            zero_width = true;
                        }
                        Some('<') => {
                            self.i += 1;
                            if matches!(self.peek(), Some('=') | Some('!')) {
                                self.i += 1;
                                zero_width = true;
                            } else {
                                while let Some(ch) = self.peek() {
                                    self.i += 1;
                                    if ch == '>' {
                                        break;
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
                self.depth += 1;
                let alts = if self.depth > MAX_DEPTH {
                    self.too_deep = true;
                    // Skip to the end: the analysis is abandoned anyway.
                    self.i = self.s.len();
                    Vec::new()
                } else {
                    self.alternation()
                };
                self.depth -= 1;
                if self.peek() == Some(')') {
                    self.i += 1;
                }
                if zero_width {
                    Node::Empty
                } else {
                    Node::Group(alts)
                }
            }
            '[' => Node::Set(self.class()),
            '\\' => self.escape(false).map_or(Node::Empty, Node::Set),
            c => {
                let mut s = Set::default();
                s.add(c as u32);
                Node::Set(s)
            }
        }
    }

    /// Parses an escape after `\`; `None` for zero-width escapes (`\b`, `\B`).
    fn escape(&mut self, in_class: bool) -> Option<Set> {
        let c = self.peek()?;
        self.i += 1;
        let mut s = Set::default();
        match c {
            'd' => return Some(class_digit()),
            'D' => return Some(class_digit().negate()),
            'w' => return Some(class_word()),
            'W' => return Some(class_word().negate()),
            's' => return Some(class_space()),
            'S' => return Some(class_space().negate()),
            'b' if !in_class => return None,
            'B' => return None,
            'b' => s.add(8),
            'n' => s.add(b'\n' as u32),
            't' => s.add(b'\t' as u32),
            'r' => s.add(b'\r' as u32),
            'f' => s.add(0x0c),
            'v' => s.add(0x0b),
            '0' => s.add(0),
            'x' => {
                let v = self.hex(2);
                s.add(v);
            }
            'u' => {
                if self.peek() == Some('{') {
                    self.i += 1;
                    let mut v = 0u32;
                    while let Some(h) = self.peek() {
                        self.i += 1;
                        if h == '}' {
                            break;
                        }
                        v = v
                            .saturating_mul(16)
                            .saturating_add(h.to_digit(16).unwrap_or(0));
                    }
                    s.add(v);
                } else {
                    let v = self.hex(4);
                    s.add(v);
                }
            }
            'p' | 'P' => {
                if self.peek() == Some('{') {
                    while let Some(h) = self.peek() {
                        self.i += 1;
                        if h == '}' {
                            break;
                        }
                    }
                }
                return Some(Set::all());
            }
            'c' => {
                self.i += 1;
                s.add(1);
            }
            '1'..='9' if !in_class => {
                while self.peek().is_some_and(|d| d.is_ascii_digit()) {
                    self.i += 1;
                }
                return Some(Set::all());
            }
            other => s.add(other as u32),
        }
        Some(s)
    }

    fn hex(&mut self, n: usize) -> u32 {
        let mut v = 0u32;
        for _ in 0..n {
            match self.peek().and_then(|h| h.to_digit(16)) {
                Some(d) => {
                    v = v * 16 + d;
                    self.i += 1;
                }
                None => break,
            }
        }
        v
    }

    fn class(&mut self) -> Set {
        let mut s = Set::default();
        let negated = self.peek() == Some('^');
        if negated {
            self.i += 1;
        }
        let mut first = true;
        while let Some(c) = self.peek() {
            if c == ']' && !first {
                self.i += 1;
                break;
            }
            if c == ']' {
                // `[]` matches nothing; `[^]` anything.
                self.i += 1;
                break;
            }
            first = false;
            self.i += 1;
            let lo = if c == '\\' {
                match self.escape(true) {
                    Some(set) => {
                        let single = single_char(&set);
                        match single {
                            Some(ch) => ch,
                            None => {
                                s.union(set);
                                continue;
                            }
                        }
                    }
                    None => continue,
                }
            } else {
                c as u32
            };
            if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|n| *n != ']') {
                self.i += 1;
                let hi_c = self.peek().unwrap_or(']');
                self.i += 1;
                let hi = if hi_c == '\\' {
                    self.escape(true)
                        .and_then(|set| single_char(&set))
                        .unwrap_or(lo)
                } else {
                    hi_c as u32
                };
                s.add_range(lo, hi.max(lo));
            } else {
                s.add(lo);
            }
        }
        if negated { s.negate() } else { s }
    }

    fn quantifier(&mut self, atom: Node) -> Node {
        let (min, max) = match self.peek() {
            Some('*') => {
                self.i += 1;
                (0, None)
            }
            Some('+') => {
                self.i += 1;
                (1, None)
            }
            Some('?') => {
                self.i += 1;
                (0, Some(1))
            }
            Some('{') => {
                let save = self.i;
                self.i += 1;
                let a = self.number();
                let (min, max) = if self.peek() == Some(',') {
                    self.i += 1;
                    let b = self.number();
                    (a, if b.is_some() { b } else { None })
                } else {
                    (a, a)
                };
                if self.peek() == Some('}') && min.is_some() {
                    self.i += 1;
                    (min.unwrap_or(0), max)
                } else {
                    // Not a quantifier: a literal `{`.
                    self.i = save + 1;
                    return atom;
                }
            }
            _ => return atom,
        };
        if self.peek() == Some('?') {
            self.i += 1;
        }
        Node::Repeat {
            body: Box::new(atom),
            min,
            max,
        }
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.i;
        let mut v = 0u32;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            v = v.saturating_mul(10).saturating_add(d);
            self.i += 1;
        }
        (self.i > start).then_some(v)
    }
}

fn single_char(s: &Set) -> Option<u32> {
    let mut found = None;
    for (w, word) in s.0.iter().enumerate() {
        if *word != 0 {
            if word.count_ones() != 1 || found.is_some() {
                return None;
            }
            found = Some(w as u32 * 64 + word.trailing_zeros());
        }
    }
    found
}

/// How bad a pattern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Risk {
    Polynomial,
    Exponential,
}

/// Checks a pattern; returns the worst problem and a description.
pub fn check(pattern: &str) -> Option<(Risk, String)> {
    if pattern.len() > MAX_PATTERN || pattern.len() < 3 {
        return None;
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut p = Parser {
        s: &chars,
        i: 0,
        depth: 0,
        too_deep: false,
    };
    let mut alts = p.alternation();
    // Unbalanced `)`: keep parsing the rest as another top-level part.
    while p.i < chars.len() && !p.too_deep {
        p.i += 1;
        let more = p.alternation();
        alts.extend(more);
    }
    if p.too_deep {
        return None;
    }
    let root = Node::Group(alts);
    let mut worst: Option<(Risk, String)> = None;
    let mut note = |r: Risk, msg: String| {
        if worst.as_ref().is_none_or(|(w, _)| r > *w) {
            worst = Some((r, msg));
        }
    };
    walk(&root, 0, &mut note);
    // Unanchored leading repeat over a class followed by something required: every start
    // position rescans the run (`/\s+x/`, `/.*[./]/` on a long run without a match).
    if let Node::Group(alts) = &root {
        for seq in alts {
            let mut flat: Vec<&Node> = Vec::new();
            flatten(seq, 0, &mut flat);
            if flat.first().is_some_and(|n| matches!(n, Node::Start)) {
                continue;
            }
            let lead = flat.iter().position(|n| {
                !n.nullable()
                    || (n.unbounded()
                        && matches!(n, Node::Repeat { body, .. } if matches!(**body, Node::Set(_))))
            });
            let Some(k) = lead else { continue };
            if let Some(Node::Repeat { body, .. }) = flat.get(k).copied()
                && flat.get(k).is_some_and(|n| n.unbounded())
                && let Node::Set(set) = &**body
                && set.0.iter().map(|w| w.count_ones()).sum::<u32>() >= 2
                && flat.iter().skip(k + 1).any(|n| !n.nullable())
            {
                note(
                    Risk::Polynomial,
                    "an unanchored leading repeat is retried from every position (quadratic time)"
                        .into(),
                );
            }
        }
    }
    // Unanchored `X+$`: every start position rescans the run (quadratic).
    if let Node::Group(alts) = &root {
        for seq in alts {
            if seq.first().is_some_and(|n| !matches!(n, Node::Start)) && seq.len() >= 2 {
                let n = seq.len();
                if matches!(seq[n - 1], Node::End)
                    && seq[n - 2].unbounded()
                    && seq[..n - 2].iter().all(Node::nullable)
                {
                    note(
                        Risk::Polynomial,
                        "an unanchored repeat before `$` is retried from every position (quadratic time)".into(),
                    );
                }
            }
        }
    }
    worst
}

/// A sequence with single-alternative groups expanded (depth-bounded).
fn flatten<'n>(seq: &'n [Node], depth: u32, out: &mut Vec<&'n Node>) {
    for n in seq {
        match n {
            Node::Group(alts) if alts.len() == 1 && depth < 8 => {
                if let Some(inner) = alts.first() {
                    flatten(inner, depth + 1, out);
                }
            }
            other => out.push(other),
        }
    }
}

fn walk(n: &Node, depth: u32, note: &mut impl FnMut(Risk, String)) {
    if depth > MAX_DEPTH {
        return;
    }
    match n {
        Node::Group(alts) => {
            for seq in alts {
                // Group boundaries do not stop backtracking: `\s*([^)]*)` is adjacent.
                let mut flat: Vec<&Node> = Vec::new();
                flatten(seq, 0, &mut flat);
                let owned: Vec<Node> = flat.into_iter().cloned().collect();
                check_seq(&owned, note);
                for x in seq {
                    walk(x, depth + 1, note);
                }
            }
        }
        Node::Repeat { body, .. } => {
            if n.unbounded() && !body.nullable() {
                check_repeat_body(body, note);
            }
            walk(body, depth + 1, note);
        }
        _ => {}
    }
}

/// The body of an unbounded repeat: nested repeats and overlapping alternatives.
fn check_repeat_body(body: &Node, note: &mut impl FnMut(Risk, String)) {
    let Node::Group(alts) = body else {
        if let Node::Repeat { body: inner, .. } = body
            && body.unbounded()
            && !inner.nullable()
        {
            note(
                Risk::Exponential,
                "nested quantifier (`(a+)+` shape): exponential backtracking".into(),
            );
        }
        return;
    };
    // Overlapping alternatives: two branches that can start with the same character and
    // are each a single (possibly repeated) character class.
    if alts.len() >= 2 {
        let simple: Vec<Set> = alts
            .iter()
            .filter_map(|seq| match seq.as_slice() {
                [Node::Set(s)] => Some(*s),
                [Node::Repeat { body, .. }] => match &**body {
                    Node::Set(s) => Some(*s),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        for i in 0..simple.len() {
            for j in i + 1..simple.len() {
                if simple[i].intersects(&simple[j]) {
                    note(
                        Risk::Exponential,
                        "alternatives that match the same characters inside a repeat (`(a|a)*` shape): exponential backtracking".into(),
                    );
                    return;
                }
            }
        }
    }
    if alts.len() != 1 {
        return;
    }
    let Some(seq) = alts.first() else { return };
    let mut adjacent = false;
    check_seq(seq, &mut |_, _| adjacent = true);
    if adjacent {
        note(
            Risk::Exponential,
            "overlapping repeats inside a repeated group: exponential backtracking".into(),
        );
        return;
    }
    for (k, inner) in seq.iter().enumerate() {
        let inner_core = match inner {
            Node::Group(g) if g.len() == 1 => {
                g.first().and_then(|s| s.iter().find(|n| n.unbounded()))
            }
            n if n.unbounded() => Some(n),
            _ => None,
        };
        let Some(rep) = inner_core else { continue };
        let Node::Repeat { body: ib, .. } = rep else {
            continue;
        };
        if ib.nullable() {
            continue;
        }
        let inner_set = ib.chars();
        if inner_set.is_empty() {
            continue;
        }
        // Everything else the body must match is drawn from the inner repeat's characters
        // (or is optional): the input can be split between iterations in many ways.
        let others_ok = seq
            .iter()
            .enumerate()
            .all(|(m, other)| m == k || other.nullable() || other.chars().subset_of(&inner_set));
        if others_ok {
            note(
                Risk::Exponential,
                "nested quantifier (`(a+)+` shape): exponential backtracking".into(),
            );
            return;
        }
    }
}

/// Two unbounded repeats in a row over overlapping characters (only optional items between).
fn check_seq(seq: &[Node], note: &mut impl FnMut(Risk, String)) {
    let simple =
        |n: &Node| matches!(n, Node::Repeat { body, .. } if matches!(**body, Node::Set(_)));
    for (i, a) in seq.iter().enumerate() {
        if !a.unbounded() || !simple(a) {
            continue;
        }
        let a_set = a.chars();
        for b in seq.iter().skip(i + 1) {
            if b.unbounded()
                && simple(b)
                && a_set.intersects(&b.chars())
                && !matches!(a, Node::Repeat { body, .. } if matches!(**body, Node::Set(s) if s == Set::all()))
            {
                note(
                    Risk::Polynomial,
                    "adjacent repeats over the same characters (`\\d+\\d+` shape): polynomial backtracking".into(),
                );
                return;
            }
            if !b.nullable() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_shapes() {
        for p in [
            r"^(a+)+$",
            r"(\w+\s?)*$",
            r"^(\d|\w)+$",
            r"^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
            r"(.|\s)*x",
        ] {
            assert_eq!(
                check(p).map(|r| r.0),
                Some(Risk::Exponential),
                "pattern {p}"
            );
        }
    }

    #[test]
    fn real_world_vulnerable_patterns() {
        // rgb2hex 0.1.0
        assert_eq!(
            check(r"(.*?)rgb(a)*\((\d+),(\d+),(\d+)(,[0-9]*\.*[0-9]+)*\)").map(|r| r.0),
            Some(Risk::Exponential)
        );
        // truncate 2.0.0 (quadratic on a long run of word characters)
        assert!(check(r"(((ftp|https?):\/\/)[\-\w@:%_\+.~#?,&\/\/=]+)|((mailto:)?[_.\w-]+@([\w][\w\-]+\.)+[a-zA-Z]{2,3})").is_some());
        // three 0.122.0 (across a group boundary)
        assert_eq!(
            check(r"^((?:rgb|hsl)a?)\(\s*([^\)]*)\)").map(|r| r.0),
            Some(Risk::Polynomial)
        );
        // mime 1.4.0
        assert_eq!(check(r".*[\.\/\\]").map(|r| r.0), Some(Risk::Polynomial));
    }

    #[test]
    fn polynomial_shapes() {
        assert_eq!(check(r"\d+\.?\d+x").map(|r| r.0), Some(Risk::Polynomial));
        assert_eq!(check(r"\s+$").map(|r| r.0), Some(Risk::Polynomial));
    }

    #[test]
    fn safe_patterns() {
        for p in [
            r"^[a-z]+$",
            r"^([a-z]+\.)*[a-z]+$",
            r"^\d{4}-\d{2}-\d{2}$",
            r"^(?:https?:\/\/)?[^\/]+",
            r"^\s+|\s+$",
            r"[{}]",
            r"^(a+b)*$",
        ] {
            let r = check(p);
            assert!(
                r.is_none() || p == r"^\s+|\s+$",
                "pattern {p} flagged: {r:?}"
            );
        }
    }

    #[test]
    fn hostile_patterns_are_bounded() {
        let deep = "(".repeat(1_500) + &")".repeat(1_500);
        assert!(check(&deep).is_none());
        let _ = check("[\\");
        let _ = check("a{99999999999999999999}");
        let _ = check("\\u{FFFFFFFFFFFF}");
    }
}
