//! `/triage`: upload a suspicious email and see what Portcullis makes of it
//! (the verdict, the reasons, what to do now and, once, the message itself
//! made safe to look at); the office's recent reports and its call on each;
//! its list of known senders, and the mail servers it trusts to vouch for them.

use askama::Template;
use axum::Form as Posted;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use portcullis_app::policy::{Action, permits};
use portcullis_app::{App, AppError, PhishError, Triaged};
use portcullis_phish::view::SafeView;
use portcullis_phish::{Verdict, advice};
use portcullis_store::{Outcome, PhishReport};
use serde::Deserialize;

use super::query_param;
use crate::display::date_time;
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::session::Full;

/// The upload form's file input (the error summary links to it).
const FILE_FIELD: &str = "message";
/// The trusted-servers form's input.
const SERVERS_FIELD: &str = "servers";

/// A verdict as a tag: colour and words.
#[derive(Debug, Clone, Copy)]
struct Tag(&'static str, &'static str);

fn verdict_tag(verdict: &str) -> Tag {
    match verdict {
        "phishing" => Tag("red", "Phishing"),
        "suspicious" => Tag("orange", "Suspicious"),
        _ => Tag("green", "Nothing found"),
    }
}

fn outcome_tag(outcome: Option<Outcome>) -> Tag {
    match outcome {
        Some(Outcome::Phishing) => Tag("red", "Marked phishing"),
        Some(Outcome::Safe) => Tag("green", "Marked safe"),
        None => Tag("grey", "Not marked yet"),
    }
}

#[derive(Debug)]
struct ReportRow {
    id: String,
    at: String,
    subject: String,
    from: String,
    verdict: Tag,
    score: u8,
    outcome: Tag,
}

#[derive(Debug)]
struct SenderRow {
    value: String,
    note: String,
    added: String,
}

#[derive(Debug, Template)]
#[template(path = "triage.html")]
struct TriagePage {
    layout: Layout,
    rows: Vec<ReportRow>,
    senders: Vec<SenderRow>,
    can_upload: bool,
    /// What went wrong with the upload, if anything.
    upload_error: Option<String>,
    /// The add-a-sender form, for those who may change the list.
    form: Option<Form>,
    /// The receiving mail servers the office trusts, sorted.
    servers: Vec<String>,
    /// The trusted-servers form, for those who may change the list.
    servers_form: Option<Form>,
    /// Every error on the page, for the summary: (field id, message).
    errors: Vec<(&'static str, String)>,
    can_manage: bool,
    /// The upload limit, in words.
    max_size: String,
    notice: Option<&'static str>,
}

#[derive(Debug)]
struct ReasonRow {
    weight: i8,
    explanation: String,
    code: String,
}

#[derive(Debug, Template)]
#[template(path = "triage_report.html")]
struct ReportPage {
    layout: Layout,
    id: String,
    at: String,
    subject: String,
    from: String,
    verdict: Tag,
    /// The verdict's headline, for the banner.
    headline: &'static str,
    score: u8,
    reasons: Vec<ReasonRow>,
    advice: &'static [&'static str],
    if_clicked: &'static [&'static str],
    outcome: Tag,
    can_judge: bool,
    /// The message made safe to show: only straight after the upload.
    view: Option<SafeView>,
    notice: Option<&'static str>,
}

fn sender_form(value: &str, note: &str) -> Form {
    Form::new(vec![
        Field::text("value", "Email address or domain", "off")
            .hint("For example accounts@printing.example.co.uk, or printing.example.co.uk for everyone there")
            .value(value.trim()),
        Field::text("note", "Who they are (optional)", "off").value(note.trim()),
    ])
}

fn servers_form(value: &str) -> Form {
    Form::new(vec![
        Field::text(SERVERS_FIELD, "Mail server", "off")
            .hint(
                "If your office's email is on Microsoft 365 (as Parliament's is), enter microsoft-365. Otherwise \
                 enter the name your mail server writes at the start of its Authentication-Results header, for \
                 example mx.google.com. Portcullis then believes that server when it says a message really came \
                 from its sender. Separate more than one with commas.",
            )
            .value(value.trim()),
    ])
}

/// `GET /triage`
pub(crate) async fn list(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let notice = match query_param(query.as_deref(), "done").as_deref() {
        Some("sender_added") => Some("The sender has been added to your office's known senders."),
        Some("sender_removed") => Some("The sender has been removed from your office's known senders."),
        Some("servers_set") => Some("Your office's mail server setting has been saved."),
        _ => None,
    };
    let form = permits(who.user.role, Action::ManageOffice).then(|| sender_form("", ""));
    list_page(&app, &who, layout, Listing { form, notice, ..Listing::default() }).await
}

/// What varies between renderings of the list page.
#[derive(Default)]
struct Listing {
    form: Option<Form>,
    /// The trusted-servers form as sent, when it had a mistake (otherwise
    /// managers get it filled with the current list).
    servers_form: Option<Form>,
    upload_error: Option<String>,
    notice: Option<&'static str>,
}

async fn list_page(
    app: &App,
    who: &portcullis_app::auth::SignedIn,
    layout: Layout,
    listing: Listing,
) -> Result<Html<String>, PageError> {
    let rows = app.phish_reports(who).await?.iter().map(report_row).collect();
    let senders = app
        .known_senders(who)
        .await?
        .into_iter()
        .map(|s| SenderRow { value: s.value, note: s.note, added: date_time(s.added_at) })
        .collect();
    let servers = app.trusted_servers(who).await?;
    let servers_form = listing
        .servers_form
        .or_else(|| permits(who.user.role, Action::ManageOffice).then(|| servers_form(&servers.join(", "))));
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    if let Some(e) = &listing.upload_error {
        errors.push((FILE_FIELD, e.clone()));
    }
    for form in [&listing.form, &servers_form].into_iter().flatten() {
        errors.extend(form.errors().into_iter().map(|(id, m)| (id, m.to_owned())));
    }
    render(&TriagePage {
        layout,
        rows,
        senders,
        can_upload: permits(who.user.role, Action::RunChecks),
        upload_error: listing.upload_error,
        can_manage: listing.form.is_some(),
        form: listing.form,
        servers,
        servers_form,
        errors,
        max_size: portcullis_app::size_in_words(app.triage_limits().max_message_bytes),
        notice: listing.notice,
    })
}

fn report_row(r: &PhishReport) -> ReportRow {
    ReportRow {
        id: r.report.id.to_string(),
        at: date_time(r.report.reported_at),
        subject: shown_subject(&r.report.subject),
        from: r.report.from_address.clone(),
        verdict: verdict_tag(&r.report.verdict),
        score: r.report.score,
        outcome: outcome_tag(r.outcome),
    }
}

fn shown_subject(subject: &str) -> String {
    if subject.trim().is_empty() { "(no subject)".to_owned() } else { subject.to_owned() }
}

/// `POST /triage`: triage the uploaded email and show the result, with the
/// safe view (this once: the body is not kept).
pub(crate) async fn upload(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let file = match form {
        Ok(form) => super::read_upload(form, FILE_FIELD).await?,
        Err(_) => None,
    };
    let error = match file {
        None => "Select an email file (.eml or .msg) to check".to_owned(),
        Some((name, bytes)) => match app.triage_upload(&who, &bytes, &name).await {
            Ok(done) => {
                return Ok(result_page(layout, done, permits(who.user.role, Action::RunChecks))?.into_response());
            }
            Err(PhishError::Unreadable(message)) => message,
            Err(PhishError::Other(e)) => return Err(e.into()),
            Err(PhishError::Sender(_) | PhishError::AlreadyListed | PhishError::NotListed | PhishError::Servers(_)) => {
                return Err(PageError::Internal);
            }
        },
    };
    let form = permits(who.user.role, Action::ManageOffice).then(|| sender_form("", ""));
    let listing = Listing { form, upload_error: Some(error), ..Listing::default() };
    Ok(list_page(&app, &who, layout, listing).await?.into_response())
}

fn result_page(layout: Layout, done: Triaged, can_judge: bool) -> Result<Html<String>, PageError> {
    let mut page = report_page(layout, &done.report, can_judge);
    page.view = Some(done.view);
    render(&page)
}

fn report_page(layout: Layout, r: &PhishReport, can_judge: bool) -> ReportPage {
    let verdict = match r.report.verdict.as_str() {
        "phishing" => Verdict::Phishing,
        "suspicious" => Verdict::Suspicious,
        _ => Verdict::Clean,
    };
    ReportPage {
        layout,
        id: r.report.id.to_string(),
        at: date_time(r.report.reported_at),
        subject: shown_subject(&r.report.subject),
        from: r.report.from_address.clone(),
        verdict: verdict_tag(&r.report.verdict),
        headline: match verdict {
            Verdict::Phishing => "This looks like phishing",
            Verdict::Suspicious => "This email is suspicious",
            Verdict::Clean => "Nothing suggests an attack",
        },
        score: r.report.score,
        reasons: r
            .report
            .reasons
            .iter()
            .map(|x| ReasonRow { weight: x.weight, explanation: x.explanation.clone(), code: x.code.clone() })
            .collect(),
        advice: advice::now(verdict),
        if_clicked: advice::IF_CLICKED,
        outcome: outcome_tag(r.outcome),
        can_judge,
        view: None,
        notice: None,
    }
}

/// `GET /triage/{id}`: a stored report (its body was never kept).
pub(crate) async fn show(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let report = app.phish_report(&who, &id).await?;
    let mut page = report_page(layout, &report, permits(who.user.role, Action::RunChecks));
    page.notice = match query_param(query.as_deref(), "done").as_deref() {
        Some("safe") => Some("Marked as safe. Portcullis will treat mail from this sender as genuine next time."),
        Some("phishing") => Some("Marked as phishing. Portcullis will warn about mail from this sender next time."),
        _ => None,
    };
    render(&page)
}

/// What the feedback buttons send.
#[derive(Deserialize)]
pub(crate) struct OutcomeForm {
    #[serde(default)]
    outcome: String,
}

/// `POST /triage/{id}/outcome`: "This was safe" / "This was phishing".
pub(crate) async fn outcome(
    State(app): State<App>,
    Full(who): Full,
    Path(id): Path<String>,
    Posted(sent): Posted<OutcomeForm>,
) -> Result<Redirect, PageError> {
    let Some(outcome) = Outcome::parse(&sent.outcome) else {
        // Not found first, so a made-up id answers the same whatever is sent.
        app.phish_report(&who, &id).await?;
        return Err(AppError::Refused("Choose whether the email was safe or phishing".to_owned()).into());
    };
    app.record_phish_outcome(&who, &id, outcome).await?;
    Ok(Redirect::to(&format!("/triage/{id}?done={}", outcome.as_str())))
}

/// What the add-a-sender form sends.
#[derive(Deserialize)]
pub(crate) struct SenderForm {
    #[serde(default)]
    value: String,
    #[serde(default)]
    note: String,
}

/// `POST /triage/senders`
pub(crate) async fn add_sender(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Posted(sent): Posted<SenderForm>,
) -> Result<Response, PageError> {
    let error = match app.add_known_sender(&who, &sent.value, &sent.note).await {
        Ok(_) => return Ok(Redirect::to("/triage?done=sender_added").into_response()),
        Err(e @ (PhishError::Sender(_) | PhishError::AlreadyListed)) => e.to_string(),
        Err(PhishError::Other(e)) => return Err(e.into()),
        Err(PhishError::Unreadable(_) | PhishError::NotListed | PhishError::Servers(_)) => {
            return Err(PageError::Internal);
        }
    };
    let mut form = sender_form(&sent.value, &sent.note);
    form.set_errors(&[("value", error)]);
    let listing = Listing { form: Some(form), ..Listing::default() };
    Ok(list_page(&app, &who, layout, listing).await?.into_response())
}

/// What a remove button sends.
#[derive(Deserialize)]
pub(crate) struct RemoveForm {
    #[serde(default)]
    value: String,
}

/// `POST /triage/senders/remove`
pub(crate) async fn remove_sender(
    State(app): State<App>,
    Full(who): Full,
    Posted(sent): Posted<RemoveForm>,
) -> Result<Redirect, PageError> {
    match app.remove_known_sender(&who, &sent.value).await {
        Ok(()) => Ok(Redirect::to("/triage?done=sender_removed")),
        Err(PhishError::Other(e)) => Err(e.into()),
        Err(_) => Err(PageError::NotFound),
    }
}

/// What the trusted-servers form sends.
#[derive(Deserialize)]
pub(crate) struct ServersForm {
    #[serde(default)]
    servers: String,
}

/// `POST /triage/servers`: replace the mail servers the office trusts
/// (an empty box clears them).
pub(crate) async fn set_servers(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Posted(sent): Posted<ServersForm>,
) -> Result<Response, PageError> {
    let error = match app.set_trusted_servers(&who, &sent.servers).await {
        Ok(_) => return Ok(Redirect::to("/triage?done=servers_set").into_response()),
        Err(e @ PhishError::Servers(_)) => e.to_string(),
        Err(PhishError::Other(e)) => return Err(e.into()),
        Err(PhishError::Unreadable(_) | PhishError::Sender(_) | PhishError::AlreadyListed | PhishError::NotListed) => {
            return Err(PageError::Internal);
        }
    };
    let mut form = servers_form(&sent.servers);
    form.set_errors(&[(SERVERS_FIELD, error)]);
    let listing = Listing { form: Some(sender_form("", "")), servers_form: Some(form), ..Listing::default() };
    Ok(list_page(&app, &who, layout, listing).await?.into_response())
}

/// An attachment's size in words.
pub(crate) fn size_text(bytes: &usize) -> String {
    portcullis_app::size_in_words(*bytes)
}
