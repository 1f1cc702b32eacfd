//! HTTP error mapping: every refusal is a JSON body naming the reason.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portcullis_registry::RegistryError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing, invalid, expired or revoked bearer token")]
    Unauthorized,
    #[error("not allowed to {action}")]
    Forbidden {
        action: String,
        policies: Vec<String>,
    },
    #[error("{0}")]
    BadRequest(String),
    /// A body over its route's limit (bytes).
    #[error("the request body is larger than the limit of {0} bytes")]
    TooLarge(usize),
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// Error body: `{"error": {"code", "message", "missing"?, "policies"?}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// Required fields that were absent (incomplete submissions).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// Policies that decided a 403.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
}

impl ApiError {
    /// A multipart body that could not be read: 413 naming `limit` when it was too big.
    pub fn multipart(
        context: &str,
        e: axum::extract::multipart::MultipartError,
        limit: usize,
    ) -> ApiError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(limit)
        } else {
            ApiError::BadRequest(format!("{context}: {}", e.body_text()))
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
            ApiError::Registry(e) => match e {
                RegistryError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
                RegistryError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
                RegistryError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid"),
                RegistryError::MissingFields(_) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "missing-fields")
                }
                RegistryError::State(_) => (StatusCode::CONFLICT, "invalid-state"),
                RegistryError::Db { .. }
                | RegistryError::Io { .. }
                | RegistryError::Key { .. }
                | RegistryError::Corrupt { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            },
        };
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            // Details go to the log, not to the client.
            tracing::error!(error = %self, "request failed");
            "internal error; see the server log".to_string()
        } else {
            // Messages quote request values (a version, a name): bounded, so a 50 KB value
            // is not echoed back whole.
            crate::limits::truncate_for_echo(&self.to_string(), crate::limits::MAX_ECHO_CHARS)
        };
        let missing = match &self {
            ApiError::Registry(RegistryError::MissingFields(m)) => m.clone(),
            _ => Vec::new(),
        };
        let policies = match &self {
            ApiError::Forbidden { policies, .. } => policies
                .iter()
                .take(50)
                .map(|p| crate::limits::truncate_for_echo(p, crate::limits::MAX_ECHO_CHARS))
                .collect(),
            _ => Vec::new(),
        };
        let mut resp = (
            status,
            Json(ErrorBody {
                error: ErrorDetail {
                    code: code.into(),
                    message,
                    missing,
                    policies,
                },
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED
            && let Ok(v) = "Bearer".parse()
        {
            resp.headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, v);
        }
        resp
    }
}
