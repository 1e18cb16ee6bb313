//! The integration test binary: one module per feature, sharing the CLI harness.

mod harness;
mod render;
mod validate;
