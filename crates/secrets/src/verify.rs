//! Optional live verification: asking a provider whether a found secret is live.
//!
//! Off unless `[secrets] verify = true`, and only compiled with HTTP support under the
//! `verify` cargo feature, because it sends the secret to the provider — only to the
//! provider's own API, with a read-only call that changes nothing (GitHub `GET /user`,
//! Slack `auth.test`, Stripe `GET /v1/balance`). Tests never call a network verifier; they
//! use a fake one through [`VerifierRegistry::register`]. Add a provider by implementing
//! [`Verifier`] and registering it for its rule ids.

use std::collections::HashMap;
use std::sync::Arc;

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The provider accepted the credential.
    Valid { detail: String },
    /// The provider rejected it (revoked or never valid).
    Invalid,
    /// No answer (network error, rate limit, unexpected response).
    Unknown { reason: String },
}

impl Verification {
    pub fn label(&self) -> &'static str {
        match self {
            Verification::Valid { .. } => "valid",
            Verification::Invalid => "invalid",
            Verification::Unknown { .. } => "unknown",
        }
    }
}

/// Checks one kind of secret against its provider. Implementations must be harmless
/// (read-only calls), bounded in time, and must never log the secret.
pub trait Verifier: Send + Sync {
    /// Provider name, for notices.
    fn provider(&self) -> &str;
    fn verify(&self, secret: &str) -> Verification;
}

/// Verifiers by rule id.
#[derive(Clone, Default)]
pub struct VerifierRegistry {
    by_rule: HashMap<String, Arc<dyn Verifier>>,
}

impl std::fmt::Debug for VerifierRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<&String> = self.by_rule.keys().collect();
        keys.sort();
        f.debug_struct("VerifierRegistry")
            .field("rules", &keys)
            .finish()
    }
}

impl VerifierRegistry {
    /// The verifiers compiled into this build (none without the `verify` feature).
    pub fn builtin() -> VerifierRegistry {
        #[allow(unused_mut)]
        let mut reg = VerifierRegistry::default();
        #[cfg(feature = "verify")]
        http::register_all(&mut reg);
        reg
    }

    /// Uses `verifier` for findings of each rule in `rule_ids` (`secrets/<name>`).
    pub fn register(&mut self, rule_ids: &[&str], verifier: Arc<dyn Verifier>) {
        for id in rule_ids {
            self.by_rule
                .insert((*id).to_string(), Arc::clone(&verifier));
        }
    }

    pub fn get(&self, rule_id: &str) -> Option<&Arc<dyn Verifier>> {
        self.by_rule.get(rule_id)
    }

    pub fn is_empty(&self) -> bool {
        self.by_rule.is_empty()
    }
}

#[cfg(feature = "verify")]
mod http {
    //! HTTP verifiers (blocking `ureq`, 10 s timeout).
    use super::*;
    use std::time::Duration;

    struct Http {
        provider: &'static str,
        /// Builds the request for a secret; returns (url, header name, header value).
        request: fn(&str) -> (String, &'static str, String),
    }

    impl Verifier for Http {
        fn provider(&self) -> &str {
            self.provider
        }
        fn verify(&self, secret: &str) -> Verification {
            let (url, header, value) = (self.request)(secret);
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(10)))
                .http_status_as_error(false)
                .build()
                .into();
            match agent
                .get(&url)
                .header(header, &value)
                .header("User-Agent", "portcullis-secrets-verify")
                .call()
            {
                Ok(resp) => match resp.status().as_u16() {
                    200 => {
                        // Slack answers 200 with `"ok":false` for bad tokens.
                        if self.provider == "Slack" {
                            let body = resp
                                .into_body()
                                .with_config()
                                .limit(64 * 1024)
                                .read_to_string()
                                .unwrap_or_default();
                            if body.contains("\"ok\":true") {
                                Verification::Valid {
                                    detail: "auth.test ok".into(),
                                }
                            } else {
                                Verification::Invalid
                            }
                        } else {
                            Verification::Valid {
                                detail: format!("{url} returned 200"),
                            }
                        }
                    }
                    401 | 403 => Verification::Invalid,
                    s => Verification::Unknown {
                        reason: format!("HTTP {s}"),
                    },
                },
                Err(e) => Verification::Unknown {
                    reason: e.to_string(),
                },
            }
        }
    }

    pub(super) fn register_all(reg: &mut VerifierRegistry) {
        reg.register(
            &[
                "secrets/github-pat",
                "secrets/github-fine-grained-pat",
                "secrets/github-oauth-token",
                "secrets/github-user-to-server-token",
            ],
            Arc::new(Http {
                provider: "GitHub",
                request: |s| {
                    (
                        "https://api.github.com/user".into(),
                        "Authorization",
                        format!("Bearer {s}"),
                    )
                },
            }),
        );
        reg.register(
            &["secrets/slack-bot-token", "secrets/slack-user-token"],
            Arc::new(Http {
                provider: "Slack",
                request: |s| {
                    (
                        "https://slack.com/api/auth.test".into(),
                        "Authorization",
                        format!("Bearer {s}"),
                    )
                },
            }),
        );
        reg.register(
            &["secrets/stripe-secret-key", "secrets/stripe-restricted-key"],
            Arc::new(Http {
                provider: "Stripe",
                request: |s| {
                    (
                        "https://api.stripe.com/v1/balance".into(),
                        "Authorization",
                        format!("Bearer {s}"),
                    )
                },
            }),
        );
    }
}
