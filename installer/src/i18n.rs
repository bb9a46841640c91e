//! Localisation: the language of every human-facing string, chosen once at start (`--lang`,
//! else LC_ALL, LC_MESSAGES, LANG as gettext reads them, else English), and the two Fluent
//! catalogues (`installer/i18n/{en,fa}/matrixctl.ftl`, embedded at compile time) that hold the
//! strings. Owns no output and knows no command: callers format with `tr!` (a `String` in the
//! current language) or `msg!` (a `Text` that also renders in English, for `--json`).
//!
//! Library: Project Fluent's `fluent-bundle` (the reference Rust implementation, used by
//! Firefox). It inserts FSI/PDI isolates around placeholders, which is what right-to-left text
//! in a terminal needs: in Persian every technical fragment (path, command, URL, user id,
//! config key) is a placeholder or, when fixed, `{ CODE("…") }` in the translation, never
//! bare text, so it is isolated and keeps its order and its Latin digits. English has isolating off, so its output
//! is byte for byte what it was before localisation. Machine-read output (`--json`, generated
//! files, logs) never goes through here.

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The English catalogue (the reference: every id is defined here first).
pub const EN_FTL: &str = include_str!("../i18n/en/matrixctl.ftl");
/// The Persian catalogue.
pub const FA_FTL: &str = include_str!("../i18n/fa/matrixctl.ftl");

/// A language matrixctl speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Fa,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fa];

    /// `en` or `fa` (the `--lang` value).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fa => "fa",
        }
    }

    /// The language of a `--lang` value or a POSIX locale name (`fa`, `fa_IR.UTF-8`,
    /// `en_GB@euro`); `None` for C, POSIX and languages matrixctl does not speak.
    pub fn from_locale(s: &str) -> Option<Lang> {
        let lang = s
            .split(['_', '.', '@', '-'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match lang.as_str() {
            "fa" | "per" | "fas" => Some(Lang::Fa),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language the environment asks for, as gettext reads it: the first of LC_ALL,
    /// LC_MESSAGES, LANG that is set and not empty decides; C, POSIX, unset and languages
    /// matrixctl does not speak mean English.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|k| var(k).filter(|v| !v.is_empty()))
            .and_then(|v| Lang::from_locale(&v))
            .unwrap_or(Lang::En)
    }

    /// `--lang` when given, else the environment.
    pub fn choose(flag: Option<&str>, var: impl Fn(&str) -> Option<String>) -> Lang {
        flag.and_then(Lang::from_locale)
            .unwrap_or_else(|| Lang::from_env(var))
    }

    fn ftl(self) -> &'static str {
        match self {
            Lang::En => EN_FTL,
            Lang::Fa => FA_FTL,
        }
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        static EN: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
        static FA: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
        let cell = match self {
            Lang::En => &EN,
            Lang::Fa => &FA,
        };
        cell.get_or_init(|| {
            let res = FluentResource::try_new(self.ftl().to_string()).unwrap_or_else(|(_, e)| {
                panic!("{}/matrixctl.ftl does not parse: {e:?}", self.code())
            });
            let id = self.code().parse().expect("a language id");
            let mut b = FluentBundle::new_concurrent(vec![id]);
            // English output stays exactly as it was; Persian isolates every placeholder.
            b.set_use_isolating(self == Lang::Fa);
            // `{ CODE("/_matrix") }`: a technical fragment written in a translation itself. A
            // function's result is isolated like a placeholder (a string literal's is not).
            b.add_function("CODE", |pos, _| {
                pos.first().cloned().unwrap_or(FluentValue::None)
            })
            .expect("CODE is defined once");
            b.add_resource(res)
                .unwrap_or_else(|e| panic!("{}/matrixctl.ftl: {e:?}", self.code()));
            b
        })
    }
}

/// The process's language: 0 not chosen (English), 1 English, 2 Persian.
static CHOSEN: AtomicU8 = AtomicU8::new(0);

thread_local! {
    static OVERRIDE: Cell<Option<Lang>> = const { Cell::new(None) };
}

/// Sets the language of the process (at start, from `--lang` and the locale; and to English
/// for a run whose output is for machines, `--json`, so that no translated fragment, such as a
/// network error inside a finding, reaches it).
pub fn init(lang: Lang) {
    CHOSEN.store(
        match lang {
            Lang::En => 1,
            Lang::Fa => 2,
        },
        Ordering::Relaxed,
    );
}

/// The language of this thread: a `with_lang` override, else the one chosen at start, else
/// English.
pub fn current() -> Lang {
    OVERRIDE
        .with(Cell::get)
        .unwrap_or(match CHOSEN.load(Ordering::Relaxed) {
            2 => Lang::Fa,
            _ => Lang::En,
        })
}

/// Runs `f` with this thread speaking `lang` (tests render both languages in one process).
pub fn with_lang<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    let before = OVERRIDE.with(|o| o.replace(Some(lang)));
    let out = f();
    OVERRIDE.with(|o| o.set(before));
    out
}

fn is_arabic_script(c: char) -> bool {
    matches!(c, '\u{600}'..='\u{6ff}' | '\u{fb50}'..='\u{fdff}' | '\u{fe70}'..='\u{feff}')
}

/// Whether a placeholder is a number (plural selection): `n` and `n_*`.
fn is_count(name: &str) -> bool {
    name == "n" || name.starts_with("n_")
}

/// Message `id` in `lang`, with its placeholders. A message missing from `lang` falls back to
/// English, and one missing from both shows its id (the catalogue tests rule both out).
pub fn format(lang: Lang, id: &str, args: &[(&str, String)]) -> String {
    let bundle = lang.bundle();
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return if lang == Lang::En {
            id.to_string()
        } else {
            format(Lang::En, id, args)
        };
    };
    let mut fa = FluentArgs::with_capacity(args.len());
    for (k, v) in args {
        if is_count(k) {
            fa.set(*k, FluentValue::try_number(v.as_str()));
        } else {
            fa.set(*k, v.as_str());
        }
    }
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, Some(&fa), &mut errors);
    debug_assert!(errors.is_empty(), "{id}: {errors:?}");
    let mut out = out.into_owned();
    // An empty placeholder leaves nothing to isolate.
    out = out.replace("\u{2068}\u{2069}", "");
    // A placeholder holding Persian text (a message inside a message: a hint, a fix) already
    // runs right to left, and one holding a message with isolates of its own has its fragments
    // isolated already; only bare technical fragments need the isolates.
    for (_, v) in args {
        if v.chars().any(is_arabic_script) || v.contains('\u{2068}') {
            out = out.replace(&format!("\u{2068}{v}\u{2069}"), v);
        }
    }
    out
}

/// `id` as the English catalogue spells it, when the catalogue has it.
fn catalogue_id(id: &str) -> Option<&'static str> {
    EN_FTL
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k))
        .find(|k| *k == id)
}

/// Text that renders in the current language when shown and in English when serialised
/// (doctor's findings appear in both the human report and `--json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// A catalogue message and its placeholders, each rendered in the same language first (a
    /// placeholder may itself be a message: matrixd's "found the string …" inside "expected …").
    Msg {
        id: &'static str,
        args: Vec<(Cow<'static, str>, Text)>,
    },
    /// Text that is the same in every language (a value, an OS's own message).
    Raw(String),
    /// Pieces shown one after the other, each in the same language.
    Concat(Vec<Text>),
}

impl Text {
    pub fn in_lang(&self, lang: Lang) -> String {
        match self {
            Text::Msg { id, args } => {
                let args: Vec<(&str, String)> =
                    args.iter().map(|(k, v)| (&**k, v.in_lang(lang))).collect();
                format(lang, id, &args)
            }
            Text::Raw(s) => s.clone(),
            Text::Concat(parts) => parts.iter().map(|p| p.in_lang(lang)).collect(),
        }
    }
    /// The English text (for `--json` and logs).
    pub fn en(&self) -> String {
        self.in_lang(Lang::En)
    }

    /// This message with placeholder `name` set to `value` (a message inside a message).
    pub fn with_arg(mut self, name: &str, value: Text) -> Text {
        if let Text::Msg { args, .. } = &mut self {
            match args.iter_mut().find(|(k, _)| k == name) {
                Some((_, v)) => *v = value,
                None => args.push((Cow::Owned(name.to_string()), value)),
            }
        }
        self
    }

    /// The text as data (ids and arguments, not words), for another matrixctl process to render
    /// in its own language: a message is `{"id": …, "args": {name: text}}`, raw text a string,
    /// pieces a list.
    pub fn to_wire(&self) -> serde_json::Value {
        match self {
            Text::Msg { id, args } => serde_json::json!({
                "id": id,
                "args": args
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_wire()))
                    .collect::<serde_json::Map<_, _>>(),
            }),
            Text::Raw(s) => serde_json::Value::String(s.clone()),
            Text::Concat(parts) => parts.iter().map(Text::to_wire).collect(),
        }
    }

    /// The text `to_wire` wrote; `None` for anything else, or a message id the catalogue lacks.
    pub fn from_wire(v: &serde_json::Value) -> Option<Text> {
        Some(match v {
            serde_json::Value::String(s) => Text::Raw(s.clone()),
            serde_json::Value::Array(parts) => Text::Concat(
                parts
                    .iter()
                    .map(Text::from_wire)
                    .collect::<Option<Vec<_>>>()?,
            ),
            serde_json::Value::Object(m) => Text::Msg {
                id: catalogue_id(m.get("id")?.as_str()?)?,
                args: m
                    .get("args")?
                    .as_object()?
                    .iter()
                    .map(|(k, v)| Some((Cow::Owned(k.clone()), Text::from_wire(v)?)))
                    .collect::<Option<Vec<_>>>()?,
            },
            _ => return None,
        })
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.in_lang(current()))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::Raw(s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::Raw(s.to_string())
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.en() == *other
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.en())
    }
}

/// `msg!("id", name = value, …)`: a `Text` (rendered when shown).
#[macro_export]
macro_rules! msg {
    ($id:literal $(, $k:ident = $v:expr)* $(,)?) => {
        $crate::i18n::Text::Msg {
            id: $id,
            args: vec![$((
                ::std::borrow::Cow::Borrowed(stringify!($k)),
                $crate::i18n::Text::Raw(($v).to_string()),
            )),*],
        }
    };
}

/// `tr!("id", name = value, …)`: the message in the current language, as a `String`.
#[macro_export]
macro_rules! tr {
    ($id:literal $(, $k:ident = $v:expr)* $(,)?) => {
        $crate::i18n::format(
            $crate::i18n::current(),
            $id,
            &[$((stringify!($k), ($v).to_string())),*],
        )
    };
}

/// Pads `s` with spaces to `width` terminal columns (display width, not bytes or chars:
/// Persian joiners and the isolates take no column).
pub fn pad(s: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(s);
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// Display width of `s` in terminal columns.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

pub mod problems;

#[cfg(test)]
mod tests;
