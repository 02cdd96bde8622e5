//! Short human-entered text (names) validated once at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a piece of text was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TextError {
    /// Nothing but white space.
    #[error("the {what} is empty")]
    Empty {
        /// Which field.
        what: &'static str,
    },
    /// Longer than the field allows.
    #[error("the {what} is too long ({len} characters; at most {max})")]
    TooLong {
        /// Which field.
        what: &'static str,
        /// Characters given.
        len: usize,
        /// Characters allowed.
        max: usize,
    },
    /// Contains control characters (newlines, escapes, NUL…).
    #[error("the {what} contains control characters")]
    Control {
        /// Which field.
        what: &'static str,
    },
}

/// Trim, then check length (in characters) and refuse control characters.
fn clean(what: &'static str, raw: &str, max: usize) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty { what });
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(TextError::TooLong { what, len, max });
    }
    if trimmed.chars().any(char::is_control) {
        return Err(TextError::Control { what });
    }
    Ok(trimmed.to_owned())
}

macro_rules! short_text {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Validate and wrap.
            pub fn new(raw: &str) -> Result<Self, TextError> {
                clean($what, raw, $max).map(Self)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = TextError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

short_text!(
    /// The name of an office, e.g. "Office of Jane Smith MP".
    OfficeName, "office name", 120
);
short_text!(
    /// A person's name as they want it shown.
    PersonName, "name", 120
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_ordinary_names() {
        assert_eq!(OfficeName::new("  Office of Jane Smith MP ").unwrap().as_str(), "Office of Jane Smith MP");
        assert_eq!(PersonName::new("Siân O'Neill-Ødegård").unwrap().as_str(), "Siân O'Neill-Ødegård");
    }

    #[test]
    fn refuses_empty_long_and_control_text() {
        assert_eq!(OfficeName::new("   "), Err(TextError::Empty { what: "office name" }));
        assert!(matches!(PersonName::new(&"x".repeat(121)), Err(TextError::TooLong { len: 121, .. })));
        assert_eq!(PersonName::new("a\nb"), Err(TextError::Control { what: "name" }));
    }

    #[test]
    fn html_is_kept_as_text_for_escaping_later() {
        // Validation does not strip markup; rendering escapes it.
        assert_eq!(PersonName::new("<script>x</script>").unwrap().as_str(), "<script>x</script>");
    }
}
