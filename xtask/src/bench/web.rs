//! `bench web`: signed-in page views at a fixed rate (open loop: requests
//! are sent on schedule whether or not earlier ones have finished, so a slow
//! server shows up as latency rather than as a politely lower rate).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use super::server;

struct Options {
    rate: u32,
    secs: u32,
    stores: Vec<&'static str>,
}

fn parse(args: &[&str]) -> Result<Options> {
    let mut o = Options { rate: 200, secs: 30, stores: vec!["sqlite", "postgres"] };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match *flag {
            "--rate" => o.rate = value.parse().context("--rate takes a whole number")?,
            "--secs" => o.secs = value.parse().context("--secs takes a whole number")?,
            "--store" => {
                o.stores = match *value {
                    "sqlite" => vec!["sqlite"],
                    "postgres" => vec!["postgres"],
                    "both" => vec!["sqlite", "postgres"],
                    other => bail!("unknown store {other}"),
                }
            }
            other => bail!("unknown option {other}"),
        }
    }
    Ok(o)
}

/// Run the benchmark and print one line of figures per store.
pub fn run(args: &[&str]) -> Result<()> {
    let o = parse(args)?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let binary = server::release_binary(&root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    println!("bench web: GET / signed in, {} req/s for {} s, new connection per request", o.rate, o.secs);
    for store in &o.stores {
        let work = tempfile::tempdir()?;
        let (db, cleanup) = database(store, work.path())?;
        let outcome = runtime.block_on(async {
            let srv = server::start(&binary, &db, work.path())?;
            let visitor = server::signed_in_visitor(&srv).await?;
            let figures = load(&srv, &visitor, o.rate, o.secs).await;
            drop(srv);
            Ok::<_, anyhow::Error>(figures)
        });
        cleanup();
        let f = outcome?;
        println!(
            "{store:8}  sent {:6}  ok {:6}  errors {:4}  p50 {:6.2} ms  p99 {:6.2} ms  max {:7.2} ms  target p99 < 50 ms: {}",
            f.sent,
            f.ok,
            f.errors,
            f.p50_ms,
            f.p99_ms,
            f.max_ms,
            if f.p99_ms < 50.0 && f.errors == 0 { "met" } else { "NOT met" }
        );
    }
    Ok(())
}

/// The `--db` URL for a store, and how to remove it afterwards.
fn database(store: &str, work: &Path) -> Result<(String, Box<dyn FnOnce()>)> {
    if store == "sqlite" {
        return Ok((format!("sqlite://{}/bench.db", work.display()), Box::new(|| {})));
    }
    let base = std::env::var("PORTCULLIS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let name = format!("portcullis_bench_{}", std::process::id());
    psql(&base, &format!("CREATE DATABASE {name}"))?;
    let (head, _) = base.rsplit_once('/').context("the PostgreSQL URL has no database name")?;
    let url = format!("{head}/{name}");
    Ok((url, Box::new(move || drop(psql(&base, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))))))
}

fn psql(url: &str, sql: &str) -> Result<()> {
    let status = std::process::Command::new("psql").args([url, "-qc", sql]).status().context("running psql")?;
    if !status.success() {
        bail!("psql failed: {sql}");
    }
    Ok(())
}

struct Figures {
    sent: usize,
    ok: usize,
    errors: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

async fn load(
    srv: &server::Server,
    visitor: &portcullis_testkit::browserless::Visitor,
    rate: u32,
    secs: u32,
) -> Figures {
    let cookie = visitor.cookie_header();
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let total = usize::try_from(rate * secs).unwrap_or(usize::MAX);
    let mut tasks = Vec::with_capacity(total);
    let start = Instant::now();
    for i in 0..total {
        let due = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let (addr, cookie) = (srv.addr, cookie.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let headers = [("Cookie", cookie.as_str())];
            let r = portcullis_testkit::http::request(addr, "GET", "/", &headers, "", Duration::from_secs(10)).await;
            (r.map(|r| r.status == 200 && r.body.contains("Benchmark office")).unwrap_or(false), t.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut errors = 0;
    for t in tasks {
        match t.await {
            Ok((true, d)) => latencies.push(d.as_secs_f64() * 1000.0),
            _ => errors += 1,
        }
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    Figures {
        sent: total,
        ok: latencies.len(),
        errors,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
    }
}
