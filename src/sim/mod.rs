//! Owned by the `sim` work; see DESIGN.md.
