//! Runs checks: each on its own thread with a time limit. A check that panics or runs out of
//! time becomes `Fail("check crashed: ...")`; the run always goes on.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Once, mpsc};
use std::time::{Duration, Instant};

use super::{Check, CheckDef, Ctx, Outcome};

const THREAD_PREFIX: &str = "doctor-check-";

/// Keeps panics of check threads off the terminal (they are reported as check results);
/// every other panic still reaches the previous hook.
fn quiet_check_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let is_check = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with(THREAD_PREFIX));
            if !is_check {
                previous(info);
            }
        }));
    });
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panicked".to_string()
    }
}

/// Runs `defs` concurrently and returns their results in the same order.
pub fn run_checks(defs: &[CheckDef], ctx: Arc<Ctx>, timeout: Duration) -> Vec<Check> {
    quiet_check_panics();
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    let start = Instant::now();
    for (i, def) in defs.iter().enumerate() {
        let tx_check = tx.clone();
        let ctx = ctx.clone();
        let def = *def;
        let spawned = std::thread::Builder::new()
            .name(format!("{THREAD_PREFIX}{}", def.id))
            .spawn(move || {
                let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| (def.run)(&ctx))) {
                    Ok(o) => o,
                    Err(p) => Outcome::fail(
                        crate::msg!("run-crashed", error = panic_message(p.as_ref())),
                        crate::msg!(
                            "run-crashed-fix",
                            cmd = "matrixctl doctor",
                            verbose = "matrixctl doctor -v"
                        ),
                    ),
                };
                let _ = tx_check.send((i, outcome));
            });
        if let Err(e) = spawned {
            let _ = tx.send((
                i,
                Outcome::fail(
                    crate::msg!("run-no-thread", error = e),
                    crate::msg!("run-no-thread-fix"),
                ),
            ));
        }
    }
    drop(tx);
    let mut results: Vec<Option<Outcome>> = vec![None; defs.len()];
    let deadline = start + timeout;
    while results.iter().any(Option::is_none) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((i, o)) => results[i] = Some(o),
            Err(_) => break,
        }
    }
    defs.iter()
        .zip(results)
        .map(|(def, o)| {
            let o = o.unwrap_or_else(|| {
                Outcome::fail(
                    crate::msg!("run-timeout", n = timeout.as_secs()),
                    crate::msg!(
                        "run-timeout-fix",
                        cmd = format!("matrixctl doctor {}", def.id)
                    ),
                )
            });
            Check::from_outcome(def, o)
        })
        .collect()
}
