//! Does a domain imitate a protected one?
//!
//! Build a [`Protected`] once from the domains worth protecting (for example
//! [`crate::brands::protected_domains`]) and ask [`Protected::imitates`] about every link host and
//! sender domain; the look-alike skeletons and pieces of every protected name are worked out once.
//!
//! False alarms matter as much as catches, so:
//!
//! * A host under a protected domain, a [`KNOWN_SIBLINGS`] domain or one given to
//!   [`Protected::allow`] is never a match. Under a protected ICANN suffix ("gov.uk", "nhs.uk")
//!   registration is controlled, so every host there is genuine ("notifications.service.gov.uk").
//!   Under a protected private suffix ("azurewebsites.net", "googleapis.com"), or where the public
//!   suffix list carves tenants out of a protected domain ("bucket.s3.amazonaws.com"), anyone can get a
//!   name, so each tenant's own name is checked like any other domain.
//! * Names that are everyday words ("office", "outlook", "apple", "sky", "visa"; `GENERIC_NAMES`)
//!   only match as exact look-alikes or when the whole domain is spelt out ("outlook.com.login.example").
//! * Real words and places, and names one letter from common words ("halifax", "parliament", "amazon",
//!   "binance", "gmail"; `WORD_NAMES`) also match as a whole hyphen-separated word or under another
//!   suffix, but not as typos or inside longer words ("halifaxcourier.co.uk", "amazonia.org").
//! * Other names get every check, under the length rules on [`Imitation::Typo`] and
//!   [`Imitation::Contains`].
//! * The same name under a foreign country code ("google.fr", "amazon.de", "parliament.nz") is not
//!   reported: big organisations own their name in most countries. Country codes sold as generic
//!   endings ("co", "io", "me", ...) and the Crown dependencies still count.

use std::collections::HashMap;
use std::net::IpAddr;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Legitimate domains that look like protected ones but belong to other genuine bodies.
/// "parliament.scot" is the Scottish Parliament, not a copy of "parliament.uk".
pub const KNOWN_SIBLINGS: &[&str] = &["parliament.scot", "senedd.wales", "gov.scot", "gov.wales"];

/// Names that are everyday words, separated by spaces: only whole-domain embedding and exact
/// look-alikes count for them.
const GENERIC_NAMES: &str =
    "office outlook live apple sky three visa meta x ups post eon octopus nationwide me mac we t g windows azure gov";

/// Names that are real words or places ("amazon" would otherwise flag rainforest campaigns such as
/// "amazonia.org"), or one letter away from common words ("binance"/"finance",
/// "gmail"/"email", "icloud"/"cloud", "monzo"/"monza", "adobe"/"abode"): no typo or substring checks.
const WORD_NAMES: &[&str] =
    &["halifax", "santander", "adobe", "parliament", "binance", "icloud", "gmail", "monzo", "amazon"];

/// Two-letter country codes that are sold as generic endings, plus the UK and Crown dependencies.
/// Other two-letter ICANN endings count as foreign (see the module notes).
const HOME_OR_GENERIC_CC: &[&str] = &["uk", "co", "io", "me", "cc", "tv", "ws", "ai", "ly", "to", "gg", "im", "je"];

/// How a domain imitates a protected one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imitation {
    /// Same look once confusable characters are mapped ("rnicrosoft.com", "paypa1.com", Cyrillic
    /// "аpple.com", "xn--..." forms): the [`skeleton`]s of the names are equal.
    Confusable,
    /// One or two character edits away (insert, delete, substitute, swap neighbours) from a
    /// distinctive name. Names of 4 characters or fewer never match this way; 5 or 6 characters allow
    /// one edit and need the same public suffix; 7 to 10 allow one edit; 11 or more allow two.
    Typo {
        /// How many edits separate the two names.
        edits: usize,
    },
    /// Same name, different public suffix: "hmrc.gov.uk" → "hmrc.co.uk", "paypal.com" → "paypal.co".
    OtherSuffix,
    /// The protected name embedded in a different domain: "paypal.com.secure-login.net",
    /// "login-microsoft.com", "hmrc-refund.uk". Names of 4 characters or fewer must stand alone as a
    /// hyphen-separated word of the registrable name ("bt-billing.com", not "debt-help.co.uk") or as a
    /// whole label; names of 6 or more may also sit inside a longer registrable name ("securepaypal.com").
    Contains,
}

impl Imitation {
    /// How convincing this kind of imitation is; higher is more convincing.
    fn strength(&self) -> u8 {
        match self {
            Self::Confusable => 5,
            Self::OtherSuffix => 4,
            Self::Typo { edits: 1 } => 3,
            Self::Contains => 2,
            Self::Typo { .. } => 1,
        }
    }
}

/// A protected domain an input imitates, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The protected domain being imitated, as given (lowercase).
    pub protected: String,
    /// How it is imitated.
    pub imitation: Imitation,
}

/// What sort of domain a protected entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An ordinary registrable domain ("paypal.com").
    Normal,
    /// An ICANN public suffix whose registrations are controlled ("gov.uk", "nhs.uk").
    Restricted,
    /// A private public suffix where anyone can get a name ("azurewebsites.net").
    Platform,
    /// A legitimate look-alike that must never be reported.
    Allowed,
}

/// How distinctive a protected name is (see the module notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// A coined or unmistakable name: all checks.
    Distinctive,
    /// A real word or place: whole-word and other-suffix checks only.
    Word,
    /// An everyday word: whole-domain and exact look-alike checks only.
    Generic,
}

/// A host split at its registrable domain and public suffix.
#[derive(Debug, Clone)]
struct Parsed {
    /// The whole host: Unicode, lowercase, without a trailing dot.
    host: String,
    /// Byte offset where the registrable domain starts.
    reg_start: usize,
    /// Byte offset where the public suffix starts.
    suffix_start: usize,
    /// Whether the suffix is an ICANN or a private (platform) one; `None` when unlisted.
    suffix_type: Option<psl::Type>,
}

impl Parsed {
    /// The registrable domain.
    fn registrable(&self) -> &str {
        self.host.get(self.reg_start..).unwrap_or_default()
    }

    /// The public suffix.
    fn suffix(&self) -> &str {
        self.host.get(self.suffix_start..).unwrap_or_default()
    }

    /// The first label of the registrable domain: "paypal" in "www.paypal.co.uk".
    fn name(&self) -> &str {
        self.host.get(self.reg_start..self.suffix_start.saturating_sub(1)).unwrap_or_default()
    }

    /// The labels before the public suffix: subdomain labels, then the name.
    fn own_labels(&self) -> impl Iterator<Item = &str> {
        self.host.get(..self.suffix_start.saturating_sub(1)).unwrap_or_default().split('.')
    }
}

/// Splits a host into its parts; `None` for IP literals, single labels and bare public suffixes.
fn parse(host: &str) -> Option<Parsed> {
    let trimmed = host.trim().trim_end_matches('.');
    let bare = trimmed.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<IpAddr>().is_ok() {
        return None;
    }
    // Hostile input is still analysed when it is not valid IDNA; the errors are not needed.
    let (unicode, _) = idna::domain_to_unicode(trimmed);
    let last = unicode.rsplit('.').next().unwrap_or_default();
    if !unicode.contains('.') || last.is_empty() || last.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let domain = psl::domain(unicode.as_bytes())?;
    let suffix = domain.suffix();
    let reg_start = unicode.len().checked_sub(domain.as_bytes().len())?;
    let suffix_start = unicode.len().checked_sub(suffix.as_bytes().len())?;
    if suffix_start <= reg_start + 1 {
        return None;
    }
    Some(Parsed { reg_start, suffix_start, suffix_type: suffix.typ(), host: unicode })
}

/// The registrable domain of `host`, or the host itself when it has none
/// (an IP literal, a single label): the "site" two hosts are compared by.
pub fn site(host: &str) -> String {
    registrable(host).unwrap_or_else(|| host.to_owned())
}

/// Whether `host` is `domain` itself or one of its subdomains.
pub fn is_within(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain).is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// Whether `host` is within any of `domains`.
pub fn is_within_any(host: &str, domains: &[&str]) -> bool {
    domains.iter().any(|domain| is_within(host, domain))
}

/// The registrable domain (eTLD+1) of a host, lowercased, Unicode (punycode decoded); `None` for IP
/// literals, single labels or hosts that are only a public suffix.
pub fn registrable(host: &str) -> Option<String> {
    parse(host).map(|parsed| parsed.registrable().to_owned())
}

/// Whether the host is written in punycode or mixes scripts in one label (Latin with Cyrillic or
/// Greek), which legitimate UK senders almost never do.
///
/// Any internationalised label counts: a label in non-ASCII characters travels as punycode on the
/// wire, and a label that mixes scripts is necessarily one of these.
pub fn mixed_script_or_punycode(host: &str) -> bool {
    host.split('.').any(|label| !label.is_ascii() || label.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")))
}

/// The confusable skeleton of a string, used to compare what people *see*.
///
/// Steps: compatibility decomposition (NFKD, so full-width and styled letters become plain ones),
/// accents dropped, then a small hand-made table inspired by Unicode's confusables (UTS #39):
/// Cyrillic, Greek and Armenian letters that look Latin become that Latin letter; "0" → "o";
/// "1", "I" (capital i), "|" → "l"; "5" → "s"; everything else is lowercased. Finally the pairs
/// "rn" → "m" and "vv" → "w" are joined. Dots and hyphens are kept.
pub fn skeleton(s: &str) -> String {
    let mut single = String::with_capacity(s.len());
    let mut push = |c: char| match fold_char(c) {
        Some(latin) => single.push(latin),
        None => single.extend(c.to_lowercase()),
    };
    // Decomposition leaves ASCII unchanged, so most hosts skip it.
    if s.is_ascii() {
        s.chars().for_each(&mut push);
    } else {
        s.nfkd().filter(|c| !is_combining_mark(*c)).for_each(&mut push);
    }
    join_pairs(&single)
}

/// The Latin letter a character is mistaken for, if it is in the table.
fn fold_char(c: char) -> Option<char> {
    Some(match c {
        '0' | 'о' | 'О' | 'ο' | 'Ο' | 'օ' => 'o',
        '1' | 'I' | '|' | 'ӏ' | 'Ӏ' | 'І' | 'Ι' | 'ǀ' => 'l',
        '5' | 'ѕ' | 'Ѕ' => 's',
        'а' | 'А' | 'α' | 'Α' | 'ɑ' => 'a',
        'е' | 'Е' | 'Ε' => 'e',
        'і' | 'ı' | 'ι' => 'i',
        'ј' | 'Ј' => 'j',
        'р' | 'Р' | 'ρ' | 'Ρ' => 'p',
        'с' | 'С' | 'ϲ' => 'c',
        'х' | 'Х' | 'χ' | 'Χ' => 'x',
        'у' | 'У' | 'γ' | 'Υ' => 'y',
        'к' | 'К' | 'κ' | 'Κ' => 'k',
        'М' | 'Μ' => 'm',
        'Н' | 'Η' | 'һ' => 'h',
        'Т' | 'Τ' => 't',
        'В' | 'Β' => 'b',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' | 'Ԝ' | 'ω' => 'w',
        'ν' => 'v',
        'υ' | 'ս' => 'u',
        'ո' | 'Ν' => 'n',
        'Ζ' => 'z',
        'ɡ' => 'g',
        _ => return None,
    })
}

/// Joins letter pairs that read as one letter: "rn" → "m", "vv" → "w".
fn join_pairs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let joined = match (c, chars.peek()) {
            ('r', Some('n')) => Some('m'),
            ('v', Some('v')) => Some('w'),
            _ => None,
        };
        if let Some(letter) = joined {
            chars.next();
            out.push(letter);
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether two token lists line up: `needle` appears as consecutive items of `hay`, starting at an
/// index accepted by `start_ok`.
fn has_run<T: AsRef<str>>(hay: &[T], needle: &[String], start_ok: impl Fn(usize) -> bool) -> bool {
    !needle.is_empty()
        && hay.windows(needle.len()).enumerate().any(|(at, window)| {
            start_ok(at) && window.iter().zip(needle).all(|(got, want)| got.as_ref() == want.as_str())
        })
}

/// The optimal-string-alignment edit distance (insert, delete, substitute, swap neighbours),
/// computed row by row in three reused rows.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut before = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur = vec![0; width];
    for (i, &ca) in a.iter().enumerate() {
        if let Some(first) = cur.first_mut() {
            *first = i + 1;
        }
        for (j, &cb) in b.iter().enumerate() {
            let delete = prev.get(j + 1).map_or(usize::MAX, |d| d + 1);
            let insert = cur.get(j).map_or(usize::MAX, |d| d + 1);
            let substitute = prev.get(j).map_or(usize::MAX, |d| d + usize::from(ca != cb));
            let mut best = delete.min(insert).min(substitute);
            let swapped = i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca);
            if let Some(d) = before.get(j.wrapping_sub(1)).filter(|_| swapped) {
                best = best.min(d + 1);
            }
            if let Some(cell) = cur.get_mut(j + 1) {
                *cell = best;
            }
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(a.len().max(b.len()))
}

/// Splits a skeleton label into its hyphen-separated words.
fn words(label: &str) -> Vec<String> {
    label.split('-').map(str::to_owned).collect()
}

/// Splits a host into the hyphen-separated words of all its labels.
fn domain_words(domain: &str) -> Vec<String> {
    domain.split('.').flat_map(|label| words(&skeleton(label))).collect()
}

/// The comparable parts of a registrable domain, shared by hosts and protected entries.
#[derive(Debug, Clone)]
struct Parts {
    /// The registrable domain (for a protected public suffix, the suffix itself).
    registrable: String,
    /// Skeleton of `registrable`.
    full: String,
    /// The raw first label ("paypa1").
    raw_name: String,
    /// Skeleton of the first label ("paypal").
    name: String,
    /// `name` as characters, for edit distances.
    chars: Vec<char>,
    /// `name` without hyphens.
    flat: String,
    /// The raw public suffix.
    suffix: String,
}

impl Parts {
    /// Prepares a registrable domain split into its first label and public suffix.
    fn new(registrable: &str, raw_name: &str, suffix: &str) -> Self {
        let name = skeleton(raw_name);
        Self {
            registrable: registrable.to_owned(),
            full: skeleton(registrable),
            raw_name: raw_name.to_owned(),
            chars: name.chars().collect(),
            flat: name.replace('-', ""),
            name,
            suffix: suffix.to_owned(),
        }
    }
}

/// A host prepared once for comparison with every protected entry.
#[derive(Debug)]
struct Candidate {
    /// Its registrable domain's parts.
    parts: Parts,
    /// Whether the suffix is a foreign country code (see the module notes).
    foreign: bool,
    /// Hyphen-separated words of every label.
    tokens: Vec<String>,
    /// How many of `tokens` come before the public suffix.
    own_tokens: usize,
    /// Skeletons of the labels before the suffix with their words; the last one is the name.
    labels: Vec<(String, Vec<String>)>,
}

impl Candidate {
    /// Prepares a parsed host.
    fn new(parsed: &Parsed) -> Self {
        let labels: Vec<(String, Vec<String>)> = parsed
            .own_labels()
            .map(|label| {
                let folded = skeleton(label);
                let split = words(&folded);
                (folded, split)
            })
            .collect();
        let last = parsed.suffix().rsplit('.').next().unwrap_or_default();
        Self {
            parts: Parts::new(parsed.registrable(), parsed.name(), parsed.suffix()),
            foreign: parsed.suffix_type == Some(psl::Type::Icann)
                && last.len() == 2
                && last.is_ascii()
                && !HOME_OR_GENERIC_CC.contains(&last),
            tokens: domain_words(&parsed.host),
            own_tokens: labels.iter().map(|(_, split)| split.len()).sum(),
            labels,
        }
    }
}

/// One protected domain, prepared for comparison.
#[derive(Debug, Clone)]
struct Entry {
    /// The protected domain as given.
    domain: String,
    /// What sort of domain it is.
    kind: Kind,
    /// How distinctive its name is.
    tier: Tier,
    /// Its registrable domain's parts.
    parts: Parts,
    /// Hyphen-separated words of the name skeleton.
    name_words: Vec<String>,
    /// Hyphen-separated words of every label of the domain.
    domain_words: Vec<String>,
}

impl Entry {
    /// Prepares a protected domain; `None` when it is empty, a single label or an IP literal.
    fn new(domain: &str) -> Option<Self> {
        let domain = idna::domain_to_unicode(domain.trim().trim_end_matches('.')).0;
        if domain.parse::<IpAddr>().is_ok() {
            return None;
        }
        let (kind, parts) = match parse(&domain) {
            Some(parsed) => (Kind::Normal, Parts::new(parsed.registrable(), parsed.name(), parsed.suffix())),
            None => {
                let (first, rest) = domain.split_once('.')?;
                let typ = psl::suffix(domain.as_bytes()).and_then(|s| s.typ());
                let kind = if typ == Some(psl::Type::Icann) { Kind::Restricted } else { Kind::Platform };
                (kind, Parts::new(&domain, first, rest))
            }
        };
        let raw_name = parts.raw_name.as_str();
        let tier = if GENERIC_NAMES.split(' ').any(|generic| generic == raw_name) {
            Tier::Generic
        } else if WORD_NAMES.contains(&raw_name) {
            Tier::Word
        } else {
            Tier::Distinctive
        };
        Some(Self { kind, tier, name_words: words(&parts.name), domain_words: domain_words(&domain), parts, domain })
    }

    /// How `candidate` imitates this entry, if it does.
    fn compare(&self, candidate: &Candidate) -> Option<Imitation> {
        if candidate.parts.name == self.parts.name {
            let same = self.same_name(&candidate.parts, candidate.foreign);
            if same.is_some() || self.kind == Kind::Normal {
                return same;
            }
            return self.whole_domain_in(candidate).then_some(Imitation::Contains);
        }
        let typo = self.typo(&candidate.parts);
        let contains = self.contains(candidate).then_some(Imitation::Contains);
        match (typo, contains) {
            (Some(typo), Some(contains)) => Some(if typo.strength() > contains.strength() { typo } else { contains }),
            (typo, contains) => typo.or(contains),
        }
    }

    /// The verdict when the names look the same.
    fn same_name(&self, other: &Parts, foreign: bool) -> Option<Imitation> {
        let mine = &self.parts;
        if other.full == mine.full {
            return (other.registrable != mine.registrable).then_some(Imitation::Confusable);
        }
        if self.kind != Kind::Normal {
            return None;
        }
        if other.raw_name != mine.raw_name {
            return Some(Imitation::Confusable);
        }
        (self.tier != Tier::Generic && !foreign).then_some(Imitation::OtherSuffix)
    }

    /// A typo of a distinctive name, under the length rules on [`Imitation::Typo`].
    fn typo(&self, other: &Parts) -> Option<Imitation> {
        let len = self.parts.chars.len();
        if self.kind != Kind::Normal || self.tier != Tier::Distinctive || len < 5 {
            return None;
        }
        if len <= 6 && other.suffix != self.parts.suffix {
            return None;
        }
        let max = if len >= 11 { 2 } else { 1 };
        if other.chars.len().abs_diff(len) > max {
            return None;
        }
        let edits = edit_distance(&other.chars, &self.parts.chars);
        (1..=max).contains(&edits).then_some(Imitation::Typo { edits })
    }

    /// Whether the name is embedded, under the rules on [`Imitation::Contains`].
    fn contains(&self, candidate: &Candidate) -> bool {
        if self.whole_domain_in(candidate) {
            return true;
        }
        let len = self.parts.chars.len();
        if self.kind != Kind::Normal || self.tier == Tier::Generic || len < 2 {
            return false;
        }
        self.name_in_labels(candidate)
            || (self.tier == Tier::Distinctive && len >= 6 && candidate.parts.flat.contains(&self.parts.flat))
    }

    /// The whole protected domain spelt out in the host: "paypal.com.evil.net", "hmrc-gov-uk.com".
    fn whole_domain_in(&self, candidate: &Candidate) -> bool {
        has_run(&candidate.tokens, &self.domain_words, |at| at < candidate.own_tokens)
    }

    /// The name as whole hyphen-separated words of a label. Short names (4 characters or fewer)
    /// must be a whole label, or whole words of the registrable name.
    fn name_in_labels(&self, candidate: &Candidate) -> bool {
        let short = self.parts.chars.len() <= 4;
        let last = candidate.labels.len().saturating_sub(1);
        candidate.labels.iter().enumerate().any(|(index, (label, split))| {
            if short && index != last {
                return *label == self.parts.name;
            }
            has_run(split, &self.name_words, |_| true)
        })
    }
}

/// A prepared list of protected domains, built once and asked about many hosts.
#[derive(Debug, Clone)]
pub struct Protected {
    /// The protected domains, prepared.
    entries: Vec<Entry>,
    /// Every protected and allowed domain, for the "is this host genuine?" check.
    kinds: HashMap<String, Kind>,
}

impl Protected {
    /// Prepares `domains` (registrable domains, or public suffixes run by one body such as "gov.uk").
    /// The [`KNOWN_SIBLINGS`] are allowed automatically. Empty entries are ignored.
    ///
    /// For example `Protected::new(["paypal.com", "hmrc.gov.uk"])`, or for every brand
    /// `Protected::new(brands::protected_domains())`.
    pub fn new<'a>(domains: impl IntoIterator<Item = &'a str>) -> Self {
        let entries: Vec<Entry> = domains.into_iter().filter_map(Entry::new).collect();
        let mut kinds: HashMap<String, Kind> =
            KNOWN_SIBLINGS.iter().map(|domain| ((*domain).to_owned(), Kind::Allowed)).collect();
        for entry in &entries {
            kinds.insert(entry.domain.clone(), entry.kind);
        }
        Self { entries, kinds }
    }

    /// Adds legitimate domains that must never be reported (a local organisation whose name
    /// happens to contain a brand's, say). Hosts under them are treated as genuine.
    #[must_use]
    pub fn allow<'a>(mut self, domains: impl IntoIterator<Item = &'a str>) -> Self {
        for domain in domains {
            let domain = idna::domain_to_unicode(domain.trim().trim_end_matches('.')).0;
            self.kinds.insert(domain, Kind::Allowed);
        }
        self
    }

    /// Whether `host` imitates one of the protected domains, and how. A host whose registrable
    /// domain is a protected domain (or under one) is never a match. When several protected domains
    /// match, the most convincing imitation wins (confusable, then other suffix, then a one-edit
    /// typo, then contains, then a two-edit typo), then one whose whole domain is spelt out in the
    /// host, then the one with the longer name ("hmrc.gov.uk" over "gov.uk"), then the earlier one.
    pub fn imitates(&self, host: &str) -> Option<Match> {
        let parsed = parse(host)?;
        if self.is_genuine(&parsed) {
            return None;
        }
        let candidate = Candidate::new(&parsed);
        self.entries
            .iter()
            .rev()
            .filter_map(|entry| entry.compare(&candidate).map(|imitation| (entry, imitation)))
            .max_by_key(|(entry, imitation)| {
                (imitation.strength(), entry.whole_domain_in(&candidate), entry.parts.chars.len())
            })
            .map(|(entry, imitation)| Match { protected: entry.domain.clone(), imitation })
    }

    /// Whether the host lies under a protected or allowed domain in a way that makes it genuine.
    fn is_genuine(&self, parsed: &Parsed) -> bool {
        let host = parsed.host.as_str();
        let starts = std::iter::once(0).chain(host.match_indices('.').map(|(at, _)| at + 1));
        starts.filter_map(|at| host.get(at..).map(|tail| (at, tail))).any(|(at, tail)| {
            match self.kinds.get(tail) {
                Some(Kind::Allowed | Kind::Restricted) => true,
                // A tenant of a platform the owner runs ("bucket.s3.amazonaws.com") is not genuine.
                Some(Kind::Normal) => at < parsed.suffix_start,
                Some(Kind::Platform) | None => false,
            }
        })
    }
}

/// Whether `host` imitates any of `protected` (registrable domains, lowercase); see
/// [`Protected::imitates`]. This prepares the list on every call: build a [`Protected`] once instead
/// when checking many hosts.
pub fn imitates(host: &str, protected: &[&str]) -> Option<Match> {
    Protected::new(protected.iter().copied()).imitates(host)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests;
