//! All terminal output goes through `Printer`: status lines with cargo-style right-aligned verbs
//! on stderr, data on stdout. It can write to a buffer in tests.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::error::CliError;

#[derive(Clone)]
pub struct Printer {
    quiet: bool,
    sink: Option<Arc<Mutex<Vec<u8>>>>,
}

impl Printer {
    pub fn stderr(quiet: bool) -> Self {
        Printer { quiet, sink: None }
    }

    /// A printer that records everything, for tests.
    pub fn buffer() -> (Self, Arc<Mutex<Vec<u8>>>) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        (
            Printer {
                quiet: false,
                sink: Some(buf.clone()),
            },
            buf,
        )
    }

    fn write_err(&self, s: &str) {
        match &self.sink {
            Some(b) => b
                .lock()
                .expect("printer buffer")
                .extend_from_slice(s.as_bytes()),
            None => {
                let _ = std::io::stderr().write_all(s.as_bytes());
            }
        }
    }

    /// `     Writing /etc/matrixd/homeserver.yaml`
    pub fn status(&self, verb: &str, message: impl std::fmt::Display) {
        if !self.quiet {
            // Right-aligned by display width (a Persian verb's chars are not its columns).
            let verb = verb_text(verb);
            let verb = verb.as_str();
            let indent = " ".repeat(12usize.saturating_sub(crate::i18n::width(verb)));
            self.write_err(&format!("{indent}{verb} {message}\n"));
        }
    }

    /// A plain line on stderr (prompts' companions, notes).
    pub fn note(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            self.write_err(&format!("{message}\n"));
        }
    }

    /// A warning, always shown.
    pub fn warn(&self, message: impl std::fmt::Display) {
        self.write_err(&format!(
            "{}\n",
            crate::tr!("warning-line", message = message)
        ));
    }

    pub fn error(&self, e: &CliError) {
        self.write_err(&e.to_string());
    }

    /// Whether prompts can be shown: stdin and stderr are terminals (never for a buffer).
    pub fn interactive(&self) -> bool {
        use std::io::IsTerminal as _;
        self.sink.is_none() && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }

    /// A progress bar on stderr, drawn only on a terminal and never when quiet or buffered.
    pub fn progress(&self, len: u64) -> indicatif::ProgressBar {
        use std::io::IsTerminal as _;
        if self.quiet || self.sink.is_some() || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(len);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {msg}")
        {
            bar.set_style(style);
        }
        bar
    }

    /// Data for stdout.
    pub fn data(&self, s: impl std::fmt::Display) {
        match &self.sink {
            Some(b) => b
                .lock()
                .expect("printer buffer")
                .extend_from_slice(format!("{s}\n").as_bytes()),
            None => println!("{s}"),
        }
    }
}

/// A status verb (written in English by its caller) in the current language.
fn verb_text(verb: &str) -> String {
    match verb {
        "Adding" => crate::tr!("verb-adding"),
        "Creating" => crate::tr!("verb-creating"),
        "Dropping" => crate::tr!("verb-dropping"),
        "Generating" => crate::tr!("verb-generating"),
        "Installing" => crate::tr!("verb-installing"),
        "Keeping" => crate::tr!("verb-keeping"),
        "Linking" => crate::tr!("verb-linking"),
        "Ready" => crate::tr!("verb-ready"),
        "Refreshing" => crate::tr!("verb-refreshing"),
        "Reloaded" => crate::tr!("verb-reloaded"),
        "Reloading" => crate::tr!("verb-reloading"),
        "Removing" => crate::tr!("verb-removing"),
        "Restarted" => crate::tr!("verb-restarted"),
        "Restarting" => crate::tr!("verb-restarting"),
        "Running" => crate::tr!("verb-running"),
        "Started" => crate::tr!("verb-started"),
        "Starting" => crate::tr!("verb-starting"),
        "Stopped" => crate::tr!("verb-stopped"),
        "Unchanged" => crate::tr!("verb-unchanged"),
        "Updating" => crate::tr!("verb-updating"),
        "Writing" => crate::tr!("verb-writing"),
        "Backing up" => crate::tr!("verb-backing-up"),
        "Detected" => crate::tr!("verb-detected"),
        "Reading" => crate::tr!("verb-reading"),
        "Done" => crate::tr!("verb-done"),
        "Copied" => crate::tr!("verb-copied"),
        "Resuming" => crate::tr!("verb-resuming"),
        "Verified" => crate::tr!("verb-verified"),
        other => other.to_string(),
    }
}
