//! Poison-job detection.
//!
//! A scan runs in a child process (see the server's `isolation` module). When that process
//! dies — a signal, a resource limit, the deadline — the worker records a crash here instead
//! of an ordinary failure. The first crash re-queues the job (a machine under memory
//! pressure can kill a healthy scan); the second fails it for good, with the reason, so one
//! hostile package cannot keep taking workers down until its attempts run out.

use crate::error::{RegistryError, Result, db};
use crate::store::{Store, now_ms};
use sqlx::Row;

/// Crashes after which a job is failed rather than retried.
pub const MAX_CRASHES: i64 = 2;

impl Store {
    /// Records that the scan of `job_id` killed its process with `reason`. Returns `true` when
    /// the job is now failed for good (poison), `false` when it was re-queued (not claimable
    /// before `retry_after_ms`).
    pub async fn record_scan_crash(
        &self,
        job_id: i64,
        worker: &str,
        reason: &str,
        retry_after_ms: i64,
    ) -> Result<bool> {
        let reason: String = reason.chars().take(1500).collect();
        let r = sqlx::query(
            "UPDATE scan_jobs SET crashes = crashes + 1 WHERE id = $1 AND worker = $2 AND state = 'running' \
             RETURNING crashes, attempts, max_attempts",
        )
        .bind(job_id)
        .bind(worker)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("recording a scan crash"))?
        .ok_or_else(|| {
            RegistryError::Conflict(format!(
                "scan job {job_id} is no longer held by worker {worker}"
            ))
        })?;
        let g = |e| db("recording a scan crash")(e);
        let crashes: i64 = r.try_get("crashes").map_err(g)?;
        let attempts: i64 = r.try_get("attempts").map_err(g)?;
        let max_attempts: i64 = r.try_get("max_attempts").map_err(g)?;
        if crashes >= MAX_CRASHES {
            let error = format!(
                "poison job: the scan killed its worker process {crashes} times and will not be retried; last: {reason}"
            );
            self.finish_failed(job_id, Some(worker), &error).await?;
            return Ok(true);
        }
        if attempts >= max_attempts {
            let error = format!(
                "the scan killed its worker process on the last of {max_attempts} attempts: {reason}"
            );
            self.finish_failed(job_id, Some(worker), &error).await?;
            return Ok(true);
        }
        let now = now_ms();
        let not_before = (retry_after_ms > 0).then(|| now.saturating_add(retry_after_ms));
        let error = format!("the scan killed its worker process (it is retried once): {reason}");
        sqlx::query(
            "UPDATE scan_jobs SET state = 'queued', lease_until = $1, worker = NULL, last_error = $2, updated_at = $3 \
             WHERE id = $4 AND worker = $5 AND state = 'running'",
        )
        .bind(not_before)
        .bind(&error)
        .bind(now)
        .bind(job_id)
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(db("re-queueing a crashed scan job"))?;
        Ok(false)
    }
}
