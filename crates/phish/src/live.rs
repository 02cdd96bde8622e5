//! What was learnt about a message outside the engine, over the network,
//! handed in as plain data: the engine itself never does I/O.
//!
//! Today that is live DKIM verification (RFC 6376): each `DKIM-Signature`
//! checked against the key its signer publishes in DNS. The adapter in
//! `portcullis-net` fills it in; `signals::dkim` reads it.

/// The live DKIM results for one message: one entry per signature checked.
/// Empty when the message had no signatures or DNS could not be reached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveDkim {
    /// One per signature, in header order.
    pub results: Vec<DkimCheck>,
}

/// One signature's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimCheck {
    /// The signing domain (`d=`), lowercase; empty when the header could not be read.
    pub domain: String,
    /// What the check found.
    pub outcome: DkimOutcome,
}

/// The result of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DkimOutcome {
    /// The signature verified against the signer's published key.
    Pass,
    /// It was checked and is wrong: the message was changed after signing, or
    /// the signature was not made with the signer's key. Why, in words.
    Fail(String),
    /// It could not be judged either way (its key is missing or revoked, it
    /// has expired, it uses something unsupported). Why, in words.
    Unverifiable(String),
    /// DNS did not answer in time: try again later.
    TempError,
}
