//! Owned by the `artifact` work; see DESIGN.md.
