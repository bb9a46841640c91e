//! Step group 5: the matrixd binary, copied from beside matrixctl (or a note where it is
//! expected when there is none); the package's own when a matrixd package is installed.

use super::{Builder, Ctx};
use crate::plan::model::{Affects, Change, Content, FileStep, Step};

pub fn binary(c: &Ctx, b: &mut Builder) {
    let l = &c.l;
    if let Some(pkg) = &c.facts.packaged {
        b.notes.push(crate::msg!(
            "plan-note-package-binary",
            format = pkg.format,
            path = pkg.bin.display()
        ));
        return;
    }
    match &c.facts.matrixd_source {
        Some(src) if src != &l.bin => {
            let change = if b.existing.same_as(src, &l.bin) {
                Change::Unchanged
            } else if b.existing.exists(&l.bin) {
                Change::Update
            } else {
                Change::Create
            };
            if let Some(parent) = l.bin.parent() {
                b.dir(parent, 0o755, &c.root);
            }
            b.steps.push(Step::File(FileStep {
                path: l.bin.clone(),
                content: Content::Copy(src.clone()),
                mode: 0o755,
                owner: c.root.clone(),
                change,
                create_only: false,
                affects: Affects::Homeserver,
            }));
        }
        _ => b.notes.push(crate::msg!(
            "plan-note-no-binary",
            bin = l.bin.display(),
            matrixd = "matrixd",
            matrixctl = "matrixctl"
        )),
    }
}
