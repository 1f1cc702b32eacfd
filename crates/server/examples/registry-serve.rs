//! A minimal stand-alone registry server for benchmarks and crash tests (the real entry
//! point is `portcullis serve` in the CLI).
//!
//! ```text
//! registry-serve --data DIR [--database URL] serve --listen 127.0.0.1:8088 [--fake-scanner]
//! registry-serve --data DIR [--database URL] bootstrap NAME        # prints a steward token
//! registry-serve --data DIR [--database URL] seed                  # one version allowed in prod,
//!                                                                  # prints a status-only token
//! ```
//! `--fake-scanner` approves every package with no findings (so submissions complete
//! without the analyzers); never use it for real.

use portcullis_core::{
    CapabilitySet, Decision, Origin, ScanReport, ScanStats, TargetInfo, ToolInfo,
};
use portcullis_registry::{EnvAction, ScanResult, StoreConfig, SubmissionMetadata};
use portcullis_server::{ServeConfig, serve, worker::Scanner};
use std::path::Path;
use std::sync::Arc;

struct ApproveAll;

impl Scanner for ApproveAll {
    fn scan(&self, path: &Path) -> Result<ScanReport, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        Ok(ScanReport {
            schema_version: portcullis_core::REPORT_SCHEMA_VERSION.into(),
            tool: ToolInfo {
                name: "fake-scanner".into(),
                version: "0".into(),
            },
            target: TargetInfo {
                source: path.display().to_string(),
                origin: Origin::Tarball,
                sha256: String::new(),
                files: 0,
                bytes: bytes.len() as u64,
            },
            extension: None,
            findings: vec![],
            observed: CapabilitySet::new(),
            components: vec![],
            decision: Decision::approve(),
            rules: vec![],
            notices: vec![],
            properties: Default::default(),
            stats: ScanStats::default(),
        })
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let data = arg(&args, "--data").ok_or_else(|| anyhow::anyhow!("--data DIR is required"))?;
    let mut store = StoreConfig::new(data);
    if let Some(db) = arg(&args, "--database") {
        store = store.with_database(db);
    }
    if let Some(n) = arg(&args, "--max-connections") {
        store.max_connections = n.parse()?;
    }
    if args.iter().any(|a| a == "bootstrap") {
        let name = arg(&args, "bootstrap").unwrap_or_else(|| "steward".into());
        let t = portcullis_registry::bootstrap_steward(&store, &name).await?;
        println!("{}", t.secret);
        return Ok(());
    }
    if args.iter().any(|a| a == "seed") {
        let s = portcullis_registry::Store::open(&store).await?;
        let meta = SubmissionMetadata {
            platform: Some("n8n".into()),
            name: Some("n8n-nodes-bench".into()),
            version: Some("1.0.0".into()),
            owner: Some("team-bench".into()),
            purpose: Some("benchmark fixture".into()),
            data_classes: Some(vec!["none".into()]),
            external_services: Some(vec![]),
            risk_self_assessment: Some("low".into()),
            test_evidence: Some("bench".into()),
            ..Default::default()
        };
        s.submit("prn_seed_dev", &meta, b"\x1f\x8bbench package".to_vec())
            .await?;
        let job = s
            .claim_job("seed", 60_000)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no job"))?;
        s.complete_job(
            job.id,
            "seed",
            &ScanResult {
                findings: vec![],
                decision: Decision::approve(),
                inputs: serde_json::json!({}),
                risk: Some("low".into()),
                decided_by: "seed".into(),
                documents: Default::default(),
            },
        )
        .await?;
        s.add_review(
            "prn_seed_rev",
            "n8n",
            "n8n-nodes-bench",
            "1.0.0",
            "approve",
            "bench",
        )
        .await?;
        for env in ["dev", "staging", "prod"] {
            s.change_env(
                "prn_seed_pe",
                "n8n",
                "n8n-nodes-bench",
                "1.0.0",
                EnvAction::Promote,
                Some(env),
                "",
            )
            .await?;
        }
        let p = s
            .create_principal("seed", "bench-runtime", &["platform-runtime".into()], &[])
            .await?;
        let t = s
            .issue_token("seed", &p.id, &["status".into()], None, "bench")
            .await?;
        println!("{}", t.secret);
        s.close().await;
        return Ok(());
    }
    let listen = arg(&args, "--listen")
        .unwrap_or_else(|| "127.0.0.1:8088".into())
        .parse()?;
    let mut cfg = ServeConfig::new(listen, store);
    if args.iter().any(|a| a == "--fake-scanner") {
        cfg.scanner = Some(Arc::new(ApproveAll));
    }
    serve(cfg).await
}
