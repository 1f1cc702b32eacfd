//! License policy: SPDX expressions checked against allow / deny lists.
//!
//! An expression passes when *some* choice it offers is acceptable: `MIT OR GPL-3.0-only`
//! passes a deny list containing `GPL-3.0-only` (the user picks MIT), while
//! `MIT AND GPL-3.0-only` does not. Names compare case-insensitively and ignore the `-only`
//! suffix, so `GPL-3.0` and `GPL-3.0-only` mean the same in the config.

use spdx::{Expression, LicenseItem, LicenseReq, ParseMode};

/// The verdict for one dependency's license string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Every way to satisfy the expression needs a denied license.
    Denied,
    /// An allow-list is set and no way to satisfy the expression uses only allowed licenses.
    NotAllowed,
    /// Not an SPDX expression (`SEE LICENSE IN …`, `UNLICENSED`, free text).
    Unknown(String),
}

fn canon(s: &str) -> String {
    let s = s.trim().to_ascii_lowercase();
    s.strip_suffix("-only").map(str::to_string).unwrap_or(s)
}

fn req_names(req: &LicenseReq) -> Vec<String> {
    match &req.license {
        LicenseItem::Spdx { id, or_later } => {
            let mut v = vec![canon(id.name)];
            if *or_later {
                v.push(canon(&format!(
                    "{}-or-later",
                    id.name.trim_end_matches("-only")
                )));
                v.push(canon(&format!("{}+", id.name)));
            }
            v
        }
        LicenseItem::Other(r) => vec![canon(&format!("LicenseRef-{}", r.lic_ref))],
    }
}

/// Checks `license` against the lists (`allow` empty = no allow-list).
pub fn check(license: &str, allow: &[String], deny: &[String]) -> Verdict {
    let license = license.trim();
    if license.len() > 1024 {
        return Verdict::Unknown("license string longer than 1024 characters".into());
    }
    let upper = license.to_ascii_uppercase();
    if upper == "UNLICENSED" || upper.starts_with("SEE LICENSE IN") {
        return Verdict::Unknown(format!("`{license}` (proprietary or custom terms)"));
    }
    let expr = match Expression::parse_mode(license, ParseMode::LAX) {
        Ok(e) => e,
        Err(e) => {
            return Verdict::Unknown(format!(
                "`{license}` is not an SPDX expression ({})",
                e.reason
            ));
        }
    };
    let allow: Vec<String> = allow.iter().map(|s| canon(s)).collect();
    let deny: Vec<String> = deny.iter().map(|s| canon(s)).collect();
    if !deny.is_empty() && !expr.evaluate(|r| !req_names(r).iter().any(|n| deny.contains(n))) {
        return Verdict::Denied;
    }
    if !allow.is_empty() && !expr.evaluate(|r| req_names(r).iter().any(|n| allow.contains(n))) {
        return Verdict::NotAllowed;
    }
    Verdict::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn deny_list_respects_or_and_and() {
        let deny = v(&["GPL-3.0", "AGPL-3.0-only"]);
        assert_eq!(check("MIT", &[], &deny), Verdict::Ok);
        assert_eq!(check("GPL-3.0-only", &[], &deny), Verdict::Denied);
        assert_eq!(check("MIT OR GPL-3.0-only", &[], &deny), Verdict::Ok);
        assert_eq!(check("MIT AND AGPL-3.0-only", &[], &deny), Verdict::Denied);
        assert_eq!(check("(MIT OR Apache-2.0)", &[], &deny), Verdict::Ok);
    }

    #[test]
    fn allow_list() {
        let allow = v(&["MIT", "Apache-2.0", "ISC", "BSD-3-Clause"]);
        assert_eq!(check("ISC", &allow, &[]), Verdict::Ok);
        assert_eq!(check("MIT OR GPL-2.0-only", &allow, &[]), Verdict::Ok);
        assert_eq!(check("LGPL-2.1-only", &allow, &[]), Verdict::NotAllowed);
        assert_eq!(
            check("Apache-2.0 AND MPL-2.0", &allow, &[]),
            Verdict::NotAllowed
        );
        // Lax parsing accepts common npm spellings.
        assert_eq!(check("Apache 2.0", &allow, &[]), Verdict::Ok);
    }

    #[test]
    fn unknown_licenses() {
        assert!(matches!(check("UNLICENSED", &[], &[]), Verdict::Unknown(_)));
        assert!(matches!(
            check("SEE LICENSE IN LICENSE.md", &[], &[]),
            Verdict::Unknown(_)
        ));
        assert!(matches!(
            check("All rights reserved, ACME Corp", &[], &[]),
            Verdict::Unknown(_)
        ));
        assert!(matches!(
            check(&"MIT OR ".repeat(500), &[], &[]),
            Verdict::Unknown(_)
        ));
    }
}
