//! Regular expressions that backtrack catastrophically (`js/redos`): definitions, and uses on untrusted strings. The analysis of the pattern itself is `crate::redos`.

use super::super::*;

impl<'a> Engine<'a, '_> {
    /// Checks a constant pattern. Exponential patterns are reported where they are used on
    /// a string (or, if never used in this file, where they are defined); polynomial ones only
    /// where they are applied to untrusted input. Returns the marker the regex value carries.
    pub(in crate::engine) fn regex_check(
        &mut self,
        pattern: &str,
        span: Span,
    ) -> Option<(u32, bool)> {
        if self.cx.disabled.contains(rules::REDOS.id()) {
            return None;
        }
        let (risk, msg) = redos::check(pattern)?;
        let r = self.cat.builtin(&rules::REDOS);
        let exponential = risk == redos::Risk::Exponential;
        if !self.redos_defs.contains_key(&span.start) {
            let (sev, conf) = if exponential {
                (portcullis_core::Severity::Medium, Confidence::High)
            } else {
                (portcullis_core::Severity::Low, Confidence::Medium)
            };
            let mut f = self.base_finding(r, span, format!("regular expression: {msg}"), conf);
            f.severity = sev;
            f = f.with_property("pattern", cut(pattern, 300).to_string());
            self.redos_defs
                .insert(span.start, (f, exponential, false, false));
        }
        Some((span.start, exponential))
    }

    /// A risky regex applied to a string: report at the use site.
    pub(in crate::engine) fn regex_use(
        &mut self,
        re: (u32, bool),
        subject: Option<&Val<'a>>,
        span: Span,
    ) {
        let tainted = subject
            .and_then(|v| v.flat().0)
            .is_some_and(|t| t.origin != Origin::UserConfigured);
        // Library mode: any non-constant string may come from the library's caller.
        let unknown = self.cx.library && subject.is_some_and(|v| v.lit.is_none());
        if !re.1 && !tainted && !unknown {
            return;
        }
        let Some((def, _, used, _)) = self.redos_defs.get_mut(&re.0) else {
            return;
        };
        *used = true;
        let mut f = def.clone();
        let def_loc = f.location.clone();
        f.location = self.lines.location(
            self.cx.path,
            self.cx.text,
            span.start as usize,
            span.end as usize,
        );
        f.message = format!(
            "{} — applied to {} here",
            f.message,
            if tainted {
                "untrusted input"
            } else {
                "a string"
            }
        );
        f = f.with_evidence(def_loc, "the regular expression is defined here");
        self.push_finding(f);
    }
}
