//! Owned by the `manifest` work; see DESIGN.md.
