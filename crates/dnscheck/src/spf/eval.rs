//! Walking a domain's SPF record the way a receiver would when a message
//! matches nothing (the case that matters for spoofed mail): every
//! include and redirect is read, every DNS-querying mechanism is counted
//! and, where its name can be known without a message, queried.
//!
//! The walk uses an explicit work list, not recursion, and stops at hard
//! caps so a hostile chain of includes ends quickly.

use std::collections::HashMap;

use crate::finding::{Check, Finding, Status};
use crate::resolver::{Answer, LookupError, Rcode, Rdata, RecordType, Resolver};

use super::macros::{MacroString, check_labels};
use super::parse::{Mechanism, SpfRecord, is_spf, parse};
use super::tree::{Slot, Via};

/// Deepest include/redirect chain followed.
pub(super) const MAX_DEPTH: usize = 20;
/// Most records fetched in one check.
pub(super) const MAX_RECORDS: usize = 50;
/// Most DNS queries made in one check (besides the first).
const MAX_QUERIES: usize = 200;
/// Most mail servers an `mx` mechanism may name (RFC 7208 4.6.4).
const MAX_MX_NAMES: usize = 10;

/// A record still to read.
#[derive(Debug)]
struct Pending {
    parent: Option<usize>,
    domain: String,
    via: Via,
    depth: usize,
    /// Domains from the root down to this one, for loops and messages.
    trail: Vec<String>,
    /// The term that led here (empty for the root).
    term: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// The root, already fetched.
    Known(String),
    /// To be fetched.
    Fetch,
    /// Already on the trail: an include loop.
    Loop,
}

/// What the walk found.
pub(super) struct Walk<'a> {
    dns: &'a dyn Resolver,
    cache: HashMap<(String, RecordType), Result<Answer, LookupError>>,
    queries: usize,
    fetched: usize,
    /// Detail findings, in the order found.
    pub findings: Vec<Finding>,
    /// Void lookups, described.
    pub voids: Vec<String>,
    /// A cap stopped the walk: totals are lower bounds.
    pub truncated: bool,
    /// The records read, parents before children.
    pub slots: Vec<Slot>,
    /// The root record, if it parsed.
    pub root: Option<SpfRecord>,
}

/// `text` starting with a capital letter.
fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Where a term was found, for messages.
fn place(p: &Pending) -> String {
    match p.via {
        Via::Root => format!("the SPF record of {}", p.domain),
        Via::Include | Via::Redirect => format!("the SPF record of {} (reached via {})", p.domain, p.trail.join(" → ")),
    }
}

impl<'a> Walk<'a> {
    /// Walk everything reachable from `domain`'s `record`.
    pub async fn run(dns: &'a dyn Resolver, domain: &str, record: &str) -> Self {
        let mut walk = Self {
            dns,
            cache: HashMap::new(),
            queries: 0,
            fetched: 1,
            findings: Vec::new(),
            voids: Vec::new(),
            truncated: false,
            slots: Vec::new(),
            root: None,
        };
        let root = Pending {
            parent: None,
            domain: domain.to_owned(),
            via: Via::Root,
            depth: 0,
            trail: vec![domain.to_owned()],
            term: String::new(),
            kind: Kind::Known(record.to_owned()),
        };
        let mut stack = vec![root];
        while let Some(p) = stack.pop() {
            let children = walk.step(p).await;
            stack.extend(children.into_iter().rev());
        }
        walk
    }

    fn add(&mut self, status: Status, code: &str, message: String, fix: Option<String>) {
        let finding = Finding::new(Check::Spf, status, code, message);
        self.findings.push(match fix {
            Some(fix) => finding.fix(fix),
            None => finding,
        });
    }

    /// Read one record and return the records it leads to.
    async fn step(&mut self, p: Pending) -> Vec<Pending> {
        let idx = self.slots.len();
        if let Some(parent) = p.parent.and_then(|i| self.slots.get_mut(i)) {
            parent.children.push(idx);
        }
        let mut slot = Slot::new(&p.domain, p.via);
        slot.term.clone_from(&p.term);
        slot.parent = p.parent;
        let text = match &p.kind {
            Kind::Known(text) => Some(text.clone()),
            Kind::Loop => {
                self.report_loop(&p);
                slot.node.problem = Some("include loop: already being read".to_owned());
                None
            }
            Kind::Fetch => self.fetch(&p, &mut slot).await,
        };
        let Some(text) = text else {
            self.slots.push(slot);
            return Vec::new();
        };
        slot.node.record = Some(text.clone());
        self.slots.push(slot);
        match parse(&text) {
            Ok(record) => {
                let children = self.terms(&p, idx, &record).await;
                if p.via == Via::Root {
                    self.root = Some(record);
                }
                children
            }
            Err(problems) => {
                self.report_syntax(&p, &problems.iter().map(ToString::to_string).collect::<Vec<_>>());
                Vec::new()
            }
        }
    }

    fn report_loop(&mut self, p: &Pending) {
        let parent = p.trail.iter().rev().nth(1).cloned().unwrap_or_default();
        let message = format!(
            "{} in the SPF record of {parent} leads back to {}, which is already being read ({}): an include loop. \
             Receivers give up with a permanent error, so SPF fails for all your mail.",
            p.term,
            p.domain,
            p.trail.join(" → ")
        );
        self.add(
            Status::Fail,
            "include_loop",
            message,
            Some(format!("Remove {} from the SPF record of {parent}.", p.term)),
        );
    }

    fn report_syntax(&mut self, p: &Pending, problems: &[String]) {
        let list = problems.join("; ");
        let (message, fix) = if p.via == Via::Root {
            (
                format!("The SPF record of {} has errors, so receivers ignore it (permanent error): {list}.", p.domain),
                format!(
                    "Correct the TXT record at {}: terms are separated by single spaces and written like \
                     include:_spf.example.com, ip4:192.0.2.0/24 or -all.",
                    p.domain
                ),
            )
        } else {
            (
                format!(
                    "{} has errors ({list}); receivers treat this as a permanent error for your domain too.",
                    upper_first(&place(p))
                ),
                format!(
                    "Ask whoever runs {} to correct it, or remove {} if you no longer use that service.",
                    p.domain, p.term
                ),
            )
        };
        self.add(Status::Fail, "syntax_error", message, Some(fix));
    }

    /// The SPF record of an include or redirect target.
    async fn fetch(&mut self, p: &Pending, slot: &mut Slot) -> Option<String> {
        if p.depth > MAX_DEPTH || self.fetched >= MAX_RECORDS {
            self.truncated = true;
            slot.node.problem =
                Some(format!("not followed: the check stops at {MAX_DEPTH} levels or {MAX_RECORDS} records"));
            return None;
        }
        self.fetched += 1;
        let answer = match self.query(&p.domain, RecordType::Txt).await? {
            Ok(answer) => answer,
            Err(e) => {
                self.fetch_failed(p, &e);
                slot.node.problem = Some(format!("lookup failed: {e}"));
                return None;
            }
        };
        let mut found: Vec<String> = answer.texts().into_iter().filter(|t| is_spf(t)).collect();
        match found.len() {
            1 => found.pop(),
            0 => {
                self.no_spf_at_target(p, &answer);
                slot.node.problem = Some("no SPF record".to_owned());
                None
            }
            n => {
                let message =
                    format!("{} publishes {n} SPF records, so {} fails with a permanent error.", p.domain, p.term);
                let fix = format!("Ask whoever runs {} to merge them into one record.", p.domain);
                self.add(Status::Fail, "multiple_records", message, Some(fix));
                slot.node.problem = Some(format!("{n} SPF records"));
                None
            }
        }
    }

    fn no_spf_at_target(&mut self, p: &Pending, answer: &Answer) {
        let why = if answer.rcode == Rcode::NxDomain { " (the name does not exist)" } else { "" };
        if answer.is_empty() {
            self.voids.push(format!("{} ({})", p.term, p.domain));
        }
        let parent = p.trail.iter().rev().nth(1).cloned().unwrap_or_default();
        let message = format!(
            "{} in the SPF record of {parent} points at {}, which has no SPF record{why}. \
             Receivers treat this as a permanent error, so SPF fails for all your mail.",
            p.term, p.domain
        );
        let (code, fix) = if p.via == Via::Redirect {
            ("redirect_without_spf", format!("Check {} against your mail provider's instructions.", p.term))
        } else {
            (
                "include_without_spf",
                format!(
                    "Check the spelling of {} against your mail provider's instructions, or remove it if you no \
                     longer use that service.",
                    p.term
                ),
            )
        };
        self.add(Status::Fail, code, message, Some(fix));
    }

    fn fetch_failed(&mut self, p: &Pending, e: &LookupError) {
        let parent = p.trail.iter().rev().nth(1).cloned().unwrap_or_default();
        let message = format!(
            "Could not look up the SPF record of {} ({} in the SPF record of {parent}): {e}. SPF could not be fully \
             checked, and receivers may get a temporary error too.",
            p.domain, p.term
        );
        let fix = format!("Try again later; if it keeps failing, ask whoever runs DNS for {} to fix it.", p.domain);
        self.add(Status::Unknown, "lookup_failed", message, Some(fix));
    }

    fn lookup_failed(&mut self, p: &Pending, name: &str, e: &LookupError) {
        let message = format!(
            "Could not look up {name} while reading {}: {e}. SPF could not be fully checked, and receivers may get \
             a temporary error too.",
            place(p)
        );
        let fix = format!("Try again later; if it keeps failing, ask whoever runs DNS for {name} to fix it.");
        self.add(Status::Unknown, "lookup_failed", message, Some(fix));
    }

    /// A DNS query through the cache, within the query cap.
    async fn query(&mut self, name: &str, rtype: RecordType) -> Option<Result<Answer, LookupError>> {
        let key = (name.to_owned(), rtype);
        if let Some(hit) = self.cache.get(&key) {
            return Some(hit.clone());
        }
        if self.queries >= MAX_QUERIES {
            self.truncated = true;
            return None;
        }
        self.queries += 1;
        let result = self.dns.lookup(name, rtype).await;
        self.cache.insert(key, result.clone());
        Some(result)
    }

    /// Go through the terms a receiver reaches when nothing matches:
    /// everything before `all`, then `redirect=` if there is no `all`.
    async fn terms(&mut self, p: &Pending, idx: usize, record: &SpfRecord) -> Vec<Pending> {
        let mut lookups = 0u32;
        let mut all = None;
        let mut unused = Vec::new();
        let mut kids = Vec::new();
        let mut ptr_seen = false;
        for d in record.directives() {
            if all.is_some() {
                unused.push(d.text.clone());
                continue;
            }
            if d.mechanism.costs_lookup() {
                lookups += 1;
            }
            match &d.mechanism {
                Mechanism::All => all = Some(d.qualifier),
                Mechanism::Include(spec) => {
                    if let Some(target) = self.target(p, spec, &d.text) {
                        kids.push(child(p, idx, target, Via::Include, &d.text));
                    }
                }
                Mechanism::A { domain, .. } => {
                    if let Some(target) = self.target_or_here(p, domain.as_ref(), &d.text) {
                        self.check_a(p, &target, &d.text).await;
                    }
                }
                Mechanism::Mx { domain, .. } => {
                    if let Some(target) = self.target_or_here(p, domain.as_ref(), &d.text) {
                        self.check_mx(p, &target, &d.text).await;
                    }
                }
                Mechanism::Exists(spec) => {
                    if let Some(target) = self.target(p, spec, &d.text) {
                        self.check_exists(p, &target, &d.text).await;
                    }
                }
                Mechanism::Ptr(_) => {
                    if !ptr_seen {
                        self.report_ptr(p);
                    }
                    ptr_seen = true;
                }
                Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {}
            }
        }
        if let Some(spec) = record.redirect() {
            let text = format!("redirect={spec}");
            if all.is_some() {
                self.report_redirect_ignored(p, &text);
            } else {
                lookups += 1;
                if let Some(target) = self.target(p, spec, &text) {
                    kids.push(child(p, idx, target, Via::Redirect, &text));
                }
            }
        }
        if !unused.is_empty() {
            self.report_unused(p, &unused);
        }
        if let Some(slot) = self.slots.get_mut(idx) {
            slot.node.lookups = lookups;
            slot.node.all = all;
        }
        kids
    }

    fn target_or_here(&mut self, p: &Pending, spec: Option<&MacroString>, term: &str) -> Option<String> {
        match spec {
            Some(spec) => self.target(p, spec, term),
            None => Some(p.domain.clone()),
        }
    }

    /// The name a term queries, if it can be known without a message.
    fn target(&mut self, p: &Pending, spec: &MacroString, term: &str) -> Option<String> {
        let Some(name) = spec.expand(&p.domain) else {
            let letters: Vec<String> = spec.sender_macros().iter().map(|l| format!("%{{{l}}}")).collect();
            let message = format!(
                "{term} in {} uses {}, which depends on the message being checked (such as the sending server's \
                 address), so it can only be worked out when mail arrives. It is counted as 1 DNS lookup but not \
                 checked here.",
                place(p),
                letters.join(", ")
            );
            self.add(Status::Ok, "macro_not_expanded", message, None);
            return None;
        };
        if let Err(e) = check_labels(&name, &name) {
            let message = format!("{term} in {} expands to an invalid name: {e}.", place(p));
            self.add(Status::Fail, "syntax_error", message, Some(format!("Correct {term}.")));
            return None;
        }
        Some(name)
    }

    fn void(&mut self, p: &Pending, term: &str, name: &str, why: &str) {
        self.voids.push(if term.contains(name) { term.to_owned() } else { format!("{term} ({name})") });
        let message = format!(
            "{term} in {} looks up {name}, which {why}. This is a \"void lookup\": it can never match, and \
             receivers allow at most 2 of them (RFC 7208 4.6.4).",
            place(p)
        );
        let fix = format!("Remove {term} if that server is no longer used, or correct the name.");
        self.add(Status::Warn, "void_lookup", message, Some(fix));
    }

    /// `a`: the name should have addresses (A, else AAAA).
    async fn check_a(&mut self, p: &Pending, name: &str, term: &str) {
        match self.addresses(p, name).await {
            Some(Presence::Missing) => self.void(p, term, name, "does not exist"),
            Some(Presence::NoData) => self.void(p, term, name, "has no address records"),
            Some(Presence::Found) | None => {}
        }
    }

    /// `exists`: always an A query (RFC 7208 5.7).
    async fn check_exists(&mut self, p: &Pending, name: &str, term: &str) {
        match self.query(name, RecordType::A).await {
            Some(Err(e)) => self.lookup_failed(p, name, &e),
            Some(Ok(a)) if a.rcode == Rcode::NxDomain => self.void(p, term, name, "does not exist"),
            Some(Ok(a)) if a.is_empty() => self.void(p, term, name, "has no address records"),
            Some(Ok(_)) | None => {}
        }
    }

    /// Whether `name` has an address; `None` when unknown (reported).
    async fn addresses(&mut self, p: &Pending, name: &str) -> Option<Presence> {
        let v4 = match self.query(name, RecordType::A).await? {
            Ok(a) => a,
            Err(e) => {
                self.lookup_failed(p, name, &e);
                return None;
            }
        };
        if v4.rcode == Rcode::NxDomain {
            return Some(Presence::Missing);
        }
        if !v4.is_empty() {
            return Some(Presence::Found);
        }
        match self.query(name, RecordType::Aaaa).await? {
            Ok(v6) if v6.is_empty() => Some(Presence::NoData),
            Ok(_) => Some(Presence::Found),
            Err(e) => {
                self.lookup_failed(p, name, &e);
                None
            }
        }
    }

    /// `mx`: the MX query, then at most 10 mail servers' addresses
    /// (RFC 7208 4.6.4).
    async fn check_mx(&mut self, p: &Pending, name: &str, term: &str) {
        let answer = match self.query(name, RecordType::Mx).await {
            None => return,
            Some(Err(e)) => return self.lookup_failed(p, name, &e),
            Some(Ok(a)) => a,
        };
        if answer.is_empty() {
            let why = if answer.rcode == Rcode::NxDomain { "does not exist" } else { "has no MX records" };
            return self.void(p, term, name, why);
        }
        let mut hosts: Vec<String> = Vec::new();
        for r in &answer.records {
            if let Rdata::Mx { exchange, .. } = r
                && !exchange.is_empty()
                && !hosts.contains(exchange)
            {
                hosts.push(exchange.clone());
            }
        }
        if hosts.len() > MAX_MX_NAMES {
            self.report_too_many_mx(p, term, name, hosts.len());
        }
        let (mut found, mut unknown) = (false, false);
        for host in hosts.iter().take(MAX_MX_NAMES) {
            match self.addresses(p, host).await {
                Some(Presence::Found) => found = true,
                Some(Presence::Missing | Presence::NoData) => {}
                None => unknown = true,
            }
        }
        if !found && !unknown {
            let message =
                format!("{term} in {} can never match: the mail servers of {name} have no addresses.", place(p));
            self.add(Status::Warn, "mx_no_addresses", message, Some(format!("Remove {term} or correct it.")));
        }
    }

    fn report_too_many_mx(&mut self, p: &Pending, term: &str, name: &str, n: usize) {
        let message = format!(
            "{term} in {}: {name} has {n} mail servers, but SPF allows at most {MAX_MX_NAMES} for one mx \
             (RFC 7208 4.6.4), so receivers return a permanent error.",
            place(p)
        );
        let fix = format!("Replace {term} with ip4:/ip6: entries or your provider's include:.");
        self.add(Status::Fail, "too_many_mx", message, Some(fix));
    }

    fn report_ptr(&mut self, p: &Pending) {
        let message = format!(
            "{} uses 'ptr', which RFC 7208 (5.5) says not to use: it is slow and unreliable, and some receivers \
             ignore it. It still costs 1 DNS lookup.",
            upper_first(&place(p))
        );
        let fix = "Replace ptr with ip4:/ip6: entries (or a:) for the servers that send your mail.".to_owned();
        self.add(Status::Warn, "ptr_deprecated", message, Some(fix));
    }

    fn report_redirect_ignored(&mut self, p: &Pending, text: &str) {
        let message = format!("In {}, {text} is ignored because the record has an 'all' (RFC 7208 6.1).", place(p));
        self.add(
            Status::Warn,
            "redirect_ignored",
            message,
            Some("Remove either the 'all' or the redirect=.".to_owned()),
        );
    }

    fn report_unused(&mut self, p: &Pending, unused: &[String]) {
        let message =
            format!("In {}, {} come after 'all' and are never used (RFC 7208 5.1).", place(p), unused.join(" "));
        self.add(Status::Warn, "terms_after_all", message, Some("Move them before the 'all' at the end.".to_owned()));
    }
}

/// Whether a name has addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Found,
    /// NOERROR with no records.
    NoData,
    /// NXDOMAIN.
    Missing,
}

/// The next record to read, or a loop if `target` is already on the trail.
fn child(p: &Pending, parent: usize, target: String, via: Via, term: &str) -> Pending {
    let kind = if p.trail.contains(&target) { Kind::Loop } else { Kind::Fetch };
    let mut trail = p.trail.clone();
    trail.push(target.clone());
    Pending { parent: Some(parent), domain: target, via, depth: p.depth + 1, trail, term: term.to_owned(), kind }
}
