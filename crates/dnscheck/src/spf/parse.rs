//! A pure parser of one SPF record (RFC 7208 sections 4.5, 4.6, 5, 6, 12).
//! It never looks anything up; it reports every problem it finds rather
//! than stopping at the first, so one reading tells the office everything
//! to correct.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::macros::MacroString;

/// Records longer than this are refused without parsing further: a TXT
/// record this size cannot be a working SPF policy, and reading it would
/// only cost time.
pub const MAX_RECORD_LEN: usize = 4096;
/// At most this many terms are parsed.
pub const MAX_TERMS: usize = 100;

/// A parsed SPF record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfRecord {
    /// The terms after `v=spf1`, in order.
    pub terms: Vec<Term>,
}

/// One space-separated term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A mechanism with its qualifier (`-all`, `include:…`).
    Directive(Directive),
    /// `name=value`.
    Modifier(Modifier),
}

/// A mechanism and what a match means (RFC 7208 4.6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// `+` (the default), `-`, `~` or `?`.
    pub qualifier: Qualifier,
    /// What is matched.
    pub mechanism: Mechanism,
    /// The term as written.
    pub text: String,
}

/// The result when a mechanism matches (RFC 7208 4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Qualifier {
    /// `+`: the sender is allowed.
    Pass,
    /// `-`: the sender is not allowed.
    Fail,
    /// `~`: probably not allowed.
    SoftFail,
    /// `?`: no statement.
    Neutral,
}

impl Qualifier {
    fn from_char(c: char) -> Option<Self> {
        match c {
            '+' => Some(Self::Pass),
            '-' => Some(Self::Fail),
            '~' => Some(Self::SoftFail),
            '?' => Some(Self::Neutral),
            _ => None,
        }
    }

    /// The character written before a mechanism.
    pub const fn symbol(self) -> char {
        match self {
            Self::Pass => '+',
            Self::Fail => '-',
            Self::SoftFail => '~',
            Self::Neutral => '?',
        }
    }
}

/// Prefix lengths after `a` and `mx` (`a/24//64`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DualCidr {
    /// The IPv4 prefix length, 0–32.
    pub v4: Option<u8>,
    /// The IPv6 prefix length, 0–128.
    pub v6: Option<u8>,
}

/// A mechanism (RFC 7208 section 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    /// Matches every sender.
    All,
    /// Another domain's SPF policy.
    Include(MacroString),
    /// The addresses of a name (the current domain if none).
    A {
        /// The name, if given.
        domain: Option<MacroString>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// The addresses of a name's mail servers.
    Mx {
        /// The name, if given.
        domain: Option<MacroString>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// Reverse DNS of the sender (deprecated, RFC 7208 5.5).
    Ptr(Option<MacroString>),
    /// An IPv4 network.
    Ip4 {
        /// The address.
        network: Ipv4Addr,
        /// The prefix length (32 if none).
        prefix: u8,
    },
    /// An IPv6 network.
    Ip6 {
        /// The address.
        network: Ipv6Addr,
        /// The prefix length (128 if none).
        prefix: u8,
    },
    /// Whether a name has an A record.
    Exists(MacroString),
}

impl Mechanism {
    /// Whether a receiver must query DNS for it (RFC 7208 4.6.4): these
    /// count toward the limit of 10.
    pub const fn costs_lookup(&self) -> bool {
        matches!(self, Self::Include(_) | Self::A { .. } | Self::Mx { .. } | Self::Ptr(_) | Self::Exists(_))
    }
}

/// A modifier (RFC 7208 section 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modifier {
    /// Use another domain's record when nothing here matches.
    Redirect(MacroString),
    /// Where to find the explanation sent with a rejection.
    Exp(MacroString),
    /// A modifier SPF does not define: allowed and ignored (RFC 7208 6).
    Unknown {
        /// Its name.
        name: String,
        /// Its value.
        value: MacroString,
    },
}

/// What is wrong with one part of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxProblem {
    /// The term at fault (empty for the record as a whole).
    pub term: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl SyntaxProblem {
    fn new(term: &str, message: impl Into<String>) -> Self {
        Self { term: term.to_owned(), message: message.into() }
    }
}

impl fmt::Display for SyntaxProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl SpfRecord {
    /// The mechanisms, in order.
    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.terms.iter().filter_map(|t| match t {
            Term::Directive(d) => Some(d),
            Term::Modifier(_) => None,
        })
    }

    /// The `redirect=` target, if any.
    pub fn redirect(&self) -> Option<&MacroString> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier::Redirect(spec)) => Some(spec),
            _ => None,
        })
    }

    /// The qualifier of the first `all`, if any.
    pub fn all(&self) -> Option<Qualifier> {
        self.directives().find(|d| d.mechanism == Mechanism::All).map(|d| d.qualifier)
    }
}

/// Whether a TXT string is an SPF record: it starts with `v=spf1` (in any
/// case) followed by a space or nothing (RFC 7208 4.5).
pub fn is_spf(text: &str) -> bool {
    let (Some(head), rest) = (text.get(..6), text.get(6..)) else { return false };
    head.eq_ignore_ascii_case("v=spf1") && rest.is_none_or(|r| r.is_empty() || r.starts_with(' '))
}

/// Parse one SPF record, e.g. `v=spf1 include:_spf.example.com -all`.
/// Every problem found is returned, in the order of the terms.
pub fn parse(record: &str) -> Result<SpfRecord, Vec<SyntaxProblem>> {
    if record.len() > MAX_RECORD_LEN {
        let message = format!("record too long to be valid ({} characters)", record.len());
        return Err(vec![SyntaxProblem::new("", message)]);
    }
    if !is_spf(record) {
        return Err(vec![SyntaxProblem::new("", "the record does not start with v=spf1")]);
    }
    let words: Vec<&str> =
        record.get(6..).unwrap_or("").split(' ').filter(|w| !w.is_empty()).take(MAX_TERMS + 1).collect();
    let mut terms = Vec::new();
    let mut problems = Vec::new();
    if words.len() > MAX_TERMS {
        problems.push(SyntaxProblem::new("", format!("more than {MAX_TERMS} terms")));
    }
    for (i, word) in words.iter().take(MAX_TERMS).enumerate() {
        match parse_term(word, words.get(i + 1).copied()) {
            Ok(term) => terms.push(term),
            Err(problem) => problems.push(problem),
        }
    }
    problems.extend(repeated_modifiers(&terms));
    if problems.is_empty() { Ok(SpfRecord { terms }) } else { Err(problems) }
}

/// `redirect` and `exp` may each appear once (RFC 7208 6).
fn repeated_modifiers(terms: &[Term]) -> Vec<SyntaxProblem> {
    let redirects = terms.iter().filter(|t| matches!(t, Term::Modifier(Modifier::Redirect(_)))).count();
    let exps = terms.iter().filter(|t| matches!(t, Term::Modifier(Modifier::Exp(_)))).count();
    let mut out = Vec::new();
    if redirects > 1 {
        out.push(SyntaxProblem::new("redirect", "redirect= appears more than once"));
    }
    if exps > 1 {
        out.push(SyntaxProblem::new("exp", "exp= appears more than once"));
    }
    out
}

/// One term; `next` is the following word, used to suggest a correction
/// for `include example.com` (a space where the colon should be).
fn parse_term(word: &str, next: Option<&str>) -> Result<Term, SyntaxProblem> {
    if let Some((name, value)) = word.split_once('=')
        && is_modifier_name(name)
    {
        return parse_modifier(word, name, value).map(Term::Modifier);
    }
    parse_directive(word, next).map(Term::Directive)
}

/// `name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )` (RFC 7208 12).
fn is_modifier_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn parse_modifier(word: &str, name: &str, value: &str) -> Result<Modifier, SyntaxProblem> {
    let problem = |m: String| SyntaxProblem::new(word, format!("invalid {name}= value: {m}"));
    if name.eq_ignore_ascii_case("redirect") {
        MacroString::parse_domain_spec(value).map(Modifier::Redirect).map_err(problem)
    } else if name.eq_ignore_ascii_case("exp") {
        MacroString::parse_domain_spec(value).map(Modifier::Exp).map_err(problem)
    } else {
        let value = MacroString::parse(value).map_err(problem)?;
        Ok(Modifier::Unknown { name: name.to_owned(), value })
    }
}

fn parse_directive(word: &str, next: Option<&str>) -> Result<Directive, SyntaxProblem> {
    let mut chars = word.chars();
    let (qualifier, body) = match chars.next().and_then(Qualifier::from_char) {
        Some(q) => (q, chars.as_str()),
        None => (Qualifier::Pass, word),
    };
    let split = body.find([':', '/']).unwrap_or(body.len());
    let (name, rest) = (body.get(..split).unwrap_or(body), body.get(split..).unwrap_or(""));
    let problem = |m: String| SyntaxProblem::new(word, m);
    let mechanism = match name.to_ascii_lowercase().as_str() {
        "all" if rest.is_empty() => Mechanism::All,
        "include" | "exists" if rest.is_empty() => return Err(missing_colon(word, name, next)),
        "include" => Mechanism::Include(domain_after_colon(rest, word)?),
        "exists" => Mechanism::Exists(domain_after_colon(rest, word)?),
        "a" => {
            let (domain, cidr) = domain_and_cidr(rest, word)?;
            Mechanism::A { domain, cidr }
        }
        "mx" => {
            let (domain, cidr) = domain_and_cidr(rest, word)?;
            Mechanism::Mx { domain, cidr }
        }
        "ptr" if rest.is_empty() => Mechanism::Ptr(None),
        "ptr" => Mechanism::Ptr(Some(domain_after_colon(rest, word)?)),
        "ip4" => parse_ip4(rest).map_err(problem)?,
        "ip6" => parse_ip6(rest).map_err(problem)?,
        _ => return Err(problem(format!("unknown term '{word}'"))),
    };
    Ok(Directive { qualifier, mechanism, text: word.to_owned() })
}

/// `include` or `exists` without `:domain`. When the next word looks like a
/// domain, the likely intent was `include:domain`.
fn missing_colon(word: &str, name: &str, next: Option<&str>) -> SyntaxProblem {
    let example = match next {
        Some(n) if n.contains('.') && !n.contains([':', '=']) => format!("{name}:{n}"),
        _ => format!("{name}:example.com"),
    };
    SyntaxProblem::new(word, format!("unknown term '{word}' ({name} needs a colon and a domain, like {example})"))
}

fn domain_after_colon(rest: &str, word: &str) -> Result<MacroString, SyntaxProblem> {
    let Some(spec) = rest.strip_prefix(':') else {
        return Err(SyntaxProblem::new(word, format!("unknown term '{word}'")));
    };
    MacroString::parse_domain_spec(spec).map_err(|m| SyntaxProblem::new(word, format!("invalid {word}: {m}")))
}

/// `[":" domain-spec] [dual-cidr-length]` after `a` or `mx`. The prefix
/// lengths are taken from the end, as the domain may itself contain `/`.
fn domain_and_cidr(rest: &str, word: &str) -> Result<(Option<MacroString>, DualCidr), SyntaxProblem> {
    let problem = |m: String| SyntaxProblem::new(word, format!("invalid {word}: {m}"));
    let mut head = rest;
    let mut cidr = DualCidr::default();
    if let Some((before, v6)) = head.rsplit_once("//") {
        cidr.v6 = Some(prefix_length(v6, 128).map_err(problem)?);
        head = before;
    }
    if let Some((before, v4)) = head.rsplit_once('/')
        && (v4.bytes().all(|b| b.is_ascii_digit()) || before.is_empty())
    {
        cidr.v4 = Some(prefix_length(v4, 32).map_err(problem)?);
        head = before;
    }
    let domain = match head {
        "" => None,
        _ => Some(domain_after_colon(head, word)?),
    };
    Ok((domain, cidr))
}

/// A prefix length: digits without a leading zero, at most `max`
/// (RFC 7208 5.6 `ip4-cidr-length`, `ip6-cidr-length`).
fn prefix_length(text: &str, max: u8) -> Result<u8, String> {
    let digits_ok = !text.is_empty() && text.len() <= 3 && text.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    match text.parse::<u8>() {
        Ok(n) if digits_ok && !leading_zero && n <= max => Ok(n),
        _ => Err(format!("prefix length '/{text}' must be a number from 0 to {max}")),
    }
}

fn parse_ip4(rest: &str) -> Result<Mechanism, String> {
    let body = rest.strip_prefix(':').ok_or("ip4 needs a colon and an address, like ip4:192.0.2.0/24")?;
    let (addr, prefix) = match body.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (body, None),
    };
    // Rust's parser takes exactly the RFC's dotted-quad form (no leading
    // zeros, each part 0–255).
    let network = addr.parse::<Ipv4Addr>().map_err(|_| format!("invalid ip4 address {addr}"))?;
    let prefix = prefix.map(|p| prefix_length(p, 32)).transpose()?.unwrap_or(32);
    Ok(Mechanism::Ip4 { network, prefix })
}

fn parse_ip6(rest: &str) -> Result<Mechanism, String> {
    let body = rest.strip_prefix(':').ok_or("ip6 needs a colon and an address, like ip6:2001:db8::/32")?;
    let (addr, prefix) = match body.rsplit_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (body, None),
    };
    let network = addr.parse::<Ipv6Addr>().map_err(|_| format!("invalid ip6 address {addr}"))?;
    let prefix = prefix.map(|p| prefix_length(p, 128)).transpose()?.unwrap_or(128);
    Ok(Mechanism::Ip6 { network, prefix })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn problems(record: &str) -> Vec<String> {
        parse(record).err().unwrap_or_default().into_iter().map(|p| p.message).collect()
    }

    #[test]
    fn a_typical_record_parses_into_its_terms() {
        let rec = parse("v=spf1 include:_spf.mail-provider.test ip4:192.0.2.0/24 ip6:2001:db8::/32 mx a -all").unwrap();
        assert_eq!(rec.terms.len(), 6);
        assert_eq!(rec.all(), Some(Qualifier::Fail));
        assert_eq!(rec.directives().filter(|d| d.mechanism.costs_lookup()).count(), 3);
        let ip4 = rec.directives().nth(1).unwrap();
        assert_eq!(ip4.mechanism, Mechanism::Ip4 { network: Ipv4Addr::new(192, 0, 2, 0), prefix: 24 });
    }

    #[test]
    fn qualifiers_and_case_are_read_as_the_rfc_says() {
        let rec = parse("V=SPF1 ?INCLUDE:Example.COM ~all").unwrap();
        assert_eq!(rec.all(), Some(Qualifier::SoftFail));
        assert_eq!(rec.directives().next().unwrap().qualifier, Qualifier::Neutral);
        assert_eq!(parse("v=spf1 all").unwrap().all(), Some(Qualifier::Pass));
        assert_eq!(parse("v=spf1").unwrap().terms.len(), 0);
        assert!(parse("v=spf1   -all  ").is_ok(), "extra spaces are harmless");
    }

    #[test]
    fn a_and_mx_take_an_optional_domain_and_prefix_lengths() {
        let cases = [
            ("a", None, DualCidr::default()),
            ("a/24", None, DualCidr { v4: Some(24), v6: None }),
            ("mx//64", None, DualCidr { v4: None, v6: Some(64) }),
            ("a:mail.example.com/24//64", Some("mail.example.com"), DualCidr { v4: Some(24), v6: Some(64) }),
            ("mx:example.com", Some("example.com"), DualCidr::default()),
        ];
        for (term, domain, cidr) in cases {
            let rec = parse(&format!("v=spf1 {term} -all")).unwrap();
            let (d, c) = match &rec.directives().next().unwrap().mechanism {
                Mechanism::A { domain, cidr } | Mechanism::Mx { domain, cidr } => (domain.clone(), *cidr),
                other => panic!("{other:?}"),
            };
            assert_eq!((d.map(|s| s.text), c), (domain.map(str::to_owned), cidr), "{term}");
        }
    }

    #[test]
    fn the_lab_syntax_error_names_each_problem() {
        let found = problems("v=spf1 ip4:192.0.2.256 include _spf.mail-provider.test -all");
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0], "invalid ip4 address 192.0.2.256");
        assert!(found[1].starts_with("unknown term 'include'"), "{}", found[1]);
        assert!(found[1].contains("include:_spf.mail-provider.test"), "suggests the fix: {}", found[1]);
        assert_eq!(found[2], "unknown term '_spf.mail-provider.test'");
    }

    #[test]
    fn bad_addresses_and_prefixes_are_refused() {
        for bad in [
            "ip4:192.0.2.1/33",
            "ip4:192.0.2.1/024",
            "ip4:192.0.2",
            "ip4:01.2.3.4",
            "ip4",
            "ip4:",
            "ip6:2001:db8::/129",
            "ip6:192.0.2.1",
            "ip6:gggg::",
            "a/33",
            "mx//129",
            "a:",
            "a/",
            "all:x",
            "exists",
            "ptr:",
            "include:",
            "include:localhost",
            "+-all",
            "redirect=",
            "exp=%{c}.example.com",
            "foo",
            "1abc=x",
            "unknown=%{x}",
        ] {
            assert!(parse(&format!("v=spf1 {bad} -all")).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn modifiers_known_and_unknown() {
        let rec = parse("v=spf1 redirect=_spf.example.com exp=explain.%{d} x-custom=anything%{i}").unwrap();
        assert_eq!(rec.redirect().map(|r| r.text.as_str()), Some("_spf.example.com"));
        assert!(matches!(&rec.terms[2], Term::Modifier(Modifier::Unknown { name, .. }) if name == "x-custom"));
        let twice = problems("v=spf1 redirect=a.example redirect=b.example");
        assert_eq!(twice, vec!["redirect= appears more than once"]);
        assert_eq!(problems("v=spf1 exp=a.example exp=b.example"), vec!["exp= appears more than once"]);
    }

    #[test]
    fn only_v_spf1_followed_by_a_space_or_the_end_is_spf() {
        assert!(is_spf("v=spf1") && is_spf("v=spf1 -all") && is_spf("V=SpF1 a"));
        assert!(!is_spf("v=spf10 -all") && !is_spf("v=spf") && !is_spf(" v=spf1") && !is_spf("v=DMARC1; p=none"));
        assert!(!is_spf("v=spf\u{e9}1"), "multi-byte text is handled");
        assert_eq!(problems("spf1 -all"), vec!["the record does not start with v=spf1"]);
    }

    #[test]
    fn size_limits_are_enforced_before_parsing() {
        let huge = format!("v=spf1 {}", "a ".repeat(3000));
        let found = problems(&huge);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("record too long to be valid"), "{}", found[0]);
        let many = format!("v=spf1 {}-all", "ip4:192.0.2.1 ".repeat(150));
        assert_eq!(problems(&many), vec!["more than 100 terms"]);
    }

    #[test]
    fn macros_in_terms_are_checked() {
        assert!(parse("v=spf1 exists:%{i}._spf.%{d} include:%{d2}.x.example -all").is_ok());
        assert!(parse("v=spf1 exists:%{q}.example.com -all").is_err());
        assert!(parse("v=spf1 include:%{c}.example.com -all").is_err());
    }

    proptest! {
        #[test]
        fn the_parser_never_panics_on_any_text(s in "\\PC{0,300}") {
            let _ = parse(&s);
            let _ = parse(&format!("v=spf1 {s}"));
        }

        #[test]
        fn the_parser_never_panics_on_spf_like_text(s in "(v=spf1)?( [-+~?]?(all|include|a|mx|ptr|ip4|ip6|exists|redirect|exp|%\\{|[:/=.%{}a-z0-9]){1,8}){0,40}") {
            let _ = parse(&s);
        }

        #[test]
        fn long_records_finish(n in 0usize..10_000) {
            let record = format!("v=spf1 {}", "x".repeat(n));
            let _ = parse(&record);
        }
    }

    #[test]
    fn a_ten_thousand_character_record_is_refused_quickly() {
        let record = format!("v=spf1 {}", "%{ir}.".repeat(2000));
        assert!(record.len() > 10_000);
        let found = problems(&record);
        assert!(found[0].starts_with("record too long"));
    }
}
