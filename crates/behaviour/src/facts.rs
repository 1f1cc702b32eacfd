//! What one JavaScript file does, as facts the behaviour rules read.
//!
//! One oxc parse and one AST walk per file. Callees are resolved to qualified names through
//! the file's `require`/`import` bindings and aliases (`const cp = require('child_process');
//! cp.spawn(...)` is `child_process.spawn`), string expressions are folded (`'ev' + 'al'`,
//! `Buffer.from('…', 'base64').toString()`, `String.fromCharCode(…)`, `[…].join('')`), and
//! every call remembers the function it sits in and the calls it encloses, so rules can ask
//! "is there a network call in the same function" without a data-flow engine.
//!
//! Bindings are per file and flat (no block scoping): a shadowed name keeps the outer
//! meaning. That over-approximates a little, which the rules compensate for by requiring
//! combinations of behaviours, never one call.

use base64::Engine;
use oxc_allocator::Allocator;
use oxc_ast::ast::*;
use oxc_ast_visit::{Visit, walk};
use oxc_parser::{ParseOptions, Parser};
use oxc_span::{GetSpan, SourceType, Span};
use oxc_syntax::operator::BinaryOperator;
use oxc_syntax::scope::ScopeFlags;
use std::collections::{HashMap, HashSet};

/// Files larger than this are not parsed (the caller reports them as not analysed).
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Bracket nesting past this is not parsed: oxc recurses per nesting level.
pub const MAX_NESTING: usize = 400;
/// Caps on what one file records, so a generated file cannot exhaust memory.
const MAX_CALLS: usize = 20_000;
const MAX_STRINGS: usize = 20_000;
/// Longest folded string and deepest folding recursion.
const MAX_FOLD_LEN: usize = 64 * 1024;
const MAX_FOLD_DEPTH: usize = 48;

/// Why a file was not analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    TooLarge(usize),
    TooDeep(usize),
    Unparsable,
}

/// A string the code contains or computes.
#[derive(Debug, Clone)]
pub struct Lit {
    pub value: String,
    pub span: Span,
    /// Produced by decoding (base64, hex, char codes) rather than written as text.
    pub decoded: bool,
}

/// One argument of a call, as much as the rules need.
#[derive(Debug, Clone, Default)]
pub struct Arg {
    pub span: Span,
    /// The argument folded to a string, when it folds.
    pub text: Option<String>,
    /// The folded text came from decoding.
    pub decoded: bool,
    /// The folded leftmost part of a concatenation or template (`ENDPOINT` in
    /// `ENDPOINT + '?d=' + data`): where a request goes even when the rest is data.
    pub prefix: Option<String>,
    /// The qualified name of the argument when it is a name or member chain
    /// (`process.env`, `os.homedir`).
    pub name: Option<String>,
    /// Top-level `key: value` pairs of an object-literal argument (`detached: true`): the
    /// literal's text, or [`NAME_MARK`] and the qualified name of a non-literal.
    pub props: Vec<(String, String)>,
    /// A function or arrow function.
    pub is_function: bool,
}

/// Prefix of an object property value that is a name, not a literal.
pub const NAME_MARK: char = '\u{1}';

/// A call or `new`.
#[derive(Debug, Clone)]
pub struct Call {
    /// Resolved qualified callee: `child_process.spawn`, `fetch`, `eval`,
    /// `discord.js.WebhookClient`. Empty when not resolvable.
    pub callee: String,
    pub span: Span,
    pub is_new: bool,
    pub args: Vec<Arg>,
    /// The innermost enclosing function (the program's span at top level).
    pub func: Span,
    /// The callee's property name was computed from a non-literal (`x['ev' + 'al']`).
    pub computed: bool,
}

/// `Lib.prototype.method = …` on a class of an imported package.
#[derive(Debug, Clone)]
pub struct ProtoWrite {
    /// `discord.js.Client.prototype.login`.
    pub target: String,
    pub span: Span,
}

/// A member access whose name is computed from a non-literal expression that folds.
#[derive(Debug, Clone)]
pub struct HiddenAccess {
    /// The qualified name it resolves to (`eval` for `global['ev' + 'al']`).
    pub name: String,
    pub span: Span,
    /// Built by decoding rather than concatenation.
    pub decoded: bool,
}

/// A read of `process.env.NAME` (or the whole object when `name` is `None`).
#[derive(Debug, Clone)]
pub struct EnvRead {
    pub name: Option<String>,
    pub span: Span,
    pub func: Span,
}

/// Everything one file's walk records.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub calls: Vec<Call>,
    pub strings: Vec<Lit>,
    pub proto_writes: Vec<ProtoWrite>,
    pub hidden: Vec<HiddenAccess>,
    pub env_reads: Vec<EnvRead>,
    /// Modules imported or required with a literal specifier (`node:` stripped).
    pub imports: Vec<(String, Span)>,
    /// Javascript-obfuscator style names (`_0x1a2b`) seen.
    pub hex_names: usize,
    /// `\xNN` escapes in the source text.
    pub escapes: usize,
    /// Dean Edwards' packer or JSFuck-like text.
    pub packed: bool,
    pub program: Span,
    /// A cap was hit; the facts are a prefix.
    pub truncated: bool,
}

impl Facts {
    pub fn calls_to<'s>(
        &'s self,
        pred: impl Fn(&str) -> bool + 's,
    ) -> impl Iterator<Item = &'s Call> + 's {
        self.calls.iter().filter(move |c| pred(&c.callee))
    }

    /// Calls lexically inside `span` (a callback, a function body).
    pub fn calls_within(&self, span: Span) -> impl Iterator<Item = &Call> {
        self.calls
            .iter()
            .filter(move |c| c.span.start >= span.start && c.span.end <= span.end)
    }

    pub fn imports_module(&self, m: &str) -> bool {
        self.imports.iter().any(|(x, _)| x == m)
    }
}

/// The oxc source type for a path; `None` when it is not JavaScript/TypeScript.
pub fn source_type(path: &str) -> Option<SourceType> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".d.ts") {
        return None;
    }
    Some(match lower.rsplit_once('.').map(|(_, e)| e)? {
        "js" => SourceType::unambiguous(),
        "cjs" => SourceType::cjs(),
        "mjs" => SourceType::mjs(),
        "jsx" => SourceType::jsx(),
        "ts" | "mts" | "cts" => SourceType::ts(),
        "tsx" => SourceType::tsx(),
        _ => return None,
    })
}

fn max_nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Parses and walks `text` (named `path`, which selects JS or TS).
pub fn collect(path: &str, text: &str) -> Result<Facts, Skipped> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Skipped::TooLarge(text.len()));
    }
    let nesting = max_nesting(text);
    if nesting > MAX_NESTING {
        return Err(Skipped::TooDeep(nesting));
    }
    let st = source_type(path).unwrap_or_else(SourceType::unambiguous);
    let alloc = Allocator::default();
    let opts = ParseOptions {
        allow_return_outside_function: true,
        ..ParseOptions::default()
    };
    let ret = Parser::new(&alloc, text, st).with_options(opts).parse();
    if ret.panicked {
        return Err(Skipped::Unparsable);
    }
    let mut c = Collector {
        facts: Facts {
            program: ret.program.span,
            ..Facts::default()
        },
        bindings: HashMap::new(),
        consts: HashMap::new(),
        mutated: HashSet::new(),
        funcs: vec![ret.program.span],
    };
    c.scan_text(text);
    c.visit_program(&ret.program);
    Ok(c.facts)
}

struct Collector {
    facts: Facts,
    /// Local name → qualified name (`cp` → `child_process`, `get` → `https.get`).
    bindings: HashMap<String, String>,
    /// Local name → folded string of its initializer.
    consts: HashMap<String, (String, bool)>,
    /// Names assigned after their declaration: never folded.
    mutated: HashSet<String>,
    funcs: Vec<Span>,
}

/// Globals that are their own qualified name; `global.x`, `globalThis.x`, `window.x` are `x`.
const GLOBAL_OBJECTS: &[&str] = &["global", "globalThis", "window", "self"];

fn module_name(spec: &str) -> String {
    spec.strip_prefix("node:").unwrap_or(spec).to_string()
}

impl Collector {
    fn scan_text(&mut self, text: &str) {
        let bytes = text.as_bytes();
        // `\u` escapes are everywhere in Unicode-aware regexes; `\xNN` runs are the obfuscator's.
        self.facts.escapes = memchr::memmem::find_iter(bytes, b"\\x").count();
        self.facts.packed = text.contains("eval(function(p,a,c,k,e,")
            || (text.len() > 2000
                && text.bytes().filter(|b| b"[]()!+".contains(b)).count() * 10 > text.len() * 9);
    }

    fn func(&self) -> Span {
        self.funcs.last().copied().unwrap_or_default()
    }

    /// The qualified name of a name or member chain, `None` when it has none.
    fn qualify(&self, e: &Expression<'_>) -> Option<String> {
        self.qualify_depth(e, 0).map(|(n, _)| n)
    }

    /// `(name, computed)`: computed when a property name was folded from a non-literal.
    fn qualify_depth(&self, e: &Expression<'_>, depth: usize) -> Option<(String, bool)> {
        if depth > 32 {
            return None;
        }
        match e.get_inner_expression() {
            Expression::Identifier(id) => {
                let n = id.name.as_str();
                Some((
                    self.bindings
                        .get(n)
                        .cloned()
                        .unwrap_or_else(|| n.to_string()),
                    false,
                ))
            }
            Expression::StaticMemberExpression(m) => {
                let (obj, comp) = self.qualify_depth(&m.object, depth + 1)?;
                Some((join_member(&obj, m.property.name.as_str()), comp))
            }
            Expression::ComputedMemberExpression(m) => {
                let (obj, comp) = self.qualify_depth(&m.object, depth + 1)?;
                let literal = matches!(
                    m.expression.get_inner_expression(),
                    Expression::StringLiteral(_)
                );
                let (prop, _) = self.fold(&m.expression, 0)?;
                Some((join_member(&obj, &prop), comp || !literal))
            }
            Expression::CallExpression(c) => {
                // `require('m')` and `require('m').x` chains.
                let callee = self.qualify_depth(&c.callee, depth + 1)?.0;
                if callee == "require" {
                    let arg = c.arguments.first()?.as_expression()?;
                    let literal =
                        matches!(arg.get_inner_expression(), Expression::StringLiteral(_));
                    let (spec, _) = self.fold(arg, 0)?;
                    return Some((module_name(&spec), !literal));
                }
                None
            }
            Expression::ThisExpression(_) => Some(("this".into(), false)),
            _ => None,
        }
    }

    /// Folds a string-valued expression; `(value, decoded)`.
    fn fold(&self, e: &Expression<'_>, depth: usize) -> Option<(String, bool)> {
        if depth > MAX_FOLD_DEPTH {
            return None;
        }
        let out = match e.get_inner_expression() {
            Expression::StringLiteral(s) => (s.value.as_str().to_string(), false),
            Expression::NumericLiteral(n) => (n.value.to_string(), false),
            Expression::TemplateLiteral(t) => self.fold_template(t, depth)?,
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                let (l, dl) = self.fold(&b.left, depth + 1)?;
                let (r, dr) = self.fold(&b.right, depth + 1)?;
                if l.len() + r.len() > MAX_FOLD_LEN {
                    return None;
                }
                (l + &r, dl || dr)
            }
            Expression::Identifier(id) => self.consts.get(id.name.as_str())?.clone(),
            Expression::CallExpression(c) => self.fold_call(c, depth)?,
            _ => return None,
        };
        Some(out)
    }

    fn fold_call(&self, c: &CallExpression<'_>, depth: usize) -> Option<(String, bool)> {
        let arg = |i: usize| c.arguments.get(i).and_then(Argument::as_expression);
        // Method calls on a folded receiver: `.toString()`, `.join()`, `.reverse()`, `.split()`.
        if let Expression::StaticMemberExpression(m) = c.callee.get_inner_expression() {
            let method = m.property.name.as_str();
            match method {
                "toString" | "trim" | "toLowerCase" => {
                    // `Buffer.from(x, enc).toString()` decodes; other receivers pass through.
                    if let Expression::CallExpression(inner) = m.object.get_inner_expression()
                        && self.qualify(&inner.callee).as_deref() == Some("Buffer.from")
                    {
                        let data = inner.arguments.first()?.as_expression()?;
                        let (text, _) = self.fold(data, depth + 1)?;
                        let enc = match inner.arguments.get(1).and_then(Argument::as_expression) {
                            Some(e) => self.fold(e, depth + 1)?.0,
                            None => "utf8".into(),
                        };
                        return decode(&text, &enc).map(|s| (s, enc != "utf8" && enc != "utf-8"));
                    }
                    return self.fold(&m.object, depth + 1);
                }
                "join" => {
                    let sep = match arg(0) {
                        Some(e) => self.fold(e, depth + 1)?.0,
                        None => ",".into(),
                    };
                    let (items, decoded) = self.fold_array(&m.object, depth + 1)?;
                    let s = items.join(&sep);
                    return (s.len() <= MAX_FOLD_LEN).then_some((s, decoded));
                }
                "concat" => {
                    let (mut s, mut decoded) = self.fold(&m.object, depth + 1)?;
                    for a in &c.arguments {
                        let (v, d) = self.fold(a.as_expression()?, depth + 1)?;
                        s.push_str(&v);
                        decoded |= d;
                        if s.len() > MAX_FOLD_LEN {
                            return None;
                        }
                    }
                    return Some((s, decoded));
                }
                _ => {}
            }
        }
        let callee = self.qualify(&c.callee)?;
        match callee.as_str() {
            "atob" => {
                let (t, _) = self.fold(arg(0)?, depth + 1)?;
                decode(&t, "base64").map(|s| (s, true))
            }
            "String.fromCharCode" => {
                let mut s = String::new();
                for a in c.arguments.iter().take(MAX_FOLD_LEN) {
                    let Expression::NumericLiteral(n) = a.as_expression()?.get_inner_expression()
                    else {
                        return None;
                    };
                    s.push(char::from_u32(n.value as u32)?);
                }
                Some((s, true))
            }
            "decodeURIComponent" | "unescape" => {
                let (t, d) = self.fold(arg(0)?, depth + 1)?;
                Some((percent_decode(&t), d || t.contains('%')))
            }
            _ => None,
        }
    }

    /// `['a', 'b']`, `'abc'.split('')` and `.reverse()` of either.
    fn fold_array(&self, e: &Expression<'_>, depth: usize) -> Option<(Vec<String>, bool)> {
        if depth > MAX_FOLD_DEPTH {
            return None;
        }
        match e.get_inner_expression() {
            Expression::ArrayExpression(a) => {
                let mut out = Vec::new();
                let mut decoded = false;
                for el in a.elements.iter().take(4096) {
                    let (v, d) = self.fold(el.as_expression()?, depth + 1)?;
                    decoded |= d;
                    out.push(v);
                }
                Some((out, decoded))
            }
            Expression::CallExpression(c) => {
                let Expression::StaticMemberExpression(m) = c.callee.get_inner_expression() else {
                    return None;
                };
                match m.property.name.as_str() {
                    "reverse" => {
                        let (mut v, d) = self.fold_array(&m.object, depth + 1)?;
                        v.reverse();
                        Some((v, d))
                    }
                    "split" => {
                        let (s, d) = self.fold(&m.object, depth + 1)?;
                        let sep = self
                            .fold(c.arguments.first()?.as_expression()?, depth + 1)?
                            .0;
                        let parts = if sep.is_empty() {
                            s.chars().map(String::from).collect()
                        } else {
                            s.split(sep.as_str()).map(str::to_string).collect()
                        };
                        Some((parts, d))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn push_string(&mut self, value: String, span: Span, decoded: bool) {
        if self.facts.strings.len() >= MAX_STRINGS {
            self.facts.truncated = true;
            return;
        }
        self.facts.strings.push(Lit {
            value,
            span,
            decoded,
        });
    }

    fn arg(&self, a: &Argument<'_>) -> Arg {
        let span = a.span();
        let Some(e) = a.as_expression() else {
            return Arg {
                span,
                ..Arg::default()
            };
        };
        let folded = self.fold(e, 0);
        let mut arg = Arg {
            span,
            decoded: folded.as_ref().is_some_and(|f| f.1),
            text: folded.map(|f| f.0),
            prefix: self.prefix(e, 0),
            name: self.qualify(e),
            is_function: matches!(
                e.get_inner_expression(),
                Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_)
            ),
            ..Arg::default()
        };
        if let Expression::ObjectExpression(o) = e.get_inner_expression() {
            for p in o.properties.iter().take(64) {
                if let ObjectPropertyKind::ObjectProperty(p) = p
                    && let Some(k) = p.key.static_name()
                {
                    let v = match p.value.get_inner_expression() {
                        Expression::BooleanLiteral(b) => b.value.to_string(),
                        _ => self
                            .fold(&p.value, 0)
                            .map(|f| f.0)
                            .or_else(|| self.qualify(&p.value).map(|q| format!("{NAME_MARK}{q}")))
                            .unwrap_or_default(),
                    };
                    arg.props.push((k.to_string(), v));
                }
            }
        }
        arg
    }

    fn record_call(
        &mut self,
        callee: &Expression<'_>,
        args: &[Argument<'_>],
        span: Span,
        is_new: bool,
    ) {
        if self.facts.calls.len() >= MAX_CALLS {
            self.facts.truncated = true;
            return;
        }
        let (name, computed) = self.qualify_depth(callee, 0).unwrap_or_default();
        let mut name = name;
        for g in GLOBAL_OBJECTS {
            if let Some(rest) = name.strip_prefix(g).and_then(|r| r.strip_prefix('.')) {
                name = rest.to_string();
            }
        }
        let args: Vec<Arg> = args.iter().take(8).map(|a| self.arg(a)).collect();
        if name == "require"
            && let Some(spec) = args.first().and_then(|a| a.text.as_ref())
        {
            self.facts.imports.push((module_name(spec), span));
        }
        self.facts.calls.push(Call {
            callee: name,
            span,
            is_new,
            args,
            func: self.func(),
            computed,
        });
    }

    fn bind_pattern(&mut self, pat: &BindingPattern<'_>, qualified: &str) {
        match pat {
            BindingPattern::BindingIdentifier(id) => {
                self.bindings
                    .insert(id.name.as_str().to_string(), qualified.to_string());
            }
            BindingPattern::ObjectPattern(o) => {
                for p in o.properties.iter().take(64) {
                    if let Some(k) = p.key.static_name() {
                        let q = join_member(qualified, &k);
                        self.bind_pattern(&p.value, &q);
                    }
                }
            }
            BindingPattern::AssignmentPattern(a) => self.bind_pattern(&a.left, qualified),
            _ => {}
        }
    }
}

fn join_member(obj: &str, prop: &str) -> String {
    if GLOBAL_OBJECTS.contains(&obj) {
        prop.to_string()
    } else {
        format!("{obj}.{prop}")
    }
}

fn decode(text: &str, enc: &str) -> Option<String> {
    let bytes = match enc.to_ascii_lowercase().as_str() {
        "base64" | "base64url" => {
            let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(
                    t.trim_end_matches('=').to_string()
                        + &"=".repeat((4 - t.trim_end_matches('=').len() % 4) % 4),
                )
                .or_else(|_| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t.trim_end_matches('='))
                })
                .ok()?
        }
        "hex" => hex::decode(text.trim()).ok()?,
        "utf8" | "utf-8" | "ascii" | "latin1" | "binary" => text.as_bytes().to_vec(),
        _ => return None,
    };
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or(""), 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_hex_name(n: &str) -> bool {
    n.len() >= 5 && n.starts_with("_0x") && n[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

impl<'a> Visit<'a> for Collector {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let m = module_name(it.source.value.as_str());
        self.facts.imports.push((m.clone(), it.span));
        if let Some(specs) = &it.specifiers {
            for s in specs {
                match s {
                    ImportDeclarationSpecifier::ImportSpecifier(s) => {
                        let q = join_member(&m, &s.imported.name());
                        self.bindings.insert(s.local.name.as_str().to_string(), q);
                    }
                    ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                        self.bindings
                            .insert(s.local.name.as_str().to_string(), m.clone());
                    }
                    ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                        self.bindings
                            .insert(s.local.name.as_str().to_string(), m.clone());
                    }
                }
            }
        }
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let Some(init) = &it.init {
            if let Some(q) = self.qualify(init) {
                self.bind_pattern(&it.id, &q);
            }
            if let BindingPattern::BindingIdentifier(id) = &it.id
                && !self.mutated.contains(id.name.as_str())
                && let Some(v) = self.fold(init, 0)
            {
                self.consts.insert(id.name.as_str().to_string(), v);
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        // A reassigned variable is not a constant (`let body = ''; … body += chunk`).
        if let AssignmentTarget::AssignmentTargetIdentifier(id) = &it.left {
            let n = id.name.as_str().to_string();
            self.consts.remove(&n);
            self.mutated.insert(n);
        }
        if let Some(m) = it.left.as_member_expression() {
            // `X.prototype.m = …` / `X.prototype['m'] = …` on an imported class.
            let obj = m.object();
            if let Expression::StaticMemberExpression(p) = obj.get_inner_expression()
                && p.property.name == "prototype"
                && let Some(root) = self.qualify(&p.object)
                && let Some(method) = m.static_property_name()
                && self.is_imported(&root)
            {
                self.facts.proto_writes.push(ProtoWrite {
                    target: format!("{root}.prototype.{method}"),
                    span: it.span,
                });
            }
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        self.record_call(&it.callee, &it.arguments, it.span, false);
        if let Some((v, true)) = self.fold_call(it, 0) {
            self.push_string(v, it.span, true);
        }
        // `require(Buffer.from('…','base64').toString())`: a module name hidden from review.
        if let Some(last) = self.facts.calls.last()
            && last.span == it.span
            && last.callee == "require"
            && let Some(a) = last.args.first()
            && let Some(spec) = a.text.clone()
            && !matches!(
                it.arguments
                    .first()
                    .and_then(Argument::as_expression)
                    .map(Expression::get_inner_expression),
                Some(Expression::StringLiteral(_))
            )
        {
            let decoded = a.decoded;
            self.facts.hidden.push(HiddenAccess {
                name: format!("require({})", module_name(&spec)),
                span: it.span,
                decoded,
            });
        }
        // `Object.defineProperty(Lib.prototype, 'm', …)`.
        if self
            .facts
            .calls
            .last()
            .is_some_and(|c| c.span == it.span && c.callee == "Object.defineProperty")
            && let Some(Expression::StaticMemberExpression(p)) = it
                .arguments
                .first()
                .and_then(Argument::as_expression)
                .map(Expression::get_inner_expression)
            && p.property.name == "prototype"
            && let Some(root) = self.qualify(&p.object)
            && self.is_imported(&root)
            && let Some((method, _)) = it
                .arguments
                .get(1)
                .and_then(Argument::as_expression)
                .and_then(|e| self.fold(e, 0))
        {
            self.facts.proto_writes.push(ProtoWrite {
                target: format!("{root}.prototype.{method}"),
                span: it.span,
            });
        }
        // `JSON.stringify(process.env)` and friends: the whole environment as data.
        if let Some(c) = self.facts.calls.last()
            && c.span == it.span
            && matches!(
                c.callee.as_str(),
                "JSON.stringify"
                    | "Object.entries"
                    | "Object.values"
                    | "querystring.stringify"
                    | "qs.stringify"
                    | "util.inspect"
            )
            && c.args
                .iter()
                .any(|a| a.name.as_deref() == Some("process.env"))
        {
            let func = self.func();
            self.facts.env_reads.push(EnvRead {
                name: None,
                span: it.span,
                func,
            });
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        self.record_call(&it.callee, &it.arguments, it.span, true);
        walk::walk_new_expression(self, it);
    }

    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        if let Some(obj) = self.qualify(&it.object)
            && obj == "process.env"
        {
            let func = self.func();
            self.facts.env_reads.push(EnvRead {
                name: Some(it.property.name.as_str().to_string()),
                span: it.span,
                func,
            });
        }
        walk::walk_static_member_expression(self, it);
    }

    fn visit_computed_member_expression(&mut self, it: &ComputedMemberExpression<'a>) {
        // A bare identifier (`obj[key]`) is a lookup, not a name assembled to hide a call.
        if !matches!(
            it.expression.get_inner_expression(),
            Expression::StringLiteral(_)
                | Expression::NumericLiteral(_)
                | Expression::Identifier(_)
        ) && let Some((prop, decoded)) = self.fold(&it.expression, 0)
            && !prop.is_empty()
            && let Some(obj) = self.qualify(&it.object)
        {
            self.facts.hidden.push(HiddenAccess {
                name: join_member(&obj, &prop),
                span: it.span,
                decoded,
            });
        }
        walk::walk_computed_member_expression(self, it);
    }

    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        if it.value.len() >= 4 {
            self.push_string(it.value.as_str().to_string(), it.span, false);
        }
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        let (v, d) = self.fold_template(it, 0).unwrap_or_else(|| {
            (
                it.quasis.iter().map(|q| q.value.raw.as_str()).collect(),
                false,
            )
        });
        if v.len() >= 4 {
            self.push_string(v, it.span, d);
        }
        walk::walk_template_literal(self, it);
    }

    fn visit_binary_expression(&mut self, it: &BinaryExpression<'a>) {
        if it.operator == BinaryOperator::Addition
            && let Some((v, d)) = self.fold_binary(it)
        {
            self.push_string(v, it.span, d);
        }
        walk::walk_binary_expression(self, it);
    }

    fn visit_binding_identifier(&mut self, it: &BindingIdentifier<'a>) {
        if is_hex_name(it.name.as_str()) {
            self.facts.hex_names += 1;
        }
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        self.funcs.push(it.span);
        walk::walk_function(self, it, flags);
        self.funcs.pop();
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        self.funcs.push(it.span);
        walk::walk_arrow_function_expression(self, it);
        self.funcs.pop();
    }
}

impl Collector {
    fn prefix(&self, e: &Expression<'_>, depth: usize) -> Option<String> {
        if depth > MAX_FOLD_DEPTH {
            return None;
        }
        match e.get_inner_expression() {
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => self
                .fold(e, depth + 1)
                .map(|f| f.0)
                .or_else(|| self.prefix(&b.left, depth + 1)),
            Expression::TemplateLiteral(t) => {
                let first = t.quasis.first().map(|q| q.value.raw.as_str()).unwrap_or("");
                match (first.is_empty(), t.expressions.first()) {
                    (true, Some(ex)) => self.prefix(ex, depth + 1),
                    _ => Some(first.to_string()),
                }
            }
            _ => self.fold(e, depth + 1).map(|f| f.0),
        }
    }

    fn fold_template(&self, t: &TemplateLiteral<'_>, depth: usize) -> Option<(String, bool)> {
        let mut s = String::new();
        let mut decoded = false;
        for (i, q) in t.quasis.iter().enumerate() {
            s.push_str(
                q.value
                    .cooked
                    .as_ref()
                    .map_or(q.value.raw.as_str(), |c| c.as_str()),
            );
            if let Some(ex) = t.expressions.get(i) {
                let (v, d) = self.fold(ex, depth + 1)?;
                decoded |= d;
                s.push_str(&v);
            }
            if s.len() > MAX_FOLD_LEN {
                return None;
            }
        }
        Some((s, decoded))
    }

    fn fold_binary(&self, b: &BinaryExpression<'_>) -> Option<(String, bool)> {
        let (l, dl) = self.fold(&b.left, 1)?;
        let (r, dr) = self.fold(&b.right, 1)?;
        (l.len() + r.len() <= MAX_FOLD_LEN).then(|| (l + &r, dl || dr))
    }
}

impl Collector {
    /// Whether a qualified name starts at a package this file `require`s or imports (not a
    /// relative file, not a local class, not a parameter of a minified bundle).
    fn is_imported(&self, root: &str) -> bool {
        self.facts.imports.iter().any(|(m, _)| {
            !m.starts_with('.')
                && !m.starts_with('/')
                && (root == m || root.starts_with(&format!("{m}.")))
        })
    }
}
