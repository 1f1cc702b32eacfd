//! Guards that protect a nested-property write from prototype pollution (`js/prototype-pollution`).

use super::super::*;

impl<'a> Engine<'a, '_> {
    /// Whether the current function guards against `__proto__`/`constructor` keys.
    pub(in crate::engine) fn pp_guarded(&mut self) -> bool {
        let Some(&cur) = self.stack.last() else {
            return false;
        };
        if let Some(g) = self.guard_cache.get(&cur) {
            return *g;
        }
        let span = self
            .all_fns
            .iter()
            .find(|f| f.start() == cur)
            .map(FnRef::span);
        let g = span.is_some_and(|s| {
            let t = self.slice(s);
            t.contains("__proto__")
                || t.contains("'constructor'")
                || t.contains("\"constructor\"")
                || t.contains("'prototype'")
                || t.contains("isPrototypePolluted")
                || t.contains("Object.create(null)")
        });
        self.guard_cache.insert(cur, g);
        g
    }
}
