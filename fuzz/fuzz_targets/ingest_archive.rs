//! Arbitrary bytes as an uploaded archive: ingest must refuse or accept without panicking,
//! and what it accepts must respect the limits and the path rules.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_ingest::{Limits, load_archive_bytes};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_entries: 256,
        max_file_size: 256 * 1024,
        max_total_size: 1024 * 1024,
        ..Limits::default()
    };
    // The name only matters for magic-less v7 tar files.
    for name in ["fuzz.tgz", "fuzz.tar"] {
        if let Ok((pkg, _)) = load_archive_bytes(name, data, &limits) {
            assert!(pkg.files.len() <= limits.max_entries);
            assert!(pkg.total_bytes() <= limits.max_total_size);
            for f in &pkg.files {
                assert!(!f.path.is_empty() && !f.path.starts_with('/'));
                assert!(
                    f.path
                        .split('/')
                        .all(|s| !s.is_empty() && s != "." && s != "..")
                );
                assert!(!f.path.contains('\\'));
            }
        }
    }
});
