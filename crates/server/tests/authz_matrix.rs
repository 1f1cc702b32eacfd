//! Authorization over HTTP: every documented endpoint × every kind of caller, on SQLite and
//! on PostgreSQL.
//!
//! [`MATRIX`] says, for each method + path template of the OpenAPI document, which roles
//! may call it. It is written from the Cedar policies (`crates/policy/policies/authz`) and
//! the role descriptions of issue #7 — not from what the server answers — so a handler that
//! asks the wrong question, or forgets to ask, fails here. Each (endpoint, caller) pair is
//! sent through the router with a valid request and fresh fixtures: an allowed call must
//! succeed (2xx) and leave an audit event if it changed something; a denied call must get
//! 403 (401 without a live token) and change nothing. The table must list exactly the
//! operations of `/api/v1/openapi.json`, so a new endpoint cannot ship without its row.
//!
//! [`guard_rails`] covers the attribute-based rules the matrix cannot show with one
//! fixture per endpoint: teams, separation of duties, risk-dependent approval, promotion
//! targets, justifications, self role changes, token scopes and role changes taking effect.
//!
//! Matrix tokens carry every scope, so only roles decide there; scopes are checked apart.
//! Mismatches are collected and reported together, so one run lists all of them.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use portcullis_core::Decision;
use portcullis_registry::testing::{Kind, TestStore};
use portcullis_registry::{
    AuditFilter, EnvAction, NewExtension, NewTrustedSource, ScanResult, Store, SubmissionMetadata,
};
use portcullis_server::{AppState, CedarAuthorizer, router};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use tower::ServiceExt;

// ---------------------------------------------------------------- the table

const DEV: &str = "developer";
const REV: &str = "reviewer";
const CHAMP: &str = "security-champion";
const STEW: &str = "security-steward";
const PE: &str = "platform-engineer";
const AUD: &str = "auditor";
const RT: &str = "platform-runtime";

/// Every role the registry knows, in the order failures are listed.
const ROLES: [&str; 7] = [DEV, REV, CHAMP, STEW, PE, AUD, RT];

/// `read-catalog` / `read-submission`: developers (own team; the fixtures are their team's),
/// reviewers, champions, stewards and platform engineers
/// (`developer-works-on-own-team`, `developer-reads-catalog-root`,
/// `reviewers-read-submissions`), and auditors (`auditor-reads-everything`). Not the runtime.
const READERS: &[&str] = &[DEV, REV, CHAMP, STEW, PE, AUD];
/// The audit log: `read-audit` / `export-audit` (`steward-governs`, `auditor-reads-everything`).
const AUDIT_READERS: &[&str] = &[STEW, AUD];

enum Access {
    /// No token needed (liveness and readiness probes).
    Public,
    /// A live token of a principal holding one of these roles.
    Roles(&'static [&'static str]),
}

struct Endpoint {
    method: &'static str,
    /// Exactly as in the OpenAPI document.
    path: &'static str,
    /// The Cedar action asked and the policies that permit it, for the reader.
    why: &'static str,
    access: Access,
}

const fn ep(
    method: &'static str,
    path: &'static str,
    why: &'static str,
    access: Access,
) -> Endpoint {
    Endpoint {
        method,
        path,
        why,
        access,
    }
}

const EXT: &str = "/api/v1/extensions/{platform}/{name}";

/// Who may call what. The fixture of each row is described in [`Env::prepare`]: the
/// developer's team owns it, the version was submitted by someone else and rated medium,
/// promotions target `dev`, releases and risk overrides carry a justification.
const MATRIX: &[Endpoint] = &[
    ep("GET", "/healthz", "probe", Access::Public),
    ep("GET", "/readyz", "probe", Access::Public),
    ep(
        "GET",
        "/api/v1/extensions",
        "read-catalog on the catalog (developer-reads-catalog-root, reviewers-read-submissions, auditor-reads-everything)",
        Access::Roles(READERS),
    ),
    ep(
        "POST",
        "/api/v1/extensions",
        "create-extension for the caller's team: developer-works-on-own-team only",
        Access::Roles(&[DEV]),
    ),
    ep(
        "GET",
        EXT,
        "read-catalog on an extension",
        Access::Roles(READERS),
    ),
    ep(
        "PATCH",
        EXT,
        "update-extension: developer-works-on-own-team, steward-governs",
        Access::Roles(&[DEV, STEW]),
    ),
    ep(
        "PUT",
        "/api/v1/extensions/{platform}/{name}/risk",
        "override-risk with a justification: steward-governs",
        Access::Roles(&[STEW]),
    ),
    ep(
        "GET",
        "/api/v1/extensions/{platform}/{name}/versions",
        "read-catalog on an extension",
        Access::Roles(READERS),
    ),
    ep(
        "GET",
        "/api/v1/extensions/{platform}/{name}/versions/{version}",
        "read-catalog on a version",
        Access::Roles(READERS),
    ),
    ep(
        "GET",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/findings",
        "read-submission on a version",
        Access::Roles(READERS),
    ),
    ep(
        "GET",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/decisions",
        "read-submission on a version",
        Access::Roles(READERS),
    ),
    ep(
        "GET",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/capabilities",
        "read-submission on a version",
        Access::Roles(READERS),
    ),
    ep(
        "GET",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/sbom",
        "read-submission on a version",
        Access::Roles(READERS),
    ),
    ep(
        "POST",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/reviews",
        "review + approve of someone else's medium-risk version: reviewers-review, reviewer-approves-low-medium-risk, champion-approves-any-risk",
        Access::Roles(&[REV, CHAMP]),
    ),
    ep(
        "POST",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/promote",
        "promote to dev: platform-engineer-promotes",
        Access::Roles(&[PE]),
    ),
    ep(
        "POST",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/quarantine",
        "quarantine everywhere: kill-switch",
        Access::Roles(&[CHAMP, STEW, PE]),
    ),
    ep(
        "POST",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/release",
        "release with a justification: steward-governs",
        Access::Roles(&[STEW]),
    ),
    ep(
        "POST",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/revoke",
        "revoke: steward-governs",
        Access::Roles(&[STEW]),
    ),
    ep(
        "GET",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/status",
        "read-status: runtime-reads-status, people-read-status-and-policy, auditor-reads-everything",
        Access::Roles(&[DEV, REV, CHAMP, STEW, PE, AUD, RT]),
    ),
    ep(
        "GET",
        "/api/v1/trusted-sources",
        "read-catalog on trusted sources (developer-reads-catalog-root for developers)",
        Access::Roles(READERS),
    ),
    ep(
        "POST",
        "/api/v1/trusted-sources",
        "manage-trusted-sources: steward-governs",
        Access::Roles(&[STEW]),
    ),
    ep(
        "DELETE",
        "/api/v1/trusted-sources/{id}",
        "manage-trusted-sources: steward-governs",
        Access::Roles(&[STEW]),
    ),
    ep(
        "POST",
        "/api/v1/submissions",
        "submit a version of the caller's team's extension: developer-works-on-own-team only",
        Access::Roles(&[DEV]),
    ),
    ep(
        "GET",
        "/api/v1/submissions",
        "read-submission, list filtered per submission: every role that may read any submission; not the runtime, which may read none",
        Access::Roles(READERS),
    ),
    ep(
        "GET",
        "/api/v1/submissions/{id}",
        "read-submission on the caller's team's submission",
        Access::Roles(READERS),
    ),
    ep(
        "POST",
        "/api/v1/principals",
        "manage-roles: steward-governs",
        Access::Roles(&[STEW]),
    ),
    ep(
        "GET",
        "/api/v1/principals",
        "who holds which role: the steward who manages roles, the auditor who reads every record",
        Access::Roles(AUDIT_READERS),
    ),
    ep(
        "PUT",
        "/api/v1/principals/{id}/roles",
        "manage-roles on another principal: steward-governs",
        Access::Roles(&[STEW]),
    ),
    ep(
        "POST",
        "/api/v1/tokens",
        "issue-token: steward-governs",
        Access::Roles(&[STEW]),
    ),
    ep(
        "GET",
        "/api/v1/tokens",
        "token metadata: the steward who issues and revokes them, the auditor who reads every record",
        Access::Roles(AUDIT_READERS),
    ),
    ep(
        "DELETE",
        "/api/v1/tokens/{id}",
        "revoke-token of another principal's token: steward-governs",
        Access::Roles(&[STEW]),
    ),
    ep(
        "GET",
        "/api/v1/audit",
        "read-audit",
        Access::Roles(AUDIT_READERS),
    ),
    ep(
        "GET",
        "/api/v1/audit/verify",
        "read-audit",
        Access::Roles(AUDIT_READERS),
    ),
    ep(
        "GET",
        "/api/v1/audit/checkpoints",
        "read-audit",
        Access::Roles(AUDIT_READERS),
    ),
    ep(
        "GET",
        "/api/v1/audit/export",
        "export-audit",
        Access::Roles(AUDIT_READERS),
    ),
];

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Role(&'static str),
    NoToken,
    /// Well-formed but never issued.
    UnknownToken,
    /// Issued to a principal who would be allowed, but past its expiry.
    ExpiredToken,
    /// Issued to a principal who would be allowed, then revoked.
    RevokedToken,
}

impl std::fmt::Display for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Caller::Role(r) => f.write_str(r),
            Caller::NoToken => f.write_str("no token"),
            Caller::UnknownToken => f.write_str("unknown token"),
            Caller::ExpiredToken => f.write_str("expired token"),
            Caller::RevokedToken => f.write_str("revoked token"),
        }
    }
}

fn callers() -> Vec<Caller> {
    let mut c: Vec<Caller> = ROLES.iter().copied().map(Caller::Role).collect();
    c.extend([
        Caller::NoToken,
        Caller::UnknownToken,
        Caller::ExpiredToken,
        Caller::RevokedToken,
    ]);
    c
}

// ---------------------------------------------------------------- the registry under test

const TEAM: &str = "team-crm";
const OTHER_TEAM: &str = "team-ops";
/// The developer's team's extension every read row looks at.
const CRM: &str = "n8n-nodes-crm";
/// Another team's extension.
const OPS: &str = "n8n-nodes-ops";
const ALL_SCOPES: [&str; 4] = ["read", "write", "admin", "status"];

/// A principal and its tokens.
struct Person {
    id: String,
    /// Every scope, so only the roles decide.
    token: String,
    expired: String,
    revoked: String,
}

enum Payload {
    Empty,
    Json(Value),
    /// `POST /api/v1/submissions`: the template and the archive.
    Multipart(Value, Vec<u8>),
}

#[derive(Clone, Copy)]
enum Expect {
    /// 2xx.
    Success,
    Status(StatusCode),
    /// 403 naming this policy (a forbid guard rail, or a token scope).
    ForbiddenBy(&'static str),
}

struct Env {
    t: TestStore,
    app: Router,
    backend: &'static str,
    /// One principal per role; the developer is in `team-crm`.
    people: BTreeMap<&'static str, Person>,
    /// A developer of `team-ops`.
    other_dev: Person,
    /// The principal whose tokens the token rows issue and revoke.
    victim: String,
    crm_submission: i64,
    ops_submission: i64,
    seq: AtomicU64,
    /// Highest audit sequence number seen so far.
    audit_seen: AtomicI64,
    failures: std::sync::Mutex<Vec<String>>,
}

fn package(name: &str, version: &str) -> Vec<u8> {
    // Gzip magic then text: the store keeps bytes as they come and no scanner runs here
    // (the scan result is recorded directly, see `Env::scan_queued`).
    let mut v = vec![0x1f, 0x8b];
    v.extend_from_slice(
        format!(
            "package/package.json {{\"name\":\"{name}\",\"version\":\"{version}\",\"n8n\":{{\"nodes\":[\"dist/nodes/Node.node.js\"]}}}}\n"
        )
        .as_bytes(),
    );
    v
}

fn meta(name: &str, version: &str, owner: &str) -> Value {
    json!({
        "platform": "n8n", "name": name, "version": version, "owner": owner,
        "purpose": "sync CRM contacts into workflows", "data_classes": ["pii"],
        "external_services": ["api.crm.example"], "risk_self_assessment": "medium",
        "test_evidence": "https://ci.example/runs/7", "maintainers": ["dana@example.com"]
    })
}

fn multipart(meta: &Value, artifact: &[u8]) -> (String, Vec<u8>) {
    let boundary = "authz-matrix-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n").as_bytes());
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"artifact\"; filename=\"pkg.tgz\"\r\nContent-Type: application/gzip\r\n\r\n").as_bytes());
    body.extend_from_slice(artifact);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

async fn person(
    store: &Store,
    steward: &str,
    name: &str,
    roles: &[&str],
    teams: &[&str],
) -> Person {
    let p = store
        .create_principal(steward, name, &strings(roles), &strings(teams))
        .await
        .expect("create principal");
    let scopes = strings(&ALL_SCOPES);
    let token = store
        .issue_token(steward, &p.id, &scopes, None, "matrix")
        .await
        .expect("token")
        .secret;
    let expired = store
        .issue_token(steward, &p.id, &scopes, Some(1), "expires at once")
        .await
        .expect("token")
        .secret;
    let revoked = store
        .issue_token(steward, &p.id, &scopes, None, "revoked")
        .await
        .expect("token");
    store
        .revoke_token(steward, &revoked.token.id)
        .await
        .expect("revoke");
    Person {
        id: p.id,
        token,
        expired,
        revoked: revoked.secret,
    }
}

async fn setup(kind: Kind) -> Env {
    let t = TestStore::new(kind).await;
    let state = AppState::new(
        t.store.clone(),
        Arc::new(CedarAuthorizer::default_policies().expect("default policies validate")),
        1024 * 1024,
    );
    let app = router(state);
    let store = t.store.clone();
    let boot = store.bootstrap_steward("root").await.expect("bootstrap");
    let steward = boot.token.principal_id.clone();
    let scopes = strings(&ALL_SCOPES);
    let mut people = BTreeMap::new();
    let expired = store
        .issue_token(&steward, &steward, &scopes, Some(1), "expires at once")
        .await
        .expect("token")
        .secret;
    let revoked = store
        .issue_token(&steward, &steward, &scopes, None, "revoked")
        .await
        .expect("token");
    store
        .revoke_token(&steward, &revoked.token.id)
        .await
        .expect("revoke");
    people.insert(
        STEW,
        Person {
            id: steward.clone(),
            token: boot.secret,
            expired,
            revoked: revoked.secret,
        },
    );
    for role in ROLES.iter().filter(|r| **r != STEW) {
        let teams: &[&str] = if *role == DEV { &[TEAM] } else { &[] };
        people.insert(*role, person(&store, &steward, role, &[*role], teams).await);
    }
    let other_dev = person(&store, &steward, "other-dev", &[DEV], &[OTHER_TEAM]).await;
    let victim = store
        .create_principal(&steward, "victim", &strings(&[REV]), &[])
        .await
        .expect("victim")
        .id;
    store
        .add_trusted_source(
            &steward,
            &NewTrustedSource {
                platform: "n8n".into(),
                kind: "platform".into(),
                pattern: "n8n".into(),
                note: String::new(),
            },
        )
        .await
        .expect("trusted source");
    let mut env = Env {
        t,
        app,
        backend: match kind {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
        },
        people,
        other_dev,
        victim,
        crm_submission: 0,
        ops_submission: 0,
        seq: AtomicU64::new(0),
        audit_seen: AtomicI64::new(0),
        failures: std::sync::Mutex::new(Vec::new()),
    };
    let dev = env.people[DEV].id.clone();
    let other = env.other_dev.id.clone();
    env.crm_submission = env.scanned(CRM, "1.0.0", TEAM, &dev, "medium").await;
    env.ops_submission = env.scanned(OPS, "1.0.0", OTHER_TEAM, &other, "low").await;
    // The `Some(1)` tokens above are past their expiry by now.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    env
}

impl Env {
    fn store(&self) -> &Store {
        &self.t.store
    }

    fn next(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn id(&self, role: &str) -> &str {
        &self.people[role].id
    }

    fn token(&self, role: &str) -> &str {
        &self.people[role].token
    }

    fn fail(&self, msg: String) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("[{}] {msg}", self.backend));
    }

    /// Submits `name@version` as `submitter` and records a clean scan rating the
    /// extension `risk`: the version is then `in-review`.
    async fn scanned(
        &self,
        name: &str,
        version: &str,
        owner: &str,
        submitter: &str,
        risk: &str,
    ) -> i64 {
        let m: SubmissionMetadata =
            serde_json::from_value(meta(name, version, owner)).expect("template");
        let sub = self
            .store()
            .submit(submitter, &m, package(name, version))
            .await
            .expect("submit");
        self.scan_queued(Some((sub.id, risk))).await;
        sub.id
    }

    /// Plays the scan worker for every queued job (submissions made over HTTP included),
    /// rating the extension of `rated.0` as `rated.1`; other scans leave ratings alone.
    async fn scan_queued(&self, rated: Option<(i64, &str)>) {
        while let Some(job) = self
            .store()
            .claim_job("authz-worker", 60_000)
            .await
            .expect("claim")
        {
            let risk = rated
                .filter(|(sid, _)| *sid == job.submission_id)
                .map(|(_, r)| r.to_string());
            let result = ScanResult {
                findings: vec![],
                decision: Decision::approve(),
                inputs: json!({"findings_by_severity": {}}),
                risk,
                decided_by: "gate:authz-matrix".into(),
                documents: [
                    (
                        "capability-manifest".to_string(),
                        json!({"schema_version": "1.0"}),
                    ),
                    ("sbom".to_string(), json!({"bomFormat": "CycloneDX"})),
                ]
                .into_iter()
                .collect(),
            };
            self.store()
                .complete_job(job.id, "authz-worker", &result)
                .await
                .expect("complete");
        }
    }

    /// A new in-review version of the team's extension, submitted by the developer.
    async fn fresh_version(&self) -> String {
        let v = format!("2.0.{}", self.next());
        let dev = self.id(DEV).to_string();
        self.scanned(CRM, &v, TEAM, &dev, "medium").await;
        v
    }

    /// Highest audit sequence number now.
    async fn audit_head(&self) -> i64 {
        let mut after = self.audit_seen.load(Ordering::Relaxed);
        loop {
            let page = self
                .store()
                .audit_events(&AuditFilter {
                    after_seq: Some(after),
                    limit: Some(1000),
                    ..Default::default()
                })
                .await
                .expect("audit events");
            match page.last() {
                Some(e) => after = e.seq,
                None => break,
            }
            if page.len() < 1000 {
                break;
            }
        }
        self.audit_seen.store(after, Ordering::Relaxed);
        after
    }

    /// A concrete, valid request for a table row, with whatever fixture it consumes
    /// created just before (so every allowed call can succeed and no call depends on an
    /// earlier one).
    async fn prepare(&self, method: &str, path: &str) -> Option<(String, Payload)> {
        let ext = format!("/api/v1/extensions/n8n/{CRM}");
        let base = format!("{ext}/versions/1.0.0");
        let n = self.next();
        let steward = self.id(STEW).to_string();
        let r = match (method, path) {
            ("GET", "/healthz") | ("GET", "/readyz") => (path.to_string(), Payload::Empty),
            ("GET", "/api/v1/extensions") => (path.to_string(), Payload::Empty),
            ("POST", "/api/v1/extensions") => (
                path.to_string(),
                Payload::Json(json!({
                    "platform": "n8n", "name": format!("n8n-nodes-new-{n}"), "owner_team": TEAM,
                    "description": "contacts sync", "data_classes": ["pii"]
                })),
            ),
            ("GET", EXT) => (ext, Payload::Empty),
            ("PATCH", EXT) => (
                ext,
                Payload::Json(json!({"description": format!("edited {n}")})),
            ),
            ("PUT", "/api/v1/extensions/{platform}/{name}/risk") => {
                let name = format!("n8n-nodes-rated-{n}");
                self.store()
                    .create_extension(
                        self.id(DEV),
                        &NewExtension {
                            platform: "n8n".into(),
                            name: name.clone(),
                            owner_team: TEAM.into(),
                            ..Default::default()
                        },
                    )
                    .await
                    .expect("extension");
                (
                    format!("/api/v1/extensions/n8n/{name}/risk"),
                    Payload::Json(
                        json!({"rating": "high", "justification": "handles payment data"}),
                    ),
                )
            }
            ("GET", "/api/v1/extensions/{platform}/{name}/versions") => {
                (format!("{ext}/versions"), Payload::Empty)
            }
            ("GET", "/api/v1/extensions/{platform}/{name}/versions/{version}") => {
                (base, Payload::Empty)
            }
            ("GET", "/api/v1/extensions/{platform}/{name}/versions/{version}/findings") => {
                (format!("{base}/findings"), Payload::Empty)
            }
            ("GET", "/api/v1/extensions/{platform}/{name}/versions/{version}/decisions") => {
                (format!("{base}/decisions"), Payload::Empty)
            }
            ("GET", "/api/v1/extensions/{platform}/{name}/versions/{version}/capabilities") => {
                (format!("{base}/capabilities"), Payload::Empty)
            }
            ("GET", "/api/v1/extensions/{platform}/{name}/versions/{version}/sbom") => {
                (format!("{base}/sbom"), Payload::Empty)
            }
            ("POST", "/api/v1/extensions/{platform}/{name}/versions/{version}/reviews") => {
                let v = self.fresh_version().await;
                (
                    format!("{ext}/versions/{v}/reviews"),
                    Payload::Json(json!({"verdict": "approve", "comment": "traces checked"})),
                )
            }
            ("POST", "/api/v1/extensions/{platform}/{name}/versions/{version}/promote") => {
                let v = self.fresh_version().await;
                (
                    format!("{ext}/versions/{v}/promote"),
                    Payload::Json(json!({"env": "dev", "reason": "first rollout"})),
                )
            }
            ("POST", "/api/v1/extensions/{platform}/{name}/versions/{version}/quarantine") => {
                let v = self.fresh_version().await;
                (
                    format!("{ext}/versions/{v}/quarantine"),
                    Payload::Json(json!({"reason": "suspected credential exfiltration"})),
                )
            }
            ("POST", "/api/v1/extensions/{platform}/{name}/versions/{version}/release") => {
                let v = self.fresh_version().await;
                self.store()
                    .change_env(
                        &steward,
                        "n8n",
                        CRM,
                        &v,
                        EnvAction::Quarantine,
                        Some("dev"),
                        "suspected",
                    )
                    .await
                    .expect("quarantine");
                (
                    format!("{ext}/versions/{v}/release"),
                    Payload::Json(
                        json!({"env": "dev", "reason": "false positive, traffic reviewed"}),
                    ),
                )
            }
            ("POST", "/api/v1/extensions/{platform}/{name}/versions/{version}/revoke") => {
                let v = self.fresh_version().await;
                (
                    format!("{ext}/versions/{v}/revoke"),
                    Payload::Json(json!({"reason": "maintainer account compromised"})),
                )
            }
            ("GET", "/api/v1/extensions/{platform}/{name}/versions/{version}/status") => {
                (format!("{base}/status?env=prod"), Payload::Empty)
            }
            ("GET", "/api/v1/trusted-sources") => (path.to_string(), Payload::Empty),
            ("POST", "/api/v1/trusted-sources") => (
                path.to_string(),
                Payload::Json(json!({
                    "platform": "n8n", "kind": "npm-scope", "pattern": format!("@vendor{n}"),
                    "note": "signed vendor agreement"
                })),
            ),
            ("DELETE", "/api/v1/trusted-sources/{id}") => {
                let s = self
                    .store()
                    .add_trusted_source(
                        &steward,
                        &NewTrustedSource {
                            platform: "n8n".into(),
                            kind: "npm-scope".into(),
                            pattern: format!("@gone{n}"),
                            note: String::new(),
                        },
                    )
                    .await
                    .expect("trusted source");
                (format!("/api/v1/trusted-sources/{}", s.id), Payload::Empty)
            }
            ("POST", "/api/v1/submissions") => {
                let v = format!("3.0.{n}");
                (
                    path.to_string(),
                    Payload::Multipart(meta(CRM, &v, TEAM), package(CRM, &v)),
                )
            }
            ("GET", "/api/v1/submissions") => (path.to_string(), Payload::Empty),
            ("GET", "/api/v1/submissions/{id}") => (
                format!("/api/v1/submissions/{}", self.crm_submission),
                Payload::Empty,
            ),
            ("POST", "/api/v1/principals") => (
                path.to_string(),
                Payload::Json(json!({"name": format!("erin-{n}"), "roles": [REV], "teams": []})),
            ),
            ("GET", "/api/v1/principals") => (path.to_string(), Payload::Empty),
            ("PUT", "/api/v1/principals/{id}/roles") => {
                let p = self
                    .store()
                    .create_principal(&steward, &format!("frank-{n}"), &strings(&[REV]), &[])
                    .await
                    .expect("principal");
                (
                    format!("/api/v1/principals/{}/roles", p.id),
                    Payload::Json(json!({"roles": [REV, CHAMP]})),
                )
            }
            ("POST", "/api/v1/tokens") => (
                path.to_string(),
                Payload::Json(json!({
                    "principal_id": self.victim, "scopes": ["read"], "ttl_seconds": 3600,
                    "description": "ci pipeline"
                })),
            ),
            ("GET", "/api/v1/tokens") => (path.to_string(), Payload::Empty),
            ("DELETE", "/api/v1/tokens/{id}") => {
                let t = self
                    .store()
                    .issue_token(
                        &steward,
                        &self.victim,
                        &strings(&["read"]),
                        None,
                        "to revoke",
                    )
                    .await
                    .expect("token");
                (format!("/api/v1/tokens/{}", t.token.id), Payload::Empty)
            }
            ("GET", "/api/v1/audit")
            | ("GET", "/api/v1/audit/verify")
            | ("GET", "/api/v1/audit/checkpoints")
            | ("GET", "/api/v1/audit/export") => (path.to_string(), Payload::Empty),
            _ => return None,
        };
        Some(r)
    }

    async fn send(
        &self,
        method: &str,
        uri: &str,
        bearer: Option<&str>,
        payload: Payload,
    ) -> (StatusCode, Option<String>, Value) {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(t) = bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match payload {
            Payload::Empty => b.body(Body::empty()),
            Payload::Json(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            Payload::Multipart(m, a) => {
                let (ct, body) = multipart(&m, &a);
                b.header(header::CONTENT_TYPE, ct).body(Body::from(body))
            }
        }
        .expect("request");
        let resp = self.app.clone().oneshot(req).await.expect("router answers");
        let status = resp.status();
        let www = resp
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, www, v)
    }

    /// Sends one request and records a failure unless the answer is `expect`. A refused
    /// request must also leave the audit log as it was; an accepted change must add to it.
    async fn check(
        &self,
        label: &str,
        method: &str,
        uri: &str,
        bearer: Option<&str>,
        payload: Payload,
        expect: Expect,
    ) -> Value {
        let before = self.audit_head().await;
        let (status, www, body) = self.send(method, uri, bearer, payload).await;
        let after = self.audit_head().await;
        let shown = || {
            let mut s = body.to_string();
            if s.len() > 300 {
                let mut cut = 300;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                s.truncate(cut);
                s.push('…');
            }
            s
        };
        match expect {
            Expect::Success => {
                if !status.is_success() {
                    self.fail(format!(
                        "{label}: {method} {uri}: expected success, got {status} {}",
                        shown()
                    ));
                } else if method != "GET" && after == before {
                    self.fail(format!(
                        "{label}: {method} {uri}: accepted ({status}) but no audit event recorded"
                    ));
                }
            }
            Expect::Status(want) => {
                if status != want {
                    self.fail(format!(
                        "{label}: {method} {uri}: expected {want}, got {status} {}",
                        shown()
                    ));
                } else if want == StatusCode::UNAUTHORIZED
                    && (body["error"]["code"] != "unauthorized" || www.as_deref() != Some("Bearer"))
                {
                    self.fail(format!(
                        "{label}: {method} {uri}: 401 without the `unauthorized` body and `WWW-Authenticate: Bearer`: {}",
                        shown()
                    ));
                } else if want == StatusCode::FORBIDDEN && body["error"]["code"] != "forbidden" {
                    self.fail(format!(
                        "{label}: {method} {uri}: 403 without the `forbidden` body: {}",
                        shown()
                    ));
                }
                if !status.is_success() && after != before {
                    self.fail(format!(
                        "{label}: {method} {uri}: refused ({status}) yet {} audit event(s) were recorded",
                        after - before
                    ));
                }
            }
            Expect::ForbiddenBy(policy) => {
                let named = body["error"]["policies"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|x| x == policy));
                if status != StatusCode::FORBIDDEN || !named {
                    self.fail(format!(
                        "{label}: {method} {uri}: expected 403 by `{policy}`, got {status} {}",
                        shown()
                    ));
                }
                if after != before {
                    self.fail(format!(
                        "{label}: {method} {uri}: refused yet {} audit event(s) were recorded",
                        after - before
                    ));
                }
            }
        }
        body
    }
}

// ---------------------------------------------------------------- the tests

/// The documented operations, as (METHOD, path).
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for m in [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ] {
                if item.get(m).is_some() {
                    ops.insert((m.to_ascii_uppercase(), path.clone()));
                }
            }
        }
    }
    ops
}

async fn table_covers_the_openapi_document(e: &Env) {
    let (status, _, doc) = e
        .send("GET", "/api/v1/openapi.json", None, Payload::Empty)
        .await;
    assert_eq!(status, StatusCode::OK, "the OpenAPI document is served");
    let documented = documented(&doc);
    assert!(documented.len() > 10, "the document lists the API: {doc}");
    let table: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(
        table.len(),
        MATRIX.len(),
        "the table lists an endpoint twice"
    );
    for (m, p) in documented.difference(&table) {
        e.fail(format!(
            "{m} {p} is in the OpenAPI document but not in MATRIX: add its row (roles allowed per the Cedar policies) and a request in Env::prepare"
        ));
    }
    for (m, p) in table.difference(&documented) {
        e.fail(format!(
            "{m} {p} is in MATRIX but not in the OpenAPI document (removed or undocumented endpoint)"
        ));
    }
}

async fn every_endpoint_every_caller(e: &Env) {
    for row in MATRIX {
        // The principal whose dead tokens are tried: one the endpoint would admit, so a 401
        // can only come from the token itself.
        let admitted = match &row.access {
            Access::Public => STEW,
            Access::Roles(r) => r.first().copied().unwrap_or(STEW),
        };
        for caller in callers() {
            let Some((uri, payload)) = e.prepare(row.method, row.path).await else {
                e.fail(format!(
                    "{} {}: no request in Env::prepare for this row",
                    row.method, row.path
                ));
                break;
            };
            let (bearer, expect) = match (caller, &row.access) {
                (Caller::Role(r), Access::Public) => {
                    (Some(e.token(r).to_string()), Expect::Success)
                }
                (Caller::Role(r), Access::Roles(allowed)) => (
                    Some(e.token(r).to_string()),
                    if allowed.contains(&r) {
                        Expect::Success
                    } else {
                        Expect::Status(StatusCode::FORBIDDEN)
                    },
                ),
                (dead, access) => {
                    let bearer = match dead {
                        Caller::NoToken => None,
                        Caller::UnknownToken => Some(format!("pct_{}", "0".repeat(64))),
                        Caller::ExpiredToken => Some(e.people[admitted].expired.clone()),
                        Caller::RevokedToken => Some(e.people[admitted].revoked.clone()),
                        Caller::Role(_) => unreachable!("matched above"),
                    };
                    let expect = match access {
                        Access::Public => Expect::Success,
                        Access::Roles(_) => Expect::Status(StatusCode::UNAUTHORIZED),
                    };
                    (bearer, expect)
                }
            };
            let label = format!("{caller} ({})", row.why);
            e.check(&label, row.method, &uri, bearer.as_deref(), payload, expect)
                .await;
        }
        // Scans of versions submitted over HTTP, so the queue stays empty for fixtures.
        e.scan_queued(None).await;
    }
}

/// Attribute-based rules of the policies, each with the case that passes next to the one
/// that must not.
async fn guard_rails(e: &Env) {
    use Expect::*;
    let ok = Status(StatusCode::OK);
    let created = Status(StatusCode::CREATED);
    let forbidden = Status(StatusCode::FORBIDDEN);
    let dev = e.token(DEV).to_string();
    let other = e.other_dev.token.clone();
    let crm = format!("/api/v1/extensions/n8n/{CRM}");
    let ops = format!("/api/v1/extensions/n8n/{OPS}");
    let j = |v: Value| Payload::Json(v);

    // Teams (developer-works-on-own-team): a developer acts on their team's extensions only.
    for (label, method, uri, payload) in [
        ("other team's extension", "GET", ops.clone(), Payload::Empty),
        (
            "other team's extension",
            "PATCH",
            ops.clone(),
            j(json!({"description": "mine now"})),
        ),
        (
            "other team's versions",
            "GET",
            format!("{ops}/versions"),
            Payload::Empty,
        ),
        (
            "other team's version",
            "GET",
            format!("{ops}/versions/1.0.0"),
            Payload::Empty,
        ),
        (
            "other team's findings",
            "GET",
            format!("{ops}/versions/1.0.0/findings"),
            Payload::Empty,
        ),
        (
            "other team's decisions",
            "GET",
            format!("{ops}/versions/1.0.0/decisions"),
            Payload::Empty,
        ),
        (
            "other team's submission",
            "GET",
            format!("/api/v1/submissions/{}", e.ops_submission),
            Payload::Empty,
        ),
        (
            "new version of another team's extension",
            "POST",
            "/api/v1/submissions".to_string(),
            Payload::Multipart(meta(OPS, "1.1.0", OTHER_TEAM), package(OPS, "1.1.0")),
        ),
        (
            "new extension for another team",
            "POST",
            "/api/v1/submissions".to_string(),
            Payload::Multipart(
                meta("n8n-nodes-ops-extra", "1.0.0", OTHER_TEAM),
                package("n8n-nodes-ops-extra", "1.0.0"),
            ),
        ),
        (
            "register an extension for another team",
            "POST",
            "/api/v1/extensions".to_string(),
            j(json!({"platform": "n8n", "name": "n8n-nodes-ops-two", "owner_team": OTHER_TEAM})),
        ),
        (
            "hand own extension to another team",
            "PATCH",
            crm.clone(),
            j(json!({"owner_team": OTHER_TEAM})),
        ),
    ] {
        e.check(
            &format!("developer of {TEAM}: {label}"),
            method,
            &uri,
            Some(&dev),
            payload,
            Status(StatusCode::FORBIDDEN),
        )
        .await;
    }
    let (_, _, still) = e.send("GET", &crm, Some(&dev), Payload::Empty).await;
    if still["owner_team"] != TEAM {
        e.fail(format!("a refused hand-over changed the owner: {still}"));
    }
    // The same developer's own team, and the other team's developer on theirs.
    e.check(
        "developer: own team's version",
        "GET",
        &format!("{crm}/versions/1.0.0/findings"),
        Some(&dev),
        Payload::Empty,
        ok,
    )
    .await;
    e.check(
        "other team's developer on own extension",
        "PATCH",
        &ops,
        Some(&other),
        j(json!({"description": "ops sync"})),
        ok,
    )
    .await;
    // Retiring answers `revoked` for every version everywhere: revoke rights, not update rights.
    e.check(
        "developer retires own team's extension",
        "PATCH",
        &crm,
        Some(&dev),
        j(json!({"lifecycle": "retired"})),
        forbidden,
    )
    .await;
    let (_, _, still) = e.send("GET", &crm, Some(&dev), Payload::Empty).await;
    if still["lifecycle"] == "retired" {
        e.fail(format!(
            "a refused retirement retired the extension: {still}"
        ));
    }
    e.check(
        "other team's developer on team-crm's",
        "GET",
        &crm,
        Some(&other),
        Payload::Empty,
        forbidden,
    )
    .await;
    e.check(
        "other team's developer submits to own team",
        "POST",
        "/api/v1/submissions",
        Some(&other),
        Payload::Multipart(meta(OPS, "1.2.0", OTHER_TEAM), package(OPS, "1.2.0")),
        Status(StatusCode::ACCEPTED),
    )
    .await;
    e.scan_queued(None).await;
    // The submissions list shows a developer their team's submissions only; staff see all.
    for (who, token, name, visible) in [
        ("developer of team-crm", dev.clone(), CRM, true),
        ("developer of team-crm", dev.clone(), OPS, false),
        ("developer of team-ops", other.clone(), CRM, false),
        ("developer of team-ops", other.clone(), OPS, true),
        ("reviewer", e.token(REV).to_string(), OPS, true),
        ("auditor", e.token(AUD).to_string(), CRM, true),
    ] {
        let page = e
            .check(
                &format!("{who}: submissions of {name}"),
                "GET",
                &format!("/api/v1/submissions?platform=n8n&name={name}"),
                Some(&token),
                Payload::Empty,
                ok,
            )
            .await;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let shown: BTreeSet<&str> = items
            .iter()
            .filter_map(|s| s["version"]["name"].as_str())
            .collect();
        let want: BTreeSet<&str> = if visible {
            [name].into()
        } else {
            BTreeSet::new()
        };
        if shown != want {
            e.fail(format!(
                "{who}: submissions list for {name} shows {shown:?}, expected {want:?}"
            ));
        }
    }
    // Install status is not team-scoped (people-read-status-and-policy).
    e.check(
        "developer: other team's install status",
        "GET",
        &format!("{ops}/versions/1.0.0/status?env=dev"),
        Some(&dev),
        Payload::Empty,
        ok,
    )
    .await;
    // The catalog list is filtered per team for developers, whole for staff.
    for (who, token, sees, hidden) in [
        ("developer of team-crm", dev.clone(), Some(CRM), Some(OPS)),
        ("developer of team-ops", other.clone(), Some(OPS), Some(CRM)),
        ("reviewer", e.token(REV).to_string(), None, None),
    ] {
        let list = e
            .check(
                &format!("{who}: catalog list"),
                "GET",
                "/api/v1/extensions",
                Some(&token),
                Payload::Empty,
                ok,
            )
            .await;
        let names: BTreeSet<String> = list
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let teams: BTreeSet<String> = list
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["owner_team"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        match (sees, hidden) {
            (Some(s), Some(h)) => {
                let own = if s == CRM { TEAM } else { OTHER_TEAM };
                if !names.contains(s) || names.contains(h) || teams.iter().any(|t| t != own) {
                    e.fail(format!("{who}: the catalog list shows other teams' extensions or hides its own: {names:?} (teams {teams:?})"));
                }
            }
            _ => {
                if !names.contains(CRM) || !names.contains(OPS) {
                    e.fail(format!(
                        "{who}: the catalog list is missing extensions: {names:?}"
                    ));
                }
            }
        }
    }

    // Separation of duties (sod-no-self-approval): one principal who is both developer and
    // reviewer (or champion) cannot review what they submitted; a colleague can.
    let st = e.id(STEW).to_string();
    let dual_rev = person(e.store(), &st, "dev-and-reviewer", &[DEV, REV], &[TEAM]).await;
    let dual_champ = person(e.store(), &st, "dev-and-champion", &[DEV, CHAMP], &[TEAM]).await;
    let v = format!("4.0.{}", e.next());
    e.scanned(CRM, &v, TEAM, &dual_rev.id, "medium").await;
    let reviews = format!("{crm}/versions/{v}/reviews");
    for verdict in ["request-changes", "approve"] {
        e.check(
            &format!("submitter reviews own version ({verdict})"),
            "POST",
            &reviews,
            Some(&dual_rev.token),
            j(json!({"verdict": verdict, "comment": "looks fine to me"})),
            ForbiddenBy("sod-no-self-approval"),
        )
        .await;
    }
    e.check(
        "a colleague reviews it",
        "POST",
        &reviews,
        Some(e.token(REV)),
        j(json!({"verdict": "approve"})),
        created,
    )
    .await;
    let risky = "n8n-nodes-risky";
    e.scanned(risky, "1.0.0", TEAM, &dual_champ.id, "high")
        .await;
    let risky_reviews = format!("/api/v1/extensions/n8n/{risky}/versions/1.0.0/reviews");
    e.check(
        "champion approves own high-risk version",
        "POST",
        &risky_reviews,
        Some(&dual_champ.token),
        j(json!({"verdict": "approve"})),
        ForbiddenBy("sod-no-self-approval"),
    )
    .await;

    // Approval by risk: reviewers approve low and medium only (reviewer-approves-low-medium-risk);
    // champions any (champion-approves-any-risk); reviewing without approving is not risk-bound.
    let approve = || j(json!({"verdict": "approve", "comment": "ok"}));
    e.check(
        "reviewer approves high risk",
        "POST",
        &risky_reviews,
        Some(e.token(REV)),
        approve(),
        forbidden,
    )
    .await;
    e.check(
        "reviewer requests changes on high risk",
        "POST",
        &risky_reviews,
        Some(e.token(REV)),
        j(json!({"verdict": "request-changes", "comment": "pin the host"})),
        created,
    )
    .await;
    e.scanned(risky, "1.0.1", TEAM, e.id(DEV), "high").await;
    e.check(
        "champion approves high risk",
        "POST",
        &format!("/api/v1/extensions/n8n/{risky}/versions/1.0.1/reviews"),
        Some(e.token(CHAMP)),
        approve(),
        created,
    )
    .await;
    let critical = "n8n-nodes-critical";
    e.scanned(critical, "1.0.0", TEAM, e.id(DEV), "critical")
        .await;
    let crit_reviews = format!("/api/v1/extensions/n8n/{critical}/versions/1.0.0/reviews");
    e.check(
        "reviewer approves critical risk",
        "POST",
        &crit_reviews,
        Some(e.token(REV)),
        approve(),
        forbidden,
    )
    .await;
    e.check(
        "champion approves critical risk",
        "POST",
        &crit_reviews,
        Some(e.token(CHAMP)),
        approve(),
        created,
    )
    .await;
    let low = "n8n-nodes-low";
    e.scanned(low, "1.0.0", TEAM, e.id(DEV), "low").await;
    e.check(
        "reviewer approves low risk",
        "POST",
        &format!("/api/v1/extensions/n8n/{low}/versions/1.0.0/reviews"),
        Some(e.token(REV)),
        approve(),
        created,
    )
    .await;

    // Promotion (promotion-needs-target, prod-needs-approved-signed).
    let pe = e.token(PE).to_string();
    let unapproved = e.fresh_version().await;
    let promote = format!("{crm}/versions/{unapproved}/promote");
    e.check(
        "promotion without a target",
        "POST",
        &promote,
        Some(&pe),
        j(json!({"reason": "go"})),
        ForbiddenBy("promotion-needs-target"),
    )
    .await;
    e.check(
        "unapproved version to dev",
        "POST",
        &promote,
        Some(&pe),
        j(json!({"env": "dev"})),
        ok,
    )
    .await;
    e.check(
        "unapproved version to prod",
        "POST",
        &promote,
        Some(&pe),
        j(json!({"env": "prod"})),
        ForbiddenBy("prod-needs-approved-signed"),
    )
    .await;
    let approved = e.fresh_version().await;
    e.store()
        .add_review(e.id(REV), "n8n", CRM, &approved, "approve", "checked")
        .await
        .expect("approve");
    let promote = format!("{crm}/versions/{approved}/promote");
    for env in ["dev", "staging", "prod"] {
        e.check(
            &format!("approved version to {env}"),
            "POST",
            &promote,
            Some(&pe),
            j(json!({"env": env})),
            ok,
        )
        .await;
    }
    // Even a steward does not promote (platform-engineer-promotes only).
    let v = e.fresh_version().await;
    e.check(
        "steward promotes",
        "POST",
        &format!("{crm}/versions/{v}/promote"),
        Some(e.token(STEW)),
        j(json!({"env": "dev"})),
        forbidden,
    )
    .await;

    // Justifications (risk-override-needs-justification).
    let stew = e.token(STEW).to_string();
    let v = e.fresh_version().await;
    e.store()
        .change_env(
            &st,
            "n8n",
            CRM,
            &v,
            EnvAction::Quarantine,
            None,
            "incident 12",
        )
        .await
        .expect("quarantine");
    let release = format!("{crm}/versions/{v}/release");
    e.check(
        "release without a reason",
        "POST",
        &release,
        Some(&stew),
        j(json!({"reason": "   "})),
        ForbiddenBy("risk-override-needs-justification"),
    )
    .await;
    e.check(
        "release with a reason",
        "POST",
        &release,
        Some(&stew),
        j(json!({"reason": "vendor fixed it in 2.0.1"})),
        ok,
    )
    .await;
    e.check(
        "risk override without a justification",
        "PUT",
        &format!("{crm}/risk"),
        Some(&stew),
        j(json!({"rating": "low", "justification": ""})),
        ForbiddenBy("risk-override-needs-justification"),
    )
    .await;

    // Nobody changes their own roles (no-self-role-change); the steward changes others'.
    e.check(
        "steward changes own roles",
        "PUT",
        &format!("/api/v1/principals/{st}/roles"),
        Some(&stew),
        j(json!({"roles": [AUD]})),
        ForbiddenBy("no-self-role-change"),
    )
    .await;

    // A role change applies to the very next request of that principal.
    let switcher = person(e.store(), &st, "switcher", &[REV], &[]).await;
    let roles = format!("/api/v1/principals/{}/roles", switcher.id);
    e.check(
        "reviewer reads the audit log",
        "GET",
        "/api/v1/audit",
        Some(&switcher.token),
        Payload::Empty,
        forbidden,
    )
    .await;
    e.check(
        "steward makes them auditor",
        "PUT",
        &roles,
        Some(&stew),
        j(json!({"roles": [AUD]})),
        ok,
    )
    .await;
    e.check(
        "new auditor reads the audit log",
        "GET",
        "/api/v1/audit",
        Some(&switcher.token),
        Payload::Empty,
        ok,
    )
    .await;
    e.check(
        "steward makes them reviewer again",
        "PUT",
        &roles,
        Some(&stew),
        j(json!({"roles": [REV]})),
        ok,
    )
    .await;
    e.check(
        "former auditor reads the audit log",
        "GET",
        "/api/v1/audit",
        Some(&switcher.token),
        Payload::Empty,
        forbidden,
    )
    .await;

    // Token scopes narrow roles: a read-only steward token cannot govern.
    let scoped = |p: String, scopes: &'static [&'static str]| {
        let store = e.store().clone();
        let st = st.clone();
        async move {
            store
                .issue_token(&st, &p, &strings(scopes), None, "scoped")
                .await
                .expect("token")
        }
    };
    let ro_steward = scoped(st.clone(), &["read"]).await.secret;
    e.check(
        "read-only steward token adds a trusted source",
        "POST",
        "/api/v1/trusted-sources",
        Some(&ro_steward),
        j(json!({"platform": "n8n", "kind": "npm-scope", "pattern": "@ro"})),
        ForbiddenBy("token-scope:admin"),
    )
    .await;
    e.check(
        "read-only steward token reads the audit log",
        "GET",
        "/api/v1/audit",
        Some(&ro_steward),
        Payload::Empty,
        ok,
    )
    .await;
    let ro_dev = scoped(e.id(DEV).to_string(), &["read"]).await.secret;
    e.check(
        "read-only developer token submits",
        "POST",
        "/api/v1/submissions",
        Some(&ro_dev),
        Payload::Multipart(meta(CRM, "5.0.0", TEAM), package(CRM, "5.0.0")),
        ForbiddenBy("token-scope:write"),
    )
    .await;
    e.check(
        "read-only developer token reads",
        "GET",
        &crm,
        Some(&ro_dev),
        Payload::Empty,
        ok,
    )
    .await;
    let status_only = scoped(e.id(AUD).to_string(), &["status"]).await.secret;
    e.check(
        "status-only token asks for status",
        "GET",
        &format!("{crm}/versions/1.0.0/status"),
        Some(&status_only),
        Payload::Empty,
        ok,
    )
    .await;
    e.check(
        "status-only token reads the audit log",
        "GET",
        "/api/v1/audit",
        Some(&status_only),
        Payload::Empty,
        ForbiddenBy("token-scope:read"),
    )
    .await;
    e.check(
        "status-only token reads the catalog",
        "GET",
        "/api/v1/extensions",
        Some(&status_only),
        Payload::Empty,
        ForbiddenBy("token-scope:read"),
    )
    .await;

    // Anyone may revoke their own token (documented on the endpoint); it dies at once.
    let spare = scoped(e.id(DEV).to_string(), &["read"]).await;
    e.check(
        "developer revokes own token",
        "DELETE",
        &format!("/api/v1/tokens/{}", spare.token.id),
        Some(&dev),
        Payload::Empty,
        ok,
    )
    .await;
    e.check(
        "the revoked token",
        "GET",
        &crm,
        Some(&spare.secret),
        Payload::Empty,
        Status(StatusCode::UNAUTHORIZED),
    )
    .await;
    // ... but not a colleague's.
    let theirs = scoped(e.id(REV).to_string(), &["read"]).await;
    e.check(
        "developer revokes a reviewer's token",
        "DELETE",
        &format!("/api/v1/tokens/{}", theirs.token.id),
        Some(&dev),
        Payload::Empty,
        forbidden,
    )
    .await;
    e.check(
        "the reviewer's token still works",
        "GET",
        &crm,
        Some(&theirs.secret),
        Payload::Empty,
        ok,
    )
    .await;
    e.scan_queued(None).await;
}

async fn authz_matrix(kind: Kind) {
    let e = setup(kind).await;
    table_covers_the_openapi_document(&e).await;
    every_endpoint_every_caller(&e).await;
    guard_rails(&e).await;
    let failures = std::mem::take(&mut *e.failures.lock().unwrap_or_else(|p| p.into_inner()));
    e.t.cleanup().await;
    assert!(
        failures.is_empty(),
        "{} authorization expectation(s) not met:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

portcullis_registry::both_backends!(authz_matrix);
