//! SARIF 2.1.0, shaped for GitHub code scanning.
//!
//! Plain serde structs rather than the `serde-sarif` crate: its build script generates the
//! types from the schema and failed to compile against this workspace's dependency set, and
//! the subset written here is small. The output is checked against the official schema and
//! Microsoft's SARIF Multitool in `tests/sarif.rs`.
//!
//! Mapping from the [`ScanReport`]:
//! * every rule a finding references gets a `reportingDescriptor` (synthesised from the
//!   finding when the report lacks its metadata, so every `ruleIndex` is valid), with
//!   `security` and `external/cwe/cwe-N` tags and GitHub's `security-severity`;
//! * `partialFingerprints["portcullis/v1"]` carries the finding's stable fingerprint, so
//!   code scanning tracks an alert across line shifts the same way Portcullis does;
//! * `evidence` becomes one `codeFlow`/`threadFlow`, a `Fix` becomes `fixes` with byte-offset
//!   `deletedRegion`s, a suppression becomes `suppressions` (`inSource` for inline comments,
//!   `external` for config ignores and registry waivers), baseline states map one to one;
//! * notices become `toolExecutionNotifications`; the decision goes into `run.properties`;
//! * results are ordered most severe first and capped at [`MAX_RESULTS`] (GitHub's limit per
//!   run), with a notification saying how many were dropped;
//! * `runAutomationDetails.id` is `portcullis/<extension name>/`, GitHub's analysis category.

use crate::RenderOptions;
use crate::sanitize::uri_path;
use portcullis_core::{
    BaselineState, Finding, Location, NoticeLevel, Region, RuleMeta, ScanReport, Severity,
    SuppressionKind,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

pub(crate) const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The `uriBaseId` every artifact location is relative to: the root of the scanned package.
pub(crate) const ROOT_BASE_ID: &str = "PKGROOT";
/// GitHub code scanning rejects a run with more results than this.
pub(crate) const MAX_RESULTS: usize = 25_000;
/// The `partialFingerprints` key for Portcullis fingerprints (versioned with the scheme).
pub(crate) const FINGERPRINT_KEY: &str = "portcullis/v1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SarifLog {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    automation_details: AutomationDetails,
    invocations: Vec<Invocation>,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocationBase>,
    results: Vec<SarifResult>,
    column_kind: &'static str,
    #[serde(skip_serializing_if = "Map::is_empty")]
    properties: Map<String, Value>,
}

/// `runAutomationDetails`: GitHub code scanning uses `id` (up to the last `/`) as the
/// analysis category, and rejects several runs of one tool with the same category in one
/// upload. Keyed by the extension's name (not its version), so alerts of one extension keep
/// their identity from version to version, and runs for different extensions merged into one
/// log stay distinct.
#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocationBase {
    description: Message,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: String,
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    semantic_version: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    information_uri: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: Map<String, Value>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize, Clone)]
struct Message {
    text: String,
}

fn msg(text: impl Into<String>) -> Message {
    Message { text: text.into() }
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<CodeFlow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    properties: Map<String, Value>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<SarifRegion>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow {
    message: Message,
    thread_flows: Vec<ThreadFlow>,
}

#[derive(Serialize)]
struct ThreadFlow {
    locations: Vec<ThreadFlowLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ThreadFlowLocation {
    location: SarifLocation,
    execution_order: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Message,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<SarifReplacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifReplacement {
    deleted_region: ByteRegion,
    inserted_content: ArtifactContent,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ByteRegion {
    byte_offset: usize,
    byte_length: usize,
}

#[derive(Serialize)]
struct ArtifactContent {
    text: String,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
}

fn artifact(path: &str) -> ArtifactLocation {
    ArtifactLocation {
        uri: uri_path(path),
        uri_base_id: ROOT_BASE_ID,
    }
}

/// A SARIF region from a core region. Lines and columns must be ≥ 1 in SARIF; a region with
/// no line (0) is dropped, and an end before the start is clamped to the start.
fn region(r: Region, snippet: Option<&str>) -> Option<SarifRegion> {
    if r.start_line == 0 {
        return None;
    }
    let start_column = r.start_column.max(1);
    let end_line = r.end_line.max(r.start_line);
    let end_column = if end_line == r.start_line {
        r.end_column.max(start_column)
    } else {
        r.end_column.max(1)
    };
    Some(SarifRegion {
        start_line: r.start_line,
        start_column: Some(start_column),
        end_line: Some(end_line),
        end_column: Some(end_column),
        snippet: snippet.map(msg),
    })
}

fn location(loc: &Location, message: Option<&str>) -> Option<SarifLocation> {
    if loc.path.is_empty() {
        return None;
    }
    Some(SarifLocation {
        physical_location: PhysicalLocation {
            artifact_location: artifact(&loc.path),
            region: loc.region.and_then(|r| region(r, loc.snippet.as_deref())),
        },
        message: message.map(msg),
    })
}

/// `Command injection` → `CommandInjection`: SARIF's `name` is an identifier-like string.
fn pascal_case(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The first paragraph of a markdown help text that is not a heading, as plain text.
fn first_paragraph(help: &str) -> Option<String> {
    help.split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#'))
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn rule_descriptor(meta: &RuleMeta) -> Rule {
    let mut tags: Vec<Value> = vec![json!("security"), json!(meta.category.as_str())];
    tags.extend(
        meta.cwe
            .iter()
            .map(|c| json!(format!("external/cwe/cwe-{c}"))),
    );
    let mut props = Map::new();
    props.insert("tags".into(), Value::Array(tags));
    props.insert(
        "security-severity".into(),
        json!(meta.default_severity.security_severity()),
    );
    props.insert("precision".into(), json!("high"));
    let full = first_paragraph(&meta.help).unwrap_or_else(|| meta.short_description.clone());
    let help_md = if meta.help.trim().is_empty() {
        meta.short_description.clone()
    } else {
        meta.help.clone()
    };
    Rule {
        id: meta.id.clone(),
        name: pascal_case(&meta.name),
        short_description: msg(meta.short_description.clone()),
        full_description: msg(full),
        help: MultiformatMessage {
            text: help_md.clone(),
            markdown: help_md,
        },
        help_uri: meta.references.first().cloned(),
        default_configuration: Configuration {
            level: meta.default_severity.sarif_level(),
        },
        properties: props,
    }
}

/// Metadata for a rule the report has no `RuleMeta` for, from its first finding.
fn synthesized_meta(f: &Finding) -> RuleMeta {
    let name = f
        .rule_id
        .rsplit('/')
        .next()
        .unwrap_or(&f.rule_id)
        .to_string();
    RuleMeta {
        id: f.rule_id.clone(),
        name,
        category: f.category,
        default_severity: f.severity,
        short_description: f.rule_id.clone(),
        help: f
            .remediation
            .clone()
            .unwrap_or_else(|| format!("Findings of rule `{}`.", f.rule_id)),
        cwe: f.cwe.clone(),
        references: f.references.clone(),
    }
}

fn result(f: &Finding, rule_index: usize, baseline_in_use: bool) -> SarifResult {
    let mut partial_fingerprints = BTreeMap::new();
    if !f.fingerprint.is_empty() {
        partial_fingerprints.insert(FINGERPRINT_KEY, f.fingerprint.as_str().to_string());
    }
    let code_flows = if f.evidence.is_empty() {
        Vec::new()
    } else {
        let locations: Vec<ThreadFlowLocation> = f
            .evidence
            .iter()
            .filter_map(|step| location(&step.location, Some(&step.message)))
            .enumerate()
            .map(|(i, location)| ThreadFlowLocation {
                location,
                execution_order: i + 1,
            })
            .collect();
        if locations.is_empty() {
            Vec::new()
        } else {
            vec![CodeFlow {
                message: msg(f.message.clone()),
                thread_flows: vec![ThreadFlow { locations }],
            }]
        }
    };
    let fixes = f
        .fix
        .as_ref()
        .map(|fix| {
            // One artifactChange per file, replacements in the order given.
            let mut by_path: Vec<(String, Vec<SarifReplacement>)> = Vec::new();
            for r in &fix.replacements {
                let rep = SarifReplacement {
                    deleted_region: ByteRegion {
                        byte_offset: r.start,
                        byte_length: r.end.saturating_sub(r.start),
                    },
                    inserted_content: ArtifactContent {
                        text: r.text.clone(),
                    },
                };
                match by_path.iter_mut().find(|(p, _)| *p == r.path) {
                    Some((_, v)) => v.push(rep),
                    None => by_path.push((r.path.clone(), vec![rep])),
                }
            }
            by_path
                .into_iter()
                .map(|(path, replacements)| ArtifactChange {
                    artifact_location: artifact(&path),
                    replacements,
                })
                .collect::<Vec<_>>()
        })
        .filter(|changes| !changes.is_empty())
        .map(|artifact_changes| {
            vec![SarifFix {
                description: msg(f
                    .fix
                    .as_ref()
                    .map(|x| x.description.clone())
                    .unwrap_or_default()),
                artifact_changes,
            }]
        })
        .unwrap_or_default();
    let suppressions = f
        .suppression
        .as_ref()
        .map(|s| {
            vec![SarifSuppression {
                kind: match s.kind {
                    SuppressionKind::Inline => "inSource",
                    SuppressionKind::Config | SuppressionKind::Waiver => "external",
                },
                status: "accepted",
                justification: s.justification.clone(),
            }]
        })
        .unwrap_or_default();
    // SARIF: once a run carries baseline states, a result without one was not matched in
    // the baseline, i.e. it is new.
    let baseline_state = match f.baseline_state {
        Some(BaselineState::New) => Some("new"),
        Some(BaselineState::Unchanged) => Some("unchanged"),
        Some(BaselineState::Absent) => Some("absent"),
        None if baseline_in_use => Some("new"),
        None => None,
    };
    let mut properties = Map::new();
    properties.insert("category".into(), json!(f.category.as_str()));
    properties.insert("severity".into(), json!(f.severity.as_str()));
    properties.insert("confidence".into(), json!(f.confidence.as_str()));
    if !f.tags.is_empty() {
        properties.insert("tags".into(), json!(f.tags));
    }
    if !f.cwe.is_empty() {
        properties.insert(
            "cwe".into(),
            json!(f.cwe.iter().map(|c| format!("CWE-{c}")).collect::<Vec<_>>()),
        );
    }
    if let Some(rem) = &f.remediation {
        properties.insert("remediation".into(), json!(rem));
    }
    if !f.references.is_empty() {
        properties.insert("references".into(), json!(f.references));
    }
    if !f.properties.is_empty() {
        properties.insert(
            "details".into(),
            Value::Object(
                f.properties
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
        );
    }
    let mut message = f.message.clone();
    if let Some(rem) = &f.remediation {
        message = format!("{message}\nFix: {rem}");
    }
    SarifResult {
        rule_id: f.rule_id.clone(),
        rule_index,
        level: f.severity.sarif_level(),
        message: msg(message),
        locations: location(&f.location, None).into_iter().collect(),
        partial_fingerprints,
        code_flows,
        fixes,
        suppressions,
        baseline_state,
        properties,
    }
}

fn notification(n: &portcullis_core::Notice) -> Notification {
    Notification {
        level: match n.level {
            NoticeLevel::Info => "note",
            NoticeLevel::Warning => "warning",
            NoticeLevel::Error => "error",
        },
        message: msg(n.message.clone()),
        locations: n
            .path
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| SarifLocation {
                physical_location: PhysicalLocation {
                    artifact_location: artifact(p),
                    region: None,
                },
                message: None,
            })
            .into_iter()
            .collect(),
    }
}

pub(crate) fn build(report: &ScanReport, options: &RenderOptions) -> SarifLog {
    // Rules: the report's metadata, in its order, then one synthesised descriptor for every
    // rule id that only appears on findings.
    let mut metas: Vec<RuleMeta> = report.rules.clone();
    let mut index: HashMap<String, usize> = HashMap::new();
    metas.retain(|m| {
        if index.contains_key(&m.id) {
            false
        } else {
            index.insert(m.id.clone(), index.len());
            true
        }
    });
    for f in &report.findings {
        if !index.contains_key(&f.rule_id) {
            index.insert(f.rule_id.clone(), metas.len());
            metas.push(synthesized_meta(f));
        }
    }
    let baseline_in_use = report.findings.iter().any(|f| f.baseline_state.is_some());
    // Most severe first, so a cut keeps what matters.
    let mut ordered: Vec<&Finding> = report.findings.iter().collect();
    ordered.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let results = ordered
        .iter()
        .take(MAX_RESULTS)
        .map(|f| {
            let i = index.get(&f.rule_id).copied().unwrap_or(0);
            result(f, i, baseline_in_use)
        })
        .collect();

    let mut notifications: Vec<Notification> = report.notices.iter().map(notification).collect();
    let db_status = portcullis_core::VulnDbStatus::of(report);
    if let Some(w) = db_status.as_ref().and_then(|s| s.warning()) {
        notifications.push(Notification {
            level: "warning",
            message: msg(w),
            locations: Vec::new(),
        });
    }
    if ordered.len() > MAX_RESULTS {
        notifications.push(Notification {
            level: "warning",
            message: msg(format!(
                "{} of {} findings omitted: SARIF consumers such as GitHub code scanning reject runs with more than {MAX_RESULTS} results; the least severe were dropped (the JSON report has all of them)",
                ordered.len() - MAX_RESULTS,
                ordered.len()
            )),
            locations: Vec::new(),
        });
    }
    let execution_successful = !report.notices.iter().any(|n| n.level == NoticeLevel::Error);

    let counts = report.active_counts();
    let mut properties = Map::new();
    properties.insert(
        "portcullis".into(),
        json!({
            "schemaVersion": report.schema_version,
            "decision": report.decision,
            "target": report.target,
            "extension": report.extension,
            "vulnerabilityDatabase": db_status,
            "activeCounts": Severity::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), json!(counts.get(s).copied().unwrap_or(0))))
                .collect::<Map<String, Value>>(),
        }),
    );

    let mut base_ids = BTreeMap::new();
    base_ids.insert(
        ROOT_BASE_ID,
        ArtifactLocationBase {
            description: msg(format!(
                "Root of the scanned extension package ({})",
                report.target.source
            )),
        },
    );

    SarifLog {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: report.tool.name.clone(),
                    version: report.tool.version.clone(),
                    semantic_version: Some(report.tool.version.clone()).filter(|v| is_semver(v)),
                    information_uri: options.information_uri.clone(),
                    rules: metas.iter().map(rule_descriptor).collect(),
                },
            },
            automation_details: AutomationDetails {
                id: format!(
                    "portcullis/{}/",
                    report
                        .extension
                        .as_ref()
                        .map_or(report.target.source.as_str(), |e| e.name.as_str())
                        .replace('/', "_")
                ),
            },
            invocations: vec![Invocation {
                execution_successful,
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: base_ids,
            results,
            column_kind: "unicodeCodePoints",
            properties,
        }],
    }
}

/// `MAJOR.MINOR.PATCH` with optional pre-release/build: what `semanticVersion` requires.
fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions() {
        assert_eq!(pascal_case("Command injection"), "CommandInjection");
        assert_eq!(pascal_case("AWS access-key id"), "AWSAccessKeyId");
        assert_eq!(
            first_paragraph("## What it does\n\nFlags  exec\nof input.\n\n## Why").as_deref(),
            Some("Flags exec of input.")
        );
        assert!(is_semver("0.1.0") && is_semver("1.2.3-rc.1") && !is_semver("1.2"));
    }

    #[test]
    fn regions_are_made_valid() {
        let r = region(
            Region {
                start_line: 3,
                start_column: 0,
                end_line: 2,
                end_column: 0,
            },
            None,
        )
        .unwrap();
        assert_eq!(
            (r.start_column, r.end_line, r.end_column),
            (Some(1), Some(3), Some(1))
        );
        assert!(region(Region::default(), None).is_none());
    }
}
