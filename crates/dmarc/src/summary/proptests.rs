#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use proptest::prelude::*;

use super::fixtures::{DOMAIN, NOW, TODAY};
use super::*;
use crate::{Policy, Verdict};

fn verdict() -> impl Strategy<Value = Verdict> {
    prop_oneof![Just(Verdict::Pass), Just(Verdict::Fail)]
}

fn policy() -> impl Strategy<Value = Option<Policy>> {
    prop_oneof![Just(None), Just(Some(Policy::None)), Just(Some(Policy::Quarantine)), Just(Some(Policy::Reject))]
}

fn name() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        Just(DOMAIN.to_owned()),
        Just("mail.janesmith.org.uk.".to_owned()),
        Just("mcsv.net".to_owned()),
        Just("cmail3.com".to_owned()),
        Just("".to_owned()),
        Just("co.uk".to_owned()),
        "[a-z.]{0,12}",
    ])
}

prop_compose! {
    fn tally()(
        day in -60i64..5, second in 0i64..DAY, host in 0u8..40, dkim in verdict(), spf in verdict(),
        policy in policy(), disposition in policy(), dkim_domain in name(), selector in name(),
        spf_domain in name(), messages in 0u64..1_000_000,
    ) -> Tally {
        Tally {
            day: TODAY + day * DAY + second,
            source_ip: std::net::IpAddr::from([192, 0, 2, host]),
            header_from: DOMAIN.to_owned(),
            policy, disposition, dkim, spf, dkim_domain, dkim_selector: selector, spf_domain, messages,
        }
    }
}

prop_compose! {
    fn span()(begin in -90i64..3, len in 0i64..3, policy in policy(), pct in proptest::option::of(0u8..=255),
              messages in 0u64..1_000_000, org in "[a-c]{0,2}") -> ReportSpan {
        ReportSpan { org_name: org, begin: TODAY + begin * DAY, end: TODAY + (begin + len) * DAY, policy, pct, messages }
    }
}

proptest! {
    #[test]
    fn summarise_never_panics_and_its_totals_add_up(
        tallies in proptest::collection::vec(tally(), 0..200),
        reports in proptest::collection::vec(span(), 0..40),
        days in 0u32..100,
        named in proptest::collection::vec((0u8..40, name()), 0..20),
    ) {
        let names: HashMap<_, _> = named
            .into_iter()
            .filter_map(|(host, n)| n.map(|n| (std::net::IpAddr::from([192, 0, 2, host]), n)))
            .collect();
        let s = summarise(&SummaryInput { domain: DOMAIN, now: NOW, days, tallies: &tallies, reports: &reports, names: &names });
        let first = TODAY - i64::from(days.max(1) - 1) * DAY;
        let expected: u64 = tallies.iter().filter(|t| t.day >= first && t.day < TODAY + DAY).map(|t| t.messages).sum();
        prop_assert_eq!(s.totals.messages, expected);
        prop_assert_eq!(s.by_day.iter().map(|d| d.messages).sum::<u64>(), expected);
        prop_assert_eq!(s.senders.iter().map(|x| x.messages).sum::<u64>(), expected);
        prop_assert_eq!(s.by_day.len(), days.max(1) as usize);
        prop_assert!(s.senders.len() <= MAX_SENDERS);
        prop_assert!(s.totals.dmarc_pass.count <= expected && s.totals.dmarc_pass.per_mille <= 1000);
        prop_assert!(serde_json::to_string(&s).is_ok());
    }
}
