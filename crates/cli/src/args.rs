//! The command-line grammar (the contract in DESIGN.md).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Portcullis: security checks, records and training for an MP's office.
#[derive(Debug, Parser)]
#[command(name = "portcullis", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Database to use: sqlite:///path/to/file.db or postgres://user@host/db
    /// [default: portcullis.db in the data directory]
    #[arg(long, global = true, env = "PORTCULLIS_DB", value_name = "URL")]
    pub db: Option<String>,

    /// Where Portcullis keeps its data [default: $XDG_DATA_HOME/portcullis]
    #[arg(long, global = true, env = "PORTCULLIS_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The server key file that seals second-factor secrets; keep it apart
    /// from the database and its backups [default: $XDG_CONFIG_HOME/portcullis/secret.key]
    #[arg(long, global = true, env = "PORTCULLIS_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// Print machine-readable JSON on stdout instead of text
    #[arg(long, global = true)]
    pub json: bool,

    /// Say more about what is happening (on stderr)
    #[arg(long, short, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web app for the office
    Serve(ServeArgs),
    /// Create or update the database schema, then exit (for rolling deploys)
    Migrate,
    /// Manage offices
    #[command(subcommand)]
    Office(OfficeCommand),
    /// Check an email domain's security records (SPF, DMARC, DKIM, MX,
    /// MTA-STS, TLS-RPT, BIMI, CAA, DNSSEC)
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Manage central operator accounts (for a deployment serving many offices)
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// DMARC aggregate and SMTP TLS reports: take them in, and see who sends
    /// mail as your domain and whether its policy can be tightened
    #[command(subcommand)]
    Dmarc(DmarcCommand),
    /// Check suspicious emails: is this phishing, and why
    #[command(subcommand)]
    Mail(MailCommand),
    /// Passwords in known breaches (Pwned Passwords), offline or by the
    /// k-anonymity API
    #[command(subcommand)]
    Breach(BreachCommand),
    /// Audit a password-manager export: breached, weak, reused and old
    /// passwords, and sites offering two-step sign-in it has not recorded
    #[command(subcommand)]
    Vault(VaultCommand),
}

/// Where breach counts come from: an offline index, or the range API.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct BreachSource {
    /// The offline index made by `portcullis breach index build`
    #[arg(long, value_name = "INDEX", env = "PORTCULLIS_BREACH_INDEX")]
    pub index: Option<PathBuf>,
    /// The Pwned Passwords range API (e.g. https://api.pwnedpasswords.com):
    /// only the first five hex digits of each password's SHA-1 are sent
    #[arg(long, value_name = "URL")]
    pub api: Option<String>,
}

/// `portcullis breach …`
#[derive(Debug, Subcommand)]
pub enum BreachCommand {
    /// The offline index
    #[command(subcommand)]
    Index(BreachIndexCommand),
    /// Say whether one password is in a known breach, and how often. It is
    /// read from a prompt that does not show it, or from stdin when piped,
    /// and never printed
    Check {
        #[command(flatten)]
        source: BreachSource,
    },
}

/// `portcullis breach index …`
#[derive(Debug, Subcommand)]
pub enum BreachIndexCommand {
    /// Build the offline index from the Pwned Passwords download
    /// (HASH:COUNT lines sorted by hash, SHA-1 or NTLM)
    Build {
        /// The corpus file
        #[arg(value_name = "CORPUS")]
        corpus: PathBuf,
        /// Where to write the index
        #[arg(long, value_name = "INDEX")]
        out: PathBuf,
    },
}

/// `portcullis vault …`
#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Audit an export from a password manager. The export never leaves
    /// this machine; delete it when done
    Audit {
        /// The export file
        #[arg(value_name = "EXPORT")]
        export: PathBuf,
        /// The export's format: auto, bitwarden-json, bitwarden-csv, keepass,
        /// 1password-1pux, 1password-csv, chrome-csv or firefox-csv
        #[arg(long, default_value = "auto", value_name = "F")]
        format: String,
        /// A file holding the KeePass master password (else it is asked for)
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// The KeePass key file, if the database uses one
        #[arg(long, value_name = "FILE")]
        keyfile: Option<PathBuf>,
        #[command(flatten)]
        source: BreachSource,
        /// 2fa.directory's entries.json, to say which sites offer two-step
        /// sign-in [default: twofactor/entries.json in the data directory]
        #[arg(long, value_name = "FILE", env = "PORTCULLIS_TWOFA_DIRECTORY")]
        twofa_directory: Option<PathBuf>,
        /// Record the findings (never a password or hash) in the office's
        /// database for this member, by sign-in address
        #[arg(long, value_name = "EMAIL")]
        record: Option<String>,
        /// The office to record in (name or id; needed when there are several)
        #[arg(long, requires = "record")]
        office: Option<String>,
    },
}

/// `portcullis mail …`
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Say how dangerous each email is and why: .eml files, mbox mailboxes,
    /// or folders of them
    Triage {
        /// Files or folders to check
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The office's own email domain (repeat for several): mail that
        /// imitates it is flagged
        #[arg(long = "office-domain", value_name = "DOMAIN")]
        office_domains: Vec<String>,
        /// The authserv-id of the office's own mail server, whose
        /// Authentication-Results headers are then believed (repeat for several)
        #[arg(long = "authserv-id", value_name = "ID")]
        authserv_ids: Vec<String>,
        /// A known sender (address or domain) the office trusts (repeat for several)
        #[arg(long = "known-sender", value_name = "ADDRESS")]
        known_senders: Vec<String>,
        /// Also check each message's DKIM signatures against the keys their
        /// senders publish in DNS now. Skipped, saying nothing, when DNS does
        /// not answer
        #[arg(long)]
        live_dkim: bool,
        /// Send the --live-dkim DNS queries to this resolver (IP:PORT) instead
        /// of the system's
        #[arg(long, value_name = "IP:PORT", requires = "live_dkim")]
        resolver: Option<std::net::SocketAddr>,
    },
    /// Empty the office's "report phishing" mailbox over IMAP: the email
    /// forwarded in each message (best forwarded as an attachment) is
    /// triaged and kept in the office's triage log, and the message moved
    /// to --move-to (or to --unreadable-to when no email could be read in
    /// it). Exits 1 when anything was phishing, suspicious or unreadable
    Fetch {
        #[command(flatten)]
        imap: ImapArgs,
        /// The folder to read
        #[arg(long, default_value = "INBOX", value_name = "FOLDER")]
        folder: String,
        /// Where triaged messages go
        #[arg(long, default_value = "Phishing-Triaged", value_name = "FOLDER")]
        move_to: String,
        /// Where messages with no readable email go
        #[arg(long, default_value = "Phishing-Unreadable", value_name = "FOLDER")]
        unreadable_to: String,
        /// The office the mailbox belongs to (name or id) [default: the only office]
        #[arg(long, value_name = "OFFICE")]
        office: Option<String>,
        /// Email the verdict and what to do now to whoever forwarded each
        /// message, when they are a member of the office (never to anyone
        /// else). The mail server is set as for serve, with PORTCULLIS_SMTP_URL
        #[arg(long)]
        reply: bool,
        /// The sender of replies
        #[arg(long, env = "PORTCULLIS_MAIL_FROM", value_name = "ADDRESS", default_value = DEFAULT_MAIL_FROM)]
        mail_from: String,
    },
}

/// The sender of Portcullis's emails unless `--mail-from` says otherwise.
const DEFAULT_MAIL_FROM: &str = "Portcullis <portcullis@localhost>";

/// `portcullis serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Add a demonstration office with made-up data, clearly marked as a demo
    #[arg(long)]
    pub demo: bool,
    /// The address people use to reach Portcullis, for links in emails and
    /// for passkeys (e.g. https://portcullis.example.org.uk). Default: the
    /// listening address, with "localhost" for a loopback one
    #[arg(long, env = "PORTCULLIS_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<url::Url>,
    /// The sender of Portcullis's emails. The mail server itself is set
    /// with the PORTCULLIS_SMTP_URL environment variable (kept out of the
    /// command line, where others could read its password), e.g.
    /// smtps://user:password@smtp.example.org.uk:465 or
    /// smtp://host:587?tls=required. Without it, emails are printed here
    #[arg(
        long,
        env = "PORTCULLIS_MAIL_FROM",
        value_name = "ADDRESS",
        default_value = DEFAULT_MAIL_FROM
    )]
    pub mail_from: String,
    /// A reverse proxy in front of Portcullis (repeat for more). Requests
    /// from it are attributed to the client address in its
    /// X-Forwarded-For header; from anywhere else the header is ignored
    #[arg(long = "trust-proxy", value_name = "IP")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The DNS resolver for domain checks (IP:PORT) [default: the system's]
    #[arg(long, env = "PORTCULLIS_RESOLVER", value_name = "IP:PORT")]
    pub resolver: Option<SocketAddr>,
}

/// `portcullis office …`
#[derive(Debug, Subcommand)]
pub enum OfficeCommand {
    /// Create an office and print its id
    Create {
        /// The office's name, e.g. "Office of Jane Smith MP"
        name: String,
    },
    /// List offices
    List,
}

/// `portcullis domain …`
#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Check one or more domains; exits 1 when any check fails
    Check {
        /// The domains, e.g. jane-smith.org.uk
        #[arg(required = true, value_name = "DOMAIN")]
        domains: Vec<String>,
        /// Send every DNS query to this resolver (IP:PORT) instead of the
        /// system's
        #[arg(long, value_name = "IP:PORT")]
        resolver: Option<std::net::SocketAddr>,
        /// A DKIM selector your mail uses (the s= of a DKIM-Signature
        /// header); repeat for more. Common ones are tried anyway
        #[arg(long = "dkim-selector", value_name = "S")]
        dkim_selectors: Vec<String>,
    },
    /// Re-check the watched domains of every office that are due (not
    /// checked for a day), record changes, audit them and email the
    /// managers; repeat every 10 minutes unless --once
    Monitor {
        /// Check what is due once and exit (for cron or a systemd timer)
        #[arg(long)]
        once: bool,
        /// Send every DNS query to this resolver (IP:PORT) instead of the
        /// system's
        #[arg(long, env = "PORTCULLIS_RESOLVER", value_name = "IP:PORT")]
        resolver: Option<std::net::SocketAddr>,
        /// The sender of change alerts (the mail server is set as for serve,
        /// with PORTCULLIS_SMTP_URL)
        #[arg(long, env = "PORTCULLIS_MAIL_FROM", value_name = "ADDRESS", default_value = DEFAULT_MAIL_FROM)]
        mail_from: String,
    },
    /// Print the records to publish, as a staged rollout (monitor, then
    /// quarantine, then reject)
    Suggest {
        /// The domain, e.g. jane-smith.org.uk
        domain: String,
        /// A service that sends mail as the domain: microsoft365, google,
        /// mailchimp, sendgrid, mailgun, amazonses, zoho, fastmail,
        /// protonmail (repeat for more; none means the domain sends no mail)
        #[arg(long = "sends-via", value_name = "SERVICE")]
        sends_via: Vec<String>,
        /// Where DMARC and TLS reports go [default: dmarc-reports@DOMAIN]
        #[arg(long, value_name = "ADDRESS")]
        report_to: Option<String>,
    },
}

/// `portcullis dmarc …`
#[derive(Debug, Subcommand)]
pub enum DmarcCommand {
    /// Read report files: .xml, .xml.gz, .zip, .json(.gz) TLS reports, and
    /// emails (.eml, mbox) carrying them; directories are read recursively.
    /// Exits 1 when any file could not be read (the rest are still stored)
    Ingest {
        /// Files or directories
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The office the reports belong to (name or id) [default: the only office]
        #[arg(long, value_name = "OFFICE")]
        office: Option<String>,
    },
    /// Pull reports from an IMAP mailbox: every message in --folder is read,
    /// then moved to --move-to (or to --unreadable-to when it holds no
    /// readable report)
    Fetch {
        #[command(flatten)]
        imap: ImapArgs,
        /// The folder to read
        #[arg(long, default_value = "INBOX", value_name = "FOLDER")]
        folder: String,
        /// Where read messages go
        #[arg(long, default_value = "DMARC-Processed", value_name = "FOLDER")]
        move_to: String,
        /// Where messages with no readable report go
        #[arg(long, default_value = "DMARC-Unreadable", value_name = "FOLDER")]
        unreadable_to: String,
        /// The office the reports belong to (name or id) [default: the only office]
        #[arg(long, value_name = "OFFICE")]
        office: Option<String>,
    },
    /// Who sends mail as DOMAIN, how much of it passes, and whether the
    /// DMARC policy can move on (none → quarantine → reject). Exits 1 when
    /// senders need fixing
    Summary {
        /// The domain, e.g. jane-smith.org.uk
        domain: String,
        /// How many days of reports to look at
        #[arg(long, default_value_t = 30, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=366))]
        days: u32,
        /// Do not look up names of sending machines (use only names already known)
        #[arg(long)]
        offline: bool,
        /// Send reverse-DNS queries to this resolver (IP:PORT) instead of the system's
        #[arg(long, env = "PORTCULLIS_RESOLVER", value_name = "IP:PORT")]
        resolver: Option<SocketAddr>,
        /// The office (name or id) [default: the only office]
        #[arg(long, value_name = "OFFICE")]
        office: Option<String>,
    },
    /// Show or change the office's report settings
    Settings {
        /// Keep DMARC failure reports (they describe single messages, so they
        /// are personal data; off unless you turn it on)
        #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
        failure_reports: Option<String>,
        /// Days failure reports are kept before deletion (1 to 365)
        #[arg(long, value_name = "DAYS")]
        retention_days: Option<u32>,
        /// The office (name or id) [default: the only office]
        #[arg(long, value_name = "OFFICE")]
        office: Option<String>,
    },
}

/// `portcullis operator …`
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Add an operator account. The password is read from a prompt that
    /// does not show it, or from the first line of stdin
    Add {
        /// The operator's sign-in address
        #[arg(long)]
        email: String,
        /// The operator's name
        #[arg(long)]
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_help() {
        fn walk(cmd: &clap::Command) {
            assert!(cmd.get_about().is_some(), "command '{}' has no help text", cmd.get_name());
            for sub in cmd.get_subcommands() {
                walk(sub);
            }
        }
        walk(&Cli::command());
    }
}

/// How to reach an IMAP mailbox (`dmarc fetch`, `mail fetch`).
#[derive(Debug, Args)]
pub struct ImapArgs {
    /// The IMAP server's host name
    #[arg(long = "imap", value_name = "HOST")]
    pub host: String,
    /// The port [default: 993 with --tls, 143 with --starttls]
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// The mailbox user name
    #[arg(long, value_name = "USER")]
    pub user: String,
    /// A file whose first line is the password (kept off the command line,
    /// where others could read it)
    #[arg(long, value_name = "FILE")]
    pub password_file: PathBuf,
    /// Connect with TLS from the start (the default)
    #[arg(long, conflicts_with = "starttls")]
    pub tls: bool,
    /// Connect in plain text, then upgrade with STARTTLS
    #[arg(long)]
    pub starttls: bool,
    /// Also trust this CA certificate (PEM) for the server, e.g. a private one
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}
