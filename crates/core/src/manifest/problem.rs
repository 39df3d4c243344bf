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
    /// What the snippet is rendered from (see [`Problem::attach`]).
    pub(crate) excerpt: Option<Arc<Snippet>>,
}

/// Lines longer than this many bytes are shown as a window around the problem: the
/// renderer cannot place an underline past column 65,535, and a 100,000-character line
/// printed once per problem on it would be megabytes of output.
const MAX_SNIPPET_LINE: usize = 240;
/// Bytes of context kept on each side of the problem in a window.
const WINDOW_CONTEXT: usize = 60;
/// Bytes of the underlined node kept in a window.
const WINDOW_NODE: usize = 100;
/// Bytes of the node kept for a problem past [`REPEATS_SHOWN`] on one line.
const REPEAT_NODE: usize = 20;
/// Problems on one line shown with their context; later ones show only their node.
pub(crate) const REPEATS_SHOWN: usize = 5;

/// What a problem's snippet is read from: the manifest's text, or for a line too long
/// to print whole, a window of that line.
#[derive(Debug)]
enum SnippetText {
    Whole(Arc<NamedSource<String>>),
    Window {
        name: String,
        text: String,
        /// 0-based line of the window in the file.
        line: usize,
    },
}

/// The source a problem's snippet is rendered from. It reports the problem's column in
/// characters (as the JSON output and editors count), where miette would count bytes.
#[derive(Debug)]
pub(crate) struct Snippet {
    text: SnippetText,
    /// 0-based column of the problem in the file (characters).
    column: usize,
    /// The underlined node, in `text`'s offsets.
    primary: SourceSpan,
}

impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let (inner, name, line_base) = match &self.text {
            SnippetText::Whole(src) => {
                let inner = src.read_span(span, before, after)?;
                (inner, src.name().to_owned(), 0)
            }
            SnippetText::Window { name, text, line } => {
                (text.read_span(span, before, after)?, name.clone(), *line)
            }
        };
        // miette reads the header's line and column from a read of the primary span
        // without context.
        let column = if *span == self.primary && before == 0 && after == 0 {
            self.column
        } else {
            inner.column()
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            name,
            inner.data(),
            *inner.span(),
            line_base + inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

/// Characters of a quoted value kept in a message.
const MAX_QUOTED: usize = 80;

/// `text` with each `` `quoted` `` value longer than [`MAX_QUOTED`] characters cut
/// short: a message names the value, the snippet shows where it is, and a 100,000
/// character value quoted whole would make a 100 KB message.
fn shorten_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1024));
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let quoted = i % 2 == 1;
        let count = part.chars().count();
        if quoted && count > MAX_QUOTED {
            out.extend(part.chars().take(MAX_QUOTED));
            out.push_str(&format!("… ({count} characters)"));
        } else if !quoted && count > 4 * MAX_QUOTED {
            // Unquoted text is ours, except a value quoted without backticks.
            out.extend(part.chars().take(4 * MAX_QUOTED));
            out.push('…');
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Problem {
    /// A problem at `pos`.
    pub fn new(pos: Pos, message: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            message: shorten_quotes(&message.into()),
            pos,
            label: shorten_quotes(&label.into()),
            help: None,
            related: Vec::new(),
            path: PathBuf::new(),
            src: None,
            excerpt: None,
        }
    }

    /// Adds the fix.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(shorten_quotes(&help.into()));
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

    /// Attaches the manifest's text; a problem on a line longer than
    /// [`MAX_SNIPPET_LINE`] bytes gets a window of that line instead.
    ///
    /// `repeat`: so many problems came before on this line that this one shows only
    /// its node (a line is not reprinted hundreds of times).
    pub(crate) fn attach(&mut self, src: &Arc<NamedSource<String>>, repeat: bool) {
        self.src = Some(Arc::clone(src));
        self.excerpt = None;
        let text = src.inner().as_str();
        let offset = floor_boundary(text, self.pos.offset);
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let column = self.pos.column.saturating_sub(1);
        let (context, node) = if repeat {
            (0, REPEAT_NODE)
        } else {
            (WINDOW_CONTEXT, WINDOW_NODE)
        };
        if end - start <= MAX_SNIPPET_LINE && !repeat {
            self.excerpt = Some(Arc::new(Snippet {
                text: SnippetText::Whole(Arc::clone(src)),
                column,
                primary: Self::span(self.pos),
            }));
            return;
        }
        let from = floor_boundary(text, offset.saturating_sub(context).max(start));
        let node_end = floor_boundary(text, (offset + self.pos.len.min(node)).min(end));
        let to = floor_boundary(text, (node_end + context).min(end));
        let lead = if from > start { "…" } else { "" };
        let tail = if to < end { "…" } else { "" };
        self.excerpt = Some(Arc::new(Snippet {
            text: SnippetText::Window {
                name: src.name().to_owned(),
                text: format!("{lead}{}{tail}", &text[from..to]),
                line: self.pos.line.saturating_sub(1),
            },
            column,
            primary: SourceSpan::new((lead.len() + offset - from).into(), node_end - offset),
        }));
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
        if let Some(excerpt) = &self.excerpt {
            return Some(excerpt.as_ref() as &dyn miette::SourceCode);
        }
        self.src.as_deref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if let Some(Snippet {
            text: SnippetText::Window { .. },
            primary,
            ..
        }) = self.excerpt.as_deref()
        {
            // A window holds only the problem's own line.
            return Some(Box::new(std::iter::once(
                LabeledSpan::new_primary_with_span(Some(self.label.clone()), *primary),
            )));
        }
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
