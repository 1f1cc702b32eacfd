//! Benchmark driver for `bench/deps/run.sh`: OSV import time, database load time, and
//! lockfile parse / match / full-analysis time. Prints one `key value` line per figure.
//!
//! ```text
//! deps_bench --db DIR [--import ZIP]... [--lockfile PATH]... [--iterations N] [--print]
//! ```

use portcullis_core::{Analyzer, Context, FileKind, Origin, Package, SourceFile};
use portcullis_deps::{Config, DepsAnalyzer, rematch};
use portcullis_vulndb::VulnDb;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// CPU time (user + system) of this process, from `/proc/self/stat` (Linux; 0 elsewhere).
/// Reported next to wall time because the benchmark machine is shared and heavily loaded.
fn cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the `)` that closes the command name: state is field 3; utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    let ticks = f.iter().sum::<u64>();
    Duration::from_millis(ticks * 10)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut db_dir = None;
    let mut imports = Vec::new();
    let mut lockfiles = Vec::new();
    let mut iterations = 5usize;
    let mut print = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--db" => db_dir = args.next().map(PathBuf::from),
            "--import" => imports.extend(args.next().map(PathBuf::from)),
            "--lockfile" => lockfiles.extend(args.next().map(PathBuf::from)),
            "--print" => print = true,
            "--iterations" => iterations = args.next().and_then(|n| n.parse().ok()).unwrap_or(5),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let db_dir = db_dir.ok_or("--db DIR is required")?;

    if !imports.is_empty() {
        let _ = std::fs::remove_dir_all(&db_dir);
        let total = Instant::now();
        let total_cpu = cpu();
        for zip in &imports {
            let t = Instant::now();
            let c = cpu();
            let mut db = VulnDb::open_or_empty(&db_dir)?;
            let s = db.import(zip)?;
            let src = &s.sources[0];
            println!(
                "import {} wall_ms {:.0} cpu_ms {:.0} stored {} withdrawn {} other_ecosystems {} invalid {}",
                zip.display(),
                ms(t.elapsed()),
                ms(cpu() - c),
                src.advisories,
                src.withdrawn,
                src.other_ecosystems,
                src.invalid
            );
        }
        println!(
            "import_total wall_ms {:.0} cpu_ms {:.0}",
            ms(total.elapsed()),
            ms(cpu() - total_cpu)
        );
        let size = std::fs::metadata(db_dir.join(portcullis_vulndb::DB_FILE_NAME))?.len();
        println!("db_file_bytes {size}");
    }

    let mut loads = Vec::new();
    let mut db = None;
    let load_cpu = cpu();
    for _ in 0..iterations.max(1) {
        let t = Instant::now();
        let d = VulnDb::open(&db_dir)?;
        loads.push(t.elapsed());
        db = Some(d);
    }
    let load_cpu = (cpu() - load_cpu) / iterations.max(1) as u32;
    let db = Arc::new(db.ok_or("no database")?);
    println!(
        "load wall_ms_median {:.1} cpu_ms_mean {:.1} advisories {} packages {}",
        ms(median(loads)),
        ms(load_cpu),
        db.meta().advisories,
        db.meta().packages
    );

    for lf in &lockfiles {
        let text = std::fs::read(lf)?;
        let name = lf
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("bad lockfile name")?
            .to_string();
        let mut files = vec![SourceFile::new(name, FileKind::Lockfile, text)];
        if let Some(manifest) = lf.parent().map(|d| d.join("package.json"))
            && let Ok(m) = std::fs::read(&manifest)
        {
            files.push(SourceFile::new("package.json", FileKind::Json, m));
        }
        let mut pkg = Package {
            source: lf.display().to_string(),
            origin: Origin::Directory,
            sha256: String::new(),
            files,
        };
        pkg.sort();
        let analyzer = DepsAnalyzer::new(Config::default(), Some(db.clone()));
        let (mut parse, mut matching, mut full) = (Vec::new(), Vec::new(), Vec::new());
        let (mut parse_cpu, mut match_cpu, mut full_cpu) =
            (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        let mut counts = (0, 0, 0);
        for _ in 0..iterations.max(1) {
            let t = Instant::now();
            let c = cpu();
            let inv = analyzer.inventory(&pkg);
            parse_cpu += cpu() - c;
            parse.push(t.elapsed());
            let components: Vec<_> = inv.deps.into_iter().map(|d| d.component).collect();
            let t = Instant::now();
            let c = cpu();
            let found = rematch(&components, &db);
            match_cpu += cpu() - c;
            matching.push(t.elapsed());
            let t = Instant::now();
            let c = cpu();
            let out = analyzer.analyze_package(&Context {
                package: &pkg,
                extension: None,
            });
            full_cpu += cpu() - c;
            full.push(t.elapsed());
            counts = (components.len(), found.len(), out.findings.len());
            if print {
                for f in &out.findings {
                    println!("  {} {} {}", f.severity, f.rule_id, f.message);
                }
                for c in out.components.iter().filter(|c| {
                    ["ms", "jest", "typescript", "follow-redirects", "semver"]
                        .contains(&c.name.as_str())
                }) {
                    println!(
                        "  component {}@{} direct={} scope={:?} path={} requested={:?}",
                        c.name,
                        c.version.as_deref().unwrap_or("?"),
                        c.direct,
                        c.scope,
                        c.path.join(">"),
                        c.requested
                    );
                }
                for n in &out.notices {
                    println!("  notice {:?} {}", n.level, n.message);
                }
                print = false;
            }
        }
        let n = iterations.max(1) as u32;
        println!(
            "lockfile {} components {} vuln_findings {} all_findings {}\n  parse wall_ms {:.1} cpu_ms {:.1}\n  match wall_ms {:.1} cpu_ms {:.1}\n  analyze(parse+match+checks) wall_ms {:.1} cpu_ms {:.1}",
            lf.display(),
            counts.0,
            counts.1,
            counts.2,
            ms(median(parse)),
            ms(parse_cpu / n),
            ms(median(matching)),
            ms(match_cpu / n),
            ms(median(full)),
            ms(full_cpu / n)
        );
    }
    Ok(())
}
