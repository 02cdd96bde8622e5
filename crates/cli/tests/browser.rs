//! The web app in a real browser: headless Chromium driven through
//! ChromeDriver (WebDriver), from first-run setup through enrolling an
//! authenticator, signing in and signing out — with axe-core checking every
//! page reached for serious or critical accessibility violations, and
//! screenshots of the sign-in and home pages in `target/screenshots/`.
//!
//! Needs `chromium`, `chromedriver` and axe-core (`PORTCULLIS_AXE_JS`, the
//! path to `axe.min.js`); `./scripts/test` installs all three and sets
//! `PORTCULLIS_REQUIRE_BROWSER=1` so that a missing browser fails the run
//! instead of skipping.
#![allow(
    clippy::zombie_processes,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use portcullis_app::SystemClock;
use portcullis_app::auth::TotpSecret;
use portcullis_types::Clock as _;
use zeroize::Zeroizing;

const PASSWORD: &str = "lantern orchard velvet 42";

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// What is missing for the browser test, if anything.
fn missing() -> Option<String> {
    for tool in ["chromium", "chromedriver"] {
        if Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
            return Some(format!("{tool} is not installed"));
        }
    }
    match std::env::var_os("PORTCULLIS_AXE_JS") {
        Some(p) if Path::new(&p).is_file() => None,
        _ => Some("PORTCULLIS_AXE_JS does not name axe.min.js".into()),
    }
}

/// Start `portcullis serve` on a fresh database; returns the process, its
/// base URL and the one-time setup link it printed.
fn start_server(dir: &Path) -> (Killed, String, String) {
    let port = free_port();
    let mut serve = vec!["serve".to_owned(), "--listen".to_owned(), format!("127.0.0.1:{port}")];
    // Domain checks go to the DNS lab when there is one.
    if let Ok(lab) = std::env::var("PORTCULLIS_DNS_LAB") {
        serve.extend(["--resolver".to_owned(), lab]);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(&serve)
        .env("PORTCULLIS_DATA_DIR", dir.join("data"))
        .env("PORTCULLIS_KEY_FILE", dir.join("secret.key"))
        .env_remove("PORTCULLIS_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // Passkeys need a host name, so the browser uses localhost (the
    // server's default public address for a loopback listener).
    let base = format!("http://localhost:{port}");
    let server = Killed(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && let Some(at) = line.find("/setup?token=")
        {
            let token = line[at..].split_whitespace().next().unwrap().trim_end_matches(['.', ')']);
            return (server, base.clone(), format!("{base}{token}"));
        }
    }
    panic!("the server printed no setup link");
}

fn start_chromedriver() -> (Killed, String) {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (Killed(child), format!("http://127.0.0.1:{port}"))
}

async fn browser(driver: &str, profile: &Path) -> Client {
    // Several rustls crypto providers are linked into this test; name one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::rustls().unwrap().capabilities(caps).connect(driver).await.unwrap()
}

fn screenshots_dir() -> PathBuf {
    // CARGO_MANIFEST_DIR is crates/cli; the workspace target is two up.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run axe-core on the current page; fail on any serious or critical issue.
async fn axe(c: &Client, axe_js: &str, checked: &mut Vec<String>) {
    let url = c.current_url().await.unwrap().to_string();
    c.execute(axe_js, vec![]).await.unwrap();
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
                .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap();
    let problems: Vec<String> = serde_json::from_value(result).unwrap();
    assert!(problems.is_empty(), "accessibility problems on {url}:\n{}", problems.join("\n"));
    checked.push(url);
}

async fn fill(c: &Client, name: &str, value: &str) {
    let field = c.find(Locator::Css(&format!("[name='{name}']"))).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn submit(c: &Client) {
    c.find(Locator::Css("main form button[type='submit'], main form input[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn path(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_owned()
}

/// Wait (up to 10 s) until the browser has navigated to `want`: ChromeDriver
/// can return from a click before the next page's URL is reported.
async fn arrive(c: &Client, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = path(c).await;
        let ready: bool =
            serde_json::from_value(c.execute("return document.readyState === 'complete'", vec![]).await.unwrap())
                .unwrap_or(false);
        if now == want && ready {
            return;
        }
        assert!(Instant::now() < deadline, "expected to arrive at {want}, still at {now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// WebDriver's "add virtual authenticator" (WebAuthn Level 2, section 11):
/// a passkey device inside the browser, that says yes with user verification.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/webauthn/authenticator", session.ok_or(url::ParseError::EmptyHost)?))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
            "hasUserVerification": true, "isUserConsenting": true, "isUserVerified": true,
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

async fn click(c: &Client, css: &str) {
    c.wait().for_element(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

async fn text(c: &Client) -> String {
    c.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
}

/// Enrol an authenticator app, reading the secret as a person would type
/// it, and go past the recovery codes (shown once). Returns the secret.
async fn enrol_authenticator(c: &Client, axe_js: &str, checked: &mut Vec<String>) -> TotpSecret {
    arrive(c, "/enrol").await;
    axe(c, axe_js, checked).await;
    let secret_text = c.find(Locator::Css("[data-secret]")).await.unwrap().text().await.unwrap();
    let plain: String = secret_text.chars().filter(|ch| !ch.is_whitespace()).collect();
    let secret = TotpSecret::from_bytes(Zeroizing::new(data_encoding::BASE32_NOPAD.decode(plain.as_bytes()).unwrap()));
    fill(c, "code", &secret.code_at(SystemClock.now())).await;
    submit(c).await;
    arrive(c, "/enrol").await;
    c.wait().for_element(Locator::LinkText("I have saved my recovery codes – continue")).await.unwrap();
    axe(c, axe_js, checked).await;
    let page = text(c).await;
    assert!(page.contains("recovery code"), "{page}");
    c.find(Locator::LinkText("I have saved my recovery codes – continue")).await.unwrap().click().await.unwrap();
    secret
}

/// `portcullis operator add` against the server's database, the password on stdin.
fn add_operator(dir: &Path, email: &str) {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["operator", "add", "--email", email, "--name", "Ola Operator"])
        .env("PORTCULLIS_DATA_DIR", dir.join("data"))
        .env("PORTCULLIS_KEY_FILE", dir.join("secret.key"))
        .env_remove("PORTCULLIS_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "operator add");
}

/// An aggregate DMARC report (RFC 7489) about `domain` for yesterday, in a
/// file under `dir`: one sender that passes and one that fails.
fn write_aggregate_report(dir: &Path, domain: &str) -> PathBuf {
    let day = 86_400;
    let begin = SystemClock.now().unix_seconds().div_euclid(day) * day - day;
    let record = |ip: &str, count: u32, verdict: &str, signer: &str| {
        format!(
            "<record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>\
             <disposition>none</disposition><dkim>{verdict}</dkim><spf>{verdict}</spf></policy_evaluated></row>\
             <identifiers><header_from>{domain}</header_from></identifiers><auth_results><dkim><domain>{signer}\
             </domain><selector>s1</selector><result>pass</result></dkim><spf><domain>{signer}</domain>\
             <result>pass</result></spf></auth_results></record>"
        )
    };
    let xml = format!(
        "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>google.com</org_name>\
         <email>noreply@google.com</email><report_id>browser-1</report_id><date_range><begin>{begin}</begin>\
         <end>{end}</end></date_range></report_metadata><policy_published><domain>{domain}</domain><p>none</p>\
         <pct>100</pct></policy_published>{good}{bad}</feedback>",
        end = begin + day - 1,
        good = record("192.0.2.10", 120, "pass", domain),
        bad = record("198.51.100.7", 30, "fail", "mcsv.net"),
    );
    let path = dir.join("google.com!jane-mp.test.xml");
    std::fs::write(&path, xml).unwrap();
    path
}

/// `portcullis dmarc ingest FILE` against the server's database.
fn ingest_report(dir: &Path, file: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["dmarc", "ingest"])
        .arg(file)
        .env("PORTCULLIS_DATA_DIR", dir.join("data"))
        .env("PORTCULLIS_KEY_FILE", dir.join("secret.key"))
        .env_remove("PORTCULLIS_DB")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "dmarc ingest");
}

/// Audit a small Chrome export against an offline index at the command line
/// and return the path of the findings file (`vault audit --json`).
fn password_findings(dir: &Path) -> std::path::PathBuf {
    use portcullis_breach::{Secret, hash::HashKind};
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .args(args)
            .current_dir(dir)
            .env("PORTCULLIS_DATA_DIR", dir.join("data"))
            .env_remove("PORTCULLIS_DB")
            .stderr(Stdio::inherit())
            .output()
            .unwrap()
    };
    let mut corpus: Vec<String> = ["letmein", "Password1"]
        .iter()
        .map(|pw| format!("{}:4321", HashKind::Sha1.of(&Secret::from(*pw)).to_hex()))
        .collect();
    corpus.sort();
    std::fs::write(dir.join("pwned.txt"), corpus.join("\n")).unwrap();
    assert!(run(&["breach", "index", "build", "pwned.txt", "--out", "pwned.idx"]).status.success());
    std::fs::write(
        dir.join("chrome.csv"),
        "name,url,username,password\nChirp,https://chirp.example/,sam,letmein\nBank,https://bank.example/,sam,letmein\n",
    )
    .unwrap();
    let audit = run(&["--json", "vault", "audit", "chrome.csv", "--index", "pwned.idx"]);
    assert_eq!(audit.status.code(), Some(1), "findings");
    let results = dir.join("results.json");
    std::fs::write(&results, audit.stdout).unwrap();
    results
}

/// An HMRC look-alike asking for a password through a disguised link.
const PHISHING_EML: &str = "From: \"HMRC Tax Refunds\" <refunds@hmrc-tax-refund.example>\r\n\
    To: sam@example.org.uk\r\nSubject: Your tax refund is waiting\r\n\
    Date: Mon, 24 Nov 2025 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
    <p>You are due a tax refund. Verify your account within 24 hours or it will be cancelled.</p>\
    <p><a href=\"http://192.0.2.7/hmrc/login.php\">https://www.gov.uk/claim-tax-refund</a></p>\
    <img src=\"https://tracker.example/pixel.gif\" alt=\"HMRC\">\
    <form action=\"http://192.0.2.7/post\"><input type=\"password\" name=\"pw\"></form>\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_sets_up_enrols_signs_in_and_out_in_a_real_browser() {
    if let Some(why) = missing() {
        assert!(std::env::var("PORTCULLIS_REQUIRE_BROWSER").as_deref() != Ok("1"), "browser test required but {why}");
        eprintln!("SKIPPED: browser test: {why}");
        return;
    }
    let axe_js = std::fs::read_to_string(std::env::var("PORTCULLIS_AXE_JS").unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_server, base, setup_link) = start_server(dir.path());
    let (_driver, driver_url) = start_chromedriver();
    let c = browser(&driver_url, &dir.path().join("profile")).await;
    let shots = screenshots_dir();
    let mut checked = Vec::new();

    // First run: create the office and its manager.
    c.goto(&setup_link).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    fill(&c, "office_name", "Office of Jane <b>Smith</b> MP").await;
    fill(&c, "name", "Sam Okafor").await;
    fill(&c, "email", "sam@example.org.uk").await;
    fill(&c, "password", PASSWORD).await;
    submit(&c).await;

    // Sign in with the password.
    arrive(&c, "/login").await;
    axe(&c, &axe_js, &mut checked).await;
    std::fs::write(shots.join("sign-in.png"), c.screenshot().await.unwrap()).unwrap();
    fill(&c, "email", "sam@example.org.uk").await;
    fill(&c, "password", PASSWORD).await;
    submit(&c).await;

    let secret = enrol_authenticator(&c, &axe_js, &mut checked).await;

    // Home, signed in; the office name is shown as text, not markup.
    arrive(&c, "/").await;
    axe(&c, &axe_js, &mut checked).await;
    assert!(text(&c).await.contains("Office of Jane <b>Smith</b> MP"));
    std::fs::write(shots.join("home.png"), c.screenshot().await.unwrap()).unwrap();

    c.goto(&format!("{base}/audit")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    assert!(text(&c).await.contains("auth.second_factor_enrolled"));

    // Add a passkey from the account page, with a virtual authenticator.
    c.issue_cmd(AddVirtualAuthenticator).await.unwrap();
    c.goto(&format!("{base}/account")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    c.wait().for_element(Locator::Css("[data-passkey-section]:not([hidden])")).await.unwrap();
    fill(&c, "passkey_name", "Test laptop").await;
    click(&c, "form[data-passkey] button").await;
    c.wait().for_element(Locator::Css(".pc-notification-banner")).await.unwrap();
    assert!(text(&c).await.contains("Test laptop"), "the passkey is listed");
    axe(&c, &axe_js, &mut checked).await;

    // Add the office's email domain: it is checked at once.
    c.goto(&format!("{base}/domains")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    fill(&c, "domain", "jane-mp.test").await;
    submit(&c).await;
    arrive(&c, "/domains/jane-mp.test").await;
    axe(&c, &axe_js, &mut checked).await;
    assert!(text(&c).await.contains("DMARC"), "the checks are shown");
    std::fs::write(shots.join("domain.png"), c.screenshot().await.unwrap()).unwrap();

    // DMARC reports for the domain, taken in at the command line: the list
    // and the domain's dashboard with its charts.
    ingest_report(dir.path(), &write_aggregate_report(dir.path(), "jane-mp.test"));
    c.goto(&format!("{base}/dmarc")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    c.find(Locator::LinkText("jane-mp.test")).await.unwrap().click().await.unwrap();
    arrive(&c, "/dmarc/jane-mp.test").await;
    axe(&c, &axe_js, &mut checked).await;
    assert!(text(&c).await.contains("Top senders"), "the dashboard is shown");
    std::fs::write(shots.join("dmarc.png"), c.screenshot().await.unwrap()).unwrap();

    // Check a suspicious email: the verdict, what to do, and the email
    // itself made harmless, shown this once.
    let eml = dir.path().join("refund.eml");
    std::fs::write(&eml, PHISHING_EML).unwrap();
    c.goto(&format!("{base}/triage")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    c.find(Locator::Css("#message")).await.unwrap().send_keys(&eml.display().to_string()).await.unwrap();
    submit(&c).await;
    c.wait().for_element(Locator::Css(".pc-safe-view")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    assert!(text(&c).await.contains("This looks like phishing"), "the verdict is shown");
    std::fs::write(shots.join("triage.png"), c.screenshot().await.unwrap()).unwrap();

    // Check passwords: audited at the command line, only the findings
    // uploaded; the to-do list and progress follow.
    let results = password_findings(dir.path());
    c.goto(&format!("{base}/vault")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    c.find(Locator::Css("#results")).await.unwrap().send_keys(&results.display().to_string()).await.unwrap();
    submit(&c).await;
    c.wait().for_element(Locator::Css(".pc-figure")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    let shown = text(&c).await;
    assert!(shown.contains("Do now") && shown.contains("4,321 times"), "the to-do list is shown: {shown}");
    std::fs::write(shots.join("vault.png"), c.screenshot().await.unwrap()).unwrap();

    // Invite a colleague: with no mail server the link is shown here.
    c.goto(&format!("{base}/people/invite")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    fill(&c, "name", "Priya Shah").await;
    fill(&c, "email", "priya@example.org.uk").await;
    click(&c, "#role-2").await;
    submit(&c).await;
    c.wait().for_element(Locator::Css(".pc-panel")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    assert!(text(&c).await.contains("/invite?token="));
    c.goto(&format!("{base}/people")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;

    // Sign out, then back in with the passkey instead of a code.
    click(&c, "header form button").await;
    arrive(&c, "/login").await;
    fill(&c, "email", "sam@example.org.uk").await;
    fill(&c, "password", PASSWORD).await;
    submit(&c).await;
    arrive(&c, "/login/code").await;
    click(&c, "[data-passkey-section]:not([hidden]) form button").await;
    arrive(&c, "/").await;
    c.goto(&format!("{base}/audit?action=auth.sign_in")).await.unwrap();
    assert!(text(&c).await.contains("with passkey"), "signed in with the passkey");

    // Sign out, then back in with a code from the next time step (the one
    // used at enrolment may not be used again).
    c.find(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    arrive(&c, "/login").await;
    assert!(text(&c).await.contains("signed out"));
    fill(&c, "email", "sam@example.org.uk").await;
    fill(&c, "password", PASSWORD).await;
    submit(&c).await;
    arrive(&c, "/login/code").await;
    axe(&c, &axe_js, &mut checked).await;
    fill(&c, "code", &secret.code_at(SystemClock.now().plus_secs(30))).await;
    submit(&c).await;
    arrive(&c, "/").await;

    c.find(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    arrive(&c, "/login").await;
    c.goto(&format!("{base}/")).await.unwrap();
    arrive(&c, "/login").await; // after signing out the home page needs sign-in again

    // The central operator, added at the command line, enrols at the first
    // sign-in and lands on the console, where they open a second office.
    add_operator(dir.path(), "ops@service.example.org");
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(&c, "email", "ops@service.example.org").await;
    fill(&c, "password", PASSWORD).await;
    submit(&c).await;
    enrol_authenticator(&c, &axe_js, &mut checked).await;
    arrive(&c, "/operator").await;
    axe(&c, &axe_js, &mut checked).await;
    assert!(text(&c).await.contains("Office of Jane <b>Smith</b> MP"), "the first office is listed");
    fill(&c, "office_name", "Office of Bo Other MP").await;
    fill(&c, "name", "Bo Other").await;
    fill(&c, "email", "bo@example.org.uk").await;
    submit(&c).await;
    c.wait().for_element(Locator::Css(".pc-panel")).await.unwrap();
    axe(&c, &axe_js, &mut checked).await;
    assert!(text(&c).await.contains("Office of Bo Other MP is set up"));
    std::fs::write(shots.join("operator.png"), c.screenshot().await.unwrap()).unwrap();
    c.close().await.unwrap();
    assert!(checked.len() >= 20, "axe ran on {checked:?}");
    assert!(shots.join("sign-in.png").is_file() && shots.join("home.png").is_file());
}
