//! A router over a real SQLite database in a temporary directory, a clock
//! the test moves by hand, and a cookie-keeping "browser" that fills forms
//! the way a person's browser would.

// Test support: a failed unwrap here is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use portcullis_app::App;
use portcullis_app::auth::{ServerKey, TotpSecret, token_digest};
use portcullis_app::mail::SmtpMailer;
use portcullis_store::{NewSession, NewUser, Opaque, SessionStage, User};
use portcullis_store_sqlite::SqliteStore;
use portcullis_testkit::browserless::{element_text, input_value};
use portcullis_testkit::smtp::SmtpSink;
use portcullis_types::{Clock as _, Email, FixedClock, OfficeId, PersonName, Role, SeqRandom, Timestamp, UserId};
use portcullis_web::{WebConfig, router};
use tempfile::TempDir;
use tower::ServiceExt;
use zeroize::Zeroizing;

/// The headers every response must carry, with their exact values.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
];

/// The token the "server operator" was given for `/setup`.
pub const SETUP_TOKEN: &str = "FirstRunSetupTokenForTheTests0123456789abc";
/// Where the tests' Portcullis lives, as the browser sends it.
pub const HOST: &str = "portcullis.test";
/// The first manager's details.
pub const OFFICE: &str = "Office of Alex Example MP";
pub const MANAGER: &str = "Sam Okafor";
pub const EMAIL: &str = "sam@example.org.uk";
pub const PASSWORD: &str = "marble teapot harbour";

/// One test's Portcullis: the app, its router, its clock, and the directory
/// to keep alive.
pub struct Site {
    pub app: App,
    /// The mail server the app sends to (`None` for a site with no mail).
    pub mail: Option<SmtpSink>,
    pub router: Router,
    pub clock: Arc<FixedClock>,
    pub config: WebConfig,
    _dir: TempDir,
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.header("location")
    }

    /// The value of the form input named `name`.
    pub fn input(&self, name: &str) -> String {
        input_value(&self.body, name).unwrap_or_else(|| panic!("no input {name} on the page: {}", self.body))
    }

    /// The `Set-Cookie` line for cookie `name`, if the response sets it.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
    }

    /// Panics naming the header when one is missing or wrong.
    pub fn assert_security_headers(&self) {
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(self.header(name), *value, "header {name} on a {} response", self.status);
        }
        assert!(!self.header("content-security-policy").contains("unsafe-inline"));
        assert!(!self.header("cache-control").is_empty(), "cache-control on a {} response", self.status);
    }

    /// Panics unless this is a 303 to `path` (query string ignored).
    pub fn assert_redirect(&self, path: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.body);
        assert_eq!(self.location().split('?').next(), Some(path), "redirected to {}", self.location());
    }

    /// Panics unless this is the "form has expired" refusal.
    pub fn assert_form_expired(&self) {
        assert_eq!(self.status, StatusCode::FORBIDDEN);
        assert!(self.body.contains("This form has expired"), "{}", self.body);
        assert!(self.body.contains("Go back, reload the page and try again."));
    }
}

/// The configuration a freshly started server has: a setup token.
pub fn config() -> WebConfig {
    WebConfig { demo: false, setup_token: Some(SETUP_TOKEN.to_owned()), ..WebConfig::default() }
}

/// A site that sends its email to a loopback SMTP server.
pub async fn site(config: WebConfig) -> Site {
    let sink = SmtpSink::start().await.unwrap();
    let mailer = SmtpMailer::new(&sink.url(), "Portcullis <portcullis@portcullis.test>").unwrap();
    let mut site = site_without_mail(config).await;
    site.app = site.app.clone().with_mailer(Arc::new(mailer));
    site.router = router(site.app.clone(), site.config.clone());
    site.mail = Some(sink);
    site
}

/// A site with no way to send email.
pub async fn site_without_mail(config: WebConfig) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("portcullis.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix_micros(1_764_063_000_000_000).unwrap()));
    let app =
        App::with_parts(Arc::new(store), clock.clone(), Arc::new(SeqRandom::new(7)), ServerKey::from_bytes([9; 32]))
            .with_public_url(&url::Url::parse(&format!("http://{HOST}/")).unwrap());
    let router = router(app.clone(), config.clone());
    Site { app, mail: None, router, clock, config, _dir: dir }
}

impl Site {
    /// A request with no cookies and no Host, as a bare client sends it.
    pub async fn request(&self, method: Method, path: &str) -> Page {
        let req = Request::builder().method(method).uri(path).body(Body::empty()).unwrap();
        send(&self.router, req).await
    }

    pub async fn get(&self, path: &str) -> Page {
        self.request(Method::GET, path).await
    }

    /// A browser with no cookies yet.
    pub fn browser(&self) -> Browser {
        Browser { router: self.router.clone(), cookies: BTreeMap::new() }
    }

    /// The audit actions of `office`, newest first.
    pub async fn audit_actions(&self, office: OfficeId) -> Vec<String> {
        let query = portcullis_store::AuditQuery { limit: 1000, ..Default::default() };
        self.app.store().list_audit(office, &query).await.unwrap().into_iter().map(|e| e.action).collect()
    }

    /// The only office (the one setup made).
    pub async fn office(&self) -> OfficeId {
        self.app.offices().await.unwrap()[0].id
    }

    /// An account made straight in the store, and a browser already fully
    /// signed in as it: for testing what each role may reach without
    /// walking every role through sign-in.
    pub async fn signed_in_as(&self, role: Role, office: Option<OfficeId>, name: &str) -> (Browser, User) {
        let n = self.app.store().count_users().await.unwrap();
        let email = format!("{}.{n}@example.org.uk", role.as_str());
        let id = UserId::generate(self.app.random());
        let user =
            self.app.store().create_user(&new_user(id, role, office, name, &email, self.clock.now())).await.unwrap();
        let token = format!("session-of-{}-{}", role.as_str(), user.id);
        self.app.store().create_session(&full_session(&user, &token, self.clock.now())).await.unwrap();
        let mut browser = self.browser();
        browser.cookies.insert("portcullis_session".into(), token);
        (browser, user)
    }

    /// First run through the pages: the setup link, the form.
    pub async fn set_up(&self) -> Browser {
        let mut browser = self.browser();
        let page = browser.get(&format!("/setup?token={SETUP_TOKEN}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let done = browser
            .post(
                "/setup",
                &[
                    ("csrf", &page.input("csrf")),
                    ("token", &page.input("token")),
                    ("office_name", OFFICE),
                    ("name", MANAGER),
                    ("email", EMAIL),
                    ("password", PASSWORD),
                ],
            )
            .await;
        done.assert_redirect("/login");
        browser
    }
}

/// An account row for the store.
pub fn new_user(id: UserId, role: Role, office: Option<OfficeId>, name: &str, email: &str, at: Timestamp) -> NewUser {
    NewUser {
        id,
        office_id: office,
        email: Email::new(email).unwrap(),
        name: PersonName::new(name).unwrap(),
        role,
        // No password sign-in for these accounts: their sessions are made directly.
        password_hash: Opaque("not a password hash".into()),
        created_at: at,
    }
}

/// A full session for `user` whose cookie value is `token`.
pub fn full_session(user: &User, token: &str, now: Timestamp) -> NewSession {
    NewSession {
        id_hash: token_digest(token),
        user_id: user.id,
        stage: SessionStage::Full,
        csrf_secret: Opaque(format!("csrf-{token}")),
        created_at: now,
        expires_at: now.plus_secs(3600),
        ip: None,
    }
}

async fn send(router: &Router, req: Request<Body>) -> Page {
    let res = router.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    Page { status: parts.status, headers: parts.headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
}

/// One visitor's browser: keeps cookies, sends `Host` and, on forms, the
/// `Origin` a browser would.
#[derive(Clone)]
pub struct Browser {
    router: Router,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.builder(Method::GET, path).body(Body::empty()).unwrap();
        self.send(req).await
    }

    /// Submit form fields to `path`, as our own page would.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_from(path, fields, Some(&format!("http://{HOST}"))).await
    }

    /// Submit form fields with the given `Origin` (or none).
    pub async fn post_from(&mut self, path: &str, fields: &[(&str, &str)], origin: Option<&str>) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let mut builder =
            self.builder(Method::POST, path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            builder = builder.header(header::ORIGIN, origin);
        }
        self.send(builder.body(Body::from(body)).unwrap()).await
    }

    /// Upload a file as a browser's `multipart/form-data` form does: the
    /// text `fields` first, then the file `file` (field name, file name,
    /// content).
    pub async fn post_file(&mut self, path: &str, fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Page {
        const BOUNDARY: &str = "----PortcullisTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        let (name, filename, content) = file;
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let req = self
            .builder(Method::POST, path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .header(header::ORIGIN, format!("http://{HOST}"))
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// The CSRF token on `page`'s forms.
    pub fn csrf(page: &Page) -> String {
        page.input("csrf")
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    fn builder(&self, method: Method, path: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder().method(method).uri(path).header(header::HOST, HOST);
        let cookies: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !cookies.is_empty() {
            builder = builder.header(header::COOKIE, cookies.join("; "));
        }
        builder
    }

    async fn send(&mut self, req: Request<Body>) -> Page {
        let page = send(&self.router, req).await;
        for line in page.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let pair = line.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || line.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        page
    }

    /// The password step from the sign-in page.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let page = self.get("/login").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        self.post("/login", &[("csrf", &Browser::csrf(&page)), ("email", email), ("password", password)]).await
    }

    /// The enrolment page, as a person sees it: the key to type into their
    /// app, then the app's code. Returns the seed and the page after.
    pub async fn enrol(&mut self, now: Timestamp) -> (TotpSecret, Page) {
        let page = self.get("/enrol").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let secret = secret_from(&page);
        let code = secret.code_at(now);
        let done = self
            .post("/enrol", &[("csrf", &Browser::csrf(&page)), ("pending", &page.input("pending")), ("code", &code)])
            .await;
        (secret, done)
    }

    /// Press "Sign out" on the home page.
    pub async fn sign_out(&mut self) -> Page {
        let home = self.get("/").await;
        let csrf = Browser::csrf(&home);
        let out = self.post("/logout", &[("csrf", &csrf)]).await;
        out.assert_redirect("/login");
        out
    }

    /// The code step, with `code`.
    pub async fn enter_code(&mut self, code: &str) -> Page {
        let page = self.get("/login/code").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        self.post("/login/code", &[("csrf", &Browser::csrf(&page)), ("code", code)]).await
    }
}

/// The seed from the key text on an enrolment page, as a person would type it.
pub fn secret_from(page: &Page) -> TotpSecret {
    let text = element_text(&page.body, "data-secret").expect("the key is shown as text");
    let plain: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    TotpSecret::from_bytes(Zeroizing::new(data_encoding::BASE32_NOPAD.decode(plain.as_bytes()).unwrap()))
}

/// Setup, first sign-in and enrolment: a manager fully signed in. Returns
/// their browser and their authenticator's seed.
pub async fn signed_in_manager(site: &Site) -> (Browser, TotpSecret) {
    let mut browser = site.set_up().await;
    browser.sign_in(EMAIL, PASSWORD).await.assert_redirect("/enrol");
    let (secret, done) = browser.enrol(site.clock.now()).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    (browser, secret)
}
