//! sdk-client: Element X's library against a homeserver. Two users, registered with the
//! homeserver's shared secret, log in with matrix-sdk discovering native (simplified) sliding
//! sync, run matrix-sdk-ui's `SyncService`, and chat in an encrypted direct room: A creates it,
//! B accepts the invite from its room list, and each reads the other's messages, all decrypted,
//! in its `Timeline`; B's sync stops and resumes and catches up, and A sees B's read receipt. Exits 0 after "all checks passed"; 1 with what failed; 2 on a usage
//! error. Only wires things together: the steps are in `chat`, registration in `register`.
//!
//! Usage: `sdk-client <homeserver-url> <registration-shared-secret>`; `RUST_LOG` sets the SDK's
//! log filter (default `warn`), printed on stderr.

mod chat;
mod register;

use std::process::ExitCode;
use std::time::Duration;

/// The whole run, however slow the machine: every wait inside has its own, shorter bound.
const OVERALL: Duration = Duration::from_secs(900);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, secret] = args.as_slice() else {
        eprintln!("usage: sdk-client <homeserver-url> <registration-shared-secret>");
        return ExitCode::from(2);
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sdk-client: cannot start a runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        tokio::time::timeout(OVERALL, chat::run(url, secret))
            .await
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the whole run took over {OVERALL:?}")))
    });
    // The SDK's background tasks may still hold requests open; do not wait for them.
    runtime.shutdown_timeout(Duration::from_secs(5));
    match result {
        Ok(()) => {
            println!("sdk-client: all checks passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sdk-client: FAILED: {e:#}");
            println!("sdk-client: FAILED: {e:#}");
            ExitCode::from(1)
        }
    }
}
