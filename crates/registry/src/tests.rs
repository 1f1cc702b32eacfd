//! The store's behaviour, run on both backends.

use crate::testing::{Kind, TestStore};
use crate::*;
use portcullis_core::{Category, Decision, Finding, Location, Outcome, Reason, Severity};

fn meta(name: &str, version: &str) -> SubmissionMetadata {
    SubmissionMetadata {
        platform: Some("n8n".into()),
        name: Some(name.into()),
        version: Some(version.into()),
        owner: Some("team-crm".into()),
        purpose: Some("Sync contacts from Acme CRM into n8n workflows".into()),
        data_classes: Some(vec!["pii".into()]),
        external_services: Some(vec!["api.acme-crm.example".into()]),
        risk_self_assessment: Some("medium".into()),
        test_evidence: Some("https://ci.example/acme/123 (unit + e2e)".into()),
        maintainers: vec!["alice@example.com".into()],
        description: Some("Acme CRM node".into()),
    }
}

/// A small but realistic n8n community node package as the bytes of a fake tarball.
fn artifact(tag: &str) -> Vec<u8> {
    format!(
        "package/package.json\0{{\"name\":\"n8n-nodes-acme\",\"version\":\"1.0.0\",\"n8n\":{{\"nodes\":[\"dist/nodes/Acme/Acme.node.js\"]}}}}\n\
         package/dist/nodes/Acme/Acme.node.js\0// build {tag}\nconst cp = require('child_process');\n"
    )
    .into_bytes()
}

fn finding(rule: &str, sev: Severity, line: u32) -> Finding {
    let mut loc = Location::file("dist/nodes/Acme/Acme.node.js");
    loc.region = Some(portcullis_core::Region::line(line));
    let mut f = Finding::new(
        rule,
        Category::Code,
        sev,
        "user input reaches child_process.exec",
        loc,
    )
    .with_cwe(78)
    .with_fingerprint_key(format!("{rule}:{line}"));
    f.fingerprint = portcullis_core::Fingerprint::compute(
        rule,
        "dist/nodes/Acme/Acme.node.js",
        &format!("k{line}"),
        0,
    );
    f
}

fn result(outcome: Outcome) -> ScanResult {
    let mut decision = Decision::approve();
    if outcome != Outcome::Approve {
        decision.push(Reason {
            policy: "high-findings-quarantine".into(),
            outcome,
            message: "a high severity code finding needs review".into(),
            remediation: Some("validate the command before running it".into()),
            findings: vec![],
        });
    }
    ScanResult {
        findings: vec![
            finding("js/command-injection", Severity::High, 2),
            finding("js/eval", Severity::Medium, 9),
        ],
        decision,
        inputs: serde_json::json!({"counts": {"high": 1, "medium": 1}, "trusted_source": true}),
        risk: Some("high".into()),
        decided_by: "gate:default".into(),
        documents: [
            (
                crate::DOC_CAPABILITY_MANIFEST.to_string(),
                serde_json::json!({"schema_version": "1.0", "observed": [{"kind": "child-process"}]}),
            ),
            (
                crate::DOC_SBOM.to_string(),
                serde_json::json!({"bomFormat": "CycloneDX", "components": [{"name": "lodash"}]}),
            ),
        ]
        .into_iter()
        .collect(),
    }
}

async fn submit_and_scan(
    s: &Store,
    name: &str,
    version: &str,
    outcome: Outcome,
) -> SubmissionRecord {
    let sub = s
        .submit("prn_dev", &meta(name, version), artifact(version))
        .await
        .unwrap();
    let job = s
        .claim_job("w1", 60_000)
        .await
        .unwrap()
        .expect("a queued job");
    assert_eq!(job.submission_id, sub.id);
    s.complete_job(job.id, "w1", &result(outcome))
        .await
        .unwrap();
    sub
}

async fn submission_stores_everything_and_scan_results_land_atomically(kind: Kind) {
    let t = TestStore::new(kind).await;
    let s = &t.store;
    let sub = s
        .submit("prn_dev", &meta("n8n-nodes-acme", "1.2.0"), artifact("a"))
        .await
        .unwrap();
    assert_eq!(sub.version.state, "submitted");
    assert_eq!(
        sub.version.artifact_sha256,
        artifacts::sha256_hex(&artifact("a"))
    );
    let ext = s.get_extension("n8n", "n8n-nodes-acme").await.unwrap();
    assert_eq!(ext.owner_team, "team-crm");
    assert_eq!(ext.data_classes, vec!["pii"]);
    assert_eq!(
        s.read_artifact(&sub.version.artifact_sha256).await.unwrap(),
        artifact("a")
    );

    let job = s.claim_job("w1", 60_000).await.unwrap().unwrap();
    assert_eq!(job.attempts, 1);
    assert!(
        s.claim_job("w2", 60_000).await.unwrap().is_none(),
        "a running job is not handed out twice"
    );
    let d = s
        .complete_job(job.id, "w1", &result(Outcome::Quarantine))
        .await
        .unwrap();
    assert_eq!(d.outcome, "quarantine");

    let v = s
        .get_version("n8n", "n8n-nodes-acme", "1.2.0")
        .await
        .unwrap();
    assert_eq!(v.state, "in-review");
    let f = s.list_findings(v.id).await.unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].rule_id, "js/command-injection");
    assert_eq!(f[0].line, Some(2));
    let ds = s.list_decisions(v.id).await.unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].reasons[0]["policy"], "high-findings-quarantine");
    // The capability manifest and SBOM land with the decision.
    let manifest = s
        .get_document(v.id, crate::DOC_CAPABILITY_MANIFEST)
        .await
        .unwrap()
        .expect("capability manifest stored");
    assert_eq!(manifest["observed"][0]["kind"], "child-process");
    let sbom = s
        .get_document(v.id, crate::DOC_SBOM)
        .await
        .unwrap()
        .expect("sbom stored");
    assert_eq!(sbom["components"][0]["name"], "lodash");
    assert!(s.get_document(v.id, "nothing").await.unwrap().is_none());
    assert_eq!(
        s.get_extension("n8n", "n8n-nodes-acme")
            .await
            .unwrap()
            .risk_computed
            .as_deref(),
        Some("high")
    );
    assert_eq!(s.get_submission(sub.id).await.unwrap().state, "done");
    assert_eq!(s.get_job(job.id).await.unwrap().state, "done");

    let report = s.verify_audit().await.unwrap();
    assert!(report.ok, "{report:?}");
    let actions: Vec<String> = s
        .audit_events(&AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["extension.create", "submission.create", "decision.record"]
    );
    t.cleanup().await;
}

async fn incomplete_metadata_lists_what_is_missing(kind: Kind) {
    let t = TestStore::new(kind).await;
    let mut m = meta("n8n-nodes-acme", "1.0.0");
    m.purpose = Some("  ".into());
    m.external_services = None;
    m.test_evidence = None;
    match t.store.submit("prn_dev", &m, artifact("x")).await {
        Err(RegistryError::MissingFields(f)) => {
            assert_eq!(f, ["purpose", "external_services", "test_evidence"])
        }
        other => panic!("expected MissingFields, got {other:?}"),
    }
    let mut m = meta("n8n-nodes-acme", "1.0");
    assert!(
        matches!(t.store.submit("prn_dev", &m, artifact("x")).await, Err(RegistryError::Invalid(e)) if e.contains("semver"))
    );
    m.version = Some("1.0.0".into());
    m.platform = Some("wordpress".into());
    assert!(
        matches!(t.store.submit("prn_dev", &m, artifact("x")).await, Err(RegistryError::Invalid(e)) if e.contains("unknown platform"))
    );
    // Nothing was stored by any refused submission.
    assert!(t.store.list_extensions(None).await.unwrap().is_empty());
    assert_eq!(t.store.verify_audit().await.unwrap().events, 0);
    t.cleanup().await;
}

async fn published_versions_are_immutable(kind: Kind) {
    let t = TestStore::new(kind).await;
    let s = &t.store;
    s.submit("prn_dev", &meta("n8n-nodes-acme", "1.0.0"), artifact("a"))
        .await
        .unwrap();
    match s
        .submit("prn_dev", &meta("n8n-nodes-acme", "1.0.0"), artifact("b"))
        .await
    {
        Err(RegistryError::Conflict(m)) => assert!(m.contains("different bytes"), "{m}"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    match s
        .submit("prn_dev", &meta("n8n-nodes-acme", "1.0.0"), artifact("a"))
        .await
    {
        Err(RegistryError::Conflict(m)) => assert!(m.contains("already submitted"), "{m}"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    s.submit("prn_dev", &meta("n8n-nodes-acme", "1.0.1"), artifact("b"))
        .await
        .unwrap();
    assert_eq!(
        s.list_versions("n8n", "n8n-nodes-acme")
            .await
            .unwrap()
            .len(),
        2
    );
    t.cleanup().await;
}

async fn concurrent_submissions_of_one_version_admit_exactly_one(kind: Kind) {
    let t = TestStore::new(kind).await;
    let mut handles = Vec::new();
    for i in 0..8 {
        let s = t.store.clone();
        handles.push(tokio::spawn(async move {
            s.submit(
                &format!("prn_{i}"),
                &meta("n8n-nodes-race", "2.0.0"),
                artifact(&i.to_string()),
            )
            .await
        }));
    }
    let mut ok = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => ok += 1,
            Err(RegistryError::Conflict(_)) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(
        t.store
            .list_versions("n8n", "n8n-nodes-race")
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(t.store.verify_audit().await.unwrap().ok);
    t.cleanup().await;
}

async fn concurrent_audit_appends_form_one_chain(kind: Kind) {
    let t = TestStore::new(kind).await;
    let mut handles = Vec::new();
    for i in 0..16 {
        let s = t.store.clone();
        handles.push(tokio::spawn(async move {
            s.create_principal(
                "prn_admin",
                &format!("user{i}"),
                &["developer".into()],
                &["team-a".into()],
            )
            .await
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let r = t.store.verify_audit().await.unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(r.events, 16);
    let seqs: Vec<i64> = t
        .store
        .audit_events(&AuditFilter::default())
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, (1..=16).collect::<Vec<_>>());
    t.cleanup().await;
}

async fn seed_chain(t: &TestStore) {
    for i in 0..5 {
        t.store
            .create_principal("prn_admin", &format!("user{i}"), &["reviewer".into()], &[])
            .await
            .unwrap();
    }
    assert!(t.store.verify_audit().await.unwrap().ok);
}

async fn audit_detects_an_edited_event(kind: Kind) {
    let t = TestStore::new(kind).await;
    seed_chain(&t).await;
    t.exec("UPDATE audit_events SET details = '{\"name\":\"mallory\"}' WHERE seq = 3")
        .await;
    let r = t.store.verify_audit().await.unwrap();
    assert!(!r.ok);
    assert_eq!(r.broken_at, Some(3));
    assert!(r.problem.unwrap().contains("edited"));
    t.cleanup().await;
}

async fn audit_detects_a_deleted_event(kind: Kind) {
    let t = TestStore::new(kind).await;
    seed_chain(&t).await;
    t.exec("DELETE FROM audit_events WHERE seq = 2").await;
    let r = t.store.verify_audit().await.unwrap();
    assert!(!r.ok);
    assert_eq!(r.broken_at, Some(2));
    t.cleanup().await;
}

async fn audit_detects_reordered_events(kind: Kind) {
    let t = TestStore::new(kind).await;
    seed_chain(&t).await;
    // Swap the contents of events 2 and 4 (keeping their hashes with them).
    t.exec("UPDATE audit_events SET seq = -2 WHERE seq = 2; UPDATE audit_events SET seq = 2 WHERE seq = 4; UPDATE audit_events SET seq = 4 WHERE seq = -2;").await;
    let r = t.store.verify_audit().await.unwrap();
    assert!(!r.ok);
    assert_eq!(r.broken_at, Some(2));
    t.cleanup().await;
}

async fn audit_detects_truncation_through_signed_checkpoints(kind: Kind) {
    let t = TestStore::new(kind).await;
    seed_chain(&t).await;
    let cp = t
        .store
        .sign_audit_head()
        .await
        .unwrap()
        .expect("a checkpoint");
    assert_eq!(cp.seq, 5);
    assert!(
        t.store.sign_audit_head().await.unwrap().is_none(),
        "head already signed"
    );
    assert!(t.store.verify_audit().await.unwrap().ok);
    // Cut the last two events and rewrite the head to match: the chain itself is
    // consistent again, only the checkpoint remembers.
    t.exec("DELETE FROM audit_events WHERE seq > 3; UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_events WHERE seq = 3) WHERE id = 1").await;
    let r = t.store.verify_audit().await.unwrap();
    assert!(!r.ok);
    assert!(r.problem.unwrap().contains("truncated"));
    t.cleanup().await;
}

async fn audit_export_and_filters(kind: Kind) {
    let t = TestStore::new(kind).await;
    submit_and_scan(&t.store, "n8n-nodes-acme", "1.0.0", Outcome::Approve).await;
    t.store
        .create_principal("prn_admin", "bob", &["auditor".into()], &[])
        .await
        .unwrap();
    let mut out = Vec::new();
    let n = t.store.export_audit(&mut out).await.unwrap();
    assert_eq!(n, 4);
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["prev_hash"], audit::GENESIS_HASH);
    assert_eq!(lines[1]["prev_hash"], lines[0]["hash"]);
    let by_ext = t
        .store
        .audit_events(&AuditFilter {
            subject_prefix: Some("n8n/n8n-nodes-acme".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_ext.len(), 3, "{by_ext:?}");
    let by_actor = t
        .store
        .audit_events(&AuditFilter {
            actor: Some("prn_admin".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_actor.len(), 1);
    let future = t
        .store
        .audit_events(&AuditFilter {
            since: Some(i64::MAX / 2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(future.is_empty());
    t.cleanup().await;
}

async fn tokens_are_hashed_scoped_expiring_and_revocable(kind: Kind) {
    let t = TestStore::new(kind).await;
    let s = &t.store;
    let boot = s.bootstrap_steward("root").await.unwrap();
    assert!(matches!(
        s.bootstrap_steward("again").await,
        Err(RegistryError::Conflict(_))
    ));
    let who = s
        .authenticate(&boot.secret)
        .await
        .unwrap()
        .expect("valid token");
    assert_eq!(who.principal.roles, ["security-steward"]);
    let dev = s
        .create_principal(
            &who.principal.id,
            "dana",
            &["developer".into()],
            &["team-crm".into()],
        )
        .await
        .unwrap();
    let tok = s
        .issue_token(
            &who.principal.id,
            &dev.id,
            &["read".into(), "write".into()],
            Some(3_600_000),
            "laptop",
        )
        .await
        .unwrap();
    let a = s.authenticate(&tok.secret).await.unwrap().unwrap();
    assert!(a.has_scope("write") && !a.has_scope("admin"));
    assert_eq!(a.principal.teams, ["team-crm"]);
    // The secret is not stored anywhere in the database.
    let rows = s.list_tokens(Some(&dev.id)).await.unwrap();
    assert_eq!(rows.len(), 1);
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(s.pool())
        .await
        .unwrap();
    assert!(stored.iter().all(|h| !h.contains(&tok.secret[4..])));
    assert!(stored.contains(&auth::token_hash(&tok.secret)));
    s.revoke_token(&who.principal.id, &tok.token.id)
        .await
        .unwrap();
    assert!(s.authenticate(&tok.secret).await.unwrap().is_none());
    assert!(matches!(
        s.revoke_token(&who.principal.id, &tok.token.id).await,
        Err(RegistryError::Conflict(_))
    ));
    let short = s
        .issue_token(
            &who.principal.id,
            &dev.id,
            &["read".into()],
            Some(1),
            "short",
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert!(
        s.authenticate(&short.secret).await.unwrap().is_none(),
        "expired"
    );
    assert!(s.authenticate("pct_deadbeef").await.unwrap().is_none());
    assert!(s.authenticate("Basic abc").await.unwrap().is_none());
    assert!(matches!(
        s.issue_token("x", &dev.id, &["root".into()], None, "")
            .await,
        Err(RegistryError::Invalid(_))
    ));
    assert!(s.verify_audit().await.unwrap().ok);
    t.cleanup().await;
}

async fn an_abandoned_job_is_retried_then_failed(kind: Kind) {
    let t = TestStore::new(kind).await;
    let s = &t.store;
    let sub = s
        .submit("prn_dev", &meta("n8n-nodes-acme", "1.0.0"), artifact("a"))
        .await
        .unwrap();
    // Worker 1 takes the job and "dies" (never reports).
    let j1 = s.claim_job("w1", 1).await.unwrap().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    let j2 = s
        .claim_job("w2", 1)
        .await
        .unwrap()
        .expect("re-queued after the lease expired");
    assert_eq!(j2.id, j1.id);
    assert_eq!(j2.attempts, 2);
    // The dead worker comes back late: its result is refused, nothing is stored.
    assert!(matches!(
        s.complete_job(j1.id, "w1", &result(Outcome::Approve)).await,
        Err(RegistryError::Conflict(_))
    ));
    assert!(s.list_findings(sub.version.id).await.unwrap().is_empty());
    // A reported failure re-queues while attempts remain...
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    let j3 = s.claim_job("w3", 60_000).await.unwrap().unwrap();
    assert_eq!(j3.attempts, 3);
    s.fail_job(j3.id, "w3", "scanner crashed: out of memory")
        .await
        .unwrap();
    // ...and fails the version for good once they are used up.
    assert!(s.claim_job("w4", 60_000).await.unwrap().is_none());
    let job = s.get_job(j1.id).await.unwrap();
    assert_eq!(job.state, "failed");
    assert_eq!(
        job.last_error.as_deref(),
        Some("scanner crashed: out of memory")
    );
    assert_eq!(
        s.get_version("n8n", "n8n-nodes-acme", "1.0.0")
            .await
            .unwrap()
            .state,
        "scan-failed"
    );
    assert!(s.verify_audit().await.unwrap().ok);
    t.cleanup().await;
}

async fn review_promotion_quarantine_and_status(kind: Kind) {
    let t = TestStore::new(kind).await;
    let s = &t.store;
    submit_and_scan(s, "n8n-nodes-acme", "1.0.0", Outcome::Quarantine).await;
    let st = |env: &'static str| s.status("n8n", "n8n-nodes-acme", "1.0.0", env);
    assert_eq!(st("prod").await.unwrap(), InstallStatus::Unknown);
    assert_eq!(
        s.status("n8n", "n8n-nodes-nope", "1.0.0", "prod")
            .await
            .unwrap(),
        InstallStatus::Unknown
    );
    // Self-review is refused whatever the policy says.
    assert!(matches!(
        s.add_review("prn_dev", "n8n", "n8n-nodes-acme", "1.0.0", "approve", "")
            .await,
        Err(RegistryError::State(_))
    ));
    // Staging before approval is refused; dev is fine for a version in review.
    assert!(matches!(
        s.change_env(
            "prn_pe",
            "n8n",
            "n8n-nodes-acme",
            "1.0.0",
            EnvAction::Promote,
            Some("staging"),
            ""
        )
        .await,
        Err(RegistryError::State(_))
    ));
    s.change_env(
        "prn_pe",
        "n8n",
        "n8n-nodes-acme",
        "1.0.0",
        EnvAction::Promote,
        Some("dev"),
        "",
    )
    .await
    .unwrap();
    let r = s
        .add_review(
            "prn_champ",
            "n8n",
            "n8n-nodes-acme",
            "1.0.0",
            "approve",
            "checked the exec call",
        )
        .await
        .unwrap();
    let v = s
        .get_version("n8n", "n8n-nodes-acme", "1.0.0")
        .await
        .unwrap();
    assert_eq!(v.state, "approved");
    assert!(audit::verify_signature(
        &s.public_key(),
        &workflow::approval_message(&v),
        r.signature.as_deref().unwrap()
    ));
    // No skipping stages.
    assert!(
        matches!(s.change_env("prn_pe", "n8n", "n8n-nodes-acme", "1.0.0", EnvAction::Promote, Some("prod"), "").await, Err(RegistryError::State(m)) if m.contains("staging"))
    );
    s.change_env(
        "prn_pe",
        "n8n",
        "n8n-nodes-acme",
        "1.0.0",
        EnvAction::Promote,
        Some("staging"),
        "",
    )
    .await
    .unwrap();
    s.change_env(
        "prn_pe",
        "n8n",
        "n8n-nodes-acme",
        "1.0.0",
        EnvAction::Promote,
        Some("prod"),
        "",
    )
    .await
    .unwrap();
    assert_eq!(st("prod").await.unwrap(), InstallStatus::Allowed);
    // Kill switch: every environment at once.
    s.change_env(
        "prn_pe",
        "n8n",
        "n8n-nodes-acme",
        "1.0.0",
        EnvAction::Quarantine,
        None,
        "CVE in a dependency",
    )
    .await
    .unwrap();
    for env in ["dev", "staging", "prod"] {
        assert_eq!(st(env).await.unwrap(), InstallStatus::Quarantined, "{env}");
    }
    assert!(matches!(
        s.change_env(
            "prn_st",
            "n8n",
            "n8n-nodes-acme",
            "1.0.0",
            EnvAction::Release,
            None,
            ""
        )
        .await,
        Err(RegistryError::MissingFields(_))
    ));
    s.change_env(
        "prn_st",
        "n8n",
        "n8n-nodes-acme",
        "1.0.0",
        EnvAction::Release,
        None,
        "patched upstream, false alarm",
    )
    .await
    .unwrap();
    assert_eq!(st("prod").await.unwrap(), InstallStatus::Allowed);
    s.change_env(
        "prn_st",
        "n8n",
        "n8n-nodes-acme",
        "1.0.0",
        EnvAction::Revoke,
        Some("prod"),
        "compromised maintainer",
    )
    .await
    .unwrap();
    assert_eq!(st("prod").await.unwrap(), InstallStatus::Revoked);
    assert_eq!(st("dev").await.unwrap(), InstallStatus::Allowed);
    assert!(matches!(
        s.change_env(
            "prn_pe",
            "n8n",
            "n8n-nodes-acme",
            "1.0.0",
            EnvAction::Promote,
            Some("prod"),
            ""
        )
        .await,
        Err(RegistryError::State(_))
    ));
    assert!(matches!(
        s.status("n8n", "n8n-nodes-acme", "1.0.0", "qa").await,
        Err(RegistryError::Invalid(_))
    ));
    // Retiring the extension revokes everything.
    s.update_extension(
        "prn_st",
        "n8n",
        "n8n-nodes-acme",
        &ExtensionPatch {
            lifecycle: Some("retired".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(st("dev").await.unwrap(), InstallStatus::Revoked);
    assert!(s.verify_audit().await.unwrap().ok);
    t.cleanup().await;
}

async fn catalog_and_trusted_sources(kind: Kind) {
    let t = TestStore::new(kind).await;
    let s = &t.store;
    let e = s
        .create_extension(
            "prn_dev",
            &NewExtension {
                platform: "node-red".into(),
                name: "node-red-contrib-acme".into(),
                owner_team: "team-ops".into(),
                data_classes: vec!["internal".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(e.lifecycle, "active");
    assert!(matches!(
        s.create_extension(
            "prn_dev",
            &NewExtension {
                platform: "node-red".into(),
                name: "node-red-contrib-acme".into(),
                owner_team: "x".into(),
                ..Default::default()
            }
        )
        .await,
        Err(RegistryError::Conflict(_))
    ));
    let e = s
        .update_extension(
            "prn_dev",
            "node-red",
            "node-red-contrib-acme",
            &ExtensionPatch {
                description: Some("Acme flows".into()),
                lifecycle: Some("deprecated".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (e.description.as_str(), e.lifecycle.as_str()),
        ("Acme flows", "deprecated")
    );
    assert!(matches!(
        s.override_risk(
            "prn_st",
            "node-red",
            "node-red-contrib-acme",
            Some("low"),
            " "
        )
        .await,
        Err(RegistryError::MissingFields(_))
    ));
    let e = s
        .override_risk(
            "prn_st",
            "node-red",
            "node-red-contrib-acme",
            Some("low"),
            "internal-only flows, reviewed by hand",
        )
        .await
        .unwrap();
    assert_eq!(e.risk(), Some("low"));
    assert_eq!(s.list_extensions(Some("team-ops")).await.unwrap().len(), 1);
    assert!(
        s.list_extensions(Some("team-crm"))
            .await
            .unwrap()
            .is_empty()
    );

    assert!(!s.is_trusted("n8n", "@acme/n8n-nodes-crm").await.unwrap());
    s.add_trusted_source(
        "prn_st",
        &NewTrustedSource {
            platform: "n8n".into(),
            kind: "platform".into(),
            pattern: "n8n".into(),
            note: String::new(),
        },
    )
    .await
    .unwrap();
    assert!(s.is_trusted("n8n", "n8n-nodes-plain").await.unwrap());
    assert!(!s.is_trusted("n8n", "@acme/n8n-nodes-crm").await.unwrap());
    let scope = s
        .add_trusted_source(
            "prn_st",
            &NewTrustedSource {
                platform: "n8n".into(),
                kind: "npm-scope".into(),
                pattern: "@acme".into(),
                note: "our org".into(),
            },
        )
        .await
        .unwrap();
    assert!(s.is_trusted("n8n", "@acme/n8n-nodes-crm").await.unwrap());
    assert!(!s.is_trusted("forge", "acme-app").await.unwrap());
    assert!(matches!(
        s.add_trusted_source(
            "prn_st",
            &NewTrustedSource {
                platform: "n8n".into(),
                kind: "npm-scope".into(),
                pattern: "acme/x".into(),
                note: String::new()
            }
        )
        .await,
        Err(RegistryError::Invalid(_))
    ));
    s.remove_trusted_source("prn_st", scope.id).await.unwrap();
    assert!(!s.is_trusted("n8n", "@acme/n8n-nodes-crm").await.unwrap());
    assert_eq!(s.list_trusted_sources().await.unwrap().len(), 1);
    assert!(s.verify_audit().await.unwrap().ok);
    t.cleanup().await;
}

async fn data_survives_reopening(kind: Kind) {
    let t = TestStore::new(kind).await;
    let sub = t
        .store
        .submit("prn_dev", &meta("n8n-nodes-acme", "1.0.0"), artifact("a"))
        .await
        .unwrap();
    t.store.close().await;
    // A new process opening the same data dir / database sees everything and its key.
    let again = Store::open(&t.config).await.unwrap();
    assert_eq!(
        again.get_submission(sub.id).await.unwrap().version.version,
        "1.0.0"
    );
    assert_eq!(again.public_key(), t.store.public_key());
    assert!(again.verify_audit().await.unwrap().ok);
    again.close().await;
    t.cleanup().await;
}

/// A second `serve` process on the same database: its own pool and cache, the same key file.
async fn second_process(t: &TestStore) -> Store {
    Store::open(&t.config).await.unwrap()
}

/// Promotes an approved version all the way to prod (as the seed of a status test).
async fn allow_in_prod(s: &Store, name: &str, version: &str) {
    submit_and_scan(s, name, version, Outcome::Approve).await;
    s.add_review("prn_rev", "n8n", name, version, "approve", "ok")
        .await
        .unwrap();
    for env in ["dev", "staging", "prod"] {
        s.change_env(
            "prn_pe",
            "n8n",
            name,
            version,
            EnvAction::Promote,
            Some(env),
            "",
        )
        .await
        .unwrap();
    }
}

async fn concurrent_bootstrap_creates_one_steward(kind: Kind) {
    let t = TestStore::new(kind).await;
    // Two processes, four racing bootstraps each, with different names (so the principal
    // name's uniqueness cannot be what stops them).
    let other = second_process(&t).await;
    let mut handles = Vec::new();
    for i in 0..8 {
        let s = if i % 2 == 0 {
            t.store.clone()
        } else {
            other.clone()
        };
        handles.push(tokio::spawn(async move {
            s.bootstrap_steward(&format!("root-{i}")).await
        }));
    }
    let mut ok = Vec::new();
    for h in handles {
        match h.await.unwrap() {
            Ok(issued) => ok.push(issued),
            Err(RegistryError::Conflict(m)) => assert!(m.contains("steward already exists"), "{m}"),
            Err(e) => panic!("unexpected bootstrap error: {e}"),
        }
    }
    assert_eq!(ok.len(), 1, "exactly one bootstrap may succeed");
    let stewards: Vec<Principal> = t
        .store
        .list_principals()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.roles.iter().any(|r| r == "security-steward"))
        .collect();
    assert_eq!(stewards.len(), 1);
    assert_eq!(stewards[0].id, ok[0].token.principal_id);
    // Principal and token committed together: the token works, and both are audited.
    assert!(t.store.authenticate(&ok[0].secret).await.unwrap().is_some());
    let actions: Vec<String> = t
        .store
        .audit_events(&AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["principal.create", "token.issue"]);
    assert!(t.store.verify_audit().await.unwrap().ok);
    other.close().await;
    t.cleanup().await;
}

async fn status_cache_is_invalidated_locally_and_bounded_across_processes(kind: Kind) {
    let t = TestStore::new(kind).await;
    let s = &t.store;
    allow_in_prod(s, "n8n-nodes-acme", "1.0.0").await;
    let other = second_process(&t).await;
    let st = |s: &Store| {
        let s = s.clone();
        async move {
            s.status("n8n", "n8n-nodes-acme", "1.0.0", "prod")
                .await
                .unwrap()
        }
    };
    assert_eq!(st(s).await, InstallStatus::Allowed);
    assert_eq!(st(&other).await, InstallStatus::Allowed);
    // Quarantined through this process: seen here on the very next request.
    s.change_env(
        "prn_pe",
        "n8n",
        "n8n-nodes-acme",
        "1.0.0",
        EnvAction::Quarantine,
        Some("prod"),
        "CVE in a bundled dependency",
    )
    .await
    .unwrap();
    assert_eq!(st(s).await, InstallStatus::Quarantined);
    // The other process may answer from its cache, but for no longer than the TTL.
    let deadline =
        std::time::Instant::now() + std::time::Duration::from_millis(t.config.cache_ttl_ms + 500);
    loop {
        if st(&other).await == InstallStatus::Quarantined {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "another process still sees `allowed` after the cache TTL"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // With the cache off, a change by another process is seen at once.
    let mut uncached = t.config.clone();
    uncached.cache_ttl_ms = 0;
    let third = Store::open(&uncached).await.unwrap();
    assert_eq!(st(&third).await, InstallStatus::Quarantined);
    s.change_env(
        "prn_steward",
        "n8n",
        "n8n-nodes-acme",
        "1.0.0",
        EnvAction::Release,
        Some("prod"),
        "patched",
    )
    .await
    .unwrap();
    assert_eq!(st(&third).await, InstallStatus::Allowed);
    third.close().await;
    other.close().await;
    t.cleanup().await;
}

async fn token_revocation_reaches_other_processes_within_the_ttl(kind: Kind) {
    let t = TestStore::new(kind).await;
    let boot = t.store.bootstrap_steward("root").await.unwrap();
    let other = second_process(&t).await;
    assert!(other.authenticate(&boot.secret).await.unwrap().is_some());
    assert!(t.store.authenticate(&boot.secret).await.unwrap().is_some());
    t.store
        .revoke_token(&boot.token.principal_id, &boot.token.id)
        .await
        .unwrap();
    // Locally at once.
    assert!(t.store.authenticate(&boot.secret).await.unwrap().is_none());
    // Elsewhere within the TTL.
    tokio::time::sleep(std::time::Duration::from_millis(t.config.cache_ttl_ms + 50)).await;
    assert!(other.authenticate(&boot.secret).await.unwrap().is_none());
    other.close().await;
    t.cleanup().await;
}

async fn submissions_are_listed_filtered_and_paginated(kind: Kind) {
    let t = TestStore::new(kind).await;
    let s = &t.store;
    for v in ["1.0.0", "1.1.0", "1.2.0"] {
        submit_and_scan(s, "n8n-nodes-acme", v, Outcome::Approve).await;
    }
    let queued = s
        .submit("prn_dev", &meta("n8n-nodes-other", "0.1.0"), artifact("o"))
        .await
        .unwrap();
    let page = |f: SubmissionFilter| async move { s.find_submissions(&f).await.unwrap() };
    let all = page(SubmissionFilter {
        limit: 50,
        ..Default::default()
    })
    .await;
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(all[0].id, queued.id);
    let acme = page(SubmissionFilter {
        platform: Some("n8n".into()),
        name: Some("n8n-nodes-acme".into()),
        limit: 50,
        ..Default::default()
    })
    .await;
    assert_eq!(
        acme.iter()
            .map(|s| s.version.version.as_str())
            .collect::<Vec<_>>(),
        ["1.2.0", "1.1.0", "1.0.0"]
    );
    let waiting = page(SubmissionFilter {
        state: Some("queued".into()),
        limit: 50,
        ..Default::default()
    })
    .await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0], s.get_submission(queued.id).await.unwrap());
    // Keyset pages of two: 4 → 2 + 2 + 0, no overlap.
    let first = page(SubmissionFilter {
        limit: 2,
        ..Default::default()
    })
    .await;
    let second = page(SubmissionFilter {
        limit: 2,
        before: first.last().map(|s| s.id),
        ..Default::default()
    })
    .await;
    let third = page(SubmissionFilter {
        limit: 2,
        before: second.last().map(|s| s.id),
        ..Default::default()
    })
    .await;
    assert_eq!((first.len(), second.len(), third.len()), (2, 2, 0));
    assert_eq!(
        first
            .iter()
            .chain(&second)
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        all.iter().map(|s| s.id).collect::<Vec<_>>()
    );
    assert!(matches!(
        s.find_submissions(&SubmissionFilter {
            state: Some("running'; DROP TABLE submissions; --".into()),
            limit: 10,
            ..Default::default()
        })
        .await,
        Err(RegistryError::Invalid(_))
    ));
    t.cleanup().await;
}

async fn a_failed_scan_waits_for_its_backoff(kind: Kind) {
    let t = TestStore::new(kind).await;
    let s = &t.store;
    let sub = s
        .submit("prn_dev", &meta("n8n-nodes-acme", "1.0.0"), artifact("a"))
        .await
        .unwrap();
    let job = s.claim_job("w1", 60_000).await.unwrap().unwrap();
    s.fail_job_retry_after(job.id, "w1", "scanner crashed", 600)
        .await
        .unwrap();
    // Queued again, but not claimable before the backoff ends.
    let rec = s.get_job(job.id).await.unwrap();
    assert_eq!(rec.state, "queued");
    assert!(rec.lease_until.is_some());
    assert!(s.claim_job("w2", 60_000).await.unwrap().is_none());
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let again = s
        .claim_job("w2", 60_000)
        .await
        .unwrap()
        .expect("retried after the backoff");
    assert_eq!(
        (again.id, again.submission_id, again.attempts),
        (job.id, sub.id, 2)
    );
    t.cleanup().await;
}

async fn processes_must_share_the_signing_key(kind: Kind) {
    let t = TestStore::new(kind).await;
    t.store.check_signing_key().await.unwrap();
    submit_and_scan(&t.store, "n8n-nodes-acme", "1.0.0", Outcome::Approve).await;
    t.store
        .sign_audit_head()
        .await
        .unwrap()
        .expect("a checkpoint");
    // Another process given the same key file: accepted, and its checkpoints verify.
    let shared = t.dir.path().join("shared.key");
    std::fs::copy(t.config.signing_key_path(), &shared).unwrap();
    let same = Store::open(&t.config.clone().with_signing_key_file(&shared))
        .await
        .unwrap();
    same.check_signing_key().await.unwrap();
    submit_and_scan(&same, "n8n-nodes-acme", "1.1.0", Outcome::Approve).await;
    same.sign_audit_head().await.unwrap().expect("a checkpoint");
    assert!(t.store.verify_audit().await.unwrap().ok);
    // A process that made up its own key is refused before it signs anything.
    let stranger = Store::open(
        &t.config
            .clone()
            .with_signing_key_file(t.dir.path().join("other.key")),
    )
    .await
    .unwrap();
    let err = stranger.check_signing_key().await.unwrap_err();
    assert!(matches!(err, RegistryError::Key { .. }), "{err}");
    assert!(
        err.to_string().contains("PORTCULLIS_SIGNING_KEY_FILE"),
        "{err}"
    );
    stranger.close().await;
    same.close().await;
    t.cleanup().await;
}

crate::both_backends!(
    submission_stores_everything_and_scan_results_land_atomically,
    incomplete_metadata_lists_what_is_missing,
    published_versions_are_immutable,
    concurrent_submissions_of_one_version_admit_exactly_one,
    concurrent_audit_appends_form_one_chain,
    audit_detects_an_edited_event,
    audit_detects_a_deleted_event,
    audit_detects_reordered_events,
    audit_detects_truncation_through_signed_checkpoints,
    audit_export_and_filters,
    tokens_are_hashed_scoped_expiring_and_revocable,
    an_abandoned_job_is_retried_then_failed,
    review_promotion_quarantine_and_status,
    catalog_and_trusted_sources,
    data_survives_reopening,
    concurrent_bootstrap_creates_one_steward,
    status_cache_is_invalidated_locally_and_bounded_across_processes,
    token_revocation_reaches_other_processes_within_the_ttl,
    submissions_are_listed_filtered_and_paginated,
    a_failed_scan_waits_for_its_backoff,
    processes_must_share_the_signing_key,
);
