//! Against the real DNS lab (`../shared/dns-lab/start.sh`): Knot serving the
//! scenario zones behind a validating Unbound. Skipped, saying so, when the
//! lab is not given in `PORTCULLIS_DNS_LAB` (IP:PORT of its resolver);
//! `PORTCULLIS_REQUIRE_DNS_LAB=1` (set by ./scripts/test) turns the skip into
//! a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::print_stderr)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use portcullis_dnscheck::{LookupError, Rcode, Rdata, RecordType, Resolver};
use portcullis_net::{NetResolver, Patience};
use portcullis_types::SeqRandom;

fn lab() -> Option<SocketAddr> {
    match std::env::var("PORTCULLIS_DNS_LAB") {
        Ok(addr) => Some(addr.parse().expect("PORTCULLIS_DNS_LAB is IP:PORT")),
        Err(_) => {
            assert!(std::env::var("PORTCULLIS_REQUIRE_DNS_LAB").as_deref() != Ok("1"), "the DNS lab is required");
            eprintln!("SKIPPED: PORTCULLIS_DNS_LAB is not set (start ../shared/dns-lab/start.sh)");
            None
        }
    }
}

fn resolver(server: SocketAddr, patience: Patience) -> NetResolver {
    NetResolver::new(vec![server], patience, Arc::new(SeqRandom::new(3)))
}

#[tokio::test]
async fn records_come_back_as_the_checks_need_them() {
    let Some(server) = lab() else { return };
    let dns = resolver(server, Patience::default());

    // A 366-character SPF record in several strings of one TXT record: joined without spaces.
    let split = dns.lookup("spf-split-record.test", RecordType::Txt).await.unwrap();
    let spf: Vec<String> = split.texts().into_iter().filter(|t| t.starts_with("v=spf1")).collect();
    assert_eq!(spf.len(), 1);
    assert!(spf[0].len() > 255 && spf[0].ends_with("-all"), "{spf:?}");

    // 31 TXT records do not fit in UDP: the TCP retry gets them all.
    let large = dns.lookup("txt-large-response.test", RecordType::Txt).await.unwrap();
    assert!(large.texts().len() >= 31, "{}", large.texts().len());

    let mx = dns.lookup("good-strict.test", RecordType::Mx).await.unwrap();
    assert!(mx.records.contains(&Rdata::Mx { preference: 10, exchange: "mx1.mail-provider.test".into() }));
    let null = dns.lookup("null-mx.test", RecordType::Mx).await.unwrap();
    assert_eq!(null.records, vec![Rdata::Mx { preference: 0, exchange: String::new() }]);

    // Followed aliases are reported with the records at the end of the chain.
    let chained = dns.lookup("_dmarc.cname-chain.test", RecordType::Txt).await.unwrap();
    assert_eq!(chained.cnames.len(), 2, "{:?}", chained.cnames);
    assert!(chained.texts()[0].starts_with("v=DMARC1"));

    let caa = dns.lookup("caa-present.test", RecordType::Caa).await.unwrap();
    assert!(
        caa.records
            .iter()
            .any(|r| matches!(r, Rdata::Caa { tag, value, .. } if tag == "issue" && value == "letsencrypt.org")),
        "{caa:?}"
    );
}

#[tokio::test]
async fn the_validating_resolver_vouches_only_for_signed_zones() {
    let Some(server) = lab() else { return };
    let dns = resolver(server, Patience::default());

    assert!(dns.lookup("good-strict.test", RecordType::Soa).await.unwrap().authenticated);
    assert!(!dns.lookup("jane-mp.test", RecordType::Soa).await.unwrap().authenticated);
    assert!(!dns.lookup("good-strict.test", RecordType::Ds).await.unwrap().is_empty(), "DS in the parent");
    assert_eq!(dns.lookup("dnssec-bogus-expired.test", RecordType::Soa).await, Err(LookupError::ServFail));
}

#[tokio::test]
async fn missing_broken_and_silent_names_are_told_apart() {
    let Some(server) = lab() else { return };
    let dns = resolver(server, Patience { timeout: Duration::from_millis(700), attempts: 1 });

    assert_eq!(dns.lookup("nonexistent-domain.test", RecordType::A).await.unwrap().rcode, Rcode::NxDomain);
    let nodata = dns.lookup("dmarc-missing.test", RecordType::Caa).await.unwrap();
    assert_eq!((nodata.rcode, nodata.is_empty()), (Rcode::NoError, true));
    assert_eq!(dns.lookup("servfail.test", RecordType::Txt).await, Err(LookupError::ServFail));

    assert_eq!(dns.queries_sent(), 3, "one per distinct question");

    // Silence is asked of the lab's black-hole name server itself: through
    // Unbound it is not reliable, as Unbound answers SERVFAIL for the zone
    // once earlier tests' queries have made it give the server up.
    let silent = resolver(black_hole(), Patience { timeout: Duration::from_millis(700), attempts: 1 });
    let started = Instant::now();
    assert_eq!(silent.lookup("timeout.test", RecordType::Txt).await, Err(LookupError::Timeout));
    assert_eq!(silent.lookup("timeout.test", RecordType::Txt).await, Err(LookupError::Timeout), "cached");
    assert!(started.elapsed() < Duration::from_secs(3), "bounded by the patience: {:?}", started.elapsed());
    assert_eq!(silent.queries_sent(), 1, "a timeout is remembered too");
}

/// The lab's name server that never answers (`FAKE_BLACKHOLE` in its `lab.env`).
fn black_hole() -> SocketAddr {
    let shared = portcullis_testkit::shared_dir();
    let env = std::fs::read_to_string(shared.join("dns-lab/lab.env")).expect("the DNS lab's lab.env");
    let ip = env.lines().find_map(|l| l.strip_prefix("FAKE_BLACKHOLE=")).expect("FAKE_BLACKHOLE in lab.env");
    SocketAddr::new(ip.trim().trim_matches('"').parse().expect("an IP address"), 53)
}

#[tokio::test]
async fn a_server_that_is_not_there_is_an_error_not_a_hang() {
    // Nothing listens on this loopback port.
    let dns = resolver("127.0.0.1:9".parse().unwrap(), Patience { timeout: Duration::from_millis(300), attempts: 2 });
    let started = Instant::now();
    let result = dns.lookup("example.test", RecordType::A).await;
    assert!(matches!(result, Err(LookupError::Timeout | LookupError::Other(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}
