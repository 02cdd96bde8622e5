//! Where in a report an element sits: each known element is a [`Node`], and
//! [`Node::child`] says what a child element's local name (prefix dropped)
//! means under its parent. Names are compared as bytes; nothing here
//! allocates. Unknown elements become [`Node::Other`], and so does anything
//! inside them, so extensions and newer fields are skipped (their depth
//! still counts).

/// A known place in an aggregate report, or [`Node::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Node {
    /// A broken reporter's `<xs:schema>` wrapped around `<feedback>`.
    Wrapper,
    /// The root, `<feedback>`.
    Feedback,
    /// `report_metadata`.
    Metadata,
    /// `report_metadata/org_name`.
    OrgName,
    /// `report_metadata/email`.
    Email,
    /// `report_metadata/report_id`.
    ReportId,
    /// `report_metadata/error`.
    MetaError,
    /// `report_metadata/date_range`.
    DateRange,
    /// `date_range/begin`.
    Begin,
    /// `date_range/end`.
    End,
    /// `policy_published`.
    Policy,
    /// `policy_published/domain`.
    PolicyDomain,
    /// `policy_published/p`.
    P,
    /// `policy_published/sp`.
    Sp,
    /// `policy_published/np`.
    Np,
    /// `policy_published/pct`.
    Pct,
    /// `policy_published/adkim`.
    Adkim,
    /// `policy_published/aspf`.
    Aspf,
    /// `policy_published/testing`.
    Testing,
    /// `record`.
    Record,
    /// `record/row`.
    Row,
    /// `row/source_ip`.
    SourceIp,
    /// `row/count`.
    Count,
    /// `row/policy_evaluated`.
    Evaluated,
    /// `policy_evaluated/disposition`.
    Disposition,
    /// `policy_evaluated/dkim`.
    VerdictDkim,
    /// `policy_evaluated/spf`.
    VerdictSpf,
    /// `policy_evaluated/reason`.
    Reason,
    /// `reason/type`.
    ReasonType,
    /// `reason/comment`.
    ReasonComment,
    /// `record/identifiers`.
    Identifiers,
    /// `identifiers/header_from`.
    HeaderFrom,
    /// `identifiers/envelope_from`.
    EnvelopeFrom,
    /// `identifiers/envelope_to`.
    EnvelopeTo,
    /// `record/auth_results`.
    AuthResults,
    /// `auth_results/dkim`.
    AuthDkim,
    /// `auth_results/dkim/domain`.
    DkimDomain,
    /// `auth_results/dkim/selector`.
    DkimSelector,
    /// `auth_results/dkim/result`.
    DkimResult,
    /// `auth_results/spf`.
    AuthSpf,
    /// `auth_results/spf/domain`.
    SpfDomain,
    /// `auth_results/spf/scope`.
    SpfScope,
    /// `auth_results/spf/result`.
    SpfResult,
    /// Anything else: ignored, with everything inside it.
    Other,
}

impl Node {
    /// What an element called `name` (local name) means inside `self`.
    pub(super) fn child(self, name: &[u8]) -> Self {
        match self {
            Self::Wrapper => match name {
                b"feedback" => Self::Feedback,
                _ => Self::Other,
            },
            Self::Feedback => match name {
                b"report_metadata" => Self::Metadata,
                b"policy_published" => Self::Policy,
                b"record" => Self::Record,
                _ => Self::Other,
            },
            Self::Metadata => Self::metadata_child(name),
            Self::DateRange => match name {
                b"begin" => Self::Begin,
                b"end" => Self::End,
                _ => Self::Other,
            },
            Self::Policy => Self::policy_child(name),
            Self::Record => match name {
                b"row" => Self::Row,
                b"identifiers" => Self::Identifiers,
                b"auth_results" => Self::AuthResults,
                _ => Self::Other,
            },
            Self::Row => match name {
                b"source_ip" => Self::SourceIp,
                b"count" => Self::Count,
                b"policy_evaluated" => Self::Evaluated,
                _ => Self::Other,
            },
            Self::Evaluated => match name {
                b"disposition" => Self::Disposition,
                b"dkim" => Self::VerdictDkim,
                b"spf" => Self::VerdictSpf,
                b"reason" => Self::Reason,
                _ => Self::Other,
            },
            Self::Reason => match name {
                b"type" => Self::ReasonType,
                b"comment" => Self::ReasonComment,
                _ => Self::Other,
            },
            Self::Identifiers => match name {
                b"header_from" => Self::HeaderFrom,
                b"envelope_from" => Self::EnvelopeFrom,
                b"envelope_to" => Self::EnvelopeTo,
                _ => Self::Other,
            },
            Self::AuthResults => match name {
                b"dkim" => Self::AuthDkim,
                b"spf" => Self::AuthSpf,
                _ => Self::Other,
            },
            Self::AuthDkim => match name {
                b"domain" => Self::DkimDomain,
                b"selector" => Self::DkimSelector,
                b"result" => Self::DkimResult,
                _ => Self::Other,
            },
            Self::AuthSpf => match name {
                b"domain" => Self::SpfDomain,
                b"scope" => Self::SpfScope,
                b"result" => Self::SpfResult,
                _ => Self::Other,
            },
            _ => Self::Other,
        }
    }

    fn metadata_child(name: &[u8]) -> Self {
        match name {
            b"org_name" => Self::OrgName,
            b"email" => Self::Email,
            b"report_id" => Self::ReportId,
            b"error" => Self::MetaError,
            b"date_range" => Self::DateRange,
            _ => Self::Other,
        }
    }

    fn policy_child(name: &[u8]) -> Self {
        match name {
            b"domain" => Self::PolicyDomain,
            b"p" => Self::P,
            b"sp" => Self::Sp,
            b"np" => Self::Np,
            b"pct" => Self::Pct,
            b"adkim" => Self::Adkim,
            b"aspf" => Self::Aspf,
            b"testing" => Self::Testing,
            _ => Self::Other,
        }
    }

    /// True for elements whose text is a value we keep.
    pub(super) const fn is_leaf(self) -> bool {
        self.is_header_leaf() || self.is_record_leaf()
    }

    /// True for the values of `report_metadata` and `policy_published`.
    pub(super) const fn is_header_leaf(self) -> bool {
        matches!(
            self,
            Self::OrgName
                | Self::Email
                | Self::ReportId
                | Self::MetaError
                | Self::Begin
                | Self::End
                | Self::PolicyDomain
                | Self::P
                | Self::Sp
                | Self::Np
                | Self::Pct
                | Self::Adkim
                | Self::Aspf
                | Self::Testing
        )
    }

    /// True for the values inside a `record`.
    pub(super) const fn is_record_leaf(self) -> bool {
        matches!(
            self,
            Self::SourceIp
                | Self::Count
                | Self::Disposition
                | Self::VerdictDkim
                | Self::VerdictSpf
                | Self::ReasonType
                | Self::ReasonComment
                | Self::HeaderFrom
                | Self::EnvelopeFrom
                | Self::EnvelopeTo
                | Self::DkimDomain
                | Self::DkimSelector
                | Self::DkimResult
                | Self::SpfDomain
                | Self::SpfScope
                | Self::SpfResult
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::Node;

    #[test]
    fn the_same_name_means_different_things_in_different_places() {
        assert_eq!(Node::Evaluated.child(b"dkim"), Node::VerdictDkim);
        assert_eq!(Node::AuthResults.child(b"dkim"), Node::AuthDkim);
        assert_eq!(Node::Policy.child(b"domain"), Node::PolicyDomain);
        assert_eq!(Node::AuthSpf.child(b"domain"), Node::SpfDomain);
        assert_eq!(Node::Feedback.child(b"domain"), Node::Other);
    }

    #[test]
    fn everything_inside_an_unknown_or_leaf_element_is_other() {
        assert_eq!(Node::Other.child(b"record"), Node::Other);
        assert_eq!(Node::OrgName.child(b"org_name"), Node::Other);
        assert!(Node::Count.is_leaf());
        assert!(!Node::Record.is_leaf());
        assert!(!Node::Other.is_leaf());
    }
}
