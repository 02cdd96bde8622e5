//! Hard limits on everything a report can make us do. Every one of them is
//! checked while reading, so a hostile file is refused before it costs more
//! than the limit.

/// Bounds on one input file and what it unpacks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file (compressed, or an email), in bytes.
    pub max_input_bytes: u64,
    /// Largest uncompressed report, in bytes.
    pub max_uncompressed_bytes: u64,
    /// Largest ratio of uncompressed to compressed size (a gzip or zip
    /// member that expands by more is a bomb). Checked once the output
    /// passes 1 MiB, so tiny well-compressed files are fine.
    pub max_ratio: u64,
    /// Most members in one zip archive.
    pub max_zip_entries: usize,
    /// Most reports (attachments, zip members, mbox messages) in one input.
    pub max_reports_per_input: usize,
    /// Deepest XML (or JSON) element nesting.
    pub max_depth: usize,
    /// Longest text of any one XML element or attribute, in bytes.
    pub max_text_bytes: usize,
    /// Most records in one aggregate report.
    pub max_records: u64,
    /// Most `<dkim>`/`<spf>` results or `<reason>`s kept per record (more are
    /// counted but dropped).
    pub max_results_per_record: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 64 * 1024 * 1024,
            max_uncompressed_bytes: 1024 * 1024 * 1024,
            max_ratio: 200,
            max_zip_entries: 16,
            max_reports_per_input: 10_000,
            max_depth: 32,
            max_text_bytes: 64 * 1024,
            max_records: 5_000_000,
            max_results_per_record: 16,
        }
    }
}
