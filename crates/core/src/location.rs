//! Where a finding is: a file path relative to the scanned root, an optional region, a snippet.

use serde::{Deserialize, Serialize};

/// A 1-based line/column range. Columns count Unicode scalar values (SARIF
/// `columnKind: unicodeCodePoints`); `end_column` is exclusive.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Region {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Region {
    /// A region covering the start of a line (the end column is not known).
    pub fn line(line: u32) -> Region {
        Region {
            start_line: line,
            start_column: 1,
            end_line: line,
            end_column: 1,
        }
    }
}

/// A place in the scanned package. `path` is relative to the package root, `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// The source line(s) of the region (at most [`MAX_SNIPPET_LINES`], each cut to
    /// [`MAX_SNIPPET_LINE_CHARS`]). Never holds a whole secret: the secrets analyzer redacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

pub const MAX_SNIPPET_LINES: usize = 3;
pub const MAX_SNIPPET_LINE_CHARS: usize = 240;

impl Location {
    /// A location that names a file only (e.g. a package-level finding on `package.json`).
    pub fn file(path: impl Into<String>) -> Location {
        Location {
            path: path.into(),
            region: None,
            snippet: None,
        }
    }

    /// A location for the byte range `start..end` of `text`, with line/column and snippet.
    pub fn from_offsets(path: impl Into<String>, text: &str, start: usize, end: usize) -> Location {
        LineIndex::new(text).location(path, text, start, end)
    }

    pub fn start_line(&self) -> Option<u32> {
        self.region.map(|r| r.start_line)
    }
}

/// Maps byte offsets to 1-based line/column numbers. Build it once per file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset at which each line starts.
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { line_starts }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based (line, column) of a byte offset; offsets past the end clamp to the end.
    /// A column counts Unicode scalar values from the line start.
    pub fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = text[start..offset].chars().count() + 1;
        (to_u32(line + 1), to_u32(column))
    }

    /// The text of a 1-based line, without its line terminator.
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self
            .line_starts
            .get(i + 1)
            .map_or(text.len(), |&e| e.saturating_sub(1));
        let line = &text[start.min(text.len())..end.min(text.len())];
        line.strip_suffix('\r').unwrap_or(line)
    }

    pub fn region(&self, text: &str, start: usize, end: usize) -> Region {
        let (start_line, start_column) = self.position(text, start);
        let (end_line, end_column) = self.position(text, end.max(start));
        Region {
            start_line,
            start_column,
            end_line,
            end_column,
        }
    }

    /// The snippet for a region: its lines, bounded in count and width.
    pub fn snippet(&self, text: &str, region: Region) -> String {
        let last = region
            .end_line
            .min(region.start_line + MAX_SNIPPET_LINES as u32 - 1);
        (region.start_line..=last)
            .map(|l| truncate_chars(self.line_text(text, l), MAX_SNIPPET_LINE_CHARS))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn location(
        &self,
        path: impl Into<String>,
        text: &str,
        start: usize,
        end: usize,
    ) -> Location {
        let region = self.region(text, start, end);
        Location {
            path: path.into(),
            snippet: Some(self.snippet(text, region)),
            region: Some(region),
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_columns() {
        let text = "const a = 1;\nconst é = exec(x);\n";
        let idx = LineIndex::new(text);
        let off = text.find("exec").unwrap();
        // `é` is two bytes but one column.
        assert_eq!(idx.position(text, off), (2, 11));
        let loc = idx.location("a.js", text, off, off + 7);
        assert_eq!(loc.snippet.as_deref(), Some("const é = exec(x);"));
        assert_eq!(loc.region.unwrap().end_column, 18);
    }

    #[test]
    fn out_of_range_offsets_clamp() {
        let text = "ab\r\ncd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 999), (2, 3));
        assert_eq!(idx.line_text(text, 1), "ab");
        assert_eq!(idx.line_text(text, 7), "");
    }

    #[test]
    fn long_lines_are_cut() {
        let long = "x".repeat(1000);
        let loc = Location::from_offsets("m.js", &long, 10, 20);
        assert_eq!(
            loc.snippet.unwrap().chars().count(),
            MAX_SNIPPET_LINE_CHARS + 1
        );
    }
}
