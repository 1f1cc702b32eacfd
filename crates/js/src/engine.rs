//! The evaluator: one pass over a file's AST that resolves names, propagates taint, checks
//! sinks and patterns, and records observed capabilities.
//!
//! Design, in short:
//!
//! * **Names** come from `oxc_semantic`: every identifier reference resolves to a symbol (or to
//!   a global). A symbol's abstract [`Val`] is kept in one per-file store, so closures see the
//!   values of the variables they capture, and `const {exec: run} = require('child_process')`
//!   gives `run` the qualified name `child_process.exec`.
//! * **Order**: statements are evaluated in source order; assignments outside branches and
//!   loops replace a variable's value, inside them they join with it.
//! * **Functions** of the file are evaluated at their call sites with the arguments' values
//!   (context-sensitive, memoized by which arguments are tainted, depth-bounded), so taint flows
//!   through parameters, returns and callbacks within the module. Every function not reached
//!   that way is evaluated once on its own; in library mode the exported ones get tainted
//!   parameters.
//! * **Bounds**: files nesting deeper than the limits of [`crate::Config`] are never parsed
//!   (`crate::depth`); expression/statement nesting deeper than [`MAX_DEPTH`] is not descended into,
//!   same-file calls nest at most [`MAX_CALL_DEPTH`], and a step budget proportional to the
//!   file size stops the analysis with a notice instead of running away.

use crate::by_design;
use crate::catalog::{Catalog, Scope};
use crate::guards::{self, Fact, Target};
use crate::redos;
use crate::rules;
use crate::value::{
    F_ARRAY, F_DECODED, F_PROTO_REACH, F_QUOTE_ESCAPER, F_RANDOM, F_THIS, F_WEAK_HASH, FnRef,
    Origin, Taint, Val, cut,
};
use oxc_ast::ast::*;
use oxc_semantic::Scoping;
use oxc_span::{GetSpan, Span};
use oxc_syntax::operator::{AssignmentOperator, BinaryOperator, LogicalOperator, UnaryOperator};
use oxc_syntax::symbol::SymbolId;
use portcullis_core::location::LineIndex;
use portcullis_core::rule::Rule;
use portcullis_core::{
    Capability, Channel, Confidence, Evidence, Finding, Fix, FsAccess, HostPattern, NoticeLevel,
    Output, Replacement,
};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

mod checks;

pub const MAX_DEPTH: u32 = 160;
pub const MAX_CALL_DEPTH: u32 = 6;
const MAX_ARGS: usize = 16;

/// What the engine knows about the file besides its AST.
pub struct FileCtx<'c> {
    pub path: &'c str,
    /// The text locations refer to (the original file, also for HTML).
    pub text: &'c str,
    pub is_html: bool,
    pub n8n: bool,
    pub node_red: bool,
    pub forge: bool,
    pub library: bool,
    /// Browser/editor code (HTML script blocks, JSX/TSX, code using `document`/jQuery).
    pub ui: bool,
    /// An n8n credential definition (`implements ICredentialType`).
    pub credential_file: bool,
    pub disabled: &'c HashSet<String>,
    pub budget: u64,
}

impl FileCtx<'_> {
    fn scope_active(&self, s: Scope) -> bool {
        match s {
            Scope::Always => true,
            Scope::N8n => self.n8n,
            Scope::NodeRed => self.node_red,
            Scope::Forge => self.forge,
        }
    }

    fn platform_listed(&self, platforms: &[String]) -> bool {
        platforms.is_empty()
            || platforms.iter().any(|p| match p.as_str() {
                "n8n" => self.n8n,
                "node-red" => self.node_red,
                "forge" => self.forge,
                "library" | "npm" => self.library,
                _ => false,
            })
    }
}

pub struct Engine<'a, 'c> {
    cat: &'c Catalog,
    cx: &'c FileCtx<'c>,
    scoping: &'c Scoping,
    lines: LineIndex,
    store: HashMap<SymbolId, Val<'a>>,
    this_props: HashMap<String, Val<'a>>,
    all_fns: Vec<FnRef<'a>>,
    analyzed: HashSet<u32>,
    memo: HashMap<(u32, u64), Val<'a>>,
    stack: Vec<u32>,
    recursive: HashSet<u32>,
    pp_candidates: Vec<(Vec<u32>, Finding)>,
    exported: Vec<FnRef<'a>>,
    returns: Vec<Val<'a>>,
    /// The joined arguments of each active call (`arguments`).
    frame_args: Vec<Val<'a>>,
    cond: u32,
    loops: u32,
    depth: u32,
    steps: u64,
    exhausted: bool,
    pub out: Output,
    seen: HashSet<(usize, u32)>,
    called: HashSet<String>,
    deferred_patterns: Vec<(usize, Finding)>,
    /// Risky regex definitions: finding, exponential, used somewhere, exported (library).
    redos_defs: HashMap<u32, (Finding, bool, bool, bool)>,
    guard_cache: HashMap<u32, bool>,
    scratch: Vec<u32>,
    /// Credentials sent in requests: (credential name, secret field, host, line).
    cred_uses: Vec<(Option<String>, Option<String>, String, u32)>,
    /// Node-RED node types registered in this file (their credentials are named after them).
    node_types: Vec<String>,
    /// Variables bound to a regex literal, with its source (for allow-list guards).
    regex_syms: HashMap<SymbolId, &'a str>,
}

impl<'a, 'c> Engine<'a, 'c> {
    pub fn new(cat: &'c Catalog, cx: &'c FileCtx<'c>, scoping: &'c Scoping) -> Self {
        Engine {
            cat,
            cx,
            scoping,
            lines: LineIndex::new(cx.text),
            store: HashMap::new(),
            this_props: HashMap::new(),
            all_fns: Vec::new(),
            analyzed: HashSet::new(),
            memo: HashMap::new(),
            stack: Vec::new(),
            recursive: HashSet::new(),
            pp_candidates: Vec::new(),
            exported: Vec::new(),
            returns: Vec::new(),
            frame_args: Vec::new(),
            cond: 0,
            loops: 0,
            depth: 0,
            steps: 0,
            exhausted: false,
            out: Output::default(),
            seen: HashSet::new(),
            called: HashSet::new(),
            deferred_patterns: Vec::new(),
            redos_defs: HashMap::new(),
            guard_cache: HashMap::new(),
            scratch: Vec::new(),
            cred_uses: Vec::new(),
            node_types: Vec::new(),
            regex_syms: HashMap::new(),
        }
    }

    // ------------------------------------------------------------------ driver

    pub fn run(&mut self, program: &'a Program<'a>) {
        self.prepass(program);
        self.returns.push(Val::default());
        self.walk_stmts(&program.body);
        self.returns.pop();

        if self.cx.library {
            let exported = std::mem::take(&mut self.exported);
            for f in exported {
                self.analyze_root(f, true);
            }
        }
        let all = std::mem::take(&mut self.all_fns);
        for f in &all {
            if !self.analyzed.contains(&f.start()) {
                self.analyze_root(*f, false);
            }
        }
        self.all_fns = all;

        for (fns, finding) in std::mem::take(&mut self.pp_candidates) {
            if fns.iter().any(|f| self.recursive.contains(f)) {
                self.push_finding(finding);
            }
        }
        for (p, finding) in std::mem::take(&mut self.deferred_patterns) {
            let absent = self.cat.patterns.get(p).is_none_or(|cp| {
                cp.def
                    .unless_call_in_file
                    .iter()
                    .all(|c| !self.called.contains(c))
            });
            if absent {
                self.push_finding(finding);
            }
        }
        let mut defs: Vec<(Finding, bool, bool, bool)> =
            std::mem::take(&mut self.redos_defs).into_values().collect();
        defs.sort_by_key(|d| d.0.location.region.map(|r| (r.start_line, r.start_column)));
        for (mut f, exponential, used, exported) in defs {
            if used {
                continue;
            }
            if exported && self.cx.library {
                // A library that exports a regex (or a function returning one) hands it to
                // callers who apply it to their input: `ansi-regex`, `semver-regex`.
                f.message = format!(
                    "{} — the package exports it, so its callers apply it to their input",
                    f.message
                );
                self.push_finding(f);
            } else if exponential {
                self.push_finding(f);
            }
        }
        self.credential_capabilities();
        if self.exhausted && !self.cx.disabled.contains(rules::NOT_ANALYSED.id()) {
            let msg = rules::not_analysed::MESSAGE.replace(
                "{sink}",
                &format!(
                    "the evaluation budget of {} steps ran out in {} (very large or generated file); the rest was not analysed",
                    self.cx.budget, self.cx.path
                ),
            );
            let f = self
                .base_finding(
                    self.cat.builtin(&rules::NOT_ANALYSED),
                    Span::new(0, 0),
                    msg,
                    Confidence::High,
                )
                .with_fingerprint_key("not-analysed:budget");
            self.push_finding(f);
        } else if self.exhausted {
            self.out.notice(
                NoticeLevel::Warning,
                Some(self.cx.path),
                "not analysed: JS analysis budget exhausted; results are partial",
            );
        }
    }

    /// One observed `Credential` capability per credential and host it is sent to, with the
    /// secret fields used (for `capability/credential-host-mismatch` and
    /// `capability/secret-in-plain-field`).
    fn credential_capabilities(&mut self) {
        let uses = std::mem::take(&mut self.cred_uses);
        let mut by: std::collections::BTreeMap<(String, String), (Vec<String>, u32)> =
            std::collections::BTreeMap::new();
        for (name, field, host, line) in uses {
            // Node-RED credentials belong to the node type that declares them.
            let name = match name {
                Some(n) => n,
                None if self.cx.node_red => match self.node_types.first() {
                    Some(t) => t.clone(),
                    None => continue,
                },
                None => continue,
            };
            let e = by.entry((name, host)).or_insert((Vec::new(), line));
            if let Some(f) = field
                && !e.0.contains(&f)
            {
                e.0.push(f);
            }
        }
        for ((name, host), (mut fields, line)) in by {
            fields.sort();
            self.out.observed.add(
                Capability::Credential {
                    name: cut(&name, 200).to_string(),
                    secret_fields: fields,
                    bound_hosts: vec![HostPattern::Exact(host)],
                    injection: None,
                },
                Evidence {
                    path: self.cx.path.to_string(),
                    line: Some(line),
                    source: "js/cap-credential-host".to_string(),
                },
            );
        }
    }

    /// Hoisting: function declarations are callable before their statement, and every function
    /// is listed so the ones never called still get analyzed.
    fn prepass(&mut self, program: &'a Program<'a>) {
        let mut finder = FnFinder {
            fns: Vec::new(),
            decls: Vec::new(),
        };
        finder.stmts(&program.body, 0);
        for (sym, f) in finder.decls {
            self.store.insert(sym, Val::func(f));
        }
        self.all_fns = finder.fns;
    }

    fn analyze_root(&mut self, f: FnRef<'a>, exported: bool) {
        if self.exhausted {
            return;
        }
        // A function that reads `arguments` instead of declaring parameters still takes input.
        let n = if exported {
            param_count(f).max(1)
        } else {
            param_count(f)
        };
        let mut args = Vec::with_capacity(n);
        for i in 0..n.min(MAX_ARGS) {
            let mut v = Val::default();
            if exported {
                let pname = param_name(f, i).unwrap_or("argument");
                let fname = f.name().unwrap_or("exported function");
                v.taint = Some(Taint::new(
                    param_span(f, i).unwrap_or(f.span()),
                    format!("parameter `{pname}` of exported function `{fname}`"),
                    Origin::Library,
                    None,
                ));
            } else if i == 0 && self.cx.node_red && param_name(f, 0) == Some("RED") {
                v.name = Some("RED".into());
            }
            args.push(v);
        }
        if let FnRef::Class(c) = f {
            self.analyze_class(c, exported);
            return;
        }
        let ret = self.call_fn(f, args, None, exported);
        if exported {
            self.regex_exported(ret.re);
        }
    }

    fn analyze_class(&mut self, c: &'a Class<'a>, exported: bool) {
        self.analyzed.insert(c.span.start);
        // Methods become `this.<name>` so `this.helper(x)` calls resolve.
        for el in &c.body.body {
            if let ClassElement::MethodDefinition(m) = el
                && let Some(name) = m.key.static_name()
            {
                self.this_props
                    .insert(name.to_string(), Val::func(FnRef::Func(&m.value)));
            }
        }
        for el in &c.body.body {
            match el {
                ClassElement::MethodDefinition(m) => {
                    let f = FnRef::Func(&m.value);
                    if exported && m.kind != MethodDefinitionKind::Get {
                        self.analyze_root(f, true);
                    } else if !self.analyzed.contains(&f.start()) {
                        self.analyze_root(f, false);
                    }
                }
                ClassElement::PropertyDefinition(p) => {
                    if let Some(v) = &p.value {
                        let val = self.eval(v);
                        if let Some(name) = p.key.static_name() {
                            self.this_props.insert(name.to_string(), val);
                        }
                    }
                }
                ClassElement::StaticBlock(b) => self.walk_stmts(&b.body),
                _ => {}
            }
        }
    }

    /// Evaluates a function body with the given argument values; returns the joined returns.
    fn call_fn(
        &mut self,
        f: FnRef<'a>,
        args: Vec<Val<'a>>,
        call_span: Option<Span>,
        force: bool,
    ) -> Val<'a> {
        let start = f.start();
        if self.stack.contains(&start) {
            // Recursion: assume the result carries the arguments' data.
            self.recursive.insert(start);
            return args_data(&args);
        }
        if self.stack.len() as u32 >= MAX_CALL_DEPTH || self.exhausted {
            return args_data(&args);
        }
        let has_fn_arg = args.iter().any(|a| a.func.is_some());
        let mut key = 0u64;
        for (i, a) in args.iter().take(20).enumerate() {
            if a.taint.is_some() {
                key |= 1 << (i * 3);
            }
            if a.secret.is_some() {
                key |= 2 << (i * 3);
            }
            if a.name.is_some() {
                key |= 4 << (i * 3);
            }
        }
        if !has_fn_arg
            && !force
            && let Some(v) = self.memo.get(&(start, key))
        {
            return v.clone();
        }
        self.analyzed.insert(start);
        self.stack.push(start);
        self.returns.push(Val::default());
        let mut all = Val::default();
        for a in &args {
            all = all.join(&a.data_only());
        }
        all.flags |= crate::value::F_ARRAY;
        self.frame_args.push(all);
        let saved_cond = std::mem::replace(&mut self.cond, 0);
        let saved_loops = std::mem::replace(&mut self.loops, 0);
        let fname: Rc<str> = f.name().unwrap_or("function").into();
        match f {
            FnRef::Func(func) => {
                self.bind_params(&func.params, &args, call_span, &fname);
                if let Some(body) = &func.body {
                    self.walk_stmts(&body.statements);
                }
            }
            FnRef::Arrow(arrow) => {
                self.bind_params(&arrow.params, &args, call_span, &fname);
                match &arrow.body {
                    ArrowFunctionBody::FunctionBody(b) => self.walk_stmts(&b.statements),
                    other => {
                        if let Some(e) = other.as_expression() {
                            let v = self.eval(e);
                            if let Some(r) = self.returns.last_mut() {
                                *r = r.join(&v);
                            }
                        }
                    }
                }
            }
            FnRef::Class(c) => {
                self.analyze_class(c, false);
            }
        }
        self.cond = saved_cond;
        self.loops = saved_loops;
        let ret = self.returns.pop().unwrap_or_default();
        self.frame_args.pop();
        self.stack.pop();
        if !has_fn_arg {
            self.memo.insert((start, key), ret.clone());
        }
        ret
    }

    fn bind_params(
        &mut self,
        params: &'a FormalParameters<'a>,
        args: &[Val<'a>],
        call_span: Option<Span>,
        fname: &str,
    ) {
        for (i, p) in params.items.iter().enumerate() {
            let mut v = args.get(i).cloned().unwrap_or_default();
            if !v.is_tainted()
                && v.func.is_none()
                && let Some(init) = &p.initializer
            {
                v = self.eval(init);
            }
            if let Some(span) = call_span {
                let pname = binding_name(&p.pattern).unwrap_or("parameter");
                v = with_step(v, span, || {
                    format!("passed to parameter `{pname}` of `{fname}`")
                });
            }
            self.bind_pattern(&p.pattern, v, None);
        }
        if let Some(rest) = &params.rest {
            let mut v = Val::default();
            for a in args.iter().skip(params.items.len()) {
                v = v.join(&a.data_only());
            }
            self.bind_pattern(&rest.rest.argument, v, None);
        }
    }

    // ------------------------------------------------------------------ statements

    fn tick(&mut self) -> bool {
        self.steps += 1;
        if self.steps > self.cx.budget {
            self.exhausted = true;
        }
        !self.exhausted
    }

    fn walk_stmts(&mut self, stmts: &'a [Statement<'a>]) {
        for s in stmts {
            if self.exhausted {
                return;
            }
            self.walk_stmt(s);
        }
    }

    /// A loop body: evaluated twice at the outermost loop, so values assigned late in the body
    /// reach earlier uses (`cur = cur[k]`); once in nested loops, which keeps the cost linear.
    fn loop_body(&mut self, body: &'a Statement<'a>) {
        self.loops += 1;
        self.walk_stmt(body);
        if self.loops == 1 {
            self.walk_stmt(body);
        }
        self.loops -= 1;
    }

    fn walk_stmt(&mut self, s: &'a Statement<'a>) {
        if !self.tick() || self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        match s {
            Statement::ExpressionStatement(e) => {
                self.eval(&e.expression);
            }
            Statement::VariableDeclaration(d) => self.var_decl(d),
            Statement::FunctionDeclaration(_) => {}
            Statement::ClassDeclaration(c) => {
                if let Some(id) = &c.id
                    && let Some(sym) = id.symbol_id.get()
                {
                    self.store.insert(sym, Val::func(FnRef::Class(c)));
                }
            }
            Statement::ReturnStatement(r) => {
                if let Some(a) = &r.argument {
                    let v = self.eval(a);
                    if let Some(ret) = self.returns.last_mut() {
                        *ret = ret.join(&v);
                    }
                }
            }
            Statement::IfStatement(i) => {
                self.eval(&i.test);
                let when_true = self.facts(&i.test, true);
                let when_false = self.facts(&i.test, false);
                self.cond += 1;
                let saved = self.assume(&when_true);
                self.walk_stmt(&i.consequent);
                self.restore(saved);
                if let Some(a) = &i.alternate {
                    let saved = self.assume(&when_false);
                    self.walk_stmt(a);
                    self.restore(saved);
                }
                self.cond -= 1;
                // `if (!ok(x)) return;`: what the test's falseness proves holds from here on.
                if i.alternate.is_none() && always_exits(&i.consequent, 0) {
                    let _ = self.assume(&when_false);
                }
            }
            Statement::BlockStatement(b) => self.walk_stmts(&b.body),
            Statement::ForStatement(f) => {
                if let Some(init) = &f.init {
                    match init {
                        ForStatementInit::VariableDeclaration(d) => self.var_decl(d),
                        other => {
                            if let Some(e) = other.as_expression() {
                                self.eval(e);
                            }
                        }
                    }
                }
                self.cond += 1;
                if let Some(t) = &f.test {
                    self.eval(t);
                }
                self.loop_body(&f.body);
                if let Some(u) = &f.update {
                    self.eval(u);
                }
                self.cond -= 1;
            }
            Statement::ForInStatement(f) => {
                let obj = self.eval(&f.right);
                // Keys of an untrusted object are untrusted.
                let (t, s) = obj.flat();
                let key = Val {
                    taint: t.map(|t| t.step(f.right.span(), || "its keys are enumerated".into())),
                    secret: s,
                    ..Val::default()
                };
                self.cond += 1;
                self.bind_for_left(&f.left, key);
                self.loop_body(&f.body);
                self.cond -= 1;
            }
            Statement::ForOfStatement(f) => {
                let obj = self.eval(&f.right);
                let elem = element_of(&obj);
                self.cond += 1;
                self.bind_for_left(&f.left, elem);
                self.loop_body(&f.body);
                self.cond -= 1;
            }
            Statement::WhileStatement(w) => {
                self.eval(&w.test);
                self.cond += 1;
                self.loop_body(&w.body);
                self.cond -= 1;
            }
            Statement::DoWhileStatement(w) => {
                self.cond += 1;
                self.loop_body(&w.body);
                self.eval(&w.test);
                self.cond -= 1;
            }
            Statement::TryStatement(t) => {
                self.walk_stmts(&t.block.body);
                self.cond += 1;
                if let Some(h) = &t.handler {
                    if let Some(p) = &h.param {
                        self.bind_pattern(&p.pattern, Val::default(), None);
                    }
                    self.walk_stmts(&h.body.body);
                }
                self.cond -= 1;
                if let Some(f) = &t.finalizer {
                    self.walk_stmts(&f.body);
                }
            }
            Statement::SwitchStatement(sw) => {
                self.eval(&sw.discriminant);
                self.cond += 1;
                for c in &sw.cases {
                    if let Some(t) = &c.test {
                        self.eval(t);
                    }
                    self.walk_stmts(&c.consequent);
                }
                self.cond -= 1;
            }
            Statement::ThrowStatement(t) => {
                self.eval(&t.argument);
            }
            Statement::LabeledStatement(l) => self.walk_stmt(&l.body),
            Statement::WithStatement(w) => {
                self.eval(&w.object);
                self.walk_stmt(&w.body);
            }
            Statement::ImportDeclaration(d) => self.import_decl(d),
            Statement::ExportDeclaration(d) => self.export_decl(&d.declaration),
            Statement::ExportDefaultDeclaration(d) => match &d.declaration {
                ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                    self.exported.push(FnRef::Func(f));
                }
                ExportDefaultDeclarationKind::ClassDeclaration(c) => {
                    self.exported.push(FnRef::Class(c));
                }
                other => {
                    if let Some(e) = other.as_expression() {
                        let v = self.eval(e);
                        self.export_val(&v);
                    }
                }
            },
            Statement::ExportNamedDeclaration(d) => {
                for spec in &d.specifiers {
                    if let ModuleExportName::IdentifierReference(r) = &spec.local {
                        let v = self.ident(r);
                        self.export_val(&v);
                    }
                }
            }
            Statement::ExportFromDeclaration(d) => {
                self.import_pattern_check(d.source.value.as_str(), d.span);
            }
            Statement::ExportAllDeclaration(d) => {
                self.import_pattern_check(d.source.value.as_str(), d.span);
            }
            _ => {}
        }
        self.depth -= 1;
    }

    fn export_decl(&mut self, d: &'a Declaration<'a>) {
        match d {
            Declaration::FunctionDeclaration(f) => self.exported.push(FnRef::Func(f)),
            Declaration::ClassDeclaration(c) => {
                if let Some(id) = &c.id
                    && let Some(sym) = id.symbol_id.get()
                {
                    self.store.insert(sym, Val::func(FnRef::Class(c)));
                }
                self.exported.push(FnRef::Class(c));
            }
            Declaration::VariableDeclaration(v) => {
                self.var_decl(v);
                for decl in &v.declarations {
                    if let Some(init) = &decl.init
                        && let Some(f) = fn_of(init)
                    {
                        self.exported.push(f);
                    }
                    // `export const RE = /…/`
                    if let BindingPattern::BindingIdentifier(id) = &decl.id
                        && let Some(sym) = id.symbol_id.get()
                    {
                        let re = self.store.get(&sym).and_then(|v| v.re);
                        self.regex_exported(re);
                    }
                }
            }
            _ => {}
        }
    }

    fn export_val(&mut self, v: &Val<'a>) {
        if let Some(f) = v.func {
            self.exported.push(f);
        }
        self.regex_exported(v.re);
        if let Some(props) = &v.props {
            for (_, p) in props.iter() {
                if let Some(f) = p.func {
                    self.exported.push(f);
                }
                self.regex_exported(p.re);
            }
        }
    }

    /// A risky regex leaves the module (exported, or returned by an exported function).
    fn regex_exported(&mut self, re: Option<(u32, bool)>) {
        if let Some((at, _)) = re
            && let Some(d) = self.redos_defs.get_mut(&at)
        {
            d.3 = true;
        }
    }

    fn import_decl(&mut self, d: &'a ImportDeclaration<'a>) {
        let module = self.module_name(d.source.value.as_str());
        self.import_pattern_check(d.source.value.as_str(), d.span);
        self.module_capability(&module, d.span);
        let Some(specs) = &d.specifiers else { return };
        for s in specs {
            let (local, name) = match s {
                ImportDeclarationSpecifier::ImportSpecifier(sp) => {
                    let imported = match &sp.imported {
                        ModuleExportName::IdentifierName(n) => n.name.as_str(),
                        ModuleExportName::IdentifierReference(n) => n.name.as_str(),
                        ModuleExportName::StringLiteral(l) => l.value.as_str(),
                    };
                    let q = if imported == "default" {
                        module.clone()
                    } else {
                        self.cat.alias(&format!("{module}.{imported}"))
                    };
                    (&sp.local, q)
                }
                ImportDeclarationSpecifier::ImportDefaultSpecifier(sp) => {
                    (&sp.local, module.clone())
                }
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(sp) => {
                    (&sp.local, module.clone())
                }
            };
            if let Some(sym) = local.symbol_id.get() {
                self.store.insert(sym, Val::named(name));
            }
        }
    }

    fn var_decl(&mut self, d: &'a VariableDeclaration<'a>) {
        for decl in &d.declarations {
            let v = match &decl.init {
                Some(init) => self.eval(init),
                None => continue,
            };
            let base_text = decl.init.as_ref().and_then(ident_text);
            if let (Some(Expression::RegExpLiteral(r)), BindingPattern::BindingIdentifier(id)) = (
                decl.init.as_ref().map(Expression::get_inner_expression),
                &decl.id,
            ) && let Some(sym) = id.symbol_id.get()
            {
                self.regex_syms.insert(sym, r.regex.pattern.text.as_str());
            }
            let v = match binding_name(&decl.id) {
                Some(n) => {
                    self.random_check(n, &v, decl.span);
                    with_step(v, decl.span, || format!("assigned to `{n}`"))
                }
                None => v,
            };
            self.bind_pattern(&decl.id, v, base_text);
        }
    }

    fn bind_for_left(&mut self, left: &'a ForStatementLeft<'a>, v: Val<'a>) {
        match left {
            ForStatementLeft::VariableDeclaration(d) => {
                for decl in &d.declarations {
                    self.bind_pattern(&decl.id, v.clone(), None);
                }
            }
            other => {
                if let Some(t) = other.as_assignment_target() {
                    self.assign_target(t, v, Span::default());
                }
            }
        }
    }

    /// Binds a (possibly destructuring) pattern to a value.
    fn bind_pattern(&mut self, p: &'a BindingPattern<'a>, v: Val<'a>, base_text: Option<&str>) {
        if self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        match p {
            BindingPattern::BindingIdentifier(id) => {
                if let Some(sym) = id.symbol_id.get() {
                    self.set_symbol(sym, v);
                }
            }
            BindingPattern::ObjectPattern(o) => {
                for prop in &o.properties {
                    let pv = match prop.key.static_name() {
                        Some(k) => self.member_read(&v, base_text, &k, prop.span),
                        None => {
                            if let Some(e) = prop.key.as_expression() {
                                self.eval(e);
                            }
                            v.data_only()
                        }
                    };
                    self.bind_pattern(&prop.value, pv, None);
                }
                if let Some(rest) = &o.rest {
                    self.bind_pattern(&rest.argument, v.data_only(), None);
                }
            }
            BindingPattern::ArrayPattern(a) => {
                let e = element_of(&v);
                for el in a.elements.iter().flatten() {
                    self.bind_pattern(el, e.clone(), None);
                }
                if let Some(rest) = &a.rest {
                    self.bind_pattern(&rest.argument, v.data_only(), None);
                }
            }
            BindingPattern::AssignmentPattern(ap) => {
                let v = if v.is_tainted() || v.name.is_some() || v.func.is_some() {
                    v
                } else {
                    let d = self.eval(&ap.right);
                    v.join(&d)
                };
                self.bind_pattern(&ap.left, v, base_text);
            }
        }
        self.depth -= 1;
    }

    fn set_symbol(&mut self, sym: SymbolId, v: Val<'a>) {
        if self.cond > 0
            && let Some(old) = self.store.get(&sym)
        {
            let joined = old.join(&v);
            self.store.insert(sym, joined);
            return;
        }
        self.store.insert(sym, v);
    }

    // ------------------------------------------------------------------ expressions

    fn eval(&mut self, e: &'a Expression<'a>) -> Val<'a> {
        if !self.tick() || self.depth > MAX_DEPTH {
            return Val::default();
        }
        self.depth += 1;
        let v = self.eval_inner(e);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, e: &'a Expression<'a>) -> Val<'a> {
        match e {
            Expression::StringLiteral(s) => Val::lit(s.value.as_str()),
            Expression::NumericLiteral(n) => {
                let mut v = Val::default();
                if let Some(raw) = &n.raw {
                    v.lit = Some(raw.as_str().into());
                }
                v
            }
            Expression::BooleanLiteral(_)
            | Expression::NullLiteral(_)
            | Expression::BigIntLiteral(_) => Val::default(),
            Expression::RegExpLiteral(r) => Val {
                re: self.regex_check(r.regex.pattern.text.as_str(), r.span),
                flags: if by_design::quote_escaper(r.regex.pattern.text.as_str()) {
                    F_QUOTE_ESCAPER
                } else {
                    0
                },
                ..Val::default()
            },
            Expression::TemplateLiteral(t) => self.template(t),
            Expression::TaggedTemplateExpression(t) => {
                self.eval(&t.tag);
                let v = self.template(&t.quasi);
                v.data_only()
            }
            Expression::Identifier(id) => self.ident(id),
            Expression::ThisExpression(_) => Val {
                name: Some("this".into()),
                flags: F_THIS,
                ..Val::default()
            },
            Expression::ArrayExpression(a) => {
                let mut v = Val {
                    flags: F_ARRAY,
                    ..Val::default()
                };
                let mut consts: Option<Vec<Rc<str>>> =
                    (a.elements.len() <= 64).then(|| Vec::with_capacity(a.elements.len()));
                for el in &a.elements {
                    let ev = match el {
                        ArrayExpressionElement::SpreadElement(s) => self.eval(&s.argument),
                        ArrayExpressionElement::Elision(_) => continue,
                        other => match other.as_expression() {
                            Some(x) => self.eval(x),
                            None => continue,
                        },
                    };
                    match (&mut consts, &ev.lit) {
                        (Some(c), Some(l))
                            if !matches!(el, ArrayExpressionElement::SpreadElement(_)) =>
                        {
                            c.push(l.clone());
                        }
                        _ => consts = None,
                    }
                    let d = ev.data_only();
                    v.taint = crate::value::join_taint(&v.taint, &d.taint);
                    v.secret = crate::value::join_taint(&v.secret, &d.secret);
                    v.flags |= d.flags;
                    if v.func.is_none() {
                        v.func = ev.func;
                    }
                    v.re = crate::value::worse_re(v.re, ev.re);
                }
                v.elems = consts.filter(|c| !c.is_empty()).map(Into::into);
                v
            }
            Expression::ObjectExpression(o) => self.object(o),
            Expression::FunctionExpression(f) => Val::func(FnRef::Func(f)),
            Expression::ArrowFunctionExpression(f) => Val::func(FnRef::Arrow(f)),
            Expression::ClassExpression(c) => Val::func(FnRef::Class(c)),
            Expression::AssignmentExpression(a) => self.assignment(a),
            Expression::AwaitExpression(a) => self.eval(&a.argument),
            Expression::YieldExpression(y) => match &y.argument {
                Some(a) => self.eval(a),
                None => Val::default(),
            },
            Expression::BinaryExpression(b) => {
                let l = self.eval(&b.left);
                let r = self.eval(&b.right);
                if b.operator == BinaryOperator::Addition {
                    concat(&l, &r)
                } else if matches!(
                    b.operator,
                    BinaryOperator::Multiplication
                        | BinaryOperator::Subtraction
                        | BinaryOperator::Division
                        | BinaryOperator::Remainder
                ) {
                    // Arithmetic yields numbers: not an injection vector, but keeps PRNG origin.
                    Val {
                        flags: (l.flags | r.flags) & F_RANDOM,
                        ..Val::default()
                    }
                } else {
                    Val::default()
                }
            }
            Expression::LogicalExpression(l) => {
                let a = self.eval(&l.left);
                self.cond += 1;
                let b = self.eval(&l.right);
                self.cond -= 1;
                if l.operator == LogicalOperator::And {
                    b
                } else {
                    a.join(&b)
                }
            }
            Expression::ConditionalExpression(c) => {
                self.eval(&c.test);
                let when_true = self.facts(&c.test, true);
                let when_false = self.facts(&c.test, false);
                self.cond += 1;
                let saved = self.assume(&when_true);
                let mut a = self.eval(&c.consequent);
                self.restore(saved);
                self.narrow_expr(&c.consequent, &when_true, &mut a);
                let saved = self.assume(&when_false);
                let mut b = self.eval(&c.alternate);
                self.restore(saved);
                self.narrow_expr(&c.alternate, &when_false, &mut b);
                self.cond -= 1;
                a.join(&b)
            }
            Expression::UnaryExpression(u) => {
                let v = self.eval(&u.argument);
                match u.operator {
                    UnaryOperator::Typeof
                    | UnaryOperator::LogicalNot
                    | UnaryOperator::Delete
                    | UnaryOperator::Void => Val::default(),
                    _ => Val {
                        flags: v.flags & F_RANDOM,
                        ..Val::default()
                    },
                }
            }
            Expression::UpdateExpression(_) => Val::default(),
            Expression::SequenceExpression(s) => {
                let mut last = Val::default();
                for x in &s.expressions {
                    last = self.eval(x);
                }
                last
            }
            Expression::ParenthesizedExpression(p) => self.eval(&p.expression),
            Expression::TSAsExpression(x) => self.eval(&x.expression),
            Expression::TSSatisfiesExpression(x) => self.eval(&x.expression),
            Expression::TSTypeAssertion(x) => self.eval(&x.expression),
            Expression::TSNonNullExpression(x) => self.eval(&x.expression),
            Expression::TSInstantiationExpression(x) => self.eval(&x.expression),
            Expression::ChainExpression(c) => match &c.expression {
                ChainElement::CallExpression(call) => {
                    self.call(&call.callee, &call.arguments, call.span, false)
                }
                ChainElement::TSNonNullExpression(x) => self.eval(&x.expression),
                other => match other.as_member_expression() {
                    Some(m) => self.member(m),
                    None => Val::default(),
                },
            },
            Expression::CallExpression(c) => self.call(&c.callee, &c.arguments, c.span, false),
            Expression::NewExpression(n) => self.call(&n.callee, &n.arguments, n.span, true),
            Expression::ImportExpression(i) => {
                let v = self.eval(&i.source);
                self.load_module(&v, i.span, true)
            }
            Expression::JSXElement(el) => {
                self.jsx_element(el);
                Val::default()
            }
            Expression::JSXFragment(fr) => {
                for ch in &fr.children {
                    self.jsx_child(ch);
                }
                Val::default()
            }
            other => match other.as_member_expression() {
                Some(m) => self.member(m),
                None => Val::default(),
            },
        }
    }

    fn template(&mut self, t: &'a TemplateLiteral<'a>) -> Val<'a> {
        let mut acc = Val::lit("");
        for (i, q) in t.quasis.iter().enumerate() {
            let text = q
                .value
                .cooked
                .as_ref()
                .map_or(q.value.raw.as_str(), |c| c.as_str());
            acc = concat(&acc, &Val::lit(text));
            if let Some(e) = t.expressions.get(i) {
                let v = self.eval(e);
                acc = concat(&acc, &v);
            }
        }
        acc
    }

    fn ident(&mut self, id: &'a IdentifierReference<'a>) -> Val<'a> {
        let sym = id
            .reference_id
            .get()
            .and_then(|r| self.scoping.get_reference(r).symbol_id());
        match sym {
            Some(s) => self.store.get(&s).cloned().unwrap_or_default(),
            None => {
                let name = id.name.as_str();
                if name == "undefined" {
                    return Val::default();
                }
                if name == "arguments" {
                    return self.frame_args.last().cloned().unwrap_or_default();
                }
                let q = self.cat.alias(name);
                let mut v = Val::named(q.as_str());
                if let Some(srcs) = self.cat.source_members.get(q.as_str()) {
                    let srcs = srcs.clone();
                    v = self.apply_member_sources(v, &srcs, id.span, None);
                }
                v
            }
        }
    }

    fn object(&mut self, o: &'a ObjectExpression<'a>) -> Val<'a> {
        let mut v = Val::default();
        for p in &o.properties {
            match p {
                ObjectPropertyKind::ObjectProperty(prop) => {
                    let pv = self.eval(&prop.value);
                    let key = prop.key.static_name();
                    if let Some(k) = &key {
                        self.tls_property(k, &prop.value, prop.span);
                        self.cleartext_property(k, &pv, prop.span);
                        if !prop.shorthand {
                            self.random_check(k, &pv, prop.span);
                        }
                        v.re = crate::value::worse_re(v.re, pv.re);
                        v.set_prop(k, pv);
                    } else {
                        if let Some(e) = prop.key.as_expression() {
                            self.eval(e);
                        }
                        let d = pv.data_only();
                        v.taint = crate::value::join_taint(&v.taint, &d.taint);
                        v.secret = crate::value::join_taint(&v.secret, &d.secret);
                    }
                }
                ObjectPropertyKind::SpreadProperty(s) => {
                    let sv = self.eval(&s.argument);
                    if let Some(props) = &sv.props {
                        for (k, pv) in props.iter() {
                            v.set_prop(k, pv.clone());
                        }
                    }
                    v.taint = crate::value::join_taint(&v.taint, &sv.taint);
                    v.secret = crate::value::join_taint(&v.secret, &sv.secret);
                }
            }
        }
        v
    }

    fn member(&mut self, m: &'a MemberExpression<'a>) -> Val<'a> {
        match m {
            MemberExpression::StaticMemberExpression(s) => {
                let obj = self.eval(&s.object);
                let base = member_text(&s.object);
                self.member_read(&obj, base.as_deref(), s.property.name.as_str(), s.span)
            }
            MemberExpression::ComputedMemberExpression(c) => {
                let obj = self.eval(&c.object);
                let key = self.eval(&c.expression);
                if let Some(k) = &key.lit {
                    let base = member_text(&c.object);
                    return self.member_read(&obj, base.as_deref(), k, c.span);
                }
                if obj.name.as_deref() == Some("process.env") {
                    self.add_cap(
                        Capability::Environment { variable: None },
                        c.span,
                        "js/cap-env",
                    );
                }
                let mut r = element_of(&obj);
                if key.taint.is_some() {
                    r.flags |= F_PROTO_REACH;
                    if r.taint.is_none() {
                        r.taint = key
                            .taint
                            .clone()
                            .map(|t| t.step(c.span, || "used as a property key".into()));
                        // The key's taint marks reachability, not content: keep it only for
                        // the prototype-pollution check.
                    }
                }
                r
            }
            MemberExpression::PrivateFieldExpression(p) => {
                let obj = self.eval(&p.object);
                obj.data_only()
            }
        }
    }

    /// Reads `prop` of a value: object-literal properties, `this` fields, member sources,
    /// environment capability, qualified names.
    fn member_read(
        &mut self,
        obj: &Val<'a>,
        base_text: Option<&str>,
        prop: &str,
        span: Span,
    ) -> Val<'a> {
        // `window`/`globalThis` resolve to the empty name: their members are globals.
        let qname = obj.name.as_deref().map(|n| {
            if n.is_empty() {
                self.cat.alias(prop)
            } else {
                self.cat.alias(&format!("{n}.{prop}"))
            }
        });
        if obj.name.as_deref() == Some("process.env") {
            self.add_cap(
                Capability::Environment {
                    variable: Some(cut(prop, 200).to_string()),
                },
                span,
                "js/cap-env",
            );
        }
        let mut v = if let Some(pv) = obj.prop(prop) {
            let mut pv = pv.clone();
            pv.taint = crate::value::join_taint(&pv.taint, &obj.taint);
            pv.secret = crate::value::join_taint(&pv.secret, &obj.secret);
            pv
        } else if obj.flags & F_THIS != 0 && self.this_props.contains_key(prop) {
            self.this_props.get(prop).cloned().unwrap_or_default()
        } else if matches!(prop, "length" | "size") {
            Val::default()
        } else {
            Val {
                taint: obj.taint.clone(),
                secret: obj.secret.clone(),
                flags: obj.flags & F_RANDOM,
                // An element of an array of rule objects: `QUERIES[i].regexp`.
                re: if obj.props.is_none() { obj.re } else { None },
                ..Val::default()
            }
        };
        if v.name.is_none() {
            v.name = qname.clone().map(Into::into);
        }
        if obj.prop(prop).is_none()
            && let Some(sec) = &mut v.secret
            && sec.field.is_none()
            && secret_field(prop)
        {
            sec.field = Some(cut(prop, 100).into());
        }
        // Non-secret fields of a credential (`url`, `domain`, `username`) are configuration.
        if obj.prop(prop).is_none()
            && let Some(sec) = &v.secret
            && !secret_field(prop)
        {
            let mut t = sec.clone();
            t.origin = Origin::UserConfigured;
            t.name = Some(format!("credential {}", sec.name.as_deref().unwrap_or("field")).into());
            v.secret = None;
            if v.taint.is_none() {
                v.taint = Some(t);
            }
        }
        // Member sources match the written path (`req.query`) or the resolved one.
        let mut srcs: Vec<u32> = Vec::new();
        if let Some(b) = base_text {
            let path = format!("{b}.{prop}");
            if let Some(s) = self.cat.source_members.get(&path) {
                srcs.extend_from_slice(s);
            }
        }
        if let Some(q) = &qname
            && let Some(s) = self.cat.source_members.get(q.as_str())
        {
            srcs.extend_from_slice(s);
        }
        if !srcs.is_empty() {
            v = self.apply_member_sources(v, &srcs, span, Some(prop));
        }
        if let Some(q) = &qname
            && let Some(pats) = self.cat.pattern_members.get(q.as_str())
        {
            let pats = pats.clone();
            for p in pats {
                self.pattern_hit(p as usize, span, q, None);
            }
        }
        v
    }

    fn apply_member_sources(
        &mut self,
        mut v: Val<'a>,
        srcs: &[u32],
        span: Span,
        prop: Option<&str>,
    ) -> Val<'a> {
        for &i in srcs {
            let Some((scope, def)) = self.cat.sources.get(i as usize) else {
                continue;
            };
            if !self.cx.scope_active(*scope) {
                continue;
            }
            let origin = if def.user_configured {
                Origin::UserConfigured
            } else {
                Origin::Input
            };
            let t = Taint::new(
                span,
                format!("{} (`{}`)", def.label, self.snippet(span)),
                origin,
                prop.map(Into::into),
            );
            if def.secret {
                v.secret = Some(t);
            } else {
                v.taint = Some(t);
            }
        }
        v
    }

    fn assignment(&mut self, a: &'a AssignmentExpression<'a>) -> Val<'a> {
        let mut v = self.eval(&a.right);
        if a.operator == AssignmentOperator::Addition
            && let Some(simple) = a.left.as_simple_assignment_target()
            && let SimpleAssignmentTarget::AssignmentTargetIdentifier(id) = simple
        {
            let old = self.ident(id);
            v = concat(&old, &v);
        } else if a.operator != AssignmentOperator::Assign {
            v = v.data_only();
        }
        self.assign_target(&a.left, v.clone(), a.span);
        v
    }

    fn assign_target(&mut self, t: &'a AssignmentTarget<'a>, v: Val<'a>, span: Span) {
        match t {
            AssignmentTarget::AssignmentTargetIdentifier(id) => {
                self.random_check(id.name.as_str(), &v, span);
                let v = with_step(v, span, || format!("assigned to `{}`", id.name));
                let sym = id
                    .reference_id
                    .get()
                    .and_then(|r| self.scoping.get_reference(r).symbol_id());
                if let Some(s) = sym {
                    self.set_symbol(s, v);
                }
            }
            AssignmentTarget::StaticMemberExpression(m) => {
                let prop = m.property.name.as_str();
                self.member_write(&m.object, Some(prop), None, v, span, m.span);
            }
            AssignmentTarget::ComputedMemberExpression(m) => {
                let key = self.eval(&m.expression);
                match key.lit.clone() {
                    Some(k) => self.member_write(&m.object, Some(&k), Some(key), v, span, m.span),
                    None => self.member_write(&m.object, None, Some(key), v, span, m.span),
                }
            }
            AssignmentTarget::ArrayAssignmentTarget(arr) => {
                let e = element_of(&v);
                for el in arr.elements.iter().flatten() {
                    match el {
                        AssignmentTargetMaybeDefault::AssignmentTargetWithDefault(d) => {
                            self.assign_target(&d.binding, e.clone(), span);
                        }
                        other => {
                            if let Some(t) = other.as_assignment_target() {
                                self.assign_target(t, e.clone(), span);
                            }
                        }
                    }
                }
            }
            AssignmentTarget::ObjectAssignmentTarget(o) => {
                for p in &o.properties {
                    match p {
                        AssignmentTargetProperty::AssignmentTargetPropertyIdentifier(pi) => {
                            let pv = self.member_read(&v, None, pi.binding.name.as_str(), pi.span);
                            let sym = pi
                                .binding
                                .reference_id
                                .get()
                                .and_then(|r| self.scoping.get_reference(r).symbol_id());
                            if let Some(s) = sym {
                                self.set_symbol(s, pv);
                            }
                        }
                        AssignmentTargetProperty::AssignmentTargetPropertyProperty(pp) => {
                            let pv = match pp.name.static_name() {
                                Some(k) => self.member_read(&v, None, &k, pp.span),
                                None => v.data_only(),
                            };
                            match &pp.binding {
                                AssignmentTargetMaybeDefault::AssignmentTargetWithDefault(d) => {
                                    self.assign_target(&d.binding, pv, span)
                                }
                                other => {
                                    if let Some(t) = other.as_assignment_target() {
                                        self.assign_target(t, pv, span);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            other => {
                if let Some(simple) = other.as_simple_assignment_target() {
                    match simple {
                        SimpleAssignmentTarget::TSAsExpression(x) => {
                            self.eval(&x.expression);
                        }
                        SimpleAssignmentTarget::TSNonNullExpression(x) => {
                            self.eval(&x.expression);
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// `obj.prop = v` / `obj[key] = v`: property sinks, TLS, prototype pollution, object state.
    fn member_write(
        &mut self,
        object: &'a Expression<'a>,
        prop: Option<&str>,
        key: Option<Val<'a>>,
        v: Val<'a>,
        span: Span,
        target_span: Span,
    ) {
        let obj = self.eval(object);
        if let Some(p) = prop {
            // Property sinks (`innerHTML`) and assignment sinks (`location.href`).
            if let Some(sinks) = self.cat.sink_props.get(p) {
                let sinks = sinks.clone();
                for s in sinks {
                    self.check_sink_val(s as usize, &v, span, &format!("`.{p}`"), None);
                }
            }
            let full = obj
                .name
                .as_deref()
                .map(|n| self.cat.alias(&format!("{n}.{p}")));
            let full = full.or_else(|| member_text(object).map(|b| format!("{b}.{p}")));
            if let Some(full) = &full {
                if let Some(sinks) = self.cat.sink_assign.get(full.as_str()) {
                    let sinks = sinks.clone();
                    for s in sinks {
                        self.check_sink_val(s as usize, &v, span, &format!("`{full}`"), None);
                    }
                }
                if full == "process.env.NODE_TLS_REJECT_UNAUTHORIZED"
                    && v.lit.as_deref() == Some("0")
                {
                    self.tls_finding(span, "setting `NODE_TLS_REJECT_UNAUTHORIZED` to `0`", None);
                }
                if full.starts_with("process.env.") {
                    self.add_cap(
                        Capability::Environment {
                            variable: full
                                .strip_prefix("process.env.")
                                .map(|v| cut(v, 200).to_string()),
                        },
                        span,
                        "js/cap-env",
                    );
                }
            }
            if (p == "rejectUnauthorized" || p == "strictSSL")
                && v.lit.as_deref().is_none_or(|l| l == "0")
                && is_false_literal_text(self.cx.text, span, target_span)
            {
                self.tls_finding(span, &format!("assigning `false` to `{p}`"), None);
            }
        }
        if let Some(k) = &key
            && prop.is_none()
            && let Some(kt) = &k.taint
        {
            let rule = Some(self.cat.builtin(&rules::PROTOTYPE_POLLUTION));
            let guarded = self.pp_guarded();
            let bit = rule.and_then(Catalog::rule_bit);
            if let Some(r) = rule
                && !kt.sanitized_for(bit)
                && kt.origin != Origin::UserConfigured
                && !guarded
            {
                let sink_desc = "a nested property write `obj[key][…] = value`";
                if obj.flags & F_PROTO_REACH != 0 {
                    if let Some(f) = self.taint_finding(r, kt, span, sink_desc, Confidence::High) {
                        self.push_finding(f);
                    }
                } else if kt.origin == Origin::Library
                    && v.taint.is_some()
                    // The target is the caller's own object, not one filled from the source.
                    && obj
                        .taint
                        .as_ref()
                        .is_some_and(|t| t.root_span() != kt.root_span())
                    && let Some(f) = self.taint_finding(
                        r,
                        kt,
                        span,
                        "a property write `target[key] = value` where target, key and value all come from the caller",
                        Confidence::Medium,
                    )
                {
                    self.push_finding(f);
                } else if (v.taint.is_some() || v.secret.is_some())
                    && !self.stack.is_empty()
                    && let Some(f) = self.taint_finding(
                        r,
                        kt,
                        span,
                        "a property write with an untrusted key inside a recursive merge",
                        Confidence::Medium,
                    )
                {
                    self.pp_candidates.push((self.stack.clone(), f));
                }
            }
        }
        // Track the object's new state.
        let this_like = obj.flags & F_THIS != 0;
        match (prop, object.get_inner_expression()) {
            (Some(p), _) if this_like => {
                let old = self.this_props.get(p).cloned();
                let nv = match (old, self.cond > 0) {
                    (Some(o), true) => o.join(&v),
                    _ => v.clone(),
                };
                self.this_props.insert(p.to_string(), nv);
            }
            (_, Expression::Identifier(id)) => {
                let sym = id
                    .reference_id
                    .get()
                    .and_then(|r| self.scoping.get_reference(r).symbol_id());
                if let Some(s) = sym {
                    let mut cur = self.store.get(&s).cloned().unwrap_or_default();
                    match prop {
                        Some(p) if cur.props.is_some() || !cur.is_tainted() => {
                            cur.set_prop(p, v.clone());
                        }
                        _ => {
                            let d = v.data_only();
                            cur.taint = crate::value::join_taint(&cur.taint, &d.taint);
                            cur.secret = crate::value::join_taint(&cur.secret, &d.secret);
                        }
                    }
                    if matches!(object.get_inner_expression(), Expression::Identifier(_))
                        && (prop == Some("exports"))
                        && id.name.as_str() == "module"
                    {
                        self.export_val(&v);
                    }
                    // `var api = exports; api.run = function (…) {…}`.
                    if prop.is_some()
                        && cur
                            .name
                            .as_deref()
                            .is_some_and(|n| n == "exports" || n == "module.exports")
                    {
                        self.export_val(&v);
                    }
                    self.store.insert(s, cur);
                } else if id.name.as_str() == "exports" {
                    self.export_val(&v);
                } else if id.name.as_str() == "module" && prop == Some("exports") {
                    self.export_val(&v);
                    // `module.exports = function(RED) {…}`: the registration function.
                }
            }
            (_, Expression::StaticMemberExpression(inner))
                if inner.property.name.as_str() == "exports"
                    && matches!(inner.object.get_inner_expression(), Expression::Identifier(m) if m.name.as_str() == "module") =>
            {
                self.export_val(&v);
            }
            // `Foo.prototype.m = function`: a method of a constructor, part of the API.
            (_, Expression::StaticMemberExpression(_))
                if member_text(object).is_some_and(|t| t.ends_with(".prototype")) =>
            {
                self.export_val(&v);
            }
            _ => {}
        }
    }

    // ------------------------------------------------------------------ calls

    fn call(
        &mut self,
        callee: &'a Expression<'a>,
        arguments: &'a oxc_allocator::Vec<'a, Argument<'a>>,
        span: Span,
        is_new: bool,
    ) -> Val<'a> {
        // `f.call(thisArg, …)` / `f.apply(thisArg, [..])` call `f`.
        let mut callee = callee.get_inner_expression();
        let mut skip_first = false;
        let mut apply = false;
        // `Reflect.apply(f, thisArg, [args])` calls `f`.
        let reflect_apply = matches!(
            callee.as_member_expression(),
            Some(MemberExpression::StaticMemberExpression(s))
                if s.property.name == "apply"
                    && matches!(&s.object, Expression::Identifier(id) if id.name == "Reflect")
        );
        if let Some(MemberExpression::StaticMemberExpression(s)) = callee.as_member_expression()
            && matches!(s.property.name.as_str(), "call" | "apply")
            && !is_new
            && !reflect_apply
        {
            skip_first = true;
            apply = s.property.name.as_str() == "apply";
            callee = s.object.get_inner_expression();
        }

        let mut hidden: Option<&'static str> = None;
        let (recv, mut fval, mut qname, method) = match callee.as_member_expression() {
            Some(MemberExpression::StaticMemberExpression(s)) => {
                let recv = self.eval(&s.object);
                let base = member_text(&s.object);
                let prop = s.property.name.as_str();
                let fval = self.member_read(&recv, base.as_deref(), prop, s.span);
                let q = fval.name.clone();
                (Some(recv), fval, q, Some(prop.to_string()))
            }
            Some(MemberExpression::ComputedMemberExpression(c)) => {
                let recv = self.eval(&c.object);
                let key = self.eval(&c.expression);
                hidden = hidden_key(&c.object, &c.expression, &key);
                match key.lit.as_deref() {
                    Some(k) => {
                        let base = member_text(&c.object);
                        let fval = self.member_read(&recv, base.as_deref(), k, c.span);
                        let q = fval.name.clone();
                        (Some(recv), fval, q, Some(k.to_string()))
                    }
                    None => (Some(recv.clone()), recv.data_only(), None, None),
                }
            }
            _ => {
                let fval = self.eval(callee);
                let q = fval.name.clone();
                (None, fval, q, None)
            }
        };

        let mut args: Vec<Val<'a>> = Vec::with_capacity(arguments.len().min(MAX_ARGS));
        let mut arg_exprs: Vec<Option<&'a Expression<'a>>> = Vec::new();
        for (i, a) in arguments.iter().enumerate() {
            let (v, ex) = match a {
                Argument::SpreadElement(s) => (element_of(&self.eval(&s.argument)), None),
                other => match other.as_expression() {
                    Some(x) => (self.eval(x), Some(x)),
                    None => (Val::default(), None),
                },
            };
            if i < MAX_ARGS {
                args.push(v);
                arg_exprs.push(ex);
            } else if let Some(last) = args.last_mut() {
                *last = last.join(&v.data_only());
            }
        }
        if reflect_apply && !args.is_empty() {
            fval = args[0].clone();
            qname = fval.name.clone();
            let list = args.get(2).map(element_of).unwrap_or_default();
            args = vec![list; 4];
            arg_exprs = vec![None; 4];
            hidden = Some("called through `Reflect.apply`");
        }
        let mut recv = recv;
        if skip_first && !args.is_empty() {
            // `f.call(thisArg, …)`: `thisArg` is the receiver.
            let this_arg = args.remove(0);
            recv = Some(match recv {
                Some(r) => r.join(&this_arg.data_only()),
                None => this_arg,
            });
            arg_exprs.remove(0);
            if apply && let Some(a) = args.first().cloned() {
                args = vec![element_of(&a); 4];
                arg_exprs = vec![None; 4];
            }
        }

        let qname_s: Option<String> = qname.as_deref().map(str::to_string);
        let q = qname_s.as_deref();
        let m = method.as_deref();
        if let Some(q) = q {
            self.called.insert(q.to_string());
        }
        if self.cx.node_red
            && (m == Some("registerType") || q.is_some_and(|q| q.ends_with(".registerType")))
            && let Some(t) = args.first().and_then(|a| a.lit.as_deref())
            && self.node_types.len() < 16
        {
            self.node_types.push(cut(t, 200).to_string());
        }

        if let Some(why) = hidden
            && let Some(q) = q
        {
            self.hidden_call(q, why, span);
        }
        // `util.promisify(f)` is `f`, returning a promise.
        if matches!(
            q,
            Some("util.promisify" | "bluebird.promisify" | "pify" | "es6-promisify.promisify")
        ) && let Some(f) = args.first()
            && (f.name.is_some() || f.func.is_some())
        {
            return Val {
                name: f.name.clone(),
                func: f.func,
                ..Val::default()
            };
        }
        // `f.bind(thisArg)` is `f`.
        if m == Some("bind")
            && !is_new
            && let Some(r) = &recv
            && (r.name.is_some() || r.func.is_some())
        {
            return Val {
                name: r.name.clone(),
                func: r.func,
                ..Val::default()
            };
        }
        // `Buffer.from('ZXhlYw==', 'base64')`, `atob('…')`: constant text, decoded.
        if let Some(v) = decoded_literal(q, &args) {
            return v;
        }
        // require()/import() of a module.
        if q == Some("require") && !is_new {
            let a = args.first().cloned().unwrap_or_default();
            if let Some(lit) = a.lit.as_deref()
                && let Some(why) = arg_exprs
                    .first()
                    .copied()
                    .flatten()
                    .and_then(|e| assembled(e, &a))
            {
                let module = self.module_name(lit);
                self.hidden_call(&format!("require('{module}')"), why, span);
            }
            return self.load_module(&a, span, false);
        }

        // Same-file function: evaluate it with these arguments.
        if let Some(f) = fval.func
            && !matches!(q, Some(n) if !n.starts_with("this.") && self.is_external_name(n))
        {
            if let FnRef::Class(c) = f {
                if !self.analyzed.contains(&c.span.start) {
                    self.analyze_class(c, false);
                }
                return Val::default();
            }
            let ret = self.call_fn(f, args.clone(), Some(span), false);
            // Callbacks given to a local function are reached through its parameters.
            return ret;
        }

        let mut result = Val::default();
        // Sources.
        self.cat.source_calls.lookup(q, m, &mut self.scratch);
        let srcs = std::mem::take(&mut self.scratch);
        for &i in &srcs {
            let Some((scope, def)) = self.cat.sources.get(i as usize) else {
                continue;
            };
            if !self.cx.scope_active(*scope) || def.call.is_empty() {
                continue;
            }
            let name = def
                .name_arg
                .and_then(|n| args.get(n))
                .and_then(|a| a.lit.clone());
            let origin = if def.user_configured {
                Origin::UserConfigured
            } else {
                Origin::Input
            };
            let label = match &name {
                Some(n) => format!("{} `{}`", def.label, n),
                None => def.label.clone(),
            };
            let t = Taint::new(span, label, origin, name);
            if def.secret {
                result.secret = Some(t);
            } else {
                result.taint = Some(t);
            }
        }
        self.scratch = srcs;

        // Sinks, patterns, capabilities.
        let callee_desc = match (q, m) {
            (Some(q), _) => format!("`{q}`"),
            (None, Some(m)) => format!("`.{m}()`"),
            _ => "a call".to_string(),
        };
        self.check_call_sinks(q, m, &args, &arg_exprs, span, &callee_desc);
        self.check_call_patterns(q, m, &args, &arg_exprs, span);
        self.call_capabilities(q, m, &args, span);
        self.special_calls(q, m, recv.as_ref(), &args, &arg_exprs, span);

        // Callbacks: platform callback sources, else the receiver's/arguments' data flows in.
        self.cat.source_callbacks.lookup(q, m, &mut self.scratch);
        let cbs = std::mem::take(&mut self.scratch);
        let mut callback_done = false;
        for &i in &cbs {
            let Some((scope, def)) = self.cat.sources.get(i as usize) else {
                continue;
            };
            if !self.cx.scope_active(*scope) {
                continue;
            }
            if let Some(w) = &def.when_arg
                && args.get(w.index).and_then(|a| a.lit.as_deref()) != Some(w.equals.as_str())
            {
                continue;
            }
            let label = def.label.clone();
            let params = def.params.clone();
            let secret = def.secret;
            for a in args.iter().rev() {
                if let Some(f) = a.func {
                    let n = param_count(f).max(params.iter().max().map_or(0, |m| m + 1));
                    let mut cargs = vec![Val::default(); n.min(MAX_ARGS)];
                    for &p in &params {
                        if let Some(slot) = cargs.get_mut(p) {
                            let t = Taint::new(
                                param_span(f, p).unwrap_or(f.span()),
                                format!(
                                    "{label} (parameter `{}`)",
                                    param_name(f, p).unwrap_or("?")
                                ),
                                Origin::Input,
                                None,
                            );
                            if secret {
                                slot.secret = Some(t);
                            } else {
                                slot.taint = Some(t);
                            }
                        }
                    }
                    self.call_fn(f, cargs, None, true);
                    callback_done = true;
                    break;
                }
            }
        }
        self.scratch = cbs;
        if !callback_done {
            let mut flow = recv.as_ref().map(Val::data_only).unwrap_or_default();
            for a in &args {
                if a.func.is_none() {
                    flow = flow.join(&a.data_only());
                }
            }
            // Callbacks receive results, not the credentials used to get them.
            flow.secret = None;
            for a in &args {
                if let Some(f) = a.func
                    && !self.stack.contains(&f.start())
                {
                    let n = param_count(f).min(MAX_ARGS);
                    let cargs = vec![flow.clone(); n];
                    self.call_fn(f, cargs, None, false);
                }
            }
        }

        // Default propagation: the result carries the receiver's and arguments' untrusted data.
        // Credential material only flows through string/encoding transforms: a client object
        // built with a password does not make everything it returns a secret.
        let transform = m.is_some_and(string_method)
            || q.is_some_and(|q| SECRET_TRANSFORMS.contains(&q))
            || (recv.is_none() && q.is_none());
        let mut prop = Val {
            taint: fval.taint.clone(),
            secret: if recv.is_none() || transform {
                fval.secret.clone()
            } else {
                None
            },
            flags: fval.flags & F_RANDOM,
            ..Val::default()
        };
        if let Some(r) = &recv {
            let d = r.data_only();
            prop.taint = crate::value::join_taint(&prop.taint, &d.taint);
            if transform {
                prop.secret = crate::value::join_taint(&prop.secret, &d.secret);
            }
            prop.flags |= d.flags & F_RANDOM;
        }
        for (i, a) in args.iter().enumerate() {
            let d = a.data_only();
            prop.taint = crate::value::join_taint(&prop.taint, &d.taint);
            // `s.split(token).join('<token>')`, `s.replace(token, '***')`: the first argument
            // is what is cut out of the string, not what ends up in it.
            let removed = i == 0 && matches!(m, Some("split" | "replace" | "replaceAll"));
            if transform && !removed {
                prop.secret = crate::value::join_taint(&prop.secret, &d.secret);
            }
        }
        result.taint = crate::value::join_taint(&result.taint, &prop.taint);
        result.secret = crate::value::join_taint(&result.secret, &prop.secret);
        result.flags |= prop.flags & F_RANDOM;
        if let Some(r) = &recv {
            result.flags |= r.flags & (F_WEAK_HASH | F_RANDOM);
            if matches!(m, Some("toString" | "trim" | "valueOf")) {
                result.flags |= r.flags & F_DECODED;
            }
            // `['a', 'b'].join('|')`: constant text (regex sources are built this way).
            if m == Some("join") && r.elems.is_some() {
                let sep = match args.first() {
                    None => Some(",".into()),
                    Some(a) => a.lit.clone(),
                };
                if let Some(sep) = sep {
                    result.lit = r.text_joined(&sep);
                }
            }
            // String methods that keep a URL's constant prefix.
            if matches!(m, Some("toString" | "trim" | "valueOf" | "concat")) {
                result.lit = r.lit.clone();
                result.prefix = r.prefix.clone();
            }
        }

        // `s.replace(/['\\\n]/g, esc)`: escaped for a string literal of generated code (a
        // template compiler's text), so no longer code to inject.
        if matches!(m, Some("replace" | "replaceAll"))
            && args.first().is_some_and(|a| a.flags & F_QUOTE_ESCAPER != 0)
            && let Some(t) = &mut result.taint
            && let Some(bit) = Catalog::rule_bit(self.cat.builtin(&rules::CODE_INJECTION))
        {
            t.sanitized |= 1 << bit;
        }
        // Sanitizers.
        self.cat.sanitizer_calls.lookup(q, m, &mut self.scratch);
        let sans = std::mem::take(&mut self.scratch);
        for &i in &sans {
            if let Some((mask, _)) = self.cat.sanitizers.get(i as usize) {
                if *mask == u64::MAX {
                    result.taint = None;
                    result.secret = None;
                } else {
                    if let Some(t) = &mut result.taint {
                        t.sanitized |= mask;
                    }
                    if let Some(t) = &mut result.secret {
                        t.sanitized |= mask;
                    }
                }
            }
        }
        self.scratch = sans;

        // Values with identity.
        match q {
            Some("Math.random") | Some("crypto.pseudoRandomBytes") => result.flags |= F_RANDOM,
            Some("crypto.createHash") | Some("crypto.createHmac")
                if args
                    .first()
                    .and_then(|a| a.lit.as_deref())
                    .is_some_and(|a| {
                        let a = a.to_ascii_lowercase();
                        a == "md5" || a == "sha1" || a == "md4" || a == "sha-1"
                    }) =>
            {
                result.flags |= F_WEAK_HASH;
            }
            Some("RegExp") => {
                if let Some(p) = args.first().and_then(|a| a.lit.clone()) {
                    result.re = self.regex_check(&p, span);
                }
            }
            Some("axios.create") => result.name = Some("axios".into()),
            Some("got.extend") => result.name = Some("got".into()),
            Some("request.defaults") => result.name = Some("request".into()),
            Some("URL") if is_new => {
                let a0 = args.first().cloned().unwrap_or_default();
                let base = args.get(1).cloned();
                if a0.known_prefix().is_some_and(|p| p.contains("://")) {
                    result.lit = a0.lit.clone();
                    result.prefix = a0.prefix.clone();
                } else if let Some(b) = base {
                    result.prefix = b.known_prefix().map(Into::into);
                }
            }
            Some(n) if is_new => {
                // `new X()` of a module class keeps the name: `new Resolver().define` →
                // `@forge/resolver.define`, `new vm2.VM().run` → `vm2.VM.run`.
                result.name = Some(n.into());
            }
            Some(n)
                if matches!(
                    n,
                    "express"
                        | "express.Router"
                        | "knex"
                        | "mysql.createConnection"
                        | "mysql.createPool"
                        | "mysql2.createConnection"
                        | "mysql2.createPool"
                        | "jsonwebtoken"
                ) =>
            {
                result.name = Some(n.into());
            }
            _ => {}
        }
        if m == Some("bind")
            && let Some(f) = fval.func.or_else(|| recv.as_ref().and_then(|r| r.func))
        {
            result.func = Some(f);
        }
        result
    }

    /// Names that refer to well-known modules are never local functions.
    fn is_external_name(&self, _n: &str) -> bool {
        false
    }

    fn load_module(&mut self, a: &Val<'a>, span: Span, dynamic_import: bool) -> Val<'a> {
        match &a.lit {
            Some(lit) => {
                self.import_pattern_check(lit, span);
                let module = self.module_name(lit);
                self.module_capability(&module, span);
                Val::named(module)
            }
            None => {
                let kind = if dynamic_import {
                    "dynamic import"
                } else {
                    "dynamic require"
                };
                self.add_cap(
                    Capability::DynamicCode {
                        kind: kind.to_string(),
                    },
                    span,
                    "js/cap-dynamic-code",
                );
                if let Some(t) = &a.taint
                    && let r = self.cat.builtin(&rules::CODE_INJECTION)
                    && !self.cx.disabled.contains(rules::CODE_INJECTION.id())
                    && !t.sanitized_for(Catalog::rule_bit(r))
                    && t.origin != Origin::UserConfigured
                    && by_design::module_loader(t, a.known_prefix()).is_none()
                    && let Some(f) = self.taint_finding(
                        r,
                        t,
                        span,
                        &format!(
                            "`{}` of a computed module name",
                            if dynamic_import {
                                "import()"
                            } else {
                                "require"
                            }
                        ),
                        Confidence::High,
                    )
                {
                    self.push_finding(f);
                }
                Val::default()
            }
        }
    }

    fn module_name(&self, raw: &str) -> String {
        let m = raw.strip_prefix("node:").unwrap_or(raw);
        self.cat.alias(m)
    }

    fn module_capability(&mut self, module: &str, span: Span) {
        if module.ends_with(".node") {
            self.add_cap(
                Capability::NativeModule {
                    name: cut(module, 200).to_string(),
                },
                span,
                "js/cap-native-module",
            );
        }
    }

    fn import_pattern_check(&mut self, raw: &str, span: Span) {
        let module = self.module_name(raw);
        if let Some(pats) = self.cat.pattern_imports.get(module.as_str()) {
            let pats = pats.clone();
            for p in pats {
                self.pattern_hit(p as usize, span, &module, None);
            }
        }
    }

    fn check_call_sinks(
        &mut self,
        q: Option<&str>,
        m: Option<&str>,
        args: &[Val<'a>],
        arg_exprs: &[Option<&'a Expression<'a>>],
        span: Span,
        callee_desc: &str,
    ) {
        let launcher = q.is_some_and(by_design::program_launcher);
        let shell = launcher && shell_option(args, arg_exprs);
        self.cat.sink_calls.lookup(q, m, &mut self.scratch);
        if self.scratch.is_empty() {
            return;
        }
        let sinks = std::mem::take(&mut self.scratch);
        for &s in &sinks {
            let Some((_, def)) = self.cat.sinks.get(s as usize) else {
                continue;
            };
            if let Some(w) = &def.when_arg
                && !args
                    .get(w.index)
                    .and_then(|a| a.lit.as_deref())
                    .is_some_and(|l| l.eq_ignore_ascii_case(&w.equals))
            {
                continue;
            }
            if args.len() < def.min_args
                || def
                    .unless_literal_arg
                    .is_some_and(|i| args.get(i).is_some_and(|a| a.lit.is_some()))
            {
                continue;
            }
            // Timers evaluate only strings (and only in browsers; `setImmediate` never): a
            // function, or outside browser code a value not known to be text (a callback
            // parameter), is not code.
            if matches!(q, Some("setTimeout" | "setInterval" | "setImmediate"))
                && (q == Some("setImmediate")
                    || args.first().is_some_and(|a| {
                        a.func.is_some() || (!self.cx.ui && a.lit.is_none() && a.prefix.is_none())
                    }))
            {
                continue;
            }
            // `res.sendFile(p, { root })` refuses paths that climb out of `root`.
            if m == Some("sendFile") && args.get(1).is_some_and(|a| a.prop("root").is_some()) {
                continue;
            }
            let indices: Vec<usize> = if def.args.is_empty() {
                (0..args.len()).collect()
            } else {
                def.args.clone()
            };
            for i in indices {
                let Some(a) = args.get(i) else { continue };
                if a.func.is_some() && !a.is_tainted() {
                    continue;
                }
                // A launcher's program from a library parameter is the library's feature.
                if launcher
                    && let Some(t) = &a.taint
                    && by_design::launcher_program(t, q, i, shell).is_some()
                {
                    continue;
                }
                let a = a.clone();
                if self.check_sink_val(s as usize, &a, span, callee_desc, Some(args)) {
                    break;
                }
            }
        }
        self.scratch = sinks;
    }

    /// Checks one value against one sink; returns whether a finding was produced.
    fn check_sink_val(
        &mut self,
        sink: usize,
        v: &Val<'a>,
        span: Span,
        callee_desc: &str,
        _all_args: Option<&[Val<'a>]>,
    ) -> bool {
        let Some((rule, def)) = self.cat.sinks.get(sink) else {
            return false;
        };
        let rule = *rule;
        let Some(rdef) = self.cat.rules.get(rule) else {
            return false;
        };
        if self.cx.disabled.contains(&rdef.id) {
            return false;
        }
        // Pick the value(s) to inspect: given properties of an options object, or the value.
        let mut cands: Vec<Val<'a>> = Vec::new();
        if !def.props.is_empty() && v.props.is_some() {
            for p in &def.props {
                if let Some(pv) = v.prop(p) {
                    cands.push(pv.clone());
                }
            }
            // A constant base URL makes a relative `url` safe (for host-only sinks).
            if def.host_only
                && let Some(base) = v
                    .prop("baseURL")
                    .or_else(|| v.prop("baseUrl"))
                    .filter(|b| !b.is_tainted() && b.known_prefix().is_some_and(has_host))
            {
                let _ = base;
                cands.retain(|c| {
                    c.is_tainted() && c.known_prefix().is_some_and(|p| p.contains("://"))
                });
                if cands.is_empty() {
                    return false;
                }
            }
            let (t, s) = (v.taint.clone(), v.secret.clone());
            if t.is_some() || s.is_some() {
                cands.push(Val {
                    taint: t,
                    secret: s,
                    ..Val::default()
                });
            }
        } else {
            let (t, s) = v.flat();
            cands.push(Val {
                taint: t,
                secret: s,
                lit: v.lit.clone(),
                prefix: v.prefix.clone(),
                ..Val::default()
            });
        }
        let bit = Catalog::rule_bit(rule);
        for c in cands {
            let t = if def.secret { &c.secret } else { &c.taint };
            let Some(t) = t else { continue };
            if t.sanitized_for(bit) {
                continue;
            }
            if def.skip_library && t.origin == Origin::Library {
                continue;
            }
            if def.skip_user_configured && t.origin == Origin::UserConfigured {
                continue;
            }
            if def.host_only && c.known_prefix().is_some_and(has_host) {
                continue;
            }
            if def.sql_like && !c.known_prefix().is_some_and(looks_like_sql) {
                continue;
            }
            if def.ui_only && !self.cx.ui {
                continue;
            }
            // A request made by browser code goes out from the user's browser, not from the
            // server: not a server-side request forgery.
            if rdef.decl.is_some_and(|d| std::ptr::eq(d, &rules::SSRF)) && self.cx.ui {
                continue;
            }
            let what = if def.what.is_empty() {
                callee_desc.to_string()
            } else {
                format!("{} ({callee_desc})", def.what)
            };
            let conf = match t.origin {
                Origin::Input => Confidence::High,
                Origin::Library | Origin::UserConfigured => Confidence::Medium,
            };
            let t = t.clone();
            if let Some(f) = self.taint_finding(rule, &t, span, &what, conf) {
                self.push_finding(f);
                return true;
            }
        }
        false
    }

    fn check_call_patterns(
        &mut self,
        q: Option<&str>,
        m: Option<&str>,
        args: &[Val<'a>],
        arg_exprs: &[Option<&'a Expression<'a>>],
        span: Span,
    ) {
        // Patterns match exact callee names; a `*.m` pattern matches any receiver only when
        // it also constrains an argument (`*.cookie` with `httpOnly: false`).
        self.cat.pattern_calls.lookup(q, m, &mut self.scratch);
        if self.scratch.is_empty() {
            return;
        }
        let pats = std::mem::take(&mut self.scratch);
        for &p in &pats {
            let Some(cp) = self.cat.patterns.get(p as usize) else {
                continue;
            };
            let exact = q.is_some_and(|q| {
                cp.def
                    .call
                    .iter()
                    .any(|c| !c.starts_with("*.") && crate::spec::callee_matches(c, Some(q), None))
            });
            if !exact && cp.def.arg.is_none() {
                continue;
            }
            let q = q.or(m).unwrap_or("a call");
            if let (Some(a), Some(re)) = (&cp.def.arg, &cp.regex) {
                let text = arg_exprs
                    .get(a.index)
                    .copied()
                    .flatten()
                    .map(|e| match (&a.prop, e.get_inner_expression()) {
                        (Some(prop), Expression::ObjectExpression(o)) => o
                            .properties
                            .iter()
                            .find_map(|pp| match pp {
                                ObjectPropertyKind::ObjectProperty(op)
                                    if op.key.static_name().as_deref() == Some(prop.as_str()) =>
                                {
                                    Some(self.slice(op.value.span()))
                                }
                                _ => None,
                            })
                            .unwrap_or(""),
                        (Some(_), _) => "",
                        (None, e) => self.slice(e.span()),
                    })
                    .unwrap_or("");
                let lit_match = args
                    .get(a.index)
                    .and_then(|v| v.lit.as_deref())
                    .is_some_and(|l| a.prop.is_none() && re.is_match(l.as_bytes()));
                if !(re.is_match(text.as_bytes()) || lit_match) {
                    continue;
                }
            }
            self.pattern_hit(p as usize, span, q, None);
        }
        self.scratch = pats;
    }

    fn pattern_hit(&mut self, p: usize, span: Span, what: &str, _extra: Option<&str>) {
        let Some(cp) = self.cat.patterns.get(p) else {
            return;
        };
        if !self.cx.platform_listed(&cp.def.platforms) {
            return;
        }
        let Some(rdef) = self.cat.rules.get(cp.rule) else {
            return;
        };
        if self.cx.disabled.contains(&rdef.id) {
            return;
        }
        let msg = cp.def.message.clone().unwrap_or_else(|| {
            rdef.message
                .replace("{sink}", what)
                .replace("{source}", "code")
        });
        let f = self.base_finding(cp.rule, span, msg, Confidence::High);
        if cp.def.unless_call_in_file.is_empty() {
            self.push_finding(f);
        } else {
            self.deferred_patterns.push((p, f));
        }
    }

    /// Checks specific to the meaning of a call that patterns cannot express.
    fn special_calls(
        &mut self,
        q: Option<&str>,
        m: Option<&str>,
        recv: Option<&Val<'a>>,
        args: &[Val<'a>],
        arg_exprs: &[Option<&'a Expression<'a>>],
        span: Span,
    ) {
        // `new RegExp('literal')`: check the constant pattern.
        if matches!(
            m,
            Some(
                "match"
                    | "matchAll"
                    | "exec"
                    | "test"
                    | "replace"
                    | "replaceAll"
                    | "split"
                    | "search"
            )
        ) {
            // `re.test(s)` / `s.match(re)`.
            if let Some(re) = recv.and_then(|r| r.re) {
                self.regex_use(re, args.first(), span);
            } else if let Some(re) = args.first().and_then(|a| a.re) {
                self.regex_use(re, recv, span);
            }
        }
        if matches!(
            q,
            Some(
                "child_process.spawn"
                    | "child_process.spawnSync"
                    | "child_process.execFile"
                    | "child_process.execFileSync"
                    | "execa"
                    | "execa.execa"
                    | "execa.sync"
            )
        ) {
            self.spawn_through_shell(q.unwrap_or("spawn"), args, arg_exprs, span);
        }
        // MD5/SHA-1 of a credential or password.
        if m == Some("update")
            && recv.is_some_and(|r| r.flags & F_WEAK_HASH != 0)
            && let Some(a) = args.first()
        {
            let named = arg_exprs
                .first()
                .copied()
                .flatten()
                .map(|e| self.slice(e.span()))
                .is_some_and(sensitive_name);
            if a.secret.is_some() || named {
                self.simple_finding(
                    &rules::WEAK_CRYPTO,
                    span,
                    "MD5/SHA-1 is used to hash a password or credential".to_string(),
                );
            }
        }
        // Credentials to a plain-http URL, or to a host the credential is not bound to.
        let is_net = {
            self.cat.cap_calls.lookup(q, None, &mut self.scratch);
            let r = self.scratch.iter().any(|&c| {
                self.cat
                    .caps
                    .get(c as usize)
                    .is_some_and(|d| d.kind == "network")
            });
            self.scratch.clear();
            r
        };
        if is_net {
            self.credential_request(q, args, span);
        }
    }

    fn call_capabilities(
        &mut self,
        q: Option<&str>,
        _m: Option<&str>,
        args: &[Val<'a>],
        span: Span,
    ) {
        let Some(qn) = q else { return };
        self.cat.cap_calls.lookup(Some(qn), None, &mut self.scratch);
        if self.scratch.is_empty() {
            return;
        }
        let caps = std::mem::take(&mut self.scratch);
        for &c in &caps {
            let Some(def) = self.cat.caps.get(c as usize) else {
                continue;
            };
            let arg = def.arg.and_then(|i| args.get(i));
            let mut target: Vec<Val<'a>> = Vec::new();
            if let Some(a) = arg {
                if !def.props.is_empty() && a.props.is_some() {
                    for p in &def.props {
                        if let Some(v) = a.prop(p) {
                            target.push(v.clone());
                        }
                    }
                } else {
                    target.push(a.clone());
                }
            }
            let kind = def.kind.clone();
            let (cap, id) = match kind.as_str() {
                "network" | "client-fetch" | "websocket" | "raw-socket" => {
                    let channel = match kind.as_str() {
                        "websocket" => Channel::WebSocket,
                        "raw-socket" => Channel::RawSocket,
                        "client-fetch" => Channel::ClientFetch,
                        _ if self.cx.is_html => Channel::ClientFetch,
                        _ => Channel::BackendHttp,
                    };
                    let host = host_pattern(&target, kind == "raw-socket");
                    let id = match channel {
                        Channel::WebSocket => "js/cap-websocket",
                        Channel::RawSocket => "js/cap-raw-socket",
                        _ => "js/cap-network",
                    };
                    (Capability::NetworkEgress { channel, host }, id)
                }
                "child-process" => (
                    Capability::ChildProcess {
                        command: target
                            .first()
                            .and_then(|t| t.lit.as_deref())
                            .map(|c| cut(c, 200).to_string()),
                    },
                    "js/cap-child-process",
                ),
                "fs-read" | "fs-write" => (
                    Capability::FileSystem {
                        access: if kind == "fs-read" {
                            FsAccess::Read
                        } else {
                            FsAccess::Write
                        },
                        path: target
                            .first()
                            .and_then(|t| t.lit.as_deref())
                            .map(|c| cut(c, 200).to_string()),
                    },
                    "js/cap-fs",
                ),
                "dynamic-code" => (
                    Capability::DynamicCode {
                        kind: qn.to_string(),
                    },
                    "js/cap-dynamic-code",
                ),
                "native-module" => (
                    Capability::NativeModule {
                        name: target
                            .first()
                            .and_then(|t| t.lit.as_deref())
                            .map_or_else(|| qn.to_string(), |c| cut(c, 200).to_string()),
                    },
                    "js/cap-native-module",
                ),
                _ => continue,
            };
            self.add_cap(cap, span, id);
        }
        self.scratch = caps;
    }

    // ------------------------------------------------------------------ JSX

    fn jsx_element(&mut self, el: &'a JSXElement<'a>) {
        if self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        for attr in &el.opening_element.attributes {
            match attr {
                JSXAttributeItem::Attribute(a) => {
                    let name = match &a.name {
                        JSXAttributeName::Identifier(i) => i.name.as_str(),
                        JSXAttributeName::NamespacedName(_) => "",
                    };
                    if let Some(JSXAttributeValue::ExpressionContainer(c)) = &a.value
                        && let Some(e) = c.expression.as_expression()
                    {
                        let v = self.eval(e);
                        if name == "dangerouslySetInnerHTML" {
                            self.check_call_sinks(
                                Some("<jsx>.dangerouslySetInnerHTML"),
                                None,
                                std::slice::from_ref(&v),
                                &[],
                                a.span,
                                "`dangerouslySetInnerHTML`",
                            );
                        }
                    }
                }
                JSXAttributeItem::SpreadAttribute(s) => {
                    self.eval(&s.argument);
                }
            }
        }
        for ch in &el.children {
            self.jsx_child(ch);
        }
        self.depth -= 1;
    }

    fn jsx_child(&mut self, ch: &'a JSXChild<'a>) {
        match ch {
            JSXChild::Element(e) => self.jsx_element(e),
            JSXChild::Fragment(f) => {
                for c in &f.children {
                    self.jsx_child(c);
                }
            }
            JSXChild::ExpressionContainer(c) => {
                if let Some(e) = c.expression.as_expression() {
                    self.eval(e);
                }
            }
            _ => {}
        }
    }

    // ------------------------------------------------------------------ rule helpers

    // ------------------------------------------------------------------ guards

    /// What `test` proves when it is `truthy` (see [`guards`]).
    fn facts(&self, test: &'a Expression<'a>, truthy: bool) -> Vec<(Target<'a>, Fact)> {
        let mut out = Vec::new();
        let regex = |e: &'a Expression<'a>| -> Option<&'a str> {
            match e.get_inner_expression() {
                Expression::RegExpLiteral(r) => Some(r.regex.pattern.text.as_str()),
                Expression::Identifier(id) => id
                    .reference_id
                    .get()
                    .and_then(|r| self.scoping.get_reference(r).symbol_id())
                    .and_then(|s| self.regex_syms.get(&s).copied()),
                _ => None,
            }
        };
        guards::facts(test, truthy, &regex, &mut out);
        out
    }

    fn fact_mask(&self, f: Fact) -> u64 {
        match f {
            Fact::AllowListed => u64::MAX,
            Fact::Contained => {
                Catalog::rule_bit(self.cat.builtin(&rules::PATH_TRAVERSAL)).map_or(0, |b| 1 << b)
            }
        }
    }

    /// Marks the variables the facts are about as sanitized; returns what to put back.
    fn assume(&mut self, facts: &[(Target<'a>, Fact)]) -> Vec<Narrowed<'a>> {
        let mut saved = Vec::new();
        for (t, f) in facts {
            let Target::Ident(id) = t else { continue };
            let Some(sym) = id
                .reference_id
                .get()
                .and_then(|r| self.scoping.get_reference(r).symbol_id())
            else {
                continue;
            };
            let Some(old) = self.store.get(&sym).cloned() else {
                continue;
            };
            if old.taint.is_none() {
                continue;
            }
            let mask = self.fact_mask(*f);
            let mut v = old.clone();
            if let Some(t) = &mut v.taint {
                t.sanitized |= mask;
            }
            let marked = v.taint.as_ref().map_or(0, |t| t.sanitized);
            self.store.insert(sym, v);
            saved.push((sym, Some(old), marked, None));
        }
        saved
    }

    /// Undoes [`Engine::assume`] for variables the branch did not reassign.
    fn restore(&mut self, saved: Vec<Narrowed<'a>>) {
        for (sym, old, marked, prop) in saved.into_iter().rev() {
            let unchanged = self.store.get(&sym).is_some_and(|v| {
                let v = match prop {
                    Some(p) => v.prop(p),
                    None => Some(v),
                };
                v.is_some_and(|v| v.taint.as_ref().is_some_and(|t| t.sanitized == marked))
            });
            if unchanged && let Some(old) = old {
                self.store.insert(sym, old);
            }
        }
    }

    /// `ALLOWED.has(req.query.next) ? req.query.next : '/'`: the branch value is the checked
    /// expression itself.
    fn narrow_expr(&self, e: &'a Expression<'a>, facts: &[(Target<'a>, Fact)], v: &mut Val<'a>) {
        for (t, f) in facts {
            if let Target::Expr(x) = t
                && self.slice(x.span()) == self.slice(e.get_inner_expression().span())
                && let Some(taint) = &mut v.taint
            {
                taint.sanitized |= self.fact_mask(*f);
            }
        }
    }

    fn simple_finding(&mut self, rule: &'static Rule, span: Span, msg: String) {
        if self.cx.disabled.contains(rule.id()) {
            return;
        }
        let f = self.base_finding(self.cat.builtin(rule), span, msg, Confidence::High);
        self.push_finding(f);
    }

    fn base_finding(&self, rule: usize, span: Span, msg: String, conf: Confidence) -> Finding {
        let def = &self.cat.rules[rule.min(self.cat.rules.len().saturating_sub(1))];
        let loc = self.lines.location(
            self.cx.path,
            self.cx.text,
            span.start as usize,
            span.end as usize,
        );
        // A built-in rule's finding inherits its declaration (signals included).
        let mut f = match def.decl {
            Some(d) => Finding::from_rule(d, msg, loc),
            None => Finding::new(def.id.clone(), def.category, def.severity, msg, loc),
        }
        .with_confidence(conf)
        .with_remediation(def.remediation.clone());
        for c in &def.cwe {
            f = f.with_cwe(*c);
        }
        for r in &def.references {
            f = f.with_reference(r.clone());
        }
        f
    }

    fn taint_finding(
        &self,
        rule: usize,
        t: &Taint,
        span: Span,
        sink: &str,
        conf: Confidence,
    ) -> Option<Finding> {
        let def = self.cat.rules.get(rule)?;
        if self.cx.disabled.contains(&def.id) {
            return None;
        }
        let steps = t.trace.steps();
        let source = steps.first().map_or("input", |s| s.1.as_str());
        let msg = def
            .message
            .replace("{source}", source)
            .replace("{sink}", sink);
        let mut f = self.base_finding(rule, span, msg, conf);
        for (sp, m) in steps {
            let loc = self.lines.location(
                self.cx.path,
                self.cx.text,
                sp.start as usize,
                sp.end as usize,
            );
            f = f.with_evidence(loc, m);
        }
        let loc = self.lines.location(
            self.cx.path,
            self.cx.text,
            span.start as usize,
            span.end as usize,
        );
        f = f.with_evidence(loc, format!("reaches {sink}"));
        f = f.with_tag("taint");
        if t.origin == Origin::Library {
            f = f.with_tag("library-mode");
        }
        Some(f)
    }

    fn push_finding(&mut self, f: Finding) {
        let rule = self.cat.rule_index(&f.rule_id).unwrap_or(usize::MAX);
        let start = f.location.region.map_or(0, |r| {
            r.start_line.wrapping_mul(4096).wrapping_add(r.start_column)
        });
        if self.seen.insert((rule, start)) {
            self.out.findings.push(f);
        }
    }

    fn add_cap(&mut self, cap: Capability, span: Span, id: &str) {
        let (line, _) = self.lines.position(self.cx.text, span.start as usize);
        self.out.observed.add(
            cap,
            Evidence {
                path: self.cx.path.to_string(),
                line: Some(line),
                source: id.to_string(),
            },
        );
    }

    fn slice(&self, s: Span) -> &'c str {
        self.cx
            .text
            .get(s.start as usize..s.end as usize)
            .unwrap_or("")
    }

    fn snippet(&self, s: Span) -> String {
        let t = self.slice(s);
        let one = t.lines().next().unwrap_or("");
        cut(one, 80).to_string()
    }
}

// ---------------------------------------------------------------------- helpers

/// Collects every function in the file and the symbols of hoisted declarations.
/// Hand-written (not `oxc_ast_visit`) so the references keep the arena lifetime `'a`, and
/// bounded in depth so hostile nesting cannot exhaust the stack.
struct FnFinder<'a> {
    fns: Vec<FnRef<'a>>,
    decls: Vec<(SymbolId, FnRef<'a>)>,
}

impl<'a> FnFinder<'a> {
    fn stmts(&mut self, s: &'a [Statement<'a>], d: u32) {
        for st in s {
            self.stmt(st, d);
        }
    }

    fn stmt(&mut self, s: &'a Statement<'a>, d: u32) {
        if d > MAX_DEPTH {
            return;
        }
        let d = d + 1;
        match s {
            Statement::FunctionDeclaration(f) => {
                if let Some(id) = &f.id
                    && let Some(sym) = id.symbol_id.get()
                {
                    self.decls.push((sym, FnRef::Func(f)));
                }
                self.func(f, d);
            }
            Statement::ClassDeclaration(c) => self.class(c, d),
            Statement::ExpressionStatement(e) => self.expr(&e.expression, d),
            Statement::VariableDeclaration(v) => self.var(v, d),
            Statement::ReturnStatement(r) => {
                if let Some(a) = &r.argument {
                    self.expr(a, d);
                }
            }
            Statement::IfStatement(i) => {
                self.expr(&i.test, d);
                self.stmt(&i.consequent, d);
                if let Some(a) = &i.alternate {
                    self.stmt(a, d);
                }
            }
            Statement::BlockStatement(b) => self.stmts(&b.body, d),
            Statement::ForStatement(f) => {
                if let Some(ForStatementInit::VariableDeclaration(v)) = &f.init {
                    self.var(v, d);
                }
                self.stmt(&f.body, d);
            }
            Statement::ForInStatement(f) => {
                self.expr(&f.right, d);
                self.stmt(&f.body, d);
            }
            Statement::ForOfStatement(f) => {
                self.expr(&f.right, d);
                self.stmt(&f.body, d);
            }
            Statement::WhileStatement(w) => self.stmt(&w.body, d),
            Statement::DoWhileStatement(w) => self.stmt(&w.body, d),
            Statement::TryStatement(t) => {
                self.stmts(&t.block.body, d);
                if let Some(h) = &t.handler {
                    self.stmts(&h.body.body, d);
                }
                if let Some(f) = &t.finalizer {
                    self.stmts(&f.body, d);
                }
            }
            Statement::SwitchStatement(sw) => {
                for c in &sw.cases {
                    self.stmts(&c.consequent, d);
                }
            }
            Statement::LabeledStatement(l) => self.stmt(&l.body, d),
            Statement::ThrowStatement(t) => self.expr(&t.argument, d),
            Statement::ExportDeclaration(e) => match &e.declaration {
                Declaration::FunctionDeclaration(f) => {
                    if let Some(id) = &f.id
                        && let Some(sym) = id.symbol_id.get()
                    {
                        self.decls.push((sym, FnRef::Func(f)));
                    }
                    self.func(f, d);
                }
                Declaration::ClassDeclaration(c) => self.class(c, d),
                Declaration::VariableDeclaration(v) => self.var(v, d),
                _ => {}
            },
            Statement::ExportDefaultDeclaration(e) => match &e.declaration {
                ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                    if let Some(id) = &f.id
                        && let Some(sym) = id.symbol_id.get()
                    {
                        self.decls.push((sym, FnRef::Func(f)));
                    }
                    self.func(f, d);
                }
                ExportDefaultDeclarationKind::ClassDeclaration(c) => self.class(c, d),
                other => {
                    if let Some(x) = other.as_expression() {
                        self.expr(x, d);
                    }
                }
            },
            _ => {}
        }
    }

    fn var(&mut self, v: &'a VariableDeclaration<'a>, d: u32) {
        for decl in &v.declarations {
            if let Some(init) = &decl.init {
                self.expr(init, d);
            }
        }
    }

    fn func(&mut self, f: &'a Function<'a>, d: u32) {
        self.fns.push(FnRef::Func(f));
        if let Some(b) = &f.body {
            self.stmts(&b.statements, d);
        }
    }

    fn class(&mut self, c: &'a Class<'a>, d: u32) {
        self.fns.push(FnRef::Class(c));
        for el in &c.body.body {
            match el {
                ClassElement::MethodDefinition(m) => {
                    if let Some(b) = &m.value.body {
                        self.stmts(&b.statements, d + 1);
                    }
                }
                ClassElement::PropertyDefinition(p) => {
                    if let Some(v) = &p.value {
                        self.expr(v, d + 1);
                    }
                }
                _ => {}
            }
        }
    }

    fn expr(&mut self, e: &'a Expression<'a>, d: u32) {
        if d > MAX_DEPTH {
            return;
        }
        let d = d + 1;
        match e {
            Expression::FunctionExpression(f) => self.func(f, d),
            Expression::ArrowFunctionExpression(a) => {
                self.fns.push(FnRef::Arrow(a));
                match &a.body {
                    ArrowFunctionBody::FunctionBody(b) => self.stmts(&b.statements, d),
                    other => {
                        if let Some(x) = other.as_expression() {
                            self.expr(x, d);
                        }
                    }
                }
            }
            Expression::ClassExpression(c) => self.class(c, d),
            Expression::CallExpression(c) => {
                self.expr(&c.callee, d);
                for a in &c.arguments {
                    if let Some(x) = a.as_expression() {
                        self.expr(x, d);
                    }
                }
            }
            Expression::NewExpression(c) => {
                self.expr(&c.callee, d);
                for a in &c.arguments {
                    if let Some(x) = a.as_expression() {
                        self.expr(x, d);
                    }
                }
            }
            Expression::AssignmentExpression(a) => self.expr(&a.right, d),
            Expression::ObjectExpression(o) => {
                for p in &o.properties {
                    if let ObjectPropertyKind::ObjectProperty(p) = p {
                        self.expr(&p.value, d);
                    }
                }
            }
            Expression::ArrayExpression(a) => {
                for el in &a.elements {
                    if let Some(x) = el.as_expression() {
                        self.expr(x, d);
                    }
                }
            }
            Expression::ParenthesizedExpression(p) => self.expr(&p.expression, d),
            Expression::SequenceExpression(s) => {
                for x in &s.expressions {
                    self.expr(x, d);
                }
            }
            Expression::ConditionalExpression(c) => {
                self.expr(&c.consequent, d);
                self.expr(&c.alternate, d);
            }
            Expression::LogicalExpression(l) => {
                self.expr(&l.left, d);
                self.expr(&l.right, d);
            }
            Expression::AwaitExpression(a) => self.expr(&a.argument, d),
            Expression::UnaryExpression(u) => self.expr(&u.argument, d),
            Expression::ChainExpression(c) => {
                if let ChainElement::CallExpression(call) = &c.expression {
                    for a in &call.arguments {
                        if let Some(x) = a.as_expression() {
                            self.expr(x, d);
                        }
                    }
                }
            }
            Expression::TSAsExpression(x) => self.expr(&x.expression, d),
            _ => {
                if let Some(m) = e.as_member_expression() {
                    self.expr(m.object(), d);
                }
            }
        }
    }
}

/// Why a computed member key hides the name it resolves to: assembled from pieces, decoded,
/// or a global looked up by its name as a string.
fn hidden_key<'a>(
    object: &'a Expression<'a>,
    key_expr: &'a Expression<'a>,
    key: &Val<'a>,
) -> Option<&'static str> {
    key.lit.as_ref()?;
    if key.flags & F_DECODED != 0 {
        return Some("the name is decoded from base64/hex");
    }
    if let Some(why) = assembled(key_expr, key) {
        return Some(why);
    }
    let global = matches!(
        object.get_inner_expression(),
        Expression::Identifier(id) if matches!(id.name.as_str(), "globalThis" | "global" | "window" | "self")
    );
    (global
        && matches!(
            key_expr.get_inner_expression(),
            Expression::StringLiteral(_)
        ))
    .then_some("a global looked up by a string")
}

/// Whether a constant string was spelled in pieces (`'ex' + 'ec'`, `` `${a}${b}` ``,
/// `['c','e','x','e'].reverse().join('')`) or decoded, rather than written out.
fn assembled<'a>(e: &'a Expression<'a>, v: &Val<'a>) -> Option<&'static str> {
    v.lit.as_ref()?;
    if v.flags & F_DECODED != 0 {
        return Some("the name is decoded from base64/hex");
    }
    match e.get_inner_expression() {
        Expression::BinaryExpression(_) => Some("the name is assembled from pieces"),
        Expression::TemplateLiteral(t) if !t.expressions.is_empty() => {
            Some("the name is assembled from pieces")
        }
        Expression::CallExpression(_) => Some("the name is computed by a call"),
        _ => None,
    }
}

/// The decoded text of `Buffer.from(literal, 'base64' | 'hex')` or `atob(literal)`.
fn decoded_literal<'a>(q: Option<&str>, args: &[Val<'a>]) -> Option<Val<'a>> {
    let text = args.first()?.lit.as_deref()?;
    let enc = match q? {
        "Buffer.from" | "buffer.Buffer.from" => args.get(1)?.lit.as_deref()?,
        "atob" => "base64",
        _ => return None,
    };
    let decoded = crate::decode::decode(text, enc)?;
    let mut v = Val::lit(&decoded);
    v.flags |= F_DECODED;
    Some(v)
}

/// A variable (or one property of its object) narrowed by a guard: the value to put back,
/// and the sanitized mask it was given (to see whether the branch reassigned it).
type Narrowed<'a> = (SymbolId, Option<Val<'a>>, u64, Option<&'a str>);

/// Whether a statement always leaves the enclosing block (`return`, `throw`, `break`,
/// `continue`, or a block ending in one).
fn always_exits(s: &Statement<'_>, depth: u32) -> bool {
    if depth > 8 {
        return false;
    }
    match s {
        Statement::ReturnStatement(_)
        | Statement::ThrowStatement(_)
        | Statement::BreakStatement(_)
        | Statement::ContinueStatement(_) => true,
        Statement::BlockStatement(b) => b.body.iter().any(|x| always_exits(x, depth + 1)),
        Statement::IfStatement(i) => {
            always_exits(&i.consequent, depth + 1)
                && i.alternate
                    .as_ref()
                    .is_some_and(|a| always_exits(a, depth + 1))
        }
        _ => false,
    }
}

/// Whether a launcher's options (argument 1 to 3) turn the shell on.
fn shell_option<'a>(args: &[Val<'a>], arg_exprs: &[Option<&'a Expression<'a>>]) -> bool {
    (1..args.len().min(4)).any(|i| {
        match arg_exprs
            .get(i)
            .copied()
            .flatten()
            .map(Expression::get_inner_expression)
        {
            Some(Expression::ObjectExpression(o)) => o.properties.iter().any(|p| match p {
                ObjectPropertyKind::ObjectProperty(op) => {
                    op.key.static_name().as_deref() == Some("shell")
                        && !matches!(
                            op.value.get_inner_expression(),
                            Expression::BooleanLiteral(b) if !b.value
                        )
                        && !matches!(op.value.get_inner_expression(), Expression::Identifier(id) if id.name == "undefined")
                }
                ObjectPropertyKind::SpreadProperty(_) => false,
            }),
            // An options variable: its `shell` property was set (a literal `false` is
            // seen in the object's text).
            _ => args
                .get(i)
                .and_then(|a| a.prop("shell"))
                .is_some_and(|v| v.lit.is_some() || v.is_tainted() || v.name.is_some()),
        }
    })
}

fn fn_of<'a>(e: &'a Expression<'a>) -> Option<FnRef<'a>> {
    match e.get_inner_expression() {
        Expression::FunctionExpression(f) => Some(FnRef::Func(f)),
        Expression::ArrowFunctionExpression(f) => Some(FnRef::Arrow(f)),
        Expression::ClassExpression(c) => Some(FnRef::Class(c)),
        _ => None,
    }
}

fn params_of<'a>(f: FnRef<'a>) -> Option<&'a FormalParameters<'a>> {
    match f {
        FnRef::Func(func) => Some(&func.params),
        FnRef::Arrow(a) => Some(&a.params),
        FnRef::Class(c) => c.body.body.iter().find_map(|el| match el {
            ClassElement::MethodDefinition(m) if m.kind == MethodDefinitionKind::Constructor => {
                Some(&*m.value.params)
            }
            _ => None,
        }),
    }
}

fn param_count(f: FnRef<'_>) -> usize {
    params_of(f).map_or(0, |p| p.items.len() + usize::from(p.rest.is_some()))
}

fn param_name<'a>(f: FnRef<'a>, i: usize) -> Option<&'a str> {
    let p = params_of(f)?;
    match p.items.get(i) {
        Some(item) => binding_name(&item.pattern),
        None => p.rest.as_ref().and_then(|r| binding_name(&r.rest.argument)),
    }
}

fn param_span(f: FnRef<'_>, i: usize) -> Option<Span> {
    params_of(f)?.items.get(i).map(|p| p.span)
}

fn binding_name<'a>(p: &'a BindingPattern<'a>) -> Option<&'a str> {
    match p {
        BindingPattern::BindingIdentifier(id) => Some(id.name.as_str()),
        BindingPattern::AssignmentPattern(a) => binding_name(&a.left),
        _ => None,
    }
}

/// The written text of a simple member base (`req`, `this`, `node.credentials`).
fn member_text(e: &Expression<'_>) -> Option<String> {
    match e.get_inner_expression() {
        Expression::Identifier(i) => Some(i.name.to_string()),
        Expression::ThisExpression(_) => Some("this".into()),
        Expression::StaticMemberExpression(s) => {
            member_text(&s.object).map(|b| format!("{b}.{}", s.property.name))
        }
        _ => None,
    }
}

fn ident_text<'a>(e: &'a Expression<'a>) -> Option<&'a str> {
    match e.get_inner_expression() {
        Expression::Identifier(i) => Some(i.name.as_str()),
        _ => None,
    }
}

fn with_step<'a>(mut v: Val<'a>, span: Span, msg: impl Fn() -> String) -> Val<'a> {
    if let Some(t) = &v.taint {
        v.taint = Some(t.step(span, &msg));
    }
    if let Some(t) = &v.secret {
        v.secret = Some(t.step(span, &msg));
    }
    v
}

fn args_data<'a>(args: &[Val<'a>]) -> Val<'a> {
    let mut v = Val::default();
    for a in args {
        v = v.join(&a.data_only());
    }
    v
}

/// An element of a collection: its data, nothing else.
fn element_of<'a>(v: &Val<'a>) -> Val<'a> {
    let mut e = v.data_only();
    e.func = v.func;
    e.re = v.re;
    e
}

/// String concatenation: taint joins, constant text extends.
fn concat<'a>(l: &Val<'a>, r: &Val<'a>) -> Val<'a> {
    let d = l.data_only().join(&r.data_only());
    let mut v = Val {
        taint: d.taint,
        secret: d.secret,
        flags: (l.flags | r.flags) & F_RANDOM,
        ..Val::default()
    };
    // An array of constants concatenated with a string is its elements joined by `,`.
    let (ll, rl) = if l.elems.is_some() || r.elems.is_some() {
        (l.text_joined(","), r.text_joined(","))
    } else {
        (l.lit.clone(), r.lit.clone())
    };
    match (&ll, &rl) {
        (Some(a), Some(b)) if a.len() + b.len() <= crate::value::MAX_LIT => {
            v.lit = Some(format!("{a}{b}").into());
        }
        (Some(a), _) => {
            let mut p = a.to_string();
            if let Some(rp) = &r.prefix
                && r.lit.is_none()
                && p.len() + rp.len() <= crate::value::MAX_LIT
            {
                p.push_str(rp);
            }
            if !p.is_empty() {
                v.prefix = Some(p.into());
            }
        }
        (None, _) => {
            v.prefix = l.prefix.clone();
        }
    }
    v
}

/// Whether a constant URL prefix already fixes the host (`https://api.x.com/…`) or is a
/// relative path: taint after it cannot redirect the request to another host.
fn has_host(prefix: &str) -> bool {
    if prefix.starts_with('/') && !prefix.starts_with("//") {
        return true;
    }
    match prefix.find("://") {
        Some(i) => {
            let rest = &prefix[i + 3..];
            rest.find(['/', '?', '#']).is_some_and(|j| j > 0)
        }
        None => false,
    }
}

fn host_of(url: &str) -> Option<String> {
    let i = url.find("://")?;
    let rest = &url[i + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    let host = auth.rsplit('@').next().unwrap_or(auth);
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        let (h, port) = host.split_once(':').unwrap_or((host, ""));
        let scheme = url[..i].to_ascii_lowercase();
        let default = (scheme == "https" && port == "443") || (scheme == "http" && port == "80");
        if port.is_empty() || default {
            h.to_string()
        } else {
            format!("{h}:{port}")
        }
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty() || host.contains(['$', '{', '}', ' ']) {
        return None;
    }
    Some(host)
}

fn host_pattern(targets: &[Val<'_>], raw_host: bool) -> HostPattern {
    let mut user: Option<HostPattern> = None;
    for t in targets {
        if let Some(p) = t.known_prefix() {
            if raw_host && t.lit.is_some() && !p.contains('/') {
                return HostPattern::Exact(p.to_ascii_lowercase());
            }
            if has_host(p) || t.lit.as_deref().is_some_and(|l| l.contains("://")) {
                if let Some(h) = host_of(p) {
                    return HostPattern::Exact(h);
                }
                continue;
            }
        }
        if user.is_none() {
            if let Some(tt) = &t.taint
                && tt.origin == Origin::UserConfigured
            {
                user = Some(HostPattern::UserConfigured(
                    tt.name.as_deref().unwrap_or("node parameter").to_string(),
                ));
            } else if let Some(s) = &t.secret {
                user = Some(HostPattern::UserConfigured(format!(
                    "credential {}",
                    s.name.as_deref().unwrap_or("field")
                )));
            }
        }
    }
    user.unwrap_or(HostPattern::Any)
}

fn is_local(url: &str) -> bool {
    host_of(url).is_some_and(|h| {
        h.starts_with("localhost")
            || h.starts_with("127.")
            || h.starts_with("0.0.0.0")
            || h.starts_with("[::1]")
            || h.ends_with(".local")
            || h.ends_with(".localhost")
    })
}

fn looks_like_sql(prefix: &str) -> bool {
    let p = prefix.trim_start().to_ascii_lowercase();
    [
        "select ", "insert ", "update ", "delete ", "replace ", "create ", "drop ", "alter ",
        "with ", "pragma ",
    ]
    .iter()
    .any(|k| p.starts_with(k))
}

/// Functions through which credential material stays credential material.
const SECRET_TRANSFORMS: &[&str] = &[
    "Buffer.from",
    "Buffer.concat",
    "JSON.stringify",
    "String",
    "encodeURIComponent",
    "btoa",
    "util.format",
    "util.inspect",
    "Object.assign",
    "Object.values",
    "Object.entries",
    "querystring.stringify",
    "qs.stringify",
];

fn string_method(m: &str) -> bool {
    matches!(
        m,
        "toString"
            | "trim"
            | "trimStart"
            | "trimEnd"
            | "split"
            | "join"
            | "replace"
            | "replaceAll"
            | "slice"
            | "substring"
            | "substr"
            | "concat"
            | "toLowerCase"
            | "toUpperCase"
            | "padStart"
            | "padEnd"
            | "map"
            | "filter"
            | "flat"
            | "at"
            | "charAt"
            | "normalize"
            | "repeat"
            | "toJSON"
            | "valueOf"
            | "format"
    )
}

/// A credential property that holds secret material (as opposed to a URL or user name).
fn secret_field(prop: &str) -> bool {
    let p = prop.to_ascii_lowercase();
    [
        "key",
        "token",
        "secret",
        "pass",
        "pwd",
        "auth",
        "cookie",
        "session",
        "private",
        "signature",
        "cert",
        "bearer",
        "jwt",
        "credential",
        "hash",
        "sid",
    ]
    .iter()
    .any(|k| p.contains(k))
}

fn sensitive_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "token",
        "secret",
        "passw",
        "pwd",
        "nonce",
        "salt",
        "otp",
        "csrf",
        "sessionid",
        "session_id",
        "apikey",
        "api_key",
        "privatekey",
        "private_key",
        "secretkey",
        "credential",
    ]
    .iter()
    .any(|k| n.contains(k))
}

fn is_false_literal_text(text: &str, span: Span, target: Span) -> bool {
    text.get(target.end as usize..span.end as usize)
        .map(|t| t.trim_start_matches(|c: char| c.is_whitespace() || c == '='))
        .is_some_and(|t| t.trim() == "false" || t.trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("https://API.Example.com:443/x").as_deref(),
            Some("api.example.com")
        );
        assert_eq!(
            host_of("http://u:p@h.io:8080?q").as_deref(),
            Some("h.io:8080")
        );
        assert_eq!(host_of("/relative"), None);
        assert!(has_host("https://api.example.com/v1/"));
        assert!(!has_host("https://"));
        assert!(!has_host("https://api."));
        assert!(has_host("/api/"));
        assert!(!has_host("//evil"));
        assert!(is_local("http://localhost:1880/x"));
        assert!(!is_local("http://example.com"));
    }

    #[test]
    fn sql_and_names() {
        assert!(looks_like_sql("  SELECT * FROM t WHERE a = '"));
        assert!(!looks_like_sql("hello "));
        assert!(sensitive_name("resetToken"));
        assert!(!sensitive_name("index"));
    }
}
