use super::{Cx, Hit};
use crate::api;
use portcullis_core::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds code that reads an image (a `.png`/`.jpg`/`.gif`/`.bmp`/`.ico` path or a pixel
    /// decoder such as `pngjs`, `jimp`, `get-pixels`, `steggy`) and runs something built from
    /// it with `eval`, `Function` or `vm`.
    ///
    /// ## Why is this bad?
    /// A payload hidden in an image's pixels or trailing bytes passes every text-based review
    /// and secret scanner; decoding it and executing it is a known npm malware technique.
    ///
    /// ## Example
    /// ```js
    /// const png = PNG.sync.read(fs.readFileSync(__dirname + '/logo.png'));
    /// new Function(decode(png.data))();
    /// ```
    ///
    /// ## Use instead
    /// Ship code as code. Images are data.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - GuardDog `npm-steganography`
    pub static RULE = {
        id: "behaviour/steganography",
        title: "Code decoded from an image",
        category: SupplyChain,
        severity: Critical,
        confidence: High,
        summary: "Data read from an image is executed",
        cwe: [506],
        signals: [Obfuscation, DownloadExecute],
        fixtures: [
            pos "crates/behaviour/fixtures/steganography/pos/pixel-loader.js",
            neg "crates/behaviour/fixtures/steganography/neg/thumbnail.js",
        ],
    }
}

const PIXEL_MODULES: &[&str] = &[
    "pngjs",
    "jimp",
    "get-pixels",
    "steggy",
    "png-js",
    "jpeg-js",
    "canvas",
    "sharp",
];
const IMAGE_EXT: &[&str] = &[".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp"];

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let f = cx.facts;
    let image_read = f.calls.iter().any(|c| {
        api::is_fs_read(&c.callee)
            && super::arg_texts(f, c).iter().any(|t| {
                IMAGE_EXT
                    .iter()
                    .any(|e| t.to_ascii_lowercase().ends_with(e))
            })
    }) || (f
        .imports
        .iter()
        .any(|(m, _)| PIXEL_MODULES.contains(&m.as_str()))
        && f.strings.iter().any(|l| {
            IMAGE_EXT
                .iter()
                .any(|e| l.value.to_ascii_lowercase().ends_with(e))
        }));
    if !image_read {
        return Vec::new();
    }
    let run = f
        .calls
        .iter()
        .find(|c| api::is_dynamic_code(&c.callee) && c.args.iter().any(|a| a.text.is_none()));
    match run {
        Some(c) => vec![Hit::new(
            &RULE,
            c.span,
            format!("`{}` runs data in a file that decodes an image", c.callee),
        )],
        None => Vec::new(),
    }
}
