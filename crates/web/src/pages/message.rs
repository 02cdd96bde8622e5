//! A page that only says something: a link that no longer works, a request
//! received. Words are fixed by the handler, never taken from the request.

use askama::Template;

use crate::layout::Layout;

#[derive(Debug, Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    pub layout: Layout,
    pub title: &'static str,
    pub paragraphs: Vec<&'static str>,
    /// (href, words) of a link onward.
    pub link: Option<(&'static str, &'static str)>,
}
