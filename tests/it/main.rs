//! The integration test binary: one module per feature, sharing the CLI harness and the
//! sshd fixture.

mod harness;
mod render;
mod ssh;
mod sshd;
mod validate;
