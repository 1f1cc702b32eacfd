//! Entry-path validation: the one place that decides whether a name from an archive may
//! become a package path.
//!
//! The rules are strict on purpose. A name is refused, not repaired, when it is absolute,
//! contains a `..` component (even `a/../b`, which stays inside: an honest packer never writes
//! it, and tools disagree on how to resolve it), uses a backslash or a drive letter (Windows
//! extractors treat those as separators and roots), or contains NUL or control characters.
//! Empty and `.` components are dropped (`./package//a.js` is `package/a.js`).

use crate::limits::Limits;

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    Unsafe(&'static str),
    TooLong(u64),
    TooDeep(u64),
    Empty,
}

/// Validates and normalizes an archive entry name into `/`-separated components.
/// Returns the components (a directory entry's trailing `/` is dropped).
pub fn normalize(raw: &str, limits: &Limits) -> Result<Vec<String>, PathProblem> {
    if raw.len() > limits.max_path_len {
        return Err(PathProblem::TooLong(raw.len() as u64));
    }
    if raw.chars().any(|c| c.is_control()) {
        return Err(PathProblem::Unsafe("control or NUL character in name"));
    }
    if raw.contains('\\') {
        return Err(PathProblem::Unsafe(
            "backslash in name (a Windows path separator)",
        ));
    }
    if raw.starts_with('/') {
        return Err(PathProblem::Unsafe("absolute path"));
    }
    let bytes = raw.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(PathProblem::Unsafe("drive-letter path"));
    }
    let mut parts = Vec::new();
    for seg in raw.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err(PathProblem::Unsafe("`..` component escapes the root")),
            // `C:x` inside a path is still a drive-relative path (or an NTFS stream) on Windows.
            s if s.len() >= 2
                && s.as_bytes()[0].is_ascii_alphabetic()
                && s.as_bytes()[1] == b':' =>
            {
                return Err(PathProblem::Unsafe("drive-letter component"));
            }
            s => parts.push(s.to_string()),
        }
    }
    if parts.is_empty() {
        return Err(PathProblem::Empty);
    }
    if parts.len() > limits.max_path_depth {
        return Err(PathProblem::TooDeep(parts.len() as u64));
    }
    Ok(parts)
}

/// Resolves a symbolic link `target` written in the link at `link` (components of the link's
/// own path) lexically, and returns the target's components if it stays inside the root.
/// Absolute targets, drive letters and `..` that climb above the root return `None`.
pub fn resolve_symlink(link: &[String], target: &str) -> Option<Vec<String>> {
    let parent = link.get(..link.len().saturating_sub(1)).unwrap_or_default();
    resolve_from(parent, target)
}

/// Resolves a hard link target: tar stores it relative to the archive root.
pub fn resolve_hardlink(target: &str) -> Option<Vec<String>> {
    resolve_from(&[], target)
}

fn resolve_from(base: &[String], target: &str) -> Option<Vec<String>> {
    let b = target.as_bytes();
    if target.is_empty()
        || target.starts_with('/')
        || target.contains('\\')
        || target.chars().any(|c| c.is_control())
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
    {
        return None;
    }
    let mut out: Vec<String> = base.to_vec();
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s.to_string()),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(p: &str) -> Result<String, PathProblem> {
        normalize(p, &Limits::default()).map(|v| v.join("/"))
    }

    #[test]
    fn accepts_and_normalizes() {
        assert_eq!(n("package/dist/index.js").unwrap(), "package/dist/index.js");
        assert_eq!(n("./package//a.js").unwrap(), "package/a.js");
        assert_eq!(n("package/").unwrap(), "package");
        assert_eq!(n("Ärger/ü.js").unwrap(), "Ärger/ü.js");
    }

    #[test]
    fn refuses_escapes() {
        for p in [
            "../evil.js",
            "package/../../etc/passwd",
            "package/a/../b.js",
            "/etc/passwd",
            "C:/Windows/x.dll",
            "c:evil",
            "package\\..\\..\\x",
            "a/\u{0}b",
            "a/b\nc",
        ] {
            assert!(matches!(n(p), Err(PathProblem::Unsafe(_))), "{p}");
        }
        assert_eq!(n("./"), Err(PathProblem::Empty));
    }

    #[test]
    fn limits_depth_and_length() {
        let l = Limits {
            max_path_depth: 3,
            max_path_len: 20,
            ..Limits::default()
        };
        assert_eq!(normalize("a/b/c/d", &l), Err(PathProblem::TooDeep(4)));
        assert_eq!(
            normalize(&"x".repeat(21), &l),
            Err(PathProblem::TooLong(21))
        );
    }

    #[test]
    fn link_resolution() {
        let link: Vec<String> = vec!["package".into(), "lib".into(), "a.js".into()];
        assert_eq!(
            resolve_symlink(&link, "../b.js").unwrap().join("/"),
            "package/b.js"
        );
        assert_eq!(resolve_symlink(&link, "../../x").unwrap().join("/"), "x");
        assert!(resolve_symlink(&link, "../../../etc/passwd").is_none());
        assert!(resolve_symlink(&link, "/etc/passwd").is_none());
        assert!(resolve_hardlink("../x").is_none());
        assert_eq!(
            resolve_hardlink("package/a").unwrap().join("/"),
            "package/a"
        );
    }
}
