//! A JSON tree that keeps object members in document order and refuses duplicate names.
//!
//! `serde_json::Value` keeps the last of two equal names; IAM documents do not say what they
//! do. SECURITY: two `Effect` members (or two `Condition` keys) would let a reviewer and the
//! evaluator read different policies, so a duplicate name is a syntax error here.
//! Nesting depth is bounded by `serde_json`'s recursion limit (128 levels).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// One JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// A number, as written in the document (so `10` and `10.0` keep their text).
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in document order; names are unique.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses `text`; `None` if it is not JSON or has a duplicate member name.
    pub(crate) fn parse(text: &str) -> Option<Json> {
        serde_json::from_str(text).ok()
    }

    /// The member called `name`, if this is an object that has one.
    pub(crate) fn member(&self, name: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members
                .iter()
                .find_map(|(key, value)| (key == name).then_some(value)),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Json, E> {
        Ok(Json::Number(value.to_string()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Json, E> {
        Ok(Json::Number(value.to_string()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Json, E> {
        Ok(Json::Number(value.to_string()))
    }

    fn visit_str<E>(self, value: &str) -> Result<Json, E> {
        Ok(Json::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Json, E> {
        Ok(Json::String(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members: Vec<(String, Json)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.iter().any(|(existing, _)| *existing == name) {
                return Err(de::Error::custom("duplicate member name"));
            }
            let value = map.next_value()?;
            members.push((name, value));
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_member_order() {
        let json = Json::parse(r#"{"b": 1, "a": [true, null, "x"]}"#).unwrap();
        let Json::Object(members) = json else {
            panic!("not an object")
        };
        assert_eq!(members[0].0, "b");
        assert_eq!(members[0].1, Json::Number("1".to_owned()));
        assert_eq!(
            members[1].1,
            Json::Array(vec![
                Json::Bool(true),
                Json::Null,
                Json::String("x".to_owned())
            ])
        );
    }

    #[test]
    fn refuses_duplicate_member_names() {
        assert_eq!(
            Json::parse(r#"{"Effect": "Allow", "Effect": "Deny"}"#),
            None
        );
        assert!(Json::parse(r#"{"a": {"b": 1}, "c": {"b": 2}}"#).is_some());
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing_the_stack() {
        let deep = "[".repeat(100_000);
        assert_eq!(Json::parse(&deep), None);
    }
}
