//! The supply-chain analyzer: package-level risk signals that are not bugs in the code.
//!
//! [`SupplyChainAnalyzer`] implements [`Analyzer`] with rules `supply-chain/…`:
//! npm lifecycle scripts and what they run (download-and-execute, inline code, native builds,
//! package files summarised by what they touch), bundled native binaries, executables and
//! nested archives, minified vs. obfuscated JavaScript, and `package.json` hygiene (validity,
//! SPDX license, repository, non-registry direct dependencies, bundled dependencies, `bin`
//! targets). It reads only the in-memory [`Package`](portcullis_core::Package) and bounds its
//! work on every file (sampling large files), so it never blocks or blows up on hostile input.
//! Lifecycle scripts are also reported as observed `child-process` (and `network-egress` for
//! URLs they name) capabilities.

mod manifest;
pub mod obfuscation;
pub mod rules;
mod scripts;
pub mod spdx;

use portcullis_core::location::LineIndex;
use portcullis_core::{
    Analyzer, BinaryKind, Capability, Confidence, Context, Evidence, FileKind, Location, Origin,
    Output, Region, RuleMeta, Severity, SourceFile,
};
use rules::*;
use serde::{Deserialize, Serialize};

/// `[supply-chain]` in `portcullis.toml`.
///
/// ```toml
/// [supply-chain]
/// allowed-scripts = ["husky install"]   # exact commands reviewed and accepted
/// minified-avg-line-length = 300
/// minified-min-size = 1024
/// max-scan-bytes = 1048576
/// require-repository = true
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Lifecycle commands (compared exactly, after trimming) that produce no finding.
    pub allowed_scripts: Vec<String>,
    /// Average bytes per line from which a JS file counts as minified.
    pub minified_avg_line_length: usize,
    /// Files smaller than this are never reported as minified.
    pub minified_min_size: usize,
    /// How much of each JS file the minification/obfuscation checks read (three quarters from
    /// the head, one quarter from the tail); bounds time on huge bundles.
    pub max_scan_bytes: usize,
    /// Report a missing `repository` in package.json.
    pub require_repository: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            allowed_scripts: Vec::new(),
            minified_avg_line_length: 300,
            minified_min_size: 1024,
            max_scan_bytes: 1024 * 1024,
            require_repository: true,
        }
    }
}

/// See the crate documentation.
#[derive(Debug, Clone, Default)]
pub struct SupplyChainAnalyzer {
    config: Config,
}

impl SupplyChainAnalyzer {
    pub fn new(config: Config) -> Self {
        SupplyChainAnalyzer { config }
    }
}

impl Analyzer for SupplyChainAnalyzer {
    fn name(&self) -> &'static str {
        "supply-chain"
    }

    fn rules(&self) -> Vec<RuleMeta> {
        RULES.iter().map(|r| r.meta()).collect()
    }

    fn wants(&self, file: &SourceFile) -> bool {
        file.kind.is_script()
    }

    fn analyze_file(&self, file: &SourceFile, _cx: &Context<'_>) -> Output {
        let mut out = Output::default();
        let Some(text) = file.text() else { return out };
        let verdict = obfuscation::analyze_sampled(text, self.config.max_scan_bytes);
        if verdict.obfuscated() {
            let index = LineIndex::new(text);
            let first = verdict
                .signals
                .iter()
                .find(|s| s.strong)
                .or(verdict.signals.first());
            let location = match first {
                Some(s) => index.location(&file.path, text, s.offset, s.offset + s.len),
                None => Location::file(&file.path),
            };
            let what: Vec<&str> = verdict.signals.iter().map(|s| s.what.as_str()).collect();
            let confidence = if verdict.signals.len() >= 2 {
                Confidence::High
            } else {
                Confidence::Medium
            };
            let mut f = finding(&OBFUSCATED, Severity::High, format!("`{}` is obfuscated: {}", file.path, what.join("; ")), location)
                .with_confidence(confidence)
                .with_fingerprint_key("obfuscated")
                .with_remediation("Ship readable code; obfuscated code cannot be reviewed and is a hallmark of malware.");
            for s in verdict.signals.iter().take(8) {
                f = f.with_evidence(
                    index.location(&file.path, text, s.offset, s.offset + s.len),
                    s.what.clone(),
                );
            }
            out.finding(f);
        } else if verdict.minified(
            self.config.minified_min_size,
            self.config.minified_avg_line_length,
        ) {
            let l = verdict.layout;
            let sampled = match file.len() > l.bytes {
                true => format!(
                    ", layout from the first {} of {} bytes",
                    l.bytes,
                    file.len()
                ),
                false => String::new(),
            };
            let mut loc = Location::file(&file.path);
            loc.region = Some(Region::line(1));
            out.finding(
                finding(&MINIFIED,
                    Severity::Info,
                    format!(
                        "`{}` is minified ({} lines, average {} bytes per line, longest {} bytes{sampled})",
                        file.path,
                        l.lines,
                        l.avg_line(),
                        l.max_line
                    ),
                    loc,
                )
                .with_fingerprint_key("minified")
                .with_remediation("Publish readable build output (with a source map) so the extension can be reviewed."),
            );
        }
        out
    }

    fn analyze_package(&self, cx: &Context<'_>) -> Output {
        let mut out = Output::default();
        let package = cx.package;
        if let Some(m) = package.manifest() {
            manifest::check(m, package, &self.config, &mut out);
        }
        for f in &package.files {
            check_file_kind(f, package.origin, &mut out);
        }
        out
    }
}

/// Binaries, executable data files and nested archives.
fn check_file_kind(f: &SourceFile, origin: Origin, out: &mut Output) {
    match f.kind {
        FileKind::Binary(
            kind @ (BinaryKind::Elf
            | BinaryKind::Pe
            | BinaryKind::MachO
            | BinaryKind::NodeAddon
            | BinaryKind::Wasm),
        ) => {
            let (label, severity) = match kind {
                BinaryKind::Elf => ("an ELF executable/library", Severity::High),
                BinaryKind::Pe => ("a Windows PE executable/DLL", Severity::High),
                BinaryKind::MachO => ("a Mach-O executable/library", Severity::High),
                BinaryKind::NodeAddon => ("a Node.js native addon", Severity::High),
                _ => ("a WebAssembly module", Severity::Medium),
            };
            let mut message = format!("`{}` is {label} ({} bytes)", f.path, f.len());
            if f.kind == FileKind::Binary(BinaryKind::Wasm) && f.path.ends_with(".wasm") {
                message.push_str("; WebAssembly is sandboxed but opaque to review");
            } else if !f.path.ends_with(".node") && !f.path.contains('.') {
                message.push_str("; it has no file extension");
            } else if f.path.ends_with(".js") || f.path.ends_with(".json") {
                message.push_str(&format!("; its name `{}` disguises it as text", f.name()));
            }
            out.finding(
                finding(&NATIVE_BINARY, severity, message, Location::file(&f.path))
                    .with_fingerprint_key(format!("{kind:?}"))
                    .with_property("binary-kind", format!("{kind:?}").to_ascii_lowercase())
                    .with_property("executable", f.executable)
                    .with_remediation("Remove the binary or build it reproducibly from reviewed source and record its hash."),
            );
            if kind == BinaryKind::NodeAddon || f.path.ends_with(".node") {
                out.observed.add(
                    Capability::NativeModule {
                        name: f.path.clone(),
                    },
                    Evidence {
                        path: f.path.clone(),
                        line: None,
                        source: NATIVE_BINARY.id().into(),
                    },
                );
            }
        }
        FileKind::Binary(BinaryKind::Archive) => {
            out.finding(
                finding(
                    &NESTED_ARCHIVE,
                    Severity::Medium,
                    format!(
                        "`{}` is a nested archive ({} bytes) whose content is not scanned",
                        f.path,
                        f.len()
                    ),
                    Location::file(&f.path),
                )
                .with_fingerprint_key("archive")
                .with_remediation("Ship the files unpacked so every analyzer sees them."),
            );
        }
        // Working-tree permissions depend on the filesystem (everything is 0777 on some
        // mounts); only the published archive's modes are meaningful.
        // JS/TS files are scripts whatever their mode; a text file with the bit is most
        // likely a packaging accident (low), an opaque file with it is a payload candidate.
        _ if f.executable
            && origin != Origin::Directory
            && !f.kind.is_script()
            && !f.bytes.starts_with(b"#!") =>
        {
            let severity = if f.kind.is_text() {
                Severity::Low
            } else {
                Severity::Medium
            };
            out.finding(
                finding(&EXECUTABLE_FILE, severity, format!("`{}` has the executable bit but is not a `#!` script or a known binary ({:?})", f.path, f.kind), Location::file(&f.path))
                    .with_fingerprint_key("executable")
                    .with_remediation("Clear the executable bit (`chmod -x`) on files that are not meant to run."),
            );
        }
        _ => {}
    }
}
