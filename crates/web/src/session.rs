//! Who is asking: the session cookie, looked up once per request.
//!
//! The [`sessions`] middleware resolves the `portcullis_session` cookie with
//! `app.resolve_session` (which enforces the idle and absolute timeouts) and
//! leaves a [`Visitor`] in the request extensions. Everything after it reads
//! that: the [`Layout`](crate::layout::Layout) for the header, the
//! [`gate`](crate::gate) for access and CSRF, handlers for the account.
//!
//! A visitor without a session gets the double-submit CSRF token instead: the
//! `portcullis_csrf` cookie, minted here when missing and set on the first
//! HTML page, so the sign-in and setup forms can carry it.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_app::App;
use portcullis_app::auth::{SignedIn, new_token};
use zeroize::Zeroizing;

use crate::cookies;
use crate::error::{PageError, dress};
use crate::layout::Layout;
use crate::state::AppState;

/// The longest token worth looking up; ours are 43 characters.
pub(crate) const MAX_TOKEN_CHARS: usize = 100;

/// The person (or not) behind a request, resolved once.
#[derive(Clone)]
pub(crate) struct Visitor {
    /// The account and session, if the cookie names a live one.
    pub who: Option<SignedIn>,
    /// The session cookie's value, when `who` is set (sign-in steps and
    /// sign-out need it).
    pub token: Option<Zeroizing<String>>,
    /// The token this visitor's forms must carry.
    pub csrf: Zeroizing<String>,
    /// Their office's name, for the header (full sessions only).
    pub office_name: Option<String>,
}

impl std::fmt::Debug for Visitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Visitor").field("user", &self.who.as_ref().map(|w| w.user.id)).finish_non_exhaustive()
    }
}

impl Visitor {
    fn anonymous(csrf: Zeroizing<String>) -> Self {
        Self { who: None, token: None, csrf, office_name: None }
    }
}

/// What resolving the cookies found.
struct Resolved {
    visitor: Visitor,
    /// A session cookie was sent but names no live session: tell the browser
    /// to forget it.
    stale_cookie: bool,
    /// The CSRF token was minted for this request: set its cookie.
    new_csrf: bool,
}

/// Middleware: put the [`Visitor`] in the request, and set or clear cookies
/// on the way out.
pub(crate) async fn sessions(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let head = req.method() == Method::HEAD;
    // This runs outside the supervisor (so that error pages can show who is
    // signed in), so it bounds its own database work.
    let lookup = tokio::time::timeout(state.supervisor.timeout, resolve(&state.app, req.headers()));
    let resolved = match lookup.await {
        Ok(Ok(resolved)) => resolved,
        Ok(Err(e)) => return dress(e.into_response(), &Layout::anonymous(state.config.demo), head),
        Err(_) => return dress(PageError::TimedOut.into_response(), &Layout::anonymous(state.config.demo), head),
    };
    let csrf = resolved.new_csrf.then(|| resolved.visitor.csrf.clone());
    req.extensions_mut().insert(resolved.visitor);

    let mut res = next.run(req).await;

    let headers = res.headers_mut();
    if resolved.stale_cookie && !cookies::is_set_in(headers, cookies::SESSION) {
        headers.append(header::SET_COOKIE, cookies::clear(cookies::SESSION));
    }
    // Only pages can hold forms; no cookie on health checks and stylesheets.
    let is_page = headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if let Some(value) = csrf.filter(|_| is_page).and_then(|token| cookies::set(cookies::CSRF, &token)) {
        headers.append(header::SET_COOKIE, value);
    }
    res
}

async fn resolve(app: &App, headers: &axum::http::HeaderMap) -> Result<Resolved, PageError> {
    let token = cookies::read(headers, cookies::SESSION).filter(|t| !t.is_empty());
    let who = match token.as_ref().filter(|t| t.len() <= MAX_TOKEN_CHARS) {
        Some(t) => app.resolve_session(t).await?,
        None => None,
    };
    let stale_cookie = token.is_some() && who.is_none();
    if let Some(who) = who {
        let office_name = office_name(app, &who).await?;
        let csrf = Zeroizing::new(who.csrf_token().to_owned());
        let visitor = Visitor { who: Some(who), token, csrf, office_name };
        return Ok(Resolved { visitor, stale_cookie, new_csrf: false });
    }
    let existing = cookies::read(headers, cookies::CSRF).filter(|t| is_token_shaped(t));
    let new_csrf = existing.is_none();
    let csrf = existing.unwrap_or_else(|| new_token(app.random()));
    Ok(Resolved { visitor: Visitor::anonymous(csrf), stale_cookie, new_csrf })
}

/// The office name shown in the header. Only after the second factor: a
/// password alone should not learn which office an account belongs to.
async fn office_name(app: &App, who: &SignedIn) -> Result<Option<String>, PageError> {
    let Some(office) = who.user.office_id.filter(|_| who.is_full()) else { return Ok(None) };
    let found = app.store().office(office).await.map_err(portcullis_app::AppError::from)?;
    Ok(found.map(|o| o.name.to_string()))
}

/// A token as [`new_token`] makes them: 43 base64url characters. Anything
/// else in the CSRF cookie is replaced rather than trusted.
fn is_token_shaped(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Missing only if the router was built without the middleware.
        parts.extensions.get::<Self>().cloned().ok_or(PageError::Internal)
    }
}

/// Extractor: a fully signed-in account. The gate has already sent anyone
/// else elsewhere; this is the handler's own guarantee.
#[derive(Debug)]
pub(crate) struct Full(pub SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for Full {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        match visitor.who {
            Some(who) if who.is_full() => Ok(Self(who)),
            _ => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// Extractor: any session (a half-finished sign-in included) and its token.
pub(crate) struct Session {
    pub who: SignedIn,
    pub token: Zeroizing<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("user", &self.who.user.id).finish_non_exhaustive()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        match (visitor.who, visitor.token) {
            (Some(who), Some(token)) => Ok(Self { who, token }),
            _ => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// Extractor: the network address the request came from, for the sign-in
/// throttle and the audit log. `None` in tests, which call the router
/// directly. Behind a reverse proxy named with `--trust-proxy`, the client
/// address it reports in `X-Forwarded-For`.
#[derive(Debug)]
pub(crate) struct ClientIp(pub Option<String>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        let ip = client_ip(peer, forwarded, &state.config.trusted_proxies);
        Ok(Self(ip.map(|ip| ip.to_canonical().to_string())))
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy; then
/// the nearest address in `X-Forwarded-For` (read from the right, the end
/// the proxies appended) that is not itself a trusted proxy. Anything a
/// client wrote further left is never believed.
fn client_ip<'a>(peer: Option<IpAddr>, forwarded: impl Iterator<Item = &'a str>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|t| t.to_canonical() == ip.to_canonical());
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
    for hop in hops.iter().rev().take(MAX_FORWARDED_HOPS) {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => {}
            Ok(ip) => return Some(ip),
            // A hop that is not an address: stop believing the header there.
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

/// More proxies than this in a chain is not a real deployment.
const MAX_FORWARDED_HOPS: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy = [ip("10.0.0.1")];
        let from = |peer: &str, xff: &[&'static str]| client_ip(Some(ip(peer)), xff.iter().copied(), &proxy);
        // A client sending the header itself is ignored.
        assert_eq!(from("203.0.113.9", &["198.51.100.1"]), Some(ip("203.0.113.9")));
        // Through the proxy: the address it appended, not what the client claimed before it.
        assert_eq!(from("10.0.0.1", &["1.2.3.4, 203.0.113.9"]), Some(ip("203.0.113.9")));
        assert_eq!(from("10.0.0.1", &["1.2.3.4", "203.0.113.9, 10.0.0.1"]), Some(ip("203.0.113.9")));
        // No header, or garbage: the proxy itself, never a made-up address.
        assert_eq!(from("10.0.0.1", &[]), Some(ip("10.0.0.1")));
        assert_eq!(from("10.0.0.1", &["1.2.3.4, not-an-ip"]), Some(ip("10.0.0.1")));
        // IPv4-mapped IPv6 peers match their IPv4 form.
        assert_eq!(from("::ffff:10.0.0.1", &["203.0.113.9"]), Some(ip("203.0.113.9")));
        assert_eq!(client_ip(None, std::iter::empty(), &proxy), None);
    }

    #[test]
    fn only_our_own_token_shape_is_accepted_from_the_csrf_cookie() {
        assert!(is_token_shaped(&"a".repeat(43)));
        assert!(!is_token_shaped(""));
        assert!(!is_token_shaped(&"a".repeat(44)));
        assert!(!is_token_shaped(&format!("{}=", "a".repeat(42))));
    }
}
