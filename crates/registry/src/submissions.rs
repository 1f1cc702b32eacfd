//! Submissions and the scan job queue.
//!
//! A submission stores the artifact, creates the (immutable) version, records the template
//! metadata and queues a scan job — all in one transaction, so either everything exists or
//! nothing does. Workers [`Store::claim_job`] with a lease; a worker that dies leaves its
//! job `running` with an expired lease, and the next claim takes it again (until
//! `max_attempts`). Results are stored by [`Store::complete_job`] in one transaction that
//! also checks the worker still holds the lease, so a slow worker whose job was re-queued
//! cannot overwrite the newer attempt.

use crate::audit;
use crate::catalog::{
    self, NewExtension, VERSION_COLS, VersionRecord, check_extension_name, check_platform,
    row_version,
};
use crate::error::{RegistryError, Result, corrupt, db};
use crate::store::{Backend, Store, now_ms};
use portcullis_core::{Decision, Finding, Outcome};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;

/// Attempts before a scan job is marked failed.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 3;
/// Findings stored per version at most (a hostile package could produce millions).
pub const MAX_FINDINGS_PER_VERSION: usize = 5000;

/// The submission template. Everything but `maintainers` and `description` is required;
/// `external_services` may be an empty list but must be given (saying "none" is a
/// statement the reviewer relies on).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmissionMetadata {
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    /// Owning team.
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub data_classes: Option<Vec<String>>,
    #[serde(default)]
    pub external_services: Option<Vec<String>>,
    /// The submitter's own rating: low | medium | high | critical.
    #[serde(default)]
    pub risk_self_assessment: Option<String>,
    /// How it was tested (link or text).
    #[serde(default)]
    pub test_evidence: Option<String>,
    #[serde(default)]
    pub maintainers: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

impl SubmissionMetadata {
    /// Names of required fields that are absent or blank, in template order.
    pub fn missing(&self) -> Vec<String> {
        let mut m = Vec::new();
        for (name, v) in [
            ("platform", &self.platform),
            ("name", &self.name),
            ("version", &self.version),
            ("owner", &self.owner),
            ("purpose", &self.purpose),
        ] {
            if blank(v) {
                m.push(name.to_string());
            }
        }
        if self.data_classes.as_ref().is_none_or(|d| d.is_empty()) {
            m.push("data_classes".into());
        }
        if self.external_services.is_none() {
            m.push("external_services".into());
        }
        if blank(&self.risk_self_assessment) {
            m.push("risk_self_assessment".into());
        }
        if blank(&self.test_evidence) {
            m.push("test_evidence".into());
        }
        m
    }

    /// Checks completeness and then each value.
    pub fn validate(&self) -> Result<()> {
        let missing = self.missing();
        if !missing.is_empty() {
            return Err(RegistryError::MissingFields(missing));
        }
        check_platform(self.platform.as_deref().unwrap_or_default())?;
        check_extension_name(self.name.as_deref().unwrap_or_default())?;
        let v = self.version.as_deref().unwrap_or_default();
        semver::Version::parse(v)
            .map_err(|e| RegistryError::Invalid(format!("version `{v}` is not semver: {e}")))?;
        if v.len() > 128 {
            return Err(RegistryError::Invalid(
                "version is longer than 128 bytes".into(),
            ));
        }
        let r = self.risk_self_assessment.as_deref().unwrap_or_default();
        if !catalog::RISK_RATINGS.contains(&r) {
            return Err(RegistryError::Invalid(format!(
                "risk_self_assessment `{r}` must be one of: {}",
                catalog::RISK_RATINGS.join(", ")
            )));
        }
        for (what, s, max) in [
            ("purpose", &self.purpose, 10_000),
            ("test_evidence", &self.test_evidence, 10_000),
            ("description", &self.description, 10_000),
        ] {
            if s.as_deref().is_some_and(|s| s.len() > max) {
                return Err(RegistryError::Invalid(format!(
                    "{what} is longer than {max} bytes"
                )));
            }
        }
        let services = self.external_services.as_deref().unwrap_or_default();
        if services.len() > 100 || services.iter().any(|s| s.is_empty() || s.len() > 300) {
            return Err(RegistryError::Invalid(
                "external_services: at most 100 entries of 1..=300 bytes".into(),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmissionRecord {
    pub id: i64,
    pub version: VersionRecord,
    pub submitter: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: serde_json::Value,
    /// queued | done | failed
    pub state: String,
    pub created_at: i64,
    pub job_id: i64,
    /// Why the last scan attempt failed (a failed submission says why; a crash names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Submission states (`SubmissionRecord::state`).
pub const SUBMISSION_STATES: &[&str] = &["queued", "done", "failed"];

/// Largest page [`Store::find_submissions`] returns.
pub const MAX_PAGE: u32 = 200;

/// What [`Store::find_submissions`] returns: every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionFilter {
    pub platform: Option<String>,
    pub name: Option<String>,
    /// `queued`, `done` or `failed`.
    pub state: Option<String>,
    /// Only submissions with a smaller id (the previous page's last id).
    pub before: Option<i64>,
    /// Page size, 1..=[`MAX_PAGE`].
    pub limit: u32,
}

/// Follows [`VERSION_COLS`] in a submission query.
const SUBMISSION_COLS: &str = "s.id AS sid, s.submitter, s.metadata, s.state AS sstate, s.created_at AS screated, \
     (SELECT MAX(j.id) FROM scan_jobs j WHERE j.submission_id = s.id) AS job_id, \
     (SELECT j.last_error FROM scan_jobs j WHERE j.submission_id = s.id ORDER BY j.id DESC LIMIT 1) AS job_error \
     FROM submissions s JOIN versions v ON v.id = s.version_id JOIN extensions e ON e.id = v.extension_id";

fn row_submission(r: &sqlx::any::AnyRow) -> Result<SubmissionRecord> {
    let g = |e| db("reading a submission")(e);
    let meta: String = r.try_get("metadata").map_err(g)?;
    Ok(SubmissionRecord {
        id: r.try_get("sid").map_err(g)?,
        version: row_version(r)?,
        submitter: r.try_get("submitter").map_err(g)?,
        metadata: serde_json::from_str(&meta).map_err(|e| corrupt("submission metadata", e))?,
        state: r.try_get("sstate").map_err(g)?,
        created_at: r.try_get("screated").map_err(g)?,
        job_id: r
            .try_get::<Option<i64>, _>("job_id")
            .map_err(g)?
            .unwrap_or(0),
        error: r.try_get("job_error").map_err(g)?,
    })
}

/// A job handed to a worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanJob {
    pub id: i64,
    pub submission_id: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub version: VersionRecord,
}

/// What a worker hands back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanResult {
    pub findings: Vec<Finding>,
    pub decision: Decision,
    /// What the gate saw: counts by severity/category, capability diff, trusted-source
    /// check, data classes.
    pub inputs: serde_json::Value,
    /// Risk rating computed from capabilities and findings.
    pub risk: Option<String>,
    /// Who decided (`gate:<policy-set-version>`).
    pub decided_by: String,
    /// Documents stored with the decision, by kind ([`DOC_CAPABILITY_MANIFEST`],
    /// [`DOC_SBOM`]): JSON values, replaced by the version's next scan.
    #[serde(default)]
    pub documents: BTreeMap<String, serde_json::Value>,
}

/// The version's capability manifest (`portcullis capabilities --format json`).
pub const DOC_CAPABILITY_MANIFEST: &str = "capability-manifest";
/// The version's SBOM (CycloneDX JSON).
pub const DOC_SBOM: &str = "sbom";
/// Documents larger than this are not stored (a hostile package can name many components).
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingRecord {
    pub fingerprint: String,
    pub rule_id: String,
    pub severity: String,
    pub category: String,
    pub message: String,
    pub path: String,
    pub line: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub finding: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRecord {
    pub id: i64,
    pub outcome: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub reasons: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub inputs: serde_json::Value,
    pub decided_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRecord {
    pub id: i64,
    pub submission_id: i64,
    pub state: String,
    pub attempts: i64,
    pub max_attempts: i64,
    /// `running`: when the worker's lease ends; `queued` after a failed attempt: the
    /// earliest time it is retried (backoff).
    pub lease_until: Option<i64>,
    pub worker: Option<String>,
    pub last_error: Option<String>,
}

fn json_text<T: Serialize>(what: &str, v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| corrupt(what, e))
}

impl Store {
    /// Stores a submission: artifact, version (created immutable), metadata and a queued
    /// scan job, atomically. The extension is created on first submission with the
    /// template's owner; later submissions must come from the same owner team (checked by
    /// the caller's authorization).
    ///
    /// Refused: incomplete metadata (lists what is missing), non-semver versions, an
    /// artifact over the size limit, a version that already exists (`Conflict`; with a
    /// different digest the message says the bytes differ), a retired extension.
    pub async fn submit(
        &self,
        actor: &str,
        meta: &SubmissionMetadata,
        artifact: Vec<u8>,
    ) -> Result<SubmissionRecord> {
        meta.validate()?;
        if artifact.is_empty() {
            return Err(RegistryError::Invalid("the artifact is empty".into()));
        }
        if artifact.len() as u64 > self.max_artifact_bytes {
            return Err(RegistryError::Invalid(format!(
                "the artifact is {} bytes, over the limit of {}",
                artifact.len(),
                self.max_artifact_bytes
            )));
        }
        let platform = meta.platform.clone().unwrap_or_default();
        let name = meta.name.clone().unwrap_or_default();
        let version = meta.version.clone().unwrap_or_default();
        // Written before the transaction: content-addressed and atomic, so an orphan (if
        // the transaction then fails) is harmless and a retry reuses it.
        let artifacts = self.artifacts.clone();
        let size = artifact.len() as i64;
        let digest = tokio::task::spawn_blocking(move || artifacts.put(&artifact))
            .await
            .map_err(|e| RegistryError::Invalid(format!("artifact writer failed: {e}")))??;
        let now = now_ms();
        let meta_json =
            serde_json::to_value(meta).map_err(|e| corrupt("submission metadata", e))?;

        let mut tx = self.begin_write().await?;
        let ext = match catalog::find_extension_tx(&mut tx, &platform, &name).await? {
            Some(e) => e,
            None => {
                let n = NewExtension {
                    platform: platform.clone(),
                    name: name.clone(),
                    owner_team: meta.owner.clone().unwrap_or_default(),
                    maintainers: meta.maintainers.clone(),
                    description: meta.description.clone().unwrap_or_default(),
                    data_classes: meta.data_classes.clone().unwrap_or_default(),
                    compatibility_notes: String::new(),
                };
                catalog::insert_extension(&mut tx, actor, &n).await?
            }
        };
        if ext.lifecycle == "retired" {
            return Err(RegistryError::State(format!(
                "{} is retired and takes no new versions",
                ext.key()
            )));
        }
        let existing = sqlx::query(
            "SELECT artifact_sha256 FROM versions WHERE extension_id = $1 AND version = $2",
        )
        .bind(ext.id)
        .bind(&version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("checking for an existing version"))?;
        if let Some(r) = existing {
            let old: String = r
                .try_get("artifact_sha256")
                .map_err(db("reading a version"))?;
            return Err(RegistryError::Conflict(if old == digest {
                format!(
                    "{}@{version} was already submitted with these exact bytes",
                    ext.key()
                )
            } else {
                format!(
                    "{}@{version} is already published with different bytes (sha256 {old}); published versions are immutable, bump the version",
                    ext.key()
                )
            }));
        }
        let art_sql = "INSERT INTO artifacts (sha256, size, created_at) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING";
        sqlx::query(art_sql)
            .bind(&digest)
            .bind(size)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db("recording an artifact"))?;
        let vid: i64 = sqlx::query(
            "INSERT INTO versions (extension_id, version, artifact_sha256, state, submitted_by, created_at) \
             VALUES ($1, $2, $3, 'submitted', $4, $5) RETURNING id",
        )
        .bind(ext.id)
        .bind(&version)
        .bind(&digest)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("creating a version"))?
        .try_get("id")
        .map_err(db("creating a version"))?;
        let sid: i64 = sqlx::query(
            "INSERT INTO submissions (version_id, submitter, metadata, state, created_at) VALUES ($1, $2, $3, 'queued', $4) RETURNING id",
        )
        .bind(vid)
        .bind(actor)
        .bind(json_text("submission metadata", &meta_json)?)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("creating a submission"))?
        .try_get("id")
        .map_err(db("creating a submission"))?;
        let jid: i64 = sqlx::query(
            "INSERT INTO scan_jobs (submission_id, state, attempts, max_attempts, lease_until, worker, last_error, created_at, updated_at) \
             VALUES ($1, 'queued', 0, $2, NULL, NULL, NULL, $3, $3) RETURNING id",
        )
        .bind(sid)
        .bind(DEFAULT_MAX_ATTEMPTS)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("queueing a scan"))?
        .try_get("id")
        .map_err(db("queueing a scan"))?;
        let key = format!("{}@{version}", ext.key());
        audit::append(
            &mut tx,
            actor,
            "submission.create",
            &key,
            serde_json::json!({"submission": sid, "sha256": digest, "size": size, "metadata": meta_json}),
        )
        .await?;
        tx.commit("committing a submission").await?;
        Ok(SubmissionRecord {
            id: sid,
            version: VersionRecord {
                id: vid,
                platform,
                name,
                version,
                artifact_sha256: digest,
                state: "submitted".into(),
                submitted_by: actor.to_string(),
                created_at: now,
            },
            submitter: actor.to_string(),
            metadata: meta_json,
            state: "queued".into(),
            created_at: now,
            error: None,
            job_id: jid,
        })
    }

    pub async fn get_submission(&self, id: i64) -> Result<SubmissionRecord> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS}, {SUBMISSION_COLS} WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("reading a submission"))?
        .ok_or_else(|| RegistryError::NotFound(format!("submission {id}")))?;
        row_submission(&r)
    }

    /// One page of submissions, newest first, filtered by extension and state. The next
    /// page is asked for with `before` = the last id of this one (keyset pagination: stable
    /// while new submissions arrive).
    pub async fn find_submissions(&self, f: &SubmissionFilter) -> Result<Vec<SubmissionRecord>> {
        if let Some(s) = f.state.as_deref()
            && !SUBMISSION_STATES.contains(&s)
        {
            return Err(RegistryError::Invalid(format!(
                "unknown submission state `{s}` (expected one of: {})",
                SUBMISSION_STATES.join(", ")
            )));
        }
        // Absent filters are bound as values that match everything, so the statement text
        // (and its prepared plan) is the same for every request.
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS}, {SUBMISSION_COLS} \
             WHERE ($1 = '' OR e.platform = $1) AND ($2 = '' OR e.name = $2) \
             AND ($3 = '' OR s.state = $3) AND s.id < $4 \
             ORDER BY s.id DESC LIMIT $5"
        )))
        .bind(f.platform.clone().unwrap_or_default())
        .bind(f.name.clone().unwrap_or_default())
        .bind(f.state.clone().unwrap_or_default())
        .bind(f.before.unwrap_or(i64::MAX))
        .bind(i64::from(f.limit.clamp(1, MAX_PAGE)))
        .fetch_all(&self.pool)
        .await
        .map_err(db("listing submissions"))?;
        r.iter().map(row_submission).collect()
    }

    /// Submissions, newest first (at most 1000).
    pub async fn list_submissions(&self) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT id FROM submissions ORDER BY id DESC LIMIT 1000")
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing submissions"))?;
        rows.iter()
            .map(|r| r.try_get("id").map_err(db("listing submissions")))
            .collect()
    }

    /// Takes the oldest ready job for `worker` with a lease of `lease_ms`. A job whose
    /// lease expired (its worker died) is ready again; one that has used all attempts is
    /// marked failed instead.
    pub async fn claim_job(&self, worker: &str, lease_ms: i64) -> Result<Option<ScanJob>> {
        let now = now_ms();
        self.fail_exhausted_jobs(now).await?;
        let pick = match self.backend {
            // SKIP LOCKED: concurrent workers (on any machine) each take a different row
            // instead of queueing behind one another's lock.
            Backend::Postgres => {
                "SELECT id FROM scan_jobs WHERE (state = 'queued' AND (lease_until IS NULL OR lease_until <= $3)) OR (state = 'running' AND lease_until < $3) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
            }
            // SQLite serialises writers, so the UPDATE's subquery and its write are atomic.
            Backend::Sqlite => {
                "SELECT id FROM scan_jobs WHERE (state = 'queued' AND (lease_until IS NULL OR lease_until <= $3)) OR (state = 'running' AND lease_until < $3) ORDER BY id LIMIT 1"
            }
        };
        let sql = format!(
            "UPDATE scan_jobs SET state = 'running', attempts = attempts + 1, lease_until = $1, worker = $2, updated_at = $3 \
             WHERE id = ({pick}) AND ((state = 'queued' AND (lease_until IS NULL OR lease_until <= $3)) OR (state = 'running' AND lease_until < $3)) \
             RETURNING id, submission_id, attempts, max_attempts"
        );
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now.saturating_add(lease_ms.max(1)))
            .bind(worker)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("claiming a scan job"))?;
        let Some(r) = r else { return Ok(None) };
        let g = |e| db("claiming a scan job")(e);
        let id: i64 = r.try_get("id").map_err(g)?;
        let submission_id: i64 = r.try_get("submission_id").map_err(g)?;
        let sub = self.get_submission(submission_id).await?;
        Ok(Some(ScanJob {
            id,
            submission_id,
            attempts: r.try_get("attempts").map_err(g)?,
            max_attempts: r.try_get("max_attempts").map_err(g)?,
            version: sub.version,
        }))
    }

    async fn fail_exhausted_jobs(&self, now: i64) -> Result<()> {
        let stale = sqlx::query("SELECT id FROM scan_jobs WHERE state = 'running' AND lease_until < $1 AND attempts >= max_attempts LIMIT 100")
            .bind(now)
            .fetch_all(&self.pool)
            .await
            .map_err(db("looking for exhausted jobs"))?;
        for r in stale {
            let id: i64 = r.try_get("id").map_err(db("looking for exhausted jobs"))?;
            self.finish_failed(
                id,
                None,
                "the worker stopped responding on every attempt (lease expired)",
            )
            .await?;
        }
        Ok(())
    }

    /// Extends a lease (a worker scanning a big package calls this).
    pub async fn renew_lease(&self, job_id: i64, worker: &str, lease_ms: i64) -> Result<bool> {
        let r = sqlx::query("UPDATE scan_jobs SET lease_until = $1 WHERE id = $2 AND worker = $3 AND state = 'running'")
            .bind(now_ms().saturating_add(lease_ms.max(1)))
            .bind(job_id)
            .bind(worker)
            .execute(&self.pool)
            .await
            .map_err(db("renewing a lease"))?;
        Ok(r.rows_affected() == 1)
    }

    /// Stores a scan's findings and decision and moves the version on, atomically.
    /// `Conflict` if the worker no longer holds the job (its lease expired and another
    /// worker took it).
    pub async fn complete_job(
        &self,
        job_id: i64,
        worker: &str,
        result: &ScanResult,
    ) -> Result<DecisionRecord> {
        let mut tx = self.begin_write().await?;
        let job = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT j.state AS job_state, j.worker AS job_worker, j.submission_id, {VERSION_COLS} FROM scan_jobs j JOIN submissions s ON s.id = j.submission_id \
             JOIN versions v ON v.id = s.version_id JOIN extensions e ON e.id = v.extension_id WHERE j.id = $1"
        )))
        .bind(job_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("reading a scan job"))?
        .ok_or_else(|| RegistryError::NotFound(format!("scan job {job_id}")))?;
        let g = |e| db("reading a scan job")(e);
        let state: String = job.try_get("job_state").map_err(g)?;
        let holder: Option<String> = job.try_get("job_worker").map_err(g)?;
        let sid: i64 = job.try_get("submission_id").map_err(g)?;
        if state != "running" || holder.as_deref() != Some(worker) {
            return Err(RegistryError::Conflict(format!(
                "scan job {job_id} is no longer held by worker {worker}"
            )));
        }
        let version = row_version(&job)?;
        let now = now_ms();
        let mut stored = 0usize;
        for f in result.findings.iter().take(MAX_FINDINGS_PER_VERSION) {
            let body = json_text("finding", f)?;
            let line = f.location.region.map(|r| i64::from(r.start_line));
            let r = sqlx::query(
                "INSERT INTO findings (version_id, fingerprint, rule_id, severity, category, message, path, line, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (version_id, fingerprint) DO NOTHING",
            )
            .bind(version.id)
            .bind(f.fingerprint.as_str())
            .bind(&f.rule_id)
            .bind(f.severity.as_str())
            .bind(f.category.as_str())
            .bind(&f.message)
            .bind(&f.location.path)
            .bind(line)
            .bind(body)
            .execute(&mut *tx)
            .await
            .map_err(db("storing a finding"))?;
            stored += r.rows_affected() as usize;
        }
        for (kind, body) in &result.documents {
            let body = json_text("document", body)?;
            if body.len() > MAX_DOCUMENT_BYTES {
                continue;
            }
            sqlx::query(
                "INSERT INTO version_documents (version_id, kind, body, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (version_id, kind) DO UPDATE SET body = excluded.body, created_at = excluded.created_at",
            )
            .bind(version.id)
            .bind(kind)
            .bind(body)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db("storing a scan document"))?;
        }
        let outcome = result.decision.outcome;
        let did: i64 = sqlx::query(
            "INSERT INTO decisions (version_id, outcome, reasons, inputs, decided_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(version.id)
        .bind(outcome.as_str())
        .bind(json_text("decision reasons", &result.decision.reasons)?)
        .bind(json_text("decision inputs", &result.inputs)?)
        .bind(&result.decided_by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("storing a decision"))?
        .try_get("id")
        .map_err(db("storing a decision"))?;
        let next = match outcome {
            Outcome::Reject => "rejected",
            Outcome::Approve | Outcome::Quarantine => "in-review",
        };
        sqlx::query("UPDATE versions SET state = $1 WHERE id = $2")
            .bind(next)
            .bind(version.id)
            .execute(&mut *tx)
            .await
            .map_err(db("moving a version on"))?;
        if let Some(risk) = &result.risk {
            sqlx::query("UPDATE extensions SET risk_computed = $1, updated_at = $2 WHERE platform = $3 AND name = $4")
                .bind(risk)
                .bind(now)
                .bind(&version.platform)
                .bind(&version.name)
                .execute(&mut *tx)
                .await
                .map_err(db("updating a risk rating"))?;
        }
        sqlx::query("UPDATE scan_jobs SET state = 'done', lease_until = NULL, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(job_id)
            .execute(&mut *tx)
            .await
            .map_err(db("finishing a scan job"))?;
        sqlx::query("UPDATE submissions SET state = 'done' WHERE id = $1")
            .bind(sid)
            .execute(&mut *tx)
            .await
            .map_err(db("finishing a submission"))?;
        let reasons = serde_json::to_value(&result.decision.reasons)
            .map_err(|e| corrupt("decision reasons", e))?;
        audit::append(
            &mut tx,
            &result.decided_by,
            "decision.record",
            &version.key(),
            serde_json::json!({
                "decision": did, "outcome": outcome.as_str(), "findings": stored,
                "reasons": reasons, "risk": result.risk, "state": next,
            }),
        )
        .await?;
        tx.commit("committing a scan result").await?;
        Ok(DecisionRecord {
            id: did,
            outcome: outcome.as_str().into(),
            reasons,
            inputs: result.inputs.clone(),
            decided_by: result.decided_by.clone(),
            created_at: now,
        })
    }

    /// Records a failed attempt: re-queued while attempts remain, else failed for good.
    pub async fn fail_job(&self, job_id: i64, worker: &str, error: &str) -> Result<()> {
        self.fail_job_retry_after(job_id, worker, error, 0).await
    }

    /// [`Store::fail_job`], with the retry held back for `retry_after_ms` (backoff): a
    /// re-queued job is not claimed before then. `lease_until` of a queued job holds that
    /// earliest retry time.
    pub async fn fail_job_retry_after(
        &self,
        job_id: i64,
        worker: &str,
        error: &str,
        retry_after_ms: i64,
    ) -> Result<()> {
        let error: String = error.chars().take(2000).collect();
        let r = sqlx::query(
            "SELECT attempts, max_attempts, worker, state FROM scan_jobs WHERE id = $1",
        )
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("reading a scan job"))?
        .ok_or_else(|| RegistryError::NotFound(format!("scan job {job_id}")))?;
        let g = |e| db("reading a scan job")(e);
        let attempts: i64 = r.try_get("attempts").map_err(g)?;
        let max: i64 = r.try_get("max_attempts").map_err(g)?;
        let holder: Option<String> = r.try_get("worker").map_err(g)?;
        let state: String = r.try_get("state").map_err(g)?;
        if state != "running" || holder.as_deref() != Some(worker) {
            return Err(RegistryError::Conflict(format!(
                "scan job {job_id} is no longer held by worker {worker}"
            )));
        }
        if attempts < max {
            let now = now_ms();
            let not_before = (retry_after_ms > 0).then(|| now.saturating_add(retry_after_ms));
            sqlx::query("UPDATE scan_jobs SET state = 'queued', lease_until = $5, worker = NULL, last_error = $1, updated_at = $2 WHERE id = $3 AND worker = $4 AND state = 'running'")
                .bind(&error)
                .bind(now)
                .bind(job_id)
                .bind(worker)
                .bind(not_before)
                .execute(&self.pool)
                .await
                .map_err(db("re-queueing a scan job"))?;
            Ok(())
        } else {
            self.finish_failed(job_id, Some(worker), &error).await
        }
    }

    pub(crate) async fn finish_failed(
        &self,
        job_id: i64,
        worker: Option<&str>,
        error: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT j.state AS job_state, j.worker AS job_worker, j.submission_id, j.attempts, {VERSION_COLS} FROM scan_jobs j JOIN submissions s ON s.id = j.submission_id \
             JOIN versions v ON v.id = s.version_id JOIN extensions e ON e.id = v.extension_id WHERE j.id = $1"
        )))
        .bind(job_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("reading a scan job"))?
        .ok_or_else(|| RegistryError::NotFound(format!("scan job {job_id}")))?;
        let g = |e| db("reading a scan job")(e);
        let state: String = r.try_get("job_state").map_err(g)?;
        let holder: Option<String> = r.try_get("job_worker").map_err(g)?;
        let attempts: i64 = r.try_get("attempts").map_err(g)?;
        let sid: i64 = r.try_get("submission_id").map_err(g)?;
        if state != "running" || (worker.is_some() && holder.as_deref() != worker) {
            // Someone else already finished or re-took it.
            return Ok(());
        }
        let version = row_version(&r)?;
        let now = now_ms();
        sqlx::query("UPDATE scan_jobs SET state = 'failed', lease_until = NULL, last_error = $1, updated_at = $2 WHERE id = $3")
            .bind(error)
            .bind(now)
            .bind(job_id)
            .execute(&mut *tx)
            .await
            .map_err(db("failing a scan job"))?;
        sqlx::query("UPDATE submissions SET state = 'failed' WHERE id = $1")
            .bind(sid)
            .execute(&mut *tx)
            .await
            .map_err(db("failing a submission"))?;
        sqlx::query("UPDATE versions SET state = 'scan-failed' WHERE id = $1")
            .bind(version.id)
            .execute(&mut *tx)
            .await
            .map_err(db("failing a version"))?;
        audit::append(
            &mut tx,
            "system:worker",
            "scan.failed",
            &version.key(),
            serde_json::json!({"job": job_id, "attempts": attempts, "error": error}),
        )
        .await?;
        tx.commit("committing a failed scan").await?;
        Ok(())
    }

    pub async fn get_job(&self, id: i64) -> Result<JobRecord> {
        let r = sqlx::query("SELECT id, submission_id, state, attempts, max_attempts, lease_until, worker, last_error FROM scan_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a scan job"))?
            .ok_or_else(|| RegistryError::NotFound(format!("scan job {id}")))?;
        let g = |e| db("reading a scan job")(e);
        Ok(JobRecord {
            id: r.try_get("id").map_err(g)?,
            submission_id: r.try_get("submission_id").map_err(g)?,
            state: r.try_get("state").map_err(g)?,
            attempts: r.try_get("attempts").map_err(g)?,
            max_attempts: r.try_get("max_attempts").map_err(g)?,
            lease_until: r.try_get("lease_until").map_err(g)?,
            worker: r.try_get("worker").map_err(g)?,
            last_error: r.try_get("last_error").map_err(g)?,
        })
    }

    /// Reads a stored artifact (verifying its digest). Blocking file I/O runs off the runtime.
    pub async fn read_artifact(&self, digest: &str) -> Result<Vec<u8>> {
        let a = self.artifacts.clone();
        let d = digest.to_string();
        tokio::task::spawn_blocking(move || a.get(&d))
            .await
            .map_err(|e| RegistryError::Invalid(format!("artifact reader failed: {e}")))?
    }

    pub async fn list_findings(&self, version_id: i64) -> Result<Vec<FindingRecord>> {
        let rows = sqlx::query(
            "SELECT fingerprint, rule_id, severity, category, message, path, line, body FROM findings WHERE version_id = $1 ORDER BY id",
        )
        .bind(version_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db("listing findings"))?;
        rows.iter()
            .map(|r| {
                let g = |e| db("reading a finding")(e);
                let body: String = r.try_get("body").map_err(g)?;
                Ok(FindingRecord {
                    fingerprint: r.try_get("fingerprint").map_err(g)?,
                    rule_id: r.try_get("rule_id").map_err(g)?,
                    severity: r.try_get("severity").map_err(g)?,
                    category: r.try_get("category").map_err(g)?,
                    message: r.try_get("message").map_err(g)?,
                    path: r.try_get("path").map_err(g)?,
                    line: r.try_get("line").map_err(g)?,
                    finding: serde_json::from_str(&body).map_err(|e| corrupt("finding", e))?,
                })
            })
            .collect()
    }

    /// A document stored with the version's latest scan (`capability-manifest`, `sbom`).
    pub async fn get_document(
        &self,
        version_id: i64,
        kind: &str,
    ) -> Result<Option<serde_json::Value>> {
        let row =
            sqlx::query("SELECT body FROM version_documents WHERE version_id = $1 AND kind = $2")
                .bind(version_id)
                .bind(kind)
                .fetch_optional(&self.pool)
                .await
                .map_err(db("reading a scan document"))?;
        match row {
            None => Ok(None),
            Some(r) => {
                let body: String = r.try_get("body").map_err(db("reading a scan document"))?;
                serde_json::from_str(&body)
                    .map(Some)
                    .map_err(|e| corrupt("scan document", e))
            }
        }
    }

    pub async fn list_decisions(&self, version_id: i64) -> Result<Vec<DecisionRecord>> {
        let rows = sqlx::query("SELECT id, outcome, reasons, inputs, decided_by, created_at FROM decisions WHERE version_id = $1 ORDER BY id")
            .bind(version_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing decisions"))?;
        rows.iter()
            .map(|r| {
                let g = |e| db("reading a decision")(e);
                let reasons: String = r.try_get("reasons").map_err(g)?;
                let inputs: String = r.try_get("inputs").map_err(g)?;
                Ok(DecisionRecord {
                    id: r.try_get("id").map_err(g)?,
                    outcome: r.try_get("outcome").map_err(g)?,
                    reasons: serde_json::from_str(&reasons)
                        .map_err(|e| corrupt("decision reasons", e))?,
                    inputs: serde_json::from_str(&inputs)
                        .map_err(|e| corrupt("decision inputs", e))?,
                    decided_by: r.try_get("decided_by").map_err(g)?,
                    created_at: r.try_get("created_at").map_err(g)?,
                })
            })
            .collect()
    }
}
