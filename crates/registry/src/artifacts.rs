//! Content-addressed artifacts, named by SHA-256: files under `<data>/artifacts/ab/cdef…`
//! by default, or objects `<prefix>/ab/cdef…` in S3-compatible object storage
//! (`--artifacts s3://bucket/prefix`, see [`crate::object_artifacts`]) when servers and
//! workers run on several machines.
//!
//! A file is written to a temporary name in its final directory, flushed to disk, then
//! renamed, so a crash never leaves a partially written file under a content address (an
//! object store's PUT is atomic). Since the name is the hash of the bytes, writing the same
//! bytes twice is a no-op and every read is re-verified.

use crate::error::{RegistryError, Result};
use crate::object_artifacts::ObjectArtifacts;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct ArtifactStore {
    root: PathBuf,
    /// Set for object storage; `root` is then unused.
    objects: Option<ObjectArtifacts>,
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn valid_digest(d: &str) -> bool {
    d.len() == 64
        && d.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl ArtifactStore {
    pub fn new(root: PathBuf) -> ArtifactStore {
        ArtifactStore {
            root,
            objects: None,
        }
    }

    /// `location` is `s3://bucket[/prefix]` (credentials and endpoint from the standard
    /// `AWS_*` variables), a directory, or `None` for `default_dir`.
    pub fn open(location: Option<&str>, default_dir: PathBuf) -> Result<ArtifactStore> {
        match location {
            Some(url) if url.starts_with("s3://") => Ok(ArtifactStore {
                root: default_dir,
                objects: Some(ObjectArtifacts::s3(url)?),
            }),
            Some(dir) => Ok(ArtifactStore::new(PathBuf::from(dir))),
            None => Ok(ArtifactStore::new(default_dir)),
        }
    }

    /// Where artifacts are kept, for logs (`s3://…` or a directory).
    pub fn location(&self) -> String {
        match &self.objects {
            Some(o) => o.url().to_string(),
            None => self.root.display().to_string(),
        }
    }

    /// Where the artifact with this digest lives. `None` for anything but 64 lowercase hex
    /// characters, so a digest from a request can never name a path outside the store.
    pub fn path_for(&self, digest: &str) -> Option<PathBuf> {
        if !valid_digest(digest) {
            return None;
        }
        let (dir, file) = digest.split_at(2);
        Some(self.root.join(dir).join(file))
    }

    /// Stores `bytes` and returns their digest. Blocking I/O: call from `spawn_blocking`.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let digest = sha256_hex(bytes);
        if let Some(o) = &self.objects {
            o.put(&digest, bytes)?;
            return Ok(digest);
        }
        let path = self
            .path_for(&digest)
            .ok_or_else(|| RegistryError::Invalid("computed digest is malformed".into()))?;
        if path.exists() {
            return Ok(digest);
        }
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| RegistryError::Io { path, source }
        };
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io(&dir))?;
        tmp.write_all(bytes).map_err(io(tmp.path()))?;
        tmp.as_file().sync_all().map_err(io(tmp.path()))?;
        tmp.persist(&path).map_err(|e| RegistryError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(digest)
    }

    /// Reads an artifact back and checks that its bytes still hash to its name.
    pub fn get(&self, digest: &str) -> Result<Vec<u8>> {
        if let Some(o) = &self.objects {
            if !valid_digest(digest) {
                return Err(RegistryError::Invalid(format!(
                    "`{digest}` is not a SHA-256 digest"
                )));
            }
            let bytes = o.get(digest)?;
            if sha256_hex(&bytes) != digest {
                return Err(RegistryError::Corrupt {
                    what: format!("{}/{}", o.url(), digest),
                    reason: "content no longer matches its SHA-256 name".into(),
                });
            }
            return Ok(bytes);
        }
        let path = self
            .path_for(digest)
            .ok_or_else(|| RegistryError::Invalid(format!("`{digest}` is not a SHA-256 digest")))?;
        let bytes = std::fs::read(&path).map_err(|source| RegistryError::Io {
            path: path.clone(),
            source,
        })?;
        if sha256_hex(&bytes) != digest {
            return Err(RegistryError::Corrupt {
                what: path.display().to_string(),
                reason: "content no longer matches its SHA-256 name".into(),
            });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArtifactStore::new(dir.path().join("artifacts"));
        let d1 = store.put(b"package bytes").unwrap();
        let d2 = store.put(b"package bytes").unwrap();
        assert_eq!(d1, d2);
        assert_eq!(d1, sha256_hex(b"package bytes"));
        let path = store.path_for(&d1).unwrap();
        assert!(path.starts_with(dir.path().join("artifacts").join(&d1[..2])));
        assert_eq!(store.get(&d1).unwrap(), b"package bytes");
    }

    #[test]
    fn rejects_path_like_digests_and_detects_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArtifactStore::new(dir.path().to_path_buf());
        assert!(store.path_for("../../etc/passwd").is_none());
        assert!(store.path_for(&"A".repeat(64)).is_none());
        let d = store.put(b"original").unwrap();
        std::fs::write(store.path_for(&d).unwrap(), b"tampered").unwrap();
        assert!(matches!(store.get(&d), Err(RegistryError::Corrupt { .. })));
    }
}
