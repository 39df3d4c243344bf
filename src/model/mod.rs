//! Owned by the `model` work; see DESIGN.md.
