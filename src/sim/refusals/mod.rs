//! The simulator refuses what Windows refuses, Windows side (docs/windows-behaviour.md): one
//! test per precondition, each breaking one fact of the world (`sim/env.rs`, the disks'
//! partitions) and showing the refusal with Windows's message, then the healthy path.

mod biztalk_server;
mod windows_ad;
mod windows_disk;
mod windows_host;
mod windows_script;
