//! The summary of a domain's reports: tallies and spans from the store,
//! names of the sending machines (cached reverse DNS, looked up when asked),
//! then the pure aggregation in `portcullis-dmarc`.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::time::Duration;

use portcullis_dmarc::Tally;
use portcullis_dmarc::summary::{Summary, SummaryInput, summarise};
use portcullis_dnscheck::{LookupError, Rdata, RecordType, Resolver, reverse_lookup};
use portcullis_types::OfficeId;

use crate::{App, AppError};

/// Addresses named per summary, busiest first; the rest stay unnamed.
const NAMED_SOURCES: usize = 200;
/// Reverse-DNS lookups at once.
const LOOKUP_CONCURRENCY: usize = 16;
/// All lookups of one summary together.
const LOOKUP_DEADLINE: Duration = Duration::from_secs(15);
/// A cached name is used for this long.
const NAME_FRESH_SECS: i64 = 30 * 86_400;
/// Days the readiness rules always look at.
const READINESS_DAYS: u32 = 30;
/// Longest period a summary covers.
pub const MAX_DAYS: u32 = 366;

/// The busiest source addresses, most messages first.
fn busiest(tallies: &[Tally]) -> Vec<IpAddr> {
    let mut volume: HashMap<IpAddr, u64> = HashMap::new();
    for t in tallies {
        let v = volume.entry(t.source_ip).or_default();
        *v = v.saturating_add(t.messages);
    }
    let mut by_volume: Vec<(IpAddr, u64)> = volume.into_iter().collect();
    by_volume.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    by_volume.into_iter().take(NAMED_SOURCES).map(|(ip, _)| ip).collect()
}

impl App {
    /// What the office's reports say about `domain` over the last `days`
    /// days (1 to [`MAX_DAYS`]). With `lookups`, sending machines without a
    /// cached name are looked up in reverse DNS (bounded in number and
    /// time); without, only cached names are used, so it works offline.
    pub async fn dmarc_summary(
        &self,
        office: OfficeId,
        domain: &str,
        days: u32,
        lookups: bool,
    ) -> Result<Summary, AppError> {
        let days = days.clamp(1, MAX_DAYS);
        let now = self.clock().now();
        // Readiness always looks at the last 30 days, whatever the period shown.
        let loaded = days.max(READINESS_DAYS);
        let since = portcullis_store::day_of(now.unix_seconds()) - i64::from(loaded - 1) * 86_400;
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let tallies = self.store().dmarc_tallies(office, &domain, since).await?;
        let reports = self.store().dmarc_spans(office, &domain, since).await?;
        let names = self.source_names(&busiest(&tallies), lookups).await?;
        Ok(summarise(&SummaryInput {
            domain: &domain,
            now: now.unix_seconds(),
            days,
            tallies: &tallies,
            reports: &reports,
            names: &names,
        }))
    }

    /// Reverse-DNS names for `ips`: fresh cached ones, then (with `lookups`)
    /// the rest looked up and cached. Lookups that fail are simply unnamed.
    async fn source_names(&self, ips: &[IpAddr], lookups: bool) -> Result<HashMap<IpAddr, String>, AppError> {
        let now = self.clock().now();
        let cached = self.store().cached_names(ips, now.plus_secs(-NAME_FRESH_SECS)).await?;
        let missing: Vec<IpAddr> = ips.iter().filter(|ip| !cached.contains_key(ip)).copied().collect();
        let mut names: HashMap<IpAddr, String> =
            cached.into_iter().filter_map(|(ip, name)| name.map(|n| (ip, n))).collect();
        if lookups && !missing.is_empty() {
            let found = self.look_up_names(missing).await;
            let rows: Vec<(IpAddr, Option<String>)> = found.iter().map(|(ip, n)| (*ip, n.clone())).collect();
            self.store().cache_names(&rows, now).await?;
            names.extend(found.into_iter().filter_map(|(ip, n)| n.map(|n| (ip, n))));
        }
        Ok(names)
    }

    /// Look up names, a few at a time, until the deadline. Only definite
    /// answers (a name, or none) come back; errors and timeouts are left out
    /// so they are tried again another time.
    async fn look_up_names(&self, ips: Vec<IpAddr>) -> BTreeMap<IpAddr, Option<String>> {
        let found = std::sync::Arc::new(tokio::sync::Mutex::new(BTreeMap::new()));
        let work = {
            let found = std::sync::Arc::clone(&found);
            let dns = std::sync::Arc::clone(&self.dns);
            async move {
                let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(LOOKUP_CONCURRENCY));
                let mut tasks = tokio::task::JoinSet::new();
                for ip in ips {
                    let (dns, found, semaphore) =
                        (std::sync::Arc::clone(&dns), std::sync::Arc::clone(&found), std::sync::Arc::clone(&semaphore));
                    tasks.spawn(async move {
                        let Ok(_permit) = semaphore.acquire().await else { return };
                        if let Ok(name) = confirmed_name(dns.as_ref(), ip).await {
                            found.lock().await.insert(ip, name);
                        }
                    });
                }
                while tasks.join_next().await.is_some() {}
            }
        };
        // On the deadline the unfinished lookups are dropped with the JoinSet.
        let _ = tokio::time::timeout(LOOKUP_DEADLINE, work).await;
        let mut guard = found.lock().await;
        std::mem::take(&mut *guard)
    }
}

/// The reverse-DNS name of `ip`, but only when that name's own addresses
/// include `ip` ("forward-confirmed"): anyone can make their address's
/// reverse DNS say `mail.outlook.com`, but not make Microsoft's name point
/// back at it. An unconfirmed name counts as no name.
async fn confirmed_name(dns: &dyn Resolver, ip: IpAddr) -> Result<Option<String>, LookupError> {
    let Some(name) = reverse_lookup(dns, ip).await? else { return Ok(None) };
    let rtype = if ip.is_ipv4() { RecordType::A } else { RecordType::Aaaa };
    let answer = dns.lookup(&name, rtype).await?;
    let confirmed = answer.records.iter().any(|r| match r {
        Rdata::A(a) => IpAddr::V4(*a) == ip,
        Rdata::Aaaa(a) => IpAddr::V6(*a) == ip,
        _ => false,
    });
    Ok(confirmed.then_some(name))
}
