//! The `install` flags, derived from the questions: `InstallArgs` flattens `Given`, whose clap
//! arguments are built here from `QUESTIONS` (one `--flag VALUE` per question, parsed by the
//! answer's type, so a bad value is a usage error naming the flag and the accepted values).

use clap::{ArgMatches, Args, Command, FromArgMatches};

use super::{Given, QUESTIONS};

impl FromArgMatches for Given {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut given = Given::default();
        given.update_from_arg_matches(m)?;
        Ok(given)
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        for q in QUESTIONS {
            (q.read_matches)(self, m);
        }
        Ok(())
    }
}

impl Args for Given {
    fn augment_args(cmd: Command) -> Command {
        let empty = Given::default();
        QUESTIONS
            .iter()
            .fold(cmd, |cmd, q| cmd.arg(q.clap_arg(&empty)))
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}
