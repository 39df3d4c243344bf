//! Owned by the `plan` work; see DESIGN.md.
