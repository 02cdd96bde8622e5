//! The record generator: what an office should publish, given who sends its
//! mail, as a staged rollout — SPF and DMARC in monitoring mode with
//! reports first, then quarantine, then reject; MTA-STS in testing mode,
//! then enforce; TLS-RPT from the start.

use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;

use crate::name::DomainName;

/// A service that sends or receives mail for the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Microsoft 365 / Exchange Online.
    Microsoft365,
    /// Google Workspace.
    Google,
    /// Mailchimp (Mandrill) newsletters.
    Mailchimp,
    /// Twilio SendGrid.
    Sendgrid,
    /// Mailgun.
    Mailgun,
    /// Amazon SES.
    Amazonses,
    /// Zoho Mail.
    Zoho,
    /// Fastmail.
    Fastmail,
    /// Proton Mail.
    Protonmail,
}

impl Provider {
    /// Every provider, for help text and errors.
    pub const ALL: [Self; 9] = [
        Self::Microsoft365,
        Self::Google,
        Self::Mailchimp,
        Self::Sendgrid,
        Self::Mailgun,
        Self::Amazonses,
        Self::Zoho,
        Self::Fastmail,
        Self::Protonmail,
    ];

    /// The name used on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Microsoft365 => "microsoft365",
            Self::Google => "google",
            Self::Mailchimp => "mailchimp",
            Self::Sendgrid => "sendgrid",
            Self::Mailgun => "mailgun",
            Self::Amazonses => "amazonses",
            Self::Zoho => "zoho",
            Self::Fastmail => "fastmail",
            Self::Protonmail => "protonmail",
        }
    }

    /// The SPF include the provider documents for its customers.
    const fn spf_include(self) -> &'static str {
        match self {
            Self::Microsoft365 => "spf.protection.outlook.com",
            Self::Google => "_spf.google.com",
            Self::Mailchimp => "servers.mcsv.net",
            Self::Sendgrid => "sendgrid.net",
            Self::Mailgun => "mailgun.org",
            Self::Amazonses => "amazonses.com",
            // Zoho's EU data centre, where UK accounts live (zoho.com for US ones).
            Self::Zoho => "zoho.eu",
            Self::Fastmail => "spf.messagingengine.com",
            Self::Protonmail => "_spf.protonmail.ch",
        }
    }

    /// MX host patterns for an MTA-STS policy, for providers that receive
    /// the domain's mail.
    const fn mx_patterns(self) -> &'static [&'static str] {
        match self {
            Self::Microsoft365 => &["*.mail.protection.outlook.com"],
            Self::Google => &["smtp.google.com", "aspmx.l.google.com", "*.aspmx.l.google.com"],
            Self::Zoho => &["*.zoho.eu"],
            Self::Fastmail => &["*.messagingengine.com"],
            Self::Protonmail => &["*.protonmail.ch"],
            Self::Mailchimp | Self::Sendgrid | Self::Mailgun | Self::Amazonses => &[],
        }
    }

    /// Where to turn DKIM on, in the provider's words.
    const fn dkim_hint(self) -> &'static str {
        match self {
            Self::Microsoft365 => {
                "Microsoft 365: Defender portal → Email authentication settings → DKIM → enable; publish the selector1 and selector2 CNAMEs it shows."
            }
            Self::Google => {
                "Google Workspace: Admin console → Apps → Gmail → Authenticate email → generate a 2048-bit key."
            }
            Self::Mailchimp => {
                "Mailchimp: Settings → Domains → authenticate the domain; publish the k2 and k3 CNAMEs it shows."
            }
            Self::Sendgrid => "SendGrid: Settings → Sender Authentication → authenticate your domain.",
            Self::Mailgun => "Mailgun: Sending → Domains → DNS records; publish the DKIM TXT record it shows.",
            Self::Amazonses => "Amazon SES: verified identities → Easy DKIM (2048-bit); publish the three CNAMEs.",
            Self::Zoho => "Zoho Mail: Admin console → Domains → Email configuration → DKIM.",
            Self::Fastmail => "Fastmail: Settings → Domains → the DKIM CNAMEs (fm1, fm2, fm3).",
            Self::Protonmail => "Proton: Settings → Domain names → DKIM; publish the three CNAMEs.",
        }
    }
}

impl FromStr for Provider {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
        let alias = match wanted.as_str() {
            "m365" | "office365" | "o365" | "outlook" | "exchangeonline" => "microsoft365",
            "gmail" | "googleworkspace" | "gsuite" => "google",
            "mandrill" => "mailchimp",
            "ses" | "amazon" => "amazonses",
            "proton" => "protonmail",
            other => other,
        };
        Self::ALL.into_iter().find(|p| p.as_str() == alias).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|p| p.as_str()).collect();
            format!("unknown mail service '{}'; choose from {}", s.trim(), names.join(", "))
        })
    }
}

/// One record to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The DNS name.
    pub name: String,
    /// `TXT`, `MX`, `CNAME`…
    pub rtype: &'static str,
    /// The value, in the form a DNS control panel takes.
    pub value: String,
}

/// One step of the rollout.
#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    /// What this step is for, and when to take the next.
    pub title: String,
    /// Records to publish (replacing the previous step's at the same name).
    pub records: Vec<Record>,
    /// Other things to do at this step.
    pub notes: Vec<String>,
}

/// Records for `domain` sending via `providers`, in the order to publish
/// them. `report_to` receives DMARC and TLS reports (default: `dmarc-reports@domain`).
pub fn rollout(domain: &DomainName, providers: &[Provider], report_to: Option<&str>) -> Vec<Stage> {
    let default_reports = format!("dmarc-reports@{domain}");
    let reports = report_to.unwrap_or(&default_reports);
    let dmarc = |policy: &str| Record {
        name: domain.under("_dmarc"),
        rtype: "TXT",
        value: format!("v=DMARC1; p={policy}; rua=mailto:{reports}; adkim=r; aspf=r"),
    };
    let spf = Record { name: domain.to_string(), rtype: "TXT", value: spf_record(providers) };
    let tlsrpt =
        Record { name: domain.under("_smtp._tls"), rtype: "TXT", value: format!("v=TLSRPTv1; rua=mailto:{reports}") };
    let patterns: Vec<&str> = providers.iter().flat_map(|p| p.mx_patterns().iter().copied()).collect();
    let mut first = Stage {
        title: "Step 1 (now): say who sends your mail and start receiving reports. Nothing is blocked yet.".into(),
        records: vec![spf, dmarc("none"), tlsrpt],
        notes: providers.iter().map(|p| p.dkim_hint().to_owned()).collect(),
    };
    first.notes.push(format!(
        "Keep only one SPF record at {domain}: replace any existing one. Add every other service that sends as {domain} (newsletters, case-management systems, website forms) before moving on."
    ));
    let mut stages = vec![first];
    if !patterns.is_empty() {
        stages.push(mta_sts_stage(domain, &patterns, "testing", 86_400));
    }
    stages.push(Stage {
        title: "Step 2 (after 2–4 weeks of reports showing all your own mail passes): send failing mail to junk."
            .into(),
        records: vec![dmarc("quarantine")],
        notes: vec!["Check the reports first: `portcullis dmarc summary` says when it is safe.".into()],
    });
    stages.push(Stage {
        title: "Step 3 (after 2–4 more weeks without problems): reject mail that pretends to be you.".into(),
        records: vec![dmarc("reject")],
        notes: Vec::new(),
    });
    if !patterns.is_empty() {
        stages.push(mta_sts_stage(domain, &patterns, "enforce", 1_209_600));
    }
    stages
}

fn spf_record(providers: &[Provider]) -> String {
    let mut value = "v=spf1".to_owned();
    for provider in providers {
        let _ = write!(value, " include:{}", provider.spf_include());
    }
    value.push_str(" -all");
    value
}

fn mta_sts_stage(domain: &DomainName, patterns: &[&str], mode: &str, max_age: u32) -> Stage {
    let mut policy = format!("version: STSv1\nmode: {mode}\n");
    for pattern in patterns {
        let _ = writeln!(policy, "mx: {pattern}");
    }
    let _ = writeln!(policy, "max_age: {max_age}");
    let id = if mode == "testing" { "1" } else { "2" };
    let title = if mode == "testing" {
        "Step 1b: MTA-STS in testing mode: senders report, but still deliver, if your mail servers' TLS is wrong."
    } else {
        "Step 4 (when TLS reports show no failures): MTA-STS enforce: senders refuse to deliver without valid TLS."
    };
    Stage {
        title: title.into(),
        records: vec![Record { name: domain.under("_mta-sts"), rtype: "TXT", value: format!("v=STSv1; id={id}") }],
        notes: vec![format!(
            "Serve this file at https://mta-sts.{domain}/.well-known/mta-sts.txt (a valid certificate for mta-sts.{domain}; change the id in the TXT record whenever the file changes):\n{policy}"
        )],
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn an_office_on_microsoft_365_with_newsletters_gets_a_staged_plan() {
        let domain = DomainName::parse("jane-smith.org.uk").unwrap();
        let providers = ["m365".parse::<Provider>().unwrap(), "mailchimp".parse().unwrap()];

        let stages = rollout(&domain, &providers, None);

        let first = &stages[0].records;
        assert_eq!(first[0].value, "v=spf1 include:spf.protection.outlook.com include:servers.mcsv.net -all");
        assert_eq!(first[1].name, "_dmarc.jane-smith.org.uk");
        assert!(first[1].value.starts_with("v=DMARC1; p=none; rua=mailto:dmarc-reports@jane-smith.org.uk"));
        assert_eq!(first[2].name, "_smtp._tls.jane-smith.org.uk");
        let policies: Vec<&str> = stages
            .iter()
            .flat_map(|s| &s.records)
            .filter(|r| r.name.starts_with("_dmarc"))
            .map(|r| r.value.as_str())
            .collect();
        assert!(
            policies[0].contains("p=none") && policies[1].contains("p=quarantine") && policies[2].contains("p=reject")
        );
        let sts: Vec<&Stage> = stages.iter().filter(|s| s.records[0].name.starts_with("_mta-sts")).collect();
        assert_eq!(sts.len(), 2);
        assert!(sts[0].notes[0].contains("mode: testing") && sts[1].notes[0].contains("mode: enforce"));
        assert!(sts[0].notes[0].contains("mx: *.mail.protection.outlook.com"));
    }

    #[test]
    fn a_domain_whose_mail_is_received_elsewhere_gets_no_mta_sts_and_unknown_services_are_named() {
        let domain = DomainName::parse("example.org").unwrap();
        let stages = rollout(&domain, &[Provider::Sendgrid], Some("reports@agency.example"));
        assert!(stages.iter().all(|s| !s.records[0].name.starts_with("_mta-sts")));
        assert!(stages[0].records[1].value.contains("rua=mailto:reports@agency.example"));
        let err = "hotmail".parse::<Provider>().unwrap_err();
        assert!(err.contains("unknown mail service 'hotmail'") && err.contains("microsoft365"), "{err}");
        assert_eq!(rollout(&domain, &[], None)[0].records[0].value, "v=spf1 -all", "sends no mail");
    }
}
