//! Planning: answers + facts + what exists → the ordered steps. Pure: it reads existing files
//! through `Existing` and draws new secrets from the generator it is given; it never writes,
//! spawns or prints. Each group of steps is one function in `steps/`; this is their order.

use crate::answers::Answers;
use crate::facts::Facts;
use crate::plan::existing::Existing;
use crate::plan::model::Plan;
use crate::plan::steps::{self, Builder, Ctx, PlanError};

/// Builds the plan. `new_secret` makes new secrets (random in real runs, predictable in tests).
pub fn build(
    a: &Answers,
    facts: &Facts,
    existing: &dyn Existing,
    new_secret: &mut dyn FnMut() -> String,
) -> Result<Plan, PlanError> {
    let c = Ctx::new(a, facts);
    let mut b = Builder::new(existing, new_secret);
    steps::adopt::check(&c)?;
    steps::workers::check(&c)?;

    steps::package::package(&c, &mut b)?;
    steps::packages::packages(&c, &mut b);
    steps::user::user(&c, &mut b);
    steps::postgres::postgres(&c, &mut b);
    steps::dirs::dirs(&c, &mut b);
    steps::binary::binary(&c, &mut b);
    // --adopt: the existing homeserver.yaml, its key and secrets stand; none is written.
    let secrets = match c.adopted {
        None => steps::secrets::secrets(&c, &mut b),
        Some(_) => None,
    };
    let tls = steps::tls::tls(&c, &mut b)?;
    let turn = steps::turn::turn(&c, &mut b)?;
    match c.adopted {
        None => steps::config::config(&c, &mut b, secrets.as_ref(), &tls, turn.as_ref())?,
        Some(_) => steps::adopt::keep(&c, &mut b)?,
    }
    steps::workers::files(&c, &mut b)?;
    if c.nginx {
        steps::well_known::well_known(&c, &mut b)?;
        steps::nginx::nginx(&c, &mut b, &tls)?;
    }
    steps::acme::files(&c, &mut b, &tls)?;
    steps::backup::files(&c, &mut b)?;
    if c.coturn {
        steps::coturn::coturn(&c, &mut b, turn.as_ref())?;
    }
    steps::service::definition(&c, &mut b)?;
    steps::workers::retire(&c, &mut b);
    steps::answers_file::answers_file(&c, &mut b);
    steps::service::start(&c, &mut b);
    steps::acme::obtain(&c, &mut b, &tls);
    steps::backup::enable(&c, &mut b);
    steps::health::health(&c, &mut b, &tls);

    Ok(b.finish(c.l))
}
