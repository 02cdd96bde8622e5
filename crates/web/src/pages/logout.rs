//! `POST /logout`: end the session, forget the cookie, say so on the
//! sign-in page.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use portcullis_app::App;

use crate::cookies;
use crate::error::PageError;
use crate::session::Session;

/// `POST /logout`
pub(crate) async fn submit(State(app): State<App>, session: Session) -> Result<Response, PageError> {
    app.sign_out(&session.token).await?;
    let forget = [(header::SET_COOKIE, cookies::clear(cookies::SESSION))];
    Ok((forget, Redirect::to("/login?done=signed-out")).into_response())
}
