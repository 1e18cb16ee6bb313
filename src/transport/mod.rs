//! Transport: how a step reaches a node. A `Transport` trait with the ssh2 implementation and
//! the simulated one; fan-out across hosts with bounded parallelism. Never prints.
