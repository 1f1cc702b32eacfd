//! Hostile inputs, generated here: each must end in a clean scan — a finding that says the
//! file was not analysed (carrying the unanalysed-code signal), never a crash or a hang.

use portcullis_core::rule::Signal;
use portcullis_js::{Config, JsAnalyzer};

const DEEP: usize = 30_000;

fn analyzer() -> JsAnalyzer {
    JsAnalyzer::new(Config::default()).expect("analyzer")
}

fn not_analysed(a: &JsAnalyzer, path: &str, text: &str) -> String {
    let out = a.analyze_text(path, text, None);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "js/not-analysed")
        .unwrap_or_else(|| panic!("{path}: no js/not-analysed finding: {:?}", out.findings));
    assert!(f.has_signal(Signal::UnanalysedCode), "{f:?}");
    assert!(f.message.contains(path), "{}", f.message);
    f.message.clone()
}

#[test]
fn deep_chains_are_reported_not_crashed() {
    let a = analyzer();
    let cases: Vec<(&str, String)> = vec![
        ("plus.js", format!("var x = {}1;", "1+".repeat(DEEP))),
        ("not.js", format!("var x = {}a;", "!".repeat(DEEP))),
        ("member.js", format!("var x = a{};", ".b".repeat(DEEP))),
        ("assign.js", format!("{}1;", "x=".repeat(DEEP))),
        ("ternary.js", format!("var x = {}c;", "a?b:".repeat(DEEP))),
        ("arrow.js", format!("var f = {}1;", "()=>".repeat(DEEP))),
        ("if.js", format!("{}x();", "if(a) ".repeat(DEEP))),
        (
            "else-if.js",
            format!("if(a){{}}{}", "else if(a){}".repeat(DEEP)),
        ),
        ("unary-minus.js", format!("var x = {}1;", "- ".repeat(DEEP))),
        ("typeof.js", format!("var x = {}1;", "typeof ".repeat(DEEP))),
        ("new.js", format!("var x = {}X;", "new ".repeat(DEEP))),
        ("lines.js", format!("var x = 1{};", "\n+1".repeat(DEEP))),
        (
            "parens.js",
            format!("{}1{};", "(".repeat(DEEP), ")".repeat(DEEP)),
        ),
        (
            "arrays.js",
            format!("x = {}{};", "[".repeat(DEEP), "]".repeat(DEEP)),
        ),
        (
            "template.js",
            format!("x = {}1{};", "`${".repeat(DEEP), "}`".repeat(DEEP)),
        ),
        ("label.js", format!("{}x();", "a: ".repeat(DEEP))),
        (
            "jsx.jsx",
            format!("x = {}{};", "<a>".repeat(DEEP), "</a>".repeat(DEEP)),
        ),
    ];
    for (path, text) in &cases {
        let msg = not_analysed(&a, path, text);
        assert!(msg.contains("nesting deeper than"), "{path}: {msg}");
    }
}

#[test]
fn chains_just_under_the_limit_are_analysed() {
    // Deep, but within the limits: parsed, walked and checked without running out of stack.
    let a = analyzer();
    let n = Config::default().max_chain - 10;
    let cases = [
        format!(
            "require('child_process').exec(process.argv[2] + {}1);",
            "1+".repeat(n)
        ),
        format!(
            "var y = {}a; require('child_process').exec(req.query.cmd);",
            "!".repeat(n)
        ),
        format!(
            "var y = {}c; require('child_process').exec(req.query.cmd);",
            "a?b:".repeat(n / 2)
        ),
        format!(
            "{}1; require('child_process').exec(req.query.cmd);",
            "x=".repeat(n)
        ),
        format!(
            "var f = {}1; require('child_process').exec(req.query.cmd);",
            "()=>".repeat(n)
        ),
        format!(
            "{}x(); require('child_process').exec(req.query.cmd);",
            "if(a) ".repeat(n / 2)
        ),
    ];
    for text in &cases {
        let out = a.analyze_text("server.js", text, None);
        assert!(
            out.findings.iter().all(|f| f.rule_id != "js/not-analysed"),
            "{:?}",
            &out.findings
        );
    }
    let n = Config::default().max_nesting - 5;
    let text = format!("x = {}1{};", "(".repeat(n), ")".repeat(n));
    let out = a.analyze_text("parens.js", &text, None);
    assert!(out.findings.iter().all(|f| f.rule_id != "js/not-analysed"));
}

#[test]
fn oversized_file_is_reported_with_its_limit() {
    // A valid file that Node would load, padded past the size limit after its payload.
    let a = analyzer();
    let limit = Config::default().max_file_bytes;
    let mut text = String::from("require('child_process').exec(req.query.cmd);\n");
    let pad = "// padding padding padding padding padding padding padding padding\n";
    while text.len() <= limit {
        text.push_str(pad);
    }
    let msg = not_analysed(&a, "index.js", &text);
    assert!(msg.contains(&limit.to_string()), "{msg}");
    assert!(msg.contains("max-file-bytes"), "{msg}");
}

#[test]
fn unrecoverable_parse_error_is_unanalysed_code() {
    let a = analyzer();
    let out = a.analyze_text("broken.js", "module.exports = function ( {\n", None);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "js/parse-error")
        .expect("parse error");
    assert!(f.has_signal(Signal::UnanalysedCode));
    // A file that parses carries no unanalysed-code finding.
    let out = a.analyze_text("ok.js", "module.exports = 1;\n", None);
    assert!(
        out.findings
            .iter()
            .all(|f| !f.has_signal(Signal::UnanalysedCode))
    );
}

#[test]
fn hostile_regexes_are_bounded() {
    // Group nesting and length past the ReDoS analyzer's bounds: a clean scan.
    let a = analyzer();
    let deep = format!(
        "var r = /{}a{}/; r.test(s);",
        "(".repeat(300),
        ")".repeat(300)
    );
    let _ = a.analyze_text("re.js", &deep, None);
    let long = format!("var r = /{}/; r.test(s);", "(a|b)*".repeat(5000));
    let _ = a.analyze_text("re2.js", &long, None);
    let nested = format!("var r = /{}x/; r.test(s);", "(?:a+)+".repeat(2000));
    let _ = a.analyze_text("re3.js", &nested, None);
}
