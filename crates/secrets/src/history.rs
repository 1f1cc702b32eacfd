//! `--history`: every blob of every commit of a git repository, scanned once.
//!
//! Commits reachable from any reference (and `HEAD`) are collected, then visited oldest
//! first; trees already visited are skipped whole (their blobs were scanned), and each blob
//! is scanned the first time it is seen, so the commit a finding reports is the (oldest)
//! commit that introduced that content. A secret deleted in a later commit is still found:
//! it is in the published history. Uses `gix` (pure Rust, minimal features).

use crate::{Config, SecretsAnalyzer, SecretsError, context};
use portcullis_core::time::rfc3339;
use portcullis_core::{FileKind, Finding, SourceFile};
use std::collections::HashSet;
use std::path::Path;

/// Trees nested deeper than this are not descended into (hostile repositories).
const MAX_TREE_DEPTH: usize = 64;

struct CommitInfo {
    id: gix::ObjectId,
    tree: gix::ObjectId,
    seconds: i64,
    author: String,
}

/// Scans the history of the repository at `repo` with the analyzer built from `config`.
/// Each finding carries the properties `commit`, `author` and `date` (RFC 3339, UTC) of the
/// commit that introduced the blob, and its path in that commit.
pub fn scan_history(repo: &Path, config: &Config) -> Result<Vec<Finding>, SecretsError> {
    let analyzer = SecretsAnalyzer::new(config.clone())?;
    analyzer.scan_history(repo)
}

fn git_err(repo: &Path, reason: impl std::fmt::Display) -> SecretsError {
    SecretsError::Git {
        path: repo.to_path_buf(),
        reason: reason.to_string(),
    }
}

impl SecretsAnalyzer {
    /// [`scan_history`] with an already-built analyzer.
    pub fn scan_history(&self, repo_path: &Path) -> Result<Vec<Finding>, SecretsError> {
        let repo = gix::open(repo_path).map_err(|e| git_err(repo_path, e))?;
        let commits = collect_commits(&repo, repo_path, self.config.history_max_commits)?;
        let mut seen_trees: HashSet<gix::ObjectId> = HashSet::new();
        let mut seen_blobs: HashSet<gix::ObjectId> = HashSet::new();
        let mut findings = Vec::new();
        for c in &commits {
            let mut stack: Vec<(gix::ObjectId, String, usize)> = vec![(c.tree, String::new(), 0)];
            while let Some((tree_id, prefix, depth)) = stack.pop() {
                if depth > MAX_TREE_DEPTH || !seen_trees.insert(tree_id) {
                    continue;
                }
                let obj = repo
                    .find_object(tree_id)
                    .map_err(|e| git_err(repo_path, format!("tree {tree_id}: {e}")))?;
                let tree = obj
                    .try_into_tree()
                    .map_err(|e| git_err(repo_path, format!("tree {tree_id}: {e}")))?;
                let decoded = tree
                    .decode()
                    .map_err(|e| git_err(repo_path, format!("tree {tree_id}: {e}")))?;
                for entry in &decoded.entries {
                    let name = String::from_utf8_lossy(entry.filename);
                    let path = if prefix.is_empty() {
                        name.to_string()
                    } else {
                        format!("{prefix}/{name}")
                    };
                    let oid = entry.oid.to_owned();
                    if entry.mode.is_tree() {
                        stack.push((oid, path, depth + 1));
                    } else if entry.mode.is_blob() && seen_blobs.insert(oid) {
                        findings.extend(self.scan_blob(&repo, repo_path, oid, &path, c)?);
                    }
                }
            }
        }
        Ok(findings)
    }

    fn scan_blob(
        &self,
        repo: &gix::Repository,
        repo_path: &Path,
        oid: gix::ObjectId,
        path: &str,
        commit: &CommitInfo,
    ) -> Result<Vec<Finding>, SecretsError> {
        let header = repo
            .find_header(oid)
            .map_err(|e| git_err(repo_path, format!("blob {oid}: {e}")))?;
        if header.size() > self.config.history_max_blob_bytes {
            return Ok(Vec::new());
        }
        let obj = repo
            .find_object(oid)
            .map_err(|e| git_err(repo_path, format!("blob {oid}: {e}")))?;
        let data = &obj.data;
        if data.iter().take(8192).any(|&b| b == 0) {
            return Ok(Vec::new());
        }
        let text = String::from_utf8_lossy(data);
        let kind = context::kind_from_path(path);
        if kind == FileKind::SourceMap {
            // Maps duplicate their sources (see `analyze_file`); history scans the sources.
            return Ok(Vec::new());
        }
        let is_test = SourceFile::new(path, kind, Vec::new()).is_test_or_example();
        let date = rfc3339(commit.seconds);
        Ok(self
            .scan_text(path, kind, &text, is_test)
            .into_iter()
            .map(|(mut f, secret)| {
                self.verify_into(&mut f, &secret);
                f.with_property("commit", commit.id.to_string())
                    .with_property("author", commit.author.clone())
                    .with_property("date", date.clone())
                    .with_property("blob", oid.to_string())
            })
            .collect())
    }
}

fn collect_commits(
    repo: &gix::Repository,
    repo_path: &Path,
    max: usize,
) -> Result<Vec<CommitInfo>, SecretsError> {
    let mut tips: Vec<gix::ObjectId> = Vec::new();
    if let Ok(id) = repo.head_id() {
        tips.push(id.detach());
    }
    let platform = repo.references().map_err(|e| git_err(repo_path, e))?;
    let iter = platform.all().map_err(|e| git_err(repo_path, e))?;
    for mut r in iter.flatten() {
        if let Ok(c) = r.peel_to_commit() {
            tips.push(c.id);
        }
    }
    let mut seen: HashSet<gix::ObjectId> = HashSet::new();
    let mut stack = tips;
    let mut out = Vec::new();
    while let Some(id) = stack.pop() {
        if out.len() >= max {
            break;
        }
        if !seen.insert(id) {
            continue;
        }
        let Ok(obj) = repo.find_object(id) else {
            continue;
        };
        let Ok(commit) = obj.try_into_commit() else {
            continue;
        };
        let tree = commit
            .tree_id()
            .map_err(|e| git_err(repo_path, format!("commit {id}: {e}")))?
            .detach();
        let (author, seconds) = match commit.author() {
            Ok(sig) => (
                format!("{} <{}>", sig.name, sig.email),
                sig.time().map(|t| t.seconds).unwrap_or(0),
            ),
            Err(_) => (String::new(), 0),
        };
        stack.extend(commit.parent_ids().map(|p| p.detach()));
        out.push(CommitInfo {
            id,
            tree,
            seconds,
            author,
        });
    }
    // Oldest first, so a blob is attributed to the first commit that has it.
    out.sort_by_key(|c| c.seconds);
    Ok(out)
}
