//! Who may do what: the one place authorisation is decided.
//!
//! The web layer maps each route to an [`Action`] and asks [`authorize`]; it
//! never reasons about roles itself. A request for another office's record
//! is answered as if the record did not exist ([`Denied::NotFound`]), so ids
//! cannot be probed across offices.

use portcullis_store::User;
use portcullis_types::{OfficeId, Role};

/// Something a person may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// See the office home page.
    ViewOfficeHome,
    /// Manage one's own account (password, second factor).
    ManageOwnAccount,
    /// Read the office's audit log.
    ViewAuditLog,
    /// Invite people, change roles, suspend accounts in the office.
    ManageAccounts,
    /// Change office settings (domains, retention, integrations).
    ManageOffice,
    /// See results of checks (domain, DMARC, posture summaries).
    ViewChecks,
    /// Run checks and upload material to check (email triage, vault audit).
    RunChecks,
    /// Read incidents and their evidence.
    ViewCasework,
    /// Log incidents and add evidence.
    EditCasework,
    /// Export an evidence pack.
    ExportEvidence,
    /// The central console: create and suspend offices and accounts.
    OperateOffices,
}

impl Action {
    /// Every action, for exhaustive tests.
    pub const ALL: [Self; 11] = [
        Self::ViewOfficeHome,
        Self::ManageOwnAccount,
        Self::ViewAuditLog,
        Self::ManageAccounts,
        Self::ManageOffice,
        Self::ViewChecks,
        Self::RunChecks,
        Self::ViewCasework,
        Self::EditCasework,
        Self::ExportEvidence,
        Self::OperateOffices,
    ];
}

/// Whether a role may take an action at all (before office scoping).
pub const fn permits(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    match action {
        A::ManageOwnAccount => true,
        A::OperateOffices => matches!(role, R::Operator),
        // The operator runs the service but never sees an office's work.
        _ if matches!(role, R::Operator) => false,
        A::ViewOfficeHome | A::ViewChecks => true,
        A::ViewAuditLog | A::ManageAccounts | A::ManageOffice => matches!(role, R::Mp | R::Manager),
        A::RunChecks => matches!(role, R::Mp | R::Manager | R::Caseworker | R::Staff),
        A::ViewCasework | A::EditCasework | A::ExportEvidence => matches!(role, R::Mp | R::Manager | R::Caseworker),
    }
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The record belongs to another office: behave as if it does not exist.
    NotFound,
    /// The role does not allow it.
    Forbidden,
}

/// Decide whether `user` may take `action` on something in `office`
/// (`None` for actions that concern no office, like the operator console).
pub fn authorize(user: &User, office: Option<OfficeId>, action: Action) -> Result<(), Denied> {
    if let Some(target) = office
        && user.office_id != Some(target)
    {
        return Err(Denied::NotFound);
    }
    if permits(user.role, action) { Ok(()) } else { Err(Denied::Forbidden) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole matrix, written out so a change to it is a visible diff.
    const EXPECTED: &[(Role, &[Action])] = &[
        (
            Role::Mp,
            &[
                Action::ViewOfficeHome,
                Action::ManageOwnAccount,
                Action::ViewAuditLog,
                Action::ManageAccounts,
                Action::ManageOffice,
                Action::ViewChecks,
                Action::RunChecks,
                Action::ViewCasework,
                Action::EditCasework,
                Action::ExportEvidence,
            ],
        ),
        (
            Role::Manager,
            &[
                Action::ViewOfficeHome,
                Action::ManageOwnAccount,
                Action::ViewAuditLog,
                Action::ManageAccounts,
                Action::ManageOffice,
                Action::ViewChecks,
                Action::RunChecks,
                Action::ViewCasework,
                Action::EditCasework,
                Action::ExportEvidence,
            ],
        ),
        (
            Role::Caseworker,
            &[
                Action::ViewOfficeHome,
                Action::ManageOwnAccount,
                Action::ViewChecks,
                Action::RunChecks,
                Action::ViewCasework,
                Action::EditCasework,
                Action::ExportEvidence,
            ],
        ),
        (Role::Staff, &[Action::ViewOfficeHome, Action::ManageOwnAccount, Action::ViewChecks, Action::RunChecks]),
        (Role::Readonly, &[Action::ViewOfficeHome, Action::ManageOwnAccount, Action::ViewChecks]),
        (Role::Operator, &[Action::ManageOwnAccount, Action::OperateOffices]),
    ];

    #[test]
    fn role_by_action_matrix_is_exactly_as_written() {
        for (role, allowed) in EXPECTED {
            for action in Action::ALL {
                assert_eq!(permits(*role, action), allowed.contains(&action), "{role:?} × {action:?}");
            }
        }
        assert_eq!(EXPECTED.len(), Role::ALL.len());
    }

    #[test]
    fn the_operator_never_reaches_casework() {
        for action in [Action::ViewCasework, Action::EditCasework, Action::ExportEvidence, Action::ViewAuditLog] {
            assert!(!permits(Role::Operator, action));
        }
    }
}
