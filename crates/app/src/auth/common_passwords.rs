//! A small built-in list of passwords of 12 or more characters that appear
//! near the top of every published breach-frequency list, plus the obvious
//! ones for this service. Shorter ones are already refused by length; the
//! full breach check belongs to the `breach` module, not to sign-up.

const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "1234567891011",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "password1!!!",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwertyuiopasdfgh",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "q1w2e3r4t5y6",
    "zaq12wsxcde3",
    "asdfghjkl123",
    "qazwsxedcrfv",
    "iloveyou1234",
    "iloveyouiloveyou",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "changeme1234",
    "administrator",
    "administrator1",
    "admin1234567",
    "adminadmin123",
    "football1234",
    "manchesterunited",
    "liverpool1234",
    "chelsea12345",
    "arsenal12345",
    "monkey123456",
    "sunshine1234",
    "princess1234",
    "starwars1234",
    "trustno11234",
    "superman1234",
    "baseball1234",
    "abc123456789",
    "abcd12345678",
    "aaaaaa111111",
    "111111111111",
    "000000000000",
    "987654321098",
    "qwerty123456",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "summer2024!!",
    "summer20242024",
    "winter2024!!",
    "spring2025!!",
    "autumn2025!!",
    "january20252025",
    "portcullis123",
    "portcullis1234",
    "parliament123",
    "parliament1234",
    "westminster1",
    "westminster123",
    "housesofparliament",
    "constituency1",
    "constituency123",
    "mpoffice12345",
    "office123456",
    "officeoffice",
    "caseworker123",
];

/// Whether the lower-cased password is on the list.
pub fn is_common(lower: &str) -> bool {
    COMMON.contains(&lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_lowercase_long_enough_to_matter_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in COMMON {
            assert_eq!(*p, p.to_lowercase(), "{p} must be lower case");
            assert!(p.chars().count() >= 12, "{p} is shorter than the minimum and can never be chosen");
            assert!(seen.insert(p), "{p} is listed twice");
        }
    }
}
