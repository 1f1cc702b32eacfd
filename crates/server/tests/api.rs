//! The HTTP API end to end, on SQLite and on PostgreSQL: authentication, authorization of
//! every endpoint, the submission → scan → review → promotion → quarantine workflow, the
//! status API, audit, and concurrency.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use portcullis_core::{
    CapabilitySet, Category, Decision, Finding, Location, Origin, Outcome, Reason, Region,
    ScanReport, ScanStats, Severity, TargetInfo, ToolInfo,
};
use portcullis_registry::testing::{Kind, TestStore};
use portcullis_server::worker::{Scanner, run_job};
use portcullis_server::{AppState, CedarAuthorizer, router, router_with_openapi};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

/// Scans like the real pipeline would for the fixture package: one high-severity command
/// injection in the n8n node, and a gate that quarantines it.
struct FakeScanner;

impl Scanner for FakeScanner {
    fn scan(&self, path: &Path) -> Result<ScanReport, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("CRASH-THE-SCANNER") {
            return Err("scanner failed: unexpected end of archive".into());
        }
        let mut findings = Vec::new();
        let mut observed = CapabilitySet::new();
        if text.contains("child_process") {
            observed.add(
                portcullis_core::Capability::ChildProcess { command: None },
                portcullis_core::Evidence {
                    path: "dist/nodes/Acme/Acme.node.js".into(),
                    line: Some(12),
                    source: "js/cap-child-process".into(),
                },
            );
            let mut loc = Location::file("dist/nodes/Acme/Acme.node.js");
            loc.region = Some(Region::line(12));
            let mut f = Finding::new(
                "js/command-injection",
                Category::Code,
                Severity::High,
                "node parameter `command` reaches child_process.exec",
                loc,
            )
            .with_cwe(78)
            .with_fingerprint_key("exec(command)");
            f.fingerprint = portcullis_core::Fingerprint::compute(
                "js/command-injection",
                "dist/nodes/Acme/Acme.node.js",
                "exec(command)",
                0,
            );
            findings.push(f);
        }
        let mut decision = Decision::approve();
        if !findings.is_empty() {
            decision.push(Reason {
                policy: "quarantine-high-code".into(),
                outcome: Outcome::Quarantine,
                message: "a high severity code finding needs a security champion".into(),
                remediation: Some("do not pass node parameters to a shell".into()),
                findings: findings.iter().map(|f| f.fingerprint.clone()).collect(),
            });
        }
        Ok(ScanReport {
            schema_version: portcullis_core::REPORT_SCHEMA_VERSION.into(),
            tool: ToolInfo {
                name: "portcullis".into(),
                version: "test".into(),
            },
            target: TargetInfo {
                source: path.display().to_string(),
                origin: Origin::Tarball,
                sha256: "x".into(),
                files: 2,
                bytes: bytes.len() as u64,
            },
            extension: None,
            findings,
            observed,
            components: vec![],
            decision,
            rules: vec![],
            notices: vec![],
            properties: BTreeMap::new(),
            stats: ScanStats::default(),
        })
    }
}

fn package(version: &str, body: &str) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b];
    v.extend_from_slice(
        format!(
            "package/package.json {{\"name\":\"n8n-nodes-acme\",\"version\":\"{version}\",\"n8n\":{{\"nodes\":[\"dist/nodes/Acme/Acme.node.js\"]}}}}\n\
             package/dist/nodes/Acme/Acme.node.js {body}\n"
        )
        .as_bytes(),
    );
    v
}

struct Env {
    t: TestStore,
    state: AppState,
    app: Router,
    /// role → (principal id, token)
    who: BTreeMap<&'static str, (String, String)>,
}

const ROLES: &[(&str, &str, &str)] = &[
    // (key, role, team)
    ("steward", "security-steward", ""),
    ("dev", "developer", "team-crm"),
    ("other-dev", "developer", "team-ops"),
    ("reviewer", "reviewer", ""),
    ("champion", "security-champion", ""),
    ("pe", "platform-engineer", ""),
    ("auditor", "auditor", ""),
    ("runtime", "platform-runtime", ""),
];

async fn setup(kind: Kind) -> Env {
    let t = TestStore::new(kind).await;
    let state = AppState::new(
        t.store.clone(),
        Arc::new(CedarAuthorizer::default_policies().unwrap()),
        1024 * 1024,
    );
    let app = router(state.clone());
    let boot = t.store.bootstrap_steward("root").await.unwrap();
    let steward = boot.token.principal_id.clone();
    let mut who = BTreeMap::new();
    who.insert("steward", (steward.clone(), boot.secret));
    for (key, role, team) in ROLES.iter().skip(1) {
        let teams: Vec<String> = if team.is_empty() {
            vec![]
        } else {
            vec![team.to_string()]
        };
        let p = t
            .store
            .create_principal(&steward, key, &[role.to_string()], &teams)
            .await
            .unwrap();
        let scopes: Vec<String> = if *role == "platform-runtime" {
            vec!["status".into()]
        } else {
            vec!["read".into(), "write".into()]
        };
        let tok = t
            .store
            .issue_token(&steward, &p.id, &scopes, None, key)
            .await
            .unwrap();
        who.insert(*key, (p.id, tok.secret));
    }
    // n8n is an approved extension type.
    t.store
        .add_trusted_source(
            &steward,
            &portcullis_registry::NewTrustedSource {
                platform: "n8n".into(),
                kind: "platform".into(),
                pattern: "n8n".into(),
                note: String::new(),
            },
        )
        .await
        .unwrap();
    Env { t, state, app, who }
}

impl Env {
    fn token(&self, who: &str) -> &str {
        &self.who[who].1
    }

    fn id(&self, who: &str) -> &str {
        &self.who[who].0
    }

    async fn call(
        &self,
        method: &str,
        uri: &str,
        who: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(w) = who {
            b = b.header("authorization", format!("Bearer {}", self.token(w)));
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        send(&self.app, req).await
    }

    async fn submit(&self, who: &str, meta: &Value, artifact: &[u8]) -> (StatusCode, Value) {
        submit_via(&self.app, self.token(who), meta, artifact).await
    }

    /// Runs the worker once, as the pool would.
    async fn scan_one(&self) -> bool {
        match self
            .state
            .store
            .claim_job("test-worker", 60_000)
            .await
            .unwrap()
        {
            Some(job) => {
                run_job(&self.state.store, Arc::new(FakeScanner), "test-worker", job).await;
                true
            }
            None => false,
        }
    }
}

/// `POST /api/v1/submissions` (multipart) to `app` with `token`.
async fn submit_via(
    app: &Router,
    token: &str,
    meta: &Value,
    artifact: &[u8],
) -> (StatusCode, Value) {
    let boundary = "portcullis-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n").as_bytes());
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"artifact\"; filename=\"pkg.tgz\"\r\nContent-Type: application/gzip\r\n\r\n").as_bytes());
    body.extend_from_slice(artifact);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/submissions")
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    send(app, req).await
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, v)
}

fn meta(version: &str) -> Value {
    json!({
        "platform": "n8n", "name": "n8n-nodes-acme", "version": version,
        "owner": "team-crm", "purpose": "Acme CRM contacts in workflows",
        "data_classes": ["pii"], "external_services": ["api.acme-crm.example"],
        "risk_self_assessment": "medium", "test_evidence": "https://ci.example/runs/42",
        "maintainers": ["dana@example.com"]
    })
}

const V: &str = "/api/v1/extensions/n8n/n8n-nodes-acme/versions/1.0.0";

async fn health_readiness_and_openapi(kind: Kind) {
    let e = setup(kind).await;
    assert_eq!(
        e.call("GET", "/healthz", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(e.call("GET", "/readyz", None, None).await.0, StatusCode::OK);
    let (s, doc) = e.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/extensions",
        "/api/v1/extensions/{platform}/{name}",
        "/api/v1/extensions/{platform}/{name}/risk",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/status",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/reviews",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/promote",
        "/api/v1/extensions/{platform}/{name}/versions/{version}/quarantine",
        "/api/v1/submissions",
        "/api/v1/tokens",
        "/api/v1/audit",
        "/api/v1/audit/verify",
        "/api/v1/trusted-sources",
    ] {
        assert!(paths.contains_key(p), "OpenAPI lacks {p}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // The document and the router come from the same source.
    let (_, built) = router_with_openapi(e.state.clone());
    assert_eq!(built.paths.paths.len(), paths.len());
    e.t.cleanup().await;
}

async fn authentication_is_required_and_checked(kind: Kind) {
    let e = setup(kind).await;
    let (s, body) = e.call("GET", "/api/v1/extensions", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let req = Request::builder()
        .uri("/api/v1/extensions")
        .header("authorization", "Bearer pct_0000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&e.app, req).await.0, StatusCode::UNAUTHORIZED);
    let req = Request::builder()
        .uri("/api/v1/extensions")
        .header("authorization", format!("Basic {}", e.token("steward")))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&e.app, req).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        e.call("GET", "/api/v1/extensions", Some("steward"), None)
            .await
            .0,
        StatusCode::OK
    );
    // A revoked token stops working at once; a principal may revoke their own token.
    let tok_id = e.t.store.list_tokens(Some(e.id("dev"))).await.unwrap()[0]
        .id
        .clone();
    assert_eq!(
        e.call(
            "DELETE",
            &format!("/api/v1/tokens/{tok_id}"),
            Some("dev"),
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        e.call("GET", "/api/v1/extensions", Some("dev"), None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    e.t.cleanup().await;
}

async fn full_workflow_from_submission_to_kill_switch(kind: Kind) {
    let e = setup(kind).await;
    // Incomplete template → 422 listing exactly what is missing.
    let mut m = meta("1.0.0");
    m.as_object_mut().unwrap().remove("test_evidence");
    m.as_object_mut().unwrap().remove("purpose");
    let (s, body) = e.submit("dev", &m, &package("1.0.0", "x")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["missing"],
        json!(["purpose", "test_evidence"])
    );
    // Another team's developer cannot submit under team-crm.
    assert_eq!(
        e.submit("other-dev", &meta("1.0.0"), &package("1.0.0", "x"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // The owner's developer can.
    let (s, sub) = e
        .submit(
            "dev",
            &meta("1.0.0"),
            &package("1.0.0", "require('child_process').exec(cmd)"),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{sub}");
    let sub_id = sub["id"].as_i64().unwrap();
    assert_eq!(sub["state"], "queued");
    // Same version, different bytes: refused.
    let (s, body) = e
        .submit("dev", &meta("1.0.0"), &package("1.0.0", "other bytes"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("different bytes")
    );

    assert!(e.scan_one().await);
    let (s, sub) = e
        .call(
            "GET",
            &format!("/api/v1/submissions/{sub_id}"),
            Some("dev"),
            None,
        )
        .await;
    assert_eq!((s, sub["state"].as_str()), (StatusCode::OK, Some("done")));
    assert_eq!(
        e.call(
            "GET",
            &format!("/api/v1/submissions/{sub_id}"),
            Some("other-dev"),
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, findings) = e
        .call("GET", &format!("{V}/findings"), Some("reviewer"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(findings[0]["rule_id"], "js/command-injection");
    let (_, decisions) = e
        .call("GET", &format!("{V}/decisions"), Some("dev"), None)
        .await;
    assert_eq!(decisions[0]["outcome"], "quarantine");
    assert_eq!(decisions[0]["inputs"]["findings_by_severity"]["high"], 1);
    assert_eq!(decisions[0]["inputs"]["trusted_source"], true);
    // The capability manifest and the SBOM are stored with the decision.
    let (s, caps) = e
        .call("GET", &format!("{V}/capabilities"), Some("reviewer"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{caps}");
    assert_eq!(caps["schema_version"], "1.0");
    assert!(caps["observed"].is_array(), "{caps}");
    let (s, sbom) = e
        .call("GET", &format!("{V}/sbom"), Some("auditor"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{sbom}");
    assert_eq!(sbom["bomFormat"], "CycloneDX");
    assert_eq!(
        e.call("GET", &format!("{V}/sbom"), Some("other-dev"), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, ext) = e
        .call(
            "GET",
            "/api/v1/extensions/n8n/n8n-nodes-acme",
            Some("dev"),
            None,
        )
        .await;
    assert_eq!(ext["risk_computed"], "high");

    // Reviews: the submitter cannot review, a reviewer cannot approve high risk, a champion can.
    let approve = json!({"verdict": "approve", "comment": "exec input is validated upstream"});
    assert_eq!(
        e.call(
            "POST",
            &format!("{V}/reviews"),
            Some("dev"),
            Some(approve.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, body) = e
        .call(
            "POST",
            &format!("{V}/reviews"),
            Some("reviewer"),
            Some(approve.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("approve")
    );
    // Promotion to prod is refused before approval (policy: approved + signed).
    let (s, body) = e
        .call(
            "POST",
            &format!("{V}/promote"),
            Some("pe"),
            Some(json!({"env": "prod"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        body["error"]["policies"],
        json!(["prod-needs-approved-signed"])
    );
    let (s, review) = e
        .call(
            "POST",
            &format!("{V}/reviews"),
            Some("champion"),
            Some(approve),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{review}");
    assert!(review["signature"].as_str().unwrap().len() == 128);

    // Promotion: only platform engineers, in order.
    assert_eq!(
        e.call(
            "POST",
            &format!("{V}/promote"),
            Some("champion"),
            Some(json!({"env": "dev"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call(
            "POST",
            &format!("{V}/promote"),
            Some("pe"),
            Some(json!({"env": "prod"}))
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    for env in ["dev", "staging", "prod"] {
        let (s, b) = e
            .call(
                "POST",
                &format!("{V}/promote"),
                Some("pe"),
                Some(json!({"env": env})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{env}: {b}");
    }
    // The platform runtime asks; it may do nothing else.
    let (s, st) = e
        .call(
            "GET",
            &format!("{V}/status?env=prod"),
            Some("runtime"),
            None,
        )
        .await;
    assert_eq!(
        (s, st["status"].as_str()),
        (StatusCode::OK, Some("allowed"))
    );
    let (_, st) = e
        .call("GET", &format!("{V}/status"), Some("runtime"), None)
        .await;
    assert_eq!(st["env"], "prod");
    let (_, st) = e
        .call(
            "GET",
            "/api/v1/extensions/n8n/n8n-nodes-acme/versions/9.9.9/status?env=prod",
            Some("runtime"),
            None,
        )
        .await;
    assert_eq!(st["status"], "unknown");
    assert_eq!(
        e.call("GET", "/api/v1/extensions", Some("runtime"), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call("GET", &format!("{V}/status?env=qa"), Some("runtime"), None)
            .await
            .0,
        StatusCode::BAD_REQUEST
    );

    // Kill switch, release with justification, revoke.
    assert_eq!(
        e.call(
            "POST",
            &format!("{V}/quarantine"),
            Some("dev"),
            Some(json!({"reason": "x"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call(
            "POST",
            &format!("{V}/quarantine"),
            Some("pe"),
            Some(json!({"reason": "suspicious egress seen in prod"}))
        )
        .await
        .0,
        StatusCode::OK
    );
    let (_, st) = e
        .call(
            "GET",
            &format!("{V}/status?env=prod"),
            Some("runtime"),
            None,
        )
        .await;
    assert_eq!(st["status"], "quarantined");
    let (s, body) = e
        .call(
            "POST",
            &format!("{V}/release"),
            Some("steward"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        body["error"]["policies"],
        json!(["risk-override-needs-justification"])
    );
    assert_eq!(
        e.call(
            "POST",
            &format!("{V}/release"),
            Some("pe"),
            Some(json!({"reason": "ok"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call(
            "POST",
            &format!("{V}/release"),
            Some("steward"),
            Some(json!({"reason": "egress was the documented CRM API"}))
        )
        .await
        .0,
        StatusCode::OK
    );
    let (_, st) = e
        .call(
            "GET",
            &format!("{V}/status?env=prod"),
            Some("runtime"),
            None,
        )
        .await;
    assert_eq!(st["status"], "allowed");
    assert_eq!(
        e.call(
            "POST",
            &format!("{V}/revoke"),
            Some("pe"),
            Some(json!({"reason": "x"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call(
            "POST",
            &format!("{V}/revoke"),
            Some("steward"),
            Some(json!({"reason": "maintainer account compromised"}))
        )
        .await
        .0,
        StatusCode::OK
    );
    let (_, st) = e
        .call("GET", &format!("{V}/status?env=dev"), Some("runtime"), None)
        .await;
    assert_eq!(st["status"], "revoked");

    // Version detail shows environments and reviews.
    let (s, d) = e.call("GET", V, Some("auditor"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["version"]["state"], "approved");
    assert_eq!(d["reviews"].as_array().unwrap().len(), 1);
    assert!(
        d["environments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["state"] == "revoked")
    );
    let (_, vs) = e
        .call(
            "GET",
            "/api/v1/extensions/n8n/n8n-nodes-acme/versions",
            Some("dev"),
            None,
        )
        .await;
    assert_eq!(vs.as_array().unwrap().len(), 1);

    // Audit: auditors and stewards read it, developers do not; the chain verifies.
    assert_eq!(
        e.call("GET", "/api/v1/audit", Some("dev"), None).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, events) = e
        .call(
            "GET",
            "/api/v1/audit?extension=n8n/n8n-nodes-acme",
            Some("auditor"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "extension.create",
            "submission.create",
            "decision.record",
            "review.record",
            "version.promote",
            "version.promote",
            "version.promote",
            "version.quarantine",
            "version.release",
            "version.revoke"
        ]
    );
    let (_, by_actor) = e
        .call(
            "GET",
            &format!("/api/v1/audit?actor={}", e.id("pe")),
            Some("auditor"),
            None,
        )
        .await;
    assert_eq!(by_actor.as_array().unwrap().len(), 4);
    let (_, v) = e
        .call("GET", "/api/v1/audit/verify", Some("auditor"), None)
        .await;
    assert_eq!(v["ok"], true, "{v}");
    let (s, export) = e
        .call("GET", "/api/v1/audit/export", Some("auditor"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let lines = export.as_str().map(|s| s.lines().count()).unwrap_or(1);
    assert!(lines >= actions.len(), "{lines}");
    assert_eq!(
        e.call("GET", "/api/v1/audit/export", Some("pe"), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    e.state.store.sign_audit_head().await.unwrap();
    let (_, cps) = e
        .call("GET", "/api/v1/audit/checkpoints", Some("steward"), None)
        .await;
    assert_eq!(cps.as_array().unwrap().len(), 1);
    e.t.cleanup().await;
}

async fn catalog_tokens_principals_and_trusted_sources(kind: Kind) {
    let e = setup(kind).await;
    let new_ext = json!({"platform": "node-red", "name": "node-red-contrib-acme", "owner_team": "team-ops", "data_classes": ["internal"]});
    assert_eq!(
        e.call(
            "POST",
            "/api/v1/extensions",
            Some("dev"),
            Some(new_ext.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, ext) = e
        .call(
            "POST",
            "/api/v1/extensions",
            Some("other-dev"),
            Some(new_ext.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{ext}");
    assert_eq!(
        e.call(
            "POST",
            "/api/v1/extensions",
            Some("other-dev"),
            Some(new_ext)
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    // Developers only see their teams' entries.
    let (_, list) = e.call("GET", "/api/v1/extensions", Some("dev"), None).await;
    assert!(list.as_array().unwrap().is_empty());
    let (_, list) = e
        .call("GET", "/api/v1/extensions", Some("other-dev"), None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, list) = e
        .call("GET", "/api/v1/extensions", Some("reviewer"), None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let path = "/api/v1/extensions/node-red/node-red-contrib-acme";
    assert_eq!(
        e.call("GET", path, Some("dev"), None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call(
            "GET",
            "/api/v1/extensions/node-red/nope",
            Some("reviewer"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        e.call(
            "PATCH",
            path,
            Some("dev"),
            Some(json!({"description": "x"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, ext) = e
        .call(
            "PATCH",
            path,
            Some("other-dev"),
            Some(json!({"description": "Acme flows", "lifecycle": "deprecated"})),
        )
        .await;
    assert_eq!(
        (s, ext["lifecycle"].as_str()),
        (StatusCode::OK, Some("deprecated"))
    );
    // Handing it to a team the developer is not in is refused.
    assert_eq!(
        e.call(
            "PATCH",
            path,
            Some("other-dev"),
            Some(json!({"owner_team": "team-crm"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call(
            "PATCH",
            path,
            Some("other-dev"),
            Some(json!({"lifecycle": "gone"}))
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    // Risk override: stewards, with justification.
    let risk = json!({"rating": "low", "justification": "runs only internal flows"});
    assert_eq!(
        e.call(
            "PUT",
            &format!("{path}/risk"),
            Some("champion"),
            Some(risk.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call(
            "PUT",
            &format!("{path}/risk"),
            Some("steward"),
            Some(json!({"rating": "low", "justification": ""}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, ext) = e
        .call("PUT", &format!("{path}/risk"), Some("steward"), Some(risk))
        .await;
    assert_eq!(
        (s, ext["risk_override"].as_str()),
        (StatusCode::OK, Some("low"))
    );

    // Trusted sources: everyone in the catalog reads them, stewards manage them.
    let (s, ts) = e
        .call("GET", "/api/v1/trusted-sources", Some("dev"), None)
        .await;
    assert_eq!((s, ts.as_array().unwrap().len()), (StatusCode::OK, 1));
    let scope = json!({"platform": "n8n", "kind": "npm-scope", "pattern": "@acme"});
    assert_eq!(
        e.call(
            "POST",
            "/api/v1/trusted-sources",
            Some("pe"),
            Some(scope.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, created) = e
        .call(
            "POST",
            "/api/v1/trusted-sources",
            Some("steward"),
            Some(scope),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        e.call(
            "DELETE",
            &format!("/api/v1/trusted-sources/{id}"),
            Some("dev"),
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call(
            "DELETE",
            &format!("/api/v1/trusted-sources/{id}"),
            Some("steward"),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        e.call(
            "DELETE",
            &format!("/api/v1/trusted-sources/{id}"),
            Some("steward"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    // Principals and roles.
    let newp = json!({"name": "erin", "roles": ["reviewer"], "teams": []});
    assert_eq!(
        e.call(
            "POST",
            "/api/v1/principals",
            Some("champion"),
            Some(newp.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, p) = e
        .call("POST", "/api/v1/principals", Some("steward"), Some(newp))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let pid = p["id"].as_str().unwrap().to_string();
    assert_eq!(
        e.call(
            "POST",
            "/api/v1/principals",
            Some("steward"),
            Some(json!({"name": "x", "roles": ["god"]}))
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    let (s, _) = e
        .call(
            "PUT",
            &format!("/api/v1/principals/{pid}/roles"),
            Some("steward"),
            Some(json!({"roles": ["reviewer", "security-champion"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = e
        .call(
            "PUT",
            &format!("/api/v1/principals/{}/roles", e.id("steward")),
            Some("steward"),
            Some(json!({"roles": ["auditor"]})),
        )
        .await;
    assert_eq!(
        (s, body["error"]["policies"].clone()),
        (StatusCode::FORBIDDEN, json!(["no-self-role-change"]))
    );
    assert_eq!(
        e.call("GET", "/api/v1/principals", Some("auditor"), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        e.call("GET", "/api/v1/principals", Some("dev"), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // Tokens: issued by stewards with the admin scope, secret shown once, listed without it.
    let req = json!({"principal_id": pid, "scopes": ["read"], "ttl_seconds": 3600, "description": "erin laptop"});
    assert_eq!(
        e.call(
            "POST",
            "/api/v1/tokens",
            Some("champion"),
            Some(req.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, issued) = e
        .call("POST", "/api/v1/tokens", Some("steward"), Some(req))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{issued}");
    let secret = issued["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("pct_"));
    let (_, list) = e
        .call(
            "GET",
            &format!("/api/v1/tokens?principal={pid}"),
            Some("steward"),
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&secret));
    assert_eq!(
        e.call("GET", "/api/v1/tokens", Some("dev"), None).await.0,
        StatusCode::FORBIDDEN
    );
    // A read-only token cannot write even for a principal who could.
    let req = Request::builder()
        .method("PUT")
        .uri(format!("{path}/risk"))
        .header("authorization", format!("Bearer {secret}"))
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"rating": "low", "justification": "x"}).to_string(),
        ))
        .unwrap();
    let (s, body) = send(&e.app, req).await;
    assert_eq!(
        (s, body["error"]["policies"].clone()),
        (StatusCode::FORBIDDEN, json!(["token-scope:write"]))
    );
    let tid = issued["token"]["id"].as_str().unwrap();
    assert_eq!(
        e.call(
            "DELETE",
            &format!("/api/v1/tokens/{tid}"),
            Some("reviewer"),
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call(
            "DELETE",
            &format!("/api/v1/tokens/{tid}"),
            Some("steward"),
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        e.call(
            "DELETE",
            &format!("/api/v1/tokens/{tid}"),
            Some("steward"),
            None
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    e.t.cleanup().await;
}

async fn concurrent_submissions_of_the_same_version(kind: Kind) {
    let e = Arc::new(setup(kind).await);
    let mut handles = Vec::new();
    for i in 0..6 {
        let e = e.clone();
        handles.push(tokio::spawn(async move {
            e.submit(
                "dev",
                &meta("3.1.4"),
                &package("3.1.4", &format!("build {i}")),
            )
            .await
            .0
        }));
    }
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap());
    }
    assert_eq!(
        codes.iter().filter(|c| **c == StatusCode::ACCEPTED).count(),
        1,
        "{codes:?}"
    );
    assert!(
        codes
            .iter()
            .all(|c| *c == StatusCode::ACCEPTED || *c == StatusCode::CONFLICT),
        "{codes:?}"
    );
    let e = Arc::try_unwrap(e).ok().unwrap();
    e.t.cleanup().await;
}

async fn a_failing_scan_is_retried_then_marked_failed(kind: Kind) {
    let e = setup(kind).await;
    let (s, sub) = e
        .submit(
            "dev",
            &meta("1.0.0"),
            &package("1.0.0", "CRASH-THE-SCANNER"),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let mut runs = 0;
    while e.scan_one().await {
        runs += 1;
        assert!(runs <= 3, "retried forever");
    }
    assert_eq!(runs, 3);
    let (_, sub) = e
        .call(
            "GET",
            &format!("/api/v1/submissions/{}", sub["id"]),
            Some("dev"),
            None,
        )
        .await;
    assert_eq!(sub["state"], "failed");
    assert_eq!(sub["version"]["state"], "scan-failed");
    e.t.cleanup().await;
}

async fn a_new_version_is_diffed_against_the_previous_ones_capabilities(kind: Kind) {
    let e = setup(kind).await;
    let (s, body) = e
        .submit(
            "dev",
            &meta("1.0.0"),
            &package("1.0.0", "module.exports = {}"),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    assert!(e.scan_one().await);
    let (s, body) = e
        .submit(
            "dev",
            &meta("1.1.0"),
            &package("1.1.0", "require('child_process').exec(cmd)"),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    assert!(e.scan_one().await);
    let (s, decisions) = e
        .call(
            "GET",
            "/api/v1/extensions/n8n/n8n-nodes-acme/versions/1.1.0/decisions",
            Some("reviewer"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{decisions}");
    let diff = &decisions[0]["inputs"]["capability_diff"];
    assert_eq!(diff["old"], "1.0.0", "{diff}");
    assert_eq!(diff["new"], "1.1.0", "{diff}");
    assert_eq!(diff["escalates"], true, "{diff}");
    let added: Vec<&str> = diff["added"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert_eq!(added, ["child-process"], "{diff}");
    // The first version has nothing to be compared with.
    let (_, first) = e
        .call(
            "GET",
            "/api/v1/extensions/n8n/n8n-nodes-acme/versions/1.0.0/decisions",
            Some("reviewer"),
            None,
        )
        .await;
    assert!(
        first[0]["inputs"].get("capability_diff").is_none(),
        "{first}"
    );
    e.t.cleanup().await;
}

async fn submissions_are_listed_per_role_filtered_and_paginated(kind: Kind) {
    let e = setup(kind).await;
    for v in ["1.0.0", "1.1.0"] {
        let (s, body) = e
            .submit("dev", &meta(v), &package(v, "module.exports = {}"))
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    }
    let mut ops = meta("0.1.0");
    ops["name"] = json!("n8n-nodes-ops");
    ops["owner"] = json!("team-ops");
    let (s, body) = e
        .submit("other-dev", &ops, &package("0.1.0", "module.exports = {}"))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{}@{}",
                    s["version"]["name"].as_str().unwrap(),
                    s["version"]["version"].as_str().unwrap()
                )
            })
            .collect()
    };
    // Developers see their own team's submissions, reviewers and auditors all of them.
    let (s, page) = e
        .call("GET", "/api/v1/submissions", Some("dev"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(
        names(&page),
        ["n8n-nodes-acme@1.1.0", "n8n-nodes-acme@1.0.0"]
    );
    let (_, page) = e
        .call("GET", "/api/v1/submissions", Some("other-dev"), None)
        .await;
    assert_eq!(names(&page), ["n8n-nodes-ops@0.1.0"]);
    for who in ["reviewer", "auditor", "steward"] {
        let (s, page) = e.call("GET", "/api/v1/submissions", Some(who), None).await;
        assert_eq!(
            (s, page["items"].as_array().unwrap().len()),
            (StatusCode::OK, 3),
            "{who}"
        );
    }
    // The runtime's status-only token reads no submissions; no token, no answer.
    assert_eq!(
        e.call("GET", "/api/v1/submissions", Some("runtime"), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.call("GET", "/api/v1/submissions", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Filters: one extension, one state.
    assert!(e.scan_one().await);
    let (_, page) = e
        .call(
            "GET",
            "/api/v1/submissions?platform=n8n&name=n8n-nodes-acme&state=queued",
            Some("reviewer"),
            None,
        )
        .await;
    assert_eq!(names(&page), ["n8n-nodes-acme@1.1.0"]);
    let (_, page) = e
        .call(
            "GET",
            "/api/v1/submissions?state=done",
            Some("reviewer"),
            None,
        )
        .await;
    assert_eq!(names(&page), ["n8n-nodes-acme@1.0.0"]);
    assert_eq!(page["items"][0]["state"], "done");
    // Pages of two, following next_before.
    let (_, first) = e
        .call("GET", "/api/v1/submissions?limit=2", Some("reviewer"), None)
        .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let before = first["next_before"].as_i64().expect("a next page");
    let (_, second) = e
        .call(
            "GET",
            &format!("/api/v1/submissions?limit=2&before={before}"),
            Some("reviewer"),
            None,
        )
        .await;
    assert_eq!(names(&second), ["n8n-nodes-acme@1.0.0"]);
    assert!(second["next_before"].is_null());
    let (s, body) = e
        .call(
            "GET",
            "/api/v1/submissions?state=bogus",
            Some("reviewer"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    e.t.cleanup().await;
}

async fn two_servers_share_the_queue_and_the_audit_chain(kind: Kind) {
    use portcullis_server::worker::{WorkerConfig, spawn_workers_with};
    let e = setup(kind).await;
    // A second `serve` process: its own pool, cache and router over the same database, with
    // the same signing key file.
    let store_b = portcullis_registry::Store::open(&e.t.config).await.unwrap();
    store_b.check_signing_key().await.unwrap();
    let state_b = AppState::new(
        store_b.clone(),
        Arc::new(CedarAuthorizer::default_policies().unwrap()),
        1024 * 1024,
    );
    let app_b = router(state_b.clone());
    let (tx, rx) = tokio::sync::watch::channel(false);
    let timing = WorkerConfig {
        poll_ms: 50,
        ..WorkerConfig::default()
    };
    let mut workers = spawn_workers_with(&e.state, Arc::new(FakeScanner), 2, &timing, rx.clone());
    workers.extend(spawn_workers_with(
        &state_b,
        Arc::new(FakeScanner),
        2,
        &timing,
        rx,
    ));
    // Submissions arrive through both servers at once.
    let mut handles = Vec::new();
    let e = Arc::new(e);
    for i in 0..8 {
        let e = e.clone();
        let app_b = app_b.clone();
        handles.push(tokio::spawn(async move {
            let v = format!("2.{i}.0");
            let app = if i % 2 == 0 { e.app.clone() } else { app_b };
            submit_via(
                &app,
                e.token("dev"),
                &meta(&v),
                &package(&v, "module.exports = {}"),
            )
            .await
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        let (s, body) = h.await.unwrap();
        assert_eq!(s, StatusCode::ACCEPTED, "{body}");
        ids.push(body["id"].as_i64().unwrap());
    }
    // Every submission is scanned exactly once by one of the four workers.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    for id in &ids {
        loop {
            let sub = store_b.get_submission(*id).await.unwrap();
            if sub.state == "done" {
                let job = store_b.get_job(sub.job_id).await.unwrap();
                assert_eq!((job.state.as_str(), job.attempts), ("done", 1), "{job:?}");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "submission {id} never scanned"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let _ = tx.send(true);
    for w in workers {
        w.await.unwrap();
    }
    // Both processes sign the head, with writes from both in between: one chain, every
    // checkpoint by the shared key.
    e.t.store
        .sign_audit_head()
        .await
        .unwrap()
        .expect("a checkpoint");
    let (s, body) = submit_via(
        &app_b,
        e.token("dev"),
        &meta("3.0.0"),
        &package("3.0.0", "x"),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    store_b
        .sign_audit_head()
        .await
        .unwrap()
        .expect("a checkpoint");
    let req = Request::builder()
        .uri("/api/v1/audit/verify")
        .header("authorization", format!("Bearer {}", e.token("auditor")))
        .body(Body::empty())
        .unwrap();
    let (s, report) = send(&app_b, req).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["checkpoints"], 2, "{report}");
    assert!(report["events"].as_u64().unwrap() >= 8 * 3, "{report}");
    store_b.close().await;
    let e = Arc::try_unwrap(e).ok().unwrap();
    e.t.cleanup().await;
}

portcullis_registry::both_backends!(
    health_readiness_and_openapi,
    authentication_is_required_and_checked,
    full_workflow_from_submission_to_kill_switch,
    catalog_tokens_principals_and_trusted_sources,
    concurrent_submissions_of_the_same_version,
    a_failing_scan_is_retried_then_marked_failed,
    submissions_are_listed_per_role_filtered_and_paginated,
    a_new_version_is_diffed_against_the_previous_ones_capabilities,
    two_servers_share_the_queue_and_the_audit_chain,
);
