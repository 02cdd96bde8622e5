//! Stories about DMARC, TLS and failure reports and the reverse-DNS cache.

use std::net::IpAddr;

use portcullis_dmarc::{
    AuthResult, DkimAuth, FailureReport, Policy, PolicyPublished, Record, ReportHeader, ReportSpan, Schema, SpfAuth,
    Tally, TlsFailure, TlsPolicy, TlsReport, Verdict,
};

use super::{Harness, World, open};
use crate::{DmarcSettings, ReportedDomain, StoreError, WholeReport};

/// 2026-11-01T00:00:00Z.
const NOV_1: i64 = 1_793_491_200;
const DAY: i64 = 86_400;

fn header(org: &str, id: &str, domain: &str, begin: i64, p: Policy) -> ReportHeader {
    ReportHeader {
        schema: Schema::Rfc7489,
        org_name: org.into(),
        email: Some(format!("noreply@{org}")),
        report_id: id.into(),
        begin,
        end: begin + DAY - 1,
        errors: vec![],
        policy: PolicyPublished {
            domain: domain.into(),
            p: Some(p),
            sp: None,
            np: None,
            pct: Some(100),
            adkim: None,
            aspf: None,
            testing: false,
        },
    }
}

fn record(ip: &str, count: u64, dkim: bool, selector: &str) -> Record {
    let pass = |b| if b { Verdict::Pass } else { Verdict::Fail };
    Record {
        source_ip: ip.parse().unwrap(),
        count,
        disposition: Some(Policy::None),
        dkim: pass(dkim),
        spf: Verdict::Fail,
        reasons: vec![],
        header_from: "example.org".into(),
        envelope_from: Some("bounce.example.net".into()),
        envelope_to: None,
        dkim_results: vec![
            DkimAuth { domain: "other.example".into(), selector: Some("x".into()), result: AuthResult::Fail },
            DkimAuth {
                domain: "example.org".into(),
                selector: Some(selector.into()),
                result: if dkim { AuthResult::Pass } else { AuthResult::Fail },
            },
        ],
        spf_results: vec![SpfAuth {
            domain: "bounce.example.net".into(),
            scope: Some("mfrom".into()),
            result: AuthResult::Pass,
        }],
    }
}

fn tally(day: i64, ip: &str, dkim: bool, selector: &str, messages: u64) -> Tally {
    Tally {
        day,
        source_ip: ip.parse().unwrap(),
        header_from: "example.org".into(),
        policy: Some(Policy::None),
        disposition: Some(Policy::None),
        dkim: if dkim { Verdict::Pass } else { Verdict::Fail },
        spf: Verdict::Fail,
        dkim_domain: Some(if dkim { "example.org" } else { "other.example" }.into()),
        dkim_selector: Some(if dkim { selector } else { "x" }.into()),
        spf_domain: Some("bounce.example.net".into()),
        messages,
    }
}

/// A report is stored once per office by organisation and id; its records
/// come back summed per day and source; another office may hold the same
/// report independently and never sees the first office's.
pub async fn aggregate_reports_are_stored_once_and_tallied(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let first = header("google.com", "r1", "example.org", NOV_1 + 3600, Policy::None);
    let mut batch = store.begin_batch().await.unwrap();
    assert!(batch.begin_aggregate(a.id, &first, w.tick()).await.unwrap(), "a new report");
    batch.add_records(&[record("192.0.2.1", 10, true, "s1"), record("192.0.2.1", 5, true, "s1")]).await.unwrap();
    batch.add_records(&[record("2001:db8::1", 3, false, "s1")]).await.unwrap();
    batch.end_aggregate().await.unwrap();
    assert!(!batch.begin_aggregate(a.id, &first, w.tick()).await.unwrap(), "stored twice in one batch");
    batch.commit().await.unwrap();
    let mut batch = store.begin_batch().await.unwrap();
    assert!(!batch.begin_aggregate(a.id, &first, w.tick()).await.unwrap(), "stored twice");
    let second = header("yahoo.com", "r1", "example.org", NOV_1 + DAY, Policy::Quarantine);
    assert!(batch.begin_aggregate(a.id, &second, w.tick()).await.unwrap(), "another reporter");
    batch.add_records(&[record("192.0.2.1", 7, true, "s1")]).await.unwrap();
    batch.end_aggregate().await.unwrap();
    assert!(batch.begin_aggregate(b.id, &first, w.tick()).await.unwrap(), "office B's own copy");
    batch.add_records(&[record("198.51.100.9", 1, true, "s9")]).await.unwrap();
    batch.end_aggregate().await.unwrap();
    batch.commit().await.unwrap();

    let mut expected = vec![
        tally(NOV_1, "192.0.2.1", true, "s1", 15),
        tally(NOV_1, "2001:db8::1", false, "s1", 3),
        Tally { policy: Some(Policy::Quarantine), ..tally(NOV_1 + DAY, "192.0.2.1", true, "s1", 7) },
    ];
    let mut got = store.dmarc_tallies(a.id, "example.org", NOV_1).await.unwrap();
    let key = |t: &Tally| (t.day, t.source_ip, t.messages);
    got.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(got, expected);
    assert_eq!(store.dmarc_tallies(a.id, "example.org", NOV_1 + DAY).await.unwrap().len(), 1, "since filters");
    assert!(store.dmarc_tallies(a.id, "other.example", NOV_1).await.unwrap().is_empty());

    let spans = store.dmarc_spans(a.id, "example.org", 0).await.unwrap();
    let summary: Vec<(&str, Option<Policy>, u64)> =
        spans.iter().map(|s: &ReportSpan| (s.org_name.as_str(), s.policy, s.messages)).collect();
    assert_eq!(summary, vec![("google.com", Some(Policy::None), 18), ("yahoo.com", Some(Policy::Quarantine), 7)]);
    assert_eq!(
        store.reported_domains(a.id).await.unwrap(),
        vec![ReportedDomain { domain: "example.org".into(), reports: 2, messages: 25, latest: NOV_1 + 2 * DAY - 1 }]
    );
    let theirs = store.dmarc_tallies(b.id, "example.org", 0).await.unwrap();
    assert_eq!(theirs.iter().map(|t| t.messages).sum::<u64>(), 1, "office B sees only its own");
}

/// A report aborted half-way leaves nothing while the rest of its batch
/// stays; a batch never committed leaves nothing at all; a report for a
/// missing office is refused without spoiling the batch.
pub async fn an_unfinished_report_leaves_nothing(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let broken = header("google.com", "broken", "example.org", NOV_1, Policy::None);
    let whole = header("google.com", "whole", "example.org", NOV_1, Policy::None);
    let mut batch = store.begin_batch().await.unwrap();
    assert!(batch.begin_aggregate(a.id, &broken, w.tick()).await.unwrap());
    batch.add_records(&[record("192.0.2.1", 10, true, "s1")]).await.unwrap();
    batch.abort_aggregate().await.unwrap();
    let missing = batch.begin_aggregate(w.missing_office(), &whole, w.tick()).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    assert!(batch.begin_aggregate(a.id, &whole, w.tick()).await.unwrap());
    batch.add_records(&[record("192.0.2.2", 4, true, "s1")]).await.unwrap();
    batch.end_aggregate().await.unwrap();
    batch.commit().await.unwrap();
    let tallies = store.dmarc_tallies(a.id, "example.org", 0).await.unwrap();
    assert_eq!(tallies.iter().map(|t| t.messages).sum::<u64>(), 4, "only the whole report: {tallies:?}");

    let mut batch = store.begin_batch().await.unwrap();
    assert!(batch.begin_aggregate(a.id, &broken, w.tick()).await.unwrap(), "not a duplicate: nothing was kept");
    batch.add_records(&[record("192.0.2.1", 10, true, "s1")]).await.unwrap();
    batch.end_aggregate().await.unwrap();
    assert!(batch.store_tls_report(a.id, &tls("google.com", "t", "example.org", NOV_1), w.tick()).await.unwrap());
    drop(batch);
    assert_eq!(store.reported_domains(a.id).await.unwrap()[0].reports, 1, "a dropped batch keeps nothing");
    assert!(store.tls_reports(a.id, "example.org", 0).await.unwrap().is_empty());
}

/// Many records in one report go in and are counted exactly.
pub async fn a_large_report_is_stored_whole(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let report = header("google.com", "big", "example.org", NOV_1, Policy::Reject);
    let mut batch = store.begin_batch().await.unwrap();
    assert!(batch.begin_aggregate(a.id, &report, w.tick()).await.unwrap());
    for round in 0..5_u8 {
        let records: Vec<Record> = (0..1000_u32)
            .map(|i| {
                let ip = IpAddr::from([10, round, u8::try_from(i / 256).unwrap(), u8::try_from(i % 256).unwrap()]);
                record(&ip.to_string(), 2, i % 3 != 0, "big")
            })
            .collect();
        batch.add_records(&records).await.unwrap();
    }
    batch.end_aggregate().await.unwrap();
    batch.commit().await.unwrap();
    let tallies = store.dmarc_tallies(a.id, "example.org", 0).await.unwrap();
    assert_eq!(tallies.len(), 5000);
    assert_eq!(tallies.iter().map(|t| t.messages).sum::<u64>(), 10_000);
    assert_eq!(store.reported_domains(a.id).await.unwrap()[0].messages, 10_000);
}

/// Whole reports stored together: each is kept once (against the store and
/// against earlier ones in the same lot) with its totals, mixes with
/// reports streamed in the same batch, and a lot for a missing office
/// keeps none of it while the batch goes on.
pub async fn whole_reports_are_stored_together_once(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let old = header("google.com", "old", "example.org", NOV_1, Policy::None);
    let mut batch = store.begin_batch().await.unwrap();
    assert!(batch.begin_aggregate(a.id, &old, w.tick()).await.unwrap());
    batch.add_records(&[record("192.0.2.1", 2, true, "s1")]).await.unwrap();
    batch.end_aggregate().await.unwrap();
    batch.commit().await.unwrap();

    let new = header("yahoo.com", "new", "example.org", NOV_1 + DAY, Policy::None);
    let other = header("google.com", "other", "example.org", NOV_1 + DAY, Policy::None);
    let (r1, r2) = ([record("192.0.2.1", 5, true, "s1")], [record("192.0.2.7", 1, false, "s1")]);
    let lot = [
        WholeReport { header: &old, records: &r1 },
        WholeReport { header: &new, records: &r1 },
        WholeReport { header: &new, records: &r2 },
        WholeReport { header: &other, records: &r2 },
    ];
    let mut batch = store.begin_batch().await.unwrap();
    let missing = batch.store_aggregates(w.missing_office(), &lot[1..2], w.tick()).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    assert_eq!(batch.store_aggregates(a.id, &lot, w.tick()).await.unwrap(), vec![false, true, false, true]);
    assert!(batch.store_aggregates(a.id, &[], w.tick()).await.unwrap().is_empty());
    batch.commit().await.unwrap();

    let mut got = store.dmarc_tallies(a.id, "example.org", 0).await.unwrap();
    got.sort_by_key(|t| (t.day, t.source_ip));
    let expected = vec![
        tally(NOV_1, "192.0.2.1", true, "s1", 2),
        tally(NOV_1 + DAY, "192.0.2.1", true, "s1", 5),
        tally(NOV_1 + DAY, "192.0.2.7", false, "s1", 1),
    ];
    assert_eq!(got, expected);
    let spans = store.dmarc_spans(a.id, "example.org", 0).await.unwrap();
    let messages: Vec<(&str, u64)> = spans.iter().map(|s| (s.org_name.as_str(), s.messages)).collect();
    assert_eq!(messages.len(), 3);
    assert!(messages.contains(&("yahoo.com", 5)) && messages.contains(&("google.com", 1)), "{messages:?}");
}

fn tls(org: &str, id: &str, domain: &str, begin: i64) -> TlsReport {
    TlsReport {
        org_name: org.into(),
        report_id: id.into(),
        begin,
        end: begin + DAY - 1,
        contact: Some("tls@reporter.example".into()),
        policies: vec![
            TlsPolicy {
                policy_type: "sts".into(),
                policy_domain: domain.into(),
                successful: 90,
                failed: 2,
                failures: vec![TlsFailure {
                    result_type: "certificate-expired".into(),
                    sending_mta_ip: Some("192.0.2.7".parse().unwrap()),
                    receiving_mx: Some("mx.example.org".into()),
                    receiving_ip: None,
                    sessions: 2,
                    reason: None,
                }],
            },
            TlsPolicy {
                policy_type: "no-policy-found".into(),
                policy_domain: "elsewhere.example".into(),
                successful: 1,
                failed: 0,
                failures: vec![],
            },
        ],
    }
}

/// TLS reports are stored once and read back per domain, newest first,
/// with only that domain's policies.
pub async fn tls_reports_round_trip_once(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let older = tls("google.com", "t1", "example.org", NOV_1);
    let newer = tls("microsoft.com", "t2", "example.org", NOV_1 + DAY);
    let mut batch = store.begin_batch().await.unwrap();
    assert!(batch.store_tls_report(a.id, &older, w.tick()).await.unwrap());
    assert!(batch.store_tls_report(a.id, &newer, w.tick()).await.unwrap());
    batch.commit().await.unwrap();
    let mut batch = store.begin_batch().await.unwrap();
    assert!(!batch.store_tls_report(a.id, &older, w.tick()).await.unwrap(), "stored twice");
    batch.commit().await.unwrap();
    let got = store.tls_reports(a.id, "example.org", 0).await.unwrap();
    let only_ours = |mut r: TlsReport| {
        r.policies.truncate(1);
        r
    };
    assert_eq!(got, vec![only_ours(newer), only_ours(older)]);
    assert_eq!(store.tls_reports(a.id, "example.org", NOV_1 + 1).await.unwrap().len(), 1);
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    assert!(store.tls_reports(b.id, "example.org", 0).await.unwrap().is_empty());
}

fn failure(fingerprint: &str, domain: &str) -> FailureReport {
    FailureReport {
        fingerprint: fingerprint.into(),
        reporter: Some("reporter.example".into()),
        arrival: Some(NOV_1),
        reported_domain: domain.into(),
        source_ip: Some("192.0.2.66".parse().unwrap()),
        auth_failure: Some("dmarc".into()),
        delivery_result: Some("reject".into()),
        from_domain: Some(domain.into()),
        mail_from_domain: Some("spoof.example".into()),
        dkim_domain: None,
        dkim_selector: None,
    }
}

/// Settings start off (failure reports not kept); failure reports are kept
/// once, listed newest first, and purged when they expire.
pub async fn failure_reports_expire_and_settings_persist(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    assert_eq!(store.dmarc_settings(a.id).await.unwrap(), DmarcSettings::default());
    assert!(!DmarcSettings::default().keep_failure_reports);
    let on = DmarcSettings { keep_failure_reports: true, failure_retention_days: 7 };
    store.set_dmarc_settings(a.id, &on).await.unwrap();
    assert_eq!(store.dmarc_settings(a.id).await.unwrap(), on);
    let missing = store.set_dmarc_settings(w.missing_office(), &on).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");

    let first_at = w.tick();
    let first = failure("aa", "example.org");
    let mut batch = store.begin_batch().await.unwrap();
    assert!(batch.store_failure_report(a.id, &first, first_at, first_at.plus_secs(10)).await.unwrap());
    assert!(!batch.store_failure_report(a.id, &first, w.tick(), first_at.plus_secs(10)).await.unwrap());
    let second_at = w.tick();
    let second = failure("bb", "other.example");
    assert!(batch.store_failure_report(a.id, &second, second_at, second_at.plus_secs(100)).await.unwrap());
    batch.commit().await.unwrap();
    let all = store.failure_reports(a.id, None, 10).await.unwrap();
    assert_eq!(all.iter().map(|f| f.report.clone()).collect::<Vec<_>>(), vec![second.clone(), first.clone()]);
    assert_eq!(all[1].received_at, first_at);
    let ours = store.failure_reports(a.id, Some("example.org"), 10).await.unwrap();
    assert_eq!(ours.len(), 1);
    assert_eq!(store.purge_failure_reports(a.id, first_at.plus_secs(10)).await.unwrap(), 1);
    assert_eq!(store.failure_reports(a.id, None, 10).await.unwrap().len(), 1);
}

/// Reverse-DNS answers are shared, replaced when looked up again, and only
/// the fresh ones are returned.
pub async fn reverse_names_are_cached_while_fresh(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let (one, two, three): (IpAddr, IpAddr, IpAddr) =
        ("192.0.2.1".parse().unwrap(), "2001:db8::2".parse().unwrap(), "192.0.2.3".parse().unwrap());
    let old = w.tick();
    store.cache_names(&[(one, Some("mail.example.net".into())), (two, None)], old).await.unwrap();
    let fresh = w.tick();
    store.cache_names(&[(one, Some("mx.example.net".into()))], fresh).await.unwrap();
    let got = store.cached_names(&[one, two, three], old).await.unwrap();
    assert_eq!(got.get(&one), Some(&Some("mx.example.net".to_owned())));
    assert_eq!(got.get(&two), Some(&None));
    assert!(!got.contains_key(&three));
    let only_fresh = store.cached_names(&[one, two], fresh).await.unwrap();
    assert_eq!(only_fresh.len(), 1);
    let many: Vec<IpAddr> = (0..1200_u32).map(|i| IpAddr::from((0xC633_0000_u32 + i).to_be_bytes())).collect();
    let rows: Vec<(IpAddr, Option<String>)> = many.iter().map(|ip| (*ip, Some(format!("h{ip}")))).collect();
    store.cache_names(&rows, fresh).await.unwrap();
    assert_eq!(store.cached_names(&many, fresh).await.unwrap().len(), 1200);
}
