//! Owned by the `render` work; see DESIGN.md.
