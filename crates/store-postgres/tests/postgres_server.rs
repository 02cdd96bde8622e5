//! What only the PostgreSQL backend promises: a wrong address fails fast with
//! a plain reason and no password; servers starting together migrate safely;
//! schemas keep instances apart; and the database itself refuses to rewrite
//! the audit log.

// Test code: a broken assumption should stop the test loudly, and what a
// test prints is for the person reading its output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr, clippy::indexing_slicing)]

mod support;

use std::time::{Duration, Instant};

use portcullis_store::{AuditQuery, NewAuditEntry, NewOffice, Store, StoreError};
use portcullis_store_postgres::PgStore;
use portcullis_types::{OfficeId, OfficeName, SeqRandom, Timestamp};
use sqlx::Connection;
use sqlx::postgres::PgConnection;

const PASSWORD: &str = "hunter2-secret";

/// The test server, or `None` (having said so) to skip this test.
fn server() -> Option<String> {
    support::server_url(&format!("test {}", support::current_test()))
}

/// Connect, insisting on an answer within ten seconds.
async fn connect_quickly(url: &str) -> Result<PgStore, StoreError> {
    let started = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(10), PgStore::connect(url))
        .await
        .unwrap_or_else(|_| panic!("connecting to {url} took more than 10 seconds"));
    eprintln!("{:?}: {:?}", started.elapsed(), outcome.as_ref().err().map(ToString::to_string));
    outcome
}

fn assert_unavailable_without_password(err: &StoreError, expected_location: &str) {
    let StoreError::Unavailable { location, reason } = err else { panic!("expected Unavailable, got {err:?}") };
    assert_eq!(location, expected_location);
    assert!(!reason.is_empty());
    let message = err.to_string();
    assert!(!message.contains(PASSWORD), "password shown in: {message}");
    assert!(!format!("{err:?}").contains(PASSWORD), "password in debug output: {err:?}");
    for debug_marker in ["Os {", "kind:", "Error {"] {
        assert!(!message.contains(debug_marker), "debug output in: {message}");
    }
}

#[tokio::test]
async fn a_wrong_port_fails_fast_without_showing_the_password() {
    let url = format!("postgres://postgres:{PASSWORD}@127.0.0.1:1/test");
    let err = connect_quickly(&url).await.unwrap_err();
    assert_unavailable_without_password(&err, "postgres://postgres@127.0.0.1:1/test");
    assert!(err.to_string().contains("nothing is accepting connections"), "{err}");
}

#[tokio::test]
async fn a_password_in_the_query_string_is_not_shown_either() {
    let url = format!("postgres://postgres@127.0.0.1:1/test?password={PASSWORD}");
    let err = connect_quickly(&url).await.unwrap_err();
    assert_unavailable_without_password(&err, "postgres://postgres@127.0.0.1:1/test");
}

#[tokio::test]
async fn an_unreadable_url_is_refused_without_showing_the_password() {
    let url = format!("postgres://app:{PASSWORD}@db.example.org:notaport/portcullis");
    let err = connect_quickly(&url).await.unwrap_err();
    assert_unavailable_without_password(&err, "postgres://…");
    assert!(err.to_string().contains("expected postgres://"), "{err}");
}

#[tokio::test]
async fn an_unknown_host_fails_fast_without_showing_the_password() {
    let url = format!("postgres://app:{PASSWORD}@no-such-host.invalid:5432/portcullis");
    let err = connect_quickly(&url).await.unwrap_err();
    assert_unavailable_without_password(&err, "postgres://app@no-such-host.invalid:5432/portcullis");
}

#[tokio::test]
async fn a_missing_database_is_named_in_the_reason() {
    let Some(url) = server() else {
        return;
    };
    let (server, _database) = url.split('?').next().unwrap().rsplit_once('/').unwrap();
    let url = format!("{server}/portcullis_no_such_database");
    let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    let (user, host, port) = (options.get_username(), options.get_host(), options.get_port());
    let location = format!("postgres://{user}@{host}:{port}/portcullis_no_such_database");
    let err = connect_quickly(&url).await.unwrap_err();
    assert_unavailable_without_password(&err, &location);
    assert!(err.to_string().contains("portcullis_no_such_database"), "{err}");
}

fn office_fixture() -> NewOffice {
    NewOffice {
        id: OfficeId::generate(&SeqRandom::new(11)),
        name: OfficeName::new("Office of Test MP").unwrap(),
        created_at: Timestamp::from_unix_micros(1_764_063_000_654_321).unwrap(),
        demo: false,
    }
}

/// A raw connection inside `schema`, as someone with psql would have.
async fn raw_connection(url: &str, schema: &str) -> PgConnection {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::query("SELECT set_config('search_path', $1, false)").bind(schema).execute(&mut conn).await.unwrap();
    conn
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_audit_entries() {
    let Some(url) = server() else {
        return;
    };
    let schema = support::fresh_schema();
    let store = PgStore::connect_in_schema(&url, &schema).await.unwrap();
    let office = store.create_office(&office_fixture()).await.unwrap();
    let entry = NewAuditEntry {
        office_id: office.id,
        at: office.created_at,
        actor: "cli".into(),
        action: "office.created".into(),
        target: None,
        detail: "original".into(),
    };
    store.append_audit(&entry).await.unwrap();

    let mut raw = raw_connection(&url, &schema).await;
    for sql in ["UPDATE audit_log SET detail = 'rewritten'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        let err = sqlx::query(sql).execute(&mut raw).await.unwrap_err();
        assert!(err.to_string().contains("the audit log is append-only"), "{sql}: {err}");
    }
    let kept: (i64, String) =
        sqlx::query_as("SELECT count(*), max(detail) FROM audit_log").fetch_one(&mut raw).await.unwrap();
    assert_eq!(kept, (1, "original".to_owned()));
    raw.close().await.unwrap();
    store.close().await;
    PgStore::drop_schema(&url, &schema).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_starting_together_apply_migrations_once() {
    let Some(url) = server() else {
        return;
    };
    let schema = support::fresh_schema();
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let (url, schema) = (url.clone(), schema.clone());
            tokio::spawn(async move { PgStore::connect_in_schema(&url, &schema).await })
        })
        .collect();
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.unwrap().expect("every server starts"));
    }
    let mut raw = raw_connection(&url, &schema).await;
    let (applied, failed): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(*) FILTER (WHERE NOT success) FROM _sqlx_migrations")
            .fetch_one(&mut raw)
            .await
            .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap().count();
    assert_eq!((applied, failed), (i64::try_from(files).unwrap(), 0));
    raw.close().await.unwrap();

    // They share one database: what one writes, another reads.
    let office = stores[0].create_office(&office_fixture()).await.unwrap();
    assert_eq!(stores[3].office(office.id).await.unwrap(), Some(office));
    for store in &stores {
        store.close().await;
    }
    PgStore::drop_schema(&url, &schema).await.unwrap();
}

#[tokio::test]
async fn separate_schemas_are_separate_instances() {
    let Some(url) = server() else {
        return;
    };
    let (a, b) = (support::fresh_schema(), support::fresh_schema());
    let first = PgStore::connect_in_schema(&url, &a).await.unwrap();
    let second = PgStore::connect_in_schema(&url, &b).await.unwrap();
    let office = first.create_office(&office_fixture()).await.unwrap();
    assert_eq!(second.list_offices().await.unwrap(), vec![]);
    assert!(second.list_audit(office.id, &AuditQuery::default()).await.unwrap().is_empty());
    // Same id in the other schema is no conflict: nothing is shared.
    second.create_office(&office_fixture()).await.unwrap();
    first.close().await;
    second.close().await;
    PgStore::drop_schema(&url, &a).await.unwrap();
    PgStore::drop_schema(&url, &b).await.unwrap();
}

#[tokio::test]
async fn a_schema_name_that_is_not_a_plain_identifier_is_refused() {
    let err = PgStore::connect_in_schema("postgres://postgres@127.0.0.1:1/test", "x\"; DROP SCHEMA public; --")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("cannot be a schema name"), "{err}");
}
