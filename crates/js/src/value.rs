//! The abstract values the evaluator computes for expressions.
//!
//! A [`Val`] is what the analyzer knows about a runtime value: whether it carries untrusted
//! data ([`Val::taint`]) or credential material ([`Val::secret`]) and how it got there (a
//! [`Trace`]), its resolved qualified name when it is a module or a member of one
//! (`child_process.exec`), its constant string value or constant prefix (for URL hosts), the
//! function it is (for same-file calls and callbacks), and the properties of an object literal.
//! Everything is bounded: traces stop growing after [`MAX_TRACE`] steps, objects keep at most
//! [`MAX_PROPS`] properties, constant strings at most [`MAX_LIT`] bytes.

use oxc_ast::ast::{ArrowFunctionExpression, Class, Function};
use oxc_span::Span;
use std::rc::Rc;

pub const MAX_TRACE: u16 = 12;
pub const MAX_PROPS: usize = 48;
pub const MAX_LIT: usize = 4096;

/// One step of a taint trace, linked to the previous one (shared, so copies are cheap).
#[derive(Debug)]
pub struct Trace {
    pub span: Span,
    pub msg: String,
    pub prev: Option<Rc<Trace>>,
    pub len: u16,
}

impl Trace {
    pub fn root(span: Span, msg: String) -> Rc<Trace> {
        Rc::new(Trace {
            span,
            msg,
            prev: None,
            len: 1,
        })
    }

    /// The steps from the source to this one.
    pub fn steps(self: &Rc<Trace>) -> Vec<(Span, String)> {
        let mut out = Vec::new();
        let mut cur = Some(self.clone());
        while let Some(t) = cur {
            out.push((t.span, t.msg.clone()));
            cur = t.prev.clone();
        }
        out.reverse();
        out
    }
}

/// Where tainted data came from, which decides which rules it can trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Arbitrary input: webhook bodies, input items, messages, HTTP requests.
    Input,
    /// Configured by the platform's user (an n8n node parameter).
    UserConfigured,
    /// A parameter of an exported function (library mode).
    Library,
}

#[derive(Debug, Clone)]
pub struct Taint {
    pub trace: Rc<Trace>,
    /// Bit `i` set: sanitized for rule number `i` of the catalog.
    pub sanitized: u64,
    pub origin: Origin,
    /// The parameter or credential the data came from (`baseUrl`, `acmeApi`).
    pub name: Option<Rc<str>>,
    /// The secret field of a credential that was read (`apiKey` of `creds.apiKey`).
    pub field: Option<Rc<str>>,
}

impl Taint {
    pub fn new(span: Span, label: String, origin: Origin, name: Option<Rc<str>>) -> Taint {
        Taint {
            trace: Trace::root(span, label),
            sanitized: 0,
            origin,
            name,
            field: None,
        }
    }

    /// The same taint with one more trace step (unless the trace is already long).
    pub fn step(&self, span: Span, msg: impl FnOnce() -> String) -> Taint {
        if self.trace.len >= MAX_TRACE || self.trace.span == span {
            return self.clone();
        }
        Taint {
            trace: Rc::new(Trace {
                span,
                msg: msg(),
                prev: Some(self.trace.clone()),
                len: self.trace.len + 1,
            }),
            ..self.clone()
        }
    }

    /// Where the data originally came from (the first trace step).
    pub fn root_span(&self) -> Span {
        let mut cur = &self.trace;
        while let Some(p) = &cur.prev {
            cur = p;
        }
        cur.span
    }

    pub fn sanitized_for(&self, rule_bit: Option<u32>) -> bool {
        rule_bit.is_some_and(|b| self.sanitized & (1u64 << b) != 0)
    }
}

/// A function-like thing defined in the file.
#[derive(Debug, Clone, Copy)]
pub enum FnRef<'a> {
    Func(&'a Function<'a>),
    Arrow(&'a ArrowFunctionExpression<'a>),
    Class(&'a Class<'a>),
}

impl FnRef<'_> {
    pub fn start(&self) -> u32 {
        self.span().start
    }

    pub fn span(&self) -> Span {
        match self {
            FnRef::Func(f) => f.span,
            FnRef::Arrow(f) => f.span,
            FnRef::Class(c) => c.span,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            FnRef::Func(f) => f.id.as_ref().map(|i| i.name.as_str()),
            FnRef::Arrow(_) => None,
            FnRef::Class(c) => c.id.as_ref().map(|i| i.name.as_str()),
        }
    }
}

/// `this`, or an alias of it (`var node = this`).
pub const F_THIS: u8 = 1;
/// Read through a computed member with an untrusted key: writes below it can reach a prototype.
pub const F_PROTO_REACH: u8 = 2;
/// Derived from `Math.random()`.
pub const F_RANDOM: u8 = 4;
/// A hash object of MD5/SHA-1.
pub const F_WEAK_HASH: u8 = 8;
/// A `jwt`/`URL`-like value whose constant text is known to be an absolute URL base.
pub const F_ARRAY: u8 = 16;
/// A regex that matches quotes or backslashes (its `replace` escapes a string literal).
pub const F_QUOTE_ESCAPER: u8 = 32;
/// A string decoded from base64/hex in the code (`Buffer.from(s, 'base64')`, `atob(s)`).
pub const F_DECODED: u8 = 64;

/// The properties of an object literal, in insertion order.
pub type Props<'a> = Vec<(Rc<str>, Val<'a>)>;

#[derive(Debug, Clone, Default)]
pub struct Val<'a> {
    pub taint: Option<Taint>,
    pub secret: Option<Taint>,
    /// Resolved qualified name (`child_process`, `child_process.exec`, `this.helpers`).
    pub name: Option<Rc<str>>,
    /// The exact constant string value.
    pub lit: Option<Rc<str>>,
    /// A constant prefix of the string value, when the rest is not constant.
    pub prefix: Option<Rc<str>>,
    pub func: Option<FnRef<'a>>,
    pub props: Option<Rc<Props<'a>>>,
    pub flags: u8,
    /// A risky regular expression: (definition offset, exponential). Objects and arrays
    /// carry the worst regex they hold, so `QUERIES[i].regexp` still knows it.
    pub re: Option<(u32, bool)>,
    /// The elements of an array literal of constant strings (`['a', 'b'].join('|')`).
    pub elems: Option<Rc<[Rc<str>]>>,
}

impl<'a> Val<'a> {
    pub fn named(name: impl Into<Rc<str>>) -> Val<'a> {
        Val {
            name: Some(name.into()),
            ..Val::default()
        }
    }

    pub fn lit(s: &str) -> Val<'a> {
        if s.len() > MAX_LIT {
            return Val {
                prefix: Some(cut(s, MAX_LIT).into()),
                ..Val::default()
            };
        }
        Val {
            lit: Some(s.into()),
            ..Val::default()
        }
    }

    pub fn func(f: FnRef<'a>) -> Val<'a> {
        Val {
            func: Some(f),
            ..Val::default()
        }
    }

    pub fn is_tainted(&self) -> bool {
        self.taint.is_some() || self.secret.is_some()
    }

    /// The known constant text at the start of the value (whole literal or prefix).
    pub fn known_prefix(&self) -> Option<&str> {
        self.lit.as_deref().or(self.prefix.as_deref())
    }

    /// The constant text of the value when converted to a string: a string literal, or an
    /// array of constant strings joined with `sep` (`String([a, b])` joins with `,`).
    pub fn text_joined(&self, sep: &str) -> Option<Rc<str>> {
        if let Some(l) = &self.lit {
            return Some(l.clone());
        }
        let e = self.elems.as_ref()?;
        let len: usize = e.iter().map(|x| x.len() + sep.len()).sum();
        if len > MAX_LIT {
            return None;
        }
        Some(e.iter().map(|x| &**x).collect::<Vec<_>>().join(sep).into())
    }

    /// Taint of the value and everything inside it (object properties), depth-bounded.
    pub fn flat(&self) -> (Option<Taint>, Option<Taint>) {
        let mut t = self.taint.clone();
        let mut s = self.secret.clone();
        self.flat_into(&mut t, &mut s, 0);
        (t, s)
    }

    fn flat_into(&self, t: &mut Option<Taint>, s: &mut Option<Taint>, depth: u32) {
        if t.is_none() {
            t.clone_from(&self.taint);
        }
        if s.is_none() {
            s.clone_from(&self.secret);
        }
        if depth > 4 || (t.is_some() && s.is_some()) {
            return;
        }
        if let Some(props) = &self.props {
            for (_, v) in props.iter() {
                v.flat_into(t, s, depth + 1);
            }
        }
    }

    /// Only the data (taint, secret, flags) of a value, without identity.
    pub fn data_only(&self) -> Val<'a> {
        let (taint, secret) = self.flat();
        Val {
            taint,
            secret,
            flags: self.flags & (F_RANDOM | F_PROTO_REACH),
            ..Val::default()
        }
    }

    pub fn prop(&self, key: &str) -> Option<&Val<'a>> {
        self.props
            .as_ref()
            .and_then(|p| p.iter().rev().find(|(k, _)| &**k == key).map(|(_, v)| v))
    }

    pub fn set_prop(&mut self, key: &str, v: Val<'a>) {
        let props = Rc::make_mut(self.props.get_or_insert_with(Default::default));
        if let Some(slot) = props.iter_mut().find(|(k, _)| &**k == key) {
            slot.1 = v;
        } else if props.len() < MAX_PROPS {
            props.push((key.into(), v));
        } else {
            // Too many properties: fold the data into the object itself.
            let (t, s) = v.flat();
            if self.taint.is_none() {
                self.taint = t;
            }
            if self.secret.is_none() {
                self.secret = s;
            }
        }
    }

    /// Least upper bound of two values (either may flow here).
    pub fn join(&self, other: &Val<'a>) -> Val<'a> {
        let props = match (&self.props, &other.props) {
            (Some(a), Some(b)) => {
                let mut merged = (**a).clone();
                for (k, v) in b.iter() {
                    if let Some(slot) = merged.iter_mut().find(|(mk, _)| mk == k) {
                        slot.1 = slot.1.join_shallow(v);
                    } else if merged.len() < MAX_PROPS {
                        merged.push((k.clone(), v.clone()));
                    }
                }
                Some(Rc::new(merged))
            }
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        Val {
            taint: join_taint(&self.taint, &other.taint),
            secret: join_taint(&self.secret, &other.secret),
            name: if self.name == other.name || other.name.is_none() {
                self.name.clone()
            } else if self.name.is_none() {
                other.name.clone()
            } else {
                None
            },
            lit: if self.lit == other.lit {
                self.lit.clone()
            } else {
                None
            },
            prefix: common_prefix(self.known_prefix(), other.known_prefix())
                .filter(|_| self.lit.is_none() || self.lit != other.lit),
            func: self.func.or(other.func),
            re: worse_re(self.re, other.re),
            elems: if self.elems == other.elems {
                self.elems.clone()
            } else {
                None
            },
            props,
            flags: self.flags | other.flags,
        }
    }

    /// Join without merging nested properties (keeps object joins linear).
    fn join_shallow(&self, other: &Val<'a>) -> Val<'a> {
        let mut v = self.clone();
        v.taint = join_taint(&self.taint, &other.taint);
        v.secret = join_taint(&self.secret, &other.secret);
        v.flags |= other.flags;
        if v.lit != other.lit {
            v.lit = None;
        }
        v
    }
}

/// The more dangerous of two risky regexes (exponential over polynomial).
pub fn worse_re(a: Option<(u32, bool)>, b: Option<(u32, bool)>) -> Option<(u32, bool)> {
    match (a, b) {
        (Some(x), Some(y)) if y.1 && !x.1 => Some(y),
        (x, y) => x.or(y),
    }
}

/// Prefer an unsanitized taint: the result is only clean for a rule when both sides are.
pub fn join_taint(a: &Option<Taint>, b: &Option<Taint>) -> Option<Taint> {
    match (a, b) {
        (Some(x), Some(y)) => {
            let mut t = if x.origin == Origin::UserConfigured && y.origin != Origin::UserConfigured
            {
                y.clone()
            } else {
                x.clone()
            };
            t.sanitized = x.sanitized & y.sanitized;
            Some(t)
        }
        (Some(x), None) => Some(x.clone()),
        (None, y) => y.clone(),
    }
}

fn common_prefix(a: Option<&str>, b: Option<&str>) -> Option<Rc<str>> {
    let (a, b) = (a?, b?);
    let n = a
        .char_indices()
        .zip(b.chars())
        .take_while(|((_, x), y)| x == y)
        .last()
        .map(|((i, c), _)| i + c.len_utf8())
        .unwrap_or(0);
    if n == 0 { None } else { Some(a[..n].into()) }
}

/// At most `max` bytes of `s`, cut at a character boundary.
pub fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_taint_and_common_prefix() {
        let t = Taint::new(Span::new(0, 1), "src".into(), Origin::Input, None);
        let a = Val {
            taint: Some(t),
            prefix: Some("https://api.example.com/a".into()),
            ..Val::default()
        };
        let b = Val::lit("https://api.example.com/b");
        let j = a.join(&b);
        assert!(j.taint.is_some());
        assert_eq!(j.lit, None);
        assert_eq!(j.prefix.as_deref(), Some("https://api.example.com/"));
    }

    #[test]
    fn sanitized_only_when_both_sides_are() {
        let mut x = Taint::new(Span::new(0, 1), "a".into(), Origin::Input, None);
        x.sanitized = 0b11;
        let mut y = x.clone();
        y.sanitized = 0b01;
        let j = join_taint(&Some(x), &Some(y)).unwrap();
        assert_eq!(j.sanitized, 0b01);
    }

    #[test]
    fn trace_is_bounded() {
        let mut t = Taint::new(Span::new(0, 1), "src".into(), Origin::Input, None);
        for i in 0..100 {
            t = t.step(Span::new(i + 2, i + 3), || format!("step {i}"));
        }
        assert_eq!(t.trace.steps().len(), MAX_TRACE as usize);
    }
}
