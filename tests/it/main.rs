//! The integration test binary: one module per feature, sharing the CLI harness
//! (`harness.rs`) and the sshd fixture (`sshd.rs`).

mod ag;
mod apply;
mod biztalk_server;
mod cycle;
mod destroy;
mod dr;
mod harness;
mod hosts;
mod output;
mod plan;
mod readme;
mod render;
mod review3;
mod shipped;
mod sim;
mod ssh;
mod sshd;
mod validate;
mod verify;
mod windows;
