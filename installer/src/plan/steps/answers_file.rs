//! Step group 14: the answers, saved beside the config, so a re-run starts from them.

use super::{Builder, Ctx};
use crate::plan::model::{Affects, Content, FileStep, Step};

pub fn answers_file(c: &Ctx, b: &mut Builder) {
    let text = crate::answers::file::to_toml(&c.a.to_given());
    let change = b.change_for(&c.l.answers, text.as_bytes());
    b.steps.push(Step::File(FileStep {
        path: c.l.answers.clone(),
        content: Content::Data {
            what: "these answers, for re-runs",
            text,
        },
        mode: 0o600,
        owner: c.root.clone(),
        change,
        create_only: false,
        affects: Affects::Nothing,
    }));
}
