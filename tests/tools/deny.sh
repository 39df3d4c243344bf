#!/usr/bin/env bash
# Supply-chain checks with cargo-deny (deny.toml): licences, banned and duplicate crates,
# registries; RustSec advisories whenever the advisory database can be fetched.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=0.20.2
if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $version" ]; then
  cargo install --locked --quiet cargo-deny --version "$version"
fi
cargo deny --locked check bans licenses sources
# The database lives on GitHub; machines that reach only the package registries cannot
# fetch it. Say so loudly rather than pretend the check ran.
if cargo deny --locked fetch db >/dev/null 2>&1; then
  cargo deny --locked check advisories
else
  echo "deny.sh: WARNING: the RustSec advisory database is unreachable; advisories NOT checked" >&2
fi
