//! Typosquatting: names that imitate popular npm packages.
//!
//! The popular list (`data/popular-npm.txt`, ~1,300 names) ships inside the binary. A name is
//! suspicious when it is not itself popular and, against some popular name:
//! * it is one edit away (insert, delete, substitute, or swap two adjacent characters) and at
//!   least 6 characters long, or two edits away and at least 12 (short names collide by
//!   chance: `ms`/`ws`) — except one appended character (`colord`, `streamx`), a common
//!   legitimate pattern, unless it doubles the last one (`expresss`);
//! * it is equal once separators are dropped (`crossenv` for `cross-env`, `node_fetch`);
//! * it is equal once look-alike characters are folded (`l0dash`, `expresss` is caught by
//!   distance, `rnoment` by `rn`→`m`);
//! * it adds a decoy affix (`lodash-js`, `jquery.js`, `the-axios`);
//! * it imitates a popular scope (`@typescript_eslint/parser`) or flattens a popular scoped
//!   name (`types-node` for `@types/node`). Names under a popular scope are never reported:
//!   scopes are owned, so only their owner can publish there.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

static POPULAR_TEXT: &str = include_str!("../data/popular-npm.txt");

/// Affixes attackers append or prepend to a popular name.
const SUFFIXES: &[&str] = &["-js", ".js", "js", "-latest", "-official"];
const PREFIXES: &[&str] = &["the-", "real-", "official-"];

/// A popular name prepared for the distance scan.
struct Target {
    name: &'static str,
    chars: Vec<char>,
    hist: Hist,
}

/// Character histogram: `a`–`z`, `0`–`9`, everything else. Each edit changes the L1
/// distance between two histograms by at most 2, so a large histogram difference rules a
/// name out before the quadratic distance computation.
type Hist = [u8; 37];

fn hist(chars: &[char]) -> Hist {
    let mut h = [0u8; 37];
    for c in chars {
        let i = match c {
            'a'..='z' => *c as usize - 'a' as usize,
            '0'..='9' => 26 + (*c as usize - '0' as usize),
            _ => 36,
        };
        h[i] = h[i].saturating_add(1);
    }
    h
}

fn hist_distance(a: &Hist, b: &Hist) -> usize {
    a.iter()
        .zip(b)
        .map(|(x, y)| usize::from(x.abs_diff(*y)))
        .sum()
}

struct Popular {
    names: HashSet<&'static str>,
    /// Scoped popular names, split: (scope, bare, full).
    scoped: Vec<(&'static str, &'static str, &'static str)>,
    /// Separator-less / look-alike-folded form → popular name.
    folded: HashMap<String, &'static str>,
    /// `scope-name`, `scopename`, `scope.name` → `@scope/name`.
    flattened: HashMap<String, &'static str>,
    /// Popular names of at least 5 characters (with their chars), bucketed by length for
    /// the distance scan.
    by_len: Vec<Vec<Target>>,
}

fn popular() -> &'static Popular {
    static P: OnceLock<Popular> = OnceLock::new();
    P.get_or_init(|| {
        let list: Vec<&'static str> = POPULAR_TEXT
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let names = list.iter().copied().collect();
        let mut folded = HashMap::new();
        let mut flattened = HashMap::new();
        let mut scoped = Vec::new();
        let mut by_len: Vec<Vec<Target>> = Vec::new();
        for n in &list {
            folded.entry(fold(n)).or_insert(*n);
            if let Some((scope, bare)) = n.strip_prefix('@').and_then(|x| x.split_once('/')) {
                scoped.push((scope, bare, *n));
                for sep in ["-", "", "."] {
                    flattened.entry(format!("{scope}{sep}{bare}")).or_insert(*n);
                }
            }
            let len = n.chars().count();
            if len >= 6 {
                if by_len.len() <= len {
                    by_len.resize_with(len + 1, Vec::new);
                }
                let chars: Vec<char> = n.chars().collect();
                by_len[len].push(Target {
                    name: n,
                    hist: hist(&chars),
                    chars,
                });
            }
        }
        Popular {
            names,
            scoped,
            folded,
            flattened,
            by_len,
        }
    })
}

/// Whether `name` is on the popular list.
pub fn is_popular(name: &str) -> bool {
    popular().names.contains(name)
}

/// Number of names in the shipped list.
pub fn popular_count() -> usize {
    popular().names.len()
}

/// A suspected typosquat: the popular name imitated and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspect {
    pub target: &'static str,
    pub technique: &'static str,
}

/// Drops separators and folds look-alike characters.
fn fold(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let mut s = String::with_capacity(lower.len());
    for c in lower.chars() {
        match c {
            '-' | '_' | '.' => {}
            '0' => s.push('o'),
            '1' | 'i' => s.push('l'),
            '3' => s.push('e'),
            '5' => s.push('s'),
            '$' => s.push('s'),
            _ => s.push(c),
        }
    }
    s.replace("rn", "m").replace("vv", "w")
}

/// Optimal string alignment distance (Damerau-Levenshtein restricted to adjacent
/// transpositions), stopping early once it exceeds `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    osa(&a, &b, max, &mut Rows::default())
}

/// Reusable rows for [`osa`], so the scan over the popular list does not allocate per name.
#[derive(Default)]
struct Rows {
    prev2: Vec<usize>,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

fn osa(a: &[char], b: &[char], max: usize, rows: &mut Rows) -> usize {
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let w = b.len() + 1;
    let Rows { prev2, prev, cur } = rows;
    prev2.clear();
    prev2.resize(w, 0);
    prev.clear();
    prev.extend(0..w);
    cur.clear();
    cur.resize(w, 0);
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(prev2, prev);
        std::mem::swap(prev, cur);
    }
    prev[b.len()]
}

/// Names that legitimately differ by a few characters: version digits
/// (`babel-preset-es2016`), or members of a dotted family (`lodash.has` / `lodash.get`).
fn same_family(name: &str, target: &str) -> bool {
    let strip = |s: &str| {
        s.chars()
            .filter(|c| !c.is_ascii_digit())
            .collect::<String>()
    };
    if name.chars().any(|c| c.is_ascii_digit()) && strip(name) == strip(target) {
        return true;
    }
    match (name.split_once('.'), target.split_once('.')) {
        (Some((a, _)), Some((b, _))) => a == b,
        _ => false,
    }
}

/// `long` is `short` plus one trailing character that does not double the last one: a
/// common legitimate naming pattern (`colord`, `streamx`, `is-regexp`), unlike `expresss`.
fn extends_by_one(long: &str, short: &str) -> bool {
    match long.strip_prefix(short) {
        Some(rest) => rest.chars().count() == 1 && !short.ends_with(rest),
        None => false,
    }
}

/// How sure a technique is: affixes are common in legitimate names too.
pub fn technique_is_weak(technique: &str) -> bool {
    technique.starts_with("decoy")
}

/// Checks one npm package name. `None` when it is popular itself or resembles nothing.
pub fn check(name: &str) -> Option<Suspect> {
    if name.is_empty() || name.len() > 214 || is_popular(name) {
        return None;
    }
    let p = popular();
    let (scope, bare) = match name.strip_prefix('@') {
        Some(rest) => match rest.split_once('/') {
            Some((s, b)) => (Some(s), b),
            None => return None,
        },
        None => (None, name),
    };

    // npm scopes are owned: nobody but the owner of a popular scope can publish under it,
    // so such names are never squats. Under other scopes, only a look-alike of a popular
    // scope with the same package name is suspicious (`@typescript_eslint/parser`).
    if let Some(scope) = scope {
        if p.scoped.iter().any(|(s, _, _)| *s == scope) {
            return None;
        }
        for (tscope, tbare, target) in &p.scoped {
            if *tbare == bare
                && (fold(tscope) == fold(scope) || edit_distance(tscope, scope, 1) <= 1)
            {
                return Some(Suspect {
                    target,
                    technique: "look-alike scope",
                });
            }
        }
        return None;
    }
    if let Some(target) = p.flattened.get(name) {
        return Some(Suspect {
            target,
            technique: "scoped name flattened into an unscoped one",
        });
    }

    if let Some(target) = p.folded.get(&fold(name))
        && name != *target
    {
        let technique = if name.replace(['-', '_', '.'], "") == target.replace(['-', '_', '.'], "")
        {
            "separator added, removed or swapped"
        } else {
            "look-alike characters"
        };
        return Some(Suspect { target, technique });
    }
    for suffix in SUFFIXES {
        if let Some(target) = name
            .strip_suffix(suffix)
            .filter(|t| t.len() >= 3)
            .and_then(|t| p.names.get(t))
        {
            return Some(Suspect {
                target,
                technique: "decoy suffix",
            });
        }
    }
    for prefix in PREFIXES {
        if let Some(target) = name
            .strip_prefix(prefix)
            .filter(|t| t.len() >= 3)
            .and_then(|t| p.names.get(t))
        {
            return Some(Suspect {
                target,
                technique: "decoy prefix",
            });
        }
    }
    let chars: Vec<char> = name.chars().collect();
    let len = chars.len();
    if len >= 6 {
        let max = if len >= 12 { 2 } else { 1 };
        let mut best: Option<(usize, &'static str)> = None;
        let mut rows = Rows::default();
        let h = hist(&chars);
        for l in len.saturating_sub(max)..=len + max {
            for t in p.by_len.get(l).into_iter().flatten() {
                if hist_distance(&h, &t.hist) > 2 * max
                    || same_family(name, t.name)
                    || extends_by_one(name, t.name)
                    || extends_by_one(t.name, name)
                {
                    continue;
                }
                let d = osa(&chars, &t.chars, max, &mut rows);
                if d <= max && best.is_none_or(|(bd, bt)| d < bd || (d == bd && t.name < bt)) {
                    best = Some((d, t.name));
                }
            }
        }
        if let Some((_, target)) = best {
            return Some(Suspect {
                target,
                technique: "one or two characters away",
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_loads() {
        assert!(popular_count() > 1000, "{}", popular_count());
        assert!(is_popular("lodash") && is_popular("@types/node"));
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("lodash", "lodash", 2), 0);
        assert_eq!(edit_distance("loadsh", "lodash", 2), 1, "transposition");
        assert_eq!(edit_distance("lodahs", "lodash", 2), 1);
        assert_eq!(edit_distance("expresss", "express", 2), 1);
        assert_eq!(edit_distance("kitten", "sitting", 5), 3);
        assert_eq!(edit_distance("a", "abcdef", 2), 3, "early exit");
    }

    #[test]
    fn known_typosquats_are_caught() {
        let cases = [
            ("loadsh", "lodash"),
            ("expresss", "express"),
            ("crossenv", "cross-env"),
            ("cross-env.js", "cross-env"),
            ("l0dash", "lodash"),
            ("rnoment", "moment"),
            ("lodash-js", "lodash"),
            ("jquery.js", "jquery"),
            ("the-axios", "axios"),
            ("types-node", "@types/node"),
            ("@typescript_eslint/parser", "@typescript-eslint/parser"),
            ("babel-preset-enz", "babel-preset-env"),
            ("mongose", "mongoose"),
            ("electorn", "electron"),
            ("discordjs", "discord.js"),
        ];
        for (name, target) in cases {
            let s = check(name).unwrap_or_else(|| panic!("{name} not flagged"));
            assert_eq!(s.target, target, "{name}: {s:?}");
        }
    }

    #[test]
    fn legitimate_names_are_not_flagged() {
        for name in [
            "lodash",
            "react-dom",
            "n8n-nodes-acme-crm",
            "node-red-contrib-modbus-flex-getter",
            "@acme/lodash-helpers",
            "my-company-internal-sdk",
            "ms",
            "ws",
            "zod",
            "left-pad",
            "fastest-validator",
            "babel-preset-es2016",
            "lodash.has",
            "lodash.keys",
            "jest-cli",
            "@babel/preset-flow",
        ] {
            assert_eq!(check(name), None, "{name} flagged");
        }
    }
}
