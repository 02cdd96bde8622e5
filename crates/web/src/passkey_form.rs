//! What the passkey section of a page (`templates/_passkey.html`) shows:
//! the challenge `app` made, and which form it belongs to. The section is
//! hidden until the passkey script shows it, so without JavaScript a page
//! offers only what works without it.

use portcullis_app::auth::PasskeyChallenge;

/// One passkey form.
#[derive(Debug, Clone)]
pub(crate) struct PasskeyForm {
    pub heading: &'static str,
    pub intro: &'static str,
    pub action: &'static str,
    /// `create` (register) or `get` (sign in).
    pub kind: &'static str,
    pub options_json: String,
    pub state: String,
    pub ask_name: bool,
    pub button: &'static str,
}

impl PasskeyForm {
    /// Register a passkey while enrolling.
    pub fn enrol(challenge: PasskeyChallenge) -> Self {
        Self {
            heading: "Or use a passkey",
            intro: "A passkey lets you sign in with your fingerprint, face or device PIN instead of a code. It stays \
                    on this device (or in your password manager) and only works on Portcullis, so it cannot be \
                    phished.",
            action: "/enrol/passkey",
            kind: "create",
            options_json: challenge.options_json,
            state: challenge.state,
            ask_name: true,
            button: "Set up a passkey",
        }
    }

    /// Add another passkey from the account page.
    pub fn add(challenge: PasskeyChallenge) -> Self {
        Self {
            heading: "Add a passkey",
            intro: "Sign in with your fingerprint, face or device PIN instead of a code from your app.",
            action: "/account/passkeys",
            button: "Add a passkey",
            ..Self::enrol(challenge)
        }
    }

    /// Present a passkey at the second sign-in step.
    pub fn sign_in(challenge: PasskeyChallenge) -> Self {
        Self {
            heading: "Or use your passkey",
            intro: "Use the fingerprint, face or PIN of a device where you set up a passkey for Portcullis.",
            action: "/login/passkey",
            kind: "get",
            options_json: challenge.options_json,
            state: challenge.state,
            ask_name: false,
            button: "Use a passkey",
        }
    }
}
