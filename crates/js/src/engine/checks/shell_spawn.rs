//! Argument vectors that reach a shell (`spawn(..., { shell: true })`, `spawn('sh', ['-c', …])`) for `js/command-injection`.

use super::super::*;

impl<'a> Engine<'a, '_> {
    /// `spawn(cmd, args, { shell: true })` (or `spawn('sh', ['-c', …])`): the arguments are
    /// joined into a shell command line, so tainted arguments are command injection. Without
    /// a shell, an argument array is passed to the program as is and is not reported.
    pub(in crate::engine) fn spawn_through_shell(
        &mut self,
        q: &str,
        args: &[Val<'a>],
        arg_exprs: &[Option<&'a Expression<'a>>],
        span: Span,
    ) {
        let r = self.cat.builtin(&rules::COMMAND_INJECTION);
        // The argument vector is the second argument unless that is already the options.
        let argv = args.get(1).filter(|a| a.props.is_none()).filter(|_| {
            !matches!(
                arg_exprs
                    .get(1)
                    .copied()
                    .flatten()
                    .map(Expression::get_inner_expression),
                Some(Expression::ObjectExpression(_))
            )
        });
        let Some(argv) = argv else { return };
        let shell_opt = shell_option(args, arg_exprs);
        let shell_cmd = args
            .first()
            .and_then(|a| a.lit.as_deref())
            .map(|c| {
                c.rsplit(['/', '\\'])
                    .next()
                    .unwrap_or(c)
                    .to_ascii_lowercase()
            })
            .is_some_and(|c| {
                matches!(
                    c.as_str(),
                    "sh" | "bash"
                        | "zsh"
                        | "dash"
                        | "ksh"
                        | "cmd"
                        | "cmd.exe"
                        | "powershell"
                        | "powershell.exe"
                        | "pwsh"
                )
            })
            && arg_exprs.get(1).copied().flatten().is_some_and(|e| {
                let t = self.slice(e.span());
                [
                    "'-c'", "\"-c\"", "'/c'", "\"/c\"", "'/C'", "\"/C\"", "-Command", "'-lc'",
                    "\"-lc\"",
                ]
                .iter()
                .any(|k| t.contains(k))
            });
        if !(shell_opt || shell_cmd) {
            return;
        }
        let (t, _) = argv.flat();
        let Some(t) = t else { return };
        if t.sanitized_for(Catalog::rule_bit(r)) {
            return;
        }
        let what = if shell_opt {
            format!("the arguments of `{q}` with `shell` set (joined into a shell command line)")
        } else {
            format!("the script of a shell started by `{q}`")
        };
        let conf = match t.origin {
            Origin::Input => Confidence::High,
            _ => Confidence::Medium,
        };
        if let Some(f) = self.taint_finding(r, &t, span, &what, conf) {
            self.push_finding(f);
        }
    }
}
