//! The central operator: an account in no office that opens offices and
//! invites their first managers, and cannot see inside any of them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{PASSWORD, deployment, signed_in};
use portcullis_app::policy::Denied;
use portcullis_app::{AccountError, AccountForm, AppError, InviteError, NewOfficeRequest, OpenOfficeError};
use portcullis_store::AuditQuery;
use portcullis_types::Role;

const OPERATOR: &str = "ops@service.example.org";

fn request<'a>(office: &'a str, name: &'a str, email: &'a str) -> NewOfficeRequest<'a> {
    NewOfficeRequest { office_name: office, manager_name: name, manager_email: email }
}

#[tokio::test]
async fn an_operator_opens_an_office_and_its_manager_is_invited() {
    let d = deployment().await;
    let weak = AccountForm { name: "Ola Operator", email: OPERATOR, password: "password1234" };
    assert!(matches!(d.app.add_operator(&weak).await, Err(AccountError::Password(_))));
    let form = AccountForm { name: "Ola Operator", email: OPERATOR, password: PASSWORD };
    let operator = d.app.add_operator(&form).await.unwrap();
    assert_eq!((operator.role, operator.office_id), (Role::Operator, None));
    let op = signed_in(&d, OPERATOR).await;
    assert!(d.app.operator_offices(&op).await.unwrap().is_empty());

    let (office, invited) =
        d.app.open_office(&op, &request("Office of Jane Smith MP", "Sam Okafor", "sam@example.org.uk")).await.unwrap();

    assert_eq!(invited.email.as_str(), "sam@example.org.uk");
    let listed = d.app.operator_offices(&op).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].office.name.as_str(), "Office of Jane Smith MP");
    let log = d.app.store().list_audit(office.id, &AuditQuery { limit: 10, ..Default::default() }).await.unwrap();
    let by_operator: Vec<_> = log.iter().filter(|e| e.actor == OPERATOR).map(|e| e.action.as_str()).collect();
    assert_eq!(by_operator, vec!["invitation.created", "office.created"], "the office sees what the operator did");
    let invitation = d.app.store().list_invitations(office.id).await.unwrap();
    assert_eq!((invitation.len(), invitation[0].role), (1, Role::Manager));

    // The invited manager joins the new office as its manager.
    let token = invited.link.split("token=").nth(1).unwrap().to_owned();
    d.app.accept_invitation(&token, PASSWORD, None).await.unwrap();
    let manager = signed_in(&d, "sam@example.org.uk").await;
    assert_eq!((manager.user.office_id, manager.user.role), (Some(office.id), Role::Manager));
    assert_eq!(d.app.home(&manager).await.unwrap().people, 1);
}

#[tokio::test]
async fn the_operator_cannot_see_inside_an_office_and_managers_cannot_operate() {
    let d = deployment().await;
    d.app.add_operator(&AccountForm { name: "Ola Operator", email: OPERATOR, password: PASSWORD }).await.unwrap();
    let op = signed_in(&d, OPERATOR).await;
    let (office, invited) =
        d.app.open_office(&op, &request("Office of Jane Smith MP", "Max Manager", "max@example.org.uk")).await.unwrap();

    assert!(matches!(d.app.home(&op).await, Err(AppError::Denied(Denied::NotFound | Denied::Forbidden))));
    assert!(matches!(d.app.audit_log(&op, &AuditQuery::default()).await, Err(AppError::Denied(_))));
    assert!(matches!(d.app.invitations(&op).await, Err(AppError::Denied(_))));

    let token = invited.link.split("token=").nth(1).unwrap().to_owned();
    d.app.accept_invitation(&token, PASSWORD, None).await.unwrap();
    let manager = signed_in(&d, "max@example.org.uk").await;
    assert_eq!(manager.user.office_id, Some(office.id));
    assert!(matches!(d.app.operator_offices(&manager).await, Err(AppError::Denied(Denied::Forbidden))));
    let refused = d.app.open_office(&manager, &request("Another office", "Eve", "eve@example.org.uk")).await;
    assert!(matches!(refused, Err(OpenOfficeError::Invite(InviteError::Other(AppError::Denied(_))))));
    assert_eq!(d.app.offices().await.unwrap().len(), 1, "no office opened by a manager");
}

#[tokio::test]
async fn a_refused_request_leaves_no_empty_office_behind() {
    let d = deployment().await;
    d.app.add_operator(&AccountForm { name: "Ola Operator", email: OPERATOR, password: PASSWORD }).await.unwrap();
    let op = signed_in(&d, OPERATOR).await;

    let long = "x".repeat(500);
    let cases = [
        request("", "Sam Okafor", "sam@example.org.uk"),
        request("Office of Jane Smith MP", "", "sam@example.org.uk"),
        request("Office of Jane Smith MP", "Sam Okafor", "not an address"),
        // An address that already has an account (the operator's own).
        request("Office of Jane Smith MP", "Sam Okafor", OPERATOR),
        request(&long, "Sam Okafor", "sam@example.org.uk"),
    ];
    for case in &cases {
        let refused = d.app.open_office(&op, case).await;
        assert!(
            matches!(
                refused,
                Err(OpenOfficeError::OfficeName(_)
                    | OpenOfficeError::Invite(InviteError::Name(_) | InviteError::Email(_)))
            ),
            "{case:?}: {refused:?}"
        );
    }
    assert!(d.app.offices().await.unwrap().is_empty());
}
