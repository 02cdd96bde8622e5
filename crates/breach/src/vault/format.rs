//! The export formats, by the names the CLI's `--format` takes.

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Work it out from the name and the first bytes.
    Auto,
    /// Bitwarden's unencrypted `.json` export.
    BitwardenJson,
    /// Bitwarden's `.csv` export.
    BitwardenCsv,
    /// A KeePass `.kdbx` database (needs a [`super::VaultKey`]).
    Keepass,
    /// 1Password's `.1pux` export (a zip holding `export.data`).
    OnePassword1pux,
    /// 1Password's `.csv` export.
    OnePasswordCsv,
    /// Chrome's (and Edge's) "Export passwords" `.csv`.
    ChromeCsv,
    /// Firefox's "Export Logins" `.csv`.
    FirefoxCsv,
}

impl Format {
    /// Every format's name as the CLI writes it, in order.
    pub const NAMES: [&'static str; 8] = [
        "auto",
        "bitwarden-json",
        "bitwarden-csv",
        "keepass",
        "1password-1pux",
        "1password-csv",
        "chrome-csv",
        "firefox-csv",
    ];

    /// The format called `name` (one of [`Format::NAMES`]).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "auto" => Self::Auto,
            "bitwarden-json" => Self::BitwardenJson,
            "bitwarden-csv" => Self::BitwardenCsv,
            "keepass" => Self::Keepass,
            "1password-1pux" => Self::OnePassword1pux,
            "1password-csv" => Self::OnePasswordCsv,
            "chrome-csv" => Self::ChromeCsv,
            "firefox-csv" => Self::FirefoxCsv,
            _ => return None,
        })
    }

    /// The format's CLI name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::BitwardenJson => "bitwarden-json",
            Self::BitwardenCsv => "bitwarden-csv",
            Self::Keepass => "keepass",
            Self::OnePassword1pux => "1password-1pux",
            Self::OnePasswordCsv => "1password-csv",
            Self::ChromeCsv => "chrome-csv",
            Self::FirefoxCsv => "firefox-csv",
        }
    }
}
