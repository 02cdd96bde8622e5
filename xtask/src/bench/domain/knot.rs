//! A private, throw-away knotd for the bench: its own config, run
//! directory and pid file in a temporary directory, listening on one
//! loopback address only, stopped when the guard is dropped (also when the
//! bench fails half-way).

use std::fmt::Write as _;
use std::fs::File;
use std::net::{Ipv4Addr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

/// Where the bench's server listens: outside the lab's 127.0.10.0/24 so
/// the two never meet, and on loopback so nothing leaves the machine.
pub const ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 11, 1);

/// A running knotd, stopped (TERM, then KILL) when dropped.
pub struct Knot {
    child: Child,
    log: PathBuf,
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start knotd serving `zones` (files `<zone>.zone` in `zone_dir`) and wait
/// until every zone answers its SOA with authority.
pub fn start(run_dir: &Path, zone_dir: &Path, zones: &[String]) -> Result<Knot> {
    // A knotd left behind by a killed run would answer in our place.
    if let Err(e) = UdpSocket::bind((ADDR, 53)) {
        bail!("cannot bind {ADDR}:53 ({e}): something already listens there, or this is not root");
    }
    let conf = run_dir.join("knot.conf");
    std::fs::write(&conf, config(run_dir, zone_dir, zones)).context("writing knot.conf")?;
    let stderr = File::create(run_dir.join("knotd.stderr")).context("creating knotd.stderr")?;
    // In the foreground (no -d) so the guard holds the real process.
    let child = Command::new("knotd")
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .context("starting knotd (install Debian's knot package; the DNS lab's start.sh does)")?;
    let mut knot = Knot { child, log: run_dir.join("knot.log") };
    wait_ready(&mut knot, zones, Duration::from_secs(60))?;
    Ok(knot)
}

fn config(run_dir: &Path, zone_dir: &Path, zones: &[String]) -> String {
    let run = run_dir.display();
    let mut c = format!(
        "server:\n    rundir: \"{run}\"\n    pidfile: \"{run}/knot.pid\"\n    listen: [ {ADDR}@53 ]\n\
         \x20   identity: \"\"\n    version: \"\"\n\
         control:\n    listen: \"{run}/knot.sock\"\n\
         database:\n    storage: \"{run}/db\"\n\
         log:\n  - target: \"{run}/knot.log\"\n    any: notice\n\
         template:\n  - id: default\n    storage: \"{}\"\n    file: \"%s.zone\"\n\
         \x20   zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n    semantic-checks: off\n\
         zone:\n",
        zone_dir.display()
    );
    for zone in zones {
        let _ = writeln!(c, "  - domain: {zone}");
    }
    c
}

/// Poll every zone until all answer, so a zone that failed to load (a bad
/// rewrite, say) stops the bench instead of skewing it with errors.
fn wait_ready(knot: &mut Knot, zones: &[String], limit: Duration) -> Result<()> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).context("binding a probe socket")?;
    socket.set_read_timeout(Some(Duration::from_millis(200)))?;
    let deadline = Instant::now() + limit;
    let mut pending: Vec<&String> = zones.iter().collect();
    let mut id: u16 = 0;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = knot.child.try_wait() {
            bail!("knotd exited ({status}) before answering; see {}", knot.log.display());
        }
        pending.retain(|zone| {
            id = id.wrapping_add(1);
            !answers_soa(&socket, zone, id)
        });
        if pending.is_empty() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let first = pending.first().map_or("", |z| z.as_str());
    bail!("{} zones (e.g. {first}) did not answer within {limit:?}; see {}", pending.len(), knot.log.display())
}

/// One SOA query over UDP; true when the answer is authoritative NOERROR
/// with at least one answer record.
fn answers_soa(socket: &UdpSocket, zone: &str, id: u16) -> bool {
    if socket.send_to(&soa_query(zone, id), (ADDR, 53)).is_err() {
        return false;
    }
    let mut buf = [0u8; 1500];
    let Ok(n) = socket.recv(&mut buf) else { return false };
    let Some([id0, id1, flags, rcode, _, _, an0, an1, ..]) = buf.get(..n) else { return false };
    let authoritative = flags & 0x04 != 0;
    u16::from_be_bytes([*id0, *id1]) == id && authoritative && rcode & 0x0f == 0 && (*an0, *an1) != (0, 0)
}

fn soa_query(zone: &str, id: u16) -> Vec<u8> {
    let mut q = Vec::with_capacity(zone.len() + 18);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in zone.split('.').filter(|l| !l.is_empty()) {
        q.push(u8::try_from(label.len()).unwrap_or(63));
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 6, 0, 1]);
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soa_query_is_well_formed() {
        let q = soa_query("a.test", 7);
        assert_eq!(q, [0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 4, b't', b'e', b's', b't', 0, 0, 6, 0, 1]);
    }
}
