//! Output forms of a [`ManifestError`]: a miette report, JSON, GitHub annotations.

use serde::Serialize;

use super::ManifestError;

/// One problem as data (for `--format json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagnosticRecord {
    /// The manifest's path as given.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl ManifestError {
    /// Every problem as a record.
    pub fn records(&self) -> Vec<DiagnosticRecord> {
        self.problems()
            .iter()
            .map(|p| DiagnosticRecord {
                path: p.path.display().to_string(),
                line: p.line(),
                column: p.column(),
                message: p.message.clone(),
                help: p.help.clone(),
            })
            .collect()
    }

    /// The full report with underlined snippets, as the terminal shows it.
    pub fn render_text(&self, color: bool) -> String {
        self.render_text_width(color, 100)
    }

    /// [`ManifestError::render_text`] wrapped at `width` columns.
    pub fn render_text_width(&self, color: bool, width: usize) -> String {
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        // Lines break between words only: a pattern like `[a-zA-Z0-9_]+`, an ARN or a
        // path stays whole (longer than the width, it overflows rather than splits).
        let handler = miette::GraphicalReportHandler::new_themed(theme)
            .with_width(width)
            .with_break_words(false)
            .with_word_separator(textwrap::WordSeparator::AsciiSpace)
            .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
        let mut out = String::new();
        if handler.render_report(&mut out, self).is_err() {
            out = self.to_string();
        }
        out
    }

    /// GitHub Actions workflow commands, one `::error` line per problem.
    pub fn render_github(&self) -> String {
        fn escape_data(s: &str) -> String {
            s.replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A")
        }
        fn escape_property(s: &str) -> String {
            escape_data(s).replace(':', "%3A").replace(',', "%2C")
        }
        self.records()
            .iter()
            .map(|r| {
                let message = match &r.help {
                    Some(h) => format!("{} (help: {h})", r.message),
                    None => r.message.clone(),
                };
                format!(
                    "::error file={},line={},col={}::{}\n",
                    escape_property(&r.path),
                    r.line,
                    r.column,
                    escape_data(&message)
                )
            })
            .collect()
    }
}
