//! The room directory: aliases and the public room list.

pub mod aliases;
pub mod public_rooms;
