//! Starting a release build of `portcullis serve` for a benchmark and
//! signing in through its pages.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use portcullis_app::SystemClock;
use portcullis_app::auth::TotpSecret;
use portcullis_testkit::browserless::{Visitor, element_text, input_value};
use portcullis_types::Clock as _;
use zeroize::Zeroizing;

/// A running server, stopped when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The one-time setup path it printed (`/setup?token=…`).
    pub setup_path: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

/// `CARGO_TARGET_DIR` when set (relative to where cargo was run), else
/// the workspace's `target/`, as cargo itself decides.
pub fn target_dir(root: &Path) -> Result<PathBuf> {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => Ok(PathBuf::from(dir)),
        Some(dir) => Ok(std::env::current_dir().context("reading the current directory")?.join(dir)),
        None => Ok(root.join("target")),
    }
}

/// Build the release binary once and return its path (in the target
/// directory cargo used).
pub fn release_binary(root: &Path) -> Result<PathBuf> {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "portcullis-cli"])
        .current_dir(root)
        .status()
        .context("running cargo build --release")?;
    if !status.success() {
        bail!("cargo build --release -p portcullis-cli failed");
    }
    Ok(target_dir(root)?.join("release/portcullis"))
}

/// Start `portcullis serve` on a free loopback port with this database.
pub fn start(binary: &Path, db: &str, work: &Path) -> Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut child = Command::new(binary)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--db", db])
        .env("PORTCULLIS_KEY_FILE", work.join("secret.key"))
        .env("PORTCULLIS_DATA_DIR", work)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting portcullis serve")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && let Some(at) = line.find("/setup?token=")
        {
            let path = line.get(at..).unwrap_or_default().split_whitespace().next().unwrap_or_default();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            return Ok(Server { child, addr, setup_path: path.trim_end_matches('.').to_owned() });
        }
    }
    bail!("the server printed no setup link within a minute")
}

/// Set up the office, sign in, enrol an authenticator: a fully signed-in visitor.
pub async fn signed_in_visitor(server: &Server) -> Result<Visitor> {
    const EMAIL: &str = "load.tester@example.org.uk";
    const PASSWORD: &str = "copper kettle meadow 917";
    let mut v = Visitor::new(server.addr);
    let page = v.get(&server.setup_path).await?;
    let token = input_value(&page.body, "token").unwrap_or_default();
    let csrf = input_value(&page.body, "csrf").context("no csrf field on the setup page")?;
    let fields = [
        ("csrf", csrf.as_str()),
        ("token", token.as_str()),
        ("office_name", "Benchmark office"),
        ("name", "Bench Manager"),
        ("email", EMAIL),
        ("password", PASSWORD),
    ];
    let r = v.post_form("/setup", &fields).await?;
    if r.status != 303 {
        let why: Vec<&str> = r.body.lines().filter(|l| l.contains("pc-error-message")).collect();
        bail!("setup answered {} instead of a redirect: {}", r.status, why.join(" "));
    }
    let login = v.get("/login").await?;
    let csrf = input_value(&login.body, "csrf").context("no csrf field on the sign-in page")?;
    v.post_form("/login", &[("csrf", &csrf), ("email", EMAIL), ("password", PASSWORD)]).await?;
    let enrol = v.get("/enrol").await?;
    let secret_text = element_text(&enrol.body, "data-secret").context("no secret on the enrolment page")?;
    let plain: String = secret_text.chars().filter(|c| !c.is_whitespace()).collect();
    let secret = TotpSecret::from_bytes(Zeroizing::new(data_encoding::BASE32_NOPAD.decode(plain.as_bytes())?));
    let csrf = input_value(&enrol.body, "csrf").context("no csrf field on the enrolment page")?;
    let pending = input_value(&enrol.body, "pending").context("no pending field on the enrolment page")?;
    let code = secret.code_at(SystemClock.now());
    v.post_form("/enrol", &[("csrf", &csrf), ("pending", &pending), ("code", &code)]).await?;
    let home = v.get("/").await?;
    if home.status != 200 {
        bail!("the home page answered {} after signing in", home.status);
    }
    Ok(v)
}
