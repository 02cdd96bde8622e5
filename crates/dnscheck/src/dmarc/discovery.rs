//! Finding the DMARC record that applies to a domain: first at
//! `_dmarc.<domain>`, then by the DNS tree walk of DMARCbis (RFC 9989
//! 4.10) instead of the Public Suffix List.

use super::tags;
use crate::name::DomainName;
use crate::resolver::{LookupError, Resolver};

/// The most `_dmarc` queries one discovery makes (DMARCbis 4.10: "at most
/// eight"); the walk below needs at most five.
const MAX_QUERIES: usize = 8;

/// Where the walk jumps to for long names: DMARCbis 4.10 step 5 removes
/// labels until four remain, so a name with many labels cannot make a
/// receiver (or us) send a query per label.
const WALK_START_LABELS: usize = 4;

/// What discovery found.
#[derive(Debug, Clone)]
pub(super) enum Discovery {
    /// One record, at `_dmarc.<domain>` or at a parent.
    Found(Found),
    /// More than one `v=DMARC1` record at one name: DMARC is not applied
    /// (RFC 7489 6.6.3).
    Multiple {
        /// The `_dmarc` name.
        name: String,
        /// The domain it belongs to.
        org: String,
        /// The records.
        records: Vec<String>,
    },
    /// No record at the domain or any parent.
    Missing {
        /// Every name asked, in order.
        asked: Vec<String>,
        /// Records at `_dmarc.<domain>` that look like DMARC but do not start
        /// exactly `v=DMARC1` (e.g. `v=dmarc1`): receivers ignore them.
        near_misses: Vec<String>,
    },
    /// A lookup failed, so nothing can be said.
    Failed {
        /// The name whose lookup failed.
        name: String,
        /// Why.
        error: LookupError,
    },
}

/// A single record found.
#[derive(Debug, Clone)]
pub(super) struct Found {
    /// The `_dmarc` name asked (`_dmarc.example.org`).
    pub name: String,
    /// The domain it belongs to (`example.org`): the organisational domain
    /// when `inherited`.
    pub org: String,
    /// The record text.
    pub text: String,
    /// Where the CNAME chain ended, if `_dmarc` is an alias (hosted DMARC).
    pub alias_of: Option<String>,
    /// How many CNAMEs were followed.
    pub aliases: usize,
    /// Found at a parent, not at the domain itself.
    pub inherited: bool,
}

/// Ask `_dmarc.<domain>`, then walk up.
pub(super) async fn discover(dns: &dyn Resolver, domain: &DomainName) -> Discovery {
    let mut asked = Vec::new();
    let mut near_misses = Vec::new();
    for (i, target) in walk_targets(domain.as_str()).into_iter().enumerate() {
        let name = format!("_dmarc.{target}");
        let answer = match tags::texts(dns, &name).await {
            Ok(answer) => answer,
            Err(error) => return Discovery::Failed { name, error },
        };
        asked.push(name.clone());
        let (records, others): (Vec<String>, Vec<String>) =
            answer.texts.into_iter().partition(|t| tags::starts_with_version(t, "DMARC1"));
        if i == 0 {
            near_misses =
                others.into_iter().filter(|t| t.trim_start().to_ascii_lowercase().starts_with("v=dmarc")).collect();
        }
        match records.as_slice() {
            [] => {}
            [text] => {
                let text = text.clone();
                let (alias_of, aliases) = (answer.alias_of, answer.aliases);
                return Discovery::Found(Found { name, org: target, text, alias_of, aliases, inherited: i > 0 });
            }
            _ => return Discovery::Multiple { name, org: target, records },
        }
    }
    Discovery::Missing { asked, near_misses }
}

/// The names to ask, in order: the domain itself, then (DMARCbis 4.10
/// steps 5–8) its parent, or straight to the last four labels for longer
/// names, and one label less each time, stopping above the top-level domain
/// (a TLD's own `_dmarc` is for public-suffix operators, not for us).
pub(super) fn walk_targets(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.split('.').collect();
    let n = labels.len();
    let mut targets = vec![domain.to_owned()];
    let start = n.saturating_sub(1).min(WALK_START_LABELS);
    for keep in (2..=start).rev() {
        let parent: Vec<&str> = labels.iter().skip(n - keep).copied().collect();
        targets.push(parent.join("."));
    }
    targets.truncate(MAX_QUERIES);
    targets
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_stops_above_the_top_level_domain() {
        assert_eq!(walk_targets("example.org"), vec!["example.org"]);
        assert_eq!(walk_targets("sub.example.org"), vec!["sub.example.org", "example.org"]);
        assert_eq!(walk_targets("jane.example.org.uk"), vec!["jane.example.org.uk", "example.org.uk", "org.uk"]);
    }

    #[test]
    fn long_names_jump_to_four_labels_as_dmarcbis_says() {
        assert_eq!(
            walk_targets("a.b.c.d.e.f.example.org"),
            vec!["a.b.c.d.e.f.example.org", "e.f.example.org", "f.example.org", "example.org"]
        );
        let many = format!("{}example.org", "x.".repeat(100));
        assert!(walk_targets(&many).len() <= MAX_QUERIES);
    }
}
