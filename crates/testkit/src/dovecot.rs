//! A private Dovecot IMAP server for tests: Debian's `dovecot-imapd`
//! started in the foreground from a configuration written into a temporary
//! directory, listening on two free loopback ports (plain/STARTTLS and
//! implicit TLS), with its own runtime, state, log, mail store (maildir),
//! one generated user and password, and a certificate issued for the test
//! by a freshly generated CA.
//!
//! When the binary is missing, [`Dovecot::start`] returns `None` and the
//! tests skip, saying so — unless `PORTCULLIS_REQUIRE_IMAP=1` (set by
//! `./scripts/test`), which turns the skip into a failure.
//!
//! Dovecot refuses to give mail access to UID 0, so when the tests run as
//! root (as CI does) mail is stored as the package's own `dovecot` user;
//! otherwise everything runs as the current user.

use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the server.
pub const BINARY: &str = "/usr/sbin/dovecot";
/// The environment variable that turns a skip into a failure.
pub const REQUIRE_VAR: &str = "PORTCULLIS_REQUIRE_IMAP";

/// How long the server may take to accept connections.
const START_LIMIT: Duration = Duration::from_secs(20);
/// How many times to try fresh ports when one was taken meanwhile.
const START_ATTEMPTS: usize = 3;

/// Whether the IMAP tests must run (`PORTCULLIS_REQUIRE_IMAP=1`).
pub fn required() -> bool {
    std::env::var(REQUIRE_VAR).as_deref() == Ok("1")
}

/// Whether Dovecot is installed here.
pub fn installed() -> bool {
    Path::new(BINARY).is_file()
}

/// Why the test server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum DovecotError {
    /// The binary is not installed.
    #[error("dovecot is not installed ({BINARY} is missing; on Debian: apt-get install dovecot-imapd)")]
    NotInstalled,
    /// Preparing its directory, users or certificate failed.
    #[error("could not prepare the test dovecot: {0}")]
    Setup(String),
    /// It was started but never accepted connections.
    #[error("the test dovecot did not start: {0}")]
    DidNotStart(String),
}

/// A running private Dovecot; it is stopped (its whole process group) and
/// its directory removed when dropped.
#[derive(Debug)]
pub struct Dovecot {
    /// The address it listens on: `127.0.0.1`.
    pub host: String,
    /// Plain IMAP, where STARTTLS is offered.
    pub port: u16,
    /// IMAP over implicit TLS.
    pub tls_port: u16,
    /// The one mail user.
    pub user: String,
    /// That user's generated password.
    pub password: String,
    /// The PEM of the CA that issued the server's certificate (for
    /// `127.0.0.1` and `localhost`); clients must be told to trust it.
    pub ca_pem: String,
    child: Child,
    dir: tempfile::TempDir,
}

impl Dovecot {
    /// Start a private server. `None` when Dovecot is not installed or did
    /// not start; [`Dovecot::launch`] says why.
    pub fn start() -> Option<Self> {
        Self::launch().ok()
    }

    /// Start a private server, or say why not.
    pub fn launch() -> Result<Self, DovecotError> {
        Self::launch_with(None)
    }

    /// Start a private server that advertises only these IMAP capabilities
    /// after login (for example `IMAP4rev1 UIDPLUS`, without MOVE), to test
    /// how clients manage without the others.
    pub fn launch_with_capabilities(capabilities: &str) -> Result<Self, DovecotError> {
        Self::launch_with(Some(capabilities))
    }

    fn launch_with(capabilities: Option<&str>) -> Result<Self, DovecotError> {
        if !installed() {
            return Err(DovecotError::NotInstalled);
        }
        let mut last = DovecotError::DidNotStart("no attempt was made".to_owned());
        for _ in 0..START_ATTEMPTS {
            match Self::launch_once(capabilities) {
                // A port picked as free may have been taken before dovecot bound it.
                Err(DovecotError::DidNotStart(why)) if why.contains("in use") => last = DovecotError::DidNotStart(why),
                done => return done,
            }
        }
        Err(last)
    }

    /// What the server has logged so far (for failure messages).
    pub fn log(&self) -> String {
        read_logs(self.dir.path())
    }

    /// `host:port` of the plain/STARTTLS listener.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The user's maildir (INBOX; other folders are `.Name` inside it), to
    /// look at what the server stored.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail").join(&self.user)
    }

    fn launch_once(capabilities: Option<&str>) -> Result<Self, DovecotError> {
        let dir = tempfile::Builder::new().prefix("portcullis-dovecot-").tempdir().map_err(setup)?;
        // Dovecot's unprivileged processes must reach the password file and the mail.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).map_err(setup)?;
        let accounts = Accounts::for_dir(dir.path())?;
        let (port, tls_port) = (free_port()?, free_port()?);
        let user = "reports".to_owned();
        let password = random_hex(16)?;
        let ca_pem = write_certificates(dir.path())?;
        write_file(&dir.path().join("passwd"), &format!("{user}:{{PLAIN}}{password}::::::\n"), 0o644)?;
        let mail = dir.path().join("mail");
        fs::create_dir(&mail).map_err(setup)?;
        accounts.give_mail(&mail)?;
        let mut conf = config(dir.path(), &accounts, port, tls_port);
        if let Some(caps) = capabilities {
            let _ = writeln!(conf, "protocol imap {{\n  imap_capability = {caps}\n}}");
        }
        let conf_path = dir.path().join("dovecot.conf");
        write_file(&conf_path, &conf, 0o644)?;
        let stderr = fs::File::create(dir.path().join("stderr.log")).map_err(setup)?;
        let child = Command::new(BINARY)
            .arg("-F")
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .map_err(setup)?;
        let mut server = Self { host: "127.0.0.1".to_owned(), port, tls_port, user, password, ca_pem, child, dir };
        server.wait_until_ready()?;
        Ok(server)
    }

    fn wait_until_ready(&mut self) -> Result<(), DovecotError> {
        let deadline = Instant::now() + START_LIMIT;
        let ports = [self.port, self.tls_port];
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(DovecotError::DidNotStart(format!("it exited ({status}): {}", self.log())));
            }
            // The implicit-TLS port accepts before any greeting; the plain one must greet.
            if greets(self.port) && ports.iter().all(|p| accepts(*p)) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(DovecotError::DidNotStart(format!("no greeting within {START_LIMIT:?}: {}", self.log())));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).stderr(Stdio::null()).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Whatever is left of the group (the master, or a straggling child);
        // the master directly too, should `kill` be missing.
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Who the server's processes and its mail run as.
#[derive(Debug)]
struct Accounts {
    /// Dovecot's own unprivileged processes.
    internal_user: String,
    /// The login processes.
    login_user: String,
    /// Owner of the mail.
    mail_uid: u32,
    mail_gid: u32,
    as_root: bool,
}

impl Accounts {
    /// Decide from who owns a directory we just created (that is, who we are).
    fn for_dir(dir: &Path) -> Result<Self, DovecotError> {
        let me = fs::metadata(dir).map_err(setup)?;
        let passwd = fs::read_to_string("/etc/passwd").map_err(setup)?;
        if me.uid() == 0 {
            let (_, uid, gid) = passwd_entry(&passwd, |name, _| name == "dovecot")
                .ok_or_else(|| DovecotError::Setup("there is no `dovecot` system user".to_owned()))?;
            let login = passwd_entry(&passwd, |name, _| name == "dovenull").map_or("dovecot", |_| "dovenull");
            Ok(Self {
                internal_user: "dovecot".to_owned(),
                login_user: login.to_owned(),
                mail_uid: uid,
                mail_gid: gid,
                as_root: true,
            })
        } else {
            let (name, uid, gid) = passwd_entry(&passwd, |_, uid| uid == me.uid())
                .ok_or_else(|| DovecotError::Setup(format!("uid {} has no name in /etc/passwd", me.uid())))?;
            Ok(Self { internal_user: name.clone(), login_user: name, mail_uid: uid, mail_gid: gid, as_root: false })
        }
    }

    /// Hand the mail directory to the mail user.
    fn give_mail(&self, mail: &Path) -> Result<(), DovecotError> {
        if self.as_root {
            std::os::unix::fs::chown(mail, Some(self.mail_uid), Some(self.mail_gid)).map_err(setup)?;
        }
        fs::set_permissions(mail, fs::Permissions::from_mode(0o700)).map_err(setup)
    }
}

/// The first `/etc/passwd` entry matching `wanted(name, uid)`: name, uid, gid.
fn passwd_entry(passwd: &str, wanted: impl Fn(&str, u32) -> bool) -> Option<(String, u32, u32)> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let uid = fields.nth(1)?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        wanted(name, uid).then(|| (name.to_owned(), uid, gid))
    })
}

/// The whole configuration (Dovecot 2.3 syntax), nothing read from /etc.
fn config(dir: &Path, accounts: &Accounts, port: u16, tls_port: u16) -> String {
    let d = dir.display();
    let mut c = String::new();
    let _ = write!(
        c,
        "\
instance_name = portcullis-test-{port}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {uid}
last_valid_uid = 0
first_valid_gid = 1
mail_location = maildir:{d}/mail/%u
ssl = yes
ssl_cert = <{d}/server.pem
ssl_key = <{d}/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests try wrong passwords on purpose: answer at once.
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
",
        internal = accounts.internal_user,
        login = accounts.login_user,
        uid = accounts.mail_uid,
        gid = accounts.mail_gid,
    );
    c
}

/// A CA and a server certificate it issued for `127.0.0.1` and `localhost`;
/// writes the server's certificate and key, returns the CA's PEM.
fn write_certificates(dir: &Path) -> Result<String, DovecotError> {
    let cert = |e: rcgen::Error| DovecotError::Setup(format!("certificate: {e}"));
    let ca_key = rcgen::KeyPair::generate().map_err(cert)?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(cert)?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Portcullis test CA");
    ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key).map_err(cert)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let server_key = rcgen::KeyPair::generate().map_err(cert)?;
    let mut params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).map_err(cert)?;
    params.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
    let server = params.signed_by(&server_key, &issuer).map_err(cert)?;
    write_file(&dir.join("server.pem"), &server.pem(), 0o644)?;
    write_file(&dir.join("server.key"), &server_key.serialize_pem(), 0o600)?;
    Ok(ca.pem())
}

fn write_file(path: &Path, text: &str, mode: u32) -> Result<(), DovecotError> {
    let mut file = fs::File::create(path).map_err(setup)?;
    file.write_all(text.as_bytes()).map_err(setup)?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(setup)
}

fn free_port() -> Result<u16, DovecotError> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(setup)?;
    Ok(listener.local_addr().map_err(setup)?.port())
}

fn random_hex(bytes: usize) -> Result<String, DovecotError> {
    let mut raw = vec![0u8; bytes];
    getrandom::fill(&mut raw).map_err(|e| DovecotError::Setup(format!("randomness: {e}")))?;
    Ok(raw.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

fn accepts(port: u16) -> bool {
    TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_millis(500)).is_ok()
}

/// Whether the plain port sends an IMAP greeting.
fn greets(port: u16) -> bool {
    let Ok(mut stream) =
        TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_millis(500))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut greeting = [0u8; 4];
    stream.read_exact(&mut greeting).is_ok() && &greeting == b"* OK"
}

fn read_logs(dir: &Path) -> String {
    let read = |name: &str| -> String { fs::read_to_string(dir.join(name)).unwrap_or_default() };
    let text = format!("{}{}", read("stderr.log"), read("dovecot.log"));
    // The end says why it stopped; keep failure messages readable.
    let start = text.len().saturating_sub(4000);
    let start = (start..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
    text.get(start..).unwrap_or_default().to_owned()
}

fn setup(e: impl std::fmt::Display) -> DovecotError {
    DovecotError::Setup(e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn finds_passwd_entries_by_name_or_uid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\ndovecot:x:108:111:Dovecot:/usr/lib/dovecot:/usr/sbin/nologin\n";
        assert_eq!(passwd_entry(passwd, |n, _| n == "dovecot"), Some(("dovecot".to_owned(), 108, 111)));
        assert_eq!(passwd_entry(passwd, |_, uid| uid == 0).map(|e| e.0), Some("root".to_owned()));
        assert_eq!(passwd_entry(passwd, |n, _| n == "nobody"), None);
    }

    #[test]
    fn random_passwords_differ() {
        let (a, b) = (random_hex(16).unwrap(), random_hex(16).unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
