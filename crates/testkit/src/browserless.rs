//! A cookie-keeping, form-filling HTTP client for driving the web app
//! through its real pages without a browser: benchmarks and server tests
//! sign in exactly as a person would, with no back door into the database.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::http::{self, HttpError, Response};

/// One visitor: their cookies, and the pages they fetch.
#[derive(Debug, Clone)]
pub struct Visitor {
    addr: SocketAddr,
    cookies: BTreeMap<String, String>,
    timeout: Duration,
}

impl Visitor {
    /// A visitor with no cookies.
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr, cookies: BTreeMap::new(), timeout: Duration::from_secs(10) }
    }

    /// The value of a cookie the server has set.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// The `Cookie` header this visitor sends.
    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// GET a path, keeping any cookies set.
    pub async fn get(&mut self, path: &str) -> Result<Response, HttpError> {
        let cookie = self.cookie_header();
        let headers: Vec<(&str, &str)> = if cookie.is_empty() { vec![] } else { vec![("Cookie", &cookie)] };
        let r = http::request(self.addr, "GET", path, &headers, "", self.timeout).await?;
        self.remember(&r);
        Ok(r)
    }

    /// POST form fields (URL-encoded) to a path, keeping any cookies set.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Result<Response, HttpError> {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let cookie = self.cookie_header();
        let origin = format!("http://{}", self.addr);
        let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded"), ("Origin", origin.as_str())];
        if !cookie.is_empty() {
            headers.push(("Cookie", &cookie));
        }
        let r = http::request(self.addr, "POST", path, &headers, &body, self.timeout).await?;
        self.remember(&r);
        Ok(r)
    }

    fn remember(&mut self, r: &Response) {
        for (name, value) in &r.headers {
            if name != "set-cookie" {
                continue;
            }
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                let cleared = v.is_empty() || value.to_ascii_lowercase().contains("max-age=0");
                if cleared {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies.insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
    }
}

/// The `value` of the first `<input>` named `name` in `html`.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    html.split("<input").skip(1).map(|tag| tag.split('>').next().unwrap_or_default()).find_map(|tag| {
        if !tag.contains(&needle) {
            return None;
        }
        let start = tag.find("value=\"")? + "value=\"".len();
        let rest = tag.get(start..)?;
        Some(unescape(rest.get(..rest.find('"')?)?))
    })
}

/// The text inside the first element carrying attribute `attr`.
pub fn element_text(html: &str, attr: &str) -> Option<String> {
    let at = html.find(attr)?;
    let after = html.get(at..)?;
    let open_end = after.find('>')? + 1;
    let inner = after.get(open_end..)?;
    Some(unescape(inner.get(..inner.find('<')?)?.trim()))
}

/// Undo the HTML escaping askama applies to text and attribute values.
pub fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hidden_inputs_and_marked_text() {
        let html = r#"<form><input type="hidden" name="csrf" value="a&amp;b"><input name="email" value=""></form>
            <p><code data-secret>ABCD EFGH</code></p>"#;
        assert_eq!(input_value(html, "csrf").as_deref(), Some("a&b"));
        assert_eq!(input_value(html, "email").as_deref(), Some(""));
        assert_eq!(input_value(html, "missing"), None);
        assert_eq!(element_text(html, "data-secret").as_deref(), Some("ABCD EFGH"));
    }
}
