//! fleet-bench's integration tests, in one binary.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod bench_http;
mod bench_peers;
mod bench_scale;
mod bench_smoke;
