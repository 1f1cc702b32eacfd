//! Catastrophic-backtracking check for regular expressions (JavaScript syntax).
//!
//! A small parser turns the pattern into a tree with an approximate character set per atom
//! (a bit per Latin-1 character, and two buckets above U+00FF: Unicode white space and
//! everything else, so that `\p{L}` and `\s` stay disjoint), then these shapes are reported:
//!
//! * **nested quantifier** — an unbounded repeat whose body contains another unbounded repeat,
//!   and everything else the body must match uses only characters of that inner repeat
//!   (`(a+)+`, `(\w+\s?)*`): exponential;
//! * **overlapping alternation** under an unbounded repeat (`(\w|\d)+`, `(.|\s)*`,
//!   `("[^"]*"|[^,])*`): one alternative matches a string another matches too; exponential;
//! * **a repeat that can absorb a whole iteration** at the edge of a repeated group
//!   (`(a|b+)*`, `("[^"]*"['"]*)+`, `(\s*x\s*)*`): exponential;
//! * **adjacent overlapping repeats** (`\d+\.?\d+`, `\s*\s*`, `[^@:]+(?:[^@]+)?`,
//!   `[;?]*(?:;\w*)*`), an unanchored `X+$`, and an unanchored pattern whose prefix can recur
//!   inside the repeat that follows it with a required part after (`if\(([^)]+)\)` on
//!   `if(if(if(…`): polynomial.
//!
//! "Can match the same string" is decided on the character-set abstraction: [`within`] says
//! whether a node can match a nonempty string drawn from a given set, which is exact for
//! sequences of classes and conservative (it may say no) for the rest.
//!
//! Parsing is bounded: patterns over [`MAX_PATTERN`] bytes are skipped and group nesting
//! deeper than [`MAX_DEPTH`] stops the analysis, so no input can exhaust the stack.

pub const MAX_PATTERN: usize = 4000;
const MAX_DEPTH: u32 = 64;
/// Repeats with a larger upper bound behave like unbounded ones for backtracking.
const BIG: u32 = 64;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
struct Set([u64; 5]);

/// The bucket of every white-space character above U+00FF.
const UNI_SPACE: usize = 256;
/// The bucket of every other character above U+00FF.
const UNI_OTHER: usize = 257;
/// The used bits of the last word (the two buckets).
const LAST_MASK: u64 = 0b11;

/// White space above U+00FF (`\s` in JavaScript).
fn uni_space(c: u32) -> bool {
    matches!(
        c,
        0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000 | 0xfeff
    )
}

impl Set {
    fn all() -> Set {
        Set([u64::MAX, u64::MAX, u64::MAX, u64::MAX, LAST_MASK])
    }
    fn bit(&mut self, b: usize) {
        self.0[b / 64] |= 1 << (b % 64);
    }
    fn add(&mut self, c: u32) {
        let b = if c <= 255 {
            c as usize
        } else if uni_space(c) {
            UNI_SPACE
        } else {
            UNI_OTHER
        };
        self.bit(b);
    }
    fn add_range(&mut self, a: u32, b: u32) {
        for c in a.min(256)..=b.min(255) {
            self.add(c);
        }
        if b > 255 {
            self.bit(UNI_OTHER);
            if [0x1680, 0x2000, 0x2028, 0x202f, 0x205f, 0x3000, 0xfeff]
                .iter()
                .any(|&sp| a <= sp + 10 && sp <= b)
            {
                self.bit(UNI_SPACE);
            }
        }
    }
    fn union(&mut self, o: Set) {
        for i in 0..5 {
            self.0[i] |= o.0[i];
        }
    }
    fn negate(&self) -> Set {
        let mut s = Set([
            !self.0[0],
            !self.0[1],
            !self.0[2],
            !self.0[3],
            !self.0[4] & LAST_MASK,
        ]);
        // The bucket of other characters stays possible: a negated class still matches most
        // of Unicode.
        s.bit(UNI_OTHER);
        s
    }
    fn intersects(&self, o: &Set) -> bool {
        (0..5).any(|i| self.0[i] & o.0[i] != 0)
    }
    fn subset_of(&self, o: &Set) -> bool {
        (0..5).all(|i| self.0[i] & !o.0[i] == 0)
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
    s.bit(UNI_SPACE);
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
    /// The code point of the last `\x`/`\u` escape (a range bound above U+00FF).
    code_point: Option<u32>,
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
                self.code_point = Some(v);
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
                    self.code_point = Some(v);
                    s.add(v);
                } else {
                    let v = self.hex(4);
                    self.code_point = Some(v);
                    s.add(v);
                }
            }
            'p' | 'P' => {
                let mut name = String::new();
                if self.peek() == Some('{') {
                    self.i += 1;
                    while let Some(h) = self.peek() {
                        self.i += 1;
                        if h == '}' {
                            break;
                        }
                        if name.len() < 64 {
                            name.push(h);
                        }
                    }
                }
                let set = property_class(&name);
                return Some(if c == 'P' { set.negate() } else { set });
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
                self.code_point = None;
                match self.escape(true) {
                    Some(set) => {
                        let single = self.code_point.take().or_else(|| single_char(&set));
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
                    self.code_point = None;
                    let set = self.escape(true);
                    self.code_point
                        .take()
                        .or_else(|| set.and_then(|set| single_char(&set)))
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

/// The character set of a Unicode property escape (`\p{L}`, `\p{Script=Greek}`); unknown
/// properties may match anything.
fn property_class(name: &str) -> Set {
    let mut s = Set::default();
    let value = name.rsplit('=').next().unwrap_or(name);
    match value {
        "L" | "Letter" | "Alphabetic" | "Alpha" | "Lu" | "Uppercase_Letter" | "Ll"
        | "Lowercase_Letter" | "Lt" | "Lm" | "Lo" | "Uppercase" | "Lowercase" | "ID_Start"
        | "Latin" | "Latn" => {
            s.add_range(b'a' as u32, b'z' as u32);
            s.add_range(b'A' as u32, b'Z' as u32);
            for c in [0xaa, 0xb5, 0xba] {
                s.add(c);
            }
            s.add_range(0xc0, 0xd6);
            s.add_range(0xd8, 0xf6);
            s.add_range(0xf8, 0xff);
            s.bit(UNI_OTHER);
        }
        "N" | "Number" | "Nd" | "Decimal_Number" | "digit" => {
            s.add_range(b'0' as u32, b'9' as u32);
            for c in [0xb2, 0xb3, 0xb9, 0xbc, 0xbd, 0xbe] {
                s.add(c);
            }
            s.bit(UNI_OTHER);
        }
        "M"
        | "Mark"
        | "Mn"
        | "Mc"
        | "Me"
        | "Han"
        | "Hani"
        | "Greek"
        | "Cyrillic"
        | "Arabic"
        | "Hebrew"
        | "Hiragana"
        | "Katakana"
        | "Hangul"
        | "Extended_Pictographic"
        | "Emoji_Presentation" => {
            s.bit(UNI_OTHER);
        }
        "Z" | "Separator" | "Zs" | "Space_Separator" | "White_Space" | "space" => {
            s.add(b' ' as u32);
            s.add(0xa0);
            if value == "White_Space" || value == "space" {
                for c in [b'\t', b'\n', b'\r', 0x0b, 0x0c, 0x85] {
                    s.add(c as u32);
                }
            }
            s.bit(UNI_SPACE);
        }
        _ => return Set::all(),
    }
    s
}

fn single_char(s: &Set) -> Option<u32> {
    let mut found = None;
    if s.0[4] != 0 {
        // A bucket stands for many characters.
        return None;
    }
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

/// Whether `n` can match some nonempty string made only of characters in `t`.
fn within(n: &Node, t: &Set, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match n {
        Node::Set(s) => s.intersects(t),
        Node::Empty | Node::Start | Node::End => false,
        Node::Group(alts) => alts.iter().any(|seq| seq_within(seq, t, depth + 1)),
        Node::Repeat { body, max, .. } => *max != Some(0) && within(body, t, depth + 1),
    }
}

/// Whether a sequence can match a nonempty string made only of characters in `t`: every
/// required item can, and at least one item consumes something.
fn seq_within(seq: &[Node], t: &Set, depth: u32) -> bool {
    let mut any = false;
    for n in seq {
        // `^` inside a repeated group only matches in the first iteration.
        if matches!(n, Node::Start) {
            return false;
        }
        if within(n, t, depth) {
            any = true;
        } else if !n.nullable() {
            return false;
        }
    }
    any
}

/// Characters a node's match can start with (over-approximated).
fn first_set(n: &Node, depth: u32) -> Set {
    let mut s = Set::default();
    if depth > MAX_DEPTH {
        return Set::all();
    }
    match n {
        Node::Set(x) => s = *x,
        Node::Empty | Node::Start | Node::End => {}
        Node::Group(alts) => {
            for seq in alts {
                for item in seq {
                    s.union(first_set(item, depth + 1));
                    if !item.nullable() {
                        break;
                    }
                }
            }
        }
        Node::Repeat { body, .. } => s = first_set(body, depth + 1),
    }
    s
}

/// The unbounded repeats a node's match can begin (`front`) or end (`!front`) with, looking
/// through groups and optional wrappers: `(x+)?` starts with `x+`.
fn edge_repeats<'n>(n: &'n Node, front: bool, depth: u32, out: &mut Vec<&'n Node>) {
    if depth > 16 || out.len() > 16 {
        return;
    }
    match n {
        Node::Repeat { body, .. } if n.unbounded() && !body.nullable() => out.push(n),
        Node::Repeat { .. } if n.unbounded() => {}
        Node::Repeat { body, .. } => edge_repeats(body, front, depth + 1, out),
        Node::Group(alts) => {
            for seq in alts {
                let items: Box<dyn Iterator<Item = &Node>> = if front {
                    Box::new(seq.iter())
                } else {
                    Box::new(seq.iter().rev())
                };
                for item in items {
                    edge_repeats(item, front, depth + 1, out);
                    if !item.nullable() {
                        break;
                    }
                }
            }
        }
        _ => {}
    }
}

/// Whether two unbounded repeats can both match the same nonempty string (so the input
/// can be split between them in many ways).
fn repeats_overlap(a: &Node, b: &Node) -> bool {
    let (Node::Repeat { body: ab, .. }, Node::Repeat { body: bb, .. }) = (a, b) else {
        return false;
    };
    match (&**ab, &**bb) {
        (Node::Set(x), Node::Set(y)) => x.intersects(y) && *x != Set::all(),
        (Node::Set(x), other) | (other, Node::Set(x)) => within(other, x, 0),
        _ => false,
    }
}

/// Whether two unbounded repeats over classes share a character that the required items
/// between them (`sep`) also accept: a run of it splits three ways or more.
fn repeats_overlap_through(a: &Node, b: &Node, sep: &Set) -> bool {
    let (Node::Repeat { body: ab, .. }, Node::Repeat { body: bb, .. }) = (a, b) else {
        return false;
    };
    let (Node::Set(x), Node::Set(y)) = (&**ab, &**bb) else {
        return false;
    };
    (0..5).any(|w| x.0[w] & y.0[w] & sep.0[w] != 0)
}

/// A leading multi-alternative group expanded into one sequence per alternative, so the
/// checks on how a match starts see `(?: x|[ .]*fc)$` as ` x$` and `[ .]*fc$`.
fn start_sequences<'n>(root: &'n Node) -> Vec<Vec<&'n Node>> {
    let mut out: Vec<Vec<&'n Node>> = Vec::new();
    let Node::Group(alts) = root else {
        return out;
    };
    for seq in alts {
        let mut flat: Vec<&Node> = Vec::new();
        flatten(seq, 0, &mut flat);
        out.push(flat);
    }
    for _ in 0..3 {
        let mut next = Vec::new();
        let mut changed = false;
        for seq in out {
            match seq.first() {
                Some(Node::Group(g)) if g.len() > 1 && next.len() < 32 => {
                    changed = true;
                    for alt in g {
                        let mut flat: Vec<&Node> = Vec::new();
                        flatten(alt, 0, &mut flat);
                        flat.extend(seq.iter().skip(1).copied());
                        next.push(flat);
                    }
                }
                _ => next.push(seq),
            }
        }
        out = next;
        if !changed {
            break;
        }
    }
    out
}

/// `if\(([^)]+)\)` searched in `if(if(if(…`: every occurrence of the prefix starts an attempt
/// whose repeat runs to the end of the input before the required part fails.
fn prefix_recurs(seq: &[&Node]) -> bool {
    if seq.first().is_some_and(|n| anchored(n, 0)) {
        return false;
    }
    let Some(k) = seq.iter().position(|n| !n.nullable()) else {
        return false;
    };
    // The prefix: at least one class, at most 8 items, before an unbounded repeat (optional
    // repeats in the prefix match the empty string: `if\s*\(`).
    (k + 1..seq.len().min(k + 10)).any(|r| recurs_at(seq, k, r))
}

fn recurs_at(seq: &[&Node], k: usize, r: usize) -> bool {
    let Some(rep) = seq.get(r).copied() else {
        return false;
    };
    let Node::Repeat { body, .. } = rep else {
        return false;
    };
    if !rep.unbounded() {
        return false;
    }
    let Node::Set(t) = &**body else { return false };
    // What must follow the repeat, and whether it can fail on characters of the repeat.
    let mut follow: Option<Set> = None;
    for n in seq.iter().skip(r + 1) {
        if matches!(n, Node::End) {
            if *t == Set::all() {
                return false;
            }
            follow = Some(Set::default());
            break;
        }
        if !n.nullable() {
            follow = Some(first_set(n, 0));
            break;
        }
    }
    let Some(follow) = follow else { return false };
    seq[k..r].iter().all(|p| match p {
        Node::Set(s) => {
            // A prefix character the repeat accepts and the follower does not.
            let mut c = *s;
            for i in 0..5 {
                c.0[i] &= t.0[i] & !follow.0[i];
            }
            !c.is_empty()
        }
        other => other.nullable(),
    }) && seq[k..r].iter().any(|p| matches!(p, Node::Set(_)))
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
        code_point: None,
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
    walk(&root, 0, false, &mut note);
    // Unanchored leading repeat over a class followed by something required: every start
    // position rescans the run (`/\s+x/`, `/.*[./]/` on a long run without a match).
    for flat in start_sequences(&root) {
        if flat.first().is_some_and(|n| anchored(n, 0)) {
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
        if prefix_recurs(&flat) {
            note(
                Risk::Polynomial,
                "the pattern's prefix can recur inside the repeat that follows it: every occurrence restarts a scan to the end (quadratic time)".into(),
            );
        }
    }
    // Unanchored `X+$`: every start position rescans the run (quadratic).
    if let Node::Group(alts) = &root {
        for seq in alts {
            if seq.first().is_some_and(|n| !anchored(n, 0)) && seq.len() >= 2 {
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

/// Whether matching `n` can fail (so a failing continuation forces backtracking).
/// Zero-width assertions (`\b`, lookarounds) are assumed to be able to fail.
fn can_fail(n: &Node, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    match n {
        Node::Set(_) | Node::End | Node::Empty | Node::Start => true,
        Node::Group(alts) => alts
            .iter()
            .all(|seq| seq.iter().any(|x| can_fail(x, depth + 1))),
        Node::Repeat { body, min, .. } => *min > 0 && can_fail(body, depth + 1),
    }
}

/// Whether every match of `n` begins with `^` (then it can only start at position 0).
fn anchored(n: &Node, depth: u32) -> bool {
    if depth > 16 {
        return false;
    }
    match n {
        Node::Start => true,
        Node::Group(alts) => {
            !alts.is_empty()
                && alts.iter().all(|seq| {
                    seq.iter()
                        .find(|x| !matches!(x, Node::Empty))
                        .is_some_and(|x| anchored(x, depth + 1))
                })
        }
        Node::Repeat { body, min, .. } => *min > 0 && anchored(body, depth + 1),
        _ => false,
    }
}

/// `tail`: whether something after `n` (up to the end of the pattern) can fail. When
/// nothing can, the first greedy attempt succeeds and no backtracking happens (`\d*(.*)`).
fn walk(n: &Node, depth: u32, tail: bool, note: &mut impl FnMut(Risk, String)) {
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
                let tails = suffix_fails(&owned, tail);
                check_seq(&owned, &tails, note);
                let tails = suffix_fails(seq, tail);
                for (x, t) in seq.iter().zip(tails) {
                    walk(x, depth + 1, t, note);
                }
            }
        }
        Node::Repeat { body, .. } => {
            // A nullable body still splits input between iterations: `([^x]*|y)*`.
            if n.unbounded() && tail {
                check_repeat_body(body, note);
            }
            walk(body, depth + 1, tail, note);
        }
        _ => {}
    }
}

/// For each item of a sequence, whether something after it can fail.
fn suffix_fails(seq: &[Node], tail: bool) -> Vec<bool> {
    let mut out = vec![tail; seq.len()];
    let mut acc = tail;
    for i in (0..seq.len()).rev() {
        out[i] = acc;
        acc = acc || can_fail(&seq[i], 0);
    }
    out
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
    let flats: Vec<Vec<Node>> = alts
        .iter()
        .map(|seq| {
            let mut flat: Vec<&Node> = Vec::new();
            flatten(seq, 0, &mut flat);
            flat.into_iter().cloned().collect()
        })
        .collect();
    // Pairwise checks below are quadratic in the alternatives: huge alternations (word lists)
    // keep only the single-alternative analysis.
    if flats.len() > 64 {
        return;
    }
    // Overlapping alternatives: an alternative that is one (possibly repeated) class, and
    // another that can match a string of that class: iterations can split it either way.
    for (i, a) in flats.iter().enumerate() {
        let set = match a.as_slice() {
            [Node::Set(s)] => Some(*s),
            [Node::Repeat { body, .. }] => match &**body {
                Node::Set(s) => Some(*s),
                _ => None,
            },
            _ => None,
        };
        let Some(set) = set else { continue };
        if flats
            .iter()
            .enumerate()
            .any(|(j, b)| j != i && seq_within(b, &set, 0))
        {
            note(
                Risk::Exponential,
                "alternatives that match the same characters inside a repeat (`(a|a)*` shape): exponential backtracking".into(),
            );
            return;
        }
    }
    // A repeat at the start or end of an alternative that can absorb a whole iteration
    // (`(a|b+)*`, `("[^"]*"['"]*)+`), or the trailing repeat of one iteration and the leading
    // repeat of the next over the same characters (`(\s*x\s*)*`).
    let mut leads: Vec<&Node> = Vec::new();
    let mut trails: Vec<&Node> = Vec::new();
    for seq in &flats {
        for (k, n) in seq.iter().enumerate() {
            let Node::Repeat { body: rb, .. } = n else {
                continue;
            };
            if !n.unbounded() || rb.nullable() {
                continue;
            }
            let at_start = seq[..k]
                .iter()
                .all(|x| x.nullable() && !matches!(x, Node::Start));
            let at_end = seq[k + 1..].iter().all(Node::nullable);
            if !(at_start || at_end) {
                continue;
            }
            if at_start {
                leads.push(n);
            }
            if at_end {
                trails.push(n);
            }
            let t = rb.chars();
            if flats.iter().any(|other| seq_within(other, &t, 0)) {
                note(
                    Risk::Exponential,
                    "a repeat at the edge of a repeated group can absorb a whole iteration (`(a|b+)*` shape): exponential backtracking".into(),
                );
                return;
            }
        }
    }
    for t in &trails {
        for l in &leads {
            if t.chars().intersects(&l.chars()) {
                note(
                    Risk::Exponential,
                    "the end of one iteration and the start of the next repeat the same characters (`(\\s*x\\s*)*` shape): exponential backtracking".into(),
                );
                return;
            }
        }
    }
    if alts.len() != 1 {
        return;
    }
    let Some(seq) = alts.first() else { return };
    let mut adjacent = false;
    // The next iteration or the continuation can fail: every pair counts.
    check_seq(seq, &vec![true; seq.len()], &mut |_, _| adjacent = true);
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

/// Two unbounded repeats in a row that can match the same characters, with only optional
/// items between; repeats inside optional groups count (`[^@:]+(?:[^@]+)?`).
fn check_seq(seq: &[Node], tails: &[bool], note: &mut impl FnMut(Risk, String)) {
    for (i, a) in seq.iter().enumerate() {
        let mut ends: Vec<&Node> = Vec::new();
        edge_repeats(a, false, 0, &mut ends);
        if ends.is_empty() {
            continue;
        }
        // Characters every required single-character item between the two repeats accepts
        // (`None`: nothing required yet). `.+@.+` on `@@@…`: the `@` can be any of them.
        let mut between: Option<Set> = None;
        let mut required = 0;
        for (j, b) in seq.iter().enumerate().skip(i + 1) {
            let mut starts: Vec<&Node> = Vec::new();
            edge_repeats(b, true, 0, &mut starts);
            let overlap = |x: &&Node, y: &&Node| match between {
                None => repeats_overlap(x, y),
                Some(sep) => repeats_overlap_through(x, y, &sep),
            };
            if (tails.get(j).copied().unwrap_or(true) || can_fail(b, 0))
                && ends.iter().any(|x| starts.iter().any(|y| overlap(x, y)))
            {
                note(
                    Risk::Polynomial,
                    if between.is_none() {
                        "adjacent repeats over the same characters (`\\d+\\d+` shape): polynomial backtracking"
                    } else {
                        "repeats over the same characters around a separator they also match (`.+@.+` shape): polynomial backtracking"
                    }
                    .into(),
                );
                return;
            }
            if !b.nullable() {
                match b {
                    Node::Set(sep) if required < 4 => {
                        let mut common = *sep;
                        if let Some(prev) = between {
                            for w in 0..5 {
                                common.0[w] &= prev.0[w];
                            }
                        }
                        if common.is_empty() {
                            break;
                        }
                        between = Some(common);
                        required += 1;
                    }
                    _ => break,
                }
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
    fn repeats_around_a_separator_they_match() {
        let poly = |p: &str| check(p).map(|r| r.0) == Some(Risk::Polynomial);
        assert!(poly(r"^.+@.+\..+$"));
        assert!(poly(r"^\S+@\S+\.\S+$"));
        assert!(poly(r"^[\w.]+\.[\w.]+x$"));
        // A separator neither repeat accepts keeps the split unique.
        assert_eq!(check(r"^[^@]+@[^@.]+\.[a-z]+$"), None);
        assert_eq!(check(r"^\d+-\d+$"), None);
    }

    #[test]
    fn unicode_classes_keep_disjoint_alternatives_apart() {
        // Letters and white space share no character: each input has one parse.
        for p in [
            r"^(\p{L}|\s)+$",
            r"^(\p{Letter}|\p{Zs})+$",
            r"^(\p{Lu}|\d)+$",
            r"^(\p{N}|\s)*$",
            r"^([\u4e00-\u9fa5]|\s)+$",
        ] {
            assert_eq!(check(p), None, "pattern {p}");
        }
        // Overlapping ones still are ambiguous.
        for p in [
            r"^(\p{L}|\w)+$",
            r"^(\p{L}|[a-z])+$",
            r"^(\p{L}|\S)+$",
            r"^(\P{L}|\s)+$",
            r"^([\u4e00-\u9fa5]|\p{L})+$",
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
    fn secbench_shapes() {
        let exp = |p: &str| check(p).map(|r| r.0) == Some(Risk::Exponential);
        let poly = |p: &str| check(p).map(|r| r.0) == Some(Risk::Polynomial);
        // date-and-time 0.14.1: a nullable repeat as one alternative of a repeated group.
        assert!(exp(r"\[([^\[\]]*|\[[^\[\]]*\])*\]|([A-Za-z])\2+|\.{3}|."));
        // html-parse-stringify2 2.0.1: `['"]*` absorbs the next quoted iteration.
        assert!(exp(
            r#"(?:<!--[\S\s]*?-->|<(?:"[^"]*"['"]*|'[^']*'['"]*|[^'">])+>)"#
        ));
        // An escape alternative whose backslash is also a plain character.
        assert!(exp(r#""(\\.|[^"])*""#));
        assert!(exp(r"^(\s*x\s*)*$"));
        // github-url-to-object 4.0.2 / hosted-git-info 3.0.0: a repeat in an optional group.
        assert!(poly(r"^([\w-_]+)\/([\w-_\.]+)#?([\w-_\.]+)?$"));
        assert!(poly(
            r"^([^:]+):(?:(?:[^@:]+(?:[^@]+)?@)?([^/]*))[/](.+?)(?:[.]git)?($|#)"
        ));
        // nth-check 2.0.0 / content-type-parser 1.0.1: across an optional group's start.
        assert!(poly(r"^([+-]?\d*n)?\s*(?:([+-]?)\s*(\d+))?$"));
        assert!(poly(r"^(.*?)\/(.*?)([\t ]*;.*)?$"));
        // ansi-regex 4.1.0: `;` taken by either the class repeat or the group repeat.
        assert!(poly(
            r"[\u001B\u009B][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[a-zA-Z\d]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))"
        ));
        // ajv 5.2.2, tmpl 1.0.0, underscore.string 3.3.4, terminal-kit 2.1.0: prefix recurrence.
        assert!(poly(r"if\s*\([^)]+\)\s*\{\s*\}(?!\s*else)"));
        assert!(poly(r"{([\s\S]+?)}"));
        assert!(poly(r"\&([^;]+);"));
        assert!(poly(r"\^\[[^\]]*]|\^(.)"));
        // platform 1.3.4: a leading repeat inside the first of two alternatives.
        assert!(poly(r"(?: BePC|[ .]*fc[ \d.]+)$"));
    }

    #[test]
    fn safe_look_alikes() {
        for p in [
            // The correct string-escape form: a backslash is never a plain character.
            r#""(\\.|[^"\\])*""#,
            // Separators between repeats.
            r"^([a-z]+\.)*[a-z]+$",
            r"^(\s*,\s*[a-z]+)*$",
            r"^[a-z]+(-[a-z]+)*$",
            r"^\d+(\.\d+)?$",
            // Anchored prefix: no recurrence from other start positions.
            r"^<([^>]+)>",
            // The prefix character cannot be inside the repeat.
            r"<([a-z]+)>",
            // Nothing required after the repeat: the first attempt succeeds.
            r"#[^#]*",
            // Disjoint alternatives under a star.
            r"^(?:[a-z]|\d|_)+$",
            r"^(?:\\.|[^\\\n])*$",
            // Nothing after the ambiguous part can fail: the first greedy attempt succeeds.
            r"^(\d{4}-\d{2})\d*(.*)",
            r"^-?(?:[_a-z]|\\[\da-f]+ ?)(?:[\w-]|\\[\da-f]+ ?)*",
            // `^` inside the repeated group: only the first iteration can match.
            r"((^[0-9]+[a-z]+)|(^[a-z]+[0-9]+))+$",
        ] {
            let r = check(p);
            assert!(r.is_none(), "pattern {p} flagged: {r:?}");
        }
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
