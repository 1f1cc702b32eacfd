//! Artifacts in S3-compatible object storage, through the `object_store` crate.
//!
//! `s3://bucket/prefix` names the bucket and a key prefix; everything else comes from the
//! standard variables `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL` (an S3-compatible server: MinIO, Ceph, moto…) and `AWS_ALLOW_HTTP`.
//! Requests use path-style addressing, which every S3-compatible server accepts.
//!
//! The artifact store's API is blocking (it is called from `spawn_blocking`); each call
//! drives its request on the caller's Tokio runtime.

use crate::error::{RegistryError, Result};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct ObjectArtifacts {
    url: String,
    prefix: String,
    store: Arc<dyn ObjectStore>,
}

fn io_error(url: &str, e: object_store::Error) -> RegistryError {
    let kind = match e {
        object_store::Error::NotFound { .. } => std::io::ErrorKind::NotFound,
        _ => std::io::ErrorKind::Other,
    };
    RegistryError::Io {
        path: PathBuf::from(url),
        source: std::io::Error::new(kind, e.to_string()),
    }
}

/// Runs `fut` to completion from blocking code: a `spawn_blocking` thread of the store's
/// runtime (how the store calls it), or a thread outside any runtime.
fn block_on<F: std::future::Future>(fut: F) -> Result<F::Output> {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => Ok(h.block_on(fut)),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| rt.block_on(fut))
            .map_err(|source| RegistryError::Io {
                path: PathBuf::from("<object storage runtime>"),
                source,
            }),
    }
}

impl ObjectArtifacts {
    /// Connects to `s3://bucket[/prefix]`.
    pub fn s3(url: &str) -> Result<ObjectArtifacts> {
        let rest = url.trim_start_matches("s3://");
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(RegistryError::Invalid(format!(
                "`{url}`: expected s3://bucket[/prefix]"
            )));
        }
        // reqwest is built without a bundled TLS provider: use ring's (idempotent; an error
        // only means one is installed already).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_virtual_hosted_style_request(false)
            .build()
            .map_err(|e| RegistryError::Invalid(format!("artifact storage `{url}`: {e}")))?;
        Ok(ObjectArtifacts {
            url: url.trim_end_matches('/').to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            store: Arc::new(store),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn key(&self, digest: &str) -> ObjectPath {
        let (dir, file) = digest.split_at(2.min(digest.len()));
        if self.prefix.is_empty() {
            ObjectPath::from(format!("{dir}/{file}"))
        } else {
            ObjectPath::from(format!("{}/{dir}/{file}", self.prefix))
        }
    }

    /// Stores `bytes` under `digest` (a PUT is atomic: readers see all or nothing).
    pub fn put(&self, digest: &str, bytes: &[u8]) -> Result<()> {
        let key = self.key(digest);
        let payload = object_store::PutPayload::from(bytes.to_vec());
        block_on(self.store.put(&key, payload))?
            .map(|_| ())
            .map_err(|e| io_error(&self.url, e))
    }

    pub fn get(&self, digest: &str) -> Result<Vec<u8>> {
        let key = self.key(digest);
        block_on(async {
            let r = self.store.get(&key).await?;
            r.bytes().await
        })?
        .map(|b| b.to_vec())
        .map_err(|e| io_error(&self.url, e))
    }
}
