//! The catalog: extensions, their versions, and the trusted sources / approved types.

use crate::audit;
use crate::auth::validate_name;
use crate::error::{RegistryError, Result, corrupt, db};
use crate::store::{Store, WriteTx, now_ms};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Platforms the registry accepts (the `Platform` names in core).
pub const PLATFORMS: &[&str] = &[
    "n8n",
    "node-red",
    "forge",
    "power-apps-pcf",
    "grafana",
    "generic",
    "npm",
];

pub const LIFECYCLES: &[&str] = &["active", "deprecated", "retired"];
pub const RISK_RATINGS: &[&str] = &["low", "medium", "high", "critical"];
/// Data classes an extension may touch.
pub const DATA_CLASSES: &[&str] = &[
    "none",
    "pii",
    "credentials",
    "financial",
    "health",
    "internal",
    "public",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtensionRecord {
    pub id: i64,
    pub platform: String,
    pub name: String,
    pub owner_team: String,
    pub maintainers: Vec<String>,
    pub description: String,
    pub data_classes: Vec<String>,
    /// Rating computed from the latest scan (capabilities and findings).
    pub risk_computed: Option<String>,
    /// A steward's override, with its justification.
    pub risk_override: Option<String>,
    pub risk_justification: Option<String>,
    pub compatibility_notes: String,
    pub lifecycle: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ExtensionRecord {
    /// The rating that applies: the override if any, else the computed one.
    pub fn risk(&self) -> Option<&str> {
        self.risk_override
            .as_deref()
            .or(self.risk_computed.as_deref())
    }

    pub fn key(&self) -> String {
        format!("{}/{}", self.platform, self.name)
    }
}

/// Fields to create an extension with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewExtension {
    pub platform: String,
    pub name: String,
    pub owner_team: String,
    #[serde(default)]
    pub maintainers: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub data_classes: Vec<String>,
    #[serde(default)]
    pub compatibility_notes: String,
}

/// Fields to change; `None` leaves a field alone. Risk overrides go through
/// [`Store::override_risk`] because they need a justification.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtensionPatch {
    pub owner_team: Option<String>,
    pub maintainers: Option<Vec<String>>,
    pub description: Option<String>,
    pub data_classes: Option<Vec<String>>,
    pub compatibility_notes: Option<String>,
    pub lifecycle: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionRecord {
    pub id: i64,
    pub platform: String,
    pub name: String,
    pub version: String,
    pub artifact_sha256: String,
    /// submitted | scanning | in-review | approved | rejected | changes-requested
    pub state: String,
    pub submitted_by: String,
    pub created_at: i64,
}

impl VersionRecord {
    pub fn key(&self) -> String {
        format!("{}/{}@{}", self.platform, self.name, self.version)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrustedSource {
    pub id: i64,
    pub platform: String,
    /// `platform` (the extension type itself is approved), `npm-scope` (`@acme`) or
    /// `git-host` (`github.com/acme`).
    pub kind: String,
    pub pattern: String,
    pub note: String,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTrustedSource {
    pub platform: String,
    pub kind: String,
    pub pattern: String,
    #[serde(default)]
    pub note: String,
}

pub(crate) fn check_platform(p: &str) -> Result<()> {
    if PLATFORMS.contains(&p) {
        Ok(())
    } else {
        Err(RegistryError::Invalid(format!(
            "unknown platform `{p}` (expected one of: {})",
            PLATFORMS.join(", ")
        )))
    }
}

/// npm-style names: at most 214 bytes, lowercase, `@scope/name` allowed, no path tricks.
pub(crate) fn check_extension_name(name: &str) -> Result<()> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-._~".contains(c);
    let bad = || {
        RegistryError::Invalid(format!(
            "`{name}` is not a valid extension name (npm rules: lowercase, digits, - . _ ~, optional @scope/)"
        ))
    };
    if name.is_empty() || name.len() > 214 {
        return Err(bad());
    }
    let body = match name.strip_prefix('@') {
        Some(rest) => {
            let (scope, pkg) = rest.split_once('/').ok_or_else(bad)?;
            if scope.is_empty() || !scope.chars().all(ok_char) {
                return Err(bad());
            }
            pkg
        }
        None => name,
    };
    if body.is_empty()
        || body.starts_with('.')
        || body.starts_with('_')
        || !body.chars().all(ok_char)
    {
        return Err(bad());
    }
    Ok(())
}

fn check_list(what: &str, items: &[String], allowed: Option<&[&str]>) -> Result<()> {
    if items.len() > 100 {
        return Err(RegistryError::Invalid(format!("too many {what} (max 100)")));
    }
    for i in items {
        validate_name(what, i, 200)?;
        if let Some(allowed) = allowed
            && !allowed.contains(&i.as_str())
        {
            return Err(RegistryError::Invalid(format!(
                "unknown {what} `{i}` (expected one of: {})",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

fn check_text(what: &str, s: &str, max: usize) -> Result<()> {
    if s.len() > max {
        return Err(RegistryError::Invalid(format!(
            "{what} is longer than {max} bytes"
        )));
    }
    Ok(())
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

const EXT_COLS: &str = "id, platform, name, owner_team, maintainers, description, data_classes, risk_computed, \
    risk_override, risk_justification, compatibility_notes, lifecycle, created_at, updated_at";

fn row_ext(r: &sqlx::any::AnyRow) -> Result<ExtensionRecord> {
    let g = |e| db("reading an extension")(e);
    let maintainers: String = r.try_get("maintainers").map_err(g)?;
    let data_classes: String = r.try_get("data_classes").map_err(g)?;
    Ok(ExtensionRecord {
        id: r.try_get("id").map_err(g)?,
        platform: r.try_get("platform").map_err(g)?,
        name: r.try_get("name").map_err(g)?,
        owner_team: r.try_get("owner_team").map_err(g)?,
        maintainers: serde_json::from_str(&maintainers)
            .map_err(|e| corrupt("extension maintainers", e))?,
        description: r.try_get("description").map_err(g)?,
        data_classes: serde_json::from_str(&data_classes)
            .map_err(|e| corrupt("extension data classes", e))?,
        risk_computed: r.try_get("risk_computed").map_err(g)?,
        risk_override: r.try_get("risk_override").map_err(g)?,
        risk_justification: r.try_get("risk_justification").map_err(g)?,
        compatibility_notes: r.try_get("compatibility_notes").map_err(g)?,
        lifecycle: r.try_get("lifecycle").map_err(g)?,
        created_at: r.try_get("created_at").map_err(g)?,
        updated_at: r.try_get("updated_at").map_err(g)?,
    })
}

pub(crate) const VERSION_COLS: &str =
    "v.id, e.platform, e.name, v.version, v.artifact_sha256, v.state, v.submitted_by, v.created_at";

pub(crate) fn row_version(r: &sqlx::any::AnyRow) -> Result<VersionRecord> {
    let g = |e| db("reading a version")(e);
    Ok(VersionRecord {
        id: r.try_get("id").map_err(g)?,
        platform: r.try_get("platform").map_err(g)?,
        name: r.try_get("name").map_err(g)?,
        version: r.try_get("version").map_err(g)?,
        artifact_sha256: r.try_get("artifact_sha256").map_err(g)?,
        state: r.try_get("state").map_err(g)?,
        submitted_by: r.try_get("submitted_by").map_err(g)?,
        created_at: r.try_get("created_at").map_err(g)?,
    })
}

fn row_source(r: &sqlx::any::AnyRow) -> Result<TrustedSource> {
    let g = |e| db("reading a trusted source")(e);
    Ok(TrustedSource {
        id: r.try_get("id").map_err(g)?,
        platform: r.try_get("platform").map_err(g)?,
        kind: r.try_get("kind").map_err(g)?,
        pattern: r.try_get("pattern").map_err(g)?,
        note: r.try_get("note").map_err(g)?,
        created_by: r.try_get("created_by").map_err(g)?,
        created_at: r.try_get("created_at").map_err(g)?,
    })
}

pub(crate) fn validate_new_extension(n: &NewExtension) -> Result<()> {
    check_platform(&n.platform)?;
    check_extension_name(&n.name)?;
    validate_name("owner team", &n.owner_team, 200)?;
    check_list("maintainer", &n.maintainers, None)?;
    check_list("data class", &n.data_classes, Some(DATA_CLASSES))?;
    check_text("description", &n.description, 10_000)?;
    check_text("compatibility notes", &n.compatibility_notes, 10_000)?;
    Ok(())
}

/// Inserts an extension inside an open write transaction.
pub(crate) async fn insert_extension(
    tx: &mut WriteTx,
    actor: &str,
    n: &NewExtension,
) -> Result<ExtensionRecord> {
    validate_new_extension(n)?;
    let now = now_ms();
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO extensions (platform, name, owner_team, maintainers, description, data_classes, risk_computed, \
         risk_override, risk_justification, compatibility_notes, lifecycle, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL, $7, 'active', $8, $8) RETURNING {EXT_COLS}"
    )))
    .bind(&n.platform)
    .bind(&n.name)
    .bind(&n.owner_team)
    .bind(json_list(&n.maintainers))
    .bind(&n.description)
    .bind(json_list(&n.data_classes))
    .bind(&n.compatibility_notes)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(db("creating an extension"))?;
    let e = row_ext(&r)?;
    audit::append(
        tx,
        actor,
        "extension.create",
        &e.key(),
        serde_json::json!({"owner_team": e.owner_team, "data_classes": e.data_classes, "maintainers": e.maintainers}),
    )
    .await?;
    Ok(e)
}

pub(crate) async fn find_extension_tx(
    tx: &mut WriteTx,
    platform: &str,
    name: &str,
) -> Result<Option<ExtensionRecord>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {EXT_COLS} FROM extensions WHERE platform = $1 AND name = $2"
    )))
    .bind(platform)
    .bind(name)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db("reading an extension"))?;
    r.as_ref().map(row_ext).transpose()
}

impl Store {
    pub async fn create_extension(&self, actor: &str, n: &NewExtension) -> Result<ExtensionRecord> {
        validate_new_extension(n)?;
        let mut tx = self.begin_write().await?;
        if find_extension_tx(&mut tx, &n.platform, &n.name)
            .await?
            .is_some()
        {
            return Err(RegistryError::Conflict(format!(
                "extension {}/{} already exists",
                n.platform, n.name
            )));
        }
        let e = insert_extension(&mut tx, actor, n).await?;
        tx.commit("committing an extension").await?;
        Ok(e)
    }

    pub async fn get_extension(&self, platform: &str, name: &str) -> Result<ExtensionRecord> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EXT_COLS} FROM extensions WHERE platform = $1 AND name = $2"
        )))
        .bind(platform.to_string())
        .bind(name.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db("reading an extension"))?
        .ok_or_else(|| RegistryError::NotFound(format!("extension {platform}/{name}")))?;
        row_ext(&r)
    }

    /// Extensions in name order; `owner_team` filters to one team.
    pub async fn list_extensions(&self, owner_team: Option<&str>) -> Result<Vec<ExtensionRecord>> {
        let rows = match owner_team {
            Some(t) => sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {EXT_COLS} FROM extensions WHERE owner_team = $1 ORDER BY platform, name LIMIT 10000")))
                .bind(t.to_string())
                .fetch_all(&self.pool)
                .await,
            None => sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {EXT_COLS} FROM extensions ORDER BY platform, name LIMIT 10000")))
                .fetch_all(&self.pool)
                .await,
        }
        .map_err(db("listing extensions"))?;
        rows.iter().map(row_ext).collect()
    }

    pub async fn update_extension(
        &self,
        actor: &str,
        platform: &str,
        name: &str,
        patch: &ExtensionPatch,
    ) -> Result<ExtensionRecord> {
        if let Some(t) = &patch.owner_team {
            validate_name("owner team", t, 200)?;
        }
        if let Some(m) = &patch.maintainers {
            check_list("maintainer", m, None)?;
        }
        if let Some(d) = &patch.data_classes {
            check_list("data class", d, Some(DATA_CLASSES))?;
        }
        if let Some(d) = &patch.description {
            check_text("description", d, 10_000)?;
        }
        if let Some(c) = &patch.compatibility_notes {
            check_text("compatibility notes", c, 10_000)?;
        }
        if let Some(l) = &patch.lifecycle
            && !LIFECYCLES.contains(&l.as_str())
        {
            return Err(RegistryError::Invalid(format!(
                "unknown lifecycle `{l}` (expected one of: {})",
                LIFECYCLES.join(", ")
            )));
        }
        let mut tx = self.begin_write().await?;
        let mut e = find_extension_tx(&mut tx, platform, name)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("extension {platform}/{name}")))?;
        if let Some(l) = &patch.lifecycle
            && e.lifecycle == "retired"
            && l != "retired"
        {
            return Err(RegistryError::State(format!(
                "{} is retired; a retired extension stays retired",
                e.key()
            )));
        }
        let before = serde_json::to_value(&e).map_err(|er| corrupt("extension", er))?;
        if let Some(v) = &patch.owner_team {
            e.owner_team = v.clone();
        }
        if let Some(v) = &patch.maintainers {
            e.maintainers = v.clone();
        }
        if let Some(v) = &patch.description {
            e.description = v.clone();
        }
        if let Some(v) = &patch.data_classes {
            e.data_classes = v.clone();
        }
        if let Some(v) = &patch.compatibility_notes {
            e.compatibility_notes = v.clone();
        }
        if let Some(v) = &patch.lifecycle {
            e.lifecycle = v.clone();
        }
        e.updated_at = now_ms();
        sqlx::query(
            "UPDATE extensions SET owner_team = $1, maintainers = $2, description = $3, data_classes = $4, \
             compatibility_notes = $5, lifecycle = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(&e.owner_team)
        .bind(json_list(&e.maintainers))
        .bind(&e.description)
        .bind(json_list(&e.data_classes))
        .bind(&e.compatibility_notes)
        .bind(&e.lifecycle)
        .bind(e.updated_at)
        .bind(e.id)
        .execute(&mut *tx)
        .await
        .map_err(db("updating an extension"))?;
        let after = serde_json::to_value(&e).map_err(|er| corrupt("extension", er))?;
        audit::append(
            &mut tx,
            actor,
            "extension.update",
            &e.key(),
            serde_json::json!({"before": before, "after": after}),
        )
        .await?;
        tx.commit("committing an extension update").await?;
        Ok(e)
    }

    /// A steward's risk override; `rating = None` clears it. A justification is required.
    pub async fn override_risk(
        &self,
        actor: &str,
        platform: &str,
        name: &str,
        rating: Option<&str>,
        justification: &str,
    ) -> Result<ExtensionRecord> {
        if let Some(r) = rating
            && !RISK_RATINGS.contains(&r)
        {
            return Err(RegistryError::Invalid(format!(
                "unknown risk rating `{r}` (expected one of: {})",
                RISK_RATINGS.join(", ")
            )));
        }
        if justification.trim().is_empty() {
            return Err(RegistryError::MissingFields(vec!["justification".into()]));
        }
        check_text("justification", justification, 10_000)?;
        let mut tx = self.begin_write().await?;
        let mut e = find_extension_tx(&mut tx, platform, name)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("extension {platform}/{name}")))?;
        let before = e.risk_override.clone();
        e.risk_override = rating.map(str::to_string);
        e.risk_justification = Some(justification.to_string());
        e.updated_at = now_ms();
        sqlx::query("UPDATE extensions SET risk_override = $1, risk_justification = $2, updated_at = $3 WHERE id = $4")
            .bind(e.risk_override.clone())
            .bind(justification)
            .bind(e.updated_at)
            .bind(e.id)
            .execute(&mut *tx)
            .await
            .map_err(db("overriding a risk rating"))?;
        audit::append(
            &mut tx,
            actor,
            "extension.risk-override",
            &e.key(),
            serde_json::json!({"before": before, "after": e.risk_override, "computed": e.risk_computed, "justification": justification}),
        )
        .await?;
        tx.commit("committing a risk override").await?;
        Ok(e)
    }

    pub async fn list_versions(&self, platform: &str, name: &str) -> Result<Vec<VersionRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS} FROM versions v JOIN extensions e ON e.id = v.extension_id \
             WHERE e.platform = $1 AND e.name = $2 ORDER BY v.id LIMIT 10000"
        )))
        .bind(platform.to_string())
        .bind(name.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db("listing versions"))?;
        rows.iter().map(row_version).collect()
    }

    pub async fn get_version(
        &self,
        platform: &str,
        name: &str,
        version: &str,
    ) -> Result<VersionRecord> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS} FROM versions v JOIN extensions e ON e.id = v.extension_id \
             WHERE e.platform = $1 AND e.name = $2 AND v.version = $3"
        )))
        .bind(platform.to_string())
        .bind(name.to_string())
        .bind(version.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db("reading a version"))?
        .ok_or_else(|| RegistryError::NotFound(format!("version {platform}/{name}@{version}")))?;
        row_version(&r)
    }

    pub async fn add_trusted_source(
        &self,
        actor: &str,
        n: &NewTrustedSource,
    ) -> Result<TrustedSource> {
        check_platform(&n.platform)?;
        if !["platform", "npm-scope", "git-host"].contains(&n.kind.as_str()) {
            return Err(RegistryError::Invalid(format!(
                "unknown trusted-source kind `{}` (expected platform, npm-scope or git-host)",
                n.kind
            )));
        }
        validate_name("pattern", &n.pattern, 300)?;
        if n.kind == "npm-scope" && (!n.pattern.starts_with('@') || n.pattern.contains('/')) {
            return Err(RegistryError::Invalid(format!(
                "npm-scope pattern `{}` must look like `@scope`",
                n.pattern
            )));
        }
        check_text("note", &n.note, 2000)?;
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "INSERT INTO trusted_sources (platform, kind, pattern, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id, platform, kind, pattern, note, created_by, created_at",
        )
        .bind(&n.platform)
        .bind(&n.kind)
        .bind(&n.pattern)
        .bind(&n.note)
        .bind(actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(db("adding a trusted source"))?;
        let s = row_source(&r)?;
        audit::append(
            &mut tx,
            actor,
            "trusted-source.add",
            &format!("trusted-source:{}", s.id),
            serde_json::json!({"platform": s.platform, "kind": s.kind, "pattern": s.pattern}),
        )
        .await?;
        tx.commit("committing a trusted source").await?;
        Ok(s)
    }

    pub async fn remove_trusted_source(&self, actor: &str, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("DELETE FROM trusted_sources WHERE id = $1 RETURNING id, platform, kind, pattern, note, created_by, created_at")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("removing a trusted source"))?
            .ok_or_else(|| RegistryError::NotFound(format!("trusted source {id}")))?;
        let s = row_source(&r)?;
        audit::append(
            &mut tx,
            actor,
            "trusted-source.remove",
            &format!("trusted-source:{id}"),
            serde_json::json!({"platform": s.platform, "kind": s.kind, "pattern": s.pattern}),
        )
        .await?;
        tx.commit("committing a trusted source removal").await?;
        Ok(())
    }

    pub async fn list_trusted_sources(&self) -> Result<Vec<TrustedSource>> {
        let rows = sqlx::query("SELECT id, platform, kind, pattern, note, created_by, created_at FROM trusted_sources ORDER BY platform, kind, pattern")
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing trusted sources"))?;
        rows.iter().map(row_source).collect()
    }

    /// Whether `platform` is an approved extension type and, for a scoped npm name, its
    /// scope is trusted. Unscoped names on an approved platform need the platform entry only.
    /// The gate uses the answer as an input (an untrusted source is quarantined or rejected).
    pub async fn is_trusted(&self, platform: &str, name: &str) -> Result<bool> {
        let sources = self.list_trusted_sources().await?;
        let platform_ok = sources
            .iter()
            .any(|s| s.platform == platform && s.kind == "platform");
        if !platform_ok {
            return Ok(false);
        }
        match name.strip_prefix('@').and_then(|r| r.split_once('/')) {
            Some((scope, _)) => {
                let scope = format!("@{scope}");
                Ok(sources
                    .iter()
                    .any(|s| s.platform == platform && s.kind == "npm-scope" && s.pattern == scope))
            }
            None => Ok(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_names_follow_npm_rules() {
        for ok in [
            "n8n-nodes-acme",
            "@acme/n8n-nodes-crm",
            "node-red-contrib-foo",
            "a.b_c~d",
        ] {
            assert!(check_extension_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../etc",
            "Upper",
            "@scope",
            "@/x",
            ".hidden",
            "a/b",
            "with space",
            &"x".repeat(215),
        ] {
            assert!(check_extension_name(bad).is_err(), "{bad}");
        }
    }
}
