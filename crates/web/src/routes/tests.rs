//! The role × route matrix: every visitor — not signed in, half-way through
//! signing in, and fully signed in in every role, the central operator
//! included — against every route in [`ROUTES`], on a real SQLite store.
//! The expected answers are written out, so a change to who may reach what
//! is a visible diff here; and a route added to the table without a row here
//! fails the test.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, header};
use portcullis_app::App;
use portcullis_app::auth::{ServerKey, token_digest};
use portcullis_store::{AuditQuery, NewSession, NewUser, Opaque, SessionStage, User};
use portcullis_store_sqlite::SqliteStore;
use portcullis_types::{Clock as _, Email, FixedClock, OfficeId, PersonName, Role, SeqRandom, Timestamp, UserId};
use tower::ServiceExt;

use super::{ROUTES, Verb};
use crate::{WebConfig, router};

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A manager's session that has got this far.
    Step(SessionStage),
    /// A full session in this role.
    Full(Role),
}

const VISITORS: [Who; 9] = [
    Who::Anonymous,
    Who::Step(SessionStage::NeedsSecondFactor),
    Who::Step(SessionStage::MustEnrol),
    Who::Full(Role::Mp),
    Who::Full(Role::Manager),
    Who::Full(Role::Caseworker),
    Who::Full(Role::Staff),
    Who::Full(Role::Readonly),
    Who::Full(Role::Operator),
];

/// The status each visitor gets, in [`VISITORS`] order. Forms are sent
/// empty but with a valid CSRF token, so what is tested is the access rule:
/// an empty sign-in form answers 200 (the page again, with errors).
#[rustfmt::skip]
const EXPECTED: &[(Verb, &str, [u16; 9])] = &[
    //                                anon  code enrol  mp   mgr  case staff  ro   op
    (Verb::Get,  "/healthz",               [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Verb::Get,  "/static/portcullis.css", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Verb::Get,  "/static/passkey.js",     [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Verb::Post, "/login/passkey",         [303, 200, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/enrol/passkey",         [303, 303, 200, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/account/passkeys",      [303, 303, 303, 200, 200, 200, 200, 200, 200]),
    (Verb::Post, "/account/passkeys/remove",[303, 303, 303, 404, 404, 404, 404, 404, 404]),
    (Verb::Get,  "/setup",                 [404, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/setup",                 [404, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Get,  "/login",                 [200, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/login",                 [200, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Get,  "/login/code",            [303, 200, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/login/code",            [303, 200, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Get,  "/login/recovery",        [303, 200, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/login/recovery",        [303, 200, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Get,  "/enrol",                 [303, 303, 200, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/enrol",                 [303, 303, 200, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/logout",                [303, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Get,  "/",                      [303, 303, 303, 200, 200, 200, 200, 200, 303]),
    (Verb::Get,  "/audit",                 [303, 303, 303, 200, 200, 403, 403, 403, 403]),
    (Verb::Get,  "/login/forgot",          [200, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/login/forgot",          [200, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Get,  "/login/reset",           [404, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/login/reset",           [404, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Get,  "/invite",                [404, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Post, "/invite",                [404, 303, 303, 303, 303, 303, 303, 303, 303]),
    (Verb::Get,  "/account",               [303, 303, 303, 200, 200, 200, 200, 200, 200]),
    (Verb::Post, "/account/password",      [303, 303, 303, 200, 200, 200, 200, 200, 200]),
    (Verb::Post, "/account/recovery-codes",[303, 303, 303, 200, 200, 200, 200, 200, 200]),
    (Verb::Get,  "/domains",               [303, 303, 303, 200, 200, 200, 200, 200, 403]),
    (Verb::Post, "/domains",               [303, 303, 303, 200, 200, 403, 403, 403, 403]),
    (Verb::Get,  "/domains/{domain}",      [303, 303, 303, 404, 404, 404, 404, 404, 403]),
    (Verb::Post, "/domains/{domain}/check",[303, 303, 303, 404, 404, 404, 404, 403, 403]),
    (Verb::Post, "/domains/{domain}/remove",[303, 303, 303, 404, 404, 403, 403, 403, 403]),
    (Verb::Get,  "/dmarc",                 [303, 303, 303, 200, 200, 200, 200, 200, 403]),
    (Verb::Post, "/dmarc/settings",        [303, 303, 303, 200, 200, 403, 403, 403, 403]),
    // No office has reports about a domain called "{domain}".
    (Verb::Get,  "/dmarc/{domain}",        [303, 303, 303, 404, 404, 404, 404, 404, 403]),
    (Verb::Get,  "/dmarc/{domain}/sender", [303, 303, 303, 404, 404, 404, 404, 404, 403]),
    (Verb::Get,  "/triage",                [303, 303, 303, 200, 200, 200, 200, 200, 403]),
    // An empty upload form is the page again, saying which file to choose.
    (Verb::Post, "/triage",                [303, 303, 303, 200, 200, 200, 200, 403, 403]),
    // No report of the office has the id of an account.
    (Verb::Get,  "/triage/{id}",           [303, 303, 303, 404, 404, 404, 404, 404, 403]),
    (Verb::Post, "/triage/{id}/outcome",   [303, 303, 303, 404, 404, 404, 404, 403, 403]),
    (Verb::Post, "/triage/senders",        [303, 303, 303, 200, 200, 403, 403, 403, 403]),
    (Verb::Post, "/triage/senders/remove", [303, 303, 303, 404, 404, 403, 403, 403, 403]),
    // An empty list is a valid answer: it clears the setting.
    (Verb::Post, "/triage/servers",        [303, 303, 303, 303, 303, 403, 403, 403, 403]),
    (Verb::Get,  "/vault",                 [303, 303, 303, 200, 200, 200, 200, 200, 403]),
    // An empty upload shows the page again with its error.
    (Verb::Post, "/vault",                 [303, 303, 303, 200, 200, 200, 200, 403, 403]),
    // Another person's page (the target, a caseworker): the MP and managers
    // see their counts; everyone else is told it does not exist.
    (Verb::Get,  "/vault/{id}",            [303, 303, 303, 200, 200, 404, 404, 404, 403]),
    (Verb::Get,  "/operator",              [303, 303, 303, 403, 403, 403, 403, 403, 200]),
    (Verb::Post, "/operator/offices",      [303, 303, 303, 403, 403, 403, 403, 403, 200]),
    (Verb::Get,  "/people",                [303, 303, 303, 200, 200, 403, 403, 403, 403]),
    (Verb::Get,  "/people/invite",         [303, 303, 303, 200, 200, 403, 403, 403, 403]),
    (Verb::Post, "/people/invite",         [303, 303, 303, 200, 200, 403, 403, 403, 403]),
    // An account of the visitor's own office; the operator belongs to none.
    (Verb::Get,  "/people/{id}",           [303, 303, 303, 200, 200, 403, 403, 403, 404]),
    (Verb::Post, "/people/{id}/role",      [303, 303, 303, 200, 200, 403, 403, 403, 404]),
    (Verb::Post, "/people/{id}/suspend",   [303, 303, 303, 400, 400, 403, 403, 403, 404]),
];

/// Where a 303 must point: sign-in for strangers, the unfinished step for a
/// half-signed-in visitor, home for everyone else; signing out always ends
/// on the sign-in page, and a saved setting back on its page.
fn expected_location(who: Who, path: &str) -> &'static str {
    match (who, path) {
        (_, "/logout") | (Who::Anonymous, _) => "/login",
        (Who::Full(Role::Mp | Role::Manager), "/triage/servers") => "/triage",
        (Who::Step(SessionStage::NeedsSecondFactor), _) => "/login/code",
        (Who::Step(SessionStage::MustEnrol), _) => "/enrol",
        (Who::Full(Role::Operator), _) => "/operator",
        _ => "/",
    }
}

/// The anonymous visitor's double-submit token (cookie and field).
const ANON_CSRF: &str = "AnonymousVisitorCsrfTokenForTheMatrixTest01";

struct World {
    app: App,
    clock: Arc<FixedClock>,
    office: OfficeId,
    users: Vec<(Role, User)>,
    /// An account in the office for the `/people/{id}` routes.
    target: User,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("p.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix_micros(1_764_063_000_000_000).unwrap()));
    let app =
        App::with_parts(Arc::new(store), clock.clone(), Arc::new(SeqRandom::new(3)), ServerKey::from_bytes([5; 32]));
    let office = app.create_office("Office of Alex Example MP", false, &portcullis_app::Actor::Cli).await.unwrap().id;
    let mut users = Vec::new();
    for role in Role::ALL {
        let home = (role != Role::Operator).then_some(office);
        let new = NewUser {
            id: UserId::generate(app.random()),
            office_id: home,
            email: Email::new(&format!("{}@example.org.uk", role.as_str())).unwrap(),
            name: PersonName::new(&format!("A {}", role.label())).unwrap(),
            role,
            password_hash: Opaque("unused".into()),
            created_at: clock.now(),
        };
        users.push((role, app.store().create_user(&new).await.unwrap()));
    }
    let target = NewUser {
        id: UserId::generate(app.random()),
        office_id: Some(office),
        email: Email::new("target@example.org.uk").unwrap(),
        name: PersonName::new("A Target").unwrap(),
        role: Role::Caseworker,
        password_hash: Opaque("unused".into()),
        created_at: clock.now(),
    };
    let target = app.store().create_user(&target).await.unwrap();
    World { app, clock, office, users, target, _dir: dir }
}

impl World {
    /// A fresh session (signing out ends one) for `who`: (cookie, csrf).
    async fn session(&self, who: Who, n: usize) -> Option<(String, String)> {
        let (role, stage) = match who {
            Who::Anonymous => return None,
            Who::Step(stage) => (Role::Manager, stage),
            Who::Full(role) => (role, SessionStage::Full),
        };
        let user = self.users.iter().find(|(r, _)| *r == role).map(|(_, u)| u).unwrap();
        let token = format!("matrix-session-{n}");
        let csrf = format!("matrix-csrf-{n}");
        let now = self.clock.now();
        let session = NewSession {
            id_hash: token_digest(&token),
            user_id: user.id,
            stage,
            csrf_secret: Opaque(csrf.clone()),
            created_at: now,
            expires_at: now.plus_secs(600),
            ip: None,
        };
        self.app.store().create_session(&session).await.unwrap();
        Some((token, csrf))
    }

    async fn denials(&self) -> usize {
        let query = AuditQuery { limit: 1000, action: Some("access.denied".into()), ..AuditQuery::default() };
        self.app.store().list_audit(self.office, &query).await.unwrap().len()
    }
}

#[tokio::test]
async fn every_visitor_gets_the_expected_answer_from_every_route() {
    let world = world().await;
    let config = WebConfig { demo: false, setup_token: Some("the-setup-token".into()), ..WebConfig::default() };
    let site = router(world.app.clone(), config);

    for spec in ROUTES {
        let row = EXPECTED.iter().find(|(m, p, _)| *m == spec.method && *p == spec.path);
        assert!(row.is_some(), "{:?} {} has no row in the matrix", spec.method, spec.path);
    }
    assert_eq!(EXPECTED.len(), ROUTES.len(), "a row in the matrix names a route that does not exist");

    let mut n = 0;
    for (method, path, statuses) in EXPECTED {
        for (who, expected) in VISITORS.iter().zip(statuses) {
            n += 1;
            let session = world.session(*who, n).await;
            let (cookie, csrf) = match &session {
                Some((token, csrf)) => (format!("portcullis_session={token}"), csrf.clone()),
                None => (format!("portcullis_csrf={ANON_CSRF}"), ANON_CSRF.to_owned()),
            };
            let uri = path.replace("{id}", &world.target.id.to_string());
            let builder =
                Request::builder().uri(uri).header(header::HOST, "portcullis.test").header(header::COOKIE, cookie);
            let req = match method {
                Verb::Get => builder.method("GET").body(Body::empty()),
                Verb::Post => builder
                    .method("POST")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(format!("csrf={csrf}"))),
            }
            .unwrap();
            let denials_before = world.denials().await;

            let res = site.clone().oneshot(req).await.unwrap();

            let status = res.status().as_u16();
            assert_eq!(status, *expected, "{who:?} {method:?} {path}");
            if status == 303 {
                let location = res.headers()[header::LOCATION].to_str().unwrap();
                let location = location.split('?').next().unwrap();
                assert_eq!(location, expected_location(*who, path), "{who:?} {method:?} {path}");
            }
            if status == 403 && !matches!(who, Who::Full(Role::Operator)) {
                assert_eq!(world.denials().await, denials_before + 1, "{who:?} {path}: the refusal is audited");
            }
        }
    }
}
