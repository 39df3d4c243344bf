# syntax=docker/dockerfile:1
# The flotilla image for GitLab CI, Buildkite and any runner that takes an image:
#   docker build -t flotilla .
#   docker run --rm -v "$PWD:/work" -e AWS_REGION flotilla plan
# The binary is the static musl build (built on Alpine, where musl is the native libc);
# the final stage is Alpine with a shell (CI runners start jobs through one), git (for
# `plan --changed-since`) and CA certificates (the AWS SDK trusts the system's roots).

ARG RUST_VERSION=1.95.0
ARG ALPINE_VERSION=3.22

FROM rust:${RUST_VERSION}-alpine${ALPINE_VERSION} AS build
# musl-dev: the C runtime aws-lc-sys and zlib-rs link; git: build.rs records the commit.
# Unpinned on purpose (DL3018): Alpine drops old package versions from its mirrors, so a
# pinned version breaks the build within weeks; the base image's tag pins the release.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev git
# The image's own toolchain, so rust-toolchain.toml's rustfmt and clippy (not needed to
# build) are not downloaded.
ARG RUST_VERSION
ENV RUSTUP_TOOLCHAIN=${RUST_VERSION}
WORKDIR /src
COPY . .
# The release profile (Cargo.toml): stripped, fat LTO. FLOTILLA_BUILD_COMMIT names the
# commit when the build context has no .git (`--build-arg FLOTILLA_BUILD_COMMIT=$(git rev-parse HEAD)`).
ARG FLOTILLA_BUILD_COMMIT=""
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    FLOTILLA_BUILD_COMMIT="${FLOTILLA_BUILD_COMMIT}" \
    cargo build --release --locked --bin flotilla \
    && cp target/release/flotilla /usr/local/bin/flotilla

FROM alpine:${ALPINE_VERSION}
# hadolint ignore=DL3018
RUN apk add --no-cache ca-certificates git \
    && adduser -D -u 10001 -h /home/flotilla flotilla
COPY --from=build /usr/local/bin/flotilla /usr/local/bin/flotilla
USER 10001:10001
WORKDIR /work
# GitLab CI runs a job's script through the image's shell: set `entrypoint: [""]` there.
ENTRYPOINT ["flotilla"]
CMD ["--help"]
