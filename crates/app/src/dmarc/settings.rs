//! Which office a command works on, the office's report settings, and what
//! the web pages read.

use portcullis_store::{DmarcSettings, ReportedDomain, StoredFailure};
use portcullis_types::OfficeId;

use crate::auth::SignedIn;
use crate::policy::Action;
use crate::{Actor, App, AppError};

/// Failure reports kept at most this long, in days.
pub const MAX_RETENTION_DAYS: u32 = 365;
/// DKIM selectors learnt from reports of this many recent days.
const SELECTOR_DAYS: i64 = 90;

impl App {
    /// The office a command-line action is for: the one named (by id or
    /// name, ignoring case) or, when none is named, the only office there is.
    pub async fn cli_office(&self, wanted: Option<&str>) -> Result<OfficeId, AppError> {
        let offices = self.store().list_offices().await?;
        let chosen = match wanted.map(str::trim) {
            Some(w) => offices.iter().find(|o| o.id.to_string() == w || o.name.as_str().eq_ignore_ascii_case(w)),
            None if offices.len() == 1 => offices.first(),
            None if offices.is_empty() => {
                return Err(AppError::Refused(
                    "there is no office yet: set one up first (portcullis serve, then the setup page, or \
                     portcullis office create NAME)"
                        .into(),
                ));
            }
            None => {
                return Err(AppError::Refused(format!(
                    "there are {} offices; say which with --office (see portcullis office list)",
                    offices.len()
                )));
            }
        };
        chosen.map(|o| o.id).ok_or_else(|| AppError::NotFound(format!("the office '{}'", wanted.unwrap_or_default())))
    }

    /// The office's report settings.
    pub async fn dmarc_settings(&self, office: OfficeId) -> Result<DmarcSettings, AppError> {
        Ok(self.store().dmarc_settings(office).await?)
    }

    /// Change the office's report settings, auditing the change.
    pub async fn set_dmarc_settings(
        &self,
        office: OfficeId,
        actor: &Actor,
        settings: DmarcSettings,
    ) -> Result<(), AppError> {
        if settings.failure_retention_days == 0 || settings.failure_retention_days > MAX_RETENTION_DAYS {
            return Err(AppError::Refused(format!("failure reports can be kept for 1 to {MAX_RETENTION_DAYS} days")));
        }
        self.store().set_dmarc_settings(office, &settings).await?;
        let detail = if settings.keep_failure_reports {
            format!("failure reports kept for {} days", settings.failure_retention_days)
        } else {
            "failure reports not kept".to_owned()
        };
        self.audit(office, actor, "dmarc.settings_changed", None, &detail).await?;
        if !settings.keep_failure_reports {
            // Turning them off forgets the ones kept so far.
            self.store()
                .purge_failure_reports(office, portcullis_types::Timestamp::from_unix_micros_saturating(i64::MAX))
                .await?;
        }
        Ok(())
    }

    /// Change the signed-in person's office's report settings (managers only).
    pub async fn update_dmarc_settings(&self, who: &SignedIn, settings: DmarcSettings) -> Result<(), AppError> {
        let office = self.require(who, Action::ManageOffice).await?;
        self.set_dmarc_settings(office, &Actor::User(who.user.email.to_string()), settings).await
    }

    /// The domains the signed-in person's office has reports about.
    pub async fn reported_domains(&self, who: &SignedIn) -> Result<Vec<ReportedDomain>, AppError> {
        let office = self.require(who, Action::ViewChecks).await?;
        Ok(self.store().reported_domains(office).await?)
    }

    /// The summary of one domain's reports for the signed-in person's office
    /// (cached sender names only: a page never waits for DNS).
    pub async fn dmarc_domain_summary(
        &self,
        who: &SignedIn,
        domain: &str,
        days: u32,
    ) -> Result<portcullis_dmarc::summary::Summary, AppError> {
        let office = self.require(who, Action::ViewChecks).await?;
        self.dmarc_summary(office, domain, days, false).await
    }

    /// Everything the dashboard of one domain shows.
    pub async fn dmarc_dashboard(&self, who: &SignedIn, domain: &str, days: u32) -> Result<Dashboard, AppError> {
        let office = self.require(who, Action::ViewChecks).await?;
        let summary = self.dmarc_summary(office, domain, days, false).await?;
        let tls = self.store().tls_reports(office, &summary.domain, summary.period.from).await?;
        let settings = self.store().dmarc_settings(office).await?;
        let failures = if settings.keep_failure_reports {
            self.store().failure_reports(office, Some(&summary.domain), 100).await?
        } else {
            Vec::new()
        };
        Ok(Dashboard { summary, tls, failures, settings })
    }

    /// DKIM selectors the office's recent reports show for `domain` (or
    /// its subdomains): domain checks try these as well as the usual ones.
    pub(crate) async fn learned_selectors(&self, office: OfficeId, domain: &str) -> Result<Vec<String>, AppError> {
        let since = self.clock().now().unix_seconds() - SELECTOR_DAYS * 86_400;
        let suffix = format!(".{domain}");
        let mut selectors: Vec<String> = self
            .store()
            .dmarc_tallies(office, domain, since)
            .await?
            .into_iter()
            .filter(|t| t.dkim_domain.as_deref().is_some_and(|d| d == domain || d.ends_with(&suffix)))
            .filter_map(|t| t.dkim_selector)
            .collect();
        selectors.sort();
        selectors.dedup();
        Ok(selectors)
    }
}

/// One domain's dashboard.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Senders, pass rates, readiness.
    pub summary: portcullis_dmarc::summary::Summary,
    /// TLS reports about the domain, newest first.
    pub tls: Vec<portcullis_dmarc::TlsReport>,
    /// Failure reports kept (none unless the office keeps them).
    pub failures: Vec<StoredFailure>,
    /// The office's settings.
    pub settings: DmarcSettings,
}
