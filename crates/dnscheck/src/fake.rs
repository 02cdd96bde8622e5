//! A resolver that answers from a table, for unit tests of the checks and
//! of their callers. Names with no entry do not exist (NXDOMAIN); a name
//! with records of other types exists with no data of the type asked.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Mutex;

use crate::resolver::{Answer, LookupError, Rcode, Rdata, RecordType, Resolver};

/// A table of records and failures.
#[derive(Debug, Default)]
pub struct FakeResolver {
    records: BTreeMap<(String, RecordType), Vec<Rdata>>,
    failures: BTreeMap<(String, RecordType), LookupError>,
    cnames: BTreeMap<String, String>,
    signed: Vec<String>,
    asked: Mutex<Vec<(String, RecordType)>>,
}

impl FakeResolver {
    /// An empty table: every name is NXDOMAIN.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a record.
    #[must_use]
    pub fn record(mut self, name: &str, rtype: RecordType, data: Rdata) -> Self {
        self.records.entry((name.to_owned(), rtype)).or_default().push(data);
        self
    }

    /// Add a TXT record of one character-string per `part`.
    #[must_use]
    pub fn txt(self, name: &str, parts: &[&str]) -> Self {
        let data = Rdata::Txt(parts.iter().map(|p| p.as_bytes().to_vec()).collect());
        self.record(name, RecordType::Txt, data)
    }

    /// Add an A record.
    #[must_use]
    pub fn a(self, name: &str, ip: [u8; 4]) -> Self {
        self.record(name, RecordType::A, Rdata::A(Ipv4Addr::from(ip)))
    }

    /// Add an MX record.
    #[must_use]
    pub fn mx(self, name: &str, preference: u16, exchange: &str) -> Self {
        self.record(name, RecordType::Mx, Rdata::Mx { preference, exchange: exchange.to_owned() })
    }

    /// Make `name` an alias of `target` for every type but CNAME itself.
    #[must_use]
    pub fn cname(mut self, name: &str, target: &str) -> Self {
        self.cnames.insert(name.to_owned(), target.to_owned());
        self
    }

    /// Make lookups of `rtype` at `name` fail.
    #[must_use]
    pub fn fail(mut self, name: &str, rtype: RecordType, error: LookupError) -> Self {
        self.failures.insert((name.to_owned(), rtype), error);
        self
    }

    /// Answers at or below `zone` carry the AD flag.
    #[must_use]
    pub fn signed(mut self, zone: &str) -> Self {
        self.signed.push(zone.to_owned());
        self
    }

    /// Every lookup made so far, in order.
    pub fn asked(&self) -> Vec<(String, RecordType)> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }

    fn exists(&self, name: &str) -> bool {
        self.cnames.contains_key(name) || self.records.keys().any(|(n, _)| n == name)
    }

    fn is_signed(&self, name: &str) -> bool {
        self.signed.iter().any(|z| name == z || name.ends_with(&format!(".{z}")))
    }
}

#[async_trait::async_trait]
impl Resolver for FakeResolver {
    async fn lookup(&self, name: &str, rtype: RecordType) -> Result<Answer, LookupError> {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push((name.to_owned(), rtype));
        }
        let mut current = name.to_owned();
        let mut chain = Vec::new();
        // Follow aliases, as a recursive resolver does (bounded: a loop ends).
        for _ in 0..8 {
            if let Some(error) = self.failures.get(&(current.clone(), rtype)) {
                return Err(error.clone());
            }
            match self.cnames.get(&current) {
                Some(target) if rtype != RecordType::Cname => {
                    chain.push((current.clone(), target.clone()));
                    current = target.clone();
                }
                Some(target) => {
                    let records = vec![Rdata::Cname(target.clone())];
                    return Ok(Answer { authenticated: self.is_signed(name), ..Answer::with(records) });
                }
                None => break,
            }
        }
        let records = self.records.get(&(current.clone(), rtype)).cloned().unwrap_or_default();
        let rcode = if records.is_empty() && !self.exists(&current) { Rcode::NxDomain } else { Rcode::NoError };
        Ok(Answer { rcode, records, cnames: chain, authenticated: self.is_signed(&current) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_table_answers_like_dns() {
        let dns = FakeResolver::new()
            .txt("example.test", &["v=spf1 ", "-all"])
            .a("example.test", [192, 0, 2, 1])
            .cname("_dmarc.example.test", "host.test")
            .txt("host.test", &["v=DMARC1; p=none"])
            .fail("broken.test", RecordType::Txt, LookupError::ServFail);

        assert_eq!(dns.lookup("example.test", RecordType::Txt).await.unwrap().texts(), vec!["v=spf1 -all"]);
        let nodata = dns.lookup("example.test", RecordType::Mx).await.unwrap();
        assert_eq!((nodata.rcode, nodata.is_empty()), (Rcode::NoError, true));
        assert_eq!(dns.lookup("nope.test", RecordType::A).await.unwrap().rcode, Rcode::NxDomain);
        let via = dns.lookup("_dmarc.example.test", RecordType::Txt).await.unwrap();
        assert_eq!(via.texts(), vec!["v=DMARC1; p=none"]);
        assert_eq!(via.cnames, vec![("_dmarc.example.test".to_owned(), "host.test".to_owned())]);
        assert_eq!(dns.lookup("broken.test", RecordType::Txt).await, Err(LookupError::ServFail));
        assert_eq!(dns.asked().len(), 5);
    }
}
