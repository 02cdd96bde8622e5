//! `/domains`: the office's email domains, each with a traffic light; one
//! domain's findings with the fix for each, its SPF include tree and what
//! changed over time; add, re-check and remove.

use askama::Template;
use axum::Form as Posted;
use axum::extract::{Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use portcullis_app::policy::{Action, permits};
use portcullis_app::{App, DomainError};
use portcullis_dnscheck::spf::SpfNode;
use portcullis_dnscheck::{Finding, Status};
use serde::Deserialize;

use super::query_param;
use crate::display::date_time;
use crate::error::PageError;
use crate::forms::{Field, Form};
use crate::layout::{Layout, render};
use crate::session::Full;

/// One domain in the list.
#[derive(Debug)]
struct DomainRow {
    domain: String,
    light: Light,
    checked: String,
}

/// A traffic light: tag colour and words.
#[derive(Debug, Clone, Copy)]
struct Light(&'static str, &'static str);

fn light(status: Option<Status>) -> Light {
    match status {
        Some(Status::Ok) => Light("green", "Good"),
        Some(Status::Warn) => Light("yellow", "Could be better"),
        Some(Status::Fail) => Light("red", "Needs fixing"),
        Some(Status::Unknown) => Light("grey", "Could not check"),
        None => Light("grey", "Not checked yet"),
    }
}

#[derive(Debug, Template)]
#[template(path = "domains.html")]
struct DomainsPage {
    layout: Layout,
    rows: Vec<DomainRow>,
    form: Option<Form>,
    notice: Option<&'static str>,
}

/// One check of the report.
#[derive(Debug)]
struct CheckSection {
    label: &'static str,
    light: Light,
    summary: Finding,
    details: Vec<Finding>,
}

/// One line of the SPF include tree, indented by depth.
#[derive(Debug)]
struct TreeLine {
    depth: usize,
    domain: String,
    text: String,
}

#[derive(Debug)]
struct ChangeRow {
    at: String,
    light: Light,
    changes: Vec<String>,
}

#[derive(Debug, Template)]
#[template(path = "domain.html")]
struct DomainPage {
    layout: Layout,
    domain: String,
    overall: Light,
    checked: String,
    sections: Vec<CheckSection>,
    tree: Vec<TreeLine>,
    history: Vec<ChangeRow>,
    can_check: bool,
    can_remove: bool,
    notice: Option<&'static str>,
}

fn add_form(value: &str) -> Form {
    Form::new(vec![
        Field::text("domain", "Domain", "off")
            .hint("The part of your email addresses after the @, for example jane-smith.org.uk")
            .value(value.trim()),
    ])
}

/// `GET /domains`
pub(crate) async fn list(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let notice = match query_param(query.as_deref(), "done").as_deref() {
        Some("removed") => Some("The domain has been removed from your list."),
        _ => None,
    };
    let form = permits(who.user.role, Action::ManageOffice).then(|| add_form(""));
    list_page(&app, &who, layout, form, notice).await
}

async fn list_page(
    app: &App,
    who: &portcullis_app::auth::SignedIn,
    layout: Layout,
    form: Option<Form>,
    notice: Option<&'static str>,
) -> Result<Html<String>, PageError> {
    let rows = app
        .domains(who)
        .await?
        .into_iter()
        .map(|d| DomainRow {
            light: light(d.worst),
            checked: d.last_checked_at.map_or_else(|| "Never".to_owned(), date_time),
            domain: d.domain,
        })
        .collect();
    render(&DomainsPage { layout, rows, form, notice })
}

/// What the add form sends.
#[derive(Deserialize)]
pub(crate) struct AddForm {
    #[serde(default)]
    domain: String,
}

/// `POST /domains`: add a domain and check it.
pub(crate) async fn add(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Posted(sent): Posted<AddForm>,
) -> Result<Response, PageError> {
    let error = if sent.domain.trim().is_empty() {
        "Enter a domain, for example jane-smith.org.uk".to_owned()
    } else {
        match app.watch_domain(&who, &sent.domain).await {
            Ok(name) => return Ok(Redirect::to(&format!("/domains/{name}?done=added")).into_response()),
            Err(e @ (DomainError::Name(_) | DomainError::AlreadyWatched)) => e.to_string(),
            Err(DomainError::NotWatched) => return Err(PageError::NotFound),
            Err(DomainError::Other(e)) => return Err(e.into()),
        }
    };
    let mut form = add_form(&sent.domain);
    form.set_errors(&[("domain", error)]);
    Ok(list_page(&app, &who, layout, Some(form), None).await?.into_response())
}

/// `GET /domains/{domain}`
pub(crate) async fn show(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Path(domain): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let detail = app.domain_detail(&who, &domain).await.map_err(domain_error)?;
    let notice = match query_param(query.as_deref(), "done").as_deref() {
        Some("added") => Some("The domain has been added and checked. Portcullis checks it again every day."),
        Some("checked") => Some("The domain has been checked again."),
        _ => None,
    };
    let report = detail.report.as_ref();
    render(&DomainPage {
        overall: light(report.map(portcullis_dnscheck::DomainReport::worst)),
        checked: detail.checked_at.map_or_else(|| "Never".to_owned(), date_time),
        sections: report.map(|r| sections(&r.findings)).unwrap_or_default(),
        tree: report.and_then(|r| r.spf_tree.as_ref()).map(tree_lines).unwrap_or_default(),
        history: detail
            .history
            .into_iter()
            .map(|c| ChangeRow { at: date_time(c.at), light: light(Some(c.worst)), changes: c.changes })
            .collect(),
        can_check: permits(who.user.role, Action::RunChecks),
        can_remove: permits(who.user.role, Action::ManageOffice),
        domain: detail.watched.domain,
        layout,
        notice,
    })
}

/// `POST /domains/{domain}/check`
pub(crate) async fn check(
    State(app): State<App>,
    Full(who): Full,
    Path(domain): Path<String>,
) -> Result<Redirect, PageError> {
    app.recheck_domain(&who, &domain).await.map_err(domain_error)?;
    Ok(Redirect::to(&format!("/domains/{domain}?done=checked")))
}

/// `POST /domains/{domain}/remove`
pub(crate) async fn remove(
    State(app): State<App>,
    Full(who): Full,
    Path(domain): Path<String>,
) -> Result<Redirect, PageError> {
    app.unwatch_domain(&who, &domain).await.map_err(domain_error)?;
    Ok(Redirect::to("/domains?done=removed"))
}

fn domain_error(e: DomainError) -> PageError {
    match e {
        DomainError::Other(e) => e.into(),
        DomainError::Name(_) | DomainError::AlreadyWatched | DomainError::NotWatched => PageError::NotFound,
    }
}

/// Findings grouped by check, summary first.
fn sections(findings: &[Finding]) -> Vec<CheckSection> {
    let mut out: Vec<CheckSection> = Vec::new();
    for finding in findings {
        match out.last_mut() {
            Some(section) if section.summary.check == finding.check => section.details.push(finding.clone()),
            _ => out.push(CheckSection {
                label: portcullis_app::check_label(finding.check),
                light: light(Some(finding.status)),
                summary: finding.clone(),
                details: Vec::new(),
            }),
        }
    }
    out
}

/// The include tree as indented lines, depth first.
fn tree_lines(root: &SpfNode) -> Vec<TreeLine> {
    let mut lines = Vec::new();
    let mut stack = vec![(0usize, root)];
    while let Some((depth, node)) = stack.pop() {
        let cost =
            if node.total_lookups == 1 { "1 lookup".to_owned() } else { format!("{} lookups", node.total_lookups) };
        let text = match (&node.record, &node.problem) {
            (_, Some(problem)) => format!("{cost}; {problem}"),
            (Some(record), None) => format!("{cost}: {record}"),
            (None, None) => cost,
        };
        lines.push(TreeLine { depth: depth.min(10), domain: node.domain.clone(), text });
        for child in node.children.iter().rev() {
            stack.push((depth + 1, child));
        }
    }
    lines
}
