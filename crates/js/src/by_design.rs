//! Library sinks that are the library's purpose, not a weakness.
//!
//! In library mode the parameters of exported functions are taint sources, which finds the
//! `exec('git ' + ref)` of a helper library. But some packages exist to run what their caller
//! names: a CLI framework spawns its own subcommands, a mailer spawns the sendmail binary it
//! was configured with, a view engine or locale loader `require`s the module a caller picks.
//! There the API parameter reaching the sink is the feature; what matters to a platform team
//! is that the package *can* start processes or load code, and that is the observed
//! capability the engine records for the same call (with its location), which the capability
//! check compares with the manifest's declaration.
//!
//! So, for library-origin taint only (platform input, HTTP requests and node parameters are
//! still injections):
//!
//! * the *program* of a launcher that takes an argument vector and no shell (`spawn`,
//!   `execFile`, `fork`, `execa`) — unlike `exec`, nothing is parsed by a shell;
//! * a bare module name given to `require(x)` / `import(x)` (a path prefix can be climbed out
//!   of, so `require('./locale/' + name)` needs a guard such as an anchored-regex check of
//!   `name`, see [`crate::guards`]).
//!
//! Template compilers are handled where their input is escaped (a `.replace` with a regex that
//! matches quotes or backslashes makes a string safe to embed in generated code), so their
//! unescaped options (lodash's `variable`, ejs's `outputFunctionName`) are still reported.

use crate::value::{Origin, Taint};

/// Launchers whose first argument is a program path, not a shell command.
pub fn program_launcher(q: &str) -> bool {
    matches!(
        q,
        "child_process.spawn"
            | "child_process.spawnSync"
            | "child_process.execFile"
            | "child_process.execFileSync"
            | "child_process.fork"
            | "execa"
            | "execa.execa"
            | "execa.sync"
            | "cross-spawn"
            | "cross-spawn.sync"
    )
}

/// Why a library-origin flow of the program argument into a launcher is by design.
pub fn launcher_program(
    t: &Taint,
    q: Option<&str>,
    arg: usize,
    shell: bool,
) -> Option<&'static str> {
    (t.origin == Origin::Library && arg == 0 && !shell && q.is_some_and(program_launcher)).then_some(
        "the package's API starts the program its caller names, with an argument vector and no shell",
    )
}

/// Why a library-origin computed `require`/`import()` is by design: a bare module name
/// (resolved among installed packages: a view engine, a plugin by package name). A name
/// under a path prefix (`'./plugins/' + name`) can climb out with `../` and load any file,
/// so it stays a finding unless a guard checked the name first.
pub fn module_loader(t: &Taint, known_prefix: Option<&str>) -> Option<&'static str> {
    let path =
        known_prefix.is_some_and(|p| p.starts_with(['.', '/', '\\']) || p.contains(['/', '\\']));
    (t.origin == Origin::Library && !path).then_some(
        "the package's API loads the module its caller names (a view engine, a plugin package)",
    )
}

/// Whether a regex literal's source matches characters that end or escape a JavaScript
/// string literal (`/['\n\r\u2028\u2029\\]/g`, `/[\\"]/g`): replacing them escapes text
/// for embedding in generated code.
pub fn quote_escaper(pattern: &str) -> bool {
    let quotes = pattern.contains('\'') || pattern.contains('"') || pattern.contains('`');
    quotes || pattern.contains("\\\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapers() {
        assert!(quote_escaper(r"['\n\r\u2028\u2029\\]"));
        assert!(quote_escaper(r#"[\\"]"#));
        assert!(!quote_escaper(r"\s+"));
        assert!(!quote_escaper(r"[a-z]"));
    }

    #[test]
    fn launchers() {
        assert!(program_launcher("child_process.spawn"));
        assert!(!program_launcher("child_process.exec"));
        assert!(!program_launcher("child_process.execSync"));
    }
}
