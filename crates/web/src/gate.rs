//! The gate in front of every route: is this visitor at the right stage of
//! signing in, does `app`'s policy let them take the route's action, and
//! does a form carry its CSRF token? Handlers run only once all three pass.
//!
//! The gate is built from each route's [`Access`] in
//! [`routes::ROUTES`](crate::routes::ROUTES), so a route cannot exist
//! without saying who may use it.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_app::App;
use portcullis_app::policy::Action;
use portcullis_store::SessionStage;
use portcullis_types::Role;

use crate::csrf;
use crate::error::PageError;
use crate::session::Visitor;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone, signed in or not: the health check, the stylesheet.
    Public,
    /// Only someone not signed in: setup and the password step. A visitor
    /// part-way through signing in is sent to their next step; a signed-in
    /// one to the home page.
    SignedOut,
    /// Only a half-finished sign-in at this stage (second factor to give, or
    /// to enrol).
    Step(SessionStage),
    /// Any session, half-finished or not: signing out.
    AnySession,
    /// A full session whose role allows this action, as `app.permit`
    /// decides (and audits when it refuses).
    Action(Action),
    /// A full session asking for one record by id (`/people/{id}`). The
    /// use-case checks the record's office before the role, so a record of
    /// another office is "not found" to everyone, whatever their role, and
    /// nobody learns it exists.
    Record,
}

/// What the gate decided before looking at any form.
#[derive(Debug)]
enum Verdict {
    Pass,
    SendTo(&'static str),
    Refuse(PageError),
}

/// The central operator's console, where an operator's "home" is.
const OPERATOR_HOME: &str = "/operator";

/// Where a session at `stage`, of an account in `role`, belongs.
const fn home_of(stage: SessionStage, role: Role) -> &'static str {
    match (stage, role) {
        (SessionStage::NeedsSecondFactor, _) => "/login/code",
        (SessionStage::MustEnrol, _) => "/enrol",
        (SessionStage::Full, Role::Operator) => OPERATOR_HOME,
        (SessionStage::Full, _) => "/",
    }
}

async fn verdict(app: &App, visitor: &Visitor, access: Access) -> Verdict {
    let Some(who) = visitor.who.as_ref() else {
        return match access {
            Access::Public | Access::SignedOut => Verdict::Pass,
            _ => Verdict::SendTo("/login"),
        };
    };
    let stage = who.session.stage;
    let home = home_of(stage, who.user.role);
    match access {
        Access::Public | Access::AnySession => Verdict::Pass,
        Access::Step(wanted) if wanted == stage => Verdict::Pass,
        Access::SignedOut | Access::Step(_) => Verdict::SendTo(home),
        Access::Action(_) | Access::Record if stage != SessionStage::Full => Verdict::SendTo(home),
        Access::Record => Verdict::Pass,
        // The operator has no office: their home is the console.
        Access::Action(Action::ViewOfficeHome) if who.user.role == Role::Operator => Verdict::SendTo(home),
        Access::Action(action) => match app.permit(who, action).await {
            Ok(()) => Verdict::Pass,
            Err(e) => Verdict::Refuse(e.into()),
        },
    }
}

/// The gate's state: the app and one route's access rule.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    pub app: App,
    pub access: Access,
    /// The largest body the route accepts.
    pub body_limit: usize,
}

/// Middleware (per route): let the request through only if the visitor may
/// use the route and, for anything but GET and HEAD, its form is genuine.
pub(crate) async fn gate(State(gate): State<Gate>, req: Request, next: Next) -> Response {
    let Some(visitor) = req.extensions().get::<Visitor>().cloned() else {
        return PageError::Internal.into_response();
    };
    match verdict(&gate.app, &visitor, gate.access).await {
        Verdict::Pass => {}
        Verdict::SendTo(path) => return Redirect::to(path).into_response(),
        Verdict::Refuse(e) => return e.into_response(),
    }
    if req.method().is_safe() {
        return next.run(req).await;
    }
    match csrf::verify(req, &visitor.csrf, gate.body_limit).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}
