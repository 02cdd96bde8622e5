//! Reading one DMARC record: RFC 7489 6.3–6.4, plus the DMARCbis tags `np`,
//! `t` and `psd`. Pure: no DNS here.

use super::tags::{self, Tags, shown};

/// What the domain owner asks receivers to do with mail that fails DMARC.
pub use portcullis_types::DmarcPolicy as Policy;

/// A policy tag (`p`, `sp`, `np`) as found in the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyTag {
    /// The tag is not there.
    Missing,
    /// The tag is there with a value that is not a policy (e.g. `rejected`).
    Invalid(String),
    /// A valid policy.
    Set(Policy),
}

impl PolicyTag {
    fn from_value(value: &str) -> Self {
        Policy::from_value(value).map_or_else(|| Self::Invalid(value.to_owned()), Self::Set)
    }

    /// The policy, if the tag is present and valid.
    pub const fn policy(&self) -> Option<Policy> {
        match self {
            Self::Set(p) => Some(*p),
            _ => None,
        }
    }
}

/// Identifier alignment mode (`adkim`, `aspf`; RFC 7489 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alignment {
    /// Same organisational domain is enough (the default).
    #[default]
    Relaxed,
    /// The exact same domain is required.
    Strict,
}

impl Alignment {
    /// The tag value (`r` or `s`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Relaxed => "r",
            Self::Strict => "s",
        }
    }
}

/// One report destination from `rua` or `ruf` (RFC 7489 6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportUri {
    /// The URI without any size limit (`mailto:dmarc@example.org`).
    pub uri: String,
    /// The `!size` suffix, if given (`10m`).
    pub size_limit: Option<String>,
}

impl ReportUri {
    /// The mailbox (`dmarc@example.org`) of a `mailto:` URI.
    pub fn mailbox(&self) -> Option<&str> {
        let rest = strip_prefix_ignore_case(&self.uri, "mailto:")?;
        // Header fields after `?` (RFC 6068) are not part of the address.
        Some(rest.split('?').next().unwrap_or(rest))
    }

    /// The domain of a `mailto:` address, lower-case, no trailing dot.
    pub fn domain(&self) -> Option<String> {
        let (_, domain) = self.mailbox()?.rsplit_once('@')?;
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        (!domain.is_empty()).then_some(domain)
    }
}

/// A DMARC record, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmarcRecord {
    /// `p`: the policy for the domain itself (REQUIRED by RFC 7489).
    pub policy: PolicyTag,
    /// `sp`: the policy for subdomains (defaults to `p`).
    pub subdomain_policy: PolicyTag,
    /// `np`: the policy for subdomains that do not exist (DMARCbis).
    pub nonexistent_policy: PolicyTag,
    /// `pct`: the share of failing mail the policy applies to (legacy).
    pub pct: Option<u8>,
    /// `t=y`: testing mode (DMARCbis): receivers apply a weaker policy.
    pub testing: bool,
    /// `adkim`: DKIM alignment.
    pub adkim: Alignment,
    /// `aspf`: SPF alignment.
    pub aspf: Alignment,
    /// `rua`: where aggregate reports go (the syntactically valid ones).
    pub rua: Vec<ReportUri>,
    /// `ruf`: where failure reports go (the syntactically valid ones).
    pub ruf: Vec<ReportUri>,
    /// `fo`: failure reporting options.
    pub fo: Option<String>,
    /// `rf`: failure report format.
    pub rf: Option<String>,
    /// `ri`: aggregate report interval, in seconds.
    pub ri: Option<u32>,
    /// `psd`: public suffix domain flag (DMARCbis): `y`, `n` or `u`.
    pub psd: Option<char>,
    /// Tags whose values could not be read; receivers ignore them (plain
    /// English, one per problem).
    pub problems: Vec<String>,
    /// Every tag as written (names lower-cased), for building fixes.
    pub tags: Vec<(String, String)>,
}

impl DmarcRecord {
    /// Whether at least one valid `rua` address is given: what decides how
    /// a record with a bad `p` is treated (RFC 7489 6.6.3).
    pub fn has_reports(&self) -> bool {
        !self.rua.is_empty()
    }

    /// The policy for subdomains: `sp` if valid, else `p`.
    pub fn effective_subdomain_policy(&self) -> Option<Policy> {
        self.subdomain_policy.policy().or_else(|| self.policy.policy())
    }

    /// The record text with some tags changed or added (`set`) and some
    /// dropped (`drop`); `v` stays first and `p` second.
    pub fn rewritten(&self, set: &[(&str, &str)], drop: &[&str]) -> String {
        let mut out: Vec<String> = vec!["v=DMARC1".to_owned()];
        let mut placed: Vec<&str> = Vec::new();
        let value_of = |name: &str| set.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        if let Some(p) = value_of("p").or_else(|| self.tag("p")) {
            out.push(format!("p={p}"));
            placed.push("p");
        }
        for (name, value) in &self.tags {
            if matches!(name.as_str(), "v" | "p") || drop.contains(&name.as_str()) {
                continue;
            }
            out.push(format!("{name}={}", value_of(name).unwrap_or(value)));
            placed.push(name);
        }
        for (name, value) in set {
            if !placed.contains(name) {
                out.push(format!("{name}={value}"));
            }
        }
        out.join("; ")
    }

    /// A tag's value as written.
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.tags.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Read a DMARC record. `Err` holds plain-English reasons the record cannot
/// be used at all: too long, not starting `v=DMARC1`, or not a valid tag
/// list. A bad or missing `p` is not an error here: RFC 7489 6.6.3 says
/// what receivers do then, so the record is returned with
/// [`PolicyTag::Invalid`] or [`PolicyTag::Missing`]. Bad values of other
/// tags are listed in [`DmarcRecord::problems`]; unknown tags are ignored.
pub fn parse(record: &str) -> Result<DmarcRecord, Vec<String>> {
    let tags = tags::split(record).map_err(|e| vec![e])?;
    check_version(&tags)?;
    let mut rec = DmarcRecord {
        policy: PolicyTag::Missing,
        subdomain_policy: PolicyTag::Missing,
        nonexistent_policy: PolicyTag::Missing,
        pct: None,
        testing: false,
        adkim: Alignment::Relaxed,
        aspf: Alignment::Relaxed,
        rua: Vec::new(),
        ruf: Vec::new(),
        fo: None,
        rf: None,
        ri: None,
        psd: None,
        problems: Vec::new(),
        tags: Vec::new(),
    };
    for (name, value) in tags.iter().skip(1) {
        read_tag(&mut rec, name, value);
    }
    rec.tags = tags;
    Ok(rec)
}

/// RFC 7489 6.4: the record starts with `v=DMARC1`, written exactly so.
fn check_version(tags: &Tags) -> Result<(), Vec<String>> {
    match tags.first() {
        Some((name, value)) if name == "v" && value == "DMARC1" => Ok(()),
        Some((name, value)) if name == "v" && value.eq_ignore_ascii_case("DMARC1") => {
            Err(vec![format!("the record starts v={}: it must be written exactly v=DMARC1", shown(value))])
        }
        _ => Err(vec!["a DMARC record must start with v=DMARC1".to_owned()]),
    }
}

fn read_tag(rec: &mut DmarcRecord, name: &str, value: &str) {
    match name {
        "p" => rec.policy = PolicyTag::from_value(value),
        "sp" => rec.subdomain_policy = PolicyTag::from_value(value),
        "np" => rec.nonexistent_policy = PolicyTag::from_value(value),
        "pct" => rec.pct = read_or_note(&mut rec.problems, name, value, read_pct),
        "t" => rec.testing = read_or_note(&mut rec.problems, name, value, read_yes_no).unwrap_or(false),
        "adkim" => rec.adkim = read_or_note(&mut rec.problems, name, value, read_alignment).unwrap_or_default(),
        "aspf" => rec.aspf = read_or_note(&mut rec.problems, name, value, read_alignment).unwrap_or_default(),
        "rua" => rec.rua = read_uris(&mut rec.problems, name, value),
        "ruf" => rec.ruf = read_uris(&mut rec.problems, name, value),
        "fo" => rec.fo = read_or_note(&mut rec.problems, name, value, read_fo),
        "rf" => rec.rf = Some(value.to_owned()),
        "ri" => rec.ri = read_or_note(&mut rec.problems, name, value, |v| v.parse::<u32>().ok()),
        "psd" => rec.psd = read_or_note(&mut rec.problems, name, value, read_psd),
        // Unknown tags MUST be ignored (RFC 7489 6.3).
        _ => {}
    }
}

/// Read a value, or note that the tag will be ignored.
fn read_or_note<T>(problems: &mut Vec<String>, name: &str, value: &str, read: impl Fn(&str) -> Option<T>) -> Option<T> {
    let out = read(value);
    if out.is_none() {
        problems.push(format!("{name}={} is not a valid value, so receivers will ignore it", shown(value)));
    }
    out
}

/// `pct`: 0 to 100 (RFC 7489 6.3).
fn read_pct(value: &str) -> Option<u8> {
    let digits = value.len() <= 3 && !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| value.parse::<u8>().ok()).flatten().filter(|n| *n <= 100)
}

fn read_yes_no(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "y" => Some(true),
        "n" => Some(false),
        _ => None,
    }
}

fn read_alignment(value: &str) -> Option<Alignment> {
    match value.to_ascii_lowercase().as_str() {
        "r" => Some(Alignment::Relaxed),
        "s" => Some(Alignment::Strict),
        _ => None,
    }
}

/// `fo`: colon-separated options from 0, 1, d, s (RFC 7489 6.3).
fn read_fo(value: &str) -> Option<String> {
    let ok = value.split(':').map(str::trim).all(|o| matches!(o, "0" | "1" | "d" | "s"));
    ok.then(|| value.to_owned())
}

fn read_psd(value: &str) -> Option<char> {
    match value.to_ascii_lowercase().as_str() {
        "y" => Some('y'),
        "n" => Some('n'),
        "u" => Some('u'),
        _ => None,
    }
}

/// A comma-separated URI list (RFC 7489 6.4 `dmarc-urilist`); the valid
/// ones are kept and each invalid one noted.
fn read_uris(problems: &mut Vec<String>, name: &str, value: &str) -> Vec<ReportUri> {
    let mut out = Vec::new();
    for item in value.split(',').map(str::trim) {
        match read_uri(item) {
            Some(uri) => out.push(uri),
            None if item.contains('@') && !item.contains(':') => problems.push(format!(
                "{name}: '{}' is not a valid address: write it as mailto:{}",
                shown(item),
                shown(item)
            )),
            None => problems.push(format!("{name}: '{}' is not a valid report address", shown(item))),
        }
    }
    out
}

/// `URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]`.
fn read_uri(item: &str) -> Option<ReportUri> {
    let (uri, size_limit) = match item.rsplit_once('!') {
        Some((uri, size)) if is_size(size) => (uri, Some(size.to_owned())),
        _ => (item, None),
    };
    let (scheme, rest) = uri.split_once(':')?;
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let parsed = ReportUri { uri: uri.to_owned(), size_limit };
    if scheme.eq_ignore_ascii_case("mailto") {
        // A mailto: needs local@domain to be a mailbox at all.
        let (local, _) = parsed.mailbox()?.rsplit_once('@')?;
        parsed.domain().filter(|_| !local.is_empty())?;
    }
    Some(parsed)
}

fn is_size(size: &str) -> bool {
    let digits = size.trim_end_matches(['k', 'm', 'g', 't', 'K', 'M', 'G', 'T']);
    !digits.is_empty() && size.len() - digits.len() <= 1 && digits.bytes().all(|b| b.is_ascii_digit())
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| text.get(prefix.len()..)).flatten()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_full_record_is_read() {
        let rec = parse(
            "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=s; pct=100; t=n; \
             rua=mailto:agg@example.org!10m, mailto:x@other.test; ruf=mailto:f@example.org; fo=1:d; rf=afrf; \
             ri=86400; psd=n",
        )
        .unwrap();
        assert_eq!(rec.policy, PolicyTag::Set(Policy::Reject));
        assert_eq!(rec.subdomain_policy, PolicyTag::Set(Policy::Quarantine));
        assert_eq!(rec.nonexistent_policy, PolicyTag::Set(Policy::Reject));
        assert_eq!(
            (rec.adkim, rec.aspf, rec.pct, rec.testing),
            (Alignment::Strict, Alignment::Strict, Some(100), false)
        );
        assert_eq!(rec.rua.len(), 2);
        assert_eq!(rec.rua[0].size_limit.as_deref(), Some("10m"));
        assert_eq!(rec.rua[0].domain().as_deref(), Some("example.org"));
        assert_eq!(rec.ruf[0].mailbox(), Some("f@example.org"));
        assert_eq!((rec.fo.as_deref(), rec.ri, rec.psd), (Some("1:d"), Some(86400), Some('n')));
        assert!(rec.problems.is_empty(), "{:?}", rec.problems);
    }

    #[test]
    fn an_office_that_wrote_rejected_gets_the_record_back_with_an_invalid_policy() {
        let rec = parse("v=DMARC1; p=rejected; rua=mailto:d@example.org").unwrap();
        assert_eq!(rec.policy, PolicyTag::Invalid("rejected".to_owned()));
        assert!(rec.has_reports());
    }

    #[test]
    fn a_record_without_p_is_read_with_the_policy_missing() {
        let rec = parse("v=DMARC1; rua=mailto:d@example.org").unwrap();
        assert_eq!(rec.policy, PolicyTag::Missing);
    }

    #[test]
    fn tag_names_are_case_insensitive_and_spacing_is_tolerated() {
        let rec = parse("v = DMARC1 ;  P = Reject ; ADKIM=S").unwrap();
        assert_eq!((rec.policy.policy(), rec.adkim), (Some(Policy::Reject), Alignment::Strict));
    }

    #[test]
    fn records_that_are_not_dmarc_are_refused() {
        assert!(parse("p=reject; v=DMARC1").unwrap_err().iter().any(|e| e.contains("start with v=DMARC1")));
        assert!(parse("v=dmarc1; p=reject").unwrap_err().iter().any(|e| e.contains("exactly")));
        assert!(parse(&format!("v=DMARC1; p=none; x={}", "a".repeat(5000))).is_err());
    }

    #[test]
    fn bad_values_are_noted_and_ignored() {
        let rec =
            parse("v=DMARC1; p=none; pct=101; adkim=x; t=maybe; rua=dmarc@example.org, mailto:ok@example.org").unwrap();
        assert_eq!(rec.pct, None);
        assert_eq!(rec.rua.len(), 1);
        assert_eq!(rec.problems.len(), 4, "{:?}", rec.problems);
        assert!(rec.problems.iter().any(|p| p.contains("write it as mailto:dmarc@example.org")));
    }

    #[test]
    fn unknown_tags_are_ignored() {
        let rec = parse("v=DMARC1; p=none; future=yes").unwrap();
        assert!(rec.problems.is_empty());
    }

    #[test]
    fn fixes_rewrite_the_record_keeping_the_rest() {
        let rec = parse("v=DMARC1; rua=mailto:d@example.org; pct=50").unwrap();
        assert_eq!(rec.rewritten(&[("p", "none")], &["pct"]), "v=DMARC1; p=none; rua=mailto:d@example.org");
        let rec = parse("v=DMARC1; p=reject; sp=none").unwrap();
        assert_eq!(rec.rewritten(&[("sp", "reject")], &[]), "v=DMARC1; p=reject; sp=reject");
    }

    #[test]
    fn ten_thousand_characters_of_anything_are_refused_without_panicking() {
        for filler in ["x", ";", "=", "v=DMARC1;", "é", ",", "!", "mailto:a@b.test,"] {
            let long: String = filler.repeat(10_000).chars().take(10_000).collect();
            assert!(parse(&long).is_err());
            assert!(parse(&format!("v=DMARC1; rua={long}")).is_err());
        }
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }

        #[test]
        fn the_parser_never_panics_on_long_input(s in ".{0,10000}") {
            let _ = parse(&s);
            let _ = parse(&format!("v=DMARC1; p=none; rua={s}"));
        }

        #[test]
        fn records_shaped_like_dmarc_never_panic(tags in proptest::collection::vec("[a-z]{1,6}=[ -~]{0,20}", 0..40)) {
            let _ = parse(&format!("v=DMARC1; {}", tags.join(";")));
        }
    }
}
