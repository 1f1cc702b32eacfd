//! Time spent per rule on a directory tree (for tuning keywords and regexes):
//! `cargo run --release -p portcullis-secrets --example rule_cost -- <dir>`.

use portcullis_secrets::rules::{BUILTIN_RULES, Rule, RuleSet, parse_rules};
use std::time::Instant;

fn walk(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if let Ok(b) = std::fs::read(&p)
            && std::str::from_utf8(&b).is_ok()
        {
            out.push(b);
        }
    }
}

/// CPU seconds (user + system) of this process, from /proc (the machine is shared, so wall
/// time is mostly other people's work).
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let mut files = Vec::new();
    walk(std::path::Path::new(&dir), &mut files);
    let total: usize = files.iter().map(Vec::len).sum();
    let specs = parse_rules(BUILTIN_RULES, "built-in").expect("rules");
    // Start-up cost: compiling every rule's regex is paid once per process.
    let c0 = cpu();
    let mut compile_costs = Vec::new();
    let rules: Vec<Rule> = specs
        .into_iter()
        .map(|s| {
            let t = Instant::now();
            let r = Rule::compile(s, "built-in").expect("rule");
            compile_costs.push((t.elapsed(), r.id.clone()));
            r
        })
        .collect();
    println!("compiling {} rules: {:.3}s cpu", rules.len(), cpu() - c0);
    compile_costs.sort();
    for (d, id) in compile_costs.iter().rev().take(8) {
        println!("  compile {d:>10.1?} {id}");
    }
    let ids: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
    let set = RuleSet::new(rules).expect("set");
    let t = Instant::now();
    let c0 = cpu();
    let none = |_r: usize| false;
    for _ in 0..3 {
        for f in &files {
            let _ = set.find(f, &none);
        }
    }
    let base = t.elapsed() / 3;
    println!(
        "{} files, {} bytes; keyword pass alone: {:?} wall, {:.2}s cpu",
        files.len(),
        total,
        base,
        (cpu() - c0) / 3.0
    );
    let all = |_r: usize| true;
    let t = Instant::now();
    let c0 = cpu();
    let mut n = 0;
    for _ in 0..3 {
        for f in &files {
            n += set.find(f, &all).len();
        }
    }
    println!(
        "all rules: {:?} wall, {:.2}s cpu ({} raw matches)",
        t.elapsed() / 3,
        (cpu() - c0) / 3.0,
        n / 3
    );
    if std::env::args().nth(2).is_none() {
        return;
    }
    let mut costs = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let only = |r: usize| r == i;
        let t = Instant::now();
        let mut n = 0;
        for f in &files {
            n += set.find(f, &only).len();
        }
        costs.push((t.elapsed().saturating_sub(base), id.clone(), n));
    }
    costs.sort();
    costs.reverse();
    for (d, id, n) in costs.iter().take(25) {
        println!("{:>10.1?} {:6} {}", d, n, id);
    }
}
