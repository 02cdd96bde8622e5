//! One module per page (or group of pages about one thing).

pub(crate) mod account;
pub(crate) mod audit;
pub(crate) mod code;
pub(crate) mod dmarc;
pub(crate) mod domains;
pub(crate) mod enrol;
pub(crate) mod forgot;
pub(crate) mod home;
pub(crate) mod invite;
pub(crate) mod join;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod message;
pub(crate) mod operator;
pub(crate) mod people;
pub(crate) mod recovery;
pub(crate) mod setup;
pub(crate) mod triage;
pub(crate) mod vault;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use portcullis_app::auth::{AuthError, SessionToken};

use crate::cookies;
use crate::error::PageError;

/// `response` with the session cookie set to `token`: the moment a sign-in
/// step succeeds, the browser swaps its old session for the new one.
fn with_session(token: &SessionToken, response: impl IntoResponse) -> Result<Response, PageError> {
    let cookie = cookies::set(cookies::SESSION, token.as_str()).ok_or(PageError::Internal)?;
    Ok(([(header::SET_COOKIE, cookie)], response).into_response())
}

/// Whether a sign-in error is for the person at the form (wrong code,
/// throttled, locked…) rather than a failure of Portcullis itself. `app`
/// words these in plain English, and without saying whether an account
/// exists.
fn is_for_the_person(e: &AuthError) -> bool {
    !matches!(e, AuthError::Seal(_) | AuthError::Store(_) | AuthError::Internal(_))
}

/// Whether the error ended the half-finished sign-in (the account locked or
/// suspended, or the time allowed ran out): the cookie is then forgotten.
fn ends_the_session(e: &AuthError) -> bool {
    matches!(e, AuthError::Locked { .. } | AuthError::Expired | AuthError::Suspended)
}

/// Query-string parameter `name`, if present once or more (the first wins).
fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The file uploaded in multipart field `field`: its name and bytes; `None`
/// when no file was chosen. A body over the route's limit is
/// [`PageError::TooLarge`].
async fn read_upload(
    mut form: axum::extract::Multipart,
    field_name: &str,
) -> Result<Option<(String, Vec<u8>)>, PageError> {
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(None),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => return Err(PageError::TooLarge),
            Err(_) => return Ok(None),
        };
        if field.name() != Some(field_name) {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|_| PageError::TooLarge)?;
        if name.is_empty() && bytes.is_empty() {
            return Ok(None);
        }
        return Ok(Some((name, bytes.to_vec())));
    }
}
