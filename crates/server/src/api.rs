//! The `/api/v1` handlers. Each one authenticates (the [`Caller`] extractor), builds the
//! resource its action applies to, asks the authorizer, then calls the store.

use crate::AppState;
use crate::authz::{self, Action, RequestContext, Resource};
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{FromRequestParts, Multipart, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use portcullis_registry::audit::{AuditEvent, Checkpoint, VerifyReport};
use portcullis_registry::{
    AuditFilter, Authenticated, DOC_CAPABILITY_MANIFEST, DOC_SBOM, DecisionRecord, EnvAction,
    EnvState, ExtensionPatch, ExtensionRecord, FindingRecord, InstallStatus, IssuedToken,
    NewExtension, NewTrustedSource, Principal, ReviewRecord, SubmissionMetadata, SubmissionRecord,
    TokenInfo, TrustedSource, VersionRecord,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub type ApiResult<T> = Result<T, ApiError>;

/// The authenticated caller.
pub struct Caller(pub Authenticated);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        let who = state
            .store
            .authenticate(secret)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(Caller(who))
    }
}

impl Caller {
    fn id(&self) -> &str {
        &self.0.principal.id
    }

    fn require(
        &self,
        state: &AppState,
        action: Action,
        resource: &Resource,
        ctx: &RequestContext,
    ) -> ApiResult<()> {
        let d = authz::check(state.authorizer.as_ref(), &self.0, action, resource, ctx);
        tracing::debug!(principal = %self.id(), action = action.as_str(), resource = %resource.id, allowed = d.allowed, policies = ?d.policies, "authorization");
        if d.allowed {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                action: format!("{} {}", action.as_str(), resource.id),
                policies: d.policies,
            })
        }
    }

    fn require_plain(
        &self,
        state: &AppState,
        action: Action,
        resource: &Resource,
    ) -> ApiResult<()> {
        self.require(state, action, resource, &RequestContext::default())
    }
}

fn ext_resource(e: &ExtensionRecord) -> Resource {
    Resource {
        kind: "extension".into(),
        id: e.key(),
        owner_team: Some(e.owner_team.clone()),
        // Unrated means not yet scanned: treated as high so only a champion approves it.
        risk: Some(e.risk().unwrap_or("high").to_string()),
        ..Default::default()
    }
}

fn version_resource(e: &ExtensionRecord, v: &VersionRecord) -> Resource {
    Resource {
        kind: "version".into(),
        id: v.key(),
        submitter: Some(v.submitted_by.clone()),
        ..ext_resource(e)
    }
}

fn catalog() -> Resource {
    Resource::new("catalog", "catalog")
}

// ---------------------------------------------------------------- health

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, description = "ready"), (status = 503, description = "database unreachable")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

// ---------------------------------------------------------------- catalog

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListExtensionsQuery {
    /// Only this owner team's extensions.
    pub team: Option<String>,
}

/// Lists the catalog. Developers see their own teams' extensions only.
#[utoipa::path(get, path = "/api/v1/extensions", tag = "catalog", params(ListExtensionsQuery),
    responses((status = 200, body = [ExtensionRecord]), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_extensions(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListExtensionsQuery>,
) -> ApiResult<Json<Vec<ExtensionRecord>>> {
    caller.require_plain(&state, Action::ReadCatalog, &catalog())?;
    let all = state.store.list_extensions(q.team.as_deref()).await?;
    let visible = all
        .into_iter()
        .filter(|e| {
            authz::check(
                state.authorizer.as_ref(),
                &caller.0,
                Action::ReadCatalog,
                &ext_resource(e),
                &RequestContext::default(),
            )
            .allowed
        })
        .collect();
    Ok(Json(visible))
}

/// Registers an extension in the catalog.
#[utoipa::path(post, path = "/api/v1/extensions", tag = "catalog", request_body = NewExtension,
    responses((status = 201, body = ExtensionRecord), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_extension(
    State(state): State<AppState>,
    caller: Caller,
    Json(n): Json<NewExtension>,
) -> ApiResult<(StatusCode, Json<ExtensionRecord>)> {
    let res = Resource {
        kind: "extension".into(),
        id: format!("{}/{}", n.platform, n.name),
        owner_team: Some(n.owner_team.clone()),
        ..Default::default()
    };
    caller.require_plain(&state, Action::CreateExtension, &res)?;
    let e = state.store.create_extension(caller.id(), &n).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// One extension.
#[utoipa::path(get, path = "/api/v1/extensions/{platform}/{name}", tag = "catalog",
    params(("platform" = String, Path), ("name" = String, Path, description = "URL-encode scoped names: %40scope%2Fname")),
    responses((status = 200, body = ExtensionRecord), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name)): Path<(String, String)>,
) -> ApiResult<Json<ExtensionRecord>> {
    let e = state.store.get_extension(&platform, &name).await?;
    caller.require_plain(&state, Action::ReadCatalog, &ext_resource(&e))?;
    Ok(Json(e))
}

/// Updates catalog fields (owner, maintainers, description, data classes, compatibility notes, lifecycle).
#[utoipa::path(patch, path = "/api/v1/extensions/{platform}/{name}", tag = "catalog", request_body = ExtensionPatch,
    params(("platform" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = ExtensionRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn update_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name)): Path<(String, String)>,
    Json(p): Json<ExtensionPatch>,
) -> ApiResult<Json<ExtensionRecord>> {
    let e = state.store.get_extension(&platform, &name).await?;
    caller.require_plain(&state, Action::UpdateExtension, &ext_resource(&e))?;
    // Handing an extension to another team needs the right to update it there too.
    if let Some(t) = &p.owner_team
        && *t != e.owner_team
    {
        let mut target = ext_resource(&e);
        target.owner_team = Some(t.clone());
        caller.require_plain(&state, Action::UpdateExtension, &target)?;
    }
    // Retiring answers `revoked` for every version in every environment, for good: the
    // same power as `revoke`, so it needs that permission too (not just update rights).
    if p.lifecycle.as_deref() == Some("retired") && e.lifecycle != "retired" {
        caller.require_plain(&state, Action::Revoke, &ext_resource(&e))?;
    }
    Ok(Json(
        state
            .store
            .update_extension(caller.id(), &platform, &name, &p)
            .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RiskOverride {
    /// low | medium | high | critical, or null to clear the override.
    pub rating: Option<String>,
    pub justification: String,
}

/// A steward overrides the computed risk rating (justification required).
#[utoipa::path(put, path = "/api/v1/extensions/{platform}/{name}/risk", tag = "catalog", request_body = RiskOverride,
    params(("platform" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = ExtensionRecord), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn override_risk(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name)): Path<(String, String)>,
    Json(r): Json<RiskOverride>,
) -> ApiResult<Json<ExtensionRecord>> {
    let e = state.store.get_extension(&platform, &name).await?;
    let ctx = RequestContext {
        justification: Some(r.justification.clone()),
        ..Default::default()
    };
    caller.require(&state, Action::OverrideRisk, &ext_resource(&e), &ctx)?;
    Ok(Json(
        state
            .store
            .override_risk(
                caller.id(),
                &platform,
                &name,
                r.rating.as_deref(),
                &r.justification,
            )
            .await?,
    ))
}

/// Versions of an extension, oldest first.
#[utoipa::path(get, path = "/api/v1/extensions/{platform}/{name}/versions", tag = "versions",
    params(("platform" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = [VersionRecord]), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_versions(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name)): Path<(String, String)>,
) -> ApiResult<Json<Vec<VersionRecord>>> {
    let e = state.store.get_extension(&platform, &name).await?;
    caller.require_plain(&state, Action::ReadCatalog, &ext_resource(&e))?;
    Ok(Json(state.store.list_versions(&platform, &name).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDetail {
    pub version: VersionRecord,
    pub environments: Vec<EnvState>,
    pub reviews: Vec<ReviewRecord>,
}

/// One version with its environment states and reviews.
#[utoipa::path(get, path = "/api/v1/extensions/{platform}/{name}/versions/{version}", tag = "versions",
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = VersionDetail), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_version(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name, version)): Path<(String, String, String)>,
) -> ApiResult<Json<VersionDetail>> {
    let (e, v) = load_version(&state, &platform, &name, &version).await?;
    caller.require_plain(&state, Action::ReadCatalog, &version_resource(&e, &v))?;
    Ok(Json(VersionDetail {
        environments: state.store.env_states(v.id).await?,
        reviews: state.store.list_reviews(v.id).await?,
        version: v,
    }))
}

async fn load_version(
    state: &AppState,
    platform: &str,
    name: &str,
    version: &str,
) -> ApiResult<(ExtensionRecord, VersionRecord)> {
    let e = state.store.get_extension(platform, name).await?;
    let v = state.store.get_version(platform, name, version).await?;
    Ok((e, v))
}

/// Findings of a version's scan.
#[utoipa::path(get, path = "/api/v1/extensions/{platform}/{name}/versions/{version}/findings", tag = "versions",
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = [FindingRecord]), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_findings(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name, version)): Path<(String, String, String)>,
) -> ApiResult<Json<Vec<FindingRecord>>> {
    let (e, v) = load_version(&state, &platform, &name, &version).await?;
    caller.require_plain(&state, Action::ReadSubmission, &version_resource(&e, &v))?;
    Ok(Json(state.store.list_findings(v.id).await?))
}

/// The capability manifest recorded by a version's latest scan: what it declares and what
/// its code does (the same document as `portcullis capabilities --format json`).
#[utoipa::path(get, path = "/api/v1/extensions/{platform}/{name}/versions/{version}/capabilities", tag = "versions",
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_capabilities(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name, version)): Path<(String, String, String)>,
) -> ApiResult<Json<serde_json::Value>> {
    version_document(
        &state,
        &caller,
        &platform,
        &name,
        &version,
        DOC_CAPABILITY_MANIFEST,
    )
    .await
}

/// The CycloneDX SBOM recorded by a version's latest scan.
#[utoipa::path(get, path = "/api/v1/extensions/{platform}/{name}/versions/{version}/sbom", tag = "versions",
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_sbom(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name, version)): Path<(String, String, String)>,
) -> ApiResult<Json<serde_json::Value>> {
    version_document(&state, &caller, &platform, &name, &version, DOC_SBOM).await
}

async fn version_document(
    state: &AppState,
    caller: &Caller,
    platform: &str,
    name: &str,
    version: &str,
    kind: &str,
) -> ApiResult<Json<serde_json::Value>> {
    let (e, v) = load_version(state, platform, name, version).await?;
    caller.require_plain(state, Action::ReadSubmission, &version_resource(&e, &v))?;
    match state.store.get_document(v.id, kind).await? {
        Some(doc) => Ok(Json(doc)),
        None => Err(portcullis_registry::RegistryError::NotFound(format!(
            "{kind} of {platform}/{name}@{version} (not scanned yet)"
        ))
        .into()),
    }
}

/// Gate decisions of a version, each with its reasons and inputs.
#[utoipa::path(get, path = "/api/v1/extensions/{platform}/{name}/versions/{version}/decisions", tag = "versions",
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = [DecisionRecord]), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_decisions(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name, version)): Path<(String, String, String)>,
) -> ApiResult<Json<Vec<DecisionRecord>>> {
    let (e, v) = load_version(&state, &platform, &name, &version).await?;
    caller.require_plain(&state, Action::ReadSubmission, &version_resource(&e, &v))?;
    Ok(Json(state.store.list_decisions(v.id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReview {
    /// approve | request-changes | reject
    pub verdict: String,
    #[serde(default)]
    pub comment: String,
}

/// Records a review. `approve` needs the approve permission for the version's risk
/// (reviewers: low/medium; champions: any); nobody reviews their own submission.
#[utoipa::path(post, path = "/api/v1/extensions/{platform}/{name}/versions/{version}/reviews", tag = "reviews", request_body = NewReview,
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 201, body = ReviewRecord), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_review(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name, version)): Path<(String, String, String)>,
    Json(r): Json<NewReview>,
) -> ApiResult<(StatusCode, Json<ReviewRecord>)> {
    let (e, v) = load_version(&state, &platform, &name, &version).await?;
    let res = version_resource(&e, &v);
    caller.require_plain(&state, Action::Review, &res)?;
    if r.verdict == "approve" {
        caller.require_plain(&state, Action::Approve, &res)?;
    }
    let rec = state
        .store
        .add_review(
            caller.id(),
            &platform,
            &name,
            &version,
            &r.verdict,
            &r.comment,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EnvChange {
    /// dev | staging | prod. Required for promote; omitted = every environment.
    pub env: Option<String>,
    #[serde(default)]
    pub reason: String,
}

async fn env_change(
    state: AppState,
    caller: Caller,
    platform: String,
    name: String,
    version: String,
    action: EnvAction,
    body: EnvChange,
) -> ApiResult<Json<Vec<EnvState>>> {
    let (e, v) = load_version(&state, &platform, &name, &version).await?;
    let mut res = version_resource(&e, &v);
    res.environment = body.env.clone();
    let approved = v.state == "approved";
    let ctx = RequestContext {
        justification: (!body.reason.trim().is_empty()).then(|| body.reason.clone()),
        approved,
        // Every approval is signed by the registry key when it is recorded.
        signed: approved,
    };
    let a = match action {
        EnvAction::Promote => Action::Promote,
        EnvAction::Quarantine => Action::Quarantine,
        EnvAction::Release => Action::Release,
        EnvAction::Revoke => Action::Revoke,
    };
    caller.require(&state, a, &res, &ctx)?;
    Ok(Json(
        state
            .store
            .change_env(
                caller.id(),
                &platform,
                &name,
                &version,
                action,
                body.env.as_deref(),
                &body.reason,
            )
            .await?,
    ))
}

/// Promotes a version to the next environment (dev → staging → prod; prod needs an approved, signed version).
#[utoipa::path(post, path = "/api/v1/extensions/{platform}/{name}/versions/{version}/promote", tag = "environments", request_body = EnvChange,
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = [EnvState]), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn promote(
    State(state): State<AppState>,
    caller: Caller,
    Path((p, n, v)): Path<(String, String, String)>,
    Json(b): Json<EnvChange>,
) -> ApiResult<Json<Vec<EnvState>>> {
    env_change(state, caller, p, n, v, EnvAction::Promote, b).await
}

/// Kill switch: quarantines a version in one environment or (no `env`) everywhere.
#[utoipa::path(post, path = "/api/v1/extensions/{platform}/{name}/versions/{version}/quarantine", tag = "environments", request_body = EnvChange,
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = [EnvState]), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn quarantine(
    State(state): State<AppState>,
    caller: Caller,
    Path((p, n, v)): Path<(String, String, String)>,
    Json(b): Json<EnvChange>,
) -> ApiResult<Json<Vec<EnvState>>> {
    env_change(state, caller, p, n, v, EnvAction::Quarantine, b).await
}

/// Releases a quarantine (justification required); restores what was allowed before.
#[utoipa::path(post, path = "/api/v1/extensions/{platform}/{name}/versions/{version}/release", tag = "environments", request_body = EnvChange,
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = [EnvState]), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    caller: Caller,
    Path((p, n, v)): Path<(String, String, String)>,
    Json(b): Json<EnvChange>,
) -> ApiResult<Json<Vec<EnvState>>> {
    env_change(state, caller, p, n, v, EnvAction::Release, b).await
}

/// Revokes a version (final) in one environment or everywhere.
#[utoipa::path(post, path = "/api/v1/extensions/{platform}/{name}/versions/{version}/revoke", tag = "environments", request_body = EnvChange,
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = [EnvState]), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((p, n, v)): Path<(String, String, String)>,
    Json(b): Json<EnvChange>,
) -> ApiResult<Json<Vec<EnvState>>> {
    env_change(state, caller, p, n, v, EnvAction::Revoke, b).await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatusQuery {
    /// dev | staging | prod (default prod).
    pub env: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusAnswer {
    pub status: InstallStatus,
    pub env: String,
}

/// May the platform load this version in `env`? allowed / quarantined / revoked / unknown.
#[utoipa::path(get, path = "/api/v1/extensions/{platform}/{name}/versions/{version}/status", tag = "status",
    params(("platform" = String, Path), ("name" = String, Path), ("version" = String, Path), StatusQuery),
    responses((status = 200, body = StatusAnswer), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path((platform, name, version)): Path<(String, String, String)>,
    Query(q): Query<StatusQuery>,
) -> ApiResult<Json<StatusAnswer>> {
    caller.require_plain(
        &state,
        Action::ReadStatus,
        &Resource::new("version", format!("{platform}/{name}@{version}")),
    )?;
    let env = q.env.unwrap_or_else(|| "prod".into());
    let status = state.store.status(&platform, &name, &version, &env).await?;
    Ok(Json(StatusAnswer { status, env }))
}

// ---------------------------------------------------------------- trusted sources

/// Approved extension types and trusted sources.
#[utoipa::path(get, path = "/api/v1/trusted-sources", tag = "catalog", responses((status = 200, body = [TrustedSource])), security(("bearer" = [])))]
pub async fn list_trusted_sources(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<TrustedSource>>> {
    caller.require_plain(
        &state,
        Action::ReadCatalog,
        &Resource::new("trusted-source", "trusted-sources"),
    )?;
    Ok(Json(state.store.list_trusted_sources().await?))
}

/// Adds an approved extension type (`kind: platform`), npm scope or git host.
#[utoipa::path(post, path = "/api/v1/trusted-sources", tag = "catalog", request_body = NewTrustedSource,
    responses((status = 201, body = TrustedSource), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn add_trusted_source(
    State(state): State<AppState>,
    caller: Caller,
    Json(n): Json<NewTrustedSource>,
) -> ApiResult<(StatusCode, Json<TrustedSource>)> {
    caller.require_plain(
        &state,
        Action::ManageTrustedSources,
        &Resource::new("trusted-source", "trusted-sources"),
    )?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.add_trusted_source(caller.id(), &n).await?),
    ))
}

/// Removes a trusted source.
#[utoipa::path(delete, path = "/api/v1/trusted-sources/{id}", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn remove_trusted_source(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require_plain(
        &state,
        Action::ManageTrustedSources,
        &Resource::new("trusted-source", id.to_string()),
    )?;
    state.store.remove_trusted_source(caller.id(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- submissions

/// Multipart form of `POST /api/v1/submissions`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SubmissionForm {
    /// The submission template as JSON (see `SubmissionMetadata`).
    metadata: SubmissionMetadata,
    /// The package archive (.tgz or .zip).
    #[schema(value_type = String, format = Binary)]
    artifact: Vec<u8>,
}

/// Submits a package for scanning: multipart `metadata` (JSON template) + `artifact` (archive).
/// Incomplete metadata → 422 listing the missing fields.
#[utoipa::path(post, path = "/api/v1/submissions", tag = "submissions", request_body(content = SubmissionForm, content_type = "multipart/form-data"),
    responses((status = 202, body = SubmissionRecord), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    mut form: Multipart,
) -> ApiResult<(StatusCode, Json<SubmissionRecord>)> {
    let mut meta: Option<SubmissionMetadata> = None;
    let mut artifact: Option<Vec<u8>> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::multipart("malformed multipart body", e, state.upload_limit()))?
    {
        match field.name() {
            Some("metadata") => {
                let text = field.text().await.map_err(|e| {
                    ApiError::multipart("reading metadata", e, state.upload_limit())
                })?;
                meta = Some(serde_json::from_str(&text).map_err(|e| {
                    ApiError::BadRequest(format!(
                        "metadata is not valid JSON for the submission template: {e}"
                    ))
                })?);
            }
            Some("artifact") => {
                let bytes = field.bytes().await.map_err(|e| {
                    ApiError::multipart("reading the artifact", e, state.upload_limit())
                })?;
                artifact = Some(bytes.to_vec());
            }
            _ => {}
        }
    }
    let meta = meta.ok_or_else(|| ApiError::BadRequest("the `metadata` part is missing".into()))?;
    let artifact =
        artifact.ok_or_else(|| ApiError::BadRequest("the `artifact` part is missing".into()))?;
    meta.validate()?;
    let platform = meta.platform.clone().unwrap_or_default();
    let name = meta.name.clone().unwrap_or_default();
    let res = match state.store.get_extension(&platform, &name).await {
        Ok(e) => ext_resource(&e),
        Err(portcullis_registry::RegistryError::NotFound(_)) => {
            let r = Resource {
                kind: "extension".into(),
                id: format!("{platform}/{name}"),
                owner_team: meta.owner.clone(),
                ..Default::default()
            };
            caller.require_plain(&state, Action::CreateExtension, &r)?;
            r
        }
        Err(e) => return Err(e.into()),
    };
    caller.require_plain(&state, Action::Submit, &res)?;
    let rec = state.store.submit(caller.id(), &meta, artifact).await?;
    state.job_notify.notify_one();
    Ok((StatusCode::ACCEPTED, Json(rec)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListSubmissionsQuery {
    /// Only this platform's submissions (with `name`: one extension's).
    pub platform: Option<String>,
    /// Only this extension's submissions.
    pub name: Option<String>,
    /// `queued`, `done` or `failed`.
    pub state: Option<String>,
    /// Only submissions older than this id: pass the previous page's `next_before`.
    pub before: Option<i64>,
    /// Page size (default 50, at most 200).
    pub limit: Option<u32>,
}

/// One page of submissions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionPage {
    pub items: Vec<SubmissionRecord>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// Lists submissions, newest first, filtered by extension and state, paginated. 403 for a
/// caller who may read no submission at all; otherwise each one is authorized like
/// `GET /submissions/{id}`: developers see their own teams' submissions (a page may hold
/// fewer than `limit` items; follow `next_before`).
#[utoipa::path(get, path = "/api/v1/submissions", tag = "submissions", params(ListSubmissionsQuery),
    responses((status = 200, body = SubmissionPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_submissions(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListSubmissionsQuery>,
) -> ApiResult<Json<SubmissionPage>> {
    // The collection first: a caller who may read no submission at all (the platform
    // runtime, a developer in no team) is refused rather than handed empty pages. Asked of
    // the policies with a probe per team the caller belongs to (and one without a team), so
    // the answer stays the policies' and not a role list here.
    let probe = |team: Option<&String>| Resource {
        kind: "version".into(),
        id: "submissions".into(),
        owner_team: team.cloned(),
        ..Default::default()
    };
    let mut denied = None;
    let mut may_read_some = false;
    for r in
        std::iter::once(probe(None)).chain(caller.0.principal.teams.iter().map(|t| probe(Some(t))))
    {
        let d = authz::check(
            state.authorizer.as_ref(),
            &caller.0,
            Action::ReadSubmission,
            &r,
            &RequestContext::default(),
        );
        if d.allowed {
            may_read_some = true;
            break;
        }
        denied.get_or_insert(d);
    }
    if !may_read_some {
        return Err(ApiError::Forbidden {
            action: format!("{} submissions", Action::ReadSubmission.as_str()),
            policies: denied.map(|d| d.policies).unwrap_or_default(),
        });
    }
    let limit = q
        .limit
        .unwrap_or(50)
        .clamp(1, portcullis_registry::submissions::MAX_PAGE);
    let rows = state
        .store
        .find_submissions(&portcullis_registry::SubmissionFilter {
            platform: q.platform,
            name: q.name,
            state: q.state,
            before: q.before,
            limit,
        })
        .await?;
    let next_before = (rows.len() == limit as usize)
        .then(|| rows.last().map(|s| s.id))
        .flatten();
    let mut extensions: std::collections::HashMap<(String, String), ExtensionRecord> =
        std::collections::HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for s in rows {
        let key = (s.version.platform.clone(), s.version.name.clone());
        if !extensions.contains_key(&key) {
            let e = state.store.get_extension(&key.0, &key.1).await?;
            extensions.insert(key.clone(), e);
        }
        let allowed = authz::check(
            state.authorizer.as_ref(),
            &caller.0,
            Action::ReadSubmission,
            &version_resource(&extensions[&key], &s.version),
            &RequestContext::default(),
        )
        .allowed;
        if allowed {
            items.push(s);
        }
    }
    Ok(Json(SubmissionPage { items, next_before }))
}

/// A submission with its version and scan state.
#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "submissions", params(("id" = i64, Path)),
    responses((status = 200, body = SubmissionRecord), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_submission(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<SubmissionRecord>> {
    let s = state.store.get_submission(id).await?;
    let e = state
        .store
        .get_extension(&s.version.platform, &s.version.name)
        .await?;
    caller.require_plain(
        &state,
        Action::ReadSubmission,
        &version_resource(&e, &s.version),
    )?;
    Ok(Json(s))
}

// ---------------------------------------------------------------- principals and tokens

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPrincipal {
    pub name: String,
    pub roles: Vec<String>,
    #[serde(default)]
    pub teams: Vec<String>,
}

/// Creates a principal (person or machine) with roles.
#[utoipa::path(post, path = "/api/v1/principals", tag = "access", request_body = NewPrincipal,
    responses((status = 201, body = Principal), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_principal(
    State(state): State<AppState>,
    caller: Caller,
    Json(n): Json<NewPrincipal>,
) -> ApiResult<(StatusCode, Json<Principal>)> {
    caller.require_plain(
        &state,
        Action::ManageRoles,
        &Resource::new("principal", "new"),
    )?;
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .create_principal(caller.id(), &n.name, &n.roles, &n.teams)
                .await?,
        ),
    ))
}

/// Lists principals.
#[utoipa::path(get, path = "/api/v1/principals", tag = "access", responses((status = 200, body = [Principal])), security(("bearer" = [])))]
pub async fn list_principals(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Principal>>> {
    let res = Resource::new("principal", "*");
    if caller
        .require_plain(&state, Action::ManageRoles, &res)
        .is_err()
    {
        caller.require_plain(&state, Action::ReadAudit, &res)?;
    }
    Ok(Json(state.store.list_principals().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RolesChange {
    pub roles: Vec<String>,
}

/// Replaces a principal's roles (nobody changes their own).
#[utoipa::path(put, path = "/api/v1/principals/{id}/roles", tag = "access", request_body = RolesChange, params(("id" = String, Path)),
    responses((status = 200, body = Principal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn set_roles(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(r): Json<RolesChange>,
) -> ApiResult<Json<Principal>> {
    caller.require_plain(
        &state,
        Action::ManageRoles,
        &Resource::new("principal", id.clone()),
    )?;
    Ok(Json(
        state.store.set_roles(caller.id(), &id, &r.roles).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    pub principal_id: String,
    /// read | write | admin | status
    pub scopes: Vec<String>,
    /// Lifetime in seconds; omitted = no expiry.
    pub ttl_seconds: Option<i64>,
    #[serde(default)]
    pub description: String,
}

/// Issues a token. The secret is in the response once and never again.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "access", request_body = NewToken,
    responses((status = 201, body = IssuedToken), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn issue_token(
    State(state): State<AppState>,
    caller: Caller,
    Json(n): Json<NewToken>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    caller.require_plain(
        &state,
        Action::IssueToken,
        &Resource::new("token", format!("principal:{}", n.principal_id)),
    )?;
    let ttl_ms = n.ttl_seconds.map(|s| s.saturating_mul(1000));
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .issue_token(
                    caller.id(),
                    &n.principal_id,
                    &n.scopes,
                    ttl_ms,
                    &n.description,
                )
                .await?,
        ),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TokensQuery {
    pub principal: Option<String>,
}

/// Token metadata (never secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "access", params(TokensQuery), responses((status = 200, body = [TokenInfo])), security(("bearer" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TokensQuery>,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    let res = Resource::new("token", "*");
    if caller
        .require_plain(&state, Action::IssueToken, &res)
        .is_err()
    {
        caller.require_plain(&state, Action::ReadAudit, &res)?;
    }
    Ok(Json(state.store.list_tokens(q.principal.as_deref()).await?))
}

/// Revokes a token (effective immediately on every server process). Anyone may revoke their own.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access", params(("id" = String, Path)),
    responses((status = 200, body = TokenInfo), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenInfo>> {
    let t = state.store.get_token(&id).await?;
    if t.principal_id != caller.id() {
        caller.require_plain(
            &state,
            Action::RevokeToken,
            &Resource::new("token", id.clone()),
        )?;
    }
    Ok(Json(state.store.revoke_token(caller.id(), &id).await?))
}

// ---------------------------------------------------------------- audit

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// `platform/name` of an extension: its events and its versions'.
    pub extension: Option<String>,
    /// Principal id.
    pub actor: Option<String>,
    /// Unix milliseconds.
    pub since: Option<i64>,
    /// Paging: events after this sequence number.
    pub after: Option<i64>,
    /// At most 1000 (default 100).
    pub limit: Option<i64>,
}

/// Audit events, oldest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = [AuditEvent]), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn audit_events(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEvent>>> {
    caller.require_plain(&state, Action::ReadAudit, &Resource::new("audit", "audit"))?;
    let f = AuditFilter {
        subject_prefix: q.extension,
        actor: q.actor,
        since: q.since,
        after_seq: q.after,
        limit: q.limit,
    };
    Ok(Json(state.store.audit_events(&f).await?))
}

/// Recomputes the chain and checks the signed checkpoints.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", responses((status = 200, body = VerifyReport)), security(("bearer" = [])))]
pub async fn audit_verify(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<VerifyReport>> {
    caller.require_plain(&state, Action::ReadAudit, &Resource::new("audit", "audit"))?;
    Ok(Json(state.store.verify_audit().await?))
}

/// Signed chain heads.
#[utoipa::path(get, path = "/api/v1/audit/checkpoints", tag = "audit", responses((status = 200, body = [Checkpoint])), security(("bearer" = [])))]
pub async fn audit_checkpoints(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Checkpoint>>> {
    caller.require_plain(&state, Action::ReadAudit, &Resource::new("audit", "audit"))?;
    Ok(Json(state.store.audit_checkpoints().await?))
}

/// The whole log as JSON Lines (for a SIEM), streamed a page at a time so memory stays
/// bounded whatever the log's size.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", responses((status = 200, content_type = "application/x-ndjson", description = "one event per line")), security(("bearer" = [])))]
pub async fn audit_export(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller.require_plain(
        &state,
        Action::ExportAudit,
        &Resource::new("audit", "audit"),
    )?;
    let store = state.store.clone();
    let pages = futures_util::stream::unfold(Some(0i64), move |after| {
        let store = store.clone();
        async move {
            let after = after?;
            let filter = AuditFilter {
                after_seq: Some(after),
                limit: Some(1000),
                ..Default::default()
            };
            match store.audit_events(&filter).await {
                Ok(events) if events.is_empty() => None,
                Ok(events) => {
                    let next = events.last().map(|e| e.seq);
                    let mut chunk = Vec::new();
                    for e in &events {
                        if serde_json::to_writer(&mut chunk, e).is_ok() {
                            chunk.push(b'\n');
                        }
                    }
                    Some((Ok::<_, std::io::Error>(chunk), next))
                }
                Err(e) => {
                    tracing::error!(error = %e, "audit export failed mid-stream");
                    Some((Err(std::io::Error::other(e.to_string())), None))
                }
            }
        }
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::from_stream(pages),
    )
        .into_response())
}
