//! One thing wrong with a manifest, located at a YAML node.

use std::path::PathBuf;
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, SourceSpan};

use super::node::Pos;

/// One problem found in a manifest: what is wrong, where, and how to fix it.
///
/// Problems are collected (never thrown one by one) so a user sees all of them at once.
/// Each is a `miette` diagnostic whose label underlines the exact node.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Problem {
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where: the node the problem is about (line 1, column 1 for whole-file problems).
    pub pos: Pos,
    /// Text under the underline.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Other places that explain the problem (e.g. the first of two duplicate keys).
    pub related: Vec<(Pos, String)>,
    /// The manifest's path (set when problems are attached to a file).
    pub path: PathBuf,
    /// The manifest's text, for rendering snippets.
    pub(crate) src: Option<Arc<NamedSource<String>>>,
}

impl Problem {
    /// A problem at `pos`.
    pub fn new(pos: Pos, message: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            pos,
            label: label.into(),
            help: None,
            related: Vec::new(),
            path: PathBuf::new(),
            src: None,
        }
    }

    /// Adds the fix.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label.
    #[must_use]
    pub fn also(mut self, pos: Pos, label: impl Into<String>) -> Self {
        self.related.push((pos, label.into()));
        self
    }

    /// 1-based line.
    pub fn line(&self) -> usize {
        self.pos.line
    }

    /// 1-based column.
    pub fn column(&self) -> usize {
        self.pos.column
    }

    fn span(pos: Pos) -> SourceSpan {
        SourceSpan::new(pos.offset.into(), pos.len)
    }
}

impl miette::Diagnostic for Problem {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_deref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        // Without source text there is nothing to underline; the message carries the place.
        self.src.as_ref()?;
        let primary =
            LabeledSpan::new_primary_with_span(Some(self.label.clone()), Self::span(self.pos));
        let others = self
            .related
            .iter()
            .map(|(pos, label)| LabeledSpan::new_with_span(Some(label.clone()), Self::span(*pos)));
        Some(Box::new(std::iter::once(primary).chain(others)))
    }
}
