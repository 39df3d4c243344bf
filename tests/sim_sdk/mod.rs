//! The HTTP door of `flotilla sim`, driven by the real `aws-sdk-lambda` client: state
//! transitions, 409/412/429 with the error types the SDK exposes, every fault kind,
//! versions and aliases, tags and concurrency. One test binary, split by concern.

mod alarms;
mod around_async;
mod code_signing;
mod faults;
mod function_url;
mod harness;
mod invoke;
mod layers;
mod lifecycle;
mod policy;
mod provisioned;
mod resources;
mod triggers;
mod wire_shapes;
