//! Static facts about one JS/TS file, extracted with oxc without running anything.
//!
//! Platform manifests that live in code (n8n `description` objects, Node-RED `registerType`
//! options) are object literals. [`parse`] walks the AST once and records:
//! the literal values of interesting class properties and `this.x = …` assignments, every call
//! with a static dotted callee (`RED.httpAdmin.get`) with its evaluated arguments, imported and
//! required module names (with their named bindings), references to selected free globals,
//! method calls whose callee chain contains a call (`api.asUser().requestJira(…)`, recorded by
//! their final method name in [`JsFacts::method_calls`]) and every mention of a few watched
//! member names ([`WATCHED_MEMBERS`]), so a consumer can tell whether it saw every use of an
//! API or only some of them. Values are evaluated
//! statically ([`Val`]): literals, arrays, objects, template literals, and identifiers bound by
//! top-level `const` declarations in the same file; Forge `route` tagged templates and
//! `assumeTrustedRoute(…)` evaluate to their path text. Anything else is [`Val::Unknown`].
//!
//! Bounds: files above [`MAX_SOURCE_BYTES`] or nested deeper than [`MAX_NESTING`] brackets are
//! not parsed (a notice is produced by the caller), evaluation stops at [`MAX_EVAL_DEPTH`] and
//! [`MAX_EVAL_NODES`] values per top-level evaluation, with per-file caps on values and string
//! bytes ([`MAX_FILE_EVAL_NODES`], [`MAX_FILE_EVAL_BYTES`]).

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, AssignmentExpression, BindingPattern, CallExpression,
    ChainElement, Class, ClassElement, Expression, ImportDeclaration, ImportDeclarationSpecifier,
    ImportExpression, ImportOrExportKind, MemberExpression, ObjectPropertyKind, Program,
    PropertyDefinition, Statement,
};
use oxc_ast_visit::{Visit, walk};
use oxc_parser::Parser;
use oxc_span::SourceType;
use std::collections::{HashMap, HashSet};

/// Files larger than this are not parsed for manifest facts.
pub const MAX_SOURCE_BYTES: usize = 4 * 1024 * 1024;
/// Bracket nesting above this is refused before parsing (the parser and visitor recurse).
pub const MAX_NESTING: usize = 400;
/// Depth limit of the static evaluator.
pub const MAX_EVAL_DEPTH: usize = 48;
/// Value budget of one top-level evaluation.
pub const MAX_EVAL_NODES: usize = 50_000;
/// Values evaluated per file, across all top-level evaluations.
pub const MAX_FILE_EVAL_NODES: usize = 400_000;
/// String bytes produced per file by evaluation (identifiers bound to long strings can be
/// referenced many times; concatenation can double them).
pub const MAX_FILE_EVAL_BYTES: usize = 8 * 1024 * 1024;
/// Strings longer than this are not manifest values: evaluated as unknown.
pub const MAX_STRING_BYTES: usize = 64 * 1024;
/// At most this many calls / imports / globals are recorded per file.
const MAX_RECORDS: usize = 20_000;

/// A statically evaluated JS value. `start` offsets are byte offsets into the parsed text.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String),
    /// A template literal with substitutions; `${…}` parts are kept as `${}`.
    Template(String),
    Num(f64),
    Bool(bool),
    Null,
    Array(Vec<Spanned>),
    Object(Vec<(String, Spanned)>),
    /// A call whose callee is a static dotted path (`RED.auth.needsPermission`).
    Call(String),
    /// A function or arrow function.
    Function,
    /// An identifier or member path that could not be resolved (`process.env.URL`).
    Path(String),
    Unknown,
}

/// A value with the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    pub val: Val,
    pub start: u32,
}

impl Spanned {
    /// The property `key` of an object value.
    pub fn get(&self, key: &str) -> Option<&Spanned> {
        match &self.val {
            Val::Object(props) => props.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a `.`-separated property path.
    pub fn path(&self, path: &str) -> Option<&Spanned> {
        path.split('.').try_fold(self, |v, k| v.get(k))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.val {
            Val::Str(s) | Val::Template(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.val {
            Val::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> &[Spanned] {
        match &self.val {
            Val::Array(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[(String, Spanned)] {
        match &self.val {
            Val::Object(props) => props,
            _ => &[],
        }
    }

    /// Strings of an array value (or a single string), ignoring other items.
    pub fn strings(&self) -> Vec<&str> {
        match &self.val {
            Val::Array(items) => items.iter().filter_map(Spanned::as_str).collect(),
            _ => self.as_str().into_iter().collect(),
        }
    }
}

/// A module the file imports or requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub start: u32,
    /// `import type …`: no runtime effect.
    pub type_only: bool,
    /// Named bindings of an `import` declaration: (imported name, local name); `default` and
    /// `*` for default and namespace imports. Empty for `require` and `import()`.
    pub bindings: Vec<(String, String)>,
}

/// A call with a static callee path.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `RED.nodes.registerType`, `require`, `this.helpers.httpRequest`.
    pub callee: String,
    pub args: Vec<Spanned>,
    /// See [`MethodCall::spread`].
    pub spread: bool,
    pub start: u32,
}

/// A method call whose callee is not a static dotted path but a chain of names and calls
/// (`api.asUser().requestJira`, `storage.query().where`) or a sequence (`(0, r.requestJira)`).
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// The final method name (`requestJira`).
    pub method: String,
    /// The callee rendered with `()` for each inner call (`api.asUser().requestJira`).
    pub chain: String,
    pub args: Vec<Spanned>,
    /// An argument is a spread, or an object literal containing a spread (`{ ...opts }`):
    /// its evaluated properties may be incomplete.
    pub spread: bool,
    pub start: u32,
}

/// An occurrence of a watched member or identifier name ([`WATCHED_MEMBERS`]) anywhere in
/// the code: as a callee, passed around, destructured from an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub name: String,
    /// The member chain it ends (`this._context.device`), `None` when not renderable.
    pub chain: Option<String>,
    pub start: u32,
}

/// A named value: a class property (`description = {…}`) or `this.description = {…}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub name: String,
    pub value: Spanned,
    /// Index of the enclosing class in [`JsFacts::classes`], if any.
    pub class: Option<usize>,
}

/// A class declared in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassInfo {
    pub name: Option<String>,
    pub start: u32,
    /// Method names (`execute`, `webhook`, `poll`, `trigger`).
    pub methods: Vec<String>,
}

/// Everything [`parse`] learned about one file.
#[derive(Debug, Clone, Default)]
pub struct JsFacts {
    /// Syntax errors: (byte offset, message). The facts are still usable when recovered.
    pub errors: Vec<(u32, String)>,
    pub imports: Vec<Import>,
    /// `require(x)` / `import(x)` with a non-literal argument.
    pub dynamic_imports: Vec<u32>,
    pub calls: Vec<Call>,
    pub named: Vec<Named>,
    pub classes: Vec<ClassInfo>,
    /// References to watched free globals: (name, offset).
    pub globals: Vec<(String, u32)>,
    /// Calls through a chain containing calls; see [`MethodCall`].
    pub method_calls: Vec<MethodCall>,
    /// Mentions of [`WATCHED_MEMBERS`], recorded past the cap on calls (up to their own cap),
    /// so a consumer comparing them with the calls it understood stays conservative.
    pub mentions: Vec<Mention>,
    /// More mentions than [`MAX_MENTIONS`]: the list is incomplete.
    pub mentions_truncated: bool,
    /// The cap on calls / imports / globals was reached: those lists are incomplete.
    pub truncated: bool,
}

impl JsFacts {
    /// The first named value called `name`.
    pub fn named(&self, name: &str) -> Option<&Spanned> {
        self.named.iter().find(|n| n.name == name).map(|n| &n.value)
    }

    /// Calls whose callee ends with `suffix` (`.nodes.registerType`) or equals it.
    pub fn calls_ending<'s>(&'s self, suffix: &'s str) -> impl Iterator<Item = &'s Call> + 's {
        self.calls.iter().filter(move |c| {
            c.callee == suffix.trim_start_matches('.') || c.callee.ends_with(suffix)
        })
    }
}

/// Why a file was not parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkipReason {
    #[error("file is {0} bytes, above the {MAX_SOURCE_BYTES}-byte limit for manifest extraction")]
    TooLarge(usize),
    #[error("brackets nest deeper than {MAX_NESTING} levels")]
    TooDeep,
    #[error(
        "expressions or statements chain deeper than {MAX_CHAIN} levels (`!!!…`, `a=b=…`, `if (a) if (a) …`)"
    )]
    ChainTooDeep,
    #[error("the syntax tree nests deeper than {MAX_AST_DEPTH} levels")]
    AstTooDeep,
    #[error("the parser gave up: {0}")]
    Unparseable(String),
}

/// Names of free globals recorded in [`JsFacts::globals`].
const WATCHED_GLOBALS: &[&str] = &[
    "process",
    "globalThis",
    "global",
    "__dirname",
    "__filename",
    "setTimeout",
    "setInterval",
    "setImmediate",
    "clearTimeout",
    "clearInterval",
    "clearImmediate",
    "eval",
    "Function",
];

/// Member and identifier names whose every occurrence is recorded in [`JsFacts::mentions`]:
/// the platform APIs whose use is inferred from calls (Forge product requests, PCF context
/// objects).
pub const WATCHED_MEMBERS: &[&str] = &[
    "requestJira",
    "requestConfluence",
    "requestBitbucket",
    "webAPI",
    "device",
    "utils",
];

/// At most this many mentions are recorded per file; past it, [`JsFacts::mentions_truncated`]
/// is set.
const MAX_MENTIONS: usize = 20_000;

/// Parses `text` (TypeScript when `typescript`, else unambiguous JS) and extracts facts.
pub fn parse(text: &str, typescript: bool) -> Result<JsFacts, SkipReason> {
    let source_type = if typescript {
        SourceType::ts()
    } else {
        SourceType::unambiguous()
    };
    parse_as(text, source_type)
}

/// Parses a file by its name: `.ts`/`.mts`/`.cts` as TypeScript, `.tsx` as TSX, anything
/// else as unambiguous JS with JSX (React UI code often keeps JSX in `.js` files).
pub fn parse_path(text: &str, path: &str) -> Result<JsFacts, SkipReason> {
    let p = path.to_ascii_lowercase();
    let source_type = if p.ends_with(".tsx") {
        SourceType::tsx()
    } else if [".ts", ".mts", ".cts"].iter().any(|e| p.ends_with(e)) {
        SourceType::ts()
    } else {
        SourceType::unambiguous().with_jsx(true)
    };
    parse_as(text, source_type)
}

fn parse_as(text: &str, source_type: SourceType) -> Result<JsFacts, SkipReason> {
    if text.len() > MAX_SOURCE_BYTES {
        return Err(SkipReason::TooLarge(text.len()));
    }
    if max_bracket_depth(text) > MAX_NESTING {
        return Err(SkipReason::TooDeep);
    }
    if max_chain(text) > MAX_CHAIN {
        return Err(SkipReason::ChainTooDeep);
    }
    let allocator = Allocator::default();
    let ret = Parser::new(&allocator, text, source_type).parse();
    let errors: Vec<(u32, String)> = ret
        .diagnostics
        .iter()
        .map(|d| {
            let off = d.labels.first().map_or(0, |l| l.offset());
            (off, d.message.to_string())
        })
        .collect();
    if ret.panicked {
        let msg = errors
            .first()
            .map_or_else(|| "unrecoverable syntax error".to_string(), |e| e.1.clone());
        return Err(SkipReason::Unparseable(msg));
    }
    let mut collector = Collector::new(&ret.program);
    collector.visit_program(&ret.program);
    if collector.too_deep {
        return Err(SkipReason::AstTooDeep);
    }
    let mut facts = collector.facts;
    facts.errors = errors;
    let bound = collector.bindings;
    facts.globals.retain(|(name, _)| !bound.contains(name));
    Ok(facts)
}

/// Longest run of tokens that make the parser recurse without a bracket (prefix operators,
/// assignment, `?`, `=>`, `if`/`else`) between two statement or list separators. The parser
/// and the visitor recurse once per link, so a 30 000-link chain overflows a thread's stack.
pub const MAX_CHAIN: usize = 1000;
/// Depth at which the collector stops descending into expressions and statements. Binary
/// chains (`1+1+…`) parse in a loop but build a tree this deep.
pub const MAX_AST_DEPTH: usize = 1000;

/// See [`MAX_CHAIN`]. Approximate (strings and comments are skipped, regex literals are not
/// told from division), which can only over-estimate.
fn max_chain(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut run, mut max) = (0usize, 0usize);
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let mut prev: Option<u8> = None;
    while let Some(&b) = bytes.get(i) {
        if let Some(q) = quote {
            if b == b'\\' {
                i += 1;
            } else if b == q || (b == b'\n' && q != b'`') {
                quote = None;
            }
            i += 1;
            continue;
        }
        match b {
            b'\'' | b'"' | b'`' => quote = Some(b),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while bytes.get(i).is_some_and(|c| *c != b'\n') {
                    i += 1;
                }
            }
            b';' | b',' | b'{' | b'}' => run = 0,
            b'!' | b'~' | b'?' => run += 1,
            b'=' => {
                let prev = i.checked_sub(1).map(|p| bytes[p]);
                let next = bytes.get(i + 1).copied();
                // `==`, `<=`, `!=` compare; they do not nest.
                if !matches!(prev, Some(b'=' | b'<' | b'>' | b'!')) && next != Some(b'=') {
                    run += 1;
                }
            }
            b'+' | b'-' if matches!(bytes.get(i + 1), Some(b'+' | b'-')) => i += 1,
            // Unary `+`/`-` (after an operator or an opening bracket) nest; binary ones loop.
            b'+' | b'-' if prev.is_none_or(|p| b"=+-*/%!~?:&|^<>([".contains(&p)) => run += 1,
            b'a'..=b'z'
                if (i == 0 || !is_word(bytes[i - 1]))
                    && PREFIX_WORDS.iter().any(|w| {
                        bytes.get(i..i + w.len()) == Some(*w)
                            && bytes.get(i + w.len()).is_none_or(|c| !is_word(*c))
                    }) =>
            {
                run += 1;
            }
            _ => {}
        }
        if !b.is_ascii_whitespace() {
            prev = Some(b);
        }
        max = max.max(run);
        i += 1;
    }
    max
}

/// Keywords that parse what follows recursively (`if (a) if (a) …`, `typeof typeof …`).
const PREFIX_WORDS: &[&[u8]] = &[
    b"if", b"else", b"typeof", b"void", b"await", b"new", b"delete", b"yield", b"while", b"for",
    b"with", b"do",
];

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

/// Maximum nesting of `{[(` outside of strings and comments (approximate: template literals
/// and regex literals are treated as code, which can only over-estimate).
fn max_bracket_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while let Some(&b) = bytes.get(i) {
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q || b == b'\n' {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while let Some(&c) = bytes.get(i) {
                        if c == b'\n' {
                            break;
                        }
                        i += 1;
                    }
                }
                b'{' | b'[' | b'(' => {
                    depth += 1;
                    max = max.max(depth);
                }
                b'}' | b']' | b')' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        i += 1;
    }
    max
}

/// What evaluation may still produce.
#[derive(Debug, Clone, Copy)]
struct Budget {
    nodes: usize,
    bytes: usize,
}

impl Budget {
    /// Accounts for a string of `len` bytes; `false` when it does not fit.
    fn take_bytes(&mut self, len: usize) -> bool {
        if len > MAX_STRING_BYTES || len > self.bytes {
            return false;
        }
        self.bytes -= len;
        true
    }
}

struct Collector<'a, 'p> {
    facts: JsFacts,
    file_budget: Budget,
    consts: HashMap<&'a str, &'p Expression<'a>>,
    bindings: HashSet<String>,
    class_stack: Vec<usize>,
    /// Current expression/statement depth of the walk, and whether it hit [`MAX_AST_DEPTH`].
    depth: usize,
    too_deep: bool,
}

impl<'a, 'p> Collector<'a, 'p> {
    fn new(program: &'p Program<'a>) -> Self {
        let mut consts = HashMap::new();
        for stmt in &program.body {
            let decl = match stmt {
                Statement::VariableDeclaration(d) => Some(d.as_ref()),
                Statement::ExportDeclaration(e) => match &e.declaration {
                    oxc_ast::ast::Declaration::VariableDeclaration(d) => Some(d.as_ref()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(decl) = decl {
                for d in &decl.declarations {
                    if let (BindingPattern::BindingIdentifier(id), Some(init)) = (&d.id, &d.init) {
                        consts.insert(id.name.as_str(), init);
                    }
                }
            }
        }
        Collector {
            facts: JsFacts::default(),
            file_budget: Budget {
                nodes: MAX_FILE_EVAL_NODES,
                bytes: MAX_FILE_EVAL_BYTES,
            },
            consts,
            bindings: HashSet::new(),
            class_stack: Vec::new(),
            depth: 0,
            too_deep: false,
        }
    }

    fn eval(&mut self, expr: &Expression<'a>) -> Spanned {
        let mut budget = Budget {
            nodes: MAX_EVAL_NODES.min(self.file_budget.nodes),
            bytes: self.file_budget.bytes,
        };
        let before = budget;
        let v = eval(expr, &self.consts, 0, &mut budget);
        self.file_budget.nodes = self
            .file_budget
            .nodes
            .saturating_sub(before.nodes - budget.nodes);
        self.file_budget.bytes = budget.bytes;
        v
    }

    fn eval_args(&mut self, it: &CallExpression<'a>) -> Vec<Spanned> {
        it.arguments
            .iter()
            .map(|a| match a {
                Argument::SpreadElement(s) => Spanned {
                    val: Val::Unknown,
                    start: s.span.start,
                },
                other => other.as_expression().map_or(
                    Spanned {
                        val: Val::Unknown,
                        start: it.span.start,
                    },
                    |e| self.eval(e),
                ),
            })
            .collect()
    }

    fn mention(&mut self, name: &str, chain: Option<String>, start: u32) {
        if self.facts.mentions.len() >= MAX_MENTIONS {
            self.facts.mentions_truncated = true;
            return;
        }
        self.facts.mentions.push(Mention {
            name: name.to_string(),
            chain,
            start,
        });
    }

    fn full(&self) -> bool {
        self.facts.calls.len()
            + self.facts.method_calls.len()
            + self.facts.imports.len()
            + self.facts.globals.len()
            > MAX_RECORDS
    }
}

/// The dotted path of an identifier / static member chain (`RED.httpAdmin.get`,
/// `this.helpers.request`), or `None` when any part is computed.
pub(crate) fn static_path(expr: &Expression<'_>) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let mut cur = expr.get_inner_expression();
    for _ in 0..32 {
        match cur {
            Expression::Identifier(id) => {
                parts.push(id.name.as_str());
                parts.reverse();
                return Some(parts.join("."));
            }
            Expression::ThisExpression(_) => {
                parts.push("this");
                parts.reverse();
                return Some(parts.join("."));
            }
            Expression::StaticMemberExpression(m) => {
                parts.push(m.property.name.as_str());
                cur = m.object.get_inner_expression();
            }
            Expression::ComputedMemberExpression(m) => {
                let Expression::StringLiteral(s) = &m.expression else {
                    return None;
                };
                parts.push(s.value.as_str());
                cur = m.object.get_inner_expression();
            }
            _ => return None,
        }
    }
    None
}

fn eval<'a>(
    expr: &Expression<'a>,
    consts: &HashMap<&'a str, &Expression<'a>>,
    depth: usize,
    budget: &mut Budget,
) -> Spanned {
    let start = span_start(expr);
    let unknown = Spanned {
        val: Val::Unknown,
        start,
    };
    if depth > MAX_EVAL_DEPTH || budget.nodes == 0 {
        return unknown;
    }
    budget.nodes -= 1;
    let expr = expr.get_inner_expression();
    let val = match expr {
        Expression::StringLiteral(s) if !budget.take_bytes(s.value.len()) => Val::Unknown,
        Expression::StringLiteral(s) => Val::Str(s.value.as_str().to_string()),
        Expression::NumericLiteral(n) => Val::Num(n.value),
        Expression::BooleanLiteral(b) => Val::Bool(b.value),
        Expression::NullLiteral(_) => Val::Null,
        Expression::TemplateLiteral(t) => eval_template(t, budget).val,
        Expression::ArrayExpression(a) => {
            let mut items = Vec::new();
            for el in &a.elements {
                match el {
                    ArrayExpressionElement::SpreadElement(sp) => {
                        let v = eval(&sp.argument, consts, depth + 1, budget);
                        match v.val {
                            Val::Array(inner) => items.extend(inner),
                            _ => items.push(v),
                        }
                    }
                    ArrayExpressionElement::Elision(_) => {}
                    other => {
                        if let Some(e) = other.as_expression() {
                            items.push(eval(e, consts, depth + 1, budget));
                        }
                    }
                }
            }
            Val::Array(items)
        }
        Expression::ObjectExpression(o) => {
            let mut props = Vec::new();
            for p in &o.properties {
                match p {
                    ObjectPropertyKind::ObjectProperty(p) => {
                        let Some(key) = p.key.static_name() else {
                            continue;
                        };
                        let v = if p.method {
                            Spanned {
                                val: Val::Function,
                                start: p.span.start,
                            }
                        } else {
                            eval(&p.value, consts, depth + 1, budget)
                        };
                        props.push((key.to_string(), v));
                    }
                    ObjectPropertyKind::SpreadProperty(sp) => {
                        let v = eval(&sp.argument, consts, depth + 1, budget);
                        if let Val::Object(inner) = v.val {
                            props.extend(inner);
                        }
                    }
                }
            }
            Val::Object(props)
        }
        Expression::Identifier(id) => match consts.get(id.name.as_str()) {
            Some(init) => {
                let mut v = eval(init, consts, depth + 1, budget);
                v.start = start;
                return v;
            }
            None => Val::Path(id.name.as_str().to_string()),
        },
        Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) => {
            static_path(expr).map_or(Val::Unknown, Val::Path)
        }
        // Forge's `assumeTrustedRoute('/rest/…')` is its path.
        Expression::CallExpression(c)
            if c.arguments.len() == 1
                && static_path(&c.callee)
                    .is_some_and(|p| p.rsplit('.').next() == Some("assumeTrustedRoute")) =>
        {
            match c.arguments[0].as_expression() {
                Some(e) => {
                    let mut v = eval(e, consts, depth + 1, budget);
                    v.start = start;
                    return v;
                }
                None => Val::Unknown,
            }
        }
        Expression::CallExpression(c) => static_path(&c.callee).map_or(Val::Unknown, Val::Call),
        // Forge's route`/rest/api/3/issue/${key}` (it escapes the substitutions, so each stays
        // inside its path segment) and String.raw`…` are the template's text.
        Expression::TaggedTemplateExpression(t)
            if static_path(&t.tag)
                .is_some_and(|p| p == "String.raw" || p.rsplit('.').next() == Some("route")) =>
        {
            let mut v = eval_template(&t.quasi, budget);
            v.start = start;
            return v;
        }
        Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_) => Val::Function,
        Expression::BinaryExpression(b) if b.operator == oxc_ast::ast::BinaryOperator::Addition => {
            let l = eval(&b.left, consts, depth + 1, budget);
            let r = eval(&b.right, consts, depth + 1, budget);
            let len = |v: &Val| match v {
                Val::Str(s) | Val::Template(s) => s.len(),
                _ => 0,
            };
            if !budget.take_bytes(len(&l.val) + len(&r.val) + 3) {
                return unknown;
            }
            match (l.val, r.val) {
                (Val::Str(a), Val::Str(b)) => Val::Str(a + &b),
                (Val::Str(a) | Val::Template(a), Val::Str(b) | Val::Template(b)) => {
                    Val::Template(a + &b)
                }
                (Val::Str(a) | Val::Template(a), _) => Val::Template(a + "${}"),
                (_, Val::Str(b) | Val::Template(b)) => Val::Template("${}".to_string() + &b),
                _ => Val::Unknown,
            }
        }
        _ => Val::Unknown,
    };
    Spanned { val, start }
}

/// A template literal's text with `${}` for each substitution.
fn eval_template(t: &oxc_ast::ast::TemplateLiteral<'_>, budget: &mut Budget) -> Spanned {
    let mut s = String::new();
    for (i, q) in t.quasis.iter().enumerate() {
        s.push_str(
            q.value
                .cooked
                .as_ref()
                .map_or(q.value.raw.as_str(), |c| c.as_str()),
        );
        if i + 1 < t.quasis.len() {
            s.push_str("${}");
        }
    }
    let val = if !budget.take_bytes(s.len()) {
        Val::Unknown
    } else if t.expressions.is_empty() {
        Val::Str(s)
    } else {
        Val::Template(s)
    };
    Spanned {
        val,
        start: t.span.start,
    }
}

/// The callee rendered as a chain of names and calls (`api.asUser().requestJira`), looking
/// through parentheses, TypeScript wrappers, optional chaining and `(0, x.y)` sequences.
/// `None` when a part is computed or not a name.
pub(crate) fn chain_path(expr: &Expression<'_>) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = expr.get_inner_expression();
    let mut complete = false;
    for _ in 0..64 {
        let member = match cur {
            Expression::Identifier(id) => {
                parts.push(id.name.as_str().to_string());
                complete = true;
                break;
            }
            Expression::ThisExpression(_) => {
                parts.push("this".to_string());
                complete = true;
                break;
            }
            Expression::SequenceExpression(seq) => {
                cur = seq.expressions.last()?.get_inner_expression();
                continue;
            }
            Expression::CallExpression(c) => {
                parts.push("()".to_string());
                cur = c.callee.get_inner_expression();
                continue;
            }
            Expression::ChainExpression(c) => match &c.expression {
                ChainElement::CallExpression(call) => {
                    parts.push("()".to_string());
                    cur = call.callee.get_inner_expression();
                    continue;
                }
                other => other.as_member_expression()?,
            },
            other => other.as_member_expression()?,
        };
        let name = match member {
            MemberExpression::StaticMemberExpression(m) => m.property.name.as_str(),
            MemberExpression::ComputedMemberExpression(m) => match &m.expression {
                Expression::StringLiteral(s) => s.value.as_str(),
                _ => return None,
            },
            MemberExpression::PrivateFieldExpression(_) => return None,
        };
        parts.push(name.to_string());
        cur = member.object().get_inner_expression();
    }
    if !complete {
        return None;
    }
    parts.reverse();
    let mut out = String::new();
    for p in parts {
        if p != "()" && !out.is_empty() {
            out.push('.');
        }
        out.push_str(&p);
    }
    Some(out)
}

/// Whether any argument is a spread or an object literal with a spread property.
fn has_spread(args: &[Argument<'_>]) -> bool {
    args.iter().any(|a| match a {
        Argument::SpreadElement(_) => true,
        other => matches!(
            other.as_expression().map(Expression::get_inner_expression),
            Some(Expression::ObjectExpression(o))
                if o.properties.iter().any(|p| matches!(p, ObjectPropertyKind::SpreadProperty(_)))
        ),
    })
}

fn span_start(expr: &Expression<'_>) -> u32 {
    use oxc_span::GetSpan;
    expr.span().start
}

impl<'a> Visit<'a> for Collector<'a, '_> {
    // Every recursion of the walk passes through an expression or a statement: bounding
    // these two bounds the stack the walk uses.
    fn visit_expression(&mut self, it: &Expression<'a>) {
        if self.depth >= MAX_AST_DEPTH {
            self.too_deep = true;
            return;
        }
        self.depth += 1;
        walk::walk_expression(self, it);
        self.depth -= 1;
    }

    fn visit_statement(&mut self, it: &Statement<'a>) {
        if self.depth >= MAX_AST_DEPTH {
            self.too_deep = true;
            return;
        }
        self.depth += 1;
        walk::walk_statement(self, it);
        self.depth -= 1;
    }

    fn visit_class(&mut self, it: &Class<'a>) {
        let methods = it
            .body
            .body
            .iter()
            .filter_map(|el| match el {
                ClassElement::MethodDefinition(m) => m.key.static_name().map(|n| n.to_string()),
                _ => None,
            })
            .collect();
        self.facts.classes.push(ClassInfo {
            name: it.id.as_ref().map(|i| i.name.as_str().to_string()),
            start: it.span.start,
            methods,
        });
        self.class_stack.push(self.facts.classes.len() - 1);
        walk::walk_class(self, it);
        self.class_stack.pop();
    }

    fn visit_property_definition(&mut self, it: &PropertyDefinition<'a>) {
        if let (Some(name), Some(value)) = (it.key.static_name(), &it.value)
            && !self.full()
        {
            let value = self.eval(value);
            self.facts.named.push(Named {
                name: name.to_string(),
                value,
                class: self.class_stack.last().copied(),
            });
        }
        walk::walk_property_definition(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        if let Some(m) = it.left.as_member_expression()
            && let (Expression::ThisExpression(_), Some(name)) =
                (m.object().get_inner_expression(), m.static_property_name())
            && !self.full()
        {
            let value = self.eval(&it.right);
            self.facts.named.push(Named {
                name: name.to_string(),
                value,
                class: self.class_stack.last().copied(),
            });
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        let static_callee = static_path(&it.callee);
        let chained = match &static_callee {
            Some(_) => None,
            None => chain_path(&it.callee),
        };
        if self.full() {
            self.facts.truncated = true;
        } else if let Some(chain) = chained {
            let args = self.eval_args(it);
            self.facts.method_calls.push(MethodCall {
                method: chain.rsplit(['.', ')']).next().unwrap_or("").to_string(),
                chain,
                args,
                spread: has_spread(&it.arguments),
                start: it.span.start,
            });
        } else if let Some(callee) = static_callee {
            let args = self.eval_args(it);
            if callee == "require" {
                match args.first().map(|a| &a.val) {
                    Some(Val::Str(m)) => self.facts.imports.push(Import {
                        module: m.clone(),
                        start: it.span.start,
                        type_only: false,
                        bindings: Vec::new(),
                    }),
                    Some(_) => self.facts.dynamic_imports.push(it.span.start),
                    None => {}
                }
            }
            self.facts.calls.push(Call {
                callee,
                args,
                spread: has_spread(&it.arguments),
                start: it.span.start,
            });
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_static_member_expression(&mut self, it: &oxc_ast::ast::StaticMemberExpression<'a>) {
        let name = it.property.name.as_str();
        if WATCHED_MEMBERS.contains(&name) {
            let chain = chain_path(&it.object).map(|o| format!("{o}.{name}"));
            self.mention(name, chain, it.span.start);
        }
        walk::walk_static_member_expression(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        match it.source.get_inner_expression() {
            Expression::StringLiteral(s) => self.facts.imports.push(Import {
                module: s.value.as_str().to_string(),
                start: it.span.start,
                type_only: false,
                bindings: Vec::new(),
            }),
            _ => self.facts.dynamic_imports.push(it.span.start),
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let type_only = it.import_kind == ImportOrExportKind::Type
            || it.specifiers.as_ref().is_some_and(|s| {
                !s.is_empty()
                    && s.iter().all(|sp| match sp {
                        oxc_ast::ast::ImportDeclarationSpecifier::ImportSpecifier(i) => {
                            i.import_kind == ImportOrExportKind::Type
                        }
                        _ => false,
                    })
            });
        if self.full() {
            self.facts.truncated = true;
        } else {
            let bindings = it
                .specifiers
                .iter()
                .flatten()
                .map(|sp| match sp {
                    ImportDeclarationSpecifier::ImportSpecifier(i) => {
                        (i.imported.name().to_string(), i.local.name.to_string())
                    }
                    ImportDeclarationSpecifier::ImportDefaultSpecifier(d) => {
                        ("default".to_string(), d.local.name.to_string())
                    }
                    ImportDeclarationSpecifier::ImportNamespaceSpecifier(n) => {
                        ("*".to_string(), n.local.name.to_string())
                    }
                })
                .collect();
            self.facts.imports.push(Import {
                module: it.source.value.as_str().to_string(),
                start: it.span.start,
                type_only,
                bindings,
            });
        }
        walk::walk_import_declaration(self, it);
    }

    fn visit_binding_identifier(&mut self, it: &oxc_ast::ast::BindingIdentifier<'a>) {
        let name = it.name.as_str();
        if WATCHED_GLOBALS.contains(&name) {
            self.bindings.insert(name.to_string());
        }
    }

    fn visit_identifier_reference(&mut self, it: &oxc_ast::ast::IdentifierReference<'a>) {
        let name = it.name.as_str();
        if WATCHED_GLOBALS.contains(&name) {
            if self.full() {
                self.facts.truncated = true;
            } else {
                self.facts.globals.push((name.to_string(), it.span.start));
            }
        }
        if WATCHED_MEMBERS.contains(&name) {
            self.mention(name, Some(name.to_string()), it.span.start);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_class_property_literals_and_consts() {
        let src = r#"
import type { INodeType } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
const base = 'https://api.acme.io';
const extra = [{ name: 'b' }];
export class Acme implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Acme',
    requestDefaults: { baseURL: `${base}/v1`, headers: { Accept: 'application/json' } },
    credentials: [{ name: 'acmeApi', required: true }],
    properties: [{ name: 'a' }, ...extra],
    url: base + '/x',
  } as INodeTypeDescription;
  async execute() { return process.env.X; }
}
"#;
        let f = parse(src, true).unwrap();
        let d = f.named("description").unwrap();
        assert_eq!(d.path("displayName").unwrap().as_str(), Some("Acme"));
        assert_eq!(
            d.path("requestDefaults.baseURL").unwrap().val,
            Val::Template("${}/v1".into())
        );
        assert_eq!(
            d.path("url").unwrap().as_str(),
            Some("https://api.acme.io/x")
        );
        assert_eq!(d.get("properties").unwrap().as_array().len(), 2);
        assert_eq!(f.imports.len(), 2);
        assert!(f.imports[0].type_only);
        assert!(!f.imports[1].type_only);
        assert_eq!(f.globals.len(), 1);
        assert_eq!(f.classes[0].methods, vec!["execute".to_string()]);
    }

    #[test]
    fn records_calls_requires_and_this_assignments() {
        let src = r#"
module.exports = function (RED) {
  const cp = require('child_process');
  const mod = require(name);
  function N(config) { RED.nodes.createNode(this, config); this.description = { a: 1 }; }
  RED.nodes.registerType('acme', N, { credentials: { token: { type: 'password' } } });
  RED.httpAdmin.get('/acme/list', RED.auth.needsPermission('acme.read'), (req, res) => {});
};
"#;
        let f = parse(src, false).unwrap();
        assert_eq!(f.imports[0].module, "child_process");
        assert_eq!(f.dynamic_imports.len(), 1);
        let reg = f.calls_ending(".nodes.registerType").next().unwrap();
        assert_eq!(
            reg.args[2].path("credentials.token.type").unwrap().as_str(),
            Some("password")
        );
        let route = f.calls_ending(".httpAdmin.get").next().unwrap();
        assert_eq!(
            route.args[1].val,
            Val::Call("RED.auth.needsPermission".into())
        );
        assert!(f.named("description").is_some());
    }

    #[test]
    fn string_and_reference_bombs_stay_bounded() {
        // Each level doubles the string; 40 levels would be terabytes if evaluated naively.
        let mut src = String::from("const a0 = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';\n");
        for i in 1..40 {
            src.push_str(&format!("const a{i} = a{p} + a{p};\n", p = i - 1));
        }
        src.push_str("class N { description = { big: a39, list: [a39, a39, a39] } }\n");
        let f = parse(&src, false).unwrap();
        let d = f.named("description").unwrap();
        assert_eq!(d.get("big").unwrap().val, Val::Unknown);
        // Exponential fan-out of identifiers is cut by the value budget.
        let mut src = String::from("const b0 = [1, 2];\n");
        for i in 1..30 {
            src.push_str(&format!("const b{i} = [b{p}, b{p}, b{p}];\n", p = i - 1));
        }
        src.push_str("class N { description = { x: b29 } }\n");
        let f = parse(&src, false).unwrap();
        assert!(f.named("description").is_some());
    }

    #[test]
    fn chained_calls_routes_bindings_and_mentions() {
        let src = r#"
import api, { route, storage } from '@forge/api';
const BASE = '/rest/api/3';
export async function run(key, init) {
  await api.asUser().requestJira(route`${BASE}/issue/${key}`, { method: 'PUT', ...init });
  await (0, api.asApp)().requestJira(api.assumeTrustedRoute('/rest/api/3/myself'));
  const f = api.asApp().requestJira;
  return storage.query().where('k', 1).getMany();
}
"#;
        let f = parse(src, false).unwrap();
        let imp = &f.imports[0];
        assert_eq!(
            imp.bindings,
            vec![
                ("default".to_string(), "api".to_string()),
                ("route".to_string(), "route".to_string()),
                ("storage".to_string(), "storage".to_string())
            ]
        );
        let chains: Vec<&str> = f.method_calls.iter().map(|m| m.chain.as_str()).collect();
        assert!(chains.contains(&"api.asUser().requestJira"), "{chains:?}");
        assert!(chains.contains(&"api.asApp().requestJira"), "{chains:?}");
        assert!(
            chains.contains(&"storage.query().where().getMany"),
            "{chains:?}"
        );
        let put = &f.method_calls[chains
            .iter()
            .position(|c| *c == "api.asUser().requestJira")
            .unwrap()];
        assert_eq!(put.method, "requestJira");
        // The tagged route: the const prefix is not substituted inside a template.
        assert_eq!(put.args[0].val, Val::Template("${}/issue/${}".into()));
        assert_eq!(put.args[1].get("method").unwrap().as_str(), Some("PUT"));
        assert!(put.spread);
        let me = &f.method_calls[chains
            .iter()
            .position(|c| *c == "api.asApp().requestJira")
            .unwrap()];
        assert_eq!(me.args[0].as_str(), Some("/rest/api/3/myself"));
        assert!(!me.spread);
        // Two calls and one use as a value.
        assert_eq!(
            f.mentions
                .iter()
                .filter(|m| m.name == "requestJira")
                .count(),
            3
        );
    }

    #[test]
    fn shadowed_globals_are_not_reported() {
        let f = parse("function f(process) { return process.x; }", false).unwrap();
        assert!(f.globals.is_empty());
    }

    #[test]
    fn refuses_pathological_input() {
        let deep = "[".repeat(10_000);
        assert_eq!(parse(&deep, false).unwrap_err(), SkipReason::TooDeep);
        let f = parse("const = ;", false);
        // Recoverable or not, never a panic; errors are reported.
        if let Ok(f) = f {
            assert!(!f.errors.is_empty());
        }
    }
}
