//! Step group 0: an installed matrixd package. Its server name (conf.d/server_name.yaml, which
//! the packaged service merges after homeserver.yaml) must be the answer, since it can never
//! change; its user must be the distro data's. The binary and service definition steps use
//! the package's (see `binary` and `service`).

use super::{Builder, Ctx, err};
use crate::facts::package::server_name_of;
use crate::plan::steps::PlanError;

pub fn package(c: &Ctx, b: &mut Builder) -> Result<(), PlanError> {
    let Some(pkg) = &c.facts.packaged else {
        return Ok(());
    };
    if pkg.user != c.d.user.name {
        return Err(err(
            format!(
                "the {} package runs matrixd as {:?}, the distro data says {:?}",
                pkg.format, pkg.user, c.d.user.name
            ),
            "pass the --distro the package was built for",
        ));
    }
    let file = pkg.conf_d.join("server_name.yaml");
    if let Some(name) = b
        .existing
        .read(&file)
        .and_then(|t| server_name_of(&String::from_utf8_lossy(&t)))
        && name != c.a.server_name.to_string()
    {
        return Err(err(
            format!(
                "the installed package serves {name:?} ({}), not {:?}",
                file.display(),
                c.a.server_name
            ),
            format!(
                "server_name can never change: pass --server-name {name}, or purge the package to start over"
            ),
        ));
    }
    b.notes.push(format!(
        "the {} package is installed: its user {}, binary and service are used",
        pkg.format, pkg.user
    ));
    Ok(())
}
