//! `/dmarc`: what the DMARC aggregate, SMTP TLS and failure reports the
//! office has taken in say about its domains. The list of reported domains
//! (with the office's failure-report setting for managers to change), one
//! domain's dashboard, and one sender of that domain.

mod dashboard;
mod sender;
mod view;

pub(crate) use dashboard::show;
pub(crate) use sender::show as sender;

use askama::Template;
use axum::Form as Posted;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use portcullis_app::App;
use portcullis_app::auth::SignedIn;
use portcullis_app::dmarc::{DmarcSettings, MAX_RETENTION_DAYS};
use portcullis_app::policy::{Action, permits};
use serde::Deserialize;

use super::query_param;
use crate::error::PageError;
use crate::forms::{Choice, Field, Form, Radios};
use crate::layout::{Layout, render};
use crate::session::Full;

/// Days of reports a dashboard shows unless asked otherwise.
const DEFAULT_DAYS: u32 = 30;
/// The periods offered as links.
const PERIODS: [u32; 3] = [7, 30, 90];

/// The days asked for in the query string (`?days=N`): missing or garbled
/// means [`DEFAULT_DAYS`], and anything else is brought within 1 to the most
/// a summary covers.
fn days_from(query: Option<&str>) -> u32 {
    query_param(query, "days")
        .and_then(|d| d.trim().parse::<u64>().ok())
        .map_or(DEFAULT_DAYS, |d| u32::try_from(d).unwrap_or(u32::MAX).clamp(1, portcullis_app::dmarc::MAX_DAYS))
}

/// A domain as typed in an address: lower case, without a trailing dot.
fn normalise(domain: &str) -> String {
    domain.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The domain's name as the office's reports know it, or not found: a
/// domain without reports (or another office's) has no pages.
async fn reported(app: &App, who: &SignedIn, domain: &str) -> Result<String, PageError> {
    let wanted = normalise(domain);
    let known = app.reported_domains(who).await?;
    known.into_iter().map(|d| d.domain).find(|d| normalise(d) == wanted).ok_or(PageError::NotFound)
}

/// One reported domain in the list.
#[derive(Debug)]
struct DomainRow {
    domain: String,
    reports: String,
    messages: String,
    latest: String,
}

#[derive(Debug, Template)]
#[template(path = "dmarc.html")]
struct DmarcPage {
    layout: Layout,
    rows: Vec<DomainRow>,
    /// What the office does with failure reports, in words.
    keeping: String,
    /// The settings form, for those who may change them.
    form: Option<Form>,
    notice: Option<&'static str>,
}

const KEEP: &str = "keep_failure_reports";
const RETENTION: &str = "failure_retention_days";

fn settings_form(keep: &str, days: &str) -> Form {
    let radios = Radios::new(
        KEEP,
        "Keep DMARC failure reports?",
        vec![
            Choice {
                value: "yes",
                label: "Yes, keep them",
                hint: Some(
                    "Portcullis keeps only the domains, sending machines and results in them, and deletes \
                     each one after the number of days below.",
                ),
            },
            Choice {
                value: "no",
                label: "No, do not keep them",
                hint: Some("Recommended unless you are investigating someone sending email in your name."),
            },
        ],
    )
    .selected(keep);
    Form::new(vec![
        Field::text(RETENTION, "How many days to keep each failure report", "off")
            .hint("A whole number of days from 1 to 365")
            .width("pc-input--width-5")
            .value(days),
    ])
    .with_radios(radios)
}

/// The settings in words.
fn keeping(settings: &DmarcSettings) -> String {
    if settings.keep_failure_reports {
        format!(
            "Your office keeps DMARC failure reports, redacted, and deletes each one {} days after it arrives.",
            settings.failure_retention_days
        )
    } else {
        "Your office does not keep DMARC failure reports. Any that arrive are not stored.".to_owned()
    }
}

/// `GET /dmarc`
pub(crate) async fn list(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let notice = match query_param(query.as_deref(), "done").as_deref() {
        Some("settings") => Some("Your failure report settings have been saved."),
        _ => None,
    };
    let settings = office_settings(&app, &who).await?;
    let form = permits(who.user.role, Action::ManageOffice).then(|| {
        let keep = if settings.keep_failure_reports { "yes" } else { "no" };
        settings_form(keep, &settings.failure_retention_days.to_string())
    });
    list_page(&app, &who, layout, form, notice).await
}

async fn office_settings(app: &App, who: &SignedIn) -> Result<DmarcSettings, PageError> {
    let office = who.user.office_id.ok_or(PageError::NotFound)?;
    Ok(app.dmarc_settings(office).await?)
}

async fn list_page(
    app: &App,
    who: &SignedIn,
    layout: Layout,
    form: Option<Form>,
    notice: Option<&'static str>,
) -> Result<Html<String>, PageError> {
    let rows = app
        .reported_domains(who)
        .await?
        .into_iter()
        .map(|d| DomainRow {
            reports: view::thousands(d.reports),
            messages: view::thousands(d.messages),
            latest: view::day(d.latest),
            domain: d.domain,
        })
        .collect();
    let keeping = keeping(&office_settings(app, who).await?);
    render(&DmarcPage { layout, rows, keeping, form, notice })
}

/// What the settings form sends.
#[derive(Deserialize)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    keep_failure_reports: String,
    #[serde(default)]
    failure_retention_days: String,
}

/// The settings the form asks for, or what is wrong with each field.
fn parse_settings(sent: &SettingsForm) -> Result<DmarcSettings, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let keep = match sent.keep_failure_reports.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.push((KEEP, "Select whether to keep DMARC failure reports".to_owned()));
            None
        }
    };
    let typed = sent.failure_retention_days.trim();
    let days = if typed.is_empty() {
        errors.push((RETENTION, "Enter how many days to keep each failure report".to_owned()));
        None
    } else {
        match typed.parse::<u32>() {
            Ok(d) if (1..=MAX_RETENTION_DAYS).contains(&d) => Some(d),
            Ok(_) => {
                errors.push((RETENTION, format!("Enter a number of days from 1 to {MAX_RETENTION_DAYS}")));
                None
            }
            Err(_) => {
                errors.push((RETENTION, "Enter the number of days as a whole number, like 30".to_owned()));
                None
            }
        }
    };
    match (keep, days) {
        (Some(keep_failure_reports), Some(failure_retention_days)) if errors.is_empty() => {
            Ok(DmarcSettings { keep_failure_reports, failure_retention_days })
        }
        _ => Err(errors),
    }
}

/// `POST /dmarc/settings`
pub(crate) async fn save_settings(
    layout: Layout,
    State(app): State<App>,
    Full(who): Full,
    Posted(sent): Posted<SettingsForm>,
) -> Result<Response, PageError> {
    let errors = match parse_settings(&sent) {
        Ok(settings) => match app.update_dmarc_settings(&who, settings).await {
            Ok(()) => return Ok(Redirect::to("/dmarc?done=settings").into_response()),
            Err(portcullis_app::AppError::Refused(why)) => vec![(RETENTION, why)],
            Err(e) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    let mut form = settings_form(&sent.keep_failure_reports, &sent.failure_retention_days);
    form.set_errors(&errors);
    Ok(list_page(&app, &who, layout, Some(form), None).await?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(keep: &str, days: &str) -> SettingsForm {
        SettingsForm { keep_failure_reports: keep.to_owned(), failure_retention_days: days.to_owned() }
    }

    #[test]
    fn settings_are_read_from_the_form_or_each_problem_named() {
        let ok = parse_settings(&sent("yes", " 45 ")).unwrap();
        assert_eq!(ok, DmarcSettings { keep_failure_reports: true, failure_retention_days: 45 });
        assert!(!parse_settings(&sent("no", "30")).unwrap().keep_failure_reports);
        let errors = parse_settings(&sent("", "")).unwrap_err();
        assert_eq!(errors.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![KEEP, RETENTION]);
        for (days, says) in
            [("0", "from 1 to 365"), ("366", "from 1 to 365"), ("thirty", "whole number"), ("-1", "whole number")]
        {
            let errors = parse_settings(&sent("yes", days)).unwrap_err();
            assert!(errors.iter().any(|(id, m)| *id == RETENTION && m.contains(says)), "{days}: {errors:?}");
        }
    }

    #[test]
    fn the_period_defaults_to_30_days_and_is_kept_within_bounds() {
        assert_eq!(days_from(None), 30);
        assert_eq!(days_from(Some("days=7")), 7);
        assert_eq!(days_from(Some("days=abc")), 30);
        assert_eq!(days_from(Some("days=0")), 1);
        assert_eq!(days_from(Some("days=99999999999")), portcullis_app::dmarc::MAX_DAYS);
        assert_eq!(normalise(" Example.ORG. "), "example.org");
    }
}
