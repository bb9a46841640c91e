//! The few settings a local tool (register-user) needs from homeserver.yaml: the shared secret
//! and the URL of the client listener. Read with the same rules as the full load, but other
//! keys are not validated, so a tool still works when, say, the signing key is not readable
//! by the user running it.

use std::cell::RefCell;
use std::path::PathBuf;

use super::load::{expand_config_paths, read_merged};
use super::problem::Problems;
use super::reader::Section;
use super::{Secret, check, client_url};

pub struct ClientSettings {
    pub shared_secret: Option<Secret>,
    /// `registration_shared_secret_path` names a file that does not exist yet.
    pub missing_secret_file: Option<PathBuf>,
    pub server_url: String,
}

pub fn registration_settings(paths: &[PathBuf]) -> Result<ClientSettings, Problems> {
    let mut problems = Problems::default();
    let files = expand_config_paths(paths, &mut problems);
    let merged = read_merged(&files, &mut problems);
    if problems.has_errors() {
        return Err(problems);
    }
    let cell = RefCell::new(problems);
    let (secret, listeners) = {
        let mut root = Section::new("", &merged, &cell);
        let secret = check::read_secret(&mut root, "registration_shared_secret");
        let listeners = check::read_listeners(&mut root);
        (secret, listeners)
    };
    let problems = cell.into_inner();
    if problems.has_errors() {
        return Err(problems);
    }
    let (shared_secret, missing_secret_file) = match secret {
        Some(super::SecretSource::Inline(s)) => (Some(s), None),
        Some(super::SecretSource::File { value: Some(s), .. }) => (Some(s), None),
        Some(super::SecretSource::File { path, value: None }) => (None, Some(path)),
        None => (None, None),
    };
    Ok(ClientSettings {
        shared_secret,
        missing_secret_file,
        server_url: client_url(&listeners),
    })
}
