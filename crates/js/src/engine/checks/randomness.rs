//! `Math.random()` generating a token, password, key or nonce (`js/insecure-randomness`).

use super::super::*;

impl<'a> Engine<'a, '_> {
    pub(in crate::engine) fn random_check(&mut self, name: &str, v: &Val<'a>, span: Span) {
        if v.flags & F_RANDOM != 0 && sensitive_name(name) {
            let msg = format!("`Math.random()` is used to generate `{}`", cut(name, 80));
            self.simple_finding(&rules::INSECURE_RANDOMNESS, span, msg);
        }
    }
}
