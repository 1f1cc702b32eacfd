//! `portcullis audit head` and `audit verify [--against HEAD.json]`: anchoring the audit log
//! the way Certificate Transparency anchors a log — a signed checkpoint kept outside the
//! database proves later that the log still contains it. See docs/audit-threat-model.md.

use crate::cli::{StoreArgs, usage};
use crate::registry_cmd::store_config;
use crate::{EXIT_GATE_FAILED, EXIT_PASS};
use portcullis_registry::{Checkpoint, Store, TailPolicy};
use std::path::PathBuf;

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Prints the latest signed checkpoint as JSON (exit 1 when there is none yet).
pub fn head(store: StoreArgs) -> anyhow::Result<u8> {
    let config = store_config(store)?;
    let cp = runtime()?
        .block_on(async {
            let store = Store::open(&config).await?;
            let cp = store.latest_checkpoint().await;
            store.close().await;
            cp
        })
        .map_err(|e| usage(e.to_string()))?;
    match cp {
        Some(cp) => {
            println!("{}", serde_json::to_string_pretty(&cp)?);
            Ok(EXIT_PASS)
        }
        None => {
            eprintln!("no signed checkpoint yet (the server signs the head periodically)");
            Ok(EXIT_GATE_FAILED)
        }
    }
}

pub struct VerifyArgs {
    pub store: StoreArgs,
    pub against: Option<PathBuf>,
    pub max_unsigned_events: Option<i64>,
    pub max_unsigned_age_secs: Option<i64>,
}

/// Recomputes the chain, the checkpoint chain, the unsigned tail and, with `--against`, a
/// checkpoint kept outside the database. Exit 1 on the first problem, naming it.
pub fn verify(args: VerifyArgs) -> anyhow::Result<u8> {
    let kept: Option<Checkpoint> = match &args.against {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
            Some(serde_json::from_str(&text).map_err(|e| {
                usage(format!(
                    "{} is not a checkpoint from `portcullis audit head`: {e}",
                    path.display()
                ))
            })?)
        }
        None => None,
    };
    let mut tail = TailPolicy::default();
    if let Some(n) = args.max_unsigned_events {
        tail.max_unsigned_events = n;
    }
    if let Some(s) = args.max_unsigned_age_secs {
        tail.max_unsigned_age_ms = s.saturating_mul(1000);
    }
    let config = store_config(args.store)?;
    let report = runtime()?
        .block_on(async {
            let store = Store::open(&config).await?;
            let report = store.verify_audit_with(&tail, kept.as_ref()).await;
            store.close().await;
            report
        })
        .map_err(|e| usage(e.to_string()))?;
    if report.ok {
        let against = kept
            .as_ref()
            .map(|k| format!("; contains the kept checkpoint at event {}", k.seq))
            .unwrap_or_default();
        println!(
            "audit log intact: {} events, {} signed checkpoints verified{against}",
            report.events, report.checkpoints
        );
        Ok(EXIT_PASS)
    } else {
        println!(
            "audit log BROKEN at event {}: {}",
            report
                .broken_at
                .map_or_else(|| "?".to_string(), |s| s.to_string()),
            report.problem.unwrap_or_default()
        );
        Ok(EXIT_GATE_FAILED)
    }
}
