//! TLS certificate verification turned off (`js/tls-verification-disabled`): option literals and their autofix.

use super::super::*;

impl<'a> Engine<'a, '_> {
    pub(in crate::engine) fn tls_property(
        &mut self,
        key: &str,
        value: &'a Expression<'a>,
        span: Span,
    ) {
        let bad = match (key, value.get_inner_expression()) {
            ("rejectUnauthorized" | "strictSSL", Expression::BooleanLiteral(b)) if !b.value => {
                Some(b.span)
            }
            ("rejectUnauthorized" | "strictSSL", Expression::NumericLiteral(n))
                if n.value == 0.0 =>
            {
                Some(n.span)
            }
            _ => None,
        };
        if let Some(vspan) = bad {
            self.tls_finding(span, &format!("`{key}: false`"), Some(vspan));
        }
    }

    pub(in crate::engine) fn tls_finding(
        &mut self,
        span: Span,
        what: &str,
        fix_span: Option<Span>,
    ) {
        let r = self.cat.builtin(&rules::TLS_VERIFICATION_DISABLED);
        if self
            .cx
            .disabled
            .contains(rules::TLS_VERIFICATION_DISABLED.id())
        {
            return;
        }
        let msg = format!("{what} disables TLS certificate verification");
        let mut f = self.base_finding(r, span, msg, Confidence::High);
        if let Some(fs) = fix_span {
            f = f.with_fix(Fix {
                description: "verify TLS certificates (`true`)".into(),
                replacements: vec![Replacement {
                    path: self.cx.path.to_string(),
                    start: fs.start as usize,
                    end: fs.end as usize,
                    text: "true".into(),
                }],
            });
        }
        self.push_finding(f);
    }
}
