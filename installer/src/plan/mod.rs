//! What will change: typed answers and facts in, an ordered plan out (`build`, one group of
//! steps per file in `steps/`), printed by `show`; likewise what `uninstall` removes and what
//! `generate-config` writes. Pure: no writes, no processes, no terminal. `existing` is the only
//! window on the system, read-only.

pub mod build;
pub mod existing;
pub mod generate_config;
pub mod layout;
pub mod model;
pub mod show;
pub mod steps;
pub mod tls;
pub mod uninstall;
pub mod workers;

pub use build::build;
pub use layout::Layout;
pub use model::Plan;
pub use steps::PlanError;
pub use steps::service::{
    instance_service, matrixd_service, matrixd_services, nginx_service, service_for,
};
