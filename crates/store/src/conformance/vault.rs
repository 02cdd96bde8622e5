//! Stories about password audits: one row per audit of one person's
//! password-manager export, read back whole, by person and by office.

use portcullis_types::{OfficeId, UserId};

use super::fixtures::user_in;
use super::{Harness, World, open};
use crate::{AuditSource, NewVaultAudit, StoreError, VaultAudit, VaultAuditId};

impl World {
    /// An audit of `user`'s export, a second after the last thing that happened.
    fn vault_audit(&self, office: OfficeId, user: UserId, needs_action: i64) -> NewVaultAudit {
        NewVaultAudit {
            id: VaultAuditId::generate(&self.random),
            office_id: office,
            user_id: user,
            recorded_at: self.tick(),
            recorded_by: Some(user),
            source: AuditSource::Upload,
            format: "bitwarden-json".to_owned(),
            entries: 42,
            needs_action,
            summary_json: format!(r#"{{"format":"bitwarden-json","entries":42,"needs_action":{needs_action}}}"#),
            entries_json: r#"[{"name":"Bank","findings":["reused"]},{"name":"Email","findings":[]}]"#.to_owned(),
        }
    }
}

fn stored(audit: &NewVaultAudit) -> VaultAudit {
    VaultAudit { audit: audit.clone() }
}

/// An audit reads back exactly as written, every field (no one recording it,
/// from the command line, with awkward text, whose NUL is replaced); ids are
/// unique; the office must exist; counts cannot be negative.
pub async fn vault_audits_round_trip_exactly(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let sam = user_in(&*store, &w, Some(a.id), "Sam", "sam@a.uk").await;
    let manager = user_in(&*store, &w, Some(a.id), "Maya", "maya@a.uk").await;

    let mut uploaded = w.vault_audit(a.id, sam.id, 3);
    uploaded.recorded_by = Some(manager.id);
    store.add_vault_audit(&uploaded).await.unwrap();
    assert_eq!(store.vault_audit(a.id, uploaded.id).await.unwrap(), Some(stored(&uploaded)));

    let mut cli = w.vault_audit(a.id, sam.id, 0);
    cli.recorded_by = None;
    cli.source = AuditSource::Cli;
    cli.format = "1password-1pux".to_owned();
    cli.entries = 0;
    cli.summary_json = r#"{"note":"Siân's \"vault\" <b>🏛️</b>"}"#.to_owned();
    cli.entries_json = "[]\0".to_owned();
    store.add_vault_audit(&cli).await.unwrap();
    let back = store.vault_audit(a.id, cli.id).await.unwrap().unwrap();
    let mut expected = cli.clone();
    expected.entries_json = "[]\u{FFFD}".to_owned();
    assert_eq!(back, stored(&expected), "NUL replaced, the rest verbatim");

    let mut clash = w.vault_audit(a.id, sam.id, 1);
    clash.id = uploaded.id;
    let err = store.add_vault_audit(&clash).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.vault_audit(a.id, uploaded.id).await.unwrap(), Some(stored(&uploaded)), "unchanged");

    let ghost = OfficeId::generate(&w.random);
    let err = store.add_vault_audit(&w.vault_audit(ghost, sam.id, 0)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    let nobody = UserId::generate(&w.random);
    let err = store.add_vault_audit(&w.vault_audit(a.id, nobody, 0)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    let negative = w.vault_audit(a.id, sam.id, -1);
    assert!(store.add_vault_audit(&negative).await.is_err(), "negative needs_action");
    let mut negative_entries = w.vault_audit(a.id, sam.id, 0);
    negative_entries.entries = -5;
    assert!(store.add_vault_audit(&negative_entries).await.is_err(), "negative entries");
    assert_eq!(store.vault_audit(a.id, negative.id).await.unwrap(), None);
    assert_eq!(store.vault_audits_for(a.id, sam.id, 10).await.unwrap().len(), 2, "only the two good ones");
    store.close().await;
}

/// One person's history is theirs alone, newest first (an equal time
/// ordered by id), at most as many as asked.
pub async fn vault_history_is_newest_first_and_limited(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let sam = user_in(&*store, &w, Some(a.id), "Sam", "sam@a.uk").await;
    let kit = user_in(&*store, &w, Some(a.id), "Kit", "kit@a.uk").await;
    assert!(store.vault_audits_for(a.id, sam.id, 10).await.unwrap().is_empty(), "none yet");

    let oldest = w.vault_audit(a.id, sam.id, 5);
    let kits = w.vault_audit(a.id, kit.id, 9);
    let middle = w.vault_audit(a.id, sam.id, 4);
    let mut same_time = w.vault_audit(a.id, sam.id, 2);
    let mut twin = w.vault_audit(a.id, sam.id, 1);
    twin.recorded_at = same_time.recorded_at;
    // Written out of order: the store orders them, not the insertion.
    if twin.id < same_time.id {
        std::mem::swap(&mut twin.id, &mut same_time.id);
    }
    for audit in [&twin, &middle, &kits, &oldest, &same_time] {
        store.add_vault_audit(audit).await.unwrap();
    }

    let all = store.vault_audits_for(a.id, sam.id, 10).await.unwrap();
    assert_eq!(all, vec![stored(&twin), stored(&same_time), stored(&middle), stored(&oldest)]);
    assert_eq!(store.vault_audits_for(a.id, sam.id, 2).await.unwrap(), vec![stored(&twin), stored(&same_time)]);
    assert!(store.vault_audits_for(a.id, sam.id, 0).await.unwrap().is_empty(), "limit 0 gives none");
    assert_eq!(store.vault_audits_for(a.id, kit.id, 10).await.unwrap(), vec![stored(&kits)]);
    store.close().await;
}

/// The office's overview has each person's newest audit only, ordered by
/// user id; a person without an audit is not in it.
pub async fn latest_vault_audit_is_per_user(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let sam = user_in(&*store, &w, Some(a.id), "Sam", "sam@a.uk").await;
    let kit = user_in(&*store, &w, Some(a.id), "Kit", "kit@a.uk").await;
    user_in(&*store, &w, Some(a.id), "Never Audited", "never@a.uk").await;
    assert!(store.latest_vault_audits(a.id).await.unwrap().is_empty(), "none yet");

    let sam_old = w.vault_audit(a.id, sam.id, 7);
    let kit_old = w.vault_audit(a.id, kit.id, 3);
    let sam_new = w.vault_audit(a.id, sam.id, 1);
    let kit_new = w.vault_audit(a.id, kit.id, 0);
    let kit_older = {
        let mut v = w.vault_audit(a.id, kit.id, 8);
        v.recorded_at = kit_old.recorded_at.plus_secs(-3600);
        v
    };
    for audit in [&sam_new, &kit_old, &sam_old, &kit_new, &kit_older] {
        store.add_vault_audit(audit).await.unwrap();
    }

    let mut expected = vec![stored(&sam_new), stored(&kit_new)];
    expected.sort_by_key(|v| v.audit.user_id.to_string());
    assert_eq!(store.latest_vault_audits(a.id).await.unwrap(), expected);
    store.close().await;
}

/// Another office reads nothing of office A's audits, even knowing the ids
/// of the audit and of the person.
pub async fn another_office_cannot_read_vault_audits(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let sam = user_in(&*store, &w, Some(a.id), "Sam", "sam@a.uk").await;
    let bob = user_in(&*store, &w, Some(b.id), "Bob", "bob@b.uk").await;
    let ours = w.vault_audit(a.id, sam.id, 2);
    let theirs = w.vault_audit(b.id, bob.id, 4);
    store.add_vault_audit(&ours).await.unwrap();
    store.add_vault_audit(&theirs).await.unwrap();

    assert_eq!(store.vault_audit(b.id, ours.id).await.unwrap(), None, "office B read office A's audit");
    assert_eq!(store.vault_audit(a.id, theirs.id).await.unwrap(), None, "office A read office B's audit");
    assert!(store.vault_audits_for(b.id, sam.id, 10).await.unwrap().is_empty());
    assert!(store.vault_audits_for(a.id, bob.id, 10).await.unwrap().is_empty());
    assert_eq!(store.latest_vault_audits(b.id).await.unwrap(), vec![stored(&theirs)]);
    assert_eq!(store.latest_vault_audits(a.id).await.unwrap(), vec![stored(&ours)]);
    let ghost = OfficeId::generate(&w.random);
    assert!(store.latest_vault_audits(ghost).await.unwrap().is_empty());
    assert_eq!(store.vault_audit(ghost, ours.id).await.unwrap(), None);
    store.close().await;
}

/// An audit of office A's person filed under office B is refused (the person
/// must belong to the office that records it), as is one of the operator,
/// who belongs to no office; neither office sees anything of it.
pub async fn vault_audit_of_another_offices_user_is_refused(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let a = store.create_office(&w.office("Office A")).await.unwrap();
    let b = store.create_office(&w.office("Office B")).await.unwrap();
    let sam = user_in(&*store, &w, Some(a.id), "Sam", "sam@a.uk").await;
    let bob = user_in(&*store, &w, Some(b.id), "Bob", "bob@b.uk").await;
    let operator = user_in(&*store, &w, None, "Operator", "ops@central.uk").await;

    let mut misfiled = w.vault_audit(b.id, sam.id, 6);
    misfiled.recorded_by = Some(bob.id);
    let err = store.add_vault_audit(&misfiled).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    let err = store.add_vault_audit(&w.vault_audit(a.id, operator.id, 0)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    for office in [a.id, b.id] {
        assert_eq!(store.vault_audit(office, misfiled.id).await.unwrap(), None);
        assert!(store.vault_audits_for(office, sam.id, 10).await.unwrap().is_empty());
        assert!(store.latest_vault_audits(office).await.unwrap().is_empty());
    }
    store.close().await;
}
