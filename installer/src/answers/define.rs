//! The machinery behind the one table of questions in `answers/mod.rs`: the `answers!` macro
//! turns each entry (doc, key, type, prompt, default, …) into a field of `Given` (partial
//! answers: flags, answers file, prompts), a field of `Answers` (complete answers, for the
//! planner) and a `Question` (the erased form the wizard, the flag parser and the answers file
//! iterate over). Nothing here names a particular question.

use clap::{Arg, ArgAction, ArgMatches};
use serde::de::{self, Deserializer, Visitor};

use super::values::{Kind, Value};

/// One question, erased to strings: everything the wizard, the flags and the answers file need.
pub struct Question<G: 'static> {
    /// Key in the answers file; the flag is the same name with '-' unless `flag_override`.
    pub key: &'static str,
    pub flag_override: &'static str,
    pub value_name: &'static str,
    /// The flag's help (the entry's doc comment).
    pub doc: &'static str,
    pub prompt: &'static str,
    /// Shown before the prompt.
    pub explain: &'static str,
    pub kind: fn() -> Kind,
    /// Required without a default: with `--yes` or no terminal, a missing answer is an error.
    pub required: bool,
    /// The default, from the answers so far (`None`: no default).
    pub default: fn(&G) -> Option<String>,
    /// Whether the question applies, given the answers so far.
    pub applies: fn(&G) -> bool,
    /// The type's validator, on one value.
    pub validate: fn(&str) -> Result<(), String>,
    /// The answer, as text (empty: none).
    pub get: fn(&G) -> Vec<String>,
    /// Sets the answer from text (empty: none), validating it.
    pub set: fn(&mut G, Vec<String>) -> Result<(), String>,
    pub is_set: fn(&G) -> bool,
    /// Its clap argument (value parser, action and any customisation of the entry).
    pub arg: fn(Arg) -> Arg,
    pub read_matches: fn(&mut G, &ArgMatches),
}

impl<G> Question<G> {
    /// `--server-name`.
    pub fn flag(&self) -> String {
        format!("--{}", self.long())
    }

    fn long(&self) -> String {
        if self.flag_override.is_empty() {
            self.key.replace('_', "-")
        } else {
            self.flag_override.to_string()
        }
    }

    /// The clap argument: `--flag VALUE`, its help the doc comment plus a default that does
    /// not depend on other answers. Never a clap default: an absent flag must not override the
    /// answers file or an earlier install.
    pub fn clap_arg(&self, empty: &G) -> Arg {
        // clap (without its `string` feature) keeps &'static str; this runs once per parse.
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let mut help = self.doc.trim().trim_end_matches('.').to_string();
        if let Some(d) = (self.default)(empty) {
            help.push_str(&format!(" [default: {d}]"));
        }
        let value_name = if self.value_name.is_empty() {
            self.key.to_uppercase()
        } else {
            self.value_name.to_string()
        };
        (self.arg)(
            Arg::new(self.key)
                .long(leak(self.long()))
                .value_name(leak(value_name))
                .help(leak(help)),
        )
    }
}

/// A field of `Given`: one optional value, or a list.
pub trait Slot: Sized {
    fn kind() -> Kind;
    fn validate(s: &str) -> Result<(), String>;
    fn is_set(&self) -> bool;
    fn strings(&self) -> Vec<String>;
    fn set_strings(&mut self, values: Vec<String>) -> Result<(), String>;
    /// `other`'s answer, when it has one, wins.
    fn overlay(&mut self, other: &Self);
    fn arg(arg: Arg) -> Arg;
    fn read_matches(&mut self, m: &ArgMatches, id: &str);
    /// Reads the answers-file value: a string, or a TOML boolean (yes/no) or integer, parsed
    /// with the type's validator; lists are arrays of those.
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

impl<T: Value> Slot for Option<T> {
    fn kind() -> Kind {
        T::kind()
    }
    fn validate(s: &str) -> Result<(), String> {
        s.parse::<T>().map(|_| ())
    }
    fn is_set(&self) -> bool {
        self.is_some()
    }
    fn strings(&self) -> Vec<String> {
        self.iter().map(T::to_string).collect()
    }
    fn set_strings(&mut self, values: Vec<String>) -> Result<(), String> {
        *self = values.first().map(|v| v.parse()).transpose()?;
        Ok(())
    }
    fn overlay(&mut self, other: &Self) {
        if other.is_some() {
            self.clone_from(other);
        }
    }
    fn arg(arg: Arg) -> Arg {
        arg.action(ArgAction::Set).value_parser(T::value_parser())
    }
    fn read_matches(&mut self, m: &ArgMatches, id: &str) {
        if let Some(v) = m.get_one::<T>(id) {
            *self = Some(v.clone());
        }
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = d.deserialize_any(Scalar)?;
        s.parse().map(Some).map_err(de::Error::custom)
    }
}

impl<T: Value> Slot for Vec<T> {
    fn kind() -> Kind {
        Kind::List
    }
    fn validate(s: &str) -> Result<(), String> {
        s.parse::<T>().map(|_| ())
    }
    fn is_set(&self) -> bool {
        !self.is_empty()
    }
    fn strings(&self) -> Vec<String> {
        self.iter().map(T::to_string).collect()
    }
    fn set_strings(&mut self, values: Vec<String>) -> Result<(), String> {
        *self = values.iter().map(|v| v.parse()).collect::<Result<_, _>>()?;
        Ok(())
    }
    fn overlay(&mut self, other: &Self) {
        if !other.is_empty() {
            self.clone_from(other);
        }
    }
    fn arg(arg: Arg) -> Arg {
        arg.action(ArgAction::Append)
            .value_parser(T::value_parser())
    }
    fn read_matches(&mut self, m: &ArgMatches, id: &str) {
        if let Some(vs) = m.get_many::<T>(id) {
            *self = vs.cloned().collect();
        }
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = d.deserialize_any(Scalars)?;
        items
            .iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()
            .map_err(de::Error::custom)
    }
}

/// One answers-file value as text: strings as they are, booleans as yes/no, integers.
struct Scalar;

impl<'de> Visitor<'de> for Scalar {
    type Value = String;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(if v { "yes" } else { "no" }.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<String, E> {
        Err(E::custom("expected a string, found float"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(de::Error::custom("expected a string, found array"))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(de::Error::custom("expected a string, found table"))
    }
}

/// A list value: an array of scalars, or one scalar.
struct Scalars;

impl<'de> Visitor<'de> for Scalars {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of strings")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(ScalarSeed)? {
            out.push(v);
        }
        Ok(out)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
        Scalar.visit_str(v).map(|s| vec![s])
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<String>, E> {
        Scalar.visit_bool(v).map(|s| vec![s])
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<String>, E> {
        Scalar.visit_i64(v).map(|s| vec![s])
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<String>, E> {
        Scalar.visit_u64(v).map(|s| vec![s])
    }
}

struct ScalarSeed;

impl<'de> de::DeserializeSeed<'de> for ScalarSeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(Scalar)
    }
}

/// `Given`'s field type for a shape: `one` and `opt` answers are optional until complete;
/// `list` answers are a possibly empty list.
macro_rules! given_ty {
    (one $t:ty) => { Option<$t> };
    (opt $t:ty) => { Option<$t> };
    (list $t:ty) => { Vec<$t> };
}

/// `Answers`' field type: `one` answers always have a value once complete (they apply always
/// and are required or have a default); `opt` answers may be absent.
macro_rules! answers_ty {
    (one $t:ty) => { $t };
    (opt $t:ty) => { Option<$t> };
    (list $t:ty) => { Vec<$t> };
}

macro_rules! to_answers {
    (one $v:expr, $key:expr) => {
        $v.clone()
            .ok_or_else(|| $crate::tr!("plan-err-missing", key = $key))?
    };
    (opt $v:expr, $key:expr) => {
        $v.clone()
    };
    (list $v:expr, $key:expr) => {
        $v.clone()
    };
}

macro_rules! to_given {
    (one $v:expr) => {
        Some($v.clone())
    };
    (opt $v:expr) => {
        $v.clone()
    };
    (list $v:expr) => {
        $v.clone()
    };
}

macro_rules! or_default {
    (, $d:expr) => {
        $d
    };
    ($v:expr, $d:expr) => {
        $v
    };
}

/// Declares every install question once. Each entry:
///
/// ```text
/// /// Flag help.
/// key: Type, shape {            // shape: one | opt | list (see `answers_ty!`)
///     flag: "turn-uri",         // optional: the flag when it is not the key with '-'
///     value_name: "NAME",       // optional: [default: the key in capitals]
///     clap: |a| a.num_args(0..=1), // optional: more clap settings
///     prompt: "…", explain: "…",
///     required: bool,
///     default: |given| Option<Type>,
///     applies: |given| bool,
/// }
/// ```
///
/// and generates `Given`, `Answers` and `QUESTIONS` (in declaration order: the order the
/// wizard asks, the flags are listed and the answers file is written).
macro_rules! answers {
    ($(
        $(#[doc = $doc:literal])*
        $key:ident : $vt:ty, $shape:ident {
            $(flag: $flag:literal,)?
            $(value_name: $vn:literal,)?
            $(clap: $clap:expr,)?
            prompt: $prompt:literal,
            explain: $explain:literal,
            required: $required:literal,
            default: $default:expr,
            applies: $applies:expr $(,)?
        }
    ),+ $(,)?) => {
        /// Answers as given so far (flags, the answers file, an earlier install, prompts): any
        /// may be missing. Read from the answers file with serde; unknown keys are errors.
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Given {
            $(
                $(#[doc = $doc])*
                #[serde(default, deserialize_with = "crate::answers::define::Slot::deserialize")]
                pub $key: given_ty!($shape $vt),
            )+
        }

        impl Given {
            /// `other`'s answers win over ours.
            pub fn overlay(&mut self, other: &Given) {
                $( $crate::answers::define::Slot::overlay(&mut self.$key, &other.$key); )+
            }
        }

        /// Complete answers: what the planner takes.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Answers {
            $(
                $(#[doc = $doc])*
                pub $key: answers_ty!($shape $vt),
            )+
        }

        impl Answers {
            /// Complete answers from given ones (after the wizard filled in defaults).
            pub fn from_given(g: &Given) -> Result<Answers, String> {
                for q in QUESTIONS {
                    if q.required && (q.applies)(g) && !(q.is_set)(g) {
                        return Err($crate::tr!("answers-missing", key = q.key, flag = q.flag()));
                    }
                }
                Ok(Answers {
                    $( $key: to_answers!($shape g.$key, stringify!($key)), )+
                })
            }

            /// The same answers as given ones (for the answers file).
            pub fn to_given(&self) -> Given {
                Given {
                    $( $key: to_given!($shape self.$key), )+
                }
            }
        }

        /// The questions, in the order the wizard asks them.
        pub const QUESTIONS: &[Question] = &[$(
            Question {
                key: stringify!($key),
                flag_override: or_default!($($flag)?, ""),
                value_name: or_default!($($vn)?, ""),
                doc: concat!($($doc, "\n",)* ""),
                prompt: $prompt,
                explain: $explain,
                kind: <given_ty!($shape $vt) as $crate::answers::define::Slot>::kind,
                required: $required,
                default: |g| {
                    let default: fn(&Given) -> Option<$vt> = $default;
                    default(g).map(|v| v.to_string())
                },
                applies: $applies,
                validate: <given_ty!($shape $vt) as $crate::answers::define::Slot>::validate,
                get: |g| $crate::answers::define::Slot::strings(&g.$key),
                set: |g, v| $crate::answers::define::Slot::set_strings(&mut g.$key, v),
                is_set: |g| $crate::answers::define::Slot::is_set(&g.$key),
                arg: |a| {
                    let custom: fn(clap::Arg) -> clap::Arg = or_default!($($clap)?, |a| a);
                    custom(<given_ty!($shape $vt) as $crate::answers::define::Slot>::arg(a))
                },
                read_matches: |g, m| {
                    $crate::answers::define::Slot::read_matches(&mut g.$key, m, stringify!($key))
                },
            },
        )+];
    };
}

pub(crate) use {answers, answers_ty, given_ty, or_default, to_answers, to_given};
