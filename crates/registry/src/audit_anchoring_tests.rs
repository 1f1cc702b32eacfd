//! Rollback of the audit log by someone who can write the database but does not hold the
//! signing key: each case is detected against a checkpoint kept outside the database
//! (`audit head` → HEAD.json → `audit verify --against`), on both backends.

use crate::both_backends;
use crate::testing::{Kind, TestStore};
use crate::{Checkpoint, TailPolicy};

/// Eight events with checkpoints after the 3rd, 5th and 8th; returns the last one, as an
/// auditor would keep it.
async fn seeded(kind: Kind) -> (TestStore, Checkpoint) {
    let t = TestStore::new(kind).await;
    let mut last = None;
    for i in 0..8 {
        t.store
            .create_principal("prn_admin", &format!("user{i}"), &["reviewer".into()], &[])
            .await
            .unwrap();
        if matches!(i, 2 | 4 | 7) {
            last = t.store.sign_audit_head().await.unwrap();
        }
    }
    let head = last.expect("a checkpoint at event 8");
    assert_eq!(head.seq, 8);
    // What `audit head` prints, through JSON and back, as kept outside.
    let kept: Checkpoint = serde_json::from_str(&serde_json::to_string(&head).unwrap()).unwrap();
    let r = t
        .store
        .verify_audit_with(&TailPolicy::default(), Some(&kept))
        .await
        .unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(r.checkpoints, 3);
    (t, kept)
}

async fn problem(t: &TestStore, kept: &Checkpoint) -> String {
    let r = t
        .store
        .verify_audit_with(&TailPolicy::default(), Some(kept))
        .await
        .unwrap();
    assert!(!r.ok, "tampering went unnoticed: {r:?}");
    r.problem.unwrap()
}

async fn checkpoints_are_chained_and_signed(kind: Kind) {
    let (t, kept) = seeded(kind).await;
    let cps = t.store.audit_checkpoints().await.unwrap();
    assert_eq!(cps[0].prev.as_deref(), Some(crate::audit::GENESIS_HASH));
    assert_eq!(cps[1].prev.as_deref(), Some(cps[0].digest().as_str()));
    assert_eq!(cps[2].prev.as_deref(), Some(cps[1].digest().as_str()));
    assert!(cps.iter().all(|c| c.signature_valid()));
    assert_eq!(t.store.latest_checkpoint().await.unwrap(), Some(kept));
    // A forged checkpoint (the attacker has no key) does not verify.
    let mut forged = cps[2].clone();
    forged.hash = "ab".repeat(32);
    assert!(!forged.signature_valid());
    t.cleanup().await;
}

async fn deleting_a_middle_checkpoint_row_breaks_the_chain(kind: Kind) {
    let (t, kept) = seeded(kind).await;
    t.exec("DELETE FROM audit_checkpoints WHERE seq = 5").await;
    let p = problem(&t, &kept).await;
    assert!(p.contains("does not chain"), "{p}");
    // Even without the kept head.
    assert!(!t.store.verify_audit().await.unwrap().ok);
    t.cleanup().await;
}

async fn deleting_the_latest_checkpoint_rows_is_caught_by_the_kept_head(kind: Kind) {
    let (t, kept) = seeded(kind).await;
    t.exec("DELETE FROM audit_checkpoints WHERE seq = 8").await;
    let p = problem(&t, &kept).await;
    assert!(p.contains("missing from the database"), "{p}");
    t.cleanup().await;
}

async fn deleting_every_checkpoint_is_caught(kind: Kind) {
    let (t, kept) = seeded(kind).await;
    t.exec("DELETE FROM audit_checkpoints").await;
    let p = problem(&t, &kept).await;
    assert!(p.contains("missing from the database"), "{p}");
    // Without the kept head: zero checkpoints while events exist fails once the tail is
    // older than allowed (here: any age).
    let strict = TailPolicy {
        max_unsigned_age_ms: 0,
        ..TailPolicy::default()
    };
    std::thread::sleep(std::time::Duration::from_millis(5));
    let r = t.store.verify_audit_with(&strict, None).await.unwrap();
    assert!(!r.ok);
    assert!(
        r.problem
            .unwrap()
            .contains("no signed checkpoint although 8 events exist"),
    );
    t.cleanup().await;
}

async fn truncating_the_tail_with_its_checkpoints_is_caught(kind: Kind) {
    let (t, kept) = seeded(kind).await;
    // Cut events 6..8 and the checkpoint that covered them, and rewind the head: the
    // database alone is consistent again (chain intact, last checkpoint at 5 matches).
    t.exec(
        "DELETE FROM audit_events WHERE seq > 5; DELETE FROM audit_checkpoints WHERE seq > 5; \
         UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_events WHERE seq = 5) WHERE id = 1",
    )
    .await;
    assert!(
        t.store.verify_audit().await.unwrap().ok,
        "undetectable without a kept head"
    );
    let p = problem(&t, &kept).await;
    assert!(p.contains("no longer contains the kept checkpoint"), "{p}");
    assert!(p.contains("truncated"), "{p}");
    t.cleanup().await;
}

async fn wiping_the_log_is_caught(kind: Kind) {
    let (t, kept) = seeded(kind).await;
    t.exec(
        "DELETE FROM audit_events; DELETE FROM audit_checkpoints; \
         UPDATE audit_head SET seq = 0, hash = '0000000000000000000000000000000000000000000000000000000000000000' WHERE id = 1",
    )
    .await;
    let p = problem(&t, &kept).await;
    assert!(p.contains("no longer contains the kept checkpoint"), "{p}");
    t.cleanup().await;
}

async fn rewriting_with_recomputed_hashes_is_caught(kind: Kind) {
    let (t, kept) = seeded(kind).await;
    // Rewrite event 4 and recompute every hash after it, the head, and drop the
    // checkpoints the attacker cannot re-sign: a consistent chain without the key.
    let events = t
        .store
        .audit_events(&crate::AuditFilter::default())
        .await
        .unwrap();
    let mut prev = events[2].hash.clone();
    let mut sql = String::from("DELETE FROM audit_checkpoints WHERE seq >= 4;");
    for ev in &events[3..] {
        let details = if ev.seq == 4 {
            "{\"name\":\"mallory\"}".to_string()
        } else {
            ev.details.clone()
        };
        let h = crate::audit::event_hash(
            &prev,
            ev.seq,
            &ev.actor,
            &ev.action,
            &ev.subject,
            ev.time,
            &details,
        );
        sql.push_str(&format!(
            "UPDATE audit_events SET details = '{}', prev_hash = '{prev}', hash = '{h}' WHERE seq = {};",
            details.replace('\'', "''"),
            ev.seq
        ));
        prev = h;
    }
    sql.push_str(&format!(
        "UPDATE audit_head SET hash = '{prev}' WHERE id = 1;"
    ));
    t.exec(&sql).await;
    assert!(
        t.store.verify_audit().await.unwrap().ok,
        "a consistent rewrite"
    );
    let p = problem(&t, &kept).await;
    assert!(p.contains("diverges"), "{p}");
    t.cleanup().await;
}

async fn an_appended_event_is_named_as_appended(kind: Kind) {
    let (t, _kept) = seeded(kind).await;
    let last = t
        .store
        .audit_events(&crate::AuditFilter::default())
        .await
        .unwrap()
        .pop()
        .unwrap();
    let h = crate::audit::event_hash(&last.hash, 9, "mallory", "x.y", "s", last.time, "{}");
    t.exec(&format!(
        "INSERT INTO audit_events (seq, actor, action, subject, time, details, prev_hash, hash) \
         VALUES (9, 'mallory', 'x.y', 's', {}, '{{}}', '{}', '{h}')",
        last.time, last.hash
    ))
    .await;
    let r = t.store.verify_audit().await.unwrap();
    assert!(!r.ok);
    assert_eq!(r.broken_at, Some(9));
    let p = r.problem.unwrap();
    assert!(p.contains("appended"), "{p}");
    assert!(!p.contains("removed"), "{p}");
    t.cleanup().await;
}

async fn a_tail_longer_than_allowed_fails(kind: Kind) {
    let (t, _kept) = seeded(kind).await;
    for i in 0..3 {
        t.store
            .create_principal("prn_admin", &format!("late{i}"), &["reviewer".into()], &[])
            .await
            .unwrap();
    }
    let tight = TailPolicy {
        max_unsigned_events: 2,
        ..TailPolicy::default()
    };
    let r = t.store.verify_audit_with(&tight, None).await.unwrap();
    assert!(!r.ok);
    assert_eq!(r.broken_at, Some(9));
    assert!(
        r.problem
            .unwrap()
            .contains("3 events follow the last signed checkpoint")
    );
    t.store.sign_audit_head().await.unwrap().unwrap();
    assert!(t.store.verify_audit_with(&tight, None).await.unwrap().ok);
    t.cleanup().await;
}

both_backends!(
    checkpoints_are_chained_and_signed,
    deleting_a_middle_checkpoint_row_breaks_the_chain,
    deleting_the_latest_checkpoint_rows_is_caught_by_the_kept_head,
    deleting_every_checkpoint_is_caught,
    truncating_the_tail_with_its_checkpoints_is_caught,
    wiping_the_log_is_caught,
    rewriting_with_recomputed_hashes_is_caught,
    an_appended_event_is_named_as_appended,
    a_tail_longer_than_allowed_fails,
);
