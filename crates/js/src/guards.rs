//! What a condition proves about a value: allow-list checks that make it safe in a branch.
//!
//! `if (ALLOWED.has(x))`, `x === 'png'`, `/^[a-z]{2}$/.test(x)` and, for file paths,
//! `p.startsWith(root)` establish facts about `x` (or `p`) where the test is true; their
//! negation, before a branch that always leaves (`if (!p.startsWith(root)) return;`),
//! establishes them for the rest of the block. The engine applies a fact by marking the
//! value's taint sanitized for the rules it covers.
//!
//! Substring checks (`url.includes(allowed)`, `indexOf(...) !== -1`) and prefixes of URLs are
//! not facts: `https://good.example.evil.test` passes both.

use oxc_ast::ast::*;
use oxc_syntax::operator::{BinaryOperator, LogicalOperator, UnaryOperator};

/// What a fact says about its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// The value is one of a fixed set of strings (or matches a strict pattern): safe for
    /// every injection rule.
    AllowListed,
    /// The value is a path under a fixed directory: safe for path traversal.
    Contained,
}

/// What a fact is about.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A variable.
    Ident(&'a IdentifierReference<'a>),
    /// Any other expression (`req.query.next`), matched by its source text.
    Expr(&'a Expression<'a>),
}

const MAX_DEPTH: u32 = 16;

/// Facts that hold when `test` evaluates to `truthy`. `regex` gives the source of a regex
/// operand (a literal, or a variable bound to one).
pub fn facts<'a>(
    test: &'a Expression<'a>,
    truthy: bool,
    regex: &dyn Fn(&'a Expression<'a>) -> Option<&'a str>,
    out: &mut Vec<(Target<'a>, Fact)>,
) {
    walk(test, truthy, regex, out, 0);
}

fn walk<'a>(
    e: &'a Expression<'a>,
    truthy: bool,
    regex: &dyn Fn(&'a Expression<'a>) -> Option<&'a str>,
    out: &mut Vec<(Target<'a>, Fact)>,
    depth: u32,
) {
    if depth > MAX_DEPTH || out.len() > 16 {
        return;
    }
    match e.get_inner_expression() {
        Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
            walk(&u.argument, !truthy, regex, out, depth + 1);
        }
        // `a && b` true: both are; `a || b` false: neither is.
        Expression::LogicalExpression(l)
            if (l.operator == LogicalOperator::And && truthy)
                || (l.operator == LogicalOperator::Or && !truthy) =>
        {
            walk(&l.left, truthy, regex, out, depth + 1);
            walk(&l.right, truthy, regex, out, depth + 1);
        }
        // `x && !ok(x)` false: `x` is falsy (harmless) or `ok(x)` holds.
        Expression::LogicalExpression(l) if l.operator == LogicalOperator::And && !truthy => {
            let mut right = Vec::new();
            walk(&l.right, false, regex, &mut right, depth + 1);
            out.extend(right.into_iter().filter(|(t, _)| match t {
                Target::Ident(id) => matches!(
                    l.left.get_inner_expression(),
                    Expression::Identifier(x) if x.name == id.name
                ),
                Target::Expr(e) => same(&l.left, e, 0),
            }));
        }
        Expression::BinaryExpression(b) => {
            let eq = matches!(
                b.operator,
                BinaryOperator::StrictEquality | BinaryOperator::Equality
            );
            let ne = matches!(
                b.operator,
                BinaryOperator::StrictInequality | BinaryOperator::Inequality
            );
            if (eq && truthy) || (ne && !truthy) {
                let (l, r) = (
                    b.left.get_inner_expression(),
                    b.right.get_inner_expression(),
                );
                if is_string_literal(r) {
                    push(l, Fact::AllowListed, out);
                } else if is_string_literal(l) {
                    push(r, Fact::AllowListed, out);
                }
            }
        }
        Expression::CallExpression(c) if truthy && c.arguments.len() == 1 => {
            let Some(MemberExpression::StaticMemberExpression(m)) =
                c.callee.get_inner_expression().as_member_expression()
            else {
                return;
            };
            let Some(arg) = c.arguments.first().and_then(Argument::as_expression) else {
                return;
            };
            match m.property.name.as_str() {
                // `new Set([...]).has(x)`, a `Map`: exact membership.
                "has" => push(arg, Fact::AllowListed, out),
                "test" if regex(&m.object).is_some_and(strict_pattern) => {
                    push(arg, Fact::AllowListed, out);
                }
                "startsWith" => push(&m.object, Fact::Contained, out),
                _ => {}
            }
        }
        _ => {}
    }
}

fn push<'a>(e: &'a Expression<'a>, fact: Fact, out: &mut Vec<(Target<'a>, Fact)>) {
    match e.get_inner_expression() {
        Expression::Identifier(id) => out.push((Target::Ident(id), fact)),
        other @ (Expression::StaticMemberExpression(_)
        | Expression::ComputedMemberExpression(_)) => out.push((Target::Expr(other), fact)),
        _ => {}
    }
}

/// Structural equality of identifiers and static member chains (`opts.name`).
fn same(a: &Expression<'_>, b: &Expression<'_>, depth: u32) -> bool {
    if depth > 8 {
        return false;
    }
    match (a.get_inner_expression(), b.get_inner_expression()) {
        (Expression::Identifier(x), Expression::Identifier(y)) => x.name == y.name,
        (Expression::StaticMemberExpression(x), Expression::StaticMemberExpression(y)) => {
            x.property.name == y.property.name && same(&x.object, &y.object, depth + 1)
        }
        (Expression::ThisExpression(_), Expression::ThisExpression(_)) => true,
        _ => false,
    }
}

fn is_string_literal(e: &Expression<'_>) -> bool {
    match e {
        Expression::StringLiteral(_) => true,
        Expression::TemplateLiteral(t) => t.expressions.is_empty(),
        _ => false,
    }
}

/// A pattern anchored at both ends whose classes cannot match arbitrary characters or a
/// path separator: `^[a-z]{2}(-[a-z]{2})?$`, `^\d+$`, `^[\w.-]+$`.
pub fn strict_pattern(p: &str) -> bool {
    let Some(body) = p.strip_prefix('^').and_then(|b| b.strip_suffix('$')) else {
        return false;
    };
    if body.ends_with('\\') {
        return false;
    }
    // A top-level `|` would end the anchoring (`^a|b$`).
    let mut depth = 0i32;
    let mut class = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let n = chars.next();
                // `\S`, `\W`, `\D` match almost anything; `\/` is a separator.
                if matches!(n, Some('S' | 'W' | 'D' | '/' | 'p' | 'P')) {
                    return false;
                }
            }
            '[' if !class => {
                class = true;
                if chars.peek() == Some(&'^') {
                    return false;
                }
            }
            ']' if class => class = false,
            '/' => return false,
            '.' if !class => return false,
            '(' if !class => depth += 1,
            ')' if !class => depth -= 1,
            '|' if !class && depth == 0 => return false,
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_patterns() {
        for p in [
            r"^[a-z]{2}(-[a-z]{2})?$",
            r"^\d+$",
            r"^[\w.-]+$",
            r"^(png|jpe?g)$",
        ] {
            assert!(strict_pattern(p), "{p}");
        }
        for p in [
            r"^.+$",
            r"^a|b$",
            r"[a-z]+",
            r"^[^<]+$",
            r"^\S+$",
            r"^[a-z/]+$",
            r"^a",
        ] {
            assert!(!strict_pattern(p), "{p}");
        }
    }
}
