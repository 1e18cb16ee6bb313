//! The integration test binary: one module per feature, sharing the fixtures in `sshd.rs`.

mod render;
mod sim;
mod ssh;
mod sshd;
