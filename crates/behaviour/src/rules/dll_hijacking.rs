use super::{Cx, Hit};
use crate::api;
use portcullis_core::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds code that writes, copies or renames a `.dll` file, or starts `rundll32` /
    /// `regsvr32`.
    ///
    /// ## Why is this bad?
    /// Planting a DLL next to a program (or in a directory on its search path) makes that
    /// program load the attacker's code the next time it starts — a persistence and
    /// privilege-escalation technique. `rundll32` and `regsvr32` run code from DLLs directly.
    /// A JavaScript extension has no reason to do either.
    ///
    /// ## Example
    /// ```js
    /// fs.copyFileSync(path.join(__dirname, 'payload.bin'), path.join(appDir, 'version.dll'));
    /// ```
    ///
    /// ## Use instead
    /// Ship native code as a reviewed, signed Node addon loaded by `require`.
    ///
    /// ## References
    /// - CWE-427: Uncontrolled Search Path Element
    /// - MITRE ATT&CK T1574.001 DLL Search Order Hijacking
    /// - GuardDog `npm-dll-hijacking`
    pub static RULE = {
        id: "behaviour/dll-hijacking",
        title: "DLL planted or run",
        category: SupplyChain,
        severity: Critical,
        confidence: High,
        summary: "A DLL is written into place or run with rundll32/regsvr32",
        cwe: [427],
        signals: [DownloadExecute],
        fixtures: [
            pos "crates/behaviour/fixtures/dll-hijacking/pos/plant-dll.js",
            neg "crates/behaviour/fixtures/dll-hijacking/neg/read-dll-version.js",
        ],
    }
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in &cx.facts.calls {
        let all = super::arg_texts(cx.facts, c);
        let texts = || all.iter().map(|t| t.to_ascii_lowercase());
        let hit = if api::is_fs_write(&c.callee) {
            texts()
                .any(|t| t.ends_with(".dll"))
                .then(|| format!("`{}` writes a `.dll`", c.callee))
        } else if api::is_spawn(&c.callee) {
            texts()
                .any(|t| t.contains("rundll32") || t.contains("regsvr32"))
                .then(|| format!("`{}` runs rundll32/regsvr32", c.callee))
        } else {
            None
        };
        if let Some(m) = hit {
            out.push(Hit::new(&RULE, c.span, m));
        }
        if out.len() >= 4 {
            break;
        }
    }
    out
}
