//! The `invitations` table. Rows are keyed by a digest of the link's token.

use portcullis_store::{Invitation, StoreError};
use portcullis_types::{Email, OfficeId, PersonName, Timestamp};
use sqlx::error::ErrorKind;
use sqlx::types::time::OffsetDateTime;
use uuid::Uuid;

use crate::{PgStore, decode, errors};

/// `token_hash, office_id, email, name, role, invited_by, created_at, expires_at, used_at`.
type InvitationRow =
    (String, Uuid, String, String, String, String, OffsetDateTime, OffsetDateTime, Option<OffsetDateTime>);

pub(crate) async fn create(store: &PgStore, invitation: &Invitation) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO invitations (token_hash, office_id, email, name, role, invited_by, created_at, expires_at, used_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&invitation.token_hash)
    .bind(invitation.office_id.as_uuid())
    .bind(invitation.email.as_str())
    .bind(invitation.name.as_str())
    .bind(invitation.role.as_str())
    .bind(&invitation.invited_by)
    .bind(invitation.created_at.to_datetime())
    .bind(invitation.expires_at.to_datetime())
    .bind(invitation.used_at.map(Timestamp::to_datetime))
    .execute(&store.pool)
    .await
    .map_err(|e| {
        if errors::is_violation(&e, ErrorKind::ForeignKeyViolation) {
            StoreError::NotFound(format!("office {}", invitation.office_id))
        } else if errors::is_violation(&e, ErrorKind::UniqueViolation) {
            StoreError::Conflict("an invitation with that token".to_owned())
        } else {
            errors::query_failed(&store.location, e)
        }
    })
    .map(drop)
}

pub(crate) async fn get(store: &PgStore, token_hash: &str) -> Result<Option<Invitation>, StoreError> {
    let row: Option<InvitationRow> = sqlx::query_as(
        "SELECT token_hash, office_id, email, name, role, invited_by, created_at, expires_at, used_at \
         FROM invitations WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&store.pool)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    row.map(from_row).transpose()
}

pub(crate) async fn consume(store: &PgStore, token_hash: &str, at: Timestamp) -> Result<bool, StoreError> {
    // `used_at IS NULL` in the WHERE clause: of two people following the same
    // link at once, exactly one gets the account.
    let done = sqlx::query("UPDATE invitations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL")
        .bind(token_hash)
        .bind(at.to_datetime())
        .execute(&store.pool)
        .await
        .map_err(|e| errors::query_failed(&store.location, e))?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn list(store: &PgStore, office: OfficeId) -> Result<Vec<Invitation>, StoreError> {
    let rows: Vec<InvitationRow> = sqlx::query_as(
        "SELECT token_hash, office_id, email, name, role, invited_by, created_at, expires_at, used_at \
         FROM invitations WHERE office_id = $1 ORDER BY created_at DESC, token_hash DESC",
    )
    .bind(office.as_uuid())
    .fetch_all(&store.pool)
    .await
    .map_err(|e| errors::query_failed(&store.location, e))?;
    rows.into_iter().map(from_row).collect()
}

fn from_row(
    (token_hash, office_id, email, name, role, invited_by, created_at, expires_at, used_at): InvitationRow,
) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        token_hash,
        office_id: OfficeId::from_uuid(office_id),
        email: decode::text("invitations.email", &email, Email::new)?,
        name: decode::text("invitations.name", &name, PersonName::new)?,
        role: decode::parse("invitations.role", &role)?,
        invited_by,
        created_at: decode::timestamp("invitations.created_at", created_at)?,
        expires_at: decode::timestamp("invitations.expires_at", expires_at)?,
        used_at: decode::maybe_timestamp("invitations.used_at", used_at)?,
    })
}
