//! The flattened include tree: which records a receiver reads, and what
//! each costs of the 10 DNS lookups allowed (RFC 7208 4.6.4).

use serde::{Deserialize, Serialize};

use super::parse::Qualifier;

/// How a record was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// The domain's own record.
    Root,
    /// `include:` from its parent.
    Include,
    /// `redirect=` from its parent.
    Redirect,
}

/// One record in the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfNode {
    /// The domain whose record this is.
    pub domain: String,
    /// How it was reached.
    pub via: Via,
    /// The SPF record, if one was found.
    pub record: Option<String>,
    /// DNS lookups its own terms cost (`include`, `a`, `mx`, `ptr`,
    /// `exists`, `redirect`: 1 each).
    pub lookups: u32,
    /// Lookups of this record and everything it includes or redirects to.
    pub total_lookups: u32,
    /// The `all` at its end, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Qualifier>,
    /// Why it was not read or not followed, if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Records it includes or redirects to, in order.
    pub children: Vec<SpfNode>,
}

/// A node while the tree is being walked: children are indices into the
/// arena, always greater than the parent's, so the tree can be assembled
/// without recursion.
#[derive(Debug)]
pub(super) struct Slot {
    pub node: SpfNode,
    pub children: Vec<usize>,
    /// The term that led here (empty for the root).
    pub term: String,
    /// The parent's index.
    pub parent: Option<usize>,
}

impl Slot {
    pub fn new(domain: &str, via: Via) -> Self {
        let node = SpfNode {
            domain: domain.to_owned(),
            via,
            record: None,
            lookups: 0,
            total_lookups: 0,
            all: None,
            problem: None,
            children: Vec::new(),
        };
        Self { node, children: Vec::new(), term: String::new(), parent: None }
    }
}

/// The `all` that decides what happens to unlisted senders: a record's
/// own, or (with no `all`) that of its `redirect=` target (RFC 7208 6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EffectiveAll {
    /// This qualifier.
    Known(Qualifier),
    /// No `all` and no redirect: the default result is neutral (RFC 7208 4.7).
    Missing,
    /// A redirect target could not be read.
    Unknown,
}

/// Add up lookups from the leaves (children come after their parents) and
/// return the total at the root.
pub(super) fn add_totals(slots: &mut [Slot]) -> u32 {
    for i in (0..slots.len()).rev() {
        let Some(slot) = slots.get(i) else { continue };
        let below: u32 = slot.children.iter().filter_map(|c| slots.get(*c)).map(|c| c.node.total_lookups).sum();
        if let Some(slot) = slots.get_mut(i) {
            slot.node.total_lookups = slot.node.lookups.saturating_add(below);
        }
    }
    slots.first().map_or(0, |s| s.node.total_lookups)
}

/// The effective `all` of the slot at `start`, following redirects.
pub(super) fn effective_all(slots: &[Slot], start: usize) -> EffectiveAll {
    let mut at = start;
    // Each step moves to a later index, so this ends within slots.len().
    for _ in 0..=slots.len() {
        let Some(slot) = slots.get(at) else { return EffectiveAll::Unknown };
        if let Some(q) = slot.node.all {
            return EffectiveAll::Known(q);
        }
        let redirect = slot.children.iter().find(|c| slots.get(**c).is_some_and(|s| s.node.via == Via::Redirect));
        match redirect {
            Some(next) if slots.get(*next).is_some_and(|s| s.node.record.is_some() && s.node.problem.is_none()) => {
                at = *next;
            }
            Some(_) => return EffectiveAll::Unknown,
            None if slot.node.record.is_some() => return EffectiveAll::Missing,
            None => return EffectiveAll::Unknown,
        }
    }
    EffectiveAll::Unknown
}

/// Assemble the tree from the arena, leaves first.
pub(super) fn assemble(slots: Vec<Slot>) -> Option<SpfNode> {
    let mut links = Vec::with_capacity(slots.len());
    let mut nodes: Vec<Option<SpfNode>> = Vec::with_capacity(slots.len());
    for slot in slots {
        links.push(slot.children);
        nodes.push(Some(slot.node));
    }
    for i in (0..nodes.len()).rev() {
        let kids: Vec<SpfNode> =
            links.get(i).into_iter().flatten().filter_map(|c| nodes.get_mut(*c).and_then(Option::take)).collect();
        if let Some(Some(node)) = nodes.get_mut(i) {
            node.children = kids;
        }
    }
    nodes.into_iter().next().flatten()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn slot(domain: &str, via: Via, lookups: u32, all: Option<Qualifier>, children: Vec<usize>) -> Slot {
        let mut s = Slot::new(domain, via);
        s.node.lookups = lookups;
        s.node.all = all;
        s.node.record = Some(format!("v=spf1 … ({domain})"));
        s.children = children;
        s
    }

    #[test]
    fn totals_and_the_redirected_all_come_from_below() {
        let mut slots = vec![
            slot("example.org", Via::Root, 2, None, vec![1, 2]),
            slot("_a.example.org", Via::Include, 3, Some(Qualifier::Fail), vec![]),
            slot("_r.example.org", Via::Redirect, 0, Some(Qualifier::SoftFail), vec![]),
        ];
        assert_eq!(add_totals(&mut slots), 5);
        assert_eq!(effective_all(&slots, 0), EffectiveAll::Known(Qualifier::SoftFail));
        let tree = assemble(slots).unwrap();
        assert_eq!(tree.children.len(), 2);
        assert_eq!(tree.children[0].total_lookups, 3);
        let json = serde_json::to_string(&tree).unwrap();
        assert!(json.contains(r#""via":"redirect""#) && json.contains(r#""all":"softfail""#), "{json}");
    }
}
