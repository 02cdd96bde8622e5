//! The bench's vault: 500 made-up entries whose passwords are chosen so a
//! known share of them is in the generated corpus, written as a KDBX 4
//! database with an Argon2d KDF calibrated to open in about 100 ms.

use std::collections::HashSet;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use keepass::config::KdfConfig;
use keepass::db::{Entry, Group, Value};
use keepass::{Database, DatabaseKey};

/// Entries in the vault.
pub const ENTRIES: usize = 500;
/// Distinct breached passwords (all in the known list given to the generator).
const BREACHED_DISTINCT: usize = 140;
/// Breached passwords used by a second entry too.
const BREACHED_REUSED: usize = 10;
/// Strong (unbreached) passwords shared by two entries.
const STRONG_PAIRS: usize = 10;
/// Argon2d memory, as KeePassXC's default.
const KDF_MEMORY: u64 = 64 * 1024 * 1024;
/// Argon2d lanes.
const KDF_PARALLELISM: u32 = 2;
/// How long opening the vault should take.
const KDF_TARGET: Duration = Duration::from_millis(100);

/// Very common passwords, with the counts the generator's built-in list
/// gives them (listed again in the known file with the same counts).
const COMMON: &[(&str, u64)] = &[
    ("123456", 42_000_000),
    ("password", 9_600_000),
    ("qwerty", 4_000_000),
    ("111111", 3_000_000),
    ("letmein", 620_000),
    ("iloveyou", 2_300_000),
    ("dragon", 1_100_000),
    ("monkey", 1_100_000),
    ("football", 580_000),
    ("welcome", 690_000),
];

const WORDS: &[&str] = &[
    "summer",
    "winter",
    "autumn",
    "spring",
    "london",
    "westminster",
    "chelsea",
    "arsenal",
    "liverpool",
    "tigger",
    "charlie",
    "sophie",
    "jessica",
    "buster",
    "pepper",
    "ginger",
    "daisy",
    "rosie",
    "oliver",
    "harry",
    "monday",
    "friday",
    "office",
    "changeme",
    "parliament",
    "constituency",
    "portcullis",
    "surgery",
    "casework",
    "hansard",
];

const SITES: &[(&str, &str)] = &[
    ("Parliament intranet", "intranet.parliament.example"),
    ("Council portal", "portal.council.example"),
    ("Casework system", "casework.office.example"),
    ("Office email", "mail.office.example"),
    ("Bank", "online.bank.example"),
    ("Payroll", "payroll.example"),
    ("Expenses", "expenses.ipsa.example"),
    ("Travel booking", "travel.example"),
    ("Social media", "social.example"),
    ("Video calls", "meet.example"),
    ("Cloud storage", "files.example"),
    ("Newsletter", "news.example"),
    ("Printer admin", "printer.office.example"),
    ("Router", "router.office.example"),
    ("Shop", "shop.example"),
    ("Energy supplier", "energy.example"),
    ("Phone provider", "mobile.example"),
    ("Party membership", "members.party.example"),
    ("Diary", "diary.example"),
    ("Survey tool", "survey.example"),
];

const GROUPS: &[&str] = &["Office", "Constituency", "Personal"];

/// One planned entry.
#[derive(Debug, Clone)]
pub struct Planned {
    pub title: String,
    pub group: usize,
    pub username: String,
    pub url: String,
    pub password: String,
}

/// The vault and the known passwords (with counts) for the generator.
#[derive(Debug)]
pub struct Plan {
    pub entries: Vec<Planned>,
    pub known: Vec<(String, u64)>,
}

/// A small deterministic generator (SplitMix64).
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub const fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % (n.max(1) as u64)).unwrap_or(0)
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn strong_password(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%&*+-=?@^_";
    (0..20).map(|_| ALPHABET.get(rng.below(ALPHABET.len())).map_or('x', |b| char::from(*b))).collect()
}

/// The deterministic plan: 150 breached entries (140 distinct known
/// passwords, 10 of them used twice), 10 strong passwords used twice, and
/// strong unique passwords for the rest.
pub fn plan() -> Plan {
    let mut rng = Rng::new(0x00B4_EAC4);
    let mut known: Vec<(String, u64)> = COMMON.iter().map(|(pw, c)| ((*pw).to_owned(), *c)).collect();
    let mut seen: HashSet<String> = known.iter().map(|(pw, _)| pw.clone()).collect();
    let mut variant = 0;
    while known.len() < BREACHED_DISTINCT {
        let word = WORDS.get(variant % WORDS.len()).copied().unwrap_or("secret");
        let year = 2012 + rng.below(13);
        let password = match variant / WORDS.len() {
            0 => format!("{}{year}", capitalised(word)),
            1 => format!("{word}123"),
            2 => format!("{}{year}!", capitalised(word)),
            3 => format!("{word}{:02}", rng.below(100)),
            _ => format!("{}@{year}{variant}", capitalised(word)),
        };
        variant += 1;
        if !seen.insert(password.clone()) {
            continue;
        }
        // A few tiny counts (1, 2, 3), else log-uniform up to ~300,000.
        let count = match known.len() - COMMON.len() {
            n @ 0..3 => n as u64 + 1,
            _ => {
                let exp = (rng.next_u64() % 10_000) as f64 / 10_000.0 * 12.6;
                exp.exp().max(1.0) as u64
            }
        };
        known.push((password, count));
    }
    let mut passwords: Vec<String> = known.iter().map(|(pw, _)| pw.clone()).collect();
    passwords.extend(known.iter().skip(COMMON.len()).take(BREACHED_REUSED).map(|(pw, _)| pw.clone()));
    for _ in 0..STRONG_PAIRS {
        let pw = strong_password(&mut rng);
        passwords.push(pw.clone());
        passwords.push(pw);
    }
    while passwords.len() < ENTRIES {
        passwords.push(strong_password(&mut rng));
    }
    rng.shuffle(&mut passwords);
    let entries = passwords
        .into_iter()
        .enumerate()
        .map(|(i, password)| {
            let (site, domain) = SITES.get(i % SITES.len()).copied().unwrap_or(("Site", "site.example"));
            let n = i / SITES.len() + 1;
            Planned {
                title: format!("{site} {n}"),
                group: rng.below(GROUPS.len() + 1),
                username: format!("user{n}@office.example"),
                url: format!("https://{domain}/account/{n}"),
                password,
            }
        })
        .collect();
    Plan { entries, known }
}

/// Write the known list for `gen-pwned-corpus.py --known`.
pub fn write_known(plan: &Plan, path: &Path) -> Result<()> {
    let text: String = plan.known.iter().map(|(pw, c)| format!("{pw}\t{c}\n")).collect();
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Write `secret` to `path` with mode 0600.
pub fn write_secret(path: &Path, secret: &str) -> Result<()> {
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(secret.as_bytes())?;
    Ok(())
}

fn kdf(iterations: u64, memory_bytes: u64) -> KdfConfig {
    let mut config = keepass::config::DatabaseConfig::default().kdf_config;
    if let KdfConfig::Argon2 { iterations: i, memory, parallelism, .. } = &mut config {
        *i = iterations;
        *memory = memory_bytes;
        *parallelism = KDF_PARALLELISM;
    }
    config
}

fn database(entries: &[Planned], iterations: u64, memory: u64) -> Database {
    let mut db = Database::new(keepass::config::DatabaseConfig::default());
    db.config.kdf_config = kdf(iterations, memory);
    db.root.name = "Bench vault".to_owned();
    let mut groups: Vec<Group> = GROUPS.iter().map(|name| Group::new(name)).collect();
    for planned in entries {
        let mut entry = Entry::new();
        for (key, value) in [
            ("Title", &planned.title),
            ("UserName", &planned.username),
            ("URL", &planned.url),
            ("Password", &planned.password),
        ] {
            entry.fields.insert(key.to_owned(), Value::Unprotected(value.clone()));
        }
        match groups.get_mut(planned.group) {
            Some(group) => group.entries.push(entry),
            None => db.root.entries.push(entry),
        }
    }
    db.root.groups = groups;
    db
}

fn save(db: &Database, path: &Path, master: &str) -> Result<()> {
    let mut bytes = Vec::new();
    db.save(&mut bytes, DatabaseKey::new().with_password(master)).context("writing the KDBX database")?;
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Fastest of three opens of `path` with the keepass crate.
fn open_time(path: &Path, master: &str) -> Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let mut file = std::fs::File::open(path)?;
        let db = Database::open(&mut file, DatabaseKey::new().with_password(master))
            .with_context(|| format!("opening {}", path.display()))?;
        best = best.min(started.elapsed());
        drop(db);
    }
    Ok(best)
}

/// The KDF the vault got, and how long the keepass crate takes to open it.
#[derive(Debug)]
pub struct Written {
    pub iterations: u64,
    pub memory: u64,
    pub open: Duration,
}

/// Write the vault at `path` with Argon2d calibrated so that opening takes
/// about 100 ms: 64 MiB and as many iterations as fit, or one iteration
/// over less memory when one pass over 64 MiB already takes longer.
pub fn write(entries: &[Planned], path: &Path, master: &str) -> Result<Written> {
    let probe = path.with_extension("probe.kdbx");
    save(&database(entries.get(..1).unwrap_or_default(), 1, KDF_MEMORY), &probe, master)?;
    let one = open_time(&probe, master)?;
    let _ = std::fs::remove_file(&probe);
    let scale = KDF_TARGET.as_secs_f64() / one.as_secs_f64().max(1e-6);
    let (iterations, memory) = if scale >= 1.0 {
        (scale.round() as u64, KDF_MEMORY)
    } else {
        let mib = ((KDF_MEMORY >> 20) as f64 * scale).floor().max(8.0) as u64;
        (1, mib << 20)
    };
    save(&database(entries, iterations, memory), path, master)?;
    let open = open_time(path, master)?;
    if open > KDF_TARGET * 5 {
        bail!("the vault takes {open:?} to open; the calibration failed");
    }
    Ok(Written { iterations, memory, open })
}
