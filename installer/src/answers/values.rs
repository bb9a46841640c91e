//! The types of install answers, each with its one validator: parsing a value (`FromStr`, from
//! a flag, the answers file or a prompt) is the validation, and `Display` is the form written
//! back to the answers file. Choices are clap `ValueEnum`s (their variants are the accepted
//! values, in the order the wizard lists them) and serde enums (the receipt records them).

use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use clap::ValueEnum;
use clap::builder::{EnumValueParser, ValueParser};
use serde::{Deserialize, Serialize};

/// How a question is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// One of these values (the first is listed first).
    Choice(Vec<String>),
    YesNo,
    /// Repeatable flag; a TOML array in the answers file.
    List,
}

/// A type an answer can have: parsed (and so validated) from text, written back as text.
pub trait Value: Clone + FromStr<Err = String> + fmt::Display + Send + Sync + 'static {
    fn kind() -> Kind {
        Kind::Text
    }
    /// The clap parser of its flag.
    fn value_parser() -> ValueParser {
        ValueParser::new(|s: &str| s.parse::<Self>())
    }
}

/// Choices: clap `ValueEnum`s, whose variants are the accepted values. An unknown value is an
/// error listing them (never a silent default).
macro_rules! choice {
    ($($(#[$m:meta])* $name:ident { $($(#[doc = $vdoc:literal])* $variant:ident),+ $(,)? })+) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name {
            $($(#[doc = $vdoc])* $variant),+
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let v = self.to_possible_value().expect("no variant is skipped");
                f.write_str(v.get_name())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                <Self as ValueEnum>::from_str(s, false).map_err(|_| {
                    crate::tr!(
                        "val-not-one-of",
                        value = format!("{s:?}"),
                        names = names::<Self>().join(", ")
                    )
                })
            }
        }

        impl Value for $name {
            fn kind() -> Kind {
                choice_kind::<Self>()
            }
            fn value_parser() -> ValueParser {
                EnumValueParser::<Self>::new().into()
            }
        }
    )+};
}

fn names<T: ValueEnum>() -> Vec<String> {
    T::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect()
}

fn choice_kind<T: ValueEnum + 'static>() -> Kind {
    let names = names::<T>();
    if names == ["yes", "no"] {
        Kind::YesNo
    } else {
        Kind::Choice(names)
    }
}

choice! {
    Database {
        /// Nothing else to install.
        Sqlite,
        /// Installed and set up here if absent; scales further.
        Postgres,
    }
    Proxy {
        /// nginx terminates TLS on 443 (and 8448 for federation).
        Nginx,
        None,
    }
    Tls {
        /// A certificate from Let's Encrypt (or another ACME CA), renewed unattended.
        Acme,
        /// A certificate generated here.
        SelfSigned,
        /// Your full-chain certificate and key (--tls-cert, --tls-key).
        Existing,
        /// matrixd itself serves TLS on 8448.
        Direct,
        /// Plain HTTP (testing only).
        None,
    }
    Registration {
        /// Only admins create users (matrixctl register-user).
        Closed,
        /// Sign-up needs a registration token.
        Token,
        /// Anyone may sign up.
        Open,
    }
    YesNo {
        Yes,
        No,
    }
}

impl YesNo {
    pub fn yes(self) -> bool {
        self == YesNo::Yes
    }
}

impl From<bool> for YesNo {
    fn from(b: bool) -> YesNo {
        if b { YesNo::Yes } else { YesNo::No }
    }
}

/// Text answers: a string newtype whose `FromStr` is its validator.
macro_rules! text {
    ($($(#[$m:meta])* $name:ident = $validate:expr;)+) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let validate: fn(&str) -> Result<String, String> = $validate;
                validate(s).map($name)
            }
        }

        impl Value for $name {}
    )+};
}

text! {
    /// Any text.
    Text = |s| Ok(s.to_string());
    /// A DNS name, IPv4 address or [IPv6], optionally with :port.
    ServerName = |s| {
        if matrixd::config::is_valid_server_name(s) {
            Ok(s.to_string())
        } else {
            Err(crate::tr!(
                "val-server-name",
                value = format!("{s:?}"),
                example = "example.org",
                ipv6 = "[IPv6]",
                port = ":port"
            ))
        }
    };
    /// An http(s) URL of a site root; always ends with '/'.
    BaseUrl = |s| {
        let with_slash = if s.ends_with('/') {
            s.to_string()
        } else {
            format!("{s}/")
        };
        match url::Url::parse(&with_slash) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.path() == "/" => {
                Ok(with_slash)
            }
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Err(crate::tr!(
                "val-baseurl-path",
                value = format!("{s:?}"),
                example = "https://matrix.example.org/"
            )),
            _ => Err(crate::tr!(
                "val-baseurl",
                value = format!("{s:?}"),
                example = "https://matrix.example.org/"
            )),
        }
    };
    /// A sender with an email address, e.g. "Matrix <noreply@example.org>".
    EmailFrom = |s| {
        if s.contains('@') {
            Ok(s.to_string())
        } else {
            Err(crate::tr!(
                "val-email-from",
                value = format!("{s:?}"),
                example = "\"Matrix <noreply@example.org>\""
            ))
        }
    };
    /// An email address (for the ACME account).
    Email = |s| {
        match s.split_once('@') {
            Some((user, host))
                if !user.is_empty()
                    && host.contains('.')
                    && !s.chars().any(|c| c.is_whitespace() || "<>,;:".contains(c)) =>
            {
                Ok(s.to_string())
            }
            _ => Err(crate::tr!(
                "val-email",
                value = format!("{s:?}"),
                example = "admin@example.org"
            )),
        }
    };
    /// An ACME directory URL (RFC 8555): https.
    AcmeDirectory = |s| {
        match url::Url::parse(s) {
            Ok(u) if u.scheme() == "https" && u.host().is_some() => Ok(s.to_string()),
            _ => Err(crate::tr!(
                "val-acme-directory",
                value = format!("{s:?}"),
                example = LETS_ENCRYPT
            )),
        }
    };
    /// A turn: or turns: URI.
    TurnUri = |s| {
        if (s.starts_with("turn:") || s.starts_with("turns:")) && s.len() > 6 {
            Ok(s.to_string())
        } else {
            Err(crate::tr!(
                "val-turn-uri",
                value = format!("{s:?}"),
                example = "turn:turn.example.org:3478?transport=udp"
            ))
        }
    };
}

/// Let's Encrypt's production ACME directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory (untrusted certificates, generous rate limits).
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

impl ServerName {
    /// The host part (no port).
    pub fn host(&self) -> String {
        let s = self.as_str();
        if s.starts_with('[') {
            s.split(']')
                .next()
                .map(|h| format!("{h}]"))
                .unwrap_or_default()
        } else {
            s.split(':').next().unwrap_or_default().to_string()
        }
    }
}

/// An absolute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsPath(PathBuf);

impl Deref for AbsPath {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AbsPath {
    pub fn to_path_buf(&self) -> PathBuf {
        self.0.clone()
    }
}

impl fmt::Display for AbsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_string_lossy())
    }
}

impl FromStr for AbsPath {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.starts_with('/') {
            Ok(AbsPath(PathBuf::from(s)))
        } else {
            Err(crate::tr!("val-abs-path", value = format!("{s:?}")))
        }
    }
}

impl Value for AbsPath {}

/// A TCP port (1-65535).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port(pub u16);

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Port {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.parse::<u16>() {
            Ok(p) if p > 0 => Ok(Port(p)),
            _ => Err(crate::tr!(
                "val-port",
                value = format!("{s:?}"),
                range = "1-65535"
            )),
        }
    }
}

impl Value for Port {}

/// A count of at least one (how many backups to keep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub u32);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Count {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.parse::<u32>() {
            Ok(n) if n > 0 => Ok(Count(n)),
            _ => Err(crate::tr!("val-count", value = format!("{s:?}"))),
        }
    }
}

impl Value for Count {}

/// How many matrixd processes serve the server (`--workers N`): 1 to `Workers::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workers(pub u8);

impl Workers {
    pub const MAX: u8 = 16;
}

impl fmt::Display for Workers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Workers {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.parse::<u8>() {
            Ok(n) if (1..=Workers::MAX).contains(&n) => Ok(Workers(n)),
            _ => Err(crate::tr!(
                "val-workers",
                value = format!("{s:?}"),
                range = format!("1-{}", Workers::MAX)
            )),
        }
    }
}

impl Value for Workers {}
