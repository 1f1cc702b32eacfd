//! Loading policy sets: reading files (bounded), parsing, naming each policy by its `@id`,
//! and validating every policy against the schema in strict mode. A policy set that does not
//! validate is refused as a whole, with the file and the reason: a half-loaded policy set
//! would silently change decisions.

use crate::PolicyError;
use cedar_policy::{Policy, PolicyId, PolicySet, Schema, ValidationMode, Validator};
use miette::Diagnostic;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Largest policy file accepted (a policy set is text written by people; 1 MiB is generous).
pub const MAX_POLICY_FILE_BYTES: u64 = 1024 * 1024;
/// Most `.cedar` files accepted from one directory.
pub const MAX_POLICY_FILES: usize = 256;
/// Most policies accepted in one policy set.
pub const MAX_POLICIES: usize = 4096;

/// One policy file: a display name (the path, or `embedded:<name>`) and its text.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// Parses an embedded `.cedarschema` text.
pub(crate) fn parse_schema(name: &str, text: &str) -> Result<Schema, PolicyError> {
    Schema::from_cedarschema_str(text)
        .map(|(schema, _warnings)| schema)
        .map_err(|e| PolicyError::Schema {
            file: name.to_string(),
            message: describe(&e, text),
        })
}

/// Reads the `.cedar` files of `dir` (not recursive), sorted by name so ids and error order
/// are deterministic. When `dir` holds no `.cedar` file but has a `subdir` sub-directory
/// (the shipped layout `policies/{gate,authz}`), that sub-directory is read instead.
pub(crate) fn read_dir(dir: &Path, subdir: &str) -> Result<Vec<Source>, PolicyError> {
    let files = cedar_files(dir)?;
    if files.is_empty() {
        let nested = dir.join(subdir);
        if nested.is_dir() {
            return read_dir_flat(&nested);
        }
        return Err(PolicyError::NoPolicies {
            path: dir.to_path_buf(),
        });
    }
    read_files(dir, files)
}

fn read_dir_flat(dir: &Path) -> Result<Vec<Source>, PolicyError> {
    let files = cedar_files(dir)?;
    if files.is_empty() {
        return Err(PolicyError::NoPolicies {
            path: dir.to_path_buf(),
        });
    }
    read_files(dir, files)
}

/// The sorted `.cedar` file paths directly inside `dir`.
pub(crate) fn cedar_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, PolicyError> {
    let io = |source| PolicyError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("cedar") || !path.is_file() {
            continue;
        }
        files.push(path);
        if files.len() > MAX_POLICY_FILES {
            return Err(PolicyError::TooLarge {
                path: dir.to_path_buf(),
                reason: format!("more than {MAX_POLICY_FILES} .cedar files"),
            });
        }
    }
    files.sort();
    Ok(files)
}

fn read_files(_dir: &Path, files: Vec<std::path::PathBuf>) -> Result<Vec<Source>, PolicyError> {
    files
        .into_iter()
        .map(|path| {
            let text = read_bounded(&path)?;
            Ok(Source::new(path.display().to_string(), text))
        })
        .collect()
}

/// Reads at most [`MAX_POLICY_FILE_BYTES`] (+1, to detect the overflow) of a UTF-8 file.
fn read_bounded(path: &Path) -> Result<String, PolicyError> {
    let io = |source| PolicyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_POLICY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_POLICY_FILE_BYTES {
        return Err(PolicyError::TooLarge {
            path: path.to_path_buf(),
            reason: format!("policy file larger than {MAX_POLICY_FILE_BYTES} bytes"),
        });
    }
    String::from_utf8(bytes).map_err(|_| PolicyError::Parse {
        file: path.display().to_string(),
        message: "not valid UTF-8".to_string(),
    })
}

/// A parsed, validated policy set and where each policy came from.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub set: PolicySet,
    /// Policy id → file it was read from (for messages).
    pub files: BTreeMap<String, String>,
}

/// Parses every source, renames each policy to its `@id`, runs `check` on it, and validates
/// each file's policies against `schema` in strict mode.
pub(crate) fn load(
    sources: &[Source],
    schema: &Schema,
    mut check: impl FnMut(&Policy, &str) -> Result<(), PolicyError>,
) -> Result<Loaded, PolicyError> {
    let validator = Validator::new(schema.clone());
    let mut set = PolicySet::new();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for source in sources {
        let parsed: PolicySet = source
            .text
            .parse()
            .map_err(|e: cedar_policy::ParseErrors| PolicyError::Parse {
                file: source.name.clone(),
                message: describe(&e, &source.text),
            })?;
        if parsed.templates().next().is_some() {
            return Err(PolicyError::Policy {
                file: source.name.clone(),
                message: "policy templates are not supported; write static policies".into(),
            });
        }
        // Renamed to their `@id`s before validating, so errors name the policy as written.
        let mut renamed = PolicySet::new();
        for policy in parsed.policies() {
            let id = policy_id(policy, source)?;
            if let Some(first) = files.get(&id) {
                return Err(PolicyError::Policy {
                    file: source.name.clone(),
                    message: format!("duplicate policy @id(\"{id}\") (first defined in {first})"),
                });
            }
            if files.len() >= MAX_POLICIES {
                return Err(PolicyError::TooLarge {
                    path: source.name.clone().into(),
                    reason: format!("more than {MAX_POLICIES} policies"),
                });
            }
            let policy = policy.new_id(PolicyId::new(&id));
            let add_err = |e: cedar_policy::PolicySetError| PolicyError::Policy {
                file: source.name.clone(),
                message: e.to_string(),
            };
            renamed.add(policy.clone()).map_err(add_err)?;
            set.add(policy).map_err(add_err)?;
            files.insert(id, source.name.clone());
        }
        let validation = validator.validate(&renamed, ValidationMode::Strict);
        if !validation.validation_passed() {
            let message = validation
                .validation_errors()
                .map(|e| describe(e, &source.text))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(PolicyError::Invalid {
                file: source.name.clone(),
                message,
            });
        }
        // Checked after validation: a type error is the more useful message.
        for policy in renamed.policies() {
            check(policy, &source.name)?;
        }
    }
    if files.is_empty() {
        return Err(PolicyError::NoPolicies {
            path: sources
                .first()
                .map(|s| s.name.clone())
                .unwrap_or_default()
                .into(),
        });
    }
    Ok(Loaded { set, files })
}

/// The policy's `@id` annotation: required, so decisions name policies the way their authors
/// do, and ids stay stable when files are reordered.
fn policy_id(policy: &Policy, source: &Source) -> Result<String, PolicyError> {
    match policy.annotation("id") {
        Some(id) if is_valid_id(id) => Ok(id.to_string()),
        Some(id) => Err(PolicyError::Policy {
            file: source.name.clone(),
            message: format!(
                "@id(\"{id}\") must be 1-128 characters of a-z, 0-9, '-', '_', '.', '/', ':'"
            ),
        }),
        None => Err(PolicyError::Policy {
            file: source.name.clone(),
            message: format!(
                "policy {} has no @id(\"...\") annotation{}",
                policy.id(),
                line_suffix(policy, &source.text)
            ),
        }),
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'-' | b'_' | b'.' | b'/' | b':')
        })
}

/// ` (line N)` for a policy whose text is found in `text`; empty otherwise.
pub(crate) fn line_suffix(policy: &Policy, text: &str) -> String {
    let Some(src) = policy.to_cedar() else {
        return String::new();
    };
    // `to_cedar` returns the original text of a parsed policy.
    match text.find(&src) {
        Some(off) => format!(" (line {})", line_of(text, off)),
        None => String::new(),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .get(..offset)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1
}

/// A Cedar diagnostic as one line: the message, the line:column of its first label, and the
/// help text when Cedar offers one.
pub(crate) fn describe(diag: &(dyn Diagnostic + 'static), text: &str) -> String {
    let mut out = diag.to_string();
    if let Some(label) = diag.labels().and_then(|mut l| l.next()) {
        let off = label.offset().min(text.len());
        let line = line_of(text, off);
        let line_start = text
            .get(..off)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        let col = text
            .get(line_start..off)
            .map_or(1, |t| t.chars().count() + 1);
        out = format!("line {line}:{col}: {out}");
    }
    if let Some(help) = diag.help() {
        out.push_str(&format!(" (help: {help})"));
    }
    out
}
