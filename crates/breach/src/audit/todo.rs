//! What to do about an entry's findings, in plain English, most urgent first.

use super::report::{EntryReport, Priority, Todo, TodoCode};
use crate::twofa::Method;

/// The to-do list for one audited entry.
#[must_use]
pub fn for_entry(row: &EntryReport) -> Vec<Todo> {
    let site = row.site.as_deref().unwrap_or(&row.title);
    let breached = row.breached.filter(|&count| count > 0);
    let mut todo = Vec::new();
    if let Some(count) = breached {
        todo.push(Todo {
            code: TodoCode::Breached,
            priority: Priority::High,
            action: format!(
                "This password has appeared {} in leaked password lists, so attackers try it first. \
                 Change it on {site} now, and on any other account where you use it.",
                times(count)
            ),
        });
    }
    if !row.reused_with.is_empty() {
        todo.push(Todo {
            code: TodoCode::Reused,
            priority: if breached.is_some() { Priority::High } else { Priority::Medium },
            action: format!(
                "The same password is used for {}. Give each account its own password (let the password \
                 manager make one), so one leak opens only one door.",
                list(&row.reused_with)
            ),
        });
    }
    if row.weak {
        todo.push(Todo {
            code: TodoCode::Weak,
            priority: Priority::Medium,
            action: format!(
                "Someone with a stolen copy of {site}'s password list could guess this in {}. Replace it \
                 with one the password manager generates, or three random words.",
                row.crack_time.trim_start_matches("about ")
            ),
        });
    }
    if let Some(info) = row.twofa.as_ref().filter(|_| !row.twofa_recorded) {
        todo.push(Todo { code: TodoCode::TwofaMissing, priority: Priority::Medium, action: twofa_action(row, info) });
    }
    if row.old {
        let since = row.changed.as_deref().and_then(|at| at.get(..10)).unwrap_or("years ago");
        todo.push(Todo {
            code: TodoCode::Old,
            priority: Priority::Low,
            action: format!(
                "Not changed since {since}. There is no need to change passwords on a schedule, but if this \
                 account matters, give it a fresh password from the password manager."
            ),
        });
    }
    todo
}

fn twofa_action(row: &EntryReport, info: &super::report::TwofaInfo) -> String {
    let preferred: Vec<&str> = info
        .methods
        .iter()
        .filter(|method| !matches!(method, Method::Sms | Method::Call | Method::Email))
        .map(|method| method.describe())
        .collect();
    let how = if preferred.is_empty() {
        "a code by text or call — weaker than an app, but far better than a password alone".to_owned()
    } else {
        list(&preferred.iter().map(|text| (*text).to_owned()).collect::<Vec<_>>())
    };
    let link = info.documentation.as_deref().map(|url| format!(" Instructions: {url}")).unwrap_or_default();
    format!(
        "{} offers two-step sign-in ({how}) and this entry has none recorded. Turn it on for {}; if it is \
         already on, save the code in the password manager so audits can see it.{link}",
        info.service,
        row.site.as_deref().unwrap_or(&row.title)
    )
}

fn times(count: u64) -> String {
    match count {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        _ => format!("{} times", thousands(count)),
    }
}

fn thousands(count: u64) -> String {
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => format!("\u{201c}{one}\u{201d}"),
        [init @ .., last] => {
            let head: Vec<String> = init.iter().map(|item| format!("\u{201c}{item}\u{201d}")).collect();
            format!("{} and \u{201c}{last}\u{201d}", head.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn counts_and_lists_read_naturally() {
        assert_eq!(times(1), "once");
        assert_eq!(times(2), "twice");
        assert_eq!(times(1_234_567), "1,234,567 times");
        assert_eq!(thousands(999), "999");
        assert_eq!(list(&["A".into()]), "\u{201c}A\u{201d}");
        assert_eq!(
            list(&["A".into(), "B".into(), "C".into()]),
            "\u{201c}A\u{201d}, \u{201c}B\u{201d} and \u{201c}C\u{201d}"
        );
    }
}
