//! Deterministic fuzz-style smoke test: mutated archives must never panic, and whatever is
//! accepted must satisfy the ingest invariants.

mod common;
use common::*;
use portcullis_ingest::{Limits, load_archive_bytes};

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(8) {
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => v.truncate(rng.below(v.len() + 1)),
            3 => {
                let i = rng.below(v.len() + 1);
                let extra: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
                v.splice(i..i, extra);
            }
            4 if !v.is_empty() => {
                // Interesting values in place: sizes, counts and offsets live in these bytes.
                let i = rng.below(v.len());
                let vals = [0u8, 0xff, 0x7f, 0x80, b'.', b'/', b'7'];
                v[i] = vals[rng.below(vals.len())];
            }
            _ => {}
        }
    }
    v
}

#[test]
fn mutated_archives_never_panic_and_accepted_output_is_sane() {
    let seeds = [
        Tar::new()
            .file("package/package.json", N8N_PACKAGE_JSON.as_bytes())
            .file("package/dist/a.js", b"module.exports = 1;\n")
            .symlink("package/b.js", "dist/a.js")
            .tgz(),
        Tar::new()
            .file("package.json", b"{}")
            .dir("lib/")
            .file("lib/x.js", &[b'x'; 700])
            .tar(),
        Zip::new()
            .file("p/plugin.json", b"{\"id\":\"x\"}")
            .exe("p/bin", &elf())
            .symlink("p/l", "plugin.json")
            .bytes(),
    ];
    let limits = Limits {
        max_entries: 64,
        max_file_size: 64 * 1024,
        max_total_size: 256 * 1024,
        ..Limits::default()
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for round in 0..3000 {
        let seed = &seeds[round % seeds.len()];
        let input = mutate(&mut rng, seed);
        let name = ["a.tgz", "b.tar", "c.zip"][round % 3];
        if let Ok((pkg, _)) = load_archive_bytes(name, &input, &limits) {
            accepted += 1;
            assert!(pkg.files.len() <= limits.max_entries);
            assert!(pkg.total_bytes() <= limits.max_total_size);
            assert!(
                pkg.files.windows(2).all(|w| w[0].path < w[1].path),
                "sorted and unique"
            );
            for f in &pkg.files {
                assert!(!f.path.is_empty() && !f.path.starts_with('/'), "{}", f.path);
                assert!(
                    f.path
                        .split('/')
                        .all(|s| !s.is_empty() && s != ".." && s != "."),
                    "{}",
                    f.path
                );
                assert!(!f.path.contains('\\'));
                assert!(f.len() as u64 <= limits.max_file_size);
            }
        }
    }
    // The mutations are light enough that some inputs still parse: the invariants above ran.
    assert!(
        accepted > 50,
        "only {accepted} mutated inputs were accepted"
    );
}
