//! Read-only calls that turn the live fleet into `LiveState`.
