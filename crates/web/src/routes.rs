//! Every route in one table: its method, its path, who may use it, and its
//! handler. The router is built from this table and nothing else, and the
//! role × route test walks the same table, so a new route is tested for
//! every role the moment it is added.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodFilter, MethodRouter, on};
use portcullis_app::policy::Action;
use portcullis_store::SessionStage;

use crate::gate::{Access, Gate, gate};
use crate::state::AppState;
use crate::{MAX_BODY_BYTES, assets, health, pages};

use Access::{AnySession, Public, Record, SignedOut, Step};
use Verb::{Get, Post};

/// HTTP methods routes use. GET routes answer HEAD too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
}

impl Verb {
    const fn filter(self) -> MethodFilter {
        match self {
            Self::Get => MethodFilter::GET,
            Self::Post => MethodFilter::POST,
        }
    }
}

/// One route.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RouteSpec {
    pub method: Verb,
    pub path: &'static str,
    pub access: Access,
    /// Takes a file upload: a body as large as the triage limits allow,
    /// sent as `multipart/form-data`.
    pub upload: bool,
    /// Builds the handler for the given method filter (the filter comes from
    /// `method`, so the two cannot disagree).
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
}

const fn route(
    method: Verb,
    path: &'static str,
    access: Access,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
) -> RouteSpec {
    RouteSpec { method, path, access, upload: false, handler }
}

/// A POST route that takes a file (see [`RouteSpec::upload`]).
const fn upload(path: &'static str, access: Access, handler: fn(MethodFilter) -> MethodRouter<AppState>) -> RouteSpec {
    RouteSpec { method: Post, path, access, upload: true, handler }
}

const SECOND_FACTOR: Access = Step(SessionStage::NeedsSecondFactor);
const ENROLLING: Access = Step(SessionStage::MustEnrol);
const OWN_ACCOUNT: Access = Access::Action(Action::ManageOwnAccount);
const MANAGE: Access = Access::Action(Action::ManageAccounts);
const OPERATE: Access = Access::Action(Action::OperateOffices);
const VIEW_CHECKS: Access = Access::Action(Action::ViewChecks);
const RUN_CHECKS: Access = Access::Action(Action::RunChecks);
const MANAGE_OFFICE: Access = Access::Action(Action::ManageOffice);

/// The web app's routes (DESIGN.md, "Web routes").
pub(crate) const ROUTES: &[RouteSpec] = &[
    route(Get, "/healthz", Public, |m| on(m, health::healthz)),
    route(Get, assets::STYLESHEET_PATH, Public, |m| on(m, assets::stylesheet)),
    route(Get, assets::PASSKEY_SCRIPT_PATH, Public, |m| on(m, assets::passkey_script)),
    route(Get, "/setup", SignedOut, |m| on(m, pages::setup::show)),
    route(Post, "/setup", SignedOut, |m| on(m, pages::setup::submit)),
    route(Get, "/login", SignedOut, |m| on(m, pages::login::show)),
    route(Post, "/login", SignedOut, |m| on(m, pages::login::submit)),
    route(Get, "/login/code", SECOND_FACTOR, |m| on(m, pages::code::show)),
    route(Post, "/login/code", SECOND_FACTOR, |m| on(m, pages::code::submit)),
    route(Post, "/login/passkey", SECOND_FACTOR, |m| on(m, pages::code::submit_passkey)),
    route(Get, "/login/recovery", SECOND_FACTOR, |m| on(m, pages::recovery::show)),
    route(Post, "/login/recovery", SECOND_FACTOR, |m| on(m, pages::recovery::submit)),
    route(Get, "/enrol", ENROLLING, |m| on(m, pages::enrol::show)),
    route(Post, "/enrol", ENROLLING, |m| on(m, pages::enrol::submit)),
    route(Post, "/enrol/passkey", ENROLLING, |m| on(m, pages::enrol::submit_passkey)),
    route(Get, "/login/forgot", SignedOut, |m| on(m, pages::forgot::show)),
    route(Post, "/login/forgot", SignedOut, |m| on(m, pages::forgot::submit)),
    route(Get, "/login/reset", SignedOut, |m| on(m, pages::forgot::show_reset)),
    route(Post, "/login/reset", SignedOut, |m| on(m, pages::forgot::submit_reset)),
    route(Get, "/invite", SignedOut, |m| on(m, pages::join::show)),
    route(Post, "/invite", SignedOut, |m| on(m, pages::join::submit)),
    route(Post, "/logout", AnySession, |m| on(m, pages::logout::submit)),
    route(Get, "/", Access::Action(Action::ViewOfficeHome), |m| on(m, pages::home::show)),
    route(Get, "/audit", Access::Action(Action::ViewAuditLog), |m| on(m, pages::audit::show)),
    route(Get, "/account", OWN_ACCOUNT, |m| on(m, pages::account::show)),
    route(Post, "/account/password", OWN_ACCOUNT, |m| on(m, pages::account::change_password)),
    route(Post, "/account/recovery-codes", OWN_ACCOUNT, |m| on(m, pages::account::new_recovery_codes)),
    route(Post, "/account/passkeys", OWN_ACCOUNT, |m| on(m, pages::account::add_passkey)),
    route(Post, "/account/passkeys/remove", OWN_ACCOUNT, |m| on(m, pages::account::remove_passkey)),
    route(Get, "/domains", VIEW_CHECKS, |m| on(m, pages::domains::list)),
    route(Post, "/domains", MANAGE_OFFICE, |m| on(m, pages::domains::add)),
    route(Get, "/domains/{domain}", VIEW_CHECKS, |m| on(m, pages::domains::show)),
    route(Post, "/domains/{domain}/check", RUN_CHECKS, |m| on(m, pages::domains::check)),
    route(Post, "/domains/{domain}/remove", MANAGE_OFFICE, |m| on(m, pages::domains::remove)),
    route(Get, "/dmarc", VIEW_CHECKS, |m| on(m, pages::dmarc::list)),
    route(Post, "/dmarc/settings", MANAGE_OFFICE, |m| on(m, pages::dmarc::save_settings)),
    route(Get, "/dmarc/{domain}", VIEW_CHECKS, |m| on(m, pages::dmarc::show)),
    route(Get, "/dmarc/{domain}/sender", VIEW_CHECKS, |m| on(m, pages::dmarc::sender)),
    route(Get, "/triage", VIEW_CHECKS, |m| on(m, pages::triage::list)),
    upload("/triage", RUN_CHECKS, |m| on(m, pages::triage::upload)),
    route(Get, "/triage/{id}", VIEW_CHECKS, |m| on(m, pages::triage::show)),
    route(Post, "/triage/{id}/outcome", RUN_CHECKS, |m| on(m, pages::triage::outcome)),
    route(Post, "/triage/senders", MANAGE_OFFICE, |m| on(m, pages::triage::add_sender)),
    route(Post, "/triage/senders/remove", MANAGE_OFFICE, |m| on(m, pages::triage::remove_sender)),
    route(Post, "/triage/servers", MANAGE_OFFICE, |m| on(m, pages::triage::set_servers)),
    route(Get, "/vault", VIEW_CHECKS, |m| on(m, pages::vault::list)),
    upload("/vault", RUN_CHECKS, |m| on(m, pages::vault::upload)),
    route(Get, "/vault/{id}", VIEW_CHECKS, |m| on(m, pages::vault::show)),
    route(Get, "/operator", OPERATE, |m| on(m, pages::operator::show)),
    route(Post, "/operator/offices", OPERATE, |m| on(m, pages::operator::open_office)),
    route(Get, "/people", MANAGE, |m| on(m, pages::people::list)),
    route(Get, "/people/invite", MANAGE, |m| on(m, pages::invite::show)),
    route(Post, "/people/invite", MANAGE, |m| on(m, pages::invite::submit)),
    route(Get, "/people/{id}", Record, |m| on(m, pages::people::show)),
    route(Post, "/people/{id}/role", Record, |m| on(m, pages::people::change_role)),
    route(Post, "/people/{id}/suspend", Record, |m| on(m, pages::people::suspend)),
];

/// The routes of [`ROUTES`], each behind its gate.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    ROUTES.iter().fold(Router::new(), |router, spec| {
        let body_limit = if spec.upload { upload_limit(&state.app) } else { MAX_BODY_BYTES };
        let rule = Gate { app: state.app.clone(), access: spec.access, body_limit };
        // The limit is set outside the gate, so the gate's CSRF check and the
        // handler's form reader both see it.
        let handler = (spec.handler)(spec.method.filter())
            .route_layer(from_fn_with_state(rule, gate))
            .route_layer(DefaultBodyLimit::max(body_limit));
        router.route(spec.path, handler)
    })
}

/// The largest upload body: the largest email triage reads, and room for
/// the form around it.
pub(crate) fn upload_limit(app: &portcullis_app::App) -> usize {
    app.triage_limits().max_message_bytes.saturating_add(64 * 1024)
}

#[cfg(test)]
mod tests;
