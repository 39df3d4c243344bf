//! `--report FILE` and `--report-format`, shared by `apply` and `rollback`, and the
//! Markdown summary both append to `GITHUB_STEP_SUMMARY`. One place chooses the format,
//! so the same path gives the same format from either command.

use std::io::Write;
use std::path::{Path, PathBuf};

use flotilla_core::apply::Report;

use super::error::CliError;

/// How the report file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// The JSON document described by schema/report.schema.json.
    Json,
    /// The Markdown table of the step summary.
    Markdown,
}

/// The report flags.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Write the report to FILE, also when nothing changed (Markdown when FILE ends in
    /// `.md`, JSON otherwise, unless `--report-format` says).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The report's format (default: by FILE's extension).
    #[arg(long, value_enum, value_name = "FORMAT", requires = "report")]
    pub report_format: Option<ReportFormat>,
}

impl ReportArgs {
    /// The format `path` is written in.
    fn format_of(&self, path: &Path) -> ReportFormat {
        match self.report_format {
            Some(format) => format,
            None if path.extension().is_some_and(|e| e == "md") => ReportFormat::Markdown,
            None => ReportFormat::Json,
        }
    }

    /// Writes `report` to `--report FILE` (if given) and appends its Markdown to
    /// `GITHUB_STEP_SUMMARY` (if set). `command` (`apply`, `rollback`) and `environment`
    /// head the Markdown, so a summary of several jobs says which did what where.
    pub fn write(
        &self,
        report: &Report,
        command: &str,
        environment: Option<&str>,
    ) -> Result<(), CliError> {
        let title = match environment {
            Some(env) => format!("flotilla {command}: environment `{env}`"),
            None => format!("flotilla {command}"),
        };
        if let Some(path) = &self.report {
            let text = match self.format_of(path) {
                ReportFormat::Markdown => Ok(report.to_markdown_titled(&title)),
                ReportFormat::Json => report.to_json().map_err(std::io::Error::from),
            };
            if let Err(source) = text.and_then(|text| std::fs::write(path, text)) {
                return Err(CliError::WriteReport {
                    path: path.clone(),
                    source,
                });
            }
        }
        if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
            let written = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&summary)
                .and_then(|mut f| f.write_all(report.to_markdown_titled(&title).as_bytes()));
            if let Err(e) = written {
                eprintln!("warning: cannot write GITHUB_STEP_SUMMARY: {e}");
            }
        }
        Ok(())
    }
}
