//! CLI errors: what failed, why (the cause chain), and what to type next; and the exit codes
//! shared by every subcommand (0 ok, 1 actionable failure, 2 usage or internal, 130 interrupted).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Failure,
    Usage,
    Interrupted,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        std::process::ExitCode::from(match s {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Interrupted => 130,
        })
    }
}

#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub causes: Vec<String>,
    pub hint: Option<String>,
    pub exit: ExitStatus,
}

impl CliError {
    /// A failure the user can act on (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            causes: Vec::new(),
            hint: None,
            exit: ExitStatus::Failure,
        }
    }
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            exit: ExitStatus::Usage,
            ..Self::failure(message)
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn cause(mut self, cause: impl fmt::Display) -> Self {
        self.causes.push(cause.to_string());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", crate::tr!("error-line", message = self.message))?;
        for c in &self.causes {
            for line in c.lines() {
                writeln!(f, "  {}", crate::tr!("error-cause", cause = line))?;
            }
        }
        if let Some(h) = &self.hint {
            writeln!(f, "{}", crate::tr!("error-hint", hint = h))?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}
