//! Hostile input: the analyzer never panics, and its work stays bounded, on generated and
//! adversarial sources, shell scripts and manifests.

use portcullis_behaviour::{BehaviourAnalyzer, facts, lifecycle, shell};
use portcullis_core::{Analyzer, Context, FileKind, Output, Package, SourceFile};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const JS_TOKENS: &[&str] = &[
    "require(",
    "'child_process'",
    ")",
    "(",
    "[",
    "]",
    "{",
    "}",
    ".",
    ",",
    ";",
    "+",
    "'ev'",
    "'al'",
    "global",
    "Buffer.from(",
    "'aHR0cHM6Ly94LmV4YW1wbGU='",
    "'base64'",
    ".toString()",
    "eval",
    "new Function(",
    "x",
    "=",
    "const ",
    "let ",
    "=>",
    "function ",
    "setInterval(",
    "fetch(",
    "process.env",
    "JSON.stringify(",
    "`",
    "${",
    "'\\x41'",
    "String.fromCharCode(",
    "104",
    ".prototype.",
    "os.hostname()",
    "/re/g",
    "\"",
    "'",
    "\n",
    "async ",
    "await ",
    "class A extends B {",
    "#p",
];

const SH_TOKENS: &[&str] = &[
    "node",
    ".",
    "npm",
    "run",
    "x",
    "&&",
    "||",
    ";",
    "|",
    "&",
    "$(",
    ")",
    "`",
    "'",
    "\"",
    "\\",
    "#",
    "sh",
    "-c",
    "curl",
    "nslookup",
    "hostname",
    "(",
    "FOO=1",
    "cross-env",
    "\n",
    " ",
    "./s.sh",
];

fn generate(rng: &mut Rng, tokens: &[&str], n: usize) -> String {
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(rng.pick(tokens));
        if rng.next().is_multiple_of(3) {
            s.push(' ');
        }
    }
    s
}

#[test]
fn random_javascript_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let a = BehaviourAnalyzer::new();
    for i in 0..400 {
        let src = generate(&mut rng, JS_TOKENS, 20 + i);
        let mut out = Output::default();
        a.check_source("fuzz.js", &src, &mut out);
        a.check_source("fuzz.ts", &src, &mut out);
    }
}

#[test]
fn random_shell_never_panics_and_is_bounded() {
    let mut rng = Rng(42);
    for i in 0..400 {
        let s = generate(&mut rng, SH_TOKENS, 10 + i * 4);
        assert!(shell::parse(&s).len() <= shell::MAX_COMMANDS);
    }
}

#[test]
fn adversarial_sources_are_refused_or_bounded() {
    // Deep nesting is refused before oxc recurses.
    let deep = format!("x = {}1{};", "[".repeat(50_000), "]".repeat(50_000));
    assert!(matches!(
        facts::collect("deep.js", &deep),
        Err(facts::Skipped::TooDeep(_))
    ));
    // A long `+` chain folds without blowing the stack (oxc keeps it flat enough, and the
    // folder stops at its depth limit).
    let chain = format!("const s = {};", vec!["'a'"; 300].join(" + "));
    facts::collect("chain.js", &chain).unwrap();
    // Folding doubles a string each step: the length cap stops it.
    let mut dbl = String::from("const a0 = 'xxxxxxxxxxxxxxxx';\n");
    for i in 1..40 {
        dbl.push_str(&format!("const a{i} = a{} + a{};\n", i - 1, i - 1));
    }
    let f = facts::collect("dbl.js", &dbl).unwrap();
    assert!(f.strings.iter().all(|l| l.value.len() <= 64 * 1024));
    // Too large is refused.
    let big = "a;".repeat(facts::MAX_FILE_BYTES);
    assert!(matches!(
        facts::collect("big.js", &big),
        Err(facts::Skipped::TooLarge(_))
    ));
}

#[test]
fn self_referential_scripts_terminate() {
    let manifest = serde_json::json!({
        "name": "loop",
        "main": "a.js",
        "scripts": {
            "postinstall": "npm run a && npm run b",
            "a": "npm run b; npm run a; sh x.sh",
            "b": "npm run a || node .",
        }
    });
    let files = vec![
        SourceFile::new(
            "a.js",
            FileKind::JavaScript,
            b"require('./b'); require('./a');".to_vec(),
        ),
        SourceFile::new(
            "b.js",
            FileKind::JavaScript,
            b"require('./a'); require('https').get('https://x.example');".to_vec(),
        ),
        SourceFile::new(
            "package.json",
            FileKind::Json,
            serde_json::to_vec(&manifest).unwrap(),
        ),
        SourceFile::new("x.sh", FileKind::Text, b"sh x.sh\nsh x.sh\n".to_vec()),
    ];
    let mut pkg = Package {
        source: "loop".into(),
        origin: portcullis_core::Origin::Directory,
        sha256: String::new(),
        files,
    };
    pkg.sort();
    let res = lifecycle::resolve(&manifest, &pkg);
    assert!(
        res.entries
            .iter()
            .any(|e| e.code == lifecycle::Code::File("a.js".into()))
    );
    let out = BehaviourAnalyzer::new().analyze_package(&Context {
        package: &pkg,
        extension: None,
    });
    // The require cycle a.js ↔ b.js is followed once: b.js's request is found.
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule_id == "behaviour/install-time-network"),
        "{:#?}",
        out.findings
    );
}
