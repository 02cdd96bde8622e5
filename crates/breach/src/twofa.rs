//! Which sites offer two-step sign-in (2FA), and how.
//!
//! The facts come from the 2fa.directory data set (`entries.json`, an object
//! of service name → `{domain, additional-domains, tfa, documentation, …}`).
//! The data is not shipped in the repository: the caller reads the file from
//! a configured path and hands its bytes to [`Directory::from_json`].

use std::collections::HashMap;

use serde::Deserialize;

/// A way a service offers a second step at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// An authenticator app's six-digit codes (TOTP).
    Totp,
    /// A security key or passkey (FIDO U2F / WebAuthn).
    U2f,
    /// The service's own app ("approve this sign-in").
    CustomSoftware,
    /// The service's own hardware token.
    CustomHardware,
    /// A code by text message.
    Sms,
    /// A code by phone call.
    Call,
    /// A code by email.
    Email,
}

impl Method {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "totp" => Self::Totp,
            "u2f" => Self::U2f,
            "custom-software" => Self::CustomSoftware,
            "custom-hardware" => Self::CustomHardware,
            "sms" => Self::Sms,
            "call" => Self::Call,
            "email" => Self::Email,
            _ => return None,
        })
    }

    /// The method in words.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Totp => "an authenticator app",
            Self::U2f => "a security key or passkey",
            Self::CustomSoftware => "the service's own app",
            Self::CustomHardware => "the service's own token",
            Self::Sms => "text message",
            Self::Call => "phone call",
            Self::Email => "email",
        }
    }
}

/// One service in the directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Service {
    /// The service's name ("X (Twitter)").
    pub name: String,
    /// Its main domain.
    pub domain: String,
    /// How it offers 2FA; empty when it does not offer it at all.
    pub methods: Vec<Method>,
    /// Where its own instructions for turning 2FA on are.
    pub documentation: Option<String>,
}

impl Service {
    /// True when the service offers some second step.
    #[must_use]
    pub fn offers_2fa(&self) -> bool {
        !self.methods.is_empty()
    }

    /// True when it offers something stronger than a text or call: an app,
    /// a key or its own app.
    #[must_use]
    pub fn offers_app_or_key(&self) -> bool {
        self.methods.iter().any(|method| {
            matches!(method, Method::Totp | Method::U2f | Method::CustomSoftware | Method::CustomHardware)
        })
    }
}

/// Why the directory could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DirectoryError {
    /// Bigger than [`Directory::MAX_BYTES`].
    #[error("the 2FA directory is {0} bytes, more than the 32 MiB allowed")]
    TooLarge(usize),
    /// Not the directory's JSON.
    #[error("the 2FA directory is not valid: {0}")]
    Invalid(String),
}

/// The directory, indexed by domain.
#[derive(Debug, Default, Clone)]
pub struct Directory {
    services: Vec<Service>,
    by_domain: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct RawService {
    domain: String,
    #[serde(default, rename = "additional-domains")]
    additional_domains: Vec<String>,
    #[serde(default)]
    tfa: Vec<String>,
    #[serde(default)]
    documentation: Option<String>,
}

impl Directory {
    /// The largest directory file read (the real one is about 0.6 MB).
    pub const MAX_BYTES: usize = 32 * 1024 * 1024;

    /// Reads `entries.json`. Services are indexed by their domain and
    /// additional domains; where two services claim one domain, the first in
    /// name order that offers 2FA wins.
    ///
    /// # Errors
    /// [`DirectoryError`] when the bytes are too many or not the directory.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DirectoryError> {
        if bytes.len() > Self::MAX_BYTES {
            return Err(DirectoryError::TooLarge(bytes.len()));
        }
        let raw: std::collections::BTreeMap<String, RawService> =
            serde_json::from_slice(bytes).map_err(|error| DirectoryError::Invalid(error.to_string()))?;
        let mut directory = Self::default();
        for (name, service) in raw {
            directory.add(name, service);
        }
        Ok(directory)
    }

    fn add(&mut self, name: String, raw: RawService) {
        let service = Service {
            name,
            domain: raw.domain.to_ascii_lowercase(),
            methods: raw.tfa.iter().filter_map(|method| Method::from_name(method)).collect(),
            documentation: raw.documentation.filter(|url| url.starts_with("https://")),
        };
        let index = self.services.len();
        let offers = service.offers_2fa();
        for domain in std::iter::once(&raw.domain).chain(&raw.additional_domains) {
            let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
            let replace = match self.by_domain.get(&domain).and_then(|&i| self.services.get(i)) {
                None => true,
                Some(existing) => offers && !existing.offers_2fa(),
            };
            if replace {
                self.by_domain.insert(domain, index);
            }
        }
        self.services.push(service);
    }

    /// How many services it lists.
    #[must_use]
    pub fn len(&self) -> usize {
        self.services.len()
    }

    /// True when it lists none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// The service for a site saved in a password manager: a URL
    /// (`https://mobile.x.com/login`) or a bare host (`x.com`). The host and
    /// each parent domain are tried, most specific first.
    #[must_use]
    pub fn find(&self, site: &str) -> Option<&Service> {
        let host = crate::audit::site::host_of(site)?;
        let mut rest = host.as_str();
        loop {
            if let Some(service) = self.by_domain.get(rest).and_then(|&i| self.services.get(i)) {
                return Some(service);
            }
            let (_, parent) = rest.split_once('.')?;
            if !parent.contains('.') {
                return None;
            }
            rest = parent;
        }
    }

    /// The service called `name` (case-insensitive), or whose domain is
    /// `name`.
    #[must_use]
    pub fn named(&self, name: &str) -> Option<&Service> {
        let wanted = name.trim().to_lowercase();
        self.services.iter().find(|service| service.name.to_lowercase() == wanted).or_else(|| self.find(&wanted))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    const SAMPLE: &str = r#"{
      "Chirp": {"domain": "chirp.example", "additional-domains": ["chirp-old.example"],
                "tfa": ["sms", "totp", "u2f"], "documentation": "https://help.chirp.example/2fa",
                "categories": ["social"]},
      "Chirp Shop": {"domain": "chirp.example", "categories": ["retail"]},
      "Paper Bank": {"domain": "paperbank.example", "tfa": ["sms", "weird-new-method"], "categories": ["banking"]},
      "No Second Step": {"domain": "nostep.example", "categories": ["other"],
                         "documentation": "http://insecure.example/"}
    }"#;

    fn sample() -> Directory {
        Directory::from_json(SAMPLE.as_bytes()).unwrap()
    }

    #[test]
    fn finds_a_service_by_url_host_and_parent_domain() {
        let directory = sample();
        assert_eq!(directory.len(), 4);
        let chirp = directory.find("https://mobile.chirp.example/login?next=/home").unwrap();
        assert_eq!(chirp.name, "Chirp");
        assert_eq!(chirp.methods, vec![Method::Sms, Method::Totp, Method::U2f]);
        assert!(chirp.offers_app_or_key());
        assert_eq!(directory.find("chirp-old.example").unwrap().name, "Chirp");
        assert_eq!(directory.find("CHIRP.EXAMPLE.").unwrap().name, "Chirp");
        assert!(directory.find("https://unknown.example/").is_none());
        assert!(directory.find("").is_none());
    }

    #[test]
    fn a_service_offering_2fa_wins_a_shared_domain() {
        assert_eq!(sample().find("chirp.example").unwrap().name, "Chirp");
    }

    #[test]
    fn unknown_methods_are_ignored_and_sms_only_is_not_app_or_key() {
        let directory = sample();
        let bank = directory.find("paperbank.example").unwrap();
        assert_eq!(bank.methods, vec![Method::Sms]);
        assert!(bank.offers_2fa());
        assert!(!bank.offers_app_or_key());
        let none = directory.named("no second step").unwrap();
        assert!(!none.offers_2fa());
        assert_eq!(none.documentation, None, "only https links are shown");
    }

    #[test]
    fn bad_directories_are_refused() {
        assert!(matches!(Directory::from_json(b"[1,2]"), Err(DirectoryError::Invalid(_))));
        assert!(matches!(Directory::from_json(b"{\"X\": {}}"), Err(DirectoryError::Invalid(_))));
        let huge = vec![b' '; Directory::MAX_BYTES + 1];
        assert!(matches!(Directory::from_json(&huge), Err(DirectoryError::TooLarge(_))));
    }
}
