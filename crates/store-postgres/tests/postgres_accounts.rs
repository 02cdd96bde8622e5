//! Account races that only PostgreSQL has: several app servers sharing one
//! database. Each test plays "the other server" on a raw connection, holds
//! its transaction open at the worst moment, and checks that the store waits
//! for it and then decides on what it committed.

// Test code: a broken assumption should stop the test loudly, and what a
// test prints is for the person reading its output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr, clippy::indexing_slicing)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use portcullis_store::{AccountStore, NewOffice, NewUser, Opaque, Store};
use portcullis_store_postgres::PgStore;
use portcullis_types::{Email, OfficeId, OfficeName, PersonName, Role, SeqRandom, Timestamp, UserId};
use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// Long enough for the store's statement to reach the lock and wait on it.
const LET_IT_BLOCK: Duration = Duration::from_millis(300);

struct Fixture {
    url: String,
    schema: String,
    store: Arc<PgStore>,
    user: UserId,
    t: Timestamp,
}

/// A fresh schema with one office and one account in it.
async fn fixture() -> Option<Fixture> {
    let url = support::server_url(&format!("test {}", support::current_test()))?;
    let schema = support::fresh_schema();
    let store = Arc::new(PgStore::connect_in_schema(&url, &schema).await.unwrap());
    let random = SeqRandom::new(5);
    let t = Timestamp::from_unix_micros(1_764_063_000_000_000).unwrap();
    let office = OfficeId::generate(&random);
    let name = OfficeName::new("Office").unwrap();
    store.create_office(&NewOffice { id: office, name, created_at: t, demo: false }).await.unwrap();
    let user = NewUser {
        id: UserId::generate(&random),
        office_id: Some(office),
        email: Email::new("sam@x.uk").unwrap(),
        name: PersonName::new("Sam").unwrap(),
        role: Role::Caseworker,
        password_hash: Opaque("$argon2id$…".to_owned()),
        created_at: t,
    };
    store.create_user(&user).await.unwrap();
    Some(Fixture { url, schema, store, user: user.id, t })
}

impl Fixture {
    /// A raw connection inside the fixture's schema: the other server.
    async fn other_server(&self) -> PgConnection {
        let mut conn = PgConnection::connect(&self.url).await.unwrap();
        sqlx::query("SELECT set_config('search_path', $1, false)").bind(&self.schema).execute(&mut conn).await.unwrap();
        conn
    }

    async fn finish(self) {
        self.store.close().await;
        PgStore::drop_schema(&self.url, &self.schema).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clearing_totp_waits_for_a_passkey_being_added() {
    let Some(f) = fixture().await else { return };
    let enrolled = f.t.plus_secs(10);
    f.store.set_totp(f.user, Some(&Opaque("sealed".to_owned())), enrolled).await.unwrap();

    // The other server is halfway through add_passkey: the account row is
    // updated and the passkey inserted, but nothing is committed yet.
    let mut other = f.other_server().await;
    let mut tx = other.begin().await.unwrap();
    sqlx::query("UPDATE users SET second_factor_at = coalesce(second_factor_at, $2) WHERE id = $1")
        .bind(f.user.as_uuid())
        .bind(f.t.plus_secs(20).to_datetime())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO passkeys (credential_id, user_id, name, data, created_at) VALUES ('cred', $1, 'Key', '{}', $2)",
    )
    .bind(f.user.as_uuid())
    .bind(f.t.plus_secs(20).to_datetime())
    .execute(&mut *tx)
    .await
    .unwrap();

    let (store, user, at) = (Arc::clone(&f.store), f.user, f.t.plus_secs(30));
    let clearing = tokio::spawn(async move { store.set_totp(user, None, at).await });
    tokio::time::sleep(LET_IT_BLOCK).await;
    assert!(!clearing.is_finished(), "clearing TOTP did not wait for the account row");
    tx.commit().await.unwrap();
    clearing.await.unwrap().unwrap();
    other.close().await.unwrap();

    // The passkey committed first, so the account still has a second factor.
    let after = f.store.user(f.user).await.unwrap().unwrap();
    assert_eq!((after.totp_sealed, after.second_factor_at), (None, Some(enrolled)));
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacing_recovery_codes_on_two_servers_leaves_one_set() {
    let Some(f) = fixture().await else { return };

    // The other server is halfway through replace_recovery_codes: it holds
    // the account row and has inserted its set, not yet committed.
    let mut other = f.other_server().await;
    let mut tx = other.begin().await.unwrap();
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind(f.user.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap();
    for digest in ["theirs-1", "theirs-2", "theirs-3"] {
        sqlx::query("INSERT INTO recovery_codes (user_id, digest, created_at) VALUES ($1, $2, $3)")
            .bind(f.user.as_uuid())
            .bind(digest)
            .bind(f.t.to_datetime())
            .execute(&mut *tx)
            .await
            .unwrap();
    }

    let (store, user, at) = (Arc::clone(&f.store), f.user, f.t.plus_secs(5));
    let ours = vec!["ours-1".to_owned(), "ours-2".to_owned()];
    let replacing = tokio::spawn(async move { store.replace_recovery_codes(user, &ours, at).await });
    tokio::time::sleep(LET_IT_BLOCK).await;
    assert!(!replacing.is_finished(), "replacing codes did not wait for the account row");
    tx.commit().await.unwrap();
    replacing.await.unwrap().unwrap();
    other.close().await.unwrap();

    // The later replacement wins whole: its two codes, none of the other's.
    assert_eq!(f.store.unused_recovery_codes(f.user).await.unwrap(), 2);
    assert!(!f.store.use_recovery_code(f.user, "theirs-1", at).await.unwrap());
    assert!(f.store.use_recovery_code(f.user, "ours-1", at).await.unwrap());
    f.finish().await;
}
