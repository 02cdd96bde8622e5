//! The host of a saved site, and the part of it that is safe to keep.

/// The lower-case host of a saved site: a URL (`https://x.com/login`) or a
/// bare host (`x.com`, `x.com/login`). `None` for an empty site, an IP
/// literal's absence of a host, or something that is not an address.
#[must_use]
pub fn host_of(site: &str) -> Option<String> {
    let site = site.trim();
    if site.is_empty() || site.len() > 2048 {
        return None;
    }
    let parsed = if site.contains("://") {
        url::Url::parse(site).ok()?
    } else {
        url::Url::parse(&format!("https://{site}")).ok()?
    };
    let host = parsed.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// What is kept of a saved site: its host only. Paths and queries can hold
/// tokens or personal details, and user names in URLs are credentials, so
/// none of them are stored or printed.
#[must_use]
pub fn safe_site(site: Option<&str>) -> Option<String> {
    site.and_then(host_of)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn hosts_come_from_urls_and_bare_names() {
        assert_eq!(host_of("https://Mobile.X.com/login?token=abc").as_deref(), Some("mobile.x.com"));
        assert_eq!(host_of("x.com/login").as_deref(), Some("x.com"));
        assert_eq!(host_of("androidapp://com.example.app").as_deref(), Some("com.example.app"));
        assert_eq!(host_of("  "), None);
        assert_eq!(host_of("not a site at all"), None);
    }

    #[test]
    fn the_kept_site_drops_credentials_paths_and_queries() {
        let kept = safe_site(Some("https://alice:hunter2@mail.example.org/reset?code=123")).unwrap();
        assert_eq!(kept, "mail.example.org");
    }
}
