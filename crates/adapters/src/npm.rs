//! `package.json`: parsing (with located errors) and the plain-npm fallback extension.

use crate::util::{Doc, manifest_finding};
use portcullis_core::{CapabilitySet, Extension, Finding, Location, Package, Platform, Severity};
use serde_json::Value;

/// A parsed root `package.json`.
#[derive(Debug, Clone)]
pub struct PackageJson {
    pub path: String,
    pub text: String,
    pub value: Value,
}

impl PackageJson {
    /// The root `package.json`: `None` when absent, `Err(finding)` when it does not parse.
    pub fn load(pkg: &Package) -> Option<Result<PackageJson, Box<Finding>>> {
        let file = pkg.manifest()?;
        Some(Self::parse(&file.path, file.text()))
    }

    /// Parses JSON text (`None` text = binary / not UTF-8).
    pub fn parse(path: &str, text: Option<&str>) -> Result<PackageJson, Box<Finding>> {
        let Some(text) = text else {
            return Err(Box::new(manifest_finding(
                &crate::rules::INVALID_JSON,
                Severity::Medium,
                format!("{path} is not UTF-8 text"),
                Location::file(path),
            )));
        };
        match parse_json(path, text) {
            Ok(value) if value.is_object() => Ok(PackageJson {
                path: path.to_string(),
                text: text.to_string(),
                value,
            }),
            Ok(_) => Err(Box::new(manifest_finding(
                &crate::rules::INVALID_JSON,
                Severity::Medium,
                format!("{path} is valid JSON but not an object"),
                Location::file(path),
            ))),
            Err(f) => Err(f),
        }
    }

    pub fn doc(&self) -> Doc<'_> {
        Doc::new(&self.path, &self.text)
    }

    pub fn str_field(&self, key: &str) -> Option<&str> {
        self.value.get(key).and_then(Value::as_str)
    }

    pub fn name(&self) -> String {
        self.str_field("name").unwrap_or("(unnamed)").to_string()
    }

    /// Names and ranges of the runtime `dependencies`.
    pub fn dependencies(&self) -> Vec<(String, String)> {
        self.value
            .get("dependencies")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn keywords(&self) -> Vec<&str> {
        self.value
            .get("keywords")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
}

/// Parses JSON, turning a syntax error into a located `manifest/invalid-json` finding.
pub fn parse_json(path: &str, text: &str) -> Result<Value, Box<Finding>> {
    // serde_json bounds recursion (128 levels) itself.
    serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')).map_err(|e| {
        let doc = Doc::new(path, text);
        let line = u32::try_from(e.line()).unwrap_or(0);
        let location = if line > 0 {
            let snippet = doc.index.line_text(text, line).to_string();
            Location {
                path: path.to_string(),
                region: Some(portcullis_core::Region {
                    start_line: line,
                    start_column: u32::try_from(e.column()).unwrap_or(1).max(1),
                    end_line: line,
                    end_column: u32::try_from(e.column()).unwrap_or(1).max(1),
                }),
                snippet: Some(portcullis_core::location::truncate_chars(&snippet, 240)),
            }
        } else {
            Location::file(path)
        };
        Box::new(manifest_finding(
            &crate::rules::INVALID_JSON,
            Severity::Medium,
            format!("{path} is not valid JSON: {e}"),
            location,
        ))
    })
}

/// A plain npm package: name, version, and its `main`/`bin`/`exports` files as entry points.
pub fn extension(pj: &PackageJson) -> Extension {
    let mut entry_points = Vec::new();
    if let Some(main) = pj.str_field("main") {
        entry_points.push(normalize(main));
    }
    match pj.value.get("bin") {
        Some(Value::String(s)) => entry_points.push(normalize(s)),
        Some(Value::Object(m)) => {
            entry_points.extend(m.values().filter_map(Value::as_str).map(normalize));
        }
        _ => {}
    }
    match pj.value.get("exports") {
        Some(Value::String(s)) => entry_points.push(normalize(s)),
        Some(Value::Object(m)) => {
            if let Some(Value::String(s)) = m.get(".") {
                entry_points.push(normalize(s));
            }
        }
        _ => {}
    }
    Extension {
        platform: Platform::Npm,
        name: pj.name(),
        version: pj.str_field("version").map(str::to_string),
        description: pj.str_field("description").map(str::to_string),
        manifest_path: pj.path.clone(),
        entry_points,
        declared: CapabilitySet::new(),
    }
}

/// `./dist/index.js` → `dist/index.js`.
pub fn normalize(p: &str) -> String {
    crate::util::join_rel("", p).unwrap_or_else(|| p.to_string())
}
