//! Reviews, environment promotion, quarantine / release / revoke, and the status lookup.
//!
//! Version states: `submitted` → (scan) → `in-review` | `rejected` | `scan-failed`;
//! `in-review` → (review) → `approved` | `changes-requested` | `rejected`.
//! Environment states per version: none → `allowed` (promote, in order dev → staging →
//! prod, no skipping) → `quarantined` (kill switch; `release` restores what was there) and
//! `revoked` (terminal, everywhere).

use crate::audit;
use crate::catalog::{VERSION_COLS, VersionRecord, row_version};
use crate::error::{RegistryError, Result, db};
use crate::store::{Store, WriteTx, now_ms};
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub const ENVIRONMENTS: &[&str] = &["dev", "staging", "prod"];
pub const VERDICTS: &[&str] = &["approve", "request-changes", "reject"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewRecord {
    pub id: i64,
    pub reviewer: String,
    pub verdict: String,
    pub comment: String,
    pub created_at: i64,
    /// For an approval: the registry's ed25519 signature over [`approval_message`].
    pub signature: Option<String>,
}

/// The bytes an approval signature covers: the exact artifact that was approved.
pub fn approval_message(v: &VersionRecord) -> Vec<u8> {
    format!(
        "portcullis-approval-v1\n{}/{}@{}\n{}",
        v.platform, v.name, v.version, v.artifact_sha256
    )
    .into_bytes()
}

/// What the platform asks before loading an extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum InstallStatus {
    Allowed,
    Quarantined,
    Revoked,
    Unknown,
}

impl InstallStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstallStatus::Allowed => "allowed",
            InstallStatus::Quarantined => "quarantined",
            InstallStatus::Revoked => "revoked",
            InstallStatus::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvState {
    pub env: String,
    pub state: String,
    pub reason: String,
    pub updated_by: String,
    pub updated_at: i64,
}

/// Changes to an environment state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvAction {
    Promote,
    Quarantine,
    Release,
    Revoke,
}

impl EnvAction {
    pub fn as_str(self) -> &'static str {
        match self {
            EnvAction::Promote => "promote",
            EnvAction::Quarantine => "quarantine",
            EnvAction::Release => "release",
            EnvAction::Revoke => "revoke",
        }
    }
}

fn check_env(env: &str) -> Result<()> {
    if ENVIRONMENTS.contains(&env) {
        Ok(())
    } else {
        Err(RegistryError::Invalid(format!(
            "unknown environment `{env}` (expected one of: {})",
            ENVIRONMENTS.join(", ")
        )))
    }
}

async fn version_tx(
    tx: &mut WriteTx,
    platform: &str,
    name: &str,
    version: &str,
) -> Result<VersionRecord> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VERSION_COLS} FROM versions v JOIN extensions e ON e.id = v.extension_id \
         WHERE e.platform = $1 AND e.name = $2 AND v.version = $3"
    )))
    .bind(platform)
    .bind(name)
    .bind(version)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db("reading a version"))?
    .ok_or_else(|| RegistryError::NotFound(format!("version {platform}/{name}@{version}")))?;
    row_version(&r)
}

async fn env_state_tx(
    tx: &mut WriteTx,
    version_id: i64,
    env: &str,
) -> Result<Option<(String, String)>> {
    let r =
        sqlx::query("SELECT state, prior_state FROM env_states WHERE version_id = $1 AND env = $2")
            .bind(version_id)
            .bind(env)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db("reading an environment state"))?;
    match r {
        Some(r) => Ok(Some((
            r.try_get("state")
                .map_err(db("reading an environment state"))?,
            r.try_get("prior_state")
                .map_err(db("reading an environment state"))?,
        ))),
        None => Ok(None),
    }
}

#[allow(clippy::too_many_arguments)]
async fn put_env_state(
    tx: &mut WriteTx,
    version_id: i64,
    env: &str,
    state: &str,
    prior: &str,
    reason: &str,
    actor: &str,
    exists: bool,
) -> Result<()> {
    let sql = if exists {
        "UPDATE env_states SET state = $3, prior_state = $4, reason = $5, updated_by = $6, updated_at = $7 WHERE version_id = $1 AND env = $2"
    } else {
        "INSERT INTO env_states (version_id, env, state, prior_state, reason, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    };
    sqlx::query(sql)
        .bind(version_id)
        .bind(env)
        .bind(state)
        .bind(prior)
        .bind(reason)
        .bind(actor)
        .bind(now_ms())
        .execute(&mut **tx)
        .await
        .map_err(db("writing an environment state"))?;
    Ok(())
}

impl Store {
    /// Records a review. An `approve` on an `in-review` version approves it and signs the
    /// approval (bound to the artifact digest). The submitter can never review their own
    /// version (enforced here as well as by policy).
    pub async fn add_review(
        &self,
        actor: &str,
        platform: &str,
        name: &str,
        version: &str,
        verdict: &str,
        comment: &str,
    ) -> Result<ReviewRecord> {
        if !VERDICTS.contains(&verdict) {
            return Err(RegistryError::Invalid(format!(
                "unknown verdict `{verdict}` (expected one of: {})",
                VERDICTS.join(", ")
            )));
        }
        if comment.len() > 20_000 {
            return Err(RegistryError::Invalid(
                "comment is longer than 20000 bytes".into(),
            ));
        }
        if verdict != "approve" && comment.trim().is_empty() {
            return Err(RegistryError::MissingFields(vec!["comment".into()]));
        }
        let mut tx = self.begin_write().await?;
        let v = version_tx(&mut tx, platform, name, version).await?;
        if v.submitted_by == actor {
            return Err(RegistryError::State(format!(
                "{actor} submitted {} and cannot review it (separation of duties)",
                v.key()
            )));
        }
        if v.state != "in-review" {
            return Err(RegistryError::State(format!(
                "{} is `{}`; only versions in review can be reviewed",
                v.key(),
                v.state
            )));
        }
        let next = match verdict {
            "approve" => "approved",
            "reject" => "rejected",
            _ => "changes-requested",
        };
        let signature = (verdict == "approve").then(|| self.signer.sign(&approval_message(&v)));
        let now = now_ms();
        let id: i64 = sqlx::query("INSERT INTO reviews (version_id, reviewer, verdict, comment, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(v.id)
            .bind(actor)
            .bind(verdict)
            .bind(comment)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(db("storing a review"))?
            .try_get("id")
            .map_err(db("storing a review"))?;
        sqlx::query("UPDATE versions SET state = $1 WHERE id = $2")
            .bind(next)
            .bind(v.id)
            .execute(&mut *tx)
            .await
            .map_err(db("moving a version on"))?;
        audit::append(
            &mut tx,
            actor,
            "review.record",
            &v.key(),
            serde_json::json!({"review": id, "verdict": verdict, "comment": comment, "state": next, "sha256": v.artifact_sha256, "signature": signature, "public_key": signature.as_ref().map(|_| self.signer.public_key_hex())}),
        )
        .await?;
        tx.commit("committing a review").await?;
        Ok(ReviewRecord {
            id,
            reviewer: actor.to_string(),
            verdict: verdict.to_string(),
            comment: comment.to_string(),
            created_at: now,
            signature,
        })
    }

    pub async fn list_reviews(&self, version_id: i64) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query("SELECT id, reviewer, verdict, comment, created_at FROM reviews WHERE version_id = $1 ORDER BY id")
            .bind(version_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing reviews"))?;
        rows.iter()
            .map(|r| {
                let g = |e| db("reading a review")(e);
                Ok(ReviewRecord {
                    id: r.try_get("id").map_err(g)?,
                    reviewer: r.try_get("reviewer").map_err(g)?,
                    verdict: r.try_get("verdict").map_err(g)?,
                    comment: r.try_get("comment").map_err(g)?,
                    created_at: r.try_get("created_at").map_err(g)?,
                    signature: None,
                })
            })
            .collect()
    }

    /// Promotes, quarantines, releases or revokes a version.
    ///
    /// `env = None` applies quarantine / release / revoke to every environment (the kill
    /// switch); promotion always names one. Promotion goes dev → staging → prod without
    /// skipping; staging and prod need an approved version. Release and revoke need a
    /// reason. Revoked is final.
    // One call per state change keeps the audit event and the change in one transaction;
    // the arguments are exactly what the API request carries.
    #[allow(clippy::too_many_arguments)]
    pub async fn change_env(
        &self,
        actor: &str,
        platform: &str,
        name: &str,
        version: &str,
        action: EnvAction,
        env: Option<&str>,
        reason: &str,
    ) -> Result<Vec<EnvState>> {
        if let Some(e) = env {
            check_env(e)?;
        }
        if reason.len() > 10_000 {
            return Err(RegistryError::Invalid(
                "reason is longer than 10000 bytes".into(),
            ));
        }
        if matches!(
            action,
            EnvAction::Release | EnvAction::Revoke | EnvAction::Quarantine
        ) && reason.trim().is_empty()
        {
            return Err(RegistryError::MissingFields(vec!["reason".into()]));
        }
        let envs: Vec<&str> = match (action, env) {
            (EnvAction::Promote, None) => {
                return Err(RegistryError::MissingFields(vec!["env".into()]));
            }
            (_, Some(e)) => vec![e],
            (_, None) => ENVIRONMENTS.to_vec(),
        };
        let mut tx = self.begin_write().await?;
        let v = version_tx(&mut tx, platform, name, version).await?;
        let mut changed = Vec::new();
        for e in &envs {
            let current = env_state_tx(&mut tx, v.id, e).await?;
            let cur = current.as_ref().map(|(s, _)| s.as_str());
            let (state, prior) = match action {
                EnvAction::Promote => {
                    if cur == Some("revoked") || cur == Some("quarantined") {
                        return Err(RegistryError::State(format!(
                            "{} is {} in {e}; release it first",
                            v.key(),
                            cur.unwrap_or_default()
                        )));
                    }
                    if cur == Some("allowed") {
                        return Err(RegistryError::Conflict(format!(
                            "{} is already allowed in {e}",
                            v.key()
                        )));
                    }
                    let ok_state = if *e == "dev" {
                        ["in-review", "approved"].contains(&v.state.as_str())
                    } else {
                        v.state == "approved"
                    };
                    if !ok_state {
                        return Err(RegistryError::State(format!(
                            "{} is `{}`; {e} needs {}",
                            v.key(),
                            v.state,
                            if *e == "dev" {
                                "a scanned version that was not rejected"
                            } else {
                                "an approved version"
                            }
                        )));
                    }
                    let before = match *e {
                        "staging" => Some("dev"),
                        "prod" => Some("staging"),
                        _ => None,
                    };
                    if let Some(b) = before
                        && env_state_tx(&mut tx, v.id, b)
                            .await?
                            .map(|(s, _)| s)
                            .as_deref()
                            != Some("allowed")
                    {
                        return Err(RegistryError::State(format!(
                            "{} must be allowed in {b} before {e} (no skipping stages)",
                            v.key()
                        )));
                    }
                    ("allowed", "none".to_string())
                }
                EnvAction::Quarantine => match current.clone() {
                    Some((s, _)) if s == "revoked" => continue,
                    Some((s, _)) if s == "quarantined" => continue,
                    Some((s, _)) => ("quarantined", s),
                    None => ("quarantined", "none".to_string()),
                },
                EnvAction::Release => match current.clone() {
                    Some((s, prior)) if s == "quarantined" => {
                        if prior == "allowed" {
                            ("allowed", "none".to_string())
                        } else {
                            ("none", "none".to_string())
                        }
                    }
                    _ if env.is_none() => continue,
                    _ => {
                        return Err(RegistryError::State(format!(
                            "{} is not quarantined in {e}",
                            v.key()
                        )));
                    }
                },
                EnvAction::Revoke => match cur {
                    Some("revoked") => continue,
                    _ => ("revoked", cur.unwrap_or("none").to_string()),
                },
            };
            if state == "none" {
                sqlx::query("DELETE FROM env_states WHERE version_id = $1 AND env = $2")
                    .bind(v.id)
                    .bind(*e)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("clearing an environment state"))?;
            } else {
                put_env_state(
                    &mut tx,
                    v.id,
                    e,
                    state,
                    &prior,
                    reason,
                    actor,
                    current.is_some(),
                )
                .await?;
            }
            changed.push(EnvState {
                env: e.to_string(),
                state: if state == "none" {
                    "unknown".into()
                } else {
                    state.into()
                },
                reason: reason.to_string(),
                updated_by: actor.to_string(),
                updated_at: now_ms(),
            });
        }
        if changed.is_empty() {
            return Err(RegistryError::Conflict(format!(
                "{}: nothing to {}",
                v.key(),
                action.as_str()
            )));
        }
        audit::append(
            &mut tx,
            actor,
            &format!("version.{}", action.as_str()),
            &v.key(),
            serde_json::json!({"envs": changed.iter().map(|c| serde_json::json!({"env": c.env, "state": c.state})).collect::<Vec<_>>(), "reason": reason}),
        )
        .await?;
        tx.commit("committing an environment change").await?;
        Ok(changed)
    }

    pub async fn env_states(&self, version_id: i64) -> Result<Vec<EnvState>> {
        let rows = sqlx::query("SELECT env, state, reason, updated_by, updated_at FROM env_states WHERE version_id = $1 ORDER BY env")
            .bind(version_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing environment states"))?;
        rows.iter()
            .map(|r| {
                let g = |e| db("reading an environment state")(e);
                Ok(EnvState {
                    env: r.try_get("env").map_err(g)?,
                    state: r.try_get("state").map_err(g)?,
                    reason: r.try_get("reason").map_err(g)?,
                    updated_by: r.try_get("updated_by").map_err(g)?,
                    updated_at: r.try_get("updated_at").map_err(g)?,
                })
            })
            .collect()
    }

    /// May `platform/name@version` be loaded in `env`? One indexed lookup, its answer kept
    /// for `cache_ttl_ms` (default 1 s): a quarantine committed by this process is seen on
    /// the next request, one committed by another `serve` process within the TTL.
    /// A retired extension answers `revoked` for all its versions.
    pub async fn status(
        &self,
        platform: &str,
        name: &str,
        version: &str,
        env: &str,
    ) -> Result<InstallStatus> {
        check_env(env)?;
        // Length-prefixed parts: no two different requests share a key, whatever they contain.
        let key = format!(
            "{}:{platform}{}:{name}{}:{version}{env}",
            platform.len(),
            name.len(),
            version.len()
        );
        if let Some(hit) = self.cache.status(&key) {
            return Ok(hit);
        }
        let ticket = self.cache.ticket();
        let status = self.status_uncached(platform, name, version, env).await?;
        self.cache.put_status(key, ticket, status);
        Ok(status)
    }

    async fn status_uncached(
        &self,
        platform: &str,
        name: &str,
        version: &str,
        env: &str,
    ) -> Result<InstallStatus> {
        let r = sqlx::query(
            "SELECT e.lifecycle, s.state FROM extensions e JOIN versions v ON v.extension_id = e.id \
             LEFT JOIN env_states s ON s.version_id = v.id AND s.env = $4 \
             WHERE e.platform = $1 AND e.name = $2 AND v.version = $3",
        )
        .bind(platform.to_string())
        .bind(name.to_string())
        .bind(version.to_string())
        .bind(env.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db("looking up install status"))?;
        let Some(r) = r else {
            return Ok(InstallStatus::Unknown);
        };
        let lifecycle: String = r
            .try_get("lifecycle")
            .map_err(db("looking up install status"))?;
        let state: Option<String> = r
            .try_get("state")
            .map_err(db("looking up install status"))?;
        if lifecycle == "retired" {
            return Ok(InstallStatus::Revoked);
        }
        Ok(match state.as_deref() {
            Some("allowed") => InstallStatus::Allowed,
            Some("quarantined") => InstallStatus::Quarantined,
            Some("revoked") => InstallStatus::Revoked,
            _ => InstallStatus::Unknown,
        })
    }
}
