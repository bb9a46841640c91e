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
            crate::tr!(
                "plan-err-package-user",
                format = pkg.format,
                user = pkg.user,
                expected = c.d.user.name
            ),
            crate::tr!("plan-err-package-user-hint", flag = "--distro"),
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
            crate::tr!(
                "plan-err-package-name",
                name = name,
                path = file.display(),
                answer = c.a.server_name
            ),
            crate::tr!(
                "plan-err-package-name-hint",
                flag = format!("--server-name {name}")
            ),
        ));
    }
    b.notes.push(crate::msg!(
        "plan-note-package",
        format = pkg.format,
        user = pkg.user
    ));
    Ok(())
}
