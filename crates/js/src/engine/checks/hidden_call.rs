//! Sensitive APIs called under a hidden name (`js/hidden-call`). The engine resolves the call
//! as if it were written plainly; this check reports that it was not.

use super::super::*;

/// APIs whose hiding is reported: processes, code evaluation, native bindings, and loading
/// the modules that provide them.
fn sensitive(q: &str) -> bool {
    let module = q
        .strip_prefix("require('")
        .and_then(|m| m.strip_suffix("')"));
    if let Some(m) = module {
        return matches!(
            m,
            "child_process"
                | "vm"
                | "net"
                | "dgram"
                | "dns"
                | "http"
                | "https"
                | "fs"
                | "os"
                | "worker_threads"
                | "module"
        );
    }
    q.starts_with("child_process.")
        || q.starts_with("vm.")
        || matches!(
            q,
            "eval"
                | "Function"
                | "require"
                | "process.binding"
                | "process.dlopen"
                | "execa"
                | "fetch"
        )
}

impl<'a> Engine<'a, '_> {
    pub(in crate::engine) fn hidden_call(&mut self, q: &str, why: &str, span: Span) {
        if !sensitive(q) || self.cx.disabled.contains(rules::HIDDEN_CALL.id()) {
            return;
        }
        let msg = rules::hidden_call::MESSAGE
            .replace("{sink}", cut(q, 120))
            .replace("{source}", why);
        let f = self
            .base_finding(
                self.cat.builtin(&rules::HIDDEN_CALL),
                span,
                msg,
                Confidence::High,
            )
            .with_fingerprint_key(format!("hidden-call:{}", cut(q, 120)));
        self.push_finding(f);
    }
}
