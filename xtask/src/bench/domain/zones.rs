//! The bench's DNS data: N lab domains made, at bench time, from the DNS
//! lab's unsigned scenario zones, plus the support zones they point into
//! and a small `test.` parent. Nothing is copied into the repository: the
//! lab (`../shared/dns-lab`) stays the single source of the scenarios.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

/// Zones that scenarios point into (MX hosts, SPF includes, report
/// receivers, hosted DMARC). They are served once, not per domain.
const SUPPORT: [&str; 7] = [
    "mail-provider.test",
    "outlook.test",
    "onmicrosoft.test",
    "dmarc-reports.test",
    "dmarc-host.test",
    "reports-noauth.test",
    "hosting.test",
];

/// One lab scenario: its zone name (`spf-softall.test`) and zone file text.
struct Scenario {
    origin: String,
    text: String,
}

impl Scenario {
    /// The name without `.test`, used in instance names and the report.
    fn stem(&self) -> &str {
        self.origin.strip_suffix(".test").unwrap_or(&self.origin)
    }
}

/// One generated domain and the scenario it was made from.
pub struct Instance {
    pub domain: String,
    pub scenario: String,
}

/// What was generated: the domains to check and every zone to serve.
pub struct Generated {
    pub domains: Vec<Instance>,
    pub zones: Vec<String>,
    pub scenarios: usize,
}

/// Write `n` instance zones, the support zones and a `test.` parent into
/// `dir`, one `<zone>.zone` file each, with NS and glue pointing at `ns`.
pub fn generate(lab: &Path, dir: &Path, n: usize, ns: &str) -> Result<Generated> {
    let scenarios = scenarios(lab)?;
    if scenarios.is_empty() {
        bail!("no unsigned scenario zones found in {}", lab.display());
    }
    let width = (n.saturating_sub(1)).to_string().len().max(4);
    let mut domains = Vec::with_capacity(n);
    for (i, scenario) in (0..n).zip(scenarios.iter().cycle()) {
        let domain = format!("d{i:0width$}-{}.test", scenario.stem());
        write_zone(dir, &domain, &rename(&scenario.text, &scenario.origin, &domain))?;
        domains.push(Instance { domain, scenario: scenario.stem().to_owned() });
    }
    for zone in SUPPORT {
        let text = read(&lab.join("zones").join(format!("{zone}.zone")))?;
        write_zone(dir, zone, &with_instance_lines(&text, &scenarios, &domains))?;
    }
    let mut zones: Vec<String> = domains.iter().map(|d| d.domain.clone()).collect();
    zones.extend(SUPPORT.iter().map(|z| (*z).to_owned()));
    write_zone(dir, "test", &parent_zone(&zones, ns))?;
    zones.push("test".to_owned());
    Ok(Generated { domains, zones, scenarios: scenarios.len() })
}

/// The lab zones that are scenarios and need no signing or special
/// serving: listed in zones.list without a flag (`slow`, `servfail`), not
/// in signed.list, not the `test.` parent and not a support zone.
fn scenarios(lab: &Path) -> Result<Vec<Scenario>> {
    let signed: BTreeSet<String> =
        read(&lab.join("signed.list"))?.lines().filter_map(first_word).map(str::to_owned).collect();
    let mut out = Vec::new();
    for line in read(&lab.join("zones.list"))?.lines() {
        let mut words = line.split_whitespace();
        let (Some(zone), None) = (words.next().filter(|w| !w.starts_with('#')), words.next()) else {
            continue;
        };
        if zone == "test" || SUPPORT.contains(&zone) || signed.contains(zone) {
            continue;
        }
        let text = read(&lab.join("zones").join(format!("{zone}.zone")))?;
        out.push(Scenario { origin: zone.to_owned(), text });
    }
    Ok(out)
}

fn first_word(line: &str) -> Option<&str> {
    line.split_whitespace().next().filter(|w| !w.starts_with('#'))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn write_zone(dir: &Path, zone: &str, text: &str) -> Result<PathBuf> {
    let path = dir.join(format!("{zone}.zone"));
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Replace every whole-name occurrence of `from` with `to`. Lab zones name
/// themselves both through `$ORIGIN`/relative owners and in full inside
/// record data (SOA mailbox, SPF includes, rua addresses), so a plain
/// `$ORIGIN` swap is not enough; the boundary test keeps `dmarc-pnone.test`
/// from matching inside `x-dmarc-pnone.test` or `dmarc-pnone.testing`.
fn rename(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut last = 0;
    for (at, _) in text.match_indices(from) {
        let before = text.get(..at).and_then(|s| s.chars().next_back());
        let after = text.get(at + from.len()..).and_then(|s| s.chars().next());
        if before.is_some_and(name_char) || after.is_some_and(name_char) {
            continue;
        }
        out.push_str(text.get(last..at).unwrap_or_default());
        out.push_str(to);
        last = at + from.len();
    }
    out.push_str(text.get(last..).unwrap_or_default());
    out
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

fn mentions(text: &str, name: &str) -> bool {
    rename(text, name, "") != text
}

/// A support zone with every line that names a scenario (report
/// authorisations, hosted DMARC records) repeated once per instance of
/// that scenario, so each generated domain finds its own record there.
fn with_instance_lines(text: &str, scenarios: &[Scenario], domains: &[Instance]) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        let Some(s) = scenarios.iter().find(|s| mentions(line, &s.origin)) else { continue };
        for d in domains.iter().filter(|d| d.scenario == s.stem()) {
            out.push_str(&rename(line, &s.origin, &d.domain));
            out.push('\n');
        }
    }
    out
}

/// A minimal unsigned `test.` zone delegating every served zone, so the
/// NS names resolve and a DS query for a domain gets an authoritative "no
/// DS" (insecure) rather than NXDOMAIN or REFUSED.
fn parent_zone(children: &[String], ns: &str) -> String {
    let mut z = String::from("$ORIGIN test.\n$TTL 300\n");
    z.push_str("@ IN SOA ns1.test. hostmaster.test. 1 3600 600 86400 60\n@ IN NS ns1.test.\n@ IN NS ns2.test.\n");
    let _ = writeln!(z, "ns1 IN A {ns}\nns2 IN A {ns}");
    for child in children {
        let _ = writeln!(z, "{child}. IN NS ns1.test.\n{child}. IN NS ns2.test.");
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_whole_names_only() {
        let zone = "$ORIGIN a.test.\n_s1.a.test x-a.test a.testing \"mailto:r@a.test\"";
        assert_eq!(
            rename(zone, "a.test", "d1-a.test"),
            "$ORIGIN d1-a.test.\n_s1.d1-a.test x-a.test a.testing \"mailto:r@d1-a.test\""
        );
    }

    #[test]
    fn support_lines_are_repeated_per_instance() {
        let scenarios = vec![Scenario { origin: "j.test".into(), text: String::new() }];
        let domains = vec![
            Instance { domain: "d0-j.test".into(), scenario: "j".into() },
            Instance { domain: "d1-j.test".into(), scenario: "j".into() },
        ];
        let out =
            with_instance_lines("j.test._report._dmarc IN TXT \"v=DMARC1\"\n@ IN A 1.2.3.4\n", &scenarios, &domains);
        assert_eq!(out.lines().filter(|l| l.contains("_report")).count(), 3);
        assert!(out.contains("d1-j.test._report._dmarc"));
    }
}
