//! The system's resolvers, from `/etc/resolv.conf` (`nameserver` lines).

use std::net::{IpAddr, SocketAddr};

/// Why the system's resolvers could not be found.
#[derive(Debug, thiserror::Error)]
pub enum SystemConfError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// It names no server.
    #[error("{0} names no DNS server; give one with --resolver IP:PORT")]
    NoServers(String),
}

/// The largest resolv.conf worth reading.
const MAX_FILE: usize = 64 * 1024;

/// The name servers of `path` (normally `/etc/resolv.conf`), port 53.
pub fn system_nameservers(path: &std::path::Path) -> Result<Vec<SocketAddr>, SystemConfError> {
    let shown = path.display().to_string();
    let text = std::fs::read(path).map_err(|source| SystemConfError::Read { path: shown.clone(), source })?;
    let text = String::from_utf8_lossy(text.get(..MAX_FILE).unwrap_or(&text)).into_owned();
    let servers = parse(&text);
    if servers.is_empty() { Err(SystemConfError::NoServers(shown)) } else { Ok(servers) }
}

fn parse(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver")).then(|| words.next()).flatten()
        })
        // A scoped IPv6 address (fe80::1%eth0) keeps only the address.
        .filter_map(|addr| addr.split('%').next().and_then(|a| a.parse::<IpAddr>().ok()))
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameserver_lines_are_read_and_the_rest_ignored() {
        let conf = "# comment\nsearch example.org\nnameserver 127.0.0.53\nnameserver ::1\nnameserver fe80::1%eth0\nnameserver not-an-ip\noptions edns0\n";
        let servers: Vec<String> = parse(conf).iter().map(ToString::to_string).collect();
        assert_eq!(servers, vec!["127.0.0.53:53", "[::1]:53", "[fe80::1]:53"]);
    }
}
