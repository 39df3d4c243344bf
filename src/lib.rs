//! The `flotilla` command line's library half: where the engine (`flotilla_core`) meets
//! the AWS SDK and the emulator (`flotilla_sim`). The binary's argument parsing and
//! reports live in `src/cli/`.
#![deny(missing_docs)]

pub mod connect;
pub mod local;
