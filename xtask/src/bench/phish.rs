//! `bench phish`: `portcullis mail triage` against rspamd on the shared
//! labelled dev split (plus the modern office mail as legitimate), in the
//! same run: messages/s, recall and false-positive rates for both, and the
//! ratio of speeds.
//!
//! rspamd (Debian's, 3.x) runs as a private instance on loopback ports
//! with its own configuration directory under the target directory: every
//! module that reaches the network is off (RBLs, SURBL, SPF, DKIM, DMARC,
//! fuzzy, hfilter's lookups, map updates) and DNS points at a closed port,
//! so nothing leaves the machine. Messages go to its `/checkv2` endpoint
//! over HTTP, one connection per message, from as many client threads as
//! cores. "Flagged" for rspamd is an action at or above "add header"
//! (reject, rewrite subject, add header) and, looser, any action at all.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use super::server;
use crate::eval;

/// Modules of rspamd that reach the network, turned off.
const NETWORK_MODULES: &[&str] = &[
    "rbl",
    "surbl",
    "spf",
    "dkim",
    "dmarc",
    "arc",
    "asn",
    "emails",
    "fuzzy_check",
    "mx_check",
    "phishing",
    "url_redirector",
    "rspamd_update",
    "reputation",
    "greylist",
    "ratelimit",
    "neural",
    "history_redis",
    "replies",
    "dcc",
    "antivirus",
    "external_services",
    "p0f",
    "bimi",
    "clickhouse",
    "elastic",
    "hfilter",
];

/// Ports of the private rspamd (normal worker, controller, proxy).
const PORTS: [u16; 3] = [21433, 21434, 21432];

/// One labelled message and whether each tool flagged it (strongly, at all).
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    phish: usize,
    ham: usize,
    phish_any: usize,
    phish_strong: usize,
    ham_any: usize,
    ham_strong: usize,
}

impl Tally {
    fn add(&mut self, phishing: bool, strong: bool, any: bool) {
        if phishing {
            self.phish += 1;
            self.phish_any += usize::from(any);
            self.phish_strong += usize::from(strong);
        } else {
            self.ham += 1;
            self.ham_any += usize::from(any);
            self.ham_strong += usize::from(strong);
        }
    }

    fn ratio(n: usize, d: usize) -> f64 {
        if d == 0 { 0.0 } else { n as f64 / d as f64 }
    }
}

/// Stops the rspamd it holds when dropped: SIGTERM first, so the main
/// process stops its workers (SIGKILL would leave them running), then
/// SIGKILL after five seconds.
struct Rspamd(Child);

impl Drop for Rspamd {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Run the benchmark.
pub fn run(_args: &[&str]) -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = super::shared_dir(&root);
    let target = server::target_dir(&root)?;
    let set = eval::unpack_dev_split(&root, &shared)?;
    let dirs = [set.join("phishing"), set.join("ham"), shared.join("data/modern-ham-dev")];
    let binary = server::release_binary(&root)?;
    let mut labelled: Vec<(PathBuf, bool)> = Vec::new();
    for (n, dir) in dirs.iter().enumerate() {
        labelled.extend(eval::list(dir)?.into_iter().map(|p| (p, n == 0)));
    }
    let ours = portcullis(&binary, &dirs)?;
    let _rspamd = start_rspamd(&target.join("bench-phish-rspamd"))?;
    let peer = rspamd(&labelled)?;
    print(&ours, &peer, labelled.len());
    Ok(())
}

/// `portcullis --json mail triage` over the three folders, timed.
fn portcullis(binary: &Path, dirs: &[PathBuf; 3]) -> Result<(Tally, f64)> {
    let started = Instant::now();
    let out = Command::new(binary).args(["--json", "mail", "triage"]).args(dirs).stderr(Stdio::null()).output()?;
    let secs = started.elapsed().as_secs_f64();
    let [phishing, ..] = dirs;
    let phishing_dir = phishing.display().to_string();
    let mut tally = Tally::default();
    for line in String::from_utf8(out.stdout)?.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).context("portcullis printed a line that is not JSON")?;
        let path = value.get("path").and_then(serde_json::Value::as_str).unwrap_or_default();
        let verdict = value.get("verdict").and_then(serde_json::Value::as_str).unwrap_or("error");
        tally.add(path.starts_with(&phishing_dir), verdict == "phishing", matches!(verdict, "phishing" | "suspicious"));
    }
    Ok((tally, secs))
}

fn start_rspamd(dir: &Path) -> Result<Rspamd> {
    if Command::new("rspamd").arg("--version").output().is_err() {
        bail!("rspamd is not installed (Debian: apt-get install rspamd)");
    }
    let _ = std::fs::remove_dir_all(dir);
    for sub in ["override.d", "db", "run", "log"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let [normal, controller, proxy] = PORTS;
    let files = [
        ("worker-normal.inc", format!("bind_socket = \"127.0.0.1:{normal}\";\n")),
        ("worker-controller.inc", format!("bind_socket = \"127.0.0.1:{controller}\";\n")),
        ("worker-proxy.inc", format!("bind_socket = \"127.0.0.1:{proxy}\";\n")),
        ("options.inc", "dns { nameserver = [\"127.0.0.1:9\"]; timeout = 0.1s; retransmits = 0; }\n".to_owned()),
        ("logging.inc", "type = \"file\"; filename = \"$LOGDIR/rspamd.log\"; level = \"error\";\n".to_owned()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join("override.d").join(name), text)?;
    }
    for module in NETWORK_MODULES {
        std::fs::write(dir.join("override.d").join(format!("{module}.conf")), "enabled = false;\n")?;
    }
    let var = |name: &str, path: &Path| format!("{name}={}", path.display());
    let child = Command::new("rspamd")
        .args(["-f", "-i", "-u", "root", "-g", "root", "-c", "/etc/rspamd/rspamd.conf", "--var"])
        .arg(var("LOCAL_CONFDIR", dir))
        .arg("--var")
        .arg(var("DBDIR", &dir.join("db")))
        .arg("--var")
        .arg(var("RUNDIR", &dir.join("run")))
        .arg("--var")
        .arg(var("LOGDIR", &dir.join("log")))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting rspamd")?;
    let rspamd = Rspamd(child);
    let deadline = Instant::now() + Duration::from_secs(180);
    while check(b"From: a@b.example\r\n\r\nping\r\n").is_err() {
        if Instant::now() > deadline {
            bail!("rspamd did not answer on 127.0.0.1:{normal} within 3 minutes (see {})", dir.join("log").display());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Ok(rspamd)
}

/// rspamd's action for one message.
fn check(message: &[u8]) -> Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", PORTS[0]))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(stream, "POST /checkv2 HTTP/1.0\r\nContent-Length: {}\r\n\r\n", message.len())?;
    stream.write_all(message)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    let body = reply.windows(4).position(|w| w == b"\r\n\r\n").and_then(|at| reply.get(at + 4..)).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_slice(body).context("rspamd's answer is not JSON")?;
    value.get("action").and_then(serde_json::Value::as_str).map(str::to_owned).context("rspamd's answer has no action")
}

/// Every message through rspamd, from one client thread per core, timed.
fn rspamd(labelled: &[(PathBuf, bool)]) -> Result<(Tally, f64)> {
    let messages: Vec<(Vec<u8>, bool)> =
        labelled.iter().map(|(p, phishing)| std::fs::read(p).map(|b| (b, *phishing))).collect::<Result<_, _>>()?;
    let next = AtomicUsize::new(0);
    let tally = Mutex::new((Tally::default(), 0_usize));
    let workers = std::thread::available_parallelism().map_or(2, std::num::NonZero::get) * 2;
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some((bytes, phishing)) = messages.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let action = check(bytes);
                    let mut t = tally.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    match action {
                        Ok(action) => {
                            let strong = matches!(action.as_str(), "reject" | "rewrite subject" | "add header");
                            t.0.add(*phishing, strong, action != "no action");
                        }
                        Err(_) => t.1 += 1,
                    }
                }
            });
        }
    });
    let secs = started.elapsed().as_secs_f64();
    let (tally, failed) = tally.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    if failed > 0 {
        bail!("rspamd failed to answer for {failed} message(s)");
    }
    Ok((tally, secs))
}

fn print(ours: &(Tally, f64), peer: &(Tally, f64), total: usize) {
    println!("bench phish: {total} messages (shared dev split + modern office mail), read warm from the page cache");
    println!("  tool                     msgs/s   recall strong / any   FPR strong / any");
    println!("  (strong = portcullis 'phishing', rspamd add-header or worse; any = also 'suspicious' / any action)");
    for (name, (t, secs)) in [("portcullis mail triage", ours), ("rspamd (network off)", peer)] {
        println!(
            "  {name:<22} {:>8.0}   {:.3} / {:.3}         {:.4} / {:.4}",
            (t.phish + t.ham) as f64 / secs,
            Tally::ratio(t.phish_strong, t.phish),
            Tally::ratio(t.phish_any, t.phish),
            Tally::ratio(t.ham_strong, t.ham),
            Tally::ratio(t.ham_any, t.ham)
        );
    }
    let ratio = ((ours.0.phish + ours.0.ham) as f64 / ours.1) / ((peer.0.phish + peer.0.ham) as f64 / peer.1);
    let pass = |ok: bool| if ok { "PASS" } else { "FAIL" };
    println!("  speed ratio {ratio:.1}×   target ≥ 10×: {}", pass(ratio >= 10.0));
    let recall = Tally::ratio(ours.0.phish_any, ours.0.phish);
    println!("  portcullis recall {recall:.3}   target ≥ 0.95: {}", pass(recall >= 0.95));
    println!("notes: portcullis = release binary, one process over the three folders, all cores, wall time including");
    println!(
        "       start-up; rspamd = its /checkv2 HTTP endpoint, 2 client threads per core, one connection per message."
    );
}
