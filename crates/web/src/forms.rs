//! Form fields the GOV.UK way: a label, an optional hint, an error message
//! above the input when the answer was not right, and an error summary at
//! the top of the page linking to each field (`templates/_field.html`,
//! `templates/_error_summary.html`).
//!
//! Password fields never carry a value back to the page: after an error the
//! person types it again, and a password never sits in a page's source.

/// What kind of input a field is; decides `type`, `autocomplete` hints and
/// whether a value may be shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Email,
    Password,
    /// A one-time code: digits on a phone keypad, no spell checking.
    Code,
}

/// One input and everything the template shows around it.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The `id` and `name` (the error summary links to `#id`).
    pub id: &'static str,
    pub label: &'static str,
    pub hint: Option<&'static str>,
    kind: Kind,
    /// The `autocomplete` token, so browsers and password managers fill the
    /// right thing (`username`, `current-password`, `new-password`,
    /// `one-time-code`…).
    pub autocomplete: &'static str,
    /// An extra CSS class narrowing the input (codes are short).
    pub width: Option<&'static str>,
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    fn new(kind: Kind, id: &'static str, label: &'static str, autocomplete: &'static str) -> Self {
        Self { id, label, hint: None, kind, autocomplete, width: None, value: String::new(), error: None }
    }

    pub fn text(id: &'static str, label: &'static str, autocomplete: &'static str) -> Self {
        Self::new(Kind::Text, id, label, autocomplete)
    }

    pub fn email(id: &'static str, label: &'static str, autocomplete: &'static str) -> Self {
        Self::new(Kind::Email, id, label, autocomplete)
    }

    pub fn password(id: &'static str, label: &'static str, autocomplete: &'static str) -> Self {
        Self::new(Kind::Password, id, label, autocomplete)
    }

    /// A 6-digit authenticator code.
    pub fn code(id: &'static str, label: &'static str) -> Self {
        Self { width: Some("pc-input--width-10"), ..Self::new(Kind::Code, id, label, "one-time-code") }
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn width(mut self, class: &'static str) -> Self {
        self.width = Some(class);
        self
    }

    /// What the person typed, shown again after an error (never for
    /// passwords).
    pub fn value(mut self, value: &str) -> Self {
        if self.kind != Kind::Password {
            value.clone_into(&mut self.value);
        }
        self
    }

    pub fn error(mut self, error: impl Into<String>) -> Self {
        self.error = Some(error.into());
        self
    }

    /// The input's `type`.
    pub fn input_type(&self) -> &'static str {
        match self.kind {
            Kind::Text | Kind::Code => "text",
            Kind::Email => "email",
            Kind::Password => "password",
        }
    }

    /// The `inputmode` attribute, if any: a numeric keypad for codes.
    pub fn inputmode(&self) -> Option<&'static str> {
        (self.kind == Kind::Code).then_some("numeric")
    }

    /// Spell checking would "correct" addresses and codes.
    pub fn spellcheck_off(&self) -> bool {
        matches!(self.kind, Kind::Email | Kind::Code)
    }

    /// The ids the input's `aria-describedby` names.
    pub fn described_by(&self) -> String {
        let hint = self.hint.map(|_| format!("{}-hint", self.id));
        let error = self.error.as_ref().map(|_| format!("{}-error", self.id));
        hint.into_iter().chain(error).collect::<Vec<_>>().join(" ")
    }
}

/// One option of a [`Choice`].
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: Option<&'static str>,
}

/// A set of radio buttons (GOV.UK "radios"): a fieldset whose legend asks
/// the question. The first radio carries the `id`, so the error summary's
/// link lands on it.
#[derive(Debug, Clone)]
pub(crate) struct Radios {
    pub id: &'static str,
    pub legend: &'static str,
    pub options: Vec<Choice>,
    pub selected: String,
    pub error: Option<String>,
}

impl Radios {
    pub fn new(id: &'static str, legend: &'static str, options: Vec<Choice>) -> Self {
        Self { id, legend, options, selected: String::new(), error: None }
    }

    /// Pre-select the option with this value (ignored if there is none).
    pub fn selected(mut self, value: &str) -> Self {
        if self.options.iter().any(|o| o.value == value) {
            value.clone_into(&mut self.selected);
        }
        self
    }

    /// The `id` of option `index`: the first has the group's own.
    pub fn option_id(&self, index: &usize) -> String {
        if *index == 0 { self.id.to_owned() } else { format!("{}-{index}", self.id) }
    }
}

/// The fields of one form, in page order (text inputs, then radios).
#[derive(Debug, Clone, Default)]
pub(crate) struct Form {
    pub fields: Vec<Field>,
    pub radios: Vec<Radios>,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Self {
        Self { fields, radios: Vec::new() }
    }

    /// The same form with radios after its fields.
    pub fn with_radios(mut self, radios: Radios) -> Self {
        self.radios.push(radios);
        self
    }

    /// Put each (id, message) on the field or radios with that id.
    pub fn set_errors(&mut self, errors: &[(&str, String)]) {
        let find = |id: &str| errors.iter().find(|(e, _)| *e == id).map(|(_, m)| m.clone());
        for field in &mut self.fields {
            field.error = find(field.id);
        }
        for radios in &mut self.radios {
            radios.error = find(radios.id);
        }
    }

    /// Whether any field has an error (the title then starts "Error: ").
    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some()) || self.radios.iter().any(|r| r.error.is_some())
    }

    /// (field id, message) for the error summary, in page order.
    pub fn errors(&self) -> Vec<(&'static str, &str)> {
        let fields = self.fields.iter().filter_map(|f| f.error.as_deref().map(|e| (f.id, e)));
        fields.chain(self.radios.iter().filter_map(|r| r.error.as_deref().map(|e| (r.id, e)))).collect()
    }
}

/// (field id, message) for each required field left blank: `fields` are
/// (id, value sent, what to say when it is blank).
pub fn blank_fields<'a>(fields: &[(&'a str, &str, &str)]) -> Vec<(&'a str, String)> {
    fields.iter().filter(|(_, value, _)| value.trim().is_empty()).map(|(id, _, m)| (*id, (*m).to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_fields_are_those_with_nothing_but_spaces() {
        let errors = blank_fields(&[("a", " ", "Enter a"), ("b", "x", "Enter b"), ("c", "", "Enter c")]);
        assert_eq!(errors, vec![("a", "Enter a".to_owned()), ("c", "Enter c".to_owned())]);
    }

    #[test]
    fn passwords_are_never_filled_back_in() {
        let f = Field::password("password", "Password", "current-password").value("hunter2 hunter2").error("Wrong");
        assert_eq!(f.value, "");
        assert_eq!(f.input_type(), "password");
        let e = Field::email("email", "Email address", "username").value("a@b.example");
        assert_eq!(e.value, "a@b.example");
    }

    #[test]
    fn errors_are_listed_in_page_order_and_described() {
        let form = Form::new(vec![
            Field::email("email", "Email", "username").error("Enter an email address"),
            Field::password("password", "Password", "new-password").hint("12 or more").error("Too short"),
        ]);
        assert!(form.has_errors());
        assert_eq!(form.errors(), vec![("email", "Enter an email address"), ("password", "Too short")]);
        assert_eq!(form.fields[1].described_by(), "password-hint password-error");
        assert_eq!(Field::code("code", "Code").inputmode(), Some("numeric"));
    }
}
