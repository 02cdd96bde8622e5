//! Is this document an aggregate report at all? The root element must be
//! `<feedback>` with no namespace (RFC 7489), DMARC's own draft namespace,
//! or `urn:ietf:params:xml:ns:dmarc-2.0` (RFC 9990), with or without a
//! prefix. Namespaces are only looked at here: below the root, elements are
//! matched by local name, so reporters that prefix every element still
//! parse.
//!
//! One real-world deviation is tolerated: a reporter (seen in parsedmarc's
//! samples) that wraps `<feedback>` in an unclosed `<xs:schema>` of the XML
//! Schema namespace. The report ends at `</feedback>` either way.

use quick_xml::events::BytesStart;
use quick_xml::name::PrefixDeclaration;

use super::values::shown;
use crate::{ParseError, Schema};

/// RFC 9990's namespace.
pub(super) const DMARC_2: &str = "urn:ietf:params:xml:ns:dmarc-2.0";
/// The namespace of the DMARC drafts' XML schema (dmarc.org): RFC 7489
/// layout.
const DMARC_DRAFT: &str = "http://dmarc.org/dmarc-xml/0.1";
/// The XML Schema namespace, of the `<xs:schema>` wrapper.
const XML_SCHEMA: &str = "http://www.w3.org/2001/XMLSchema";

/// The namespace declarations made on one element: a prefix (`None` for
/// the default namespace) and its URI.
#[derive(Debug, Default)]
pub(super) struct Bindings(Vec<(Option<Vec<u8>>, String)>);

impl Bindings {
    /// The `xmlns` and `xmlns:…` attributes of `element`.
    fn read(element: &BytesStart<'_>) -> Result<Self, ParseError> {
        let mut bindings = Vec::new();
        for attribute in element.attributes() {
            let attribute = attribute.map_err(|e| malformed(&e.to_string()))?;
            let prefix = match attribute.key.as_namespace_binding() {
                Some(PrefixDeclaration::Default) => None,
                Some(PrefixDeclaration::Named(prefix)) => Some(prefix.to_vec()),
                None => continue,
            };
            let uri = attribute.unescape_value().map_err(|e| malformed(&e.to_string()))?;
            bindings.push((prefix, uri.trim().to_owned()));
        }
        Ok(Self(bindings))
    }

    /// The URI `prefix` is bound to here, if it is.
    fn get(&self, prefix: Option<&[u8]>) -> Option<&str> {
        self.0.iter().rev().find(|(p, _)| p.as_deref() == prefix).map(|(_, uri)| uri.as_str())
    }
}

/// What the root element turned out to be.
#[derive(Debug)]
pub(super) enum Root {
    /// `<feedback>` in a namespace we read.
    Feedback(Schema),
    /// The `<xs:schema>` wrapper, with its declarations (which
    /// `<feedback>` inside it inherits).
    Wrapper(Bindings),
}

/// Classify the root element.
pub(super) fn root(element: &BytesStart<'_>) -> Result<Root, ParseError> {
    let bindings = Bindings::read(element)?;
    let (local, namespace) = resolve(element, &bindings, &Bindings::default())?;
    match (local, namespace) {
        (b"feedback", namespace) => schema(namespace.as_deref()).map(Root::Feedback),
        (b"schema", Some(namespace)) if namespace == XML_SCHEMA => Ok(Root::Wrapper(bindings)),
        _ => {
            let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
            Err(ParseError::NotAReport { detail: format!("its root element is <{}>, not <feedback>", shown(&name)) })
        }
    }
}

/// The schema of a `<feedback>` found inside the wrapper.
pub(super) fn wrapped_feedback(element: &BytesStart<'_>, wrapper: &Bindings) -> Result<Schema, ParseError> {
    let bindings = Bindings::read(element)?;
    let (_, namespace) = resolve(element, &bindings, wrapper)?;
    schema(namespace.as_deref())
}

/// The element's local name and namespace URI, from its own declarations
/// and then those it inherits.
fn resolve<'e>(
    element: &'e BytesStart<'_>,
    own: &Bindings,
    inherited: &Bindings,
) -> Result<(&'e [u8], Option<String>), ParseError> {
    let (local, prefix) = element.name().decompose();
    let prefix = prefix.map(|p| p.into_inner());
    let uri = own.get(prefix).or_else(|| inherited.get(prefix));
    if prefix.is_some() && uri.is_none() {
        return Err(ParseError::NotAReport {
            detail: "its root element's namespace prefix is not declared".to_owned(),
        });
    }
    Ok((local.into_inner(), uri.filter(|u| !u.is_empty()).map(str::to_owned)))
}

/// The schema a `<feedback>` namespace means, or why it is not a report.
fn schema(namespace: Option<&str>) -> Result<Schema, ParseError> {
    match namespace {
        None | Some(DMARC_DRAFT) => Ok(Schema::Rfc7489),
        Some(DMARC_2) => Ok(Schema::Rfc9990),
        Some(other) => Err(ParseError::NotAReport {
            detail: format!("its <feedback> is in the namespace '{}', which is not DMARC's", shown(other)),
        }),
    }
}

fn malformed(detail: &str) -> ParseError {
    ParseError::Malformed {
        format: "XML",
        detail: format!("the root element's attributes are broken: {}", shown(detail)),
    }
}
