//! Audit witnesses: every new signed checkpoint is handed to something outside the
//! database, so a later rollback of the log can be proven against it (see
//! docs/audit-threat-model.md).
//!
//! * a file (on another volume or machine): replaced atomically with the latest checkpoint,
//!   ready for `portcullis audit verify --against FILE`;
//! * a webhook (`http://` or `https://` URL): the checkpoint JSON is POSTed to it.

use portcullis_registry::Checkpoint;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Witness {
    File(PathBuf),
    Webhook(String),
}

impl Witness {
    /// `http(s)://…` is a webhook, anything else a file path.
    pub fn parse(s: &str) -> Witness {
        if s.starts_with("http://") || s.starts_with("https://") {
            Witness::Webhook(s.to_string())
        } else {
            Witness::File(PathBuf::from(s))
        }
    }

    /// Hands `cp` to the witness. Blocking I/O: call from `spawn_blocking`.
    pub fn record(&self, cp: &Checkpoint) -> Result<(), String> {
        let json = serde_json::to_string_pretty(cp).map_err(|e| e.to_string())?;
        match self {
            Witness::File(path) => {
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(std::path::Path::new("."));
                let mut tmp = tempfile::NamedTempFile::new_in(dir)
                    .map_err(|e| format!("{}: {e}", dir.display()))?;
                tmp.write_all(json.as_bytes())
                    .and_then(|_| tmp.as_file().sync_all())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                tmp.persist(path)
                    .map_err(|e| format!("{}: {}", path.display(), e.error))?;
                Ok(())
            }
            Witness::Webhook(url) => {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                agent
                    .post(url)
                    .header("Content-Type", "application/json")
                    .send(json.as_bytes())
                    .map(|_| ())
                    .map_err(|e| format!("{url}: {e}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_witness_holds_the_latest_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("head.json");
        let w = Witness::parse(path.to_str().unwrap());
        let mut cp = Checkpoint {
            seq: 3,
            hash: "ab".repeat(32),
            time: 1,
            prev: Some("00".repeat(32)),
            public_key: "k".into(),
            signature: "s".into(),
        };
        w.record(&cp).unwrap();
        cp.seq = 9;
        w.record(&cp).unwrap();
        let kept: Checkpoint =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(kept, cp);
        assert_eq!(
            Witness::parse("https://audit.example/hook"),
            Witness::Webhook("https://audit.example/hook".into())
        );
    }
}
