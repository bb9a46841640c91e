//! Every check, with its stable id (never renamed: scripts and `--json` readers depend on
//! them), in report order. `matrixctl doctor --list-checks` prints this table.

use super::check::{CheckDef, Group};
use super::checks::{
    client, config, database, email, federation, nginx, service, system, tls, turn,
};

macro_rules! def {
    ($id:literal, $group:ident, $about:literal, $run:path) => {
        CheckDef {
            id: $id,
            group: Group::$group,
            about: $about,
            run: $run,
            local: false,
        }
    };
    ($id:literal, $group:ident, $about:literal, $run:path, local) => {
        CheckDef {
            local: true,
            ..def!($id, $group, $about, $run)
        }
    };
}

pub fn all() -> Vec<CheckDef> {
    vec![
        def!(
            "system.os",
            System,
            "the operating system is one matrixctl supports",
            system::os
        ),
        def!(
            "system.memory",
            System,
            "at least 1 GB of memory (joining large rooms needs it)",
            system::memory
        ),
        def!(
            "system.disk",
            System,
            "free disk space where the data lives",
            system::disk
        ),
        def!(
            "system.clock",
            System,
            "the clock is synchronised (signatures and certificates depend on it)",
            system::clock
        ),
        def!(
            "config.parse",
            Config,
            "homeserver.yaml loads and validates with the server's own loader",
            config::parse
        ),
        def!(
            "config.unknown_keys",
            Config,
            "no unknown keys; Synapse keys matrixd ignores are named",
            config::unknown_keys
        ),
        def!(
            "config.server_name",
            Config,
            "server_name is a valid server name",
            config::server_name
        ),
        def!(
            "config.public_baseurl",
            Config,
            "public_baseurl is set and https",
            config::public_baseurl
        ),
        def!(
            "config.signing_key",
            Config,
            "the signing key is present, parseable, private and owned by the service user",
            config::signing_key
        ),
        def!(
            "config.registration_secret",
            Config,
            "registration_shared_secret is set (register-user needs it)",
            config::registration_secret
        ),
        def!(
            "config.registration",
            Config,
            "registration is not open without a token",
            config::registration
        ),
        def!(
            "config.database",
            Config,
            "SQLite is not used on a federating or busy server",
            config::database
        ),
        def!(
            "config.url_preview",
            Config,
            "URL previews never fetch loopback or private addresses",
            config::url_preview
        ),
        def!(
            "config.email",
            Config,
            "email has the public_baseurl its links need",
            config::email
        ),
        def!(
            "config.turn",
            Config,
            "TURN is configured completely or not at all",
            config::turn
        ),
        def!(
            "service.enabled",
            Service,
            "matrixd is enabled in the service manager",
            service::enabled
        ),
        def!(
            "service.running",
            Service,
            "matrixd is running",
            service::running
        ),
        def!(
            "service.workers",
            Service,
            "with install --workers: every matrixd process answers /health on its port",
            service::workers
        ),
        def!(
            "service.listeners",
            Service,
            "every configured listener accepts connections",
            service::listeners
        ),
        def!(
            "service.client_versions",
            Service,
            "/_matrix/client/versions answers locally",
            service::client_versions
        ),
        def!(
            "db.reachable",
            Database,
            "the database answers",
            database::reachable
        ),
        def!(
            "db.migrations",
            Database,
            "the database schema is current",
            database::migrations
        ),
        def!(
            "db.encoding",
            Database,
            "PostgreSQL uses encoding UTF8 and collation C",
            database::encoding
        ),
        def!(
            "db.backups",
            Database,
            "with install --backups: the daily backup is scheduled and the newest is under 48 hours old",
            database::backups
        ),
        def!(
            "tls.certificate",
            Tls,
            "the certificate file is readable and holds a certificate",
            tls::certificate
        ),
        def!(
            "tls.key_match",
            Tls,
            "the certificate matches its private key",
            tls::key_match
        ),
        def!(
            "tls.expiry",
            Tls,
            "the certificate is valid and not about to expire",
            tls::expiry
        ),
        def!(
            "tls.names",
            Tls,
            "the certificate covers the public host names",
            tls::names
        ),
        def!(
            "tls.chain",
            Tls,
            "the certificate file is a full chain",
            tls::chain
        ),
        def!(
            "tls.renewal",
            Tls,
            "the ACME certificate renews itself (its timer or daily script)",
            tls::renewal
        ),
        def!(
            "federation.well_known",
            Federation,
            "/.well-known/matrix/server is valid JSON with m.server",
            federation::well_known
        ),
        def!(
            "federation.srv",
            Federation,
            "SRV records (_matrix-fed._tcp, then _matrix._tcp)",
            federation::srv
        ),
        def!(
            "federation.version",
            Federation,
            "the federation endpoint answers as other servers reach it (and not when disabled)",
            federation::version
        ),
        def!(
            "federation.keys",
            Federation,
            "/_matrix/key/v2/server: our server_name, future valid_until_ts, valid self-signature, our key",
            federation::keys
        ),
        def!(
            "federation.queue",
            Federation,
            "our events reach the servers in our rooms (destinations in backoff, events waiting)",
            federation::queue,
            local
        ),
        def!(
            "federation.certificate",
            Federation,
            "the federation certificate chain verifies for the host",
            federation::certificate
        ),
        def!(
            "client.well_known",
            Client,
            "/.well-known/matrix/client is valid JSON with a base_url",
            client::well_known
        ),
        def!(
            "client.cors",
            Client,
            "the client well-known carries Access-Control-Allow-Origin, redirects included",
            client::cors
        ),
        def!(
            "client.base_url",
            Client,
            "its base_url is public_baseurl and answers /_matrix/client/versions",
            client::base_url_check
        ),
        def!(
            "email.smtp",
            Email,
            "the SMTP host resolves and answers EHLO (no mail is sent)",
            email::smtp
        ),
        def!(
            "turn.credentials",
            Turn,
            "/voip/turnServer returns a credential made with turn_shared_secret",
            turn::credentials
        ),
        def!(
            "nginx.config_test",
            Nginx,
            "nginx -t passes",
            nginx::config_test
        ),
        def!(
            "nginx.proxy",
            Nginx,
            "the site forwards /_matrix and /_synapse/client to matrixd",
            nginx::proxy
        ),
        def!(
            "nginx.body_size",
            Nginx,
            "client_max_body_size is at least max_upload_size",
            nginx::body_size
        ),
    ]
}
