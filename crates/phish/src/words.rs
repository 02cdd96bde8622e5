//! Whole-word matching, shared by brand names, sender names and content
//! phrases: a match counts only when no letter or digit touches either end
//! ("dating" is not in "updating", "ee" is not in "feedback").

/// Whether `text[start..end]` has no letter or digit touching either end.
pub(crate) fn is_whole(text: &str, start: usize, end: usize) -> bool {
    let before = text.get(..start).and_then(|s| s.chars().next_back());
    let after = text.get(end..).and_then(|s| s.chars().next());
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// Whether `phrase` occurs in `text` as whole words.
pub(crate) fn contains(text: &str, phrase: &str) -> bool {
    !phrase.is_empty() && text.match_indices(phrase).any(|(start, found)| is_whole(text, start, start + found.len()))
}
