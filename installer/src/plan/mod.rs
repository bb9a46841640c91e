//! What will change: typed answers and facts in, an ordered plan out (`build`), printed by
//! `show`. Pure: no writes, no processes, no terminal. `existing` is the only window on the
//! system, read-only.

pub mod build;
pub mod existing;
pub mod model;
pub mod show;
pub mod tls;

pub use build::{Layout, build};
pub use model::Plan;
