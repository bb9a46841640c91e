//! Step group 1: the distro packages the answers need (nginx, PostgreSQL, coturn), installed
//! only where missing.

use super::{Builder, Ctx};
use crate::plan::model::{Cmd, Step};

pub fn packages(c: &Ctx, b: &mut Builder) {
    let d = c.d;
    let mut names = Vec::new();
    let mut purposes = Vec::new();
    if c.nginx {
        names.extend(d.packages.nginx.iter().cloned());
        purposes.push("nginx");
    }
    if c.postgres {
        names.extend(d.packages.postgresql.iter().cloned());
        purposes.push("PostgreSQL");
    }
    if c.coturn {
        names.extend(d.packages.coturn.iter().cloned());
        purposes.push("coturn");
    }
    if names.is_empty() {
        return;
    }
    let env: Vec<(String, String)> = d
        .packages
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let with_env = |argv: Vec<String>| Cmd {
        argv,
        env: env.clone(),
        user: None,
    };
    let mut install = d.packages.install.clone();
    install.extend(names.iter().cloned());
    b.steps.push(Step::Packages {
        purpose: purposes.join(", "),
        names: names.clone(),
        refresh: (!d.packages.refresh.is_empty()).then(|| with_env(d.packages.refresh.clone())),
        install: with_env(install),
        is_installed: Cmd::new(d.packages.is_installed.clone()),
        installed_stdout: d.packages.installed_stdout.clone(),
    });
}
