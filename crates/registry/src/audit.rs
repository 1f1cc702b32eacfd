//! The tamper-evident audit log.
//!
//! Every change of state appends one [`AuditEvent`] in the same transaction as the change.
//! Each event's `hash` is SHA-256 over a length-prefixed encoding of its fields *including
//! the previous event's hash*, so editing, deleting or reordering any event breaks every
//! link after it, and [`Store::verify_audit`] reports the first broken one. Truncating the
//! tail is caught by signed checkpoints: [`Store::sign_audit_head`] signs `(seq, hash)` of
//! the head with an ed25519 key kept in the data directory; a checkpoint that names an event
//! that no longer exists, or a different hash, is reported.

use crate::error::{RegistryError, Result, corrupt, db};
use crate::store::{Store, WriteTx, now_ms};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The hash the first event chains to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows read per page when walking the chain, so verification and export use bounded memory.
const PAGE: i64 = 1000;

/// One audit event, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub seq: i64,
    /// Principal id (or `system`) that caused the change.
    pub actor: String,
    /// What happened, e.g. `submission.create`, `version.quarantine`, `token.issue`.
    pub action: String,
    /// What it happened to, e.g. `n8n/n8n-nodes-acme@1.2.0`, `token:tok_…`.
    pub subject: String,
    /// Unix milliseconds.
    pub time: i64,
    /// Canonical JSON (sorted keys), hashed byte for byte.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Computes an event's hash. Every field is length-prefixed so no two different events
/// share an encoding (`("ab","c")` vs `("a","bc")`).
pub fn event_hash(
    prev_hash: &str,
    seq: i64,
    actor: &str,
    action: &str,
    subject: &str,
    time: i64,
    details: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"portcullis-audit-v1");
    let seq_s = seq.to_string();
    let time_s = time.to_string();
    for field in [prev_hash, &seq_s, actor, action, subject, &time_s, details] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Serialises JSON with object keys sorted at every level, so the text (and so the hash)
/// does not depend on map iteration order or on serde_json's `preserve_order` feature.
pub fn canonical_json(v: &serde_json::Value) -> String {
    fn write(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String((*k).clone()).to_string());
                    out.push(':');
                    if let Some(val) = m.get(*k) {
                        write(val, out);
                    }
                }
                out.push('}');
            }
            serde_json::Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(x, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut s = String::new();
    write(v, &mut s);
    s
}

/// Appends an event inside `tx`. The caller must have started `tx` with
/// [`Store::begin_write`], which holds the head lock, so sequence numbers are gap-free and
/// the chain follows commit order.
pub(crate) async fn append(
    tx: &mut WriteTx,
    actor: &str,
    action: &str,
    subject: &str,
    details: serde_json::Value,
) -> Result<AuditEvent> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await
        .map_err(db("advancing the audit head"))?;
    let seq: i64 = head.try_get("seq").map_err(db("reading the audit head"))?;
    let prev_hash: String = head.try_get("hash").map_err(db("reading the audit head"))?;
    let time = now_ms();
    let details = canonical_json(&details);
    let hash = event_hash(&prev_hash, seq, actor, action, subject, time, &details);
    sqlx::query(
        "INSERT INTO audit_events (seq, actor, action, subject, time, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(time)
    .bind(&details)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await
    .map_err(db("appending an audit event"))?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut **tx)
        .await
        .map_err(db("advancing the audit head"))?;
    Ok(AuditEvent {
        seq,
        actor: actor.to_string(),
        action: action.to_string(),
        subject: subject.to_string(),
        time,
        details,
        prev_hash,
        hash,
    })
}

fn row_to_event(r: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    let g = |e| db("reading an audit event")(e);
    Ok(AuditEvent {
        seq: r.try_get("seq").map_err(g)?,
        actor: r.try_get("actor").map_err(g)?,
        action: r.try_get("action").map_err(g)?,
        subject: r.try_get("subject").map_err(g)?,
        time: r.try_get("time").map_err(g)?,
        details: r.try_get("details").map_err(g)?,
        prev_hash: r.try_get("prev_hash").map_err(g)?,
        hash: r.try_get("hash").map_err(g)?,
    })
}

fn row_to_checkpoint(r: &sqlx::any::AnyRow) -> Result<Checkpoint> {
    let g = |e| db("reading an audit checkpoint")(e);
    Ok(Checkpoint {
        seq: r.try_get("seq").map_err(g)?,
        hash: r.try_get("hash").map_err(g)?,
        time: r.try_get("time").map_err(g)?,
        prev: r.try_get("prev").map_err(g)?,
        public_key: r.try_get("public_key").map_err(g)?,
        signature: r.try_get("signature").map_err(g)?,
    })
}

/// Filters for [`Store::audit_events`]. `subject_prefix` matches an extension's events
/// (`n8n/n8n-nodes-acme` matches every version of it).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditFilter {
    pub subject_prefix: Option<String>,
    pub actor: Option<String>,
    /// Unix milliseconds, inclusive.
    pub since: Option<i64>,
    /// Return events with `seq > after_seq` (paging).
    pub after_seq: Option<i64>,
    /// At most this many (capped at 1000).
    pub limit: Option<i64>,
}

/// The first problem verification found, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyReport {
    pub ok: bool,
    /// Events checked.
    pub events: i64,
    /// Signed checkpoints checked.
    pub checkpoints: i64,
    /// Sequence number of the first broken link.
    pub broken_at: Option<i64>,
    /// What is wrong there.
    pub problem: Option<String>,
}

impl VerifyReport {
    fn broken(events: i64, checkpoints: i64, seq: i64, problem: String) -> VerifyReport {
        VerifyReport {
            ok: false,
            events,
            checkpoints,
            broken_at: Some(seq),
            problem: Some(problem),
        }
    }
}

/// A signed statement "the chain had this head at this time", chained to the checkpoint
/// before it (Certificate Transparency's signed tree head, for a hash chain). Printed by
/// `portcullis audit head` for an auditor or a platform to keep outside the database, and
/// handed to a witness; `audit verify --against` checks the log still contains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub time: i64,
    /// [`Checkpoint::digest`] of the previous checkpoint ([`GENESIS_HASH`] for the first).
    /// Absent on checkpoints signed before checkpoints were chained (signed with the v1
    /// message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// Hex ed25519 public key.
    pub public_key: String,
    /// Hex ed25519 signature over [`Checkpoint::message`].
    pub signature: String,
}

/// The bytes a v1 (unchained) checkpoint signature covers.
pub fn checkpoint_message(seq: i64, hash: &str, time: i64) -> Vec<u8> {
    format!("portcullis-audit-checkpoint-v1\n{seq}\n{hash}\n{time}").into_bytes()
}

/// The bytes a chained checkpoint's signature covers.
pub fn chained_checkpoint_message(seq: i64, hash: &str, time: i64, prev: &str) -> Vec<u8> {
    format!("portcullis-audit-checkpoint-v2\n{seq}\n{hash}\n{time}\n{prev}").into_bytes()
}

impl Checkpoint {
    /// What the signature covers.
    pub fn message(&self) -> Vec<u8> {
        match &self.prev {
            Some(prev) => chained_checkpoint_message(self.seq, &self.hash, self.time, prev),
            None => checkpoint_message(self.seq, &self.hash, self.time),
        }
    }

    /// SHA-256 of the signed message: what the next checkpoint chains to.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.message()))
    }

    /// Whether the signature is valid for the key the checkpoint names.
    pub fn signature_valid(&self) -> bool {
        verify_signature(&self.public_key, &self.message(), &self.signature)
    }
}

/// When `verify` calls a tail of unsigned events too long: an attacker who can write the
/// database (but not the signing key) can drop checkpoint rows and rewrite what follows the
/// last one they left; a tail bigger or older than the signer would ever leave is the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TailPolicy {
    /// Most events allowed after the last checkpoint.
    pub max_unsigned_events: i64,
    /// Oldest an event after the last checkpoint may be (ms). The server signs the head
    /// every `checkpoint_interval_secs` (default 60 s); the default leaves ten times that
    /// for a server that was down.
    pub max_unsigned_age_ms: i64,
}

impl Default for TailPolicy {
    fn default() -> TailPolicy {
        TailPolicy {
            max_unsigned_events: 10_000,
            max_unsigned_age_ms: 10 * 60 * 1000,
        }
    }
}

/// The ed25519 key that signs checkpoints and approvals, kept at `<data>/audit-signing.key`
/// (hex, mode 0600). Created on first start.
#[derive(Clone)]
pub struct AuditSigner {
    key: SigningKey,
    /// Where the key was read from (for error messages).
    path: PathBuf,
}

impl AuditSigner {
    pub fn load_or_create(path: &Path) -> Result<AuditSigner> {
        let err = |reason: String| RegistryError::Key {
            path: path.to_path_buf(),
            reason,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).map_err(|e| err(format!("not hex: {e}")))?;
                let arr: [u8; 32] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| err(format!("expected 32 bytes, found {}", bytes.len())))?;
                Ok(AuditSigner {
                    key: SigningKey::from_bytes(&arr),
                    path: path.to_path_buf(),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(|e| err(format!("no OS randomness: {e}")))?;
                write_secret_file(path, hex::encode(seed).as_bytes())
                    .map_err(|e| err(format!("cannot write: {e}")))?;
                // Re-read so that two processes racing to create the key end up with the
                // same one (the second's rename wins; both then load it).
                Self::load_or_create(path)
            }
            Err(e) => Err(err(format!("cannot read: {e}"))),
        }
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    pub fn sign(&self, msg: &[u8]) -> String {
        hex::encode(self.key.sign(msg).to_bytes())
    }
}

/// Verifies a hex signature by a hex public key.
pub fn verify_signature(public_key: &str, msg: &[u8], signature: &str) -> bool {
    let Ok(pk) = hex::decode(public_key) else {
        return false;
    };
    let Ok(pk) = <[u8; 32]>::try_from(pk.as_slice()) else {
        return false;
    };
    let Ok(vk) = VerifyingKey::from_bytes(&pk) else {
        return false;
    };
    let Ok(sig) = hex::decode(signature) else {
        return false;
    };
    let Ok(sig) = <[u8; 64]>::try_from(sig.as_slice()) else {
        return false;
    };
    vk.verify(msg, &Signature::from_bytes(&sig)).is_ok()
}

fn write_secret_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    match tmp.persist_noclobber(path) {
        Ok(_) => {}
        // Another process created it first: theirs wins, we load it.
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.error),
    }
    Ok(())
}

impl Store {
    /// Events matching `filter`, oldest first.
    pub async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
        let mut sql = String::from(
            "SELECT seq, actor, action, subject, time, details, prev_hash, hash FROM audit_events WHERE seq > $1",
        );
        // Placeholders are numbered as conditions are added; values are bound in the same order.
        let mut n = 1;
        if filter.subject_prefix.is_some() {
            sql.push_str(&format!(
                " AND (subject = ${} OR subject LIKE ${} ESCAPE '\\')",
                n + 1,
                n + 2
            ));
            n += 2;
        }
        if filter.actor.is_some() {
            n += 1;
            sql.push_str(&format!(" AND actor = ${n}"));
        }
        if filter.since.is_some() {
            n += 1;
            sql.push_str(&format!(" AND time >= ${n}"));
        }
        n += 1;
        sql.push_str(&format!(" ORDER BY seq LIMIT ${n}"));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(filter.after_seq.unwrap_or(0));
        if let Some(p) = &filter.subject_prefix {
            let escaped = p
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            q = q.bind(p.clone()).bind(format!("{escaped}@%"));
        }
        if let Some(a) = &filter.actor {
            q = q.bind(a.clone());
        }
        if let Some(s) = filter.since {
            q = q.bind(s);
        }
        let rows = q
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db("querying audit events"))?;
        rows.iter().map(row_to_event).collect()
    }

    /// Recomputes the whole chain and checks every signed checkpoint.
    ///
    /// Detects: an edited event (hash mismatch), a deleted event (sequence gap or a
    /// `prev_hash` that no longer matches), reordered events (sequence/hash mismatch), a
    /// head row that disagrees with the last event, and truncation (a checkpoint naming an
    /// event that is gone or has another hash). Signatures are checked against the key that
    /// made them and that key must be this registry's key.
    pub async fn verify_audit(&self) -> Result<VerifyReport> {
        self.verify_audit_with(&TailPolicy::default(), None).await
    }

    /// [`Store::verify_audit`] with a tail policy and, optionally, a checkpoint kept outside
    /// the database (`audit verify --against HEAD.json`): the log must still contain that
    /// checkpoint's event with that hash, and the checkpoint itself.
    pub async fn verify_audit_with(
        &self,
        tail: &TailPolicy,
        against: Option<&Checkpoint>,
    ) -> Result<VerifyReport> {
        let mut expected_seq = 1i64;
        let mut prev = GENESIS_HASH.to_string();
        let mut count = 0i64;
        loop {
            let rows = sqlx::query(
                "SELECT seq, actor, action, subject, time, details, prev_hash, hash FROM audit_events \
                 WHERE seq >= $1 ORDER BY seq LIMIT $2",
            )
            .bind(expected_seq)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await
            .map_err(db("reading the audit chain"))?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let ev = row_to_event(r)?;
                count += 1;
                if ev.seq != expected_seq {
                    return Ok(VerifyReport::broken(
                        count,
                        0,
                        expected_seq,
                        format!(
                            "event {expected_seq} is missing (next present is {})",
                            ev.seq
                        ),
                    ));
                }
                if ev.prev_hash != prev {
                    return Ok(VerifyReport::broken(
                        count,
                        0,
                        ev.seq,
                        "prev_hash does not match the previous event's hash (an earlier event was changed, removed or moved)".into(),
                    ));
                }
                let h = event_hash(
                    &ev.prev_hash,
                    ev.seq,
                    &ev.actor,
                    &ev.action,
                    &ev.subject,
                    ev.time,
                    &ev.details,
                );
                if h != ev.hash {
                    return Ok(VerifyReport::broken(
                        count,
                        0,
                        ev.seq,
                        "content does not match its hash (the event was edited)".into(),
                    ));
                }
                prev = ev.hash;
                expected_seq += 1;
            }
        }
        let last_seq = expected_seq - 1;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db("reading the audit head"))?;
        let head_seq: i64 = head.try_get("seq").map_err(db("reading the audit head"))?;
        let head_hash: String = head.try_get("hash").map_err(db("reading the audit head"))?;
        if head_seq < last_seq {
            return Ok(VerifyReport::broken(
                count,
                0,
                head_seq + 1,
                format!(
                    "event {} was appended after the recorded head (event {head_seq}) without advancing it: written outside the registry",
                    head_seq + 1
                ),
            ));
        }
        if head_seq != last_seq || head_hash != prev {
            return Ok(VerifyReport::broken(
                count,
                0,
                last_seq + 1,
                format!(
                    "the chain ends at event {last_seq} but the head records event {head_seq} (events were removed from the end)"
                ),
            ));
        }
        let cps = self.audit_checkpoints().await?;
        let me = self.signer.public_key_hex();
        let mut prev_digest: Option<String> = None;
        for (i, cp) in cps.iter().enumerate() {
            let n = i as i64 + 1;
            // Chained checkpoints: each names the digest of the one before it, so a deleted
            // checkpoint row breaks the next one's link.
            if let Some(p) = &cp.prev {
                let expected = prev_digest
                    .clone()
                    .unwrap_or_else(|| GENESIS_HASH.to_string());
                if *p != expected {
                    return Ok(VerifyReport::broken(
                        count,
                        n,
                        cp.seq,
                        "the checkpoint does not chain to the checkpoint before it (checkpoint rows were deleted or replaced)".into(),
                    ));
                }
            }
            prev_digest = Some(cp.digest());
            if cp.public_key != me {
                return Ok(VerifyReport::broken(
                    count,
                    n,
                    cp.seq,
                    "checkpoint signed by a key that is not this registry's".into(),
                ));
            }
            if !cp.signature_valid() {
                return Ok(VerifyReport::broken(
                    count,
                    n,
                    cp.seq,
                    "checkpoint signature is invalid".into(),
                ));
            }
            if cp.seq > last_seq {
                return Ok(VerifyReport::broken(
                    count,
                    n,
                    last_seq + 1,
                    format!(
                        "a signed checkpoint covers event {} but the chain ends at {last_seq} (the log was truncated)",
                        cp.seq
                    ),
                ));
            }
            let at = sqlx::query("SELECT hash FROM audit_events WHERE seq = $1")
                .bind(cp.seq)
                .fetch_optional(&self.pool)
                .await
                .map_err(db("reading a checkpointed event"))?;
            let hash: Option<String> = match at {
                Some(r) => Some(
                    r.try_get("hash")
                        .map_err(db("reading a checkpointed event"))?,
                ),
                None => None,
            };
            if hash.as_deref() != Some(cp.hash.as_str()) {
                return Ok(VerifyReport::broken(
                    count,
                    n,
                    cp.seq,
                    "event differs from its signed checkpoint".into(),
                ));
            }
        }
        let n_cps = cps.len() as i64;
        if let Some(kept) = against
            && let Some(problem) = self.check_kept_head(kept, &cps, last_seq).await?
        {
            return Ok(VerifyReport::broken(count, n_cps, kept.seq, problem));
        }
        // The unsigned tail: events after the last checkpoint (all of them when there is
        // none).
        let signed_to = cps.last().map_or(0, |c| c.seq);
        let unsigned = last_seq - signed_to;
        if unsigned > 0 {
            let oldest: i64 = sqlx::query("SELECT time FROM audit_events WHERE seq = $1")
                .bind(signed_to + 1)
                .fetch_one(&self.pool)
                .await
                .and_then(|r| r.try_get("time"))
                .map_err(db("reading the unsigned tail"))?;
            let age = now_ms().saturating_sub(oldest);
            let what = if cps.is_empty() {
                format!("there is no signed checkpoint although {last_seq} events exist")
            } else {
                format!("{unsigned} events follow the last signed checkpoint (event {signed_to})")
            };
            if unsigned > tail.max_unsigned_events {
                return Ok(VerifyReport::broken(
                    count,
                    n_cps,
                    signed_to + 1,
                    format!(
                        "{what}: more than the {} allowed unsigned (checkpoints were deleted, or the signer is not running)",
                        tail.max_unsigned_events
                    ),
                ));
            }
            if age > tail.max_unsigned_age_ms {
                return Ok(VerifyReport::broken(
                    count,
                    n_cps,
                    signed_to + 1,
                    format!(
                        "{what}, the oldest unsigned one {} s old: more than the {} s allowed (checkpoints were deleted, or the signer is not running)",
                        age / 1000,
                        tail.max_unsigned_age_ms / 1000
                    ),
                ));
            }
        }
        Ok(VerifyReport {
            ok: true,
            events: count,
            checkpoints: n_cps,
            broken_at: None,
            problem: None,
        })
    }

    /// Checks a checkpoint kept outside the database against the (already verified) chain.
    async fn check_kept_head(
        &self,
        kept: &Checkpoint,
        cps: &[Checkpoint],
        last_seq: i64,
    ) -> Result<Option<String>> {
        if !kept.signature_valid() {
            return Ok(Some("the kept checkpoint's signature is invalid".into()));
        }
        if kept.public_key != self.signer.public_key_hex() {
            return Ok(Some(
                "the kept checkpoint was signed by another key than this registry's".into(),
            ));
        }
        if kept.seq > last_seq {
            return Ok(Some(format!(
                "the log no longer contains the kept checkpoint: it covers event {} but the log ends at {last_seq} (truncated or wiped)",
                kept.seq
            )));
        }
        let at: Option<String> = sqlx::query("SELECT hash FROM audit_events WHERE seq = $1")
            .bind(kept.seq)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a checkpointed event"))?
            .map(|r| r.try_get("hash"))
            .transpose()
            .map_err(db("reading a checkpointed event"))?;
        if at.as_deref() != Some(kept.hash.as_str()) {
            return Ok(Some(format!(
                "the log diverges from the kept checkpoint: event {} has another hash than the one signed (the log was rewritten)",
                kept.seq
            )));
        }
        match cps.iter().find(|c| c.seq == kept.seq) {
            Some(c) if c.digest() == kept.digest() => Ok(None),
            Some(_) => Ok(Some(format!(
                "the checkpoint stored for event {} differs from the kept one (checkpoint rows were replaced)",
                kept.seq
            ))),
            None => Ok(Some(format!(
                "the kept checkpoint for event {} is missing from the database (checkpoint rows were deleted)",
                kept.seq
            ))),
        }
    }

    /// The latest signed checkpoint, if any (`portcullis audit head`).
    pub async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>> {
        let rows = sqlx::query(
            "SELECT seq, hash, time, prev, public_key, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db("reading audit checkpoints"))?;
        rows.iter().map(row_to_checkpoint).next().transpose()
    }

    /// Every signed checkpoint, oldest first.
    pub async fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        let rows = sqlx::query(
            "SELECT seq, hash, time, prev, public_key, signature FROM audit_checkpoints ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db("reading audit checkpoints"))?;
        rows.iter().map(row_to_checkpoint).collect()
    }

    /// Signs the current head, unless it is already signed or the chain is empty.
    /// The server calls this periodically; it is idempotent and safe to run from several
    /// processes at once (the checkpoint's primary key is the sequence number).
    pub async fn sign_audit_head(&self) -> Result<Option<Checkpoint>> {
        // Under the head lock, so two processes signing at once cannot both chain to the
        // same predecessor.
        let mut tx = self.begin_write().await?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("reading the audit head"))?;
        let seq: i64 = head.try_get("seq").map_err(db("reading the audit head"))?;
        let hash: String = head.try_get("hash").map_err(db("reading the audit head"))?;
        if seq == 0 {
            return Ok(None);
        }
        let last = sqlx::query(
            "SELECT seq, hash, time, prev, public_key, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("reading audit checkpoints"))?
        .as_ref()
        .map(row_to_checkpoint)
        .transpose()?;
        if last.as_ref().is_some_and(|c| c.seq >= seq) {
            return Ok(None);
        }
        let prev = last.map_or_else(|| GENESIS_HASH.to_string(), |c| c.digest());
        let time = now_ms();
        let cp = Checkpoint {
            seq,
            hash: hash.clone(),
            time,
            signature: self
                .signer
                .sign(&chained_checkpoint_message(seq, &hash, time, &prev)),
            prev: Some(prev),
            public_key: self.signer.public_key_hex(),
        };
        let r = sqlx::query(
            "INSERT INTO audit_checkpoints (seq, hash, time, prev, public_key, signature) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (seq) DO NOTHING",
        )
        .bind(cp.seq)
        .bind(&cp.hash)
        .bind(cp.time)
        .bind(cp.prev.clone())
        .bind(&cp.public_key)
        .bind(&cp.signature)
        .execute(&mut *tx)
        .await
        .map_err(db("storing an audit checkpoint"))?;
        tx.commit("committing an audit checkpoint").await?;
        Ok((r.rows_affected() == 1).then_some(cp))
    }

    /// Writes every event as one JSON object per line (for a SIEM), oldest first, in pages.
    /// Returns the number of events written.
    pub async fn export_audit(&self, out: &mut (dyn Write + Send)) -> Result<u64> {
        let mut after = 0i64;
        let mut n = 0u64;
        loop {
            let rows = sqlx::query(
                "SELECT seq, actor, action, subject, time, details, prev_hash, hash FROM audit_events \
                 WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(after)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await
            .map_err(db("exporting the audit log"))?;
            if rows.is_empty() {
                return Ok(n);
            }
            for r in &rows {
                let ev = row_to_event(r)?;
                after = ev.seq;
                let line = serde_json::to_string(&ev).map_err(|e| corrupt("audit event", e))?;
                writeln!(out, "{line}").map_err(|source| RegistryError::Io {
                    path: PathBuf::from("<audit export>"),
                    source,
                })?;
                n += 1;
            }
        }
    }

    /// This registry's public signing key (hex), for verifying approvals and checkpoints.
    pub fn public_key(&self) -> String {
        self.signer.public_key_hex()
    }

    /// Refuses a signing key other than the one that signed the latest checkpoint.
    ///
    /// Several `serve` processes on one database must share one key (`signing_key_file`):
    /// a process that made up its own would sign checkpoints that `audit verify` rejects,
    /// breaking the chain for everyone. `serve` calls this at start-up so the mistake is a
    /// clear error before any request, not a broken audit log later.
    ///
    /// The first process records its public key (`audit_signing_key`, one row); later ones
    /// compare with it, so two fresh processes racing with different keys cannot both pass.
    /// A registry from before that table is checked against its latest checkpoint.
    pub async fn check_signing_key(&self) -> Result<()> {
        let me = self.signer.public_key_hex();
        let last =
            sqlx::query("SELECT public_key FROM audit_checkpoints ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(db("reading audit checkpoints"))?;
        let checkpoint_key: Option<String> = last
            .map(|r| r.try_get("public_key"))
            .transpose()
            .map_err(db("reading audit checkpoints"))?;
        sqlx::query(
            "INSERT INTO audit_signing_key (id, public_key, recorded_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(checkpoint_key.as_deref().unwrap_or(&me))
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(db("recording the audit signing key"))?;
        let signed_by: String =
            sqlx::query("SELECT public_key FROM audit_signing_key WHERE id = 1")
                .fetch_one(&self.pool)
                .await
                .and_then(|r| r.try_get("public_key"))
                .map_err(db("reading the audit signing key"))?;
        if signed_by != me {
            return Err(RegistryError::Key {
                path: self.signer.path.clone(),
                reason: format!(
                    "this key (public {}…) did not sign the registry's audit checkpoints (public {}…): \
                     every serve process on one database needs the same key file \
                     (PORTCULLIS_SIGNING_KEY_FILE, or `signing_key_file` in the store configuration)",
                    &me[..16.min(me.len())],
                    &signed_by[..16.min(signed_by.len())]
                ),
            });
        }
        Ok(())
    }
}
