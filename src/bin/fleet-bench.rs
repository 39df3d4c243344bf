//! Benchmark: see issue "fleet-bench".
fn main() {}
