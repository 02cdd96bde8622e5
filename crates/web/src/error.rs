//! What a visitor sees when something goes wrong, and what the log keeps.
//!
//! Handlers return [`PageError`]. Turning it into a response logs the detail
//! and leaves an [`ErrorKind`] marker on an empty response; the
//! [`error_pages`] middleware, which can see the layout (demo banner, the
//! signed-in person), renders the page. The same middleware gives a page to
//! bare error statuses that axum produces itself (405, 413…).

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portcullis_app::AppError;
use portcullis_app::auth::AuthError;
use portcullis_app::policy::Denied;
use portcullis_store::StoreError;

use crate::layout::Layout;

/// Why a handler could not produce its page.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PageError {
    /// No such page (or not one this visitor may know exists).
    #[error("no such page")]
    NotFound,
    /// A use-case failed (or the policy refused: `AppError::Denied`).
    #[error(transparent)]
    App(#[from] AppError),
    /// Sign-in failed for a reason the form cannot show (the database).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A form came without its CSRF token, with a wrong one, or from
    /// another site.
    #[error("a form failed its CSRF check")]
    FormExpired,
    /// The body was larger than the route accepts.
    #[error("the request body was too large")]
    TooLarge,
    /// A template failed to render.
    #[error("a page template failed to render: {0}")]
    Render(#[from] askama::Error),
    /// The request took longer than the supervisor allows.
    #[error("the request timed out")]
    TimedOut,
    /// The server is stopping.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// A failure already logged where it happened (a panic).
    #[error("internal error")]
    Internal,
}

/// Which error page to show. Carries no detail: pages never show internals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    NotFound,
    BadRequest,
    Forbidden,
    FormExpired,
    MethodNotAllowed,
    TooLarge,
    Unavailable,
    Internal,
}

impl PageError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound | Self::App(AppError::NotFound(_) | AppError::Denied(Denied::NotFound)) => {
                ErrorKind::NotFound
            }
            Self::App(AppError::Denied(Denied::Forbidden)) => ErrorKind::Forbidden,
            Self::FormExpired => ErrorKind::FormExpired,
            Self::App(AppError::Invalid(_) | AppError::Refused(_)) => ErrorKind::BadRequest,
            Self::TooLarge => ErrorKind::TooLarge,
            Self::App(AppError::Store(StoreError::Unavailable { .. }))
            | Self::Auth(AuthError::Store(StoreError::Unavailable { .. }))
            | Self::TimedOut
            | Self::ShuttingDown => ErrorKind::Unavailable,
            Self::App(_) | Self::Auth(_) | Self::Render(_) | Self::Internal => ErrorKind::Internal,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let kind = self.kind();
        match kind {
            ErrorKind::Internal | ErrorKind::Unavailable => {
                tracing::error!(error = %self, "request failed")
            }
            _ => tracing::debug!(error = %self, "request refused"),
        }
        let mut res = kind.status().into_response();
        res.extensions_mut().insert(kind);
        if matches!(self, Self::ShuttingDown | Self::TimedOut) {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
        }
        res
    }
}

impl ErrorKind {
    fn status(self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Forbidden | Self::FormExpired => StatusCode::FORBIDDEN,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page for an error status that came without a marker.
    fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::FORBIDDEN => Self::Forbidden,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Self::TooLarge,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => Self::Unavailable,
            s if s.is_client_error() => Self::BadRequest,
            _ => Self::Internal,
        }
    }

    /// Title (also the heading) and paragraphs, in plain English.
    fn words(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Self::NotFound => (
                "Page not found",
                &[
                    "If you typed the web address, check it is correct.",
                    "If you pasted the web address, check you copied all of it.",
                    "If a link brought you here, the page may have moved or you may not have access to it.",
                ],
            ),
            Self::BadRequest => {
                ("Portcullis could not understand that request", &["Go back, check what you entered and try again."])
            }
            Self::Forbidden => (
                "You do not have access to this page",
                &["Your role does not allow this. Ask your office manager if you need it."],
            ),
            // The wording the brief for forms asks for: nothing changed, and
            // the way forward is the same whatever the cause.
            Self::FormExpired => ("This form has expired", &["Go back, reload the page and try again."]),
            Self::MethodNotAllowed => {
                ("That page cannot be used that way", &["Go back and use the page's own buttons and links."])
            }
            Self::TooLarge => {
                ("What you sent is too large", &["Go back and send less at once, for example one file at a time."])
            }
            Self::Unavailable => (
                "Sorry, Portcullis is unavailable",
                &[
                    "Try again in a few minutes.",
                    "If this keeps happening, tell whoever runs Portcullis for your office.",
                ],
            ),
            Self::Internal => (
                "Sorry, there is a problem with Portcullis",
                &[
                    "Try again later.",
                    "If this keeps happening, tell whoever runs Portcullis for your office. \
                     The problem has been logged for them.",
                ],
            ),
        }
    }
}

/// The error page.
#[derive(Debug, Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: &'a Layout,
    title: &'static str,
    paragraphs: &'static [&'static str],
}

/// Marks an error response as a deliberate answer for machines (e.g. the
/// health check's `503 unavailable`) that must keep its own body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MachineAnswer;

/// Fallback route: anything unrouted is a 404 page.
pub(crate) async fn not_found() -> PageError {
    PageError::NotFound
}

/// Middleware: give error responses their page.
pub(crate) async fn error_pages(layout: Layout, req: Request, next: Next) -> Response {
    let head = req.method() == Method::HEAD;
    let res = next.run(req).await;
    dress(res, &layout, head)
}

/// Give an error response its page in `layout`; other responses pass as
/// they are.
pub(crate) fn dress(res: Response, layout: &Layout, head: bool) -> Response {
    let kind = match res.extensions().get::<ErrorKind>() {
        Some(kind) => *kind,
        // An error status from axum itself (405, 413, a rejected form…):
        // replace its bare or plain-text body with a page.
        None if is_bare_error(&res) && res.extensions().get::<MachineAnswer>().is_none() => {
            ErrorKind::from_status(res.status())
        }
        None => return res,
    };
    let (title, paragraphs) = kind.words();
    let html = ErrorPage { layout, title, paragraphs }.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the error page failed to render");
        FALLBACK_PAGE.to_owned()
    });
    let (mut parts, _) = res.into_parts();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if head { axum::body::Body::empty() } else { html.into() };
    Response::from_parts(parts, body)
}

/// An error status whose body is not HTML of ours: none, or axum's plain text.
fn is_bare_error(res: &Response) -> bool {
    let status = res.status();
    let plain = res.headers().get(header::CONTENT_TYPE).is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    (status.is_client_error() || status.is_server_error()) && plain
}

/// Shown only if the error template itself cannot render.
const FALLBACK_PAGE: &str = "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
<title>Sorry, there is a problem with Portcullis</title></head><body><main id=\"main-content\">\
<h1>Sorry, there is a problem with Portcullis</h1><p>Try again later.</p></main></body></html>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_details_never_reach_the_page() {
        let err = PageError::App(AppError::Store(StoreError::Database("secret table name".into())));
        assert_eq!(err.kind(), ErrorKind::Internal);
        let (title, paragraphs) = err.kind().words();
        assert!(!title.contains("secret") && paragraphs.iter().all(|p| !p.contains("secret")));
    }

    #[test]
    fn policy_refusals_are_404_for_other_offices_and_403_for_roles() {
        assert_eq!(PageError::App(AppError::Denied(Denied::NotFound)).kind().status(), StatusCode::NOT_FOUND);
        assert_eq!(PageError::App(AppError::Denied(Denied::Forbidden)).kind().status(), StatusCode::FORBIDDEN);
        assert_eq!(PageError::FormExpired.kind().status(), StatusCode::FORBIDDEN);
        let (title, paragraphs) = ErrorKind::FormExpired.words();
        assert_eq!(format!("{title}. {}", paragraphs.join(" ")), FORM_EXPIRED_TEXT);
    }

    const FORM_EXPIRED_TEXT: &str = "This form has expired. Go back, reload the page and try again.";

    #[test]
    fn unavailable_database_is_a_503() {
        let err = PageError::App(AppError::Store(StoreError::Unavailable { location: "x".into(), reason: "y".into() }));
        assert_eq!(err.kind().status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
