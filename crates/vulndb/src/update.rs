//! `db update`: download per-ecosystem OSV `all.zip` exports over HTTP(S).
//!
//! Each archive is streamed into a temp file inside the database directory (bounded size,
//! global timeout), then parsed like an import. Nothing is applied until every requested
//! ecosystem downloaded and parsed; the caller then replaces the sources and saves atomically.

use crate::DbError;
use crate::import::{RecordStats, read_zip_path};
use crate::model::{Advisory, parse_ecosystem};
use std::path::Path;
use std::time::Duration;

/// The public OSV bucket: `<base>/<Ecosystem>/all.zip`.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// Ecosystems updated when none are named.
pub const DEFAULT_ECOSYSTEMS: &[&str] = &["npm", "PyPI"];
/// Largest archive accepted (the npm export is a few hundred MB at most).
const MAX_DOWNLOAD_BYTES: u64 = 4 << 30;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const GLOBAL_TIMEOUT: Duration = Duration::from_secs(30 * 60);

pub(crate) struct Fetched {
    pub name: String,
    pub url: String,
    pub advisories: Vec<Advisory>,
    pub stats: RecordStats,
}

pub(crate) fn download_all(
    dir: &Path,
    base_url: &str,
    ecosystems: &[&str],
) -> Result<Vec<Fetched>, DbError> {
    let ecosystems = if ecosystems.is_empty() {
        DEFAULT_ECOSYSTEMS
    } else {
        ecosystems
    };
    let canonical = ecosystems
        .iter()
        .map(|e| parse_ecosystem(e).ok_or_else(|| DbError::UnsupportedEcosystem(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(dir).map_err(|e| DbError::io(dir, e))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(GLOBAL_TIMEOUT))
        .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut out = Vec::new();
    for eco in canonical {
        let eco = eco.as_str();
        let url = format!("{}/{}/all.zip", base_url.trim_end_matches('/'), eco);
        let tmp = tempfile::Builder::new()
            .prefix(".download-")
            .suffix(".zip")
            .tempfile_in(dir)
            .map_err(|e| DbError::io(dir, e))?;
        fetch(&agent, &url, tmp.as_file())?;
        let (advisories, stats) =
            read_zip_path(tmp.path(), &format!("osv:{eco}")).map_err(|e| match e {
                DbError::Zip { reason, .. } => DbError::Http {
                    url: url.clone(),
                    reason: format!("not a zip archive: {reason}"),
                },
                DbError::NoRecords { .. } => DbError::Http {
                    url: url.clone(),
                    reason: "the archive holds no OSV JSON records".into(),
                },
                other => other,
            })?;
        out.push(Fetched {
            name: format!("osv:{eco}"),
            url,
            advisories,
            stats,
        });
    }
    Ok(out)
}

fn fetch(agent: &ureq::Agent, url: &str, mut file: &std::fs::File) -> Result<(), DbError> {
    let http = |reason: String| DbError::Http {
        url: url.to_string(),
        reason,
    };
    let mut resp = agent.get(url).call().map_err(|e| http(e.to_string()))?;
    let mut reader = resp
        .body_mut()
        .with_config()
        .limit(MAX_DOWNLOAD_BYTES)
        .reader();
    std::io::copy(&mut reader, &mut file).map_err(|e| http(e.to_string()))?;
    file.sync_all().map_err(|e| http(e.to_string()))?;
    Ok(())
}
