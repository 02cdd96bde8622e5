//! One module per page (or group of pages about one thing).

pub(crate) mod home;
