//! Turning a file into parseable JavaScript: language selection by extension, the `<script>`
//! blocks of Node-RED editor `.html` files (the nesting pre-check is [`crate::depth`]).

use oxc_span::SourceType;

/// The oxc source type for a path, or `None` when it is not a script we analyze.
pub fn source_type(path: &str) -> Option<SourceType> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".d.ts") || lower.ends_with(".d.mts") || lower.ends_with(".d.cts") {
        return None;
    }
    let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        // `.js` may be CommonJS or ESM; top-level `return` is allowed through ParseOptions.
        "js" => SourceType::unambiguous(),
        "cjs" => SourceType::cjs(),
        "mjs" => SourceType::mjs(),
        "jsx" => SourceType::jsx(),
        "ts" | "mts" | "cts" => SourceType::ts(),
        "tsx" => SourceType::tsx(),
        "html" | "htm" => SourceType::script(),
        _ => return None,
    })
}

/// The JavaScript of an HTML file's `<script>` blocks, as a text of the *same byte length* as
/// the HTML: everything outside the scripts is blanked to spaces (newlines kept), so every
/// byte offset in the result is the same offset in the HTML file and locations need no
/// mapping. `None` when the file has no JavaScript blocks.
pub fn html_scripts(html: &str) -> Option<String> {
    let bytes = html.as_bytes();
    let lower = html.to_ascii_lowercase();
    let lb = lower.as_bytes();
    let mut out: Vec<u8> = bytes
        .iter()
        .map(|&b| if b == b'\n' || b == b'\r' { b } else { b' ' })
        .collect();
    let mut found = false;
    let mut i = 0;
    while let Some(rel) = find(&lb[i..], b"<script") {
        let tag_start = i + rel;
        let Some(tag_end_rel) = find(&lb[tag_start..], b">") else {
            break;
        };
        let tag_end = tag_start + tag_end_rel;
        let tag = &lower[tag_start..tag_end];
        let content_start = tag_end + 1;
        let Some(close_rel) = find(&lb[content_start..], b"</script") else {
            break;
        };
        let content_end = content_start + close_rel;
        if is_js_script_tag(tag)
            && let (Some(src), Some(dst)) = (
                bytes.get(content_start..content_end),
                out.get_mut(content_start..content_end),
            )
        {
            dst.copy_from_slice(src);
            found = true;
        }
        i = content_end + "</script".len();
        if i >= lb.len() {
            break;
        }
    }
    if !found {
        return None;
    }
    String::from_utf8(out).ok()
}

fn is_js_script_tag(tag: &str) -> bool {
    let Some(pos) = tag.find("type") else {
        return true;
    };
    let rest = tag[pos + 4..].trim_start();
    let Some(rest) = rest.strip_prefix('=') else {
        return true;
    };
    let rest = rest.trim_start().trim_start_matches(['"', '\'']);
    let ty: String = rest
        .chars()
        .take_while(|c| !matches!(c, '"' | '\'' | ' ' | '>'))
        .collect();
    matches!(
        ty.as_str(),
        "text/javascript" | "application/javascript" | "module" | "text/ecmascript" | ""
    )
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_blocks_keep_offsets() {
        let html = "<script type=\"text/javascript\">\n  RED.nodes.registerType('x', {});\n</script>\n<script type=\"text/html\" data-template-name=\"x\"><div>é</div></script>\n<script>var a = 1;</script>";
        let js = html_scripts(html).unwrap();
        assert_eq!(js.len(), html.len());
        let off = html.find("RED.nodes").unwrap();
        assert_eq!(&js[off..off + 9], "RED.nodes");
        assert!(!js.contains("<div>"));
        assert!(js.contains("var a = 1;"));
    }

    #[test]
    fn html_without_js_is_none() {
        assert!(html_scripts("<p>hi</p><script type=\"text/x-red\">x</script>").is_none());
        assert!(html_scripts("<script").is_none());
    }

    #[test]
    fn languages() {
        assert!(source_type("a/b.d.ts").is_none());
        assert!(source_type("x.tsx").unwrap().is_jsx());
        assert!(source_type("x.ts").unwrap().is_typescript());
        assert!(source_type("x.json").is_none());
    }
}
