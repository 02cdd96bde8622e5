//! Identifiers: UUIDs wrapped so that an office id can never be passed where
//! a person id is expected.

/// Text that is not an identifier.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{0}' is not a valid identifier (expected a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e)")]
pub struct IdError(pub String);

/// Declares a UUID identifier type: random generation from a
/// [`Random`](crate::Random),
/// hyphenated `Display`, `FromStr` refusing anything but a UUID with
/// [`IdError`], and transparent serde. Used here and by the store for its
/// own record ids; the using crate needs `serde` and `uuid`.
#[macro_export]
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(::uuid::Uuid);

        impl $name {
            /// A fresh random (version 4) identifier.
            pub fn generate(random: &dyn $crate::Random) -> Self {
                Self(::uuid::Builder::from_random_bytes(random.bytes16()).into_uuid())
            }

            /// Wrap an existing UUID (as read back from a store).
            pub const fn from_uuid(id: ::uuid::Uuid) -> Self {
                Self(id)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> ::uuid::Uuid {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                ::uuid::Uuid::try_parse(s.trim()).map(Self).map_err(|_| $crate::IdError(s.chars().take(64).collect()))
            }
        }
    };
}

uuid_id!(
    /// An MP's office: the unit of separation. Every stored row belongs to one.
    OfficeId
);
uuid_id!(
    /// A person in an office (staff member, MP), with or without an account.
    PersonId
);
uuid_id!(
    /// A sign-in account.
    UserId
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeqRandom;

    #[test]
    fn generated_ids_are_v4_and_parse_back() {
        let rng = SeqRandom::new(1);
        let id = OfficeId::generate(&rng);
        assert_eq!(id.as_uuid().get_version_num(), 4);
        assert_eq!(id.to_string().parse::<OfficeId>().unwrap(), id);
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let err = "not-an-id".parse::<PersonId>().unwrap_err();
        assert!(err.to_string().contains("not-an-id"));
    }
}
