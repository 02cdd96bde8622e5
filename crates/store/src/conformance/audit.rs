//! More audit-log stories: where an entry may go and what text it may hold.

use portcullis_types::OfficeId;

use super::{Harness, World, open};
use crate::{AuditQuery, StoreError};

/// An entry about an office that does not exist is refused with NotFound,
/// not stored against nothing.
pub async fn audit_for_a_missing_office_is_not_found(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let ghost = OfficeId::generate(&w.random);
    let err = store.append_audit(&w.audit(ghost, "ghost.did")).await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound(m) if *m == format!("office {ghost}")), "{err:?}");
    assert!(store.list_audit(ghost, &AuditQuery::default()).await.unwrap().is_empty());
    store.close().await;
}

/// A NUL character (U+0000) in any free-text field is stored as U+FFFD on
/// every backend (PostgreSQL cannot hold NUL in text), so the entry is kept
/// rather than lost, and what `append_audit` returns is what is stored.
pub async fn nul_in_audit_text_is_replaced(h: &dyn Harness) {
    let w = World::new();
    let store = open(h).await;
    let office = store.create_office(&w.office("Office")).await.unwrap();
    let mut entry = w.audit(office.id, "text.\0nul");
    entry.actor = "sam\0@x.uk".into();
    entry.target = Some("person:\0".into());
    entry.detail = "pasted \0 from a PDF\0".into();
    let stored = store.append_audit(&entry).await.unwrap();
    assert_eq!(stored.action, "text.\u{FFFD}nul");
    assert_eq!(stored.actor, "sam\u{FFFD}@x.uk");
    assert_eq!(stored.target.as_deref(), Some("person:\u{FFFD}"));
    assert_eq!(stored.detail, "pasted \u{FFFD} from a PDF\u{FFFD}");
    assert_eq!(store.list_audit(office.id, &AuditQuery::default()).await.unwrap(), vec![stored]);
    let by_action = AuditQuery { action: Some("text.\u{FFFD}nul".into()), ..AuditQuery::default() };
    assert_eq!(store.list_audit(office.id, &by_action).await.unwrap().len(), 1);
    // Filtering by the action as the caller knows it (with the NUL) finds it too.
    let as_written = AuditQuery { action: Some("text.\0nul".into()), ..AuditQuery::default() };
    assert_eq!(store.list_audit(office.id, &as_written).await.unwrap().len(), 1);
    store.close().await;
}
