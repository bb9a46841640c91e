//! Step group 2: the service's system user and group, created unless they exist.

use super::{Builder, Ctx, cmd};
use crate::plan::model::Step;

pub fn user(c: &Ctx, b: &mut Builder) {
    let u = &c.d.user;
    let vars = [
        ("user", u.name.as_str()),
        ("group", u.group.as_str()),
        ("home", u.home.as_str()),
        ("shell", u.shell.as_str()),
    ];
    b.steps.push(Step::User {
        name: u.name.clone(),
        group: u.group.clone(),
        home: u.home.clone(),
        create_group: u.create_group.iter().map(|c| cmd(c, &vars)).collect(),
        create_user: u.create_user.iter().map(|c| cmd(c, &vars)).collect(),
    });
}
