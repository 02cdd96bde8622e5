//! Which entries share a password, found without keeping the password: each
//! is reduced to an HMAC under a key that exists only for this audit.

use std::collections::HashMap;

use hmac::Mac as _;

use crate::Secret;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Groups of entry indexes (two or more each) whose passwords are the same.
/// Empty passwords are never grouped. `key` must be fresh random bytes for
/// this audit and forgotten afterwards: with it gone, the tags say nothing.
#[must_use]
pub fn groups(passwords: &[&Secret], key: &[u8; 32]) -> Vec<Vec<usize>> {
    let mut by_tag: HashMap<[u8; 32], Vec<usize>> = HashMap::new();
    for (index, password) in passwords.iter().enumerate() {
        if password.is_empty() {
            continue;
        }
        let Ok(mut mac) = HmacSha256::new_from_slice(key) else { continue };
        mac.update(password.expose().as_bytes());
        let tag: [u8; 32] = mac.finalize().into_bytes().into();
        by_tag.entry(tag).or_default().push(index);
    }
    let mut groups: Vec<Vec<usize>> = by_tag.into_values().filter(|group| group.len() > 1).collect();
    groups.sort();
    groups
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn shared_passwords_are_grouped_and_empty_ones_ignored() {
        let [a, b, c, d, e] = ["Tulip-42", "other", "Tulip-42", "", ""].map(Secret::from);
        let found = groups(&[&a, &b, &c, &d, &e], &[7; 32]);
        assert_eq!(found, vec![vec![0, 2]]);
    }

    #[test]
    fn the_grouping_does_not_depend_on_the_key() {
        let [a, b, c] = ["x1", "x1", "x1"].map(Secret::from);
        assert_eq!(groups(&[&a, &b, &c], &[1; 32]), groups(&[&a, &b, &c], &[2; 32]));
    }
}
