//! DKIM check stories, mirroring the DNS lab's dkim-*, jane-mp and
//! good-strict scenarios with keys generated for these tests (public halves
//! only, from `openssl genrsa` / `openssl rsa -pubout`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use super::*;
use crate::fake::FakeResolver;

const RSA_512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK0oAxzQ2EjPwAL45W75449QvxjXjbXYxN4kCw7guLAY4qeZ7Ld42xC39eiKMCqYQvdz9VFmRIA3LWycQ7RnVfsCAwEAAQ==";
const RSA_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCxdWVl/yrWYKeC+LSSbwL+QOzAHPKrlsgvuEY5WHmBzTFX8jbiWLqGYleL+ffWKx7G6Cq4HPsNHdOPlHbwLKaBnyh6W7RksKcsuY9i8LaW3/e6a6FcR3kCn+c1/8YbDEc+/3jWlR8Re9/P7fmqgBIAefFVbE8x8efsPmaGsMUnpQIDAQAB";
const RSA_2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6HlPqrmq8KeYPfUkZOEQeflALN5+Hb87Cs7CsZjm7VBEiLhq9S/hfe+T5vOKjBgchDwsIx4rDeVLskXH5Mh6O5jRBiw0cwxYTG3WlYgpiRByVBm8gfyadk8BK35ll/iot4rW+Av2GAAugUpdRqPtghojUAGNawW/6LGYq/5sYD5qjIrzlhwKEszRwpRWMvib3K1WwjAfjKnvUvh+BT0QojV8TkTDHZNRIDvfvVppTYW6E/x+Bg0ICBJ+dVHe+BsrNao67hD7eKVzh8f/evnBrBdvLZsPvItBX+sTKul+tPWWgX5/eYAvfWCMS7ddp0Wz2N2a5QjxKl1DqQL4pF/EhQIDAQAB";
const RSA_2048_PKCS1: &str = "MIIBCgKCAQEA6HlPqrmq8KeYPfUkZOEQeflALN5+Hb87Cs7CsZjm7VBEiLhq9S/hfe+T5vOKjBgchDwsIx4rDeVLskXH5Mh6O5jRBiw0cwxYTG3WlYgpiRByVBm8gfyadk8BK35ll/iot4rW+Av2GAAugUpdRqPtghojUAGNawW/6LGYq/5sYD5qjIrzlhwKEszRwpRWMvib3K1WwjAfjKnvUvh+BT0QojV8TkTDHZNRIDvfvVppTYW6E/x+Bg0ICBJ+dVHe+BsrNao67hD7eKVzh8f/evnBrBdvLZsPvItBX+sTKul+tPWWgX5/eYAvfWCMS7ddp0Wz2N2a5QjxKl1DqQL4pF/EhQIDAQAB";
const ED25519: &str = "vCl+8NYzMOMbD41FinD+Nq6cdP5pL22IvfufuWcX8co=";

fn domain(name: &str) -> DomainName {
    DomainName::parse(name).unwrap()
}

fn rsa(key: &str) -> String {
    format!("v=DKIM1; k=rsa; p={key}")
}

async fn run(dns: &FakeResolver, name: &str, selectors: &[&str]) -> Vec<Finding> {
    let selectors: Vec<String> = selectors.iter().map(|s| (*s).to_owned()).collect();
    let findings = check(dns, &domain(name), &selectors).await;
    assert!(!findings.is_empty(), "a check always says something");
    findings
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

#[tokio::test]
async fn a_domain_with_two_strong_keys_is_valid_and_lists_them() {
    let dns = FakeResolver::new()
        .txt("selector1._domainkey.dkim-valid.test", &[&rsa(RSA_2048)])
        .txt("google._domainkey.dkim-valid.test", &[&rsa(RSA_2048)]);
    let findings = run(&dns, "dkim-valid.test", &[]).await;
    let summary = &findings[0];
    assert_eq!((summary.status, summary.code.as_str()), (Status::Ok, "dkim.valid"));
    assert!(summary.message.contains("selector1 RSA 2048, google RSA 2048"), "{}", summary.message);
    assert_eq!(codes(&findings[1..]), ["dkim.key_ok", "dkim.key_ok"]);
}

#[tokio::test]
async fn microsoft_365_selectors_published_as_aliases_are_fine_and_say_so() {
    let tenant = "_domainkey.janemp.onmicrosoft.test";
    let dns = FakeResolver::new()
        .cname("selector1._domainkey.jane-mp.test", &format!("selector1-jane-mp-test.{tenant}"))
        .cname("selector2._domainkey.jane-mp.test", &format!("selector2-jane-mp-test.{tenant}"))
        .txt(&format!("selector1-jane-mp-test.{tenant}"), &[&rsa(RSA_2048)])
        .txt(&format!("selector2-jane-mp-test.{tenant}"), &[&rsa(RSA_2048)]);
    let findings = run(&dns, "jane-mp.test", &[]).await;
    assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Ok, "dkim.valid"));
    assert!(findings[0].message.contains("selector1 RSA 2048, selector2 RSA 2048"));
    assert!(findings[0].message.contains("aliases (CNAME): selector1, selector2, as Microsoft 365 does"));
    assert!(findings[1].message.contains("alias (CNAME) to selector1-jane-mp-test._domainkey.janemp.onmicrosoft.test"));
    assert!(findings[1].message.contains("Microsoft 365"), "{}", findings[1].message);
}

#[tokio::test]
async fn an_alias_to_a_key_that_is_not_there_yet_is_a_warning() {
    let dns = FakeResolver::new()
        .cname("selector1._domainkey.jane-mp.test", "selector1-jane-mp-test._domainkey.janemp.onmicrosoft.test")
        .a("janemp.onmicrosoft.test", [127, 0, 10, 80]);
    let findings = run(&dns, "jane-mp.test", &[]).await;
    assert_eq!(findings[0].code, "dkim.not_found");
    let dangling = findings.iter().find(|f| f.code == "dkim.cname_no_key").unwrap();
    assert_eq!(dangling.status, Status::Warn);
    assert!(dangling.fix.as_deref().unwrap_or_default().contains("Microsoft 365"));
}

#[tokio::test]
async fn a_wildcard_alias_for_the_whole_domain_is_not_taken_for_dkim() {
    let mut dns = FakeResolver::new().a("wild.test", [127, 0, 10, 80]);
    for selector in COMMON_SELECTORS {
        dns = dns.cname(&format!("{selector}._domainkey.wild.test"), "wild.test");
    }
    let findings = run(&dns, "wild.test", &[]).await;
    assert_eq!(codes(&findings), ["dkim.not_found"]);
}

#[tokio::test]
async fn a_revoked_key_with_nothing_else_is_a_warning() {
    let dns = FakeResolver::new().txt("selector1._domainkey.dkim-revoked.test", &["v=DKIM1; k=rsa; p="]);
    let findings = run(&dns, "dkim-revoked.test", &[]).await;
    assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Warn, "dkim.revoked"));
    assert!(findings[0].message.contains("selector1 revoked"), "{}", findings[0].message);
    assert!(findings[0].fix.is_some());
}

#[tokio::test]
async fn an_old_revoked_key_next_to_a_working_one_is_normal() {
    let dns = FakeResolver::new()
        .txt("selector1._domainkey.rotated.test", &["v=DKIM1; p="])
        .txt("selector2._domainkey.rotated.test", &[&rsa(RSA_2048)]);
    let findings = run(&dns, "rotated.test", &[]).await;
    assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Ok, "dkim.valid"));
    let revoked = findings.iter().find(|f| f.code == "dkim.revoked").unwrap();
    assert_eq!(revoked.status, Status::Ok);
}

#[tokio::test]
async fn a_1024_bit_key_is_weak_and_the_advice_is_2048() {
    let dns = FakeResolver::new().txt("google._domainkey.dkim-weak-1024.test", &[&rsa(RSA_1024)]);
    let findings = run(&dns, "dkim-weak-1024.test", &[]).await;
    assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Warn, "dkim.key_weak_1024"));
    assert!(findings[0].message.contains("google RSA 1024"));
    assert!(findings[0].message.contains("2048") && findings[0].fix.as_deref().unwrap().contains("2048"));
}

#[tokio::test]
async fn a_512_bit_key_fails_even_next_to_a_good_one() {
    let dns = FakeResolver::new()
        .txt("s1._domainkey.old.test", &[&rsa(RSA_512)])
        .txt("selector1._domainkey.old.test", &[&rsa(RSA_2048)]);
    let findings = run(&dns, "old.test", &[]).await;
    assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Fail, "dkim.key_too_weak"));
    assert!(findings[0].message.contains("selector1 RSA 2048, s1 RSA 512"), "{}", findings[0].message);
    assert!(findings[0].fix.as_deref().unwrap().contains("s1._domainkey.old.test TXT"));
}

#[tokio::test]
async fn ed25519_and_bare_pkcs1_keys_are_accepted() {
    let dns = FakeResolver::new()
        .txt("k1._domainkey.modern.test", &[&format!("v=DKIM1; k=ed25519; p={ED25519}")])
        .txt("default._domainkey.modern.test", &[&rsa(RSA_2048_PKCS1)]);
    let findings = run(&dns, "modern.test", &[]).await;
    assert_eq!(findings[0].status, Status::Ok);
    assert!(findings[0].message.contains("default RSA 2048, k1 Ed25519"), "{}", findings[0].message);
}

#[tokio::test]
async fn a_key_in_testing_mode_is_a_warning_and_the_fix_drops_the_flag() {
    let record = format!("v=DKIM1; t=y:s; k=rsa; p={RSA_2048}");
    let dns = FakeResolver::new().txt("selector1._domainkey.trial.test", &[&record]);
    let findings = run(&dns, "trial.test", &[]).await;
    assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Warn, "dkim.testing"));
    let fix = findings[0].fix.as_deref().unwrap();
    assert_eq!(fix, format!("selector1._domainkey.trial.test TXT \"v=DKIM1; t=s; k=rsa; p={RSA_2048}\""));
    let only_y = FakeResolver::new().txt("selector1._domainkey.trial.test", &[&format!("v=DKIM1; t=y; p={RSA_2048}")]);
    let findings = run(&only_y, "trial.test", &[]).await;
    assert!(findings[0].fix.as_deref().unwrap().ends_with(&format!("\"v=DKIM1; p={RSA_2048}\"")));
}

#[tokio::test]
async fn an_unreadable_key_fails() {
    let dns = FakeResolver::new().txt("selector1._domainkey.broken.test", &["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0B"]);
    let findings = run(&dns, "broken.test", &[]).await;
    assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Fail, "dkim.invalid_key"));
    assert!(findings[0].message.contains("selector1 invalid"));
}

#[tokio::test]
async fn sha1_only_and_non_email_keys_are_warnings() {
    let dns = FakeResolver::new()
        .txt("selector1._domainkey.legacy.test", &[&format!("v=DKIM1; h=sha1; p={RSA_2048}")])
        .txt("selector2._domainkey.legacy.test", &[&format!("v=DKIM1; s=tlsrpt; p={RSA_2048}")]);
    let findings = run(&dns, "legacy.test", &[]).await;
    assert_eq!(findings[0].status, Status::Warn);
    let sha1 = findings.iter().find(|f| f.code == "dkim.sha1_only").unwrap();
    assert_eq!(sha1.fix.as_deref().unwrap(), format!("selector1._domainkey.legacy.test TXT \"v=DKIM1; p={RSA_2048}\""));
    assert!(codes(&findings).contains(&"dkim.not_for_email"));
}

#[tokio::test]
async fn two_records_at_one_selector_are_a_warning() {
    let dns = FakeResolver::new()
        .txt("selector1._domainkey.twice.test", &[&rsa(RSA_2048)])
        .txt("selector1._domainkey.twice.test", &[&rsa(RSA_1024)]);
    let findings = run(&dns, "twice.test", &[]).await;
    assert!(codes(&findings).contains(&"dkim.multiple_records"));
}

#[tokio::test]
async fn no_key_anywhere_is_not_found_not_a_failure_and_says_how_to_find_yours() {
    let dns = FakeResolver::new().a("dkim-missing.test", [127, 0, 10, 80]);
    let findings = run(&dns, "dkim-missing.test", &[]).await;
    let summary = &findings[0];
    assert_eq!((summary.status, summary.code.as_str()), (Status::Warn, "dkim.not_found"));
    for selector in ["selector1", "selector2", "google", "default", "k1", "s1"] {
        assert!(summary.message.contains(selector), "{selector} listed");
    }
    let fix = summary.fix.as_deref().unwrap();
    assert!(fix.contains("DKIM-Signature") && fix.contains("s=") && fix.contains("--dkim-selector"));
    assert_eq!(findings.len(), 1, "guessed selectors that are absent are not listed one by one");
}

#[tokio::test]
async fn a_subdomain_without_selectors_is_not_found() {
    let dns = FakeResolver::new().txt("selector1._domainkey.dmarc-subdomain-inherits.test", &[&rsa(RSA_2048)]);
    let findings = run(&dns, "sub.dmarc-subdomain-inherits.test", &[]).await;
    assert_eq!(findings[0].code, "dkim.not_found");
}

#[tokio::test]
async fn a_wildcard_spf_record_is_not_mistaken_for_a_key() {
    let dns = FakeResolver::new()
        .txt("selector1._domainkey.wild.test", &["v=spf1 -all"])
        .txt("google._domainkey.wild.test", &["google-site-verification=abc"]);
    let findings = run(&dns, "wild.test", &[]).await;
    assert_eq!(findings[0].code, "dkim.not_found");
}

#[tokio::test]
async fn the_selector_you_give_is_tried_first_once_and_reported_if_absent() {
    let dns = FakeResolver::new()
        .txt("mykey._domainkey.shop.test", &[&rsa(RSA_2048)])
        .txt("selector1._domainkey.shop.test", &[&rsa(RSA_2048)]);
    let findings = run(&dns, "shop.test", &[" MyKey ", "Selector1", "absent"]).await;
    assert!(findings[0].message.contains("mykey RSA 2048, selector1 RSA 2048"), "{}", findings[0].message);
    let asked: Vec<String> = dns.asked().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        asked[..3],
        ["mykey._domainkey.shop.test", "selector1._domainkey.shop.test", "absent._domainkey.shop.test"]
    );
    assert_eq!(asked.iter().filter(|n| n.starts_with("selector1.")).count(), 1);
    assert_eq!(asked.len(), 2 + COMMON_SELECTORS.len());
    let absent = findings.iter().find(|f| f.code == "dkim.selector_not_found").unwrap();
    assert!(absent.message.contains("absent._domainkey.shop.test"));
}

#[tokio::test]
async fn a_selector_that_is_not_a_name_is_not_looked_up() {
    let dns = FakeResolver::new();
    let findings = run(&dns, "shop.test", &["bad selector", "x..y"]).await;
    assert_eq!(findings.iter().filter(|f| f.code == "dkim.invalid_selector").count(), 2);
    assert_eq!(dns.asked().len(), COMMON_SELECTORS.len());
}

#[tokio::test]
async fn when_every_lookup_fails_the_answer_is_unknown_not_missing() {
    let mut dns = FakeResolver::new();
    for selector in COMMON_SELECTORS {
        dns = dns.fail(&format!("{selector}._domainkey.servfail.test"), RecordType::Txt, LookupError::ServFail);
    }
    let findings = run(&dns, "servfail.test", &[]).await;
    assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Unknown, "dkim.lookup_failed"));
    assert!(findings[0].message.contains("SERVFAIL"), "{}", findings[0].message);
}

#[tokio::test]
async fn when_the_selector_you_gave_cannot_be_looked_up_the_answer_is_unknown() {
    let dns = FakeResolver::new().fail("mykey._domainkey.shop.test", RecordType::Txt, LookupError::Timeout);
    let findings = run(&dns, "shop.test", &["mykey"]).await;
    assert_eq!((findings[0].status, findings[0].code.as_str()), (Status::Unknown, "dkim.lookup_failed"));
}

#[tokio::test]
async fn a_few_failed_guesses_do_not_hide_a_found_key_or_turn_missing_into_unknown() {
    let dns = FakeResolver::new()
        .fail("k1._domainkey.flaky.test", RecordType::Txt, LookupError::Refused)
        .txt("selector1._domainkey.flaky.test", &[&rsa(RSA_2048)]);
    let findings = run(&dns, "flaky.test", &[]).await;
    assert_eq!(findings[0].code, "dkim.valid");
    assert_eq!(findings.last().unwrap().code, "dkim.lookup_failed");

    let dns = FakeResolver::new().fail("k1._domainkey.flaky.test", RecordType::Txt, LookupError::Refused);
    let findings = run(&dns, "flaky.test", &[]).await;
    assert_eq!(findings[0].code, "dkim.not_found");
    assert!(findings[0].message.contains("1 of these lookups failed"));
}

#[test]
fn the_common_list_is_modest_and_has_no_duplicates() {
    let mut sorted = COMMON_SELECTORS.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), COMMON_SELECTORS.len());
    assert!((20..=30).contains(&COMMON_SELECTORS.len()));
    assert!(COMMON_SELECTORS.iter().all(|s| valid_selector(s)));
}

#[test]
fn the_check_can_run_on_another_thread() {
    fn assert_send<T: Send>(_: &T) {}
    let dns = FakeResolver::new();
    let name = domain("example.test");
    let future = check(&dns, &name, &[]);
    assert_send(&future);
}

/// A resolver that takes 100 ms to say "no such name".
#[derive(Debug)]
struct SlowResolver;

#[async_trait::async_trait]
impl Resolver for SlowResolver {
    async fn lookup(&self, _name: &str, _rtype: RecordType) -> Result<Answer, LookupError> {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        Ok(Answer::nxdomain())
    }
}

#[tokio::test]
async fn the_selector_lookups_run_side_by_side() {
    let started = std::time::Instant::now();
    let findings = check(&SlowResolver, &domain("slow.test"), &[]).await;
    assert_eq!(findings[0].code, "dkim.not_found");
    // One after another they would take 2.5 s.
    assert!(started.elapsed() < std::time::Duration::from_millis(1_000), "{:?}", started.elapsed());
}
