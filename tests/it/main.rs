//! The integration tests: one module per feature, sharing the fixtures in `sshd.rs`.

mod sim;
mod ssh;
mod sshd;
