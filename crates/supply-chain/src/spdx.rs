//! SPDX license identifiers and a small expression checker.
//!
//! The list holds the identifiers seen in practice on npm (and every OSI-approved license we
//! know of), not all ~700 of the SPDX list; an id missing here is reported as non-SPDX at low
//! severity, which the user can silence in config. Matching is case-insensitive, as SPDX
//! specifies for license ids.

/// SPDX license identifiers (SPDX license list 3.x).
pub const LICENSE_IDS: &[&str] = &[
    "0BSD",
    "AAL",
    "AFL-1.1",
    "AFL-1.2",
    "AFL-2.0",
    "AFL-2.1",
    "AFL-3.0",
    "AGPL-1.0",
    "AGPL-1.0-only",
    "AGPL-1.0-or-later",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.0",
    "Apache-1.1",
    "Apache-2.0",
    "APL-1.0",
    "APSL-1.0",
    "APSL-1.1",
    "APSL-1.2",
    "APSL-2.0",
    "Artistic-1.0",
    "Artistic-1.0-cl8",
    "Artistic-1.0-Perl",
    "Artistic-2.0",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-2-Clause-Views",
    "BSD-3-Clause",
    "BSD-3-Clause-Attribution",
    "BSD-3-Clause-Clear",
    "BSD-3-Clause-LBNL",
    "BSD-3-Clause-No-Nuclear-License",
    "BSD-4-Clause",
    "BSD-Source-Code",
    "BSL-1.0",
    "BUSL-1.1",
    "bzip2-1.0.6",
    "CAL-1.0",
    "CATOSL-1.1",
    "CC-BY-1.0",
    "CC-BY-2.0",
    "CC-BY-2.5",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CDLA-Permissive-2.0",
    "CECILL-2.1",
    "CECILL-B",
    "CECILL-C",
    "CPAL-1.0",
    "CPL-1.0",
    "CUA-OPL-1.0",
    "ECL-1.0",
    "ECL-2.0",
    "EFL-1.0",
    "EFL-2.0",
    "Elastic-2.0",
    "Entessa",
    "EPL-1.0",
    "EPL-2.0",
    "EUDatagrid",
    "EUPL-1.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "Fair",
    "Frameworx-1.0",
    "FSFAP",
    "FTL",
    "GFDL-1.3",
    "GFDL-1.3-only",
    "GFDL-1.3-or-later",
    "GPL-1.0",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ICU",
    "IJG",
    "Imlib2",
    "IPA",
    "IPL-1.0",
    "ISC",
    "JSON",
    "LGPL-2.0",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "LiLiQ-P-1.1",
    "LiLiQ-R-1.1",
    "LiLiQ-Rplus-1.1",
    "LPL-1.0",
    "LPL-1.02",
    "LPPL-1.3c",
    "MirOS",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MIT-Modern-Variant",
    "MIT-open-group",
    "Motosoto",
    "MPL-1.0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-PL",
    "MS-RL",
    "MulanPSL-2.0",
    "Multics",
    "NASA-1.3",
    "Naumen",
    "NCSA",
    "NGPL",
    "Nokia",
    "NPOSL-3.0",
    "NTP",
    "ODbL-1.0",
    "OFL-1.0",
    "OFL-1.1",
    "OGTSL",
    "OLDAP-2.8",
    "OpenSSL",
    "OSET-PL-2.1",
    "OSL-1.0",
    "OSL-2.0",
    "OSL-2.1",
    "OSL-3.0",
    "PDDL-1.0",
    "PHP-3.0",
    "PHP-3.01",
    "PolyForm-Noncommercial-1.0.0",
    "PolyForm-Small-Business-1.0.0",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "QPL-1.0",
    "RPL-1.1",
    "RPL-1.5",
    "RPSL-1.0",
    "RSCPL",
    "Ruby",
    "SimPL-2.0",
    "SISSL",
    "Sleepycat",
    "SMLNJ",
    "SPL-1.0",
    "SSPL-1.0",
    "UCL-1.0",
    "Unicode-3.0",
    "Unicode-DFS-2015",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "VSL-1.0",
    "W3C",
    "W3C-20150513",
    "Watcom-1.0",
    "WTFPL",
    "X11",
    "Xnet",
    "YPL-1.1",
    "Zed",
    "Zlib",
    "zlib-acknowledgement",
    "ZPL-1.1",
    "ZPL-2.0",
    "ZPL-2.1",
];

/// SPDX license exceptions (after `WITH`).
pub const EXCEPTION_IDS: &[&str] = &[
    "389-exception",
    "Autoconf-exception-3.0",
    "Bison-exception-2.2",
    "Classpath-exception-2.0",
    "FLTK-exception",
    "Font-exception-2.0",
    "GCC-exception-2.0",
    "GCC-exception-3.1",
    "LLVM-exception",
    "OCaml-LGPL-linking-exception",
    "OpenJDK-assembly-exception-1.0",
    "Qt-LGPL-exception-1.1",
    "Swift-exception",
    "u-boot-exception-2.0",
    "WxWindows-exception-3.1",
];

fn is_license_id(s: &str) -> bool {
    let base = s.strip_suffix('+').unwrap_or(s);
    LICENSE_IDS.iter().any(|id| id.eq_ignore_ascii_case(base))
        || (base.starts_with("LicenseRef-") && base.len() > "LicenseRef-".len())
        || (base.starts_with("DocumentRef-") && base.contains(":LicenseRef-"))
}

fn is_exception_id(s: &str) -> bool {
    EXCEPTION_IDS.iter().any(|id| id.eq_ignore_ascii_case(s))
}

/// Whether `license` is acceptable to npm as an SPDX expression, `UNLICENSED`, or
/// `SEE LICENSE IN <file>`.
pub fn is_valid(license: &str) -> bool {
    let t = license.trim();
    if t == "UNLICENSED" {
        return true;
    }
    if let Some(file) = t.strip_prefix("SEE LICENSE IN ") {
        return !file.trim().is_empty();
    }
    let tokens = tokenize(t);
    if tokens.is_empty() || tokens.len() > 256 {
        return false;
    }
    let mut p = Parser {
        tokens: &tokens,
        pos: 0,
        depth: 0,
    };
    p.expr() && p.pos == tokens.len()
}

fn tokenize(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if let Some(st) = start.take() {
                out.push(&s[st..i]);
            }
            if c != ' ' && !c.is_whitespace() {
                out.push(&s[i..i + 1]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

/// `expr := and ("OR" and)*; and := with ("AND" with)*; with := atom ("WITH" exception)?;
/// atom := id | "(" expr ")"`. Depth-bounded.
struct Parser<'a> {
    tokens: &'a [&'a str],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).copied()
    }

    fn expr(&mut self) -> bool {
        if !self.and() {
            return false;
        }
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("OR")) {
            self.pos += 1;
            if !self.and() {
                return false;
            }
        }
        true
    }

    fn and(&mut self) -> bool {
        if !self.with() {
            return false;
        }
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("AND")) {
            self.pos += 1;
            if !self.with() {
                return false;
            }
        }
        true
    }

    fn with(&mut self) -> bool {
        if !self.atom() {
            return false;
        }
        if self.peek().is_some_and(|t| t.eq_ignore_ascii_case("WITH")) {
            self.pos += 1;
            let ok = self.peek().is_some_and(is_exception_id);
            self.pos += 1;
            return ok;
        }
        true
    }

    fn atom(&mut self) -> bool {
        match self.peek() {
            Some("(") => {
                self.depth += 1;
                if self.depth > 16 {
                    return false;
                }
                self.pos += 1;
                let ok = self.expr() && self.peek() == Some(")");
                self.pos += 1;
                self.depth -= 1;
                ok
            }
            Some(t) if is_license_id(t) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_expressions() {
        for l in [
            "MIT",
            "mit",
            "Apache-2.0",
            "(MIT OR Apache-2.0)",
            "MIT AND (BSD-3-Clause OR ISC)",
            "GPL-2.0-only WITH Classpath-exception-2.0",
            "GPL-2.0+",
            "LicenseRef-Acme-Commercial",
            "UNLICENSED",
            "SEE LICENSE IN LICENSE.md",
        ] {
            assert!(is_valid(l), "{l}");
        }
    }

    #[test]
    fn invalid_expressions() {
        for l in [
            "",
            "MIT License",
            "Apache 2",
            "BSD",
            "proprietary",
            "(MIT",
            "MIT OR",
            "MIT WITH MIT",
            "SEE LICENSE IN ",
            &"(".repeat(40),
        ] {
            assert!(!is_valid(l), "{l}");
        }
    }
}
