//! HTTP: routing, extraction, status codes and the Matrix error body. Handlers are thin: parse,
//! authorise, call a service, map the error.

pub mod admin;
pub mod client;
pub mod error;
pub mod extract;
pub mod federation;
pub mod health;
pub mod media;
pub mod metrics;
pub mod router;
pub mod types;
pub mod well_known;

pub use error::ApiError;
pub use router::app;

#[cfg(test)]
mod layering {
    /// Handlers parse, authorise, call a service and build the response: SQL and the database
    /// are the services' (the handle is private to `crate::service`; this catches the path).
    #[test]
    fn no_api_file_names_the_store() {
        let mut offenders = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/api"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (n, line) in text.lines().enumerate() {
                        let code = line.split("//").next().unwrap_or("");
                        let store = concat!("crate", "::", "store");
                        if code.contains(store) || code.contains(concat!("sq", "lx")) {
                            offenders.push(format!("{}:{}: {line}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "{offenders:#?}");
    }
}
