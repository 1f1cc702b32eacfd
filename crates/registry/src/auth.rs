//! Principals and API tokens.
//!
//! A token is 32 random bytes shown to its owner once (`pct_<hex>`); only its SHA-256 is
//! stored, so a database leak does not leak usable credentials. Tokens carry scopes
//! (`read`, `write`, `admin`, `status`) that narrow what the principal's roles allow, an
//! optional expiry, and can be revoked.

use crate::audit;
use crate::error::{RegistryError, Result, corrupt, db};
use crate::store::{Store, StoreConfig, WriteTx, now_ms};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// Roles the registry knows (the names the Cedar policies use).
pub const ROLES: &[&str] = &[
    "developer",
    "reviewer",
    "security-champion",
    "security-steward",
    "platform-engineer",
    "auditor",
    "platform-runtime",
];

/// Token scopes. `admin` covers governance (tokens, roles, trusted sources), `write` any
/// other change, `read` reading, `status` only the status API.
pub const SCOPES: &[&str] = &["read", "write", "admin", "status"];

const TOKEN_PREFIX: &str = "pct_";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Principal {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
    pub teams: Vec<String>,
    pub created_at: i64,
    pub disabled: bool,
}

/// Token metadata (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    pub id: String,
    pub principal_id: String,
    pub scopes: Vec<String>,
    pub description: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A freshly issued token: `secret` is returned exactly once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedToken {
    pub secret: String,
    pub token: TokenInfo,
}

/// Who is calling, after authentication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authenticated {
    pub principal: Principal,
    pub token: TokenInfo,
}

impl Authenticated {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.token.scopes.iter().any(|s| s == scope)
    }
}

pub(crate) fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| RegistryError::Invalid(format!("no OS randomness available: {e}")))?;
    Ok(hex::encode(buf))
}

/// SHA-256 hex of a token secret: the only form in which it is stored.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn validate_roles(roles: &[String]) -> Result<()> {
    if roles.is_empty() {
        return Err(RegistryError::Invalid(
            "a principal needs at least one role".into(),
        ));
    }
    for r in roles {
        if !ROLES.contains(&r.as_str()) {
            return Err(RegistryError::Invalid(format!(
                "unknown role `{r}` (expected one of: {})",
                ROLES.join(", ")
            )));
        }
    }
    Ok(())
}

fn validate_scopes(scopes: &[String]) -> Result<()> {
    if scopes.is_empty() {
        return Err(RegistryError::Invalid(
            "a token needs at least one scope".into(),
        ));
    }
    for s in scopes {
        if !SCOPES.contains(&s.as_str()) {
            return Err(RegistryError::Invalid(format!(
                "unknown scope `{s}` (expected one of: {})",
                SCOPES.join(", ")
            )));
        }
    }
    Ok(())
}

pub(crate) fn validate_name(what: &str, s: &str, max: usize) -> Result<()> {
    if s.is_empty() || s.len() > max || s.chars().any(|c| c.is_control()) {
        return Err(RegistryError::Invalid(format!(
            "{what} must be 1..={max} bytes without control characters"
        )));
    }
    Ok(())
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn parse_list(what: &str, s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| corrupt(what, e))
}

fn row_principal(r: &sqlx::any::AnyRow) -> Result<Principal> {
    let g = |e| db("reading a principal")(e);
    let roles: String = r.try_get("roles").map_err(g)?;
    let teams: String = r.try_get("teams").map_err(g)?;
    let disabled: i64 = r.try_get("disabled").map_err(g)?;
    Ok(Principal {
        id: r.try_get("id").map_err(g)?,
        name: r.try_get("name").map_err(g)?,
        roles: parse_list("principal roles", &roles)?,
        teams: parse_list("principal teams", &teams)?,
        created_at: r.try_get("created_at").map_err(g)?,
        disabled: disabled != 0,
    })
}

fn row_token(r: &sqlx::any::AnyRow) -> Result<TokenInfo> {
    let g = |e| db("reading a token")(e);
    let scopes: String = r.try_get("scopes").map_err(g)?;
    Ok(TokenInfo {
        id: r.try_get("id").map_err(g)?,
        principal_id: r.try_get("principal_id").map_err(g)?,
        scopes: parse_list("token scopes", &scopes)?,
        description: r.try_get("description").map_err(g)?,
        created_at: r.try_get("created_at").map_err(g)?,
        expires_at: r.try_get("expires_at").map_err(g)?,
        revoked_at: r.try_get("revoked_at").map_err(g)?,
    })
}

const TOKEN_COLS: &str =
    "id, principal_id, scopes, description, created_at, expires_at, revoked_at";
const PRINCIPAL_COLS: &str = "id, name, roles, teams, created_at, disabled";

impl Store {
    /// Creates a principal (a person or a machine) with roles and team memberships.
    pub async fn create_principal(
        &self,
        actor: &str,
        name: &str,
        roles: &[String],
        teams: &[String],
    ) -> Result<Principal> {
        validate_name("principal name", name, 200)?;
        validate_roles(roles)?;
        for t in teams {
            validate_name("team name", t, 200)?;
        }
        let p = Principal {
            id: format!("prn_{}", random_hex(8)?),
            name: name.to_string(),
            roles: roles.to_vec(),
            teams: teams.to_vec(),
            created_at: now_ms(),
            disabled: false,
        };
        let mut tx = self.begin_write().await?;
        insert_principal(&mut tx, actor, &p).await?;
        tx.commit("committing a principal").await?;
        Ok(p)
    }

    /// Replaces a principal's roles (audited as a role change).
    pub async fn set_roles(
        &self,
        actor: &str,
        principal_id: &str,
        roles: &[String],
    ) -> Result<Principal> {
        validate_roles(roles)?;
        let mut tx = self.begin_write().await?;
        let before = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRINCIPAL_COLS} FROM principals WHERE id = $1"
        )))
        .bind(principal_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("reading a principal"))?
        .ok_or_else(|| RegistryError::NotFound(format!("principal {principal_id}")))?;
        let mut p = row_principal(&before)?;
        sqlx::query("UPDATE principals SET roles = $1 WHERE id = $2")
            .bind(json_list(roles))
            .bind(principal_id)
            .execute(&mut *tx)
            .await
            .map_err(db("changing roles"))?;
        audit::append(
            &mut tx,
            actor,
            "principal.roles",
            &format!("principal:{principal_id}"),
            serde_json::json!({"before": p.roles, "after": roles}),
        )
        .await?;
        tx.commit("committing a role change").await?;
        p.roles = roles.to_vec();
        Ok(p)
    }

    pub async fn get_principal(&self, id: &str) -> Result<Principal> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRINCIPAL_COLS} FROM principals WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("reading a principal"))?
        .ok_or_else(|| RegistryError::NotFound(format!("principal {id}")))?;
        row_principal(&r)
    }

    pub async fn list_principals(&self) -> Result<Vec<Principal>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRINCIPAL_COLS} FROM principals ORDER BY name"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(db("listing principals"))?;
        rows.iter().map(row_principal).collect()
    }

    /// Issues a token for `principal_id`. `ttl_ms = None` never expires.
    pub async fn issue_token(
        &self,
        actor: &str,
        principal_id: &str,
        scopes: &[String],
        ttl_ms: Option<i64>,
        description: &str,
    ) -> Result<IssuedToken> {
        let issued = new_token(principal_id, scopes, ttl_ms, description)?;
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT id FROM principals WHERE id = $1")
            .bind(principal_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("reading a principal"))?;
        if exists.is_none() {
            return Err(RegistryError::NotFound(format!("principal {principal_id}")));
        }
        insert_token(&mut tx, actor, &issued).await?;
        tx.commit("committing a token").await?;
        Ok(issued)
    }

    /// Revokes a token; it stops authenticating immediately in every process.
    pub async fn revoke_token(&self, actor: &str, token_id: &str) -> Result<TokenInfo> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1"
        )))
        .bind(token_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("reading a token"))?
        .ok_or_else(|| RegistryError::NotFound(format!("token {token_id}")))?;
        let mut t = row_token(&r)?;
        if t.revoked_at.is_some() {
            return Err(RegistryError::Conflict(format!(
                "token {token_id} is already revoked"
            )));
        }
        let now = now_ms();
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(now)
            .bind(token_id)
            .execute(&mut *tx)
            .await
            .map_err(db("revoking a token"))?;
        audit::append(
            &mut tx,
            actor,
            "token.revoke",
            &format!("token:{token_id}"),
            serde_json::json!({"principal": t.principal_id}),
        )
        .await?;
        tx.commit("committing a token revocation").await?;
        t.revoked_at = Some(now);
        Ok(t)
    }

    pub async fn get_token(&self, token_id: &str) -> Result<TokenInfo> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1"
        )))
        .bind(token_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("reading a token"))?
        .ok_or_else(|| RegistryError::NotFound(format!("token {token_id}")))?;
        row_token(&r)
    }

    /// Tokens of one principal, or all.
    pub async fn list_tokens(&self, principal_id: Option<&str>) -> Result<Vec<TokenInfo>> {
        let rows = match principal_id {
            Some(p) => sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {TOKEN_COLS} FROM api_tokens WHERE principal_id = $1 ORDER BY created_at"
            )))
            .bind(p.to_string())
            .fetch_all(&self.pool)
            .await,
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {TOKEN_COLS} FROM api_tokens ORDER BY created_at"
                )))
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(db("listing tokens"))?;
        rows.iter().map(row_token).collect()
    }

    /// Resolves a bearer secret to its principal. `None` for an unknown, expired or revoked
    /// token or a disabled principal: the caller answers 401 without saying which.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Authenticated>> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Ok(None);
        }
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        if let Some(hit) = self.cache.token(&digest) {
            // Expiry is checked on every use, not only when the entry was filled.
            if hit.token.expires_at.is_none_or(|e| e > now_ms()) {
                return Ok(Some(hit));
            }
            return Ok(None);
        }
        let ticket = self.cache.ticket();
        let r = sqlx::query(
            "SELECT t.id, t.principal_id, t.scopes, t.description, t.created_at, t.expires_at, t.revoked_at, \
             p.name, p.roles, p.teams, p.created_at AS p_created_at, p.disabled \
             FROM api_tokens t JOIN principals p ON p.id = t.principal_id WHERE t.token_hash = $1"
        )
        .bind(hex::encode(digest))
        .fetch_optional(&self.pool)
        .await
        .map_err(db("authenticating a token"))?;
        let Some(r) = r else { return Ok(None) };
        let token = row_token(&r)?;
        let g = |e| db("reading a principal")(e);
        let roles: String = r.try_get("roles").map_err(g)?;
        let teams: String = r.try_get("teams").map_err(g)?;
        let disabled: i64 = r.try_get("disabled").map_err(g)?;
        let principal = Principal {
            id: token.principal_id.clone(),
            name: r.try_get("name").map_err(g)?,
            roles: parse_list("principal roles", &roles)?,
            teams: parse_list("principal teams", &teams)?,
            created_at: r.try_get("p_created_at").map_err(g)?,
            disabled: disabled != 0,
        };
        let now = now_ms();
        if principal.disabled
            || token.revoked_at.is_some()
            || token.expires_at.is_some_and(|e| e <= now)
        {
            return Ok(None);
        }
        let who = Authenticated { principal, token };
        self.cache.put_token(digest, ticket, who.clone());
        Ok(Some(who))
    }
}

/// Creates the first security steward and returns its token secret (shown once).
///
/// Refuses when a steward already exists, so the command cannot be used to mint a second
/// all-powerful identity on a running registry.
pub async fn bootstrap_steward(config: &StoreConfig, name: &str) -> Result<IssuedToken> {
    let store = Store::open(config).await?;
    let out = store.bootstrap_steward(name).await;
    store.close().await;
    out
}

impl Store {
    /// See [`bootstrap_steward`].
    ///
    /// One write transaction: the check for an existing steward, the principal, its token
    /// and their audit events commit together or not at all. Two concurrent bootstraps
    /// (two processes on one PostgreSQL) are serialised by the audit-head lock, so the
    /// second sees the first's steward; the one-row `bootstrap` table is a second guard
    /// enforced by the database itself (its primary key admits one row).
    pub async fn bootstrap_steward(&self, name: &str) -> Result<IssuedToken> {
        const ACTOR: &str = "system:bootstrap";
        validate_name("principal name", name, 200)?;
        let conflict = || {
            RegistryError::Conflict(
                "a security steward already exists; ask them for a token".into(),
            )
        };
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query("SELECT roles FROM principals")
            .fetch_all(&mut *tx)
            .await
            .map_err(db("listing principals"))?;
        for r in &rows {
            let roles: String = r.try_get("roles").map_err(db("listing principals"))?;
            if parse_list("principal roles", &roles)?
                .iter()
                .any(|r| r == "security-steward")
            {
                return Err(conflict());
            }
        }
        let p = Principal {
            id: format!("prn_{}", random_hex(8)?),
            name: name.to_string(),
            roles: vec!["security-steward".to_string()],
            teams: vec![],
            created_at: now_ms(),
            disabled: false,
        };
        sqlx::query("INSERT INTO bootstrap (id, principal_id, created_at) VALUES (1, $1, $2)")
            .bind(&p.id)
            .bind(p.created_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| match db("recording the bootstrap")(e) {
                RegistryError::Conflict(_) => conflict(),
                other => other,
            })?;
        insert_principal(&mut tx, ACTOR, &p).await?;
        let scopes: Vec<String> = SCOPES.iter().map(|s| s.to_string()).collect();
        let issued = new_token(&p.id, &scopes, None, "bootstrap steward token")?;
        insert_token(&mut tx, ACTOR, &issued).await?;
        tx.commit("committing the bootstrap").await?;
        Ok(issued)
    }
}

/// A fresh token for `principal_id` (not yet stored), after validating its parameters.
fn new_token(
    principal_id: &str,
    scopes: &[String],
    ttl_ms: Option<i64>,
    description: &str,
) -> Result<IssuedToken> {
    validate_scopes(scopes)?;
    if description.len() > 500 {
        return Err(RegistryError::Invalid(
            "token description is longer than 500 bytes".into(),
        ));
    }
    if let Some(t) = ttl_ms
        && t <= 0
    {
        return Err(RegistryError::Invalid(
            "token lifetime must be positive".into(),
        ));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_hex(32)?);
    let now = now_ms();
    Ok(IssuedToken {
        secret,
        token: TokenInfo {
            id: format!("tok_{}", random_hex(8)?),
            principal_id: principal_id.to_string(),
            scopes: scopes.to_vec(),
            description: description.to_string(),
            created_at: now,
            expires_at: ttl_ms.map(|t| now.saturating_add(t)),
            revoked_at: None,
        },
    })
}

async fn insert_principal(tx: &mut WriteTx, actor: &str, p: &Principal) -> Result<()> {
    sqlx::query(
        "INSERT INTO principals (id, name, roles, teams, created_at, disabled) VALUES ($1, $2, $3, $4, $5, 0)",
    )
    .bind(&p.id)
    .bind(&p.name)
    .bind(json_list(&p.roles))
    .bind(json_list(&p.teams))
    .bind(p.created_at)
    .execute(&mut **tx)
    .await
    .map_err(db("creating a principal"))?;
    audit::append(
        tx,
        actor,
        "principal.create",
        &format!("principal:{}", p.id),
        serde_json::json!({"name": p.name, "roles": p.roles, "teams": p.teams}),
    )
    .await?;
    Ok(())
}

async fn insert_token(tx: &mut WriteTx, actor: &str, issued: &IssuedToken) -> Result<()> {
    let info = &issued.token;
    sqlx::query(
        "INSERT INTO api_tokens (id, principal_id, token_hash, scopes, description, created_at, expires_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
    )
    .bind(&info.id)
    .bind(&info.principal_id)
    .bind(token_hash(&issued.secret))
    .bind(json_list(&info.scopes))
    .bind(&info.description)
    .bind(info.created_at)
    .bind(info.expires_at)
    .execute(&mut **tx)
    .await
    .map_err(db("storing a token"))?;
    audit::append(
        tx,
        actor,
        "token.issue",
        &format!("token:{}", info.id),
        serde_json::json!({"principal": info.principal_id, "scopes": info.scopes, "expires_at": info.expires_at}),
    )
    .await?;
    Ok(())
}
