//! Owned by the `apply` work; see DESIGN.md.
