//! JSON values as ruma's raw event types: the services build events as JSON, and the typed
//! responses (ruma's and our own) hold them as `Raw<T>`.

use ruma::serde::Raw;
use serde_json::Value;

/// A JSON value as the raw event type `T`.
pub fn raw<T>(v: &Value) -> Raw<T> {
    Raw::from_json(serde_json::value::to_raw_value(v).expect("a JSON value serializes"))
}

/// JSON values as raw events.
pub fn raws<T>(v: &[Value]) -> Vec<Raw<T>> {
    v.iter().map(raw).collect()
}
