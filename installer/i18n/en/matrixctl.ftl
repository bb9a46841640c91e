# matrixctl's English messages: the reference catalogue. Every id here must exist in
# fa/matrixctl.ftl with the same placeholders (tests in src/i18n/tests.rs). Technical fragments
# (paths, commands, flags, URLs, user ids, config keys) are placeholders, never text: in Persian
# they are then isolated (FSI … PDI) and keep their order.

## Errors: the frame (src/error.rs)

error-line = error: { $message }
error-cause = Caused by: { $cause }
error-hint = hint: { $hint }

## Status verbs (right-aligned, cargo-style)

verb-detected = Detected
verb-reading = Reading
verb-unchanged = Unchanged
verb-done = Done

## install (src/commands/install.rs)

install-intro = { $cmd } — nothing is changed until you confirm.
install-detected = { $os } → { $file }
install-reading-earlier = { $path } (the earlier install's answers are the defaults)
install-plan-dry-run = Plan (dry run: nothing is changed):
install-plan = Plan:
install-cancelled = Cancelled; nothing was changed.
install-answers-saved = Answers saved to { $path }. Repeat with:
install-unchanged = the installation already matches these answers; nothing was changed
install-changes = { $n } change(s)
install-next = Next: { $register }     Status: { $status }     Undo: { $undo }
install-adopt-doctor = The adopted config, checked ({ $cmd } --offline):
install-adopt-doctor-failed = the adopted server has problems (above); fix them, then run { $cmd } again
install-into-root = Installed into { $path } (nothing was started: { $root } skips activation).
install-done-nothing = nothing
install-already-done = already done: { $done }
err-missing-answer = missing answer: { $key } (no terminal to ask on, or { $yes } given)
hint-missing-answer = pass { $flag }, or set { $key } in the { $opt } file
err-cannot-ask = cannot ask the install questions
hint-cannot-ask = answer with flags or { $answers }, and { $yes }
err-root = { $root }
err-earlier-answers = the answers of the earlier install cannot be read
hint-fix-or-remove = fix or remove { $path }
err-read-answers = invalid answers file { $path }
hint-answers-keys = keys are the flags' names with { $sep } ({ $example })
err-server-name-changed = this machine already serves { $name }; the server name can never change
hint-server-name-changed = keep { $keep }, or `{ $purge }` first to start over
err-no-confirmation = refusing to change the system without confirmation (no terminal to ask on)
hint-no-confirmation = review the plan with { $dry_run }, then pass { $yes }
err-cannot-confirm = cannot ask for confirmation
err-cannot-save = cannot save { $path }
err-install-needs-root = installing needs root (packages, a system user, { $etc })
hint-install-needs-root = run it with { $sudo }, or pass { $root } to install into a directory tree
err-install-stopped = install stopped: cannot { $step }
hint-install-resume = fix the cause, then resume with `{ $cmd }` (finished steps are detected and skipped)

## The wizard (src/wizard/prompt.rs)

wizard-apply = Apply this plan?
wizard-proceed = Proceed
wizard-change = Change answers
wizard-cancel = Cancel

## Install questions (src/answers/mod.rs): q-KEY-prompt, q-KEY-explain

q-server-name-prompt = Server name (the part after ':' in @alice:example.org)
q-server-name-explain = The server name becomes the part after ':' in every user id (@alice:example.org) and can never change.
q-database-prompt = Database
q-database-explain = SQLite needs nothing else; PostgreSQL is installed here if absent and scales further.
q-proxy-prompt = Reverse proxy
q-proxy-explain = nginx terminates TLS on 443 (and 8448 for federation) and forwards /_matrix to matrixd.
q-tls-prompt = TLS certificate
q-tls-explain = acme: Let's Encrypt (or another ACME CA) issues it and it renews itself, which needs this host's name in DNS and port 80 open (443 without nginx, where matrixd obtains it itself); self-signed: generated here; existing: your full-chain certificate and key; direct: matrixd itself listens with TLS on 8448; none: plain HTTP (testing only).
q-tls-cert-prompt = Certificate file (full chain, PEM)
q-tls-key-prompt = Private key file (PEM)
q-public-baseurl-prompt = Public client URL
q-public-baseurl-explain = The URL clients use to reach this server.
q-federation-prompt = Federate with other Matrix servers?
q-well-known-prompt = Serve /.well-known/matrix/client and /server from this host?
q-registration-prompt = Registration
q-registration-explain = closed: only admins create users (matrixctl register-user); token: sign-up needs a registration token; open: anyone may sign up.
q-report-stats-prompt = Report anonymous usage statistics?
q-smtp-host-prompt = SMTP server for email notifications (empty: none)
q-smtp-port-prompt = SMTP port
q-smtp-user-prompt = SMTP user (empty: none)
q-smtp-pass-file-prompt = File holding the SMTP password (empty: none)
q-notif-from-prompt = Sender of notification emails
q-smtp-require-tls-prompt = Require TLS (STARTTLS) to the SMTP server?
q-install-coturn-prompt = Install coturn here for voice and video calls?
q-turn-uris-prompt = TURN URIs, comma-separated (empty: none)
q-turn-secret-file-prompt = File holding the TURN shared secret
q-url-preview-prompt = Generate URL previews? (the server fetches links posted in rooms)
q-backups-prompt = Directory for daily backups (empty: none)
q-backups-keep-prompt = How many daily backups to keep
q-adopt-prompt = Adopt the existing homeserver.yaml as it is?

## doctor: group headings and what each check looks at (src/doctor/check.rs, registry.rs)

group-system = System
group-config = Configuration
group-service = Service
group-db = Database
group-tls = TLS
group-federation = Federation
group-client = Client discovery
group-email = Email
group-turn = TURN
group-nginx = nginx

check-system-os = the operating system is one matrixctl supports
check-system-memory = at least 1 GB of memory (joining large rooms needs it)
check-system-disk = free disk space where the data lives
check-system-clock = the clock is synchronised (signatures and certificates depend on it)
check-config-parse = homeserver.yaml loads and validates with the server's own loader
check-config-unknown-keys = no unknown keys; Synapse keys matrixd ignores are named
check-config-server-name = server_name is a valid server name
check-config-public-baseurl = public_baseurl is set and https
check-config-signing-key = the signing key is present, parseable, private and owned by the service user
check-config-registration-secret = registration_shared_secret is set (register-user needs it)
check-config-registration = registration is not open without a token
check-config-database = SQLite is not used on a federating or busy server
check-config-url-preview = URL previews never fetch loopback or private addresses
check-config-email = email has the public_baseurl its links need
check-config-turn = TURN is configured completely or not at all
check-service-enabled = matrixd is enabled in the service manager
check-service-running = matrixd is running
check-service-listeners = every configured listener accepts connections
check-service-client-versions = /_matrix/client/versions answers locally
check-db-reachable = the database answers
check-db-migrations = the database schema is current
check-db-encoding = PostgreSQL uses encoding UTF8 and collation C
check-db-backups = with install --backups: the daily backup is scheduled and the newest is under 48 hours old
check-tls-certificate = the certificate file is readable and holds a certificate
check-tls-key-match = the certificate matches its private key
check-tls-expiry = the certificate is valid and not about to expire
check-tls-renewal = the ACME certificate renews itself (its timer or daily script)
check-tls-names = the certificate covers the public host names
check-tls-chain = the certificate file is a full chain
check-federation-well-known = /.well-known/matrix/server is valid JSON with m.server
check-federation-srv = SRV records (_matrix-fed._tcp, then _matrix._tcp)
check-federation-version = the federation endpoint answers as other servers reach it (and not when disabled)
check-federation-keys = /_matrix/key/v2/server: our server_name, future valid_until_ts, valid self-signature, our key
check-federation-queue = our events reach the servers in our rooms (destinations in backoff, events waiting)
check-federation-certificate = the federation certificate chain verifies for the host
check-client-well-known = /.well-known/matrix/client is valid JSON with a base_url
check-client-cors = the client well-known carries Access-Control-Allow-Origin, redirects included
check-client-base-url = its base_url is public_baseurl and answers /_matrix/client/versions
check-email-smtp = the SMTP host resolves and answers EHLO (no mail is sent)
check-turn-credentials = /voip/turnServer returns a credential made with turn_shared_secret
check-nginx-config-test = nginx -t passes
check-nginx-proxy = the site forwards /_matrix and /_synapse/client to matrixd
check-nginx-body-size = client_max_body_size is at least max_upload_size

## Command-line help (src/cli.rs): about-COMMAND, help-COMMAND-FLAG; the English text is the
## doc comment clap derives it from (a test compares them)

help-default = {" "}[default: { $value }]
about = Install, run and look after a Matrix homeserver
help-quiet = Print only errors
help-lang = Language of messages (en, fa) [default: from LC_ALL, LC_MESSAGES or LANG]
about-generate-config = Write homeserver.yaml, its signing key and log config (Synapse's --generate-config)
help-generate-config-server-name = The domain in your users' ids (@alice:NAME). It can never change later
help-generate-config-config-path = Where to write homeserver.yaml. The signing key and log config go beside it
help-generate-config-report-stats = Whether to report anonymous usage statistics (yes or no). Required, as in Synapse
help-generate-config-data-directory = Where the database, media and logs live [default: the current directory]
help-generate-config-keys-directory = Where the signing key and log config go [default: beside the config file]
help-generate-config-public-baseurl = The URL clients reach the server at (enables /.well-known/matrix/client)
help-generate-config-http-port = Port of the http listener
help-generate-config-open-private-ports = Listen on all interfaces instead of loopback only (Synapse's --open-private-ports)
about-register-user = Register a user with the shared secret (drop-in for Synapse's register_new_matrix_user)
help-register-user-user = Local part of the new user. Will prompt if omitted
help-register-user-password = New password for user. Will prompt for a password if this flag and --password-file are not set. Passing a password on the command line is not recommended: use --password-file
help-register-user-password-file = File containing the new password for user (its first line). '-' reads standard input
help-register-user-user-type = User type as specified in synapse.api.constants.UserTypes (support, bot)
help-register-user-admin = Register new user as an admin. Will prompt if --no-admin is not set either
help-register-user-no-admin = Register new user as a regular user. Will prompt if --admin is not set either
help-register-user-shared-secret = Shared secret as defined in the server config file (not recommended on the command line)
help-register-user-config = Path to the server config file containing the shared secret (and the listener to use)
help-register-user-exists-ok = Do not fail if the user already exists
help-register-user-server-url = URL to use to talk to the homeserver. By default, the first client listener in the config file, else http://localhost:8008
about-install = Turn this machine into a running homeserver behind TLS, in one guided command
help-install-dry-run = Print the plan and change nothing
help-install-yes = Do not ask for confirmation (and never prompt: a missing answer is an error)
help-install-answers = Read answers from this TOML file (keys as in the saved answers file; unknown keys are errors)
help-install-root = Install into this directory tree instead of / (for tests and image builders); nothing is started
help-install-distro = Use this OS family's data instead of detecting it (debian, fedora, opensuse, arch, alpine, freebsd, openbsd)
help-install-server-name = The part after ':' in every user id (@alice:NAME). It can never change later
help-install-database = The database (PostgreSQL is installed and set up here if absent)
help-install-proxy = The reverse proxy in front of matrixd
help-install-tls = Where the TLS certificate comes from
help-install-tls-cert = Full-chain certificate (PEM) for --tls existing
help-install-tls-key = Its private key (PEM) for --tls existing
help-install-public-baseurl = The URL clients reach the server at
help-install-federation = Talk to other Matrix servers
help-install-well-known = Serve /.well-known/matrix/client and /server, with CORS, from this host
help-install-registration = Who may create accounts
help-install-report-stats = Report anonymous usage statistics (required, as in Synapse)
help-install-smtp-host = SMTP server for notification emails
help-install-smtp-port = SMTP port
help-install-smtp-user = SMTP user name
help-install-smtp-pass-file = File whose first line is the SMTP password
help-install-notif-from = Sender of notification emails, e.g. "Matrix <noreply@example.org>"
help-install-smtp-require-tls = Require STARTTLS to the SMTP server
help-install-install-coturn = Install coturn here with use-auth-secret and a generated shared secret
help-install-turn-uris = A TURN URI for voice and video calls (repeatable)
help-install-turn-secret-file = File holding the TURN server's shared secret (use-auth-secret)
help-install-backups = Back the server up once a day into this directory (created 0700 root), with matrixctl backup
help-install-backups-keep = How many daily backups to keep in --backups DIR (older ones are removed)
help-install-workers = How many matrixd processes serve the server, 1 to 16 (default 1; more need PostgreSQL and nginx, which spreads clients over them)
help-install-adopt = Adopt the existing homeserver.yaml (import-synapse's): its server name, database, public URL, registration and listeners are the answers, and it, its signing key and its secrets are never rewritten
help-install-url-preview = Generate URL previews (private ranges are never fetched)
about-start = Start the installed homeserver through the service manager
help-start-distro = Use this OS family's data instead of detecting it
about-stop = Stop the installed homeserver
help-stop-distro = Use this OS family's data instead of detecting it
about-restart = Restart the installed homeserver
help-restart-distro = Use this OS family's data instead of detecting it
about-status = Whether the homeserver runs, and where its config, data and logs are
help-status-distro = Use this OS family's data instead of detecting it
about-uninstall = Remove the service and the packages install added; keep data, keys and config unless --purge
help-uninstall-purge = Also delete the config, keys, secrets, data (database, media) and logs. Asks first
help-uninstall-yes = Do not ask for confirmation
help-uninstall-distro = Use this OS family's data instead of detecting it
about-doctor = Find what is wrong with an installation and say how to fix it (read-only)
help-doctor-checks = Checks to run, by id (config.parse) or group (system, config, service, db, tls, federation, client, email, turn, nginx) [default: all]
help-doctor-config = The homeserver.yaml to check (repeatable, files or directories) [default: the installed one]
help-doctor-json = Print the report as JSON (versioned schema) on stdout
help-doctor-verbose = Show every check's details
help-doctor-offline = Skip the checks that need the network (federation, client discovery, email, TURN)
help-doctor-list-checks = List every check's id, group and purpose, and exit
help-doctor-strict = Treat warnings as failures (exit 1)
help-doctor-distro = Use this OS family's data instead of detecting it
help-doctor-access-token-file = A file holding an access token, for turn.credentials (secrets are never taken on argv)
help-doctor-dns = Ask this DNS server (ADDR:PORT) instead of the system's
help-doctor-connect-to = Connect to ADDR:PORT2 whenever HOST:PORT is meant (TLS and Host still say HOST), like curl
help-doctor-ca-file = Trust only the CA certificates in this PEM file
help-doctor-nginx-site = The nginx site to inspect instead of the distro's
help-doctor-nginx-conf = The nginx main config for `nginx -t`
help-doctor-json-texts = With --json, also every check's texts as message ids and arguments (for doctor as the service user)
help-doctor-timeout = Seconds each check may take

## Printer (src/ui/mod.rs)

warning-line = warning: { $message }

## doctor: findings (src/doctor/checks/*.rs)

db-connected-as-suffix = {" "}(connected as OS user { $user })
db-as-os-user-prefix = as OS user { $user }:{" "}

## doctor: the report (src/doctor/report.rs)

doctor-fix = fix: { $fix }
doctor-tally = { $problems }, { $warnings }, { $skipped }, { $ok }.
doctor-tally-problems =
    { $n ->
        [one] { $n } problem
       *[other] { $n } problems
    }
doctor-tally-warnings =
    { $n ->
        [one] { $n } warning
       *[other] { $n } warnings
    }
doctor-tally-skipped = { $n } skipped
doctor-tally-ok = { $n } ok
doctor-tally-more = {"  "}Details: { $verbose }   Machines: { $json }

## More status verbs (src/ui/mod.rs)

verb-adding = Adding
verb-creating = Creating
verb-dropping = Dropping
verb-generating = Generating
verb-installing = Installing
verb-keeping = Keeping
verb-linking = Linking
verb-ready = Ready
verb-refreshing = Refreshing
verb-reloaded = Reloaded
verb-reloading = Reloading
verb-removing = Removing
verb-restarted = Restarted
verb-restarting = Restarting
verb-running = Running
verb-started = Started
verb-starting = Starting
verb-stopped = Stopped
verb-updating = Updating
verb-backing-up = Backing up
verb-writing = Writing

## The plan (src/plan/show.rs, src/plan/steps/*.rs)

plan-verb-create = create
plan-verb-update = update
plan-verb-keep = keep
plan-verb-unchanged = unchanged
plan-verb-install = install
plan-verb-user = user
plan-verb-run = run
plan-verb-service = service
plan-verb-remove = remove
plan-verb-wait = wait
plan-packages = packages for { $purpose }: { $names }
plan-packages-detail = only those not installed yet
plan-user-detail = system user, home { $home }, unless it exists
plan-unless-exists = unless { $path } exists
plan-unless-it-exists = unless it exists:{" "}
plan-directory = directory { $mode }
plan-signing-key-keep = exists; a signing key is never overwritten
plan-signing-key-new = new { $kind } signing key, { $mode } (never overwritten)
plan-secret-keep = exists; a secret is never overwritten
plan-secret-new = new random secret, { $mode } (never overwritten)
plan-from-template = from { $template }, { $mode }
plan-copy-of = copy of { $src }, { $mode }
plan-data = { $what }, { $mode }
plan-data-answers = these answers, for re-runs
plan-data-adopted = adopted as it is (--adopt: never rewritten)
plan-cert-keep = exist, valid for more than { $days } days; a re-run makes them again when fewer remain
plan-cert-renew = self-signed certificate for { $names } made again: fewer than { $days } days left (the old pair is kept as a backup)
plan-cert-new = self-signed certificate for { $names } ({ $tool })
plan-cert-key = its private key, { $mode }
plan-symlink = symlink to { $target }
plan-include = `{ $line }` inside the { $block } block (old file kept as a backup)
plan-service-start = start unless running
plan-service-reload = enable and start; reload if its files changed
plan-service-restart = enable and start; restart only if its files changed
plan-direct-spawn = (where no service manager runs: { $cmd } starts it as { $user }, output to { $log })
plan-direct = (where no service manager runs: { $cmd })
plan-append = { $what } added at the end
plan-remove-tree = and everything in it
plan-wait = answers (connecting to { $connect })
plan-note = note: { $note }
plan-pg-init = initialise the PostgreSQL cluster
plan-pg-role = create PostgreSQL role { $role }
plan-pg-db = create database { $db } ({ $encoding }, { $collation } collation, from { $template }) owned by { $role }
plan-note-no-binary = { $matrixd } is expected at { $bin } (no { $matrixd } binary next to { $matrixctl })
plan-note-open-registration = registration is open without verification: anyone can create accounts on this server

## Execution: the step a failure names (src/exec/apply.rs)

step-packages = install packages { $names }
step-user = create user { $name }
step-dir = create directory { $path }
step-file = write { $path }
step-self-signed = generate a self-signed certificate { $path }
step-symlink = link { $path }
step-include = add an include to { $path }
step-service = start { $name }
step-wait = wait for { $url }
step-append = add { $what } to { $path }
step-remove = remove { $path }

## register-user (src/commands/register_user.rs); prompts as in Synapse's register_new_matrix_user

err-reg-no-terminal = { $what } was not given and there is no terminal to ask on
hint-pass = pass { $flag }
err-read-terminal = could not read from the terminal
err-reg-password-stdin = cannot read the password from standard input
err-reg-password-file = cannot read { $flag }
err-reg-config-or-secret = either { $config } or { $secret } must be given
err-reg-read-secret = cannot read the shared secret from { $paths }
err-reg-no-secret = no { $key } is defined in { $paths }
hint-reg-secret-file-missing = { $key } names { $path }, which does not exist yet: start the server once and it creates it
hint-reg-add-secret = add { $line } to { $file } ({ $cmd } writes one), restart the server, or pass { $flag }
reg-prompt-user = New user localpart
reg-what-user = the user name
err-reg-invalid-user = Invalid user name
hint-reg-localpart = pass a localpart such as { $example }
reg-prompt-password = Password
reg-prompt-confirm = Confirm password
reg-password-mismatch = Passwords do not match
reg-what-password = the password
reg-password-flags = { $file } (or { $p })
err-reg-blank-password = Password cannot be blank.
reg-prompt-admin = Make admin
reg-no = no
reg-yes = yes
reg-what-admin = whether the user is an admin
reg-admin-flags = { $admin } or { $no_admin }
reg-sending = Sending registration request...
reg-success = Success! Registered { $user }
reg-exists-ok = User { $user } already exists, skipping ({ $flag }).
hint-reg-user-in-use = choose another name, or pass { $flag } to accept an existing user
hint-reg-invalid-username = user names may contain only { $letters } and { $symbols }
hint-reg-secret-mismatch = the shared secret does not match the server's { $key } (is the server using this config?)
hint-reg-not-enabled = set { $key } in the server's { $file } and restart it
hint-reg-see-log = see the server's log for details
err-reg-received = ERROR! Received { $status }: { $message }
reg-errcode = errcode { $errcode }
err-runtime = cannot start the async runtime
err-http-client = cannot create an HTTP client
err-reg-unreachable = cannot reach { $url }
hint-reg-unreachable = is the server running? Start it with `{ $cmd }`, or pass its URL as the last argument
err-reg-no-nonce = ERROR! { $url } answered { $status } without a nonce
hint-reg-no-nonce = is this a Matrix homeserver with shared-secret registration (matrixd or Synapse)?

## start, stop, restart, status (src/commands/service.rs)

err-service-needs-root = controlling the service needs root
hint-sudo = run it with { $sudo }
err-not-installed = no homeserver installed here ({ $path } does not exist)
hint-install-one = install one with `{ $cmd }`
status-via = via { $manager }
status-pid = pid { $pid }, started by { $cmd } (no service manager running)
status-no-manager = no service manager running
status-running = running
status-stopped = stopped
status-url = url
status-config = config
status-data = data
status-data-postgres = { $path } (database: { $db })
status-logs = logs
status-logs-journal = { $path } (and { $cmd })
status-logs-two = { $path } and { $out }
err-cannot-stop = cannot stop { $name }
status-was-not-running = { $name } was not running
err-cannot-start = cannot start { $name }
hint-see = see { $path }
status-already-running = { $name } (already running)

## uninstall (src/commands/uninstall.rs)

err-cannot-step = cannot { $step }
err-no-install-found = no { $cmd } install found here ({ $path } does not exist)
hint-uninstall-recorded = uninstall removes only what `{ $cmd }` recorded
err-uninstall-needs-root = uninstalling needs root
uninstall-purge-question = Delete { $config }, { $data } and { $logs } (keys, secrets, database, media) for good?
err-purge-unconfirmed = { $flag } deletes the keys and data and must be confirmed
hint-purge-yes = pass { $flag } to confirm without a terminal
uninstall-cancelled = Cancelled; nothing was removed.
uninstall-nginx-not-reloaded = nginx was not reloaded: { $error }
uninstall-removing-packages = packages { $names } (`{ $cmd }`)
err-remove-packages = cannot remove the packages install added
uninstall-dropping = PostgreSQL database { $db } and role { $role }
uninstall-system-user = system user { $name }
uninstall-purged = Purged: the server, its keys and its data are gone.
uninstall-kept-postgres = , the PostgreSQL database { $db }
uninstall-kept = Kept: config and keys in { $config }, data in { $data }, logs in { $logs }{ $postgres }. `{ $install }` brings the server back; `{ $purge }` deletes them.

## OS detection and doctor's command line (src/facts/mod.rs, src/commands/doctor.rs)

err-unknown-distro = { $flag } is not a known OS family
hint-use-one-of = use one of: { $names }
err-unsupported-os = unsupported operating system: { $os }
err-unsupported-os-detected = detected { $seen }; no { $files } matches
hint-unsupported-os = if it is close to a supported family, pass { $flag } (one of: { $names })
hint-did-you-mean-check = did you mean `{ $check }`? `{ $cmd }` lists every check
hint-list-checks = `{ $cmd }` lists every check
err-unknown-check = unknown check { $name }

## generate-config (src/commands/generate_config.rs)

err-cannot-resolve = cannot resolve { $path }
err-cannot-read = cannot read { $path }
hint-gc-permission = run as a user that may write there (for { $etc }, use { $sudo })
hint-gc-writable = check the path exists and is writable
err-gc-server-name = { $name } is not a valid server name
hint-gc-server-name = use the domain your users' ids will end with, e.g. { $example } (a host name, IPv4 address or { $forms }, optionally { $port })
err-gc-baseurl = { $flag } is not an http(s) URL
hint-gc-baseurl = for example { $example }
hint-gc-write = check the path exists and is writable by this user (for { $etc }, use { $sudo })
gc-next = Next: start the server with `{ $cmd }`, then create a user with
err-gc-unreadable = { $path } exists but cannot be read
hint-gc-unreadable = fix it by hand (`{ $cmd }` shows where), or move it away to generate a new one

## Validation of answers (src/answers/values.rs)

val-not-one-of = { $value } is not one of { $names }
val-server-name = { $value } is not a valid server name: use a DNS name ({ $example }), an IPv4 address or { $ipv6 }, optionally with { $port }
val-baseurl-path = { $value } has a path; the client URL must be the site root, e.g. { $example }
val-baseurl = { $value } is not an http(s) URL, e.g. { $example }
val-email-from = { $value } has no email address, e.g. { $example }
val-turn-uri = { $value } is not a TURN URI, e.g. { $example }
val-abs-path = { $value } is not an absolute path
val-port = { $value } is not a port number ({ $range })
val-count = { $value } is not a whole number of at least 1

## doctor: system (src/doctor/checks/system.rs)

sys-os-override = { $os }, using the { $family } data ({ $flag })
sys-os-family = { $os } ({ $family } family)
sys-os-unsupported = { $os } is not a supported operating system
sys-os-unsupported-fix = pass { $flag } if it is close to one of: { $names }
sys-memory = { $gib } GiB of memory
sys-memory-low = only { $gib } GiB of memory
sys-memory-low-fix = give the machine at least 1 GB of memory: joining large rooms needs it
sys-memory-unknown = cannot tell how much memory this machine has
sys-disk-free = { $size } free on { $path }
sys-disk-full-fix = free disk space there now: the database and media store cannot grow
sys-disk-low-fix = free disk space there, or move the data directory to a larger disk
sys-disk-no-dir = skipped (no data directory known: the configuration did not load)
sys-disk-error = cannot measure free space on { $path }: { $error }
sys-disk-error-fix = check the path exists and is readable
sys-clock-unsynced = the clock is not synchronised
sys-clock-unsynced-fix = enable time synchronisation ({ $cmd }, or { $alt }): other servers reject signatures from a wrong clock
sys-clock-ok = synchronised (estimated error { $ms } ms)
sys-clock-error = cannot ask the kernel about the clock: { $error }
sys-clock-other-os = cannot tell on this OS; check ntpd or chronyd runs

## doctor: configuration (src/doctor/checks/config.rs); shared wording first

skip-no-parse = skipped (the configuration does not parse: see { $check })
doc-does-not-exist = { $path } does not exist
doc-cannot-inspect = cannot inspect { $path }: { $error }
doc-run-as-root = run doctor as { $user }
doc-not-readable = { $path } is not readable by this user
doc-run-as-root-sudo = run doctor as { $user } ({ $cmd })
doc-cannot-read = cannot read { $path }: { $error }
doc-check-file = check the file
cfg-no-config = no { $file } found (the OS is not one { $cmd } knows, so its config path is unknown)
cfg-no-config-fix = pass the config: { $cmd }
cfg-parse-warnings =
    { $n ->
        [one] { $paths } ({ $n } warning(s), see { $check })
       *[other] { $paths } ({ $n } warning(s), see { $check })
    }
cfg-did-not-load = the configuration did not load
cfg-more-errors = {" "}(and { $n_more } more error(s))
cfg-parse-fix = fix the errors listed by: { $cmd }
cfg-remove-key = remove the key
cfg-unknown-keys = unknown key(s): { $keys }
cfg-ignored-keys = { $n } Synapse setting(s) matrixd ignores: { $keys }
cfg-ignored-keys-fix = they have no effect on matrixd yet; remove them or keep them for a later version
cfg-keys-ok = every key is one matrixd reads
cfg-unset = { $key } is not set
cfg-server-name-fix = set { $key } to the domain in your users' ids, e.g. { $example }
cfg-server-name-forms = use a DNS name ({ $example }), an IPv4 address or { $ipv6 }, optionally with { $port }
cfg-not-string = { $key } is not a string
cfg-quote-it = quote it: { $example }
cfg-baseurl-unset = { $key } is not set: { $path } is not served and clients must be told the URL
cfg-baseurl-unset-fix = set { $example } (the URL clients reach)
cfg-set = set { $example }
cfg-add = add { $line }
cfg-not-url = { $value } is not a URL
cfg-loopback-only = { $url } (loopback only)
cfg-not-https = { $url } is not https: web clients on https pages cannot use it and passwords travel in clear
cfg-not-https-fix = put TLS in front ({ $cmd } sets up nginx and a certificate) and use an { $scheme } { $key }
cfg-skip-no-key-path = skipped (no { $key }: the configuration did not load)
cfg-key-missing-fix = restore it from a backup; only if it was never used, create one with { $cmd }
cfg-key-bad-fix = restore the key from a backup: a new key makes other servers distrust your old events
cfg-key-readable-all = { $path } is readable by every user (mode { $mode })
cfg-key-readable-group = { $path } is readable by its group (mode { $mode })
cfg-key-owner = { $path } is owned by uid { $uid }, not by the service user { $user }
cfg-key-ok-owner = { $key } in { $path } (mode { $mode }, owner { $user })
cfg-key-ok = { $key } in { $path } (mode { $mode })
cfg-reg-secret-unset = { $key } is not set: { $cmd } cannot create users
cfg-reg-secret-unset-fix = add { $line } (matrixd creates the file)
cfg-file-empty = { $path } is empty
cfg-not-yet = { $path } does not exist yet
cfg-start-once = start matrixd once: it creates the file
cfg-set-from = set (from { $path })
cfg-set-inline = set
cfg-reg-closed = closed (accounts are created with { $cmd })
cfg-reg-token = open with a registration token
cfg-reg-open = registration is open without a token: anyone can create accounts (and spam from them)
cfg-reg-open-fix = set { $line } in { $file }, then restart matrixd
cfg-db-postgres = PostgreSQL
cfg-db-sqlite-fix = plan the move to PostgreSQL ({ $key }): SQLite serialises every write; `{ $cmd }` sets PostgreSQL up
cfg-db-sqlite-federation = SQLite on a server with federation enabled: large federated rooms will be slow
cfg-db-sqlite-users = SQLite with { $n } users
cfg-db-sqlite-ok = SQLite ({ $path }), no federation
cfg-preview-off = URL previews are off
cfg-preview-ok = enabled; { $n } ranges blocked, loopback and private ones included
cfg-preview-open = URL previews are enabled but the blacklist lets the server fetch { $ranges }
cfg-preview-open-fix = add { $ranges } to { $key } ({ $cmd } writes the full list)
cfg-email-off = email is not configured
cfg-email-ok = links in emails point at { $url }
cfg-email-no-baseurl = email is configured but { $key } is not: password-reset and verification links need it
cfg-turn-off = TURN is not configured
cfg-turn-no-uris = TURN credentials are set but { $key } is empty: clients are never told where the TURN server is
cfg-turn-secret-file-fix = put coturn's { $key } in that file
cfg-turn-ok-secret = { $n } URI(s), shared secret set
cfg-turn-ok-static = { $n } URI(s), static credentials
cfg-turn-half-static = only one of { $user } and { $password } is set
cfg-turn-half-static-fix = set both, or better, use { $key } (coturn's { $option })
cfg-turn-no-secret = { $uris } is set but there is no { $key } (or { $alt }): calls cannot relay
cfg-turn-no-secret-fix = set { $key } to a file holding coturn's { $option }

## doctor: TLS (src/doctor/checks/tls.rs)

skip-not-loaded = skipped (the configuration did not load: see { $check })
tls-point-at-cert = point the setting at the certificate file (PEM)
tls-not-pem = { $path } is not PEM: { $error }
tls-use-pem = use the PEM certificate file ({ $marker })
tls-no-cert = { $path } holds no certificate
tls-none = no certificate configured (no { $key }, no { $directive })
tls-unparsable = { $path }: a certificate cannot be parsed: { $error }
tls-unparsable-fix = replace the file with a valid PEM certificate
tls-cert-ok = { $path } ({ $user }): { $subject }, issued by { $issuer }
tls-no-key = { $path } has no private key configured
tls-no-key-fix = set the key file next to the certificate ({ $keys })
tls-point-at-key = point the setting at the private key (PEM)
tls-key-not-pem = { $path } holds no PEM private key: { $error }
tls-use-pem-key = use the PEM private key file
tls-key-type = { $path }: unsupported key type
tls-key-type-fix = use an RSA, ECDSA or Ed25519 key
tls-key-match = { $key } matches { $path }
tls-key-mismatch = { $key } does not belong to the certificate in { $path }
tls-key-mismatch-fix = use the key the certificate was issued for (certbot: { $file } from the same { $dir } directory)
tls-not-yet-valid = { $path } is not valid before { $date }
tls-not-yet-valid-fix = check the clock, or use a certificate valid now
tls-expired = { $path } expired on { $date }
tls-expired-fix = renew it ({ $cmd }), then reload nginx / restart matrixd
tls-expires-soon = { $path } expires in { $n } day(s), on { $date }
tls-matrixd-acme-fix = matrixd renews it itself (its acme section): its log says why it has not (the lines starting "acme:"); { $cmd } tries again at once
tls-expires-soon-fix = renew it now ({ $cmd }) and check the renewal timer runs
tls-valid-for = { $path } valid for { $n } more days
tls-names-not-public = { $path } is for { $names }, not for { $host } ({ $key })
tls-names-not-public-fix = get a certificate that names { $host } ({ $cmd })
tls-names-not-server = { $path } does not name { $host } ({ $key }): its well-known must be served with another certificate
tls-names-not-server-fix = add { $host } to the certificate ({ $cmd }) unless another server serves { $url }
tls-names-ok = { $path } names { $names }
tls-self-signed = { $path } is self-signed: other servers and clients will not trust it
tls-self-signed-fix = get a certificate from a public CA: { $cmd }
tls-no-chain = { $path } holds only the certificate for { $subject }, not its chain ({ $cert } instead of { $fullchain })
tls-no-chain-fix = use the full chain: append the intermediate certificate(s) issued by { $issuer } (certbot: { $fullchain })
tls-chain-order = { $path }: { $subject } is issued by { $issuer }, but the next certificate is { $next }
tls-chain-order-fix = put the certificates in order: the server's first, then each issuer
tls-chain-ok = { $path }: full chain of { $n } certificates

## doctor: running the checks (src/doctor/runner.rs, src/doctor/mod.rs)

run-crashed = check crashed: { $error }
run-crashed-fix = this is a bug in { $cmd }; please report it with `{ $verbose }` output
run-no-thread = check crashed: cannot start a thread: { $error }
run-no-thread-fix = free some memory and run doctor again
run-timeout = check crashed: no answer within { $n } s
run-timeout-fix = something it waits for hangs (a firewall dropping packets, a stuck service); run it alone with -v: { $cmd }
skip-offline = skipped ({ $flag })

## doctor: federation (src/doctor/checks/federation.rs)

fed-srv-cname = { $record } is a CNAME (to { $alias }), which SRV lookups must not be
fed-srv-target-cname = { $record } points at { $target }, which is a CNAME (to { $alias }): SRV targets must be hosts with A/AAAA records
fed-srv-lookup = looking up { $record }: { $error }
fed-direct = { $key } has an IP address or a port, so other servers connect to it directly
fed-wk-bad-json = { $url } is { $error }
fed-wk-no-server = { $url } has no { $key } string
fed-wk-bad-server = { $url }: { $value } is not a valid { $form }
fed-wk-direct = the well-known names an IP address or a port
fed-skip-disabled = skipped (federation is disabled)
fed-not-used-prefix = not used (
fed-wk-not-served = not served ({ $why }): no delegation, other servers look for SRV records, then { $fallback }
fed-wk-invalid-fix = serve { $json } as JSON there, or remove the file
fed-unreachable = { $url } unreachable: { $error }
fed-wk-unreachable-fix = serve it over https on { $addr } to delegate federation (or rely on SRV / port { $port })
fed-srv-none = no SRV records for { $host }: other servers use port { $port }
fed-srv-legacy = only the deprecated { $record }
fed-srv-legacy-fix = add the same record as { $record } (newer servers look for it first)
fed-srv-error-fix = fix the DNS records (an SRV target must be a host with A/AAAA records, not a CNAME)
fed-version-ok = { $url } answers ({ $server })
fed-version-no-version = { $url } answered { $status } without a server version
fed-version-no-version-fix = make sure that port reaches matrixd's federation listener ({ $key }), not another web server
fed-open-port-listener = open { $port } in the firewall and check the federation listener runs
fed-disabled-answers = federation is disabled but { $url } answers ({ $server })
fed-disabled-answers-fix = remove `{ $resource }` from every listener's resources (and stop forwarding it), or enable federation on purpose
fed-disabled-ok = federation is disabled and { $endpoint } does not answer it
fed-answered = { $url } answered { $status }
fed-keys-path-fix = check that path reaches matrixd
fed-open-port = open { $port } in the firewall
fed-keys-restart-fix = restart matrixd; if it persists, the answering server is not this matrixd
fed-keys-not-json = the key document is not JSON: { $error }
fed-keys-other-server = the key document is for { $name }, not for { $ours }
fed-keys-other-server-fix = this { $addr } reaches another server: fix the well-known/SRV delegation or the proxy
fed-keys-expired = { $key } is in the past: other servers will not accept these keys
fed-keys-expired-fix = check the clock ({ $check }) and restart matrixd
fed-keys-none = the key document has no ed25519 key
fed-keys-not-canonical = the key document is not canonical JSON: { $error }
fed-keys-not-base64 = { $id } is not base64
fed-keys-length = { $id } is { $n } bytes, not 32
fed-keys-bad-signature = the self-signature by { $id } does not verify: { $error }
fed-keys-other-key = { $id } is published with another public key than the local signing key
fed-keys-other-key-fix = the answering matrixd uses another key file: check { $key } and restart matrixd
fed-keys-unpublished = the local key { $id } is not published (published: { $published })
fed-keys-unpublished-fix = restart matrixd so it publishes the key in { $key }
fed-keys-ok = { $n } ed25519 key(s) for { $server }, self-signed, valid{" "}
fed-keys-days = { $n } more day(s)
fed-keys-hours = { $n } more hour(s)
fed-keys-ok-local = , the local key among them
fed-cert-ok = the certificate at { $endpoint } verifies for { $host }
fed-cert-bad = the certificate at { $endpoint } does not verify for { $host }: { $error }
fed-cert-bad-fix = serve a certificate for { $host } from a public CA with its full chain (certbot's { $file })
fed-queue-none = no federation queue to read (no database, or none yet)
fed-queue-error = the federation queue could not be read: { $error }
fed-queue-error-fix = see the database checks above
fed-queue-down-one = { $server } ({ $failures } failed in a row, { $events } events waiting, next try in { $minutes } min)
fed-queue-ok = { $servers } servers receive our events; { $events } events waiting to be sent
fed-queue-down = { $down } of { $servers } servers cannot be reached:{" "}
fed-queue-down-fix = delivery resumes by itself when they answer, contact us, or matrixd restarts; if one stays down, check it from here: { $cmd }

## doctor: service (src/doctor/checks/service.rs)

svc-skip-unknown-os = skipped (unknown OS: no service manager data)
svc-not-installed = no matrixd service installed ({ $path } does not exist)
svc-manager-not-running = { $path } is installed but { $manager } is not running here
svc-installed = { $path } installed ({ $manager })
svc-state = { $unit } is { $state }
svc-not-enabled = { $unit } is not enabled: it will not start at boot
svc-not-enabled-state = { $unit } is { $state }: it will not start at boot
svc-cannot-run = cannot run { $cmd }
svc-running = { $name } is running ({ $how })
svc-not-running = { $name } is not running
svc-start-fix = { $start }   (then { $status } for its log)
svc-running-pid = { $name } is running (pid { $pid } from { $path })
svc-stale-pid = { $name } is not running (stale { $path })
svc-no-pid = { $name } is not running (no { $path })
svc-cannot-tell = cannot tell: no service manager and no { $key }
svc-no-listeners = no listeners configured
svc-no-listeners-fix = add an http listener on port { $port } with resources { $resources }
svc-listener-on = { $label } on { $addrs }
svc-listening = listening on { $listeners }
svc-nothing-accepts = nothing accepts connections on{" "}
svc-nothing-accepts-fix = start matrixd ({ $start }); if it runs, another program may hold the port: { $cmd }
svc-no-client-listener = no listener serves the client API
svc-versions-ok = { $url } answers ({ $n } spec versions)
svc-versions-none = { $url } answered without a versions list
svc-port-is-matrixd = check that port belongs to matrixd
svc-port-is-matrixd-log = check that port belongs to matrixd; see its log
svc-versions-unreachable-fix = start matrixd ({ $start }) and see its log ({ $status })

## doctor: client discovery (src/doctor/checks/client.rs)

cli-wk-unreachable-fix = serve it over https ({ $cmd }) so clients find the server from the user id
cli-wk-404 = { $url } is not served ({ $status }): users must type the server URL by hand
cli-wk-404-fix = serve { $json } there with CORS ({ $cmd } does)
cli-wk-status-fix = serve the file with status { $status }
cli-wk-json-fix = serve valid JSON: { $json }
cli-wk-no-base = { $url } has no { $key }
cli-serve = serve { $json }
cli-wk-redirects = {" "}(after { $n } redirect(s))
cli-skip-no-wk = skipped (no usable client well-known: see { $check })
cli-cors-redirect = the redirect at { $url } ({ $status }) has no { $header }: browsers stop there
cli-cors-after-redirect = { $url } (reached through a redirect) has no { $header }
cli-cors-missing = { $url } has no { $header }: web clients cannot read it
cli-cors-redirect-fix = serve the file directly on the server name, or add `{ $line }` to the redirect too
cli-cors-fix = add `{ $line }` to the location serving it
cli-cors-every-redirect = {" "}(on every redirect too)
cli-base-no-answer = { $url } does not answer: { $why }
cli-base-no-answer-fix = make { $key } the URL your reverse proxy serves { $path } on ({ $public }), and check the proxy forwards { $path }
cli-base-differs = { $base } answers but differs from { $public }
cli-base-differs-fix = make the well-known's { $key } and { $public } the same URL
cli-base-ok = { $base } answers { $path }

## doctor: nginx (src/doctor/checks/nginx.rs)

ngx-no-site-why = no matrixd nginx site (matrixd serves clients directly, or another proxy is used)
ngx-no-site = no matrixd nginx site
ngx-not-installed = { $path } exists but nginx is not installed
ngx-not-installed-fix = install nginx ({ $cmd }), or remove the site
ngx-cannot-run = cannot run { $cmd }: { $error }
ngx-check-install = check the nginx installation
ngx-t-ok = { $cmd }: the configuration is valid
ngx-t-root-fix = run doctor as { $user } ({ $cmd } reads the keys)
ngx-t-fix = fix the line nginx names, then: { $cmd }
ngx-t-fails = { $cmd } fails: { $error }
ngx-no-forward = { $path } does not forward { $prefix } to matrixd
ngx-no-forward-fix = add: { $line }
ngx-no-synapse-client = { $prefix } is not forwarded (password reset and SSO pages)
ngx-uri-part = { $pass } has a URI part: nginx rewrites paths and federation signatures break
ngx-wrong-port = { $pass } goes to port { $port }, where no matrixd listener is configured
ngx-forward-both-fix = forward both with: { $line }
ngx-size-unset = not set (nginx's default { $default })
ngx-size-unlimited = { $value } (unlimited)
ngx-size-bad = { $value } is not a size
ngx-size-bad-fix = use a size such as { $example }
ngx-size-is = is{" "}
ngx-size-small = {" "}but { $key } is { $max }: larger uploads fail with { $status }
ngx-size-small-fix = set { $line } in { $path }, then { $cmd }

## doctor: email and TURN (src/doctor/checks/email.rs, turn.rs)

mail-note-smtp-only = matrixd does not send email yet; this checks the SMTP server only
mail-no-smtp = { $target } does not answer SMTP: { $error }
mail-no-smtp-fix = check { $host } and { $port }, and that the firewall lets this machine reach it
mail-no-starttls = { $target } answers EHLO but offers no STARTTLS, and { $key } is true
mail-no-starttls-fix = enable STARTTLS on the SMTP server, or use its TLS port with { $key }
mail-ehlo = { $target } answers EHLO
mail-ehlo-starttls = { $target } answers EHLO (STARTTLS offered)
turn-token-file = cannot read { $flag }: { $error }
turn-token-file-fix = pass a file holding an access token
turn-start-fix = start matrixd ({ $cmd })
turn-not-served = TURN is configured but matrixd does not serve { $path } yet: clients get no TURN server
turn-not-served-fix = calls between users behind NAT fail until matrixd supports it; the TURN settings are kept for then
turn-needs-login = needs a logged-in user: pass { $flag } (a file holding an access token)
turn-see-log = see matrixd's log
turn-no-credential = { $path } returned no credential although TURN is configured
turn-no-credential-fix = check { $key } and restart matrixd
turn-secret-unreadable = cannot read the TURN secret: { $error }
turn-secret-unreadable-fix = fix { $key }
turn-skip-half = skipped (TURN is half-configured: see { $check })
turn-ok = the credential for { $user } matches { $key }
turn-mismatch = the credential for { $user } does not match { $key }: coturn will reject it
turn-mismatch-fix = make { $key } equal to coturn's { $option }, then restart matrixd

## doctor: database (src/doctor/checks/database.rs)

db-reachable-ok = { $version } ({ $db })
db-describe-sqlite = SQLite { $path }
db-describe-pg = PostgreSQL { $target }
db-describe-pg-socket = PostgreSQL { $user }@(local socket)/{ $dbname }
db-default-user = (user)
db-default-dbname = (database)
db-in-memory = the database is { $value } (nothing to inspect)
db-sqlite-missing = { $path } does not exist (matrixd creates it on first start)
db-connect-timeout = no answer within the connect timeout
db-cannot-open = cannot open { $db }: { $error }
db-cannot-open-fix = check PostgreSQL runs ({ $cmd }) and the role, password and database in { $key }
db-sqlite-open-fix = start matrixd once to create it, or fix { $key }; run doctor as the service user or root
db-peer-root-fix = PostgreSQL admits role { $role } over the local socket only to the OS user it maps to (peer/ident authentication), and the doctor could not run as that user: run it as the service user: { $cmd }
db-peer-fix = PostgreSQL admits role { $role } over the local socket only to the OS user it maps to (peer/ident authentication): run the doctor as root ({ $sudo }) or as the service user ({ $cmd })
db-no-schema = the database has no schema yet
db-no-schema-fix = start matrixd: it creates the schema at start-up
db-skip-schema = skipped (cannot read the schema version: { $error })
db-migration-failed = migration { $v } failed half-way
db-migration-failed-fix = see matrixd's log for the error, fix it, then restart matrixd
db-pending = { $n } migration(s) pending
db-pending-fix = { $cmd }   (migrations run at start-up)
db-newer = the database has { $n } migration(s) this matrixctl does not know: it is older than the server
db-newer-fix = upgrade matrixctl to the server's version
db-migrations-ok = { $n } migrations applied, none pending
db-skip-sqlite-utf8 = skipped (SQLite: always UTF-8)
db-skip-query = skipped (cannot query the database: { $error })
db-encoding = encoding { $encoding }, collation { $collation }, ctype { $ctype }
db-encoding-fix = recreate the database: { $sql }
db-backups-none = backups not set up (install { $flag } DIR schedules a daily one)
db-backups-unreadable = cannot read { $path } as this user (it is root's only): run { $sudo }
db-backups-no-dir = the backup directory { $path } does not exist
db-backups-fix-install = re-run { $cmd } to write it again
db-backups-empty = no backup of this server in { $path } yet
db-backups-fix-run = make one now and see what fails: { $cmd }
db-backups-old = the newest backup, { $path }, is { $hours } hours old (more than { $max }): the daily backup is not running or failing
db-backups-ok = newest backup { $path }, { $hours } hours old
db-backups-schedule-missing = the daily backup's { $what } is missing: no backup will be made
db-backups-timer-off = { $timer } is { $state }: no backup will be made
db-backups-timer-fix = systemctl enable --now { $timer }
db-collation-fix = recreate the database with { $sql } and move the data
db-unsafe-allowed = {" "}(allowed by { $key })

## Planning errors (src/plan/steps/*.rs)

plan-err-no-cert = the certificate { $path } does not exist
plan-err-no-cert-hint = pass { $flag } with the full-chain PEM file
plan-err-no-key = the private key { $path } does not exist or cannot be read
plan-err-no-key-hint = pass { $flag } with its PEM private key
plan-err-bad-pair = { $path } cannot be used: { $error }
plan-err-bad-pair-hint = pass the full chain (leaf first, then intermediates) and its own key, or use { $flag }
plan-err-missing = missing answer: { $key }
plan-err-missing-hint = pass { $flag } or set { $key } in the answers file
plan-err-smtp-pass = cannot read the SMTP password file { $path }
plan-err-smtp-pass-hint = check { $flag }
plan-err-turn-secret = the TURN secret file { $path } does not exist
plan-err-turn-secret-hint = create it, or use { $flag } to have one generated

## Execution progress (src/exec/apply.rs)

exec-updated = { $path } (old file kept as { $backup })
exec-keep-secret = { $path } (already exists; a secret is never overwritten)
exec-keep-key = { $path } (already exists; a signing key is never overwritten)
exec-exists = { $path } (already exists)
exec-new-secret = { $path } (a secret, mode { $mode })
exec-new-key = { $path } (a signing key, mode { $mode })
exec-packages-installed = packages { $names } (already installed)
exec-package-lists = package lists (`{ $cmd }`)
exec-user-exists = user { $name } (exists)
exec-already-done = { $title }: already done
exec-from = { $path } (from { $src })
exec-cert-kept = { $path } and its key (valid for more than { $days } days)
exec-cert-backup-due = { $path } to { $backup } (fewer than { $days } days left)
exec-cert-backup-unpaired = { $path } to { $backup } (its pair was missing)
exec-cert-new = { $cert } (self-signed for { $names }) and { $key }
exec-include-added = { $path } (include added; old file kept as { $backup })
exec-not-restarting = { $name } is running; nothing it reads changed, not restarting
exec-added-to = { $what } to { $path }
exec-ready = { $url } answered in { $ms } ms

## generate-config on an existing config (src/plan/generate_config.rs)

gc-other-server = { $path } is for { $key }, not { $ours }
gc-other-server-hint = { $key } can never change; pass the same { $flag }, or a new { $path } for a new server
gc-kept-config = { $path } (already exists; adding only what is missing)
gc-kept-key = { $key } in { $path }

## The answers file (src/answers/file.rs)

answers-did-you-mean = {" "}(did you mean { $name }?)
answers-unknown-key = unknown key { $key }{ $hint }

## Yes/no as words (src/wizard/prompt.rs; English uses y/n keys instead)

wizard-yes = yes
wizard-no = no

## clap's own frame, in languages other than English (src/cli.rs; English keeps clap's)

help-usage-heading = Usage:
help-commands-heading = Commands:
help-arguments-heading = Arguments:
help-options-heading = Options:
help-help = Print help
help-version = Print version
help-possible-values = {" "}[possible values: { $values }]

## Why a step failed (src/exec/*.rs; shown after "Caused by:")

exec-cannot-write = cannot write { $path }: { $error }
exec-cannot-create = cannot create { $path }: { $error }
exec-cannot-chmod = cannot chmod { $path }: { $error }
exec-cannot-chown = cannot chown { $path }: { $error }
exec-cannot-replace = cannot replace { $path }: { $error }
exec-cannot-link = cannot link { $path }: { $error }
exec-cannot-open = cannot open { $path }: { $error }
exec-cannot-copy = cannot copy { $src } to { $dst }: { $error }
exec-cannot-back-up = cannot back up { $path } to { $backup }: { $error }
exec-cannot-generate-cert = cannot generate a certificate: { $error }
exec-cannot-read-nginx = cannot read { $path }: { $error } (is nginx installed?)
exec-no-owner = user { $user } or group { $group } does not exist
exec-no-http-block = no `{ $block }` line found in { $path }; add `{ $line }` inside its http block by hand
exec-no-answer = { $url } did not answer within { $seconds } s ({ $last })
exec-did-not-stop = { $name } (pid { $pid }) did not stop
exec-cannot-start-without = { $why }, and { $name } cannot be started without it; boot with it, or start { $name } by hand
exec-cannot-stop-without = { $note }: cannot stop { $name } without the service manager
exec-http-client = cannot create an HTTP client: { $error }
exec-it-answered = it answered { $status }
exec-cannot-run = cannot run { $cmd }: { $error }
exec-cannot-start = cannot start { $cmd }: { $error }
exec-config-test-failed = the configuration test failed: { $error }
exec-no-manager-path = the service manager is not running (no { $path })
exec-no-manager = the service manager is not running
exec-not-installed = { $cmd } is not installed (not found in { $var })
exec-exited = `{ $cmd }` exited with { $code }
exec-killed = `{ $cmd }` exited with a signal
answers-missing = missing answer: { $key } (pass { $flag })
help-subcommand = Print this message or the help of the given subcommand(s)

## doctor: network errors (src/doctor/net.rs)

net-dns-config = cannot read the system's DNS configuration: { $error }
net-resolver = cannot build a DNS resolver: { $error }
net-no-resolve = { $host } does not resolve: { $error }
net-no-a = { $host } has no A or AAAA record
net-no-address = { $host } has no address
net-not-json = not valid JSON ({ $error })
net-not-url = { $url } is not a URL: { $error }
net-no-host = { $url } has no host
net-body = reading the body: { $error }

## An existing certificate for install (src/plan/tls.rs)

ptls-not-pem = the certificate file is not PEM: { $error }
ptls-no-cert = the certificate file holds no certificate
ptls-unparsable = a certificate cannot be parsed: { $error }
ptls-not-valid = the certificate for { $subject } is not valid now (valid from { $from } to { $to })
ptls-no-chain = the file holds only the certificate for { $subject }, not the full chain: add the intermediate certificate(s) issued by { $issuer } after it (certbot: { $fullchain }, not { $cert })
ptls-order = the chain is out of order: { $subject } is issued by { $issuer }, but the next certificate is { $next }
ptls-key-not-pem = the key file holds no PEM private key: { $error }
ptls-key-unusable = the private key cannot be used: { $error }
ptls-no-public = cannot derive the public key of the private key
ptls-key-mismatch = the private key does not belong to the certificate for { $subject }

## doctor: what a redirect or an SMTP server did (src/doctor/checks/client.rs, email.rs)

cli-bad-redirect = bad redirect to { $to }: { $error }
cli-too-many-redirects = more than { $n } redirects
mail-closed = the connection closed
mail-not-smtp = not an SMTP reply: { $line }
mail-timeout = { $addr }: no answer within { $n } s
mail-greeting = greeting { $reply }
mail-ehlo-answered = EHLO answered { $reply }
mail-stalled = { $addr }: the SMTP dialogue stalled
mail-implicit-tls = (implicit TLS: connection accepted)

## Command-line errors outside English (src/cli.rs; English is clap's own text)

clap-unknown-argument = unexpected argument { $arg }
clap-invalid-subcommand = unrecognized subcommand { $name }
clap-invalid-value = invalid value { $value } for { $arg }
clap-invalid-value-why = invalid value { $value } for { $arg }: { $why }
clap-missing = the following required arguments were not provided: { $args }
clap-conflict = { $arg } cannot be used with { $other }
clap-values = wrong number of values for { $arg }
clap-try-help = for more information, try { $flag }
clap-missing-subcommand = a subcommand is required

## doctor -v: why the database checks ran as another user (src/doctor/checks/database.rs)

db-or = {" "}or{" "}
db-no-os-user = no OS user to run as: none named { $names } exists (the role, the distro's service user) and the config is owned by root
db-run-as-user = as { $user }: { $error }
db-run-as-no-exe = cannot find this program: { $error }
db-run-as-cannot-run = cannot run { $path } as { $user }: { $error }
db-run-as-no-report = { $cmd } as { $user } ended with { $status } and no report: { $error }
db-run-as-bad-status = { $cmd } as { $user } reported status { $status } for { $check }
db-run-as-incomplete = { $cmd } as { $user } did not report every database check
db-how-as-user = as root PostgreSQL refused the role over the local socket ({ $error }), so this check ran as OS user { $user }, as matrixd does

## An installed matrixd package (issue 15)
plan-note-package = the { $format } package is installed: its user { $user }, binary and service are used
plan-note-package-binary = matrixd from the installed { $format } package: { $path }
plan-note-package-service = the service definition is the { $format } package's: { $path } (it also reads { $conf_d })
plan-note-package-secrets = the signing key and secrets are the { $format } package's: { $path }
plan-err-package-user = the { $format } package runs matrixd as "{ $user }", the distro data says "{ $expected }"
plan-err-package-user-hint = pass the { $flag } the package was built for
plan-err-package-name = the installed package serves "{ $name }" ({ $path }), not "{ $answer }"
plan-err-package-name-hint = server_name can never change: pass { $flag }, or purge the package to start over

## migrate-db (src/commands/migrate_db/)

about-migrate-db = Move the server's database from SQLite to PostgreSQL (resumable, verified)
help-migrate-db-config = The homeserver.yaml of the server to migrate [default: the installed one]
help-migrate-db-pg-host = PostgreSQL host name, address or Unix socket directory [default: the socket]
help-migrate-db-pg-port = PostgreSQL port [default: 5432]
help-migrate-db-pg-user = PostgreSQL role [default: matrixd]
help-migrate-db-pg-database = PostgreSQL database, empty, UTF8 with C collation [default: matrixd]
help-migrate-db-pg-password-file = File holding the role's password (its first line)
help-migrate-db-dry-run = Report sizes and the plan, and change nothing
help-migrate-db-yes = Do not ask for confirmation
help-migrate-db-distro = Use this OS family's data instead of detecting it
verb-copied = Copied
verb-resuming = Resuming
verb-verified = Verified
err-migrate-no-config = no installed homeserver found (the OS is not one matrixctl knows)
hint-migrate-pass-config = pass the server's homeserver.yaml with { $flag }
err-migrate-config-invalid = { $path } cannot be loaded
hint-migrate-doctor = `{ $cmd }` says what is wrong and how to fix it
migrate-nothing-to-do = { $path } already uses PostgreSQL ({ $db }); nothing to do
err-migrate-memory = the database is { $value } (in memory): there is nothing to migrate
err-migrate-no-sqlite = the SQLite database { $path } does not exist
err-migrate-open-sqlite = cannot read the SQLite database { $path }
migrate-migration = migration { $version }
err-migrate-newer-db = { $path } was migrated by a newer matrixd than this matrixctl knows
hint-migrate-versions = use the matrixctl of the same release as the installed matrixd
err-migrate-unconfirmed = the migration must be confirmed
migrate-question = Copy the database to PostgreSQL and switch the server to it?
migrate-upgrading = { $path }: the migrations matrixd would apply at start
err-migrate-upgrade = cannot bring { $path } up to date
err-migrate-verify = the copy does not match the SQLite database; homeserver.yaml was not changed
migrate-mismatch = { $table }: { $source_rows } rows (checksum { $source_sum }) in SQLite, { $target_rows } rows (checksum { $target_sum }) in PostgreSQL
hint-migrate-config-kept = the server still uses SQLite ({ $path } is unchanged); report this as a bug with the lines above
migrate-done = { $rows } rows in { $tables } tables copied and verified; the old config is { $backup }
hint-migrate-start = start it with `{ $cmd }`
migrate-start-again = Start the server again: { $cmd }
err-migrate-running = matrixd is running; the database must not change while it is copied
err-migrate-running-pid = matrixd is running (pid { $pid }); the database must not change while it is copied
migrate-answering = { $url } answers
hint-migrate-stop = stop it with `{ $cmd }` and run this again; migrate-db starts it when the copy is verified
hint-migrate-kill = stop it with `{ $cmd }` and run this again
hint-migrate-stop-it = stop the matrixd that serves this config and run this again
err-migrate-password-file = cannot read the password file { $path }
err-migrate-password-empty = the password file { $path } is empty
err-migrate-no-target = which PostgreSQL database to copy into was not given
hint-migrate-target = pass { $flags }, or run it with { $sudo } on the installed server to use this machine's PostgreSQL
migrate-plan-source = read    { $path } ({ $size }, { $tables } tables, { $rows } rows)
migrate-plan-upgrade = update  the SQLite file first: { $n } migrations matrixd would apply at start
migrate-plan-create = create  PostgreSQL role { $role } and database { $db } (UTF8, C collation), unless they exist
migrate-plan-target = copy    into PostgreSQL { $db }, in batches, resumable:
migrate-rows = { $rows } rows
migrate-plan-verify = verify  row counts and checksums of every table
migrate-plan-config = update  the database section of { $path } (the old file kept beside it)
migrate-plan-start = start   matrixd again
err-migrate-create-db = cannot create the PostgreSQL database { $db }
migrate-creating-role = PostgreSQL role { $role }
migrate-creating-db = PostgreSQL database { $db } (UTF8, C collation)
import-plan-pg-password = create  { $path } (mode 0600, never overwritten): a new password of PostgreSQL role { $role }, with which matrixd connects to 127.0.0.1
import-plan-pg-password-keep = keep    { $path }: the password of PostgreSQL role { $role }, with which matrixd connects to 127.0.0.1
import-pg-password-set = the password of PostgreSQL role { $role }
err-import-pg-password = cannot read the PostgreSQL password file { $path }
hint-import-pg-password-empty = put the role's password in { $path }, or delete the file so that a new one is made
err-migrate-target = cannot use the PostgreSQL database { $db }
hint-migrate-connect = check that PostgreSQL runs, and the host, port, role, password and database given
migrate-resuming = an interrupted copy: { $done } of { $tables } tables were complete
migrate-reverifying = a completed copy: comparing it again
err-migrate-copy = cannot copy table { $table }
migrate-copied = { $table } ({ $rows } rows)
migrate-speed = copied in { $secs } s ({ $rate } events/s)
migrate-verified = row counts and checksums of { $tables } tables match
err-migrate-write-config = cannot write { $path }
err-migrate-identity = cannot take the SQLite file owner's identity
hint-migrate-empty-db = give an empty database with { $flag }
hint-migrate-other-source = that database is another server's: give another one with { $flag }
help-migrate-db-batch-rows = Rows per batch (and per transaction)

## backup, restore (src/commands/backup/)

about-backup = Write one archive with a consistent copy of the server: database, media, keys, config
help-backup-config = The homeserver.yaml of the server to back up [default: the installed one]
help-backup-to = Write the archive here; a directory gets matrixd-backup-SERVER-TIME.tar.gz [default: the current directory]
help-backup-distro = Use this OS family's data instead of detecting it
about-restore = Put a server back from an archive `backup` wrote, checksums verified first
help-restore-archive = The archive `matrixctl backup` wrote
help-restore-config-path = Where homeserver.yaml goes [default: where it was]; the keys and secrets go beside it
help-restore-data-directory = Where the database and the media store go [default: where they were]
help-restore-force = Replace another server's config or database
err-backup-exists = { $path } already exists
hint-backup-exists = choose another file with { $flag }; a backup never replaces one
err-backup-write = cannot write the backup { $path }
backup-snapshot = { $path } (a consistent snapshot)
backup-written = { $path }: { $files } files, { $media } of them media, { $size }, mode 0600
err-restore-no-archive = { $path } does not exist
err-restore-staging = cannot unpack in { $path }
err-restore-damaged = { $path } is damaged or not a matrixctl backup; nothing was restored
restore-verified = { $files } files of { $server }, every checksum matches
err-restore-other-server = { $path } belongs to server { $found }, not to { $server }
hint-restore-force = restore elsewhere with { $config } and { $data }, or replace it with { $flag }
err-restore-place = cannot put { $path } in place
restore-done = { $files } files restored ({ $media } media); the config is { $path }
err-backup-pg-dump = cannot dump the PostgreSQL database { $db }
backup-pg-dump = { $db } ({ $tool }, one consistent transaction)
err-restore-pg = cannot restore the PostgreSQL database { $db }
err-restore-pg-used = the PostgreSQL database { $db } is not empty
hint-restore-pg-used = give the config an empty database (as install creates it), or replace its contents with { $flag }
err-install-sqlite-data = { $path } holds this server's data: installing with { $flag } would start it on an empty PostgreSQL database
hint-install-migrate = move the data first with `{ $cmd }` (it creates the PostgreSQL database, copies, verifies and switches homeserver.yaml)
help-backup-keep = With a directory: keep only the newest N backups of this server there, removing older ones
err-backup-keep-needs-dir = { $flag } needs a directory to keep backups in
hint-backup-keep = give an existing directory with { $flag }
backup-pruned = { $path } (older than the ones kept)
## ACME certificates (issue 19): install --tls acme, renew-certs
val-email = { $value } is not an email address, e.g. { $example }
val-acme-directory = { $value } is not an https URL of an ACME directory, e.g. { $example }
q-acme-email-prompt = Email for Let's Encrypt's expiry notices (empty: none)
q-acme-staging-prompt = Use Let's Encrypt's staging CA (for testing; its certificates are not trusted)?
q-acme-directory-prompt = Another ACME CA's directory URL (empty: Let's Encrypt)
q-tls-choice-acme = Let's Encrypt (recommended)
q-tls-choice-self-signed = Self-signed (generated here; browsers and other servers refuse it)
q-tls-choice-existing = My own certificate and key
q-tls-choice-direct = matrixd serves TLS itself on port 8448
q-tls-choice-none = None: plain HTTP (testing only)
help-install-acme-email = Email the ACME CA may write to about the certificates (optional)
help-install-acme-staging = Use Let's Encrypt's staging directory (certificates nobody trusts; for trying things out)
help-install-acme-directory = The ACME directory (RFC 8555) certificates come from, if not Let's Encrypt's
about-renew-certs = Renew the ACME certificate when fewer than 30 days remain (run by the renewal timer)
help-renew-certs-config = The renewal settings install wrote [default: acme/renew.toml in the config directory]
help-renew-certs-force = Ask the CA for a new certificate even when the current one is not due
help-renew-certs-root = Paths in the settings are under this directory tree (for tests and image builders); nginx is not reloaded
help-renew-certs-distro = Use this OS family's data instead of detecting it
plan-note-matrixd-acme = matrixd obtains the certificate for { $names } itself once it runs, and renews it without a restart: the CA connects to port { $port } of each name (TLS-ALPN-01), so the names must resolve to this server and the port be open; matrixd's log says each certificate, or which name failed and why
plan-err-acme-direct-port = without nginx, matrixd answers the CA on port { $port }, which { $manager } cannot let the unprivileged matrixd user open
plan-err-acme-direct-port-hint = use { $flag } (nginx answers the CA on port 80), or bring your own certificate with { $existing }
plan-note-renew-crontab = nothing here runs daily jobs for matrixctl: add this line to root's crontab (crontab -e) so the certificate renews itself: { $line }
plan-cert-stand-in = self-signed stand-in for { $names }, so the server can start until the CA's certificate replaces it
plan-acme = certificate for { $names } from { $directory } ({ $challenge } answered from { $dir }), now and whenever fewer than { $days } days remain; then { $service } is reloaded
step-renew-timer = enable the certificate renewal timer { $timer }
step-renew-timer-start = start the certificate renewal timer { $timer }
step-backup-timer = enable the daily backup timer { $timer }
step-backup-timer-start = start the daily backup timer { $timer }
step-backup-reload = make systemd read the rewritten { $timer } and its service
plan-note-backup-crontab = nothing here runs daily jobs for matrixctl: add this line to root's crontab (crontab -e) for the daily backup: { $line }
plan-err-backups-inside = the backup directory { $dir } is inside { $inside }: each archive would copy the older ones, and uninstall --purge would delete them with the server
plan-err-backups-inside-hint = give { $flag } a directory outside it, e.g. /var/backups/matrixd
plan-err-adopt-tls = matrixd would serve TLS itself, which needs a TLS listener in { $path }, and --adopt never rewrites it
plan-err-adopt-tls-hint = put nginx in front ({ $flag }), or add the listener to the file by hand and install without --tls direct
plan-err-adopt-listener = { $path } has no plain-HTTP listener serving client for nginx to forward to
plan-err-adopt-listener-hint = add one to its { $key } (type: http, tls: false, resources: client, federation), then run install --adopt again
plan-err-adopt-outside = { $path } is outside { $data }, where the installed service may write
plan-err-adopt-outside-hint = run { $cmd } again without { $flag } (its default is this layout), or move the data there and change the path
plan-err-adopt-key = the signing key { $path } that { $config } names does not exist
plan-note-adopt-ignored = { $keys }: not applied, since --adopt keeps { $path } as it is; set them there by hand
step-adopt-owner = give the adopted config, its signing key and the data directory to { $user }
err-adopt-no-config = there is no { $path } to adopt
hint-adopt-import = make it with { $cmd } (its defaults are this layout), then run install --adopt
err-adopt-config = cannot adopt { $path }
err-adopt-conflict = { $flag } { $given } contradicts the adopted config, which says { $config }
hint-adopt-conflict = leave { $flag } out (--adopt takes it from { $path }), or change the config by hand
err-install-imported = { $path } was written by { $cmd }: install would replace it, and its signing key with a new one
hint-install-imported = keep it and provision the rest around it: { $cmd }
step-acme = certificate for { $names } from the ACME CA
acme-not-due = { $path } (valid until { $date }, { $n } days left; renewed when fewer than { $limit } remain; the CA was not contacted)
acme-obtained = { $path } from { $issuer }, valid until { $date } ({ $why })
acme-due-missing = there was no certificate
acme-due-stand-in = it replaces the self-signed stand-in
acme-due-names = the old one did not cover { $names }
acme-due-expiring = the old one had { $n } days left, fewer than { $limit }
acme-due-forced = renewal forced with { $flag }
acme-bad-chain = the certificate { $directory } issued is unusable, so the previous one stays: { $error }
acme-cannot-reach = cannot reach the ACME directory { $directory }: { $error }
acme-bad-account = the ACME account file { $path } is unreadable ({ $error }); move it away to register a new account
acme-ca-refused = the ACME CA at { $directory } refused: { $error }
acme-authz-state = the CA's authorization for { $name } is { $state }, not pending
acme-no-http01 = the CA offers no { $challenge } challenge for { $name }
acme-challenge-failed = { $name } failed the { $challenge } challenge: { $error }
acme-order-state = the order ended { $state }
acme-failed = no certificate was issued, and the previous one stays in place. { $failures }. Check that the DNS A/AAAA records of { $names } point to this server and that port { $port } reaches nginx from the internet
renew-no-config = cannot read the renewal settings { $path }: { $error }
renew-no-config-hint = renew-certs renews certificates that { $cmd } set up
renew-bad-config = the renewal settings { $path } are invalid: { $error }
renew-bad-config-hint = re-run { $cmd } to write them again
renew-failed-hint = { $path } was not changed; fix the cause, then run { $cmd } again
renew-reload-failed = the new certificate is in place, but reloading nginx failed: { $error }
renew-reload-failed-hint = see what { $cmd } says, fix it, then reload nginx
tls-renewal-timer-ok = { $timer } is enabled and { $state }
tls-renewal-timer-off = { $timer } is { $state }: the certificate will not renew itself
tls-renewal-timer-fix = systemctl enable --now { $timer }
tls-renewal-missing = { $path } exists but { $what } is missing: the certificate will not renew itself
tls-renewal-missing-fix = re-run { $cmd } to write it again
tls-renewal-script = { $path } renews the certificate daily
tls-renewal-matrixd = matrixd obtains and renews { $path } itself from { $directory }, { $days } days before it expires (its acme section; its log says each renewal)
tls-renewal-none = no renewal timer: the certificate is not from matrixctl's ACME set-up ({ $path } absent)
tls-renewal-no-systemd = not running ({ $manager } is not running here)
q-acme-directory-ca-prompt = Root certificate of that CA's HTTPS, if the system does not trust it (empty: none)
help-install-acme-directory-ca = Root certificate (PEM) of a private ACME CA's HTTPS, if the system does not trust it

## import-synapse (src/commands/import_synapse/)

about-import-synapse = Move a stopped Synapse installation to matrixd: same server name, keys, users, logins, rooms, media
help-import-synapse-synapse-config = Synapse's homeserver.yaml; repeat for every config file or directory Synapse was run with
help-import-synapse-config-path = Where to write matrixd's homeserver.yaml [default: the installed layout's]
help-import-synapse-data-directory = Where matrixd keeps its database and media [default: the installed layout's]
help-import-synapse-database = matrixd's database: an SQLite file in the data directory, or PostgreSQL (the --pg-* flags)
help-import-synapse-pg-host = PostgreSQL host name, address or Unix socket directory [default: the socket]
help-import-synapse-pg-port = PostgreSQL port [default: 5432]
help-import-synapse-pg-user = PostgreSQL role [default: matrixd]
help-import-synapse-pg-database = PostgreSQL database, empty, UTF8 with C collation [default: matrixd]
help-import-synapse-pg-password-file = File holding the role's password (its first line)
help-import-synapse-dry-run = Report what would be imported and how long it should take, and change nothing
help-import-synapse-yes = Do not ask for confirmation
help-import-synapse-distro = Use this OS family's data instead of detecting it
help-import-synapse-batch-rows = Rows per batch (and per transaction)
err-import-no-layout = where to put the new server was not given (the OS is not one matrixctl knows)
hint-import-paths = pass { $config } and { $data } (outside Synapse's directories)
err-import-synapse-config = Synapse's config { $path } cannot be loaded
hint-import-synapse-config = give Synapse's homeserver.yaml (and every extra config file it runs with) with { $flag }
err-import-open-synapse = cannot open Synapse's database ({ $db })
hint-import-open-synapse = check the database section of Synapse's homeserver.yaml, and that this user may read it
err-import-not-synapse = the database has no schema_version table: it is not Synapse's
err-import-schema = Synapse's database has schema version { $found }; this matrixctl reads versions { $supported }
hint-import-schema-newer = use a newer matrixctl, or import with the Synapse release the database was last run with
hint-import-schema-older = upgrade Synapse first (start the current release once, then stop it) and run this again
err-import-server-name = Synapse's database holds { $user }, but its config says server_name { $name }
err-import-running-pid = Synapse is running (pid { $pid } in { $path }); its database must not change while it is imported
err-import-running = something answers on Synapse's listener { $addr }; Synapse must be stopped while it is imported
import-answering = { $addr } accepts connections
hint-import-stop = stop Synapse (for example `{ $cmd }`) and run this again; nothing of Synapse's is changed, so it can be started again later
err-import-overlap = the new server's files would go where Synapse's are ({ $dir })
err-import-read = cannot read { $step } from Synapse's database
err-import-unconfirmed = the import must be confirmed
import-question = Import this Synapse installation into matrixd?
err-import-write = cannot write { $path }
err-import-key = cannot read Synapse's signing key { $path }
hint-import-key = check { $key } in Synapse's homeserver.yaml
err-import-key-exists = { $path } already holds another signing key; it is never replaced
hint-import-key-exists = choose another place for the new config with { $flag }
err-import-target = cannot use the new database ({ $db })
hint-import-empty-target = import into a new data directory or an empty database
err-import-step = cannot import { $step }
import-step-done = { $step } (imported by an earlier run)
import-step-resuming = { $step }: an interrupted run had read { $rows } rows
import-copied = { $step } ({ $rows } rows, { $skipped } left out)
import-verifying = comparing both databases
err-import-verify-run = cannot compare the imported data with Synapse's
import-report = Verification (Synapse → matrixd):
err-import-verify = { $n } comparisons differ; the new config was not written
hint-import-verify = running `{ $cmd }` again continues and compares again; report the lines above if they still differ
import-verified = { $n } comparisons match
err-import-config-invalid = the written config { $path } does not load
import-next = Start matrixd on it with `{ $cmd }`, or let `{ $install }` set up its service, proxy and certificates
import-plan-source = read    Synapse's database ({ $db }), server name { $name }:
import-plan-target = write   { $db }, in batches, resumable:
import-plan-key = copy    the signing key { $from } to { $to } (same key id)
import-plan-media = copy    media files from { $from } to { $to }
import-plan-verify = verify  counts and samples (events by id, users, media checksums)
import-plan-config = write   { $path }, translated from Synapse's config:
import-plan-estimate = about { $rows } rows ({ $events } events): expected to take about { $secs } s
import-key-set = { $key }: set to { $to }
import-key-moved = { $key }: { $from } → { $to }
import-key-database = { $key }: now { $to }
import-key-inlined = { $key }: the secret in { $file } written inline (the new server does not read Synapse's files)
import-key-log-config = { $key }: dropped (Synapse's Python logging config; matrixd logs to the service manager)
import-key-dropped = { $key }: dropped (matrixd does not read it)
import-key-acme = { $key }: dropped (Synapse's ACME account key and HTTP-01 do not carry over; matrixd's own acme section, or matrixctl install { $flag }, gets a new certificate)
help-import-synapse-test-interrupt-after = Stop as if killed at the Nth progress report (each after a committed batch; tests of resuming)
import-owner = the imported files now belong to { $user }, the user matrixd runs as
err-import-matrixd-running = a matrixd serving { $path } is running; its database must not change under it
hint-import-stop-matrixd = stop it with `{ $cmd }` and run this again
import-plan-left-out = leave   what matrixd has no place for: expiring access tokens (refresh-token sessions log in again), disabled pushers, suspended and shadow-banned flags; locked accounts come without password and tokens

# matrixd's configuration problems (server/src/config/problem.rs: ids and fields are the
# server's; the English here is byte for byte what matrixd prints, checked by a test).
conf-at-key = { $key }: { $message }
conf-problem-error = error: { $problem }
conf-problem-warning = warning: { $problem }
conf-problem-fix = fix: { $fix }
conf-found-null = nothing (null)
conf-found-bool = the boolean { $value }
conf-found-float = the number { $value }
conf-found-integer = the integer { $value }
conf-found-string = the string { $value }
conf-found-list = a list
conf-found-mapping = a mapping
conf-found-tagged = a value tagged { $tag }
conf-expected-string = a string
conf-expected-boolean = a boolean (true or false)
conf-expected-integer = an integer from { $min } to { $max }
conf-expected-string-list = a list of strings
conf-expected-list = a list
conf-expected-mapping = a mapping
conf-expected-number = a number
conf-expected-size = a size
conf-expected-duration = a duration
conf-expected-presence = true, false or "untracked"
conf-expected-url-patterns = a mapping of URL parts to patterns
conf-expected-name-or-list = a name or a list of names
conf-wrong-type = expected { $expected }, found { $found }
conf-out-of-range = { $value } is out of range
conf-negative = { $value } is negative
conf-key-not-string = key { $found } is not a string
conf-synapse-only = is a Synapse setting matrixd does not support yet; it is ignored
conf-unknown-key = unknown key
conf-required = is required
conf-cannot-read-dir = cannot read config directory { $path }: { $error }
conf-cannot-read = cannot read { $path }: { $error }
conf-file-ignored-empty = { $path } is empty; ignoring it
conf-top-not-mapping = { $path }: the top level must be a mapping of keys to values, found { $found }
conf-yaml-syntax-at = { $path }: YAML syntax error at line { $line }, column { $column }: { $error }
conf-yaml-syntax = { $path }: YAML syntax error: { $error }
conf-no-config-file = no config file given
conf-no-yaml-files = the config directories hold no *.yaml files
conf-not-whole = { $value } is not a positive whole number
conf-not-whole-ms = { $value } is not a positive whole number of milliseconds
conf-not-size = { $value } is not a size
conf-not-duration = { $value } is not a duration
conf-not-turn-uri = { $uri } is not a TURN URI
conf-turn-no-credentials = TURN URIs are set but neither turn_shared_secret nor turn_username/turn_password; clients get no TURN server
conf-turn-no-uris = TURN credentials are set but turn_uris is empty; clients get no TURN server
conf-turn-half-static = turn_username and turn_password must be set together
conf-invalid-server-name = { $name } is not a valid server name
conf-not-http-url = { $url } is not an http(s) URL
conf-not-https-url = { $url } is not an https URL
conf-not-dns-name = { $name } is not a DNS name
conf-no-domain = names no domain
conf-acme-needs-tls-paths = needs tls_certificate_path and tls_private_key_path (where the certificate is kept)
conf-acme-no-tls-listener = no listener has tls: true, so nothing would answer the CA's tls-alpn-01 challenge or serve the certificate
conf-acme-no-port-443 = no TLS listener on port 443: the CA validates tls-alpn-01 on port 443 of each name, so forward that port to matrixd's TLS listener
conf-bad-worker-name = { $name } is not a worker name: use 1 to 64 letters, digits, '-' or '_'
conf-workers-need-postgres = several matrixd processes share one PostgreSQL database; with SQLite only one process can serve
conf-open-registration = open registration without any verification lets anyone create accounts (and spam from them)
conf-report-stats-required = is required: say whether to report anonymous usage statistics
conf-file-missing = file { $path } does not exist
conf-tls-listener-no-certificate = a listener has tls: true but tls_certificate_path and tls_private_key_path are not both set
conf-directory-missing = directory { $path } does not exist
conf-signing-key-invalid = { $path }: { $error }
conf-both-set = both { $key } and { $path_key } are set
conf-is-empty = is empty
conf-file-empty = { $path } is empty
conf-secret-not-yet = { $path } does not exist yet; matrixd creates it on first start
conf-metrics-disabled = a metrics listener is configured but enable_metrics is false; it is ignored (set enable_metrics: true)
conf-no-listeners = no listeners configured; matrixd will not answer any request
conf-listener-type-unsupported = { $kind } listeners are not supported by matrixd; this listener is ignored
conf-unknown-listener-type = unknown listener type { $kind }
conf-not-ip-address = { $address } is not an IP address
conf-resource-unsupported = the { $name } resource is not supported by matrixd; ignored
conf-unknown-resource = unknown resource { $name }
conf-required-for-sqlite = is required for sqlite3
conf-required-for-postgres = is required for psycopg2
conf-dbname-and-database = both dbname and database are set
conf-not-port = { $value } is not a port number
conf-cp-min-above-max = cp_min ({ $min }) is larger than cp_max ({ $max })
conf-unknown-sslmode = unknown sslmode { $mode }
conf-unknown-engine = unknown database engine { $name }
conf-verify-keys-form = entries must look like "ed25519:auto": "<base64 public key>"
conf-custom-ca-empty = federation_custom_ca_list specified without any certificate files
conf-custom-ca-no-pem = Error parsing custom CA certificate file { $path }: no PEM certificate in it
conf-whitelist-not-server-name = { $name } is not a server name (such as example.org or example.org:8448), so no server matches it
conf-invalid-ip-range = Invalid IP range provided: { $value }.
conf-unknown-url-part = unknown URL part
conf-patterns-not-strings = patterns must be strings (a glob, or a regex starting with ^)
conf-preview-no-blacklist = For security, you must specify an explicit target IP address blacklist in url_preview_ip_range_blacklist for url previewing to work
conf-force-tls-needs-tls = email.force_tls requires email.enable_tls to be true
conf-transport-security-needs-tls = email.require_transport_security requires email.enable_tls to be true
conf-invalid-notif-from = Invalid notif_from address { $from }
conf-notif-from-required = is required to send validation and password-reset mail (Synapse: "email.notif_from" is missing)
conf-email-no-baseurl = email is configured but public_baseurl is unset: the validation and password-reset links in mails are built from public_baseurl
conf-lifetime-exceeds-session = { $lifetime_ms } ms is longer than session_lifetime ({ $session_ms } ms); Synapse refuses this
conf-fix-quote-value = put the value in quotes: { $key }: "..."
conf-fix-integer-range = use an integer from { $min } to { $max }
conf-fix-non-negative = use a number of 0 or more
conf-fix-did-you-mean = did you mean `{ $key }`? If not, remove the key
conf-fix-remove-key = remove the key; see the list of supported keys in README.md
conf-fix-check-directory = check the path and its permissions
conf-fix-generate-config = create it with `matrixctl generate-config --server-name NAME --config-path FILE --report-stats=no`, or pass the right --config path
conf-fix-file-readable = check the file's permissions: the server must be able to read it
conf-fix-key-value-lines = start the file with `server_name: ...` style key: value lines
conf-fix-yaml-syntax = fix the YAML syntax there (indent with spaces, quote values containing ':' or '#')
conf-fix-pass-config = pass --config /etc/matrixd/homeserver.yaml
conf-fix-add-homeserver-yaml = add a homeserver.yaml
conf-fix-turn-uri-form = use turn:host:3478?transport=udp style URIs
conf-fix-duration-hours-minutes = use a duration such as "1h" or "30m"
conf-fix-duration-hours = use a duration such as "1h"
conf-fix-duration-minutes-days = use a duration such as "5m" or "30d" (a number alone is milliseconds)
conf-fix-lifetime-within-session = make it at most session_lifetime, or raise session_lifetime
conf-fix-turn-shared-secret = set turn_shared_secret to coturn's static-auth-secret
conf-fix-turn-list-server = list your TURN server in turn_uris
conf-fix-turn-set-both = set both, or use turn_shared_secret instead
conf-fix-set-server-name = set server_name to the domain in your users' ids, e.g. server_name: example.org (it can never change later)
conf-fix-server-name-forms = use a DNS name (example.org), an IPv4 address, or [IPv6], optionally with :port
conf-fix-server-name-example = use a server name such as matrix.org
conf-fix-public-baseurl = use the URL clients reach, e.g. public_baseurl: https://matrix.example.org/
conf-fix-require-token = set registration_requires_token: true, or set enable_registration_without_verification: true if you really want open sign-up
conf-fix-add-report-stats = add report_stats: false (or true)
conf-fix-upload-size = use bytes or a size such as "50M" or "512K"
conf-fix-spider-size = use bytes or a size such as "10M"
conf-fix-log-config = create it (matrixctl generate-config writes one) or remove log_config to log to stderr
conf-fix-pem-file = point it at an existing PEM file
conf-fix-tls-listener = set both to PEM files (the certificate as a full chain), or set tls: false and terminate TLS in a reverse proxy
conf-fix-presence-values = set presence.enabled to true, false or untracked
conf-fix-create-directory = create it with `mkdir -p { $path }`, or point { $key } somewhere that exists
conf-fix-restore-key = restore the key from a backup; a new key makes other servers distrust old events
conf-fix-create-key = create it with `matrixctl generate-config` (it adds only missing files), or fix the path
conf-fix-key-readable = make it readable by the user matrixd runs as (and by nobody else: chmod 600)
conf-fix-keep-one = keep only one of { $key } and { $path_key }
conf-fix-random-secret = set a long random string, or remove { $key }
conf-fix-secret-in-file = put the secret in the file, or delete the file so matrixd creates one
conf-fix-secret-readable = make it readable by the user matrixd runs as (chmod 600, owned by that user)
conf-fix-add-listener = add an http listener on port 8008 with resources [client, federation]
conf-fix-add = add { $line }
conf-fix-use-type-http = use type: http
conf-fix-ip-address = use an address such as 127.0.0.1, ::1, 0.0.0.0 or ::
conf-fix-resource-did-you-mean = did you mean `{ $name }`? matrixd serves: { $names }
conf-fix-resources = matrixd serves: { $names }
conf-fix-database-name = use name: sqlite3 or name: psycopg2 (PostgreSQL)
conf-fix-sqlite-file = set it to the database file, e.g. /var/lib/matrixd/homeserver.db
conf-fix-postgres-args = add args with user, password, dbname (or database), host and port
conf-fix-keep-one-same = keep one of them (they mean the same)
conf-fix-port-number = use a number such as 5432
conf-fix-cp-min = make cp_min at most cp_max
conf-fix-sslmodes = use disable, prefer, require, verify-ca or verify-full
conf-fix-engines = use sqlite3 or psycopg2 (PostgreSQL)
conf-fix-custom-ca-list = list PEM files of the certificate authorities to trust, or remove the key to trust the system's
conf-fix-readable-pem = point it at a readable PEM certificate file
conf-fix-pem-block = use a PEM file with a -----BEGIN CERTIFICATE----- block
conf-fix-ip-range = use an address or a CIDR range such as 10.0.0.0/8
conf-fix-url-blacklist-entry = e.g. - netloc: 'google.com'
conf-fix-url-parts = use one of { $parts }
conf-fix-acme-domain = set acme.domain to the name clients and servers connect to, e.g. domain: matrix.example.org
conf-fix-acme-directory = use the CA's ACME directory, e.g. url: { $url }
conf-fix-dns-names-only = list DNS names only (no port, no IP address): the CA validates each one
conf-fix-acme-domains = set acme.domain to the name(s) the certificate must cover
conf-fix-acme-tls-paths = set both, e.g. tls_certificate_path: /etc/matrixd/tls/fullchain.pem and tls_private_key_path: /etc/matrixd/tls/privkey.pem
conf-fix-acme-tls-listener = add a listener with tls: true (port 443: the CA validates there), or remove the acme section
conf-fix-worker-name = name each process differently, e.g. worker_name: matrixd-1
conf-fix-workers-postgres = move to PostgreSQL first (matrixctl migrate-db), or remove worker_name to run one process
conf-fix-directory-ca = point it at the PEM root of the CA's HTTPS, or remove it to use the system's roots
conf-fix-quote-pattern = quote the pattern
conf-fix-preview-blacklist = list the private ranges, e.g. url_preview_ip_range_blacklist: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '::1/128', 'fe80::/10', 'fc00::/7']
conf-fix-force-tls = remove enable_tls: false, or force_tls: true
conf-fix-enable-tls = remove enable_tls: false
conf-fix-notif-from-example = use an address such as "Your Server <noreply@example.org>"
conf-fix-set-notif-from = set email.notif_from, e.g. notif_from: "Your Server <noreply@example.org>"
conf-fix-email-baseurl = set public_baseurl to the URL users reach this server at (e.g. public_baseurl: https://matrix.example.org/), or remove the email section
key-empty = the key file is empty
key-fields = line { $line }: expected `ed25519 <version> <base64 seed>`, found { $found } field(s)
key-algorithm = line { $line }: unsupported algorithm { $alg } (only ed25519 is supported)
key-version = line { $line }: key version { $version } may contain only letters, digits and '_'
key-base64 = line { $line }: the seed is not valid base64
key-seed-length = line { $line }: the seed must be 32 bytes, found { $len }

## install --workers N (src/plan/steps/workers.rs, src/doctor/checks/service.rs)

q-workers-prompt = How many matrixd processes serve the server? (empty: 1)
q-workers-explain = Several processes share the PostgreSQL database and nginx spreads clients over them (each access token stays on one); one is enough for most servers.
val-workers = { $value } is not a number of processes ({ $range })
plan-err-workers-sqlite = { $n } matrixd processes need PostgreSQL: with SQLite only one process can serve
plan-err-workers-sqlite-hint = choose { $flag } for a new install, or move an existing SQLite install first with { $cmd }; or run one process ({ $one })
plan-err-workers-proxy = { $n } matrixd processes need nginx in front: they listen on loopback ports and nginx spreads clients over them
plan-err-workers-proxy-hint = use { $flag }, or run one process ({ $one })
plan-err-workers-package = the installed matrixd package ({ $format }) runs one process from { $path }; { $n } processes need the services matrixctl writes
plan-err-workers-package-hint = run one process ({ $one }), or remove the package and let matrixctl install matrixd
plan-verb-stop = stop
plan-retire = stop and disable: not one of the processes this install runs now
step-retire = stop and disable { $name }
check-service-workers = with install --workers: every matrixd process answers /health on its port
svc-workers-none = one process (no worker configs in { $path })
svc-workers-ok = all { $n } processes answer /health: { $list }
svc-workers-down = not answering /health:{" "}
svc-worker-on = { $name } on port { $port } ({ $error })
svc-workers-fix = restart it: { $cmd }; its log says why it stopped ({ $status })
svc-worker-config-bad = { $path } does not load after { $config }: { $error }
svc-workers-not-running = not running: { $names }
svc-workers-running = all { $n } processes are running ({ $how }): { $names }
plan-note-workers-connections = { $n } processes open up to { $pool } database connections each ({ $total }), more than PostgreSQL's default { $key } ({ $max }) leaves room for: raise { $key } in postgresql.conf and restart PostgreSQL
ngx-upstream-wrong-port = upstream { $name } sends to port { $port }, where no matrixd process listens
ngx-upstream-missing = upstream { $name } leaves out { $worker } (port { $port })
ngx-upstream-no-hash = upstream { $name } has no { $directive }: a client's requests would move between processes
ngx-upstream-fix = re-run { $cmd } to write the site again, or give upstream one { $directive } per matrixd process
