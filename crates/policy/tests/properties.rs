//! Properties of evaluation over generated policies: a matching explicit Deny always decides,
//! no Allow never allows, and action names compare without regard to case.
#![expect(
    clippy::unwrap_used,
    reason = "a test: a failed unwrap is a failed test"
)]

use fedgate_policy::{
    Arn, Context, ContextValue, Effect, Layer, Policy, PolicyKind, PolicySet, Request, Verdict,
    evaluate,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const REQUEST_ACTION: &str = "s3:GetObject";
const REQUEST_RESOURCE: &str = "arn:aws:s3:::bucket/home/alice/x";

fn action() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("s3:GetObject")),
        Just(json!("s3:Get*")),
        Just(json!("S3:getobject")),
        Just(json!("s3:PutObject")),
        Just(json!("*")),
        Just(json!(["ec2:*", "s3:?etObject"])),
    ]
}

fn resource() -> impl Strategy<Value = (&'static str, Value)> {
    prop_oneof![
        Just(("Resource", json!("*"))),
        Just(("Resource", json!("arn:aws:s3:::bucket/*"))),
        Just((
            "Resource",
            json!("arn:aws:s3:::bucket/home/${aws:username}/*")
        )),
        Just(("Resource", json!("arn:aws:s3:::other/*"))),
        Just(("NotResource", json!("arn:aws:s3:::other/*"))),
    ]
}

fn condition() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(json!({"StringEquals": {"aws:username": "alice"}}))),
        Just(Some(json!({"StringNotEquals": {"aws:username": "alice"}}))),
        Just(Some(
            json!({"ForAllValues:StringLike": {"aws:TagKeys": ["a*"]}})
        )),
        Just(Some(
            json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
        )),
        Just(Some(json!({"Null": {"aws:TokenIssueTime": "false"}}))),
    ]
}

fn statement(effect: impl Strategy<Value = &'static str>) -> impl Strategy<Value = Value> {
    (effect, action(), resource(), condition()).prop_map(
        |(effect, action, (resource_element, resource), condition)| {
            let mut statement = serde_json::Map::new();
            statement.insert("Effect".to_owned(), json!(effect));
            statement.insert("Action".to_owned(), action);
            statement.insert(resource_element.to_owned(), resource);
            if let Some(condition) = condition {
                statement.insert("Condition".to_owned(), condition);
            }
            Value::Object(statement)
        },
    )
}

fn any_effect() -> impl Strategy<Value = &'static str> + Clone {
    prop_oneof![Just("Allow"), Just("Deny")]
}

fn document(statements: Vec<Value>) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// Identity, boundary and session documents, each with 1–6 statements.
fn layers(
    effect: impl Strategy<Value = &'static str> + Clone,
) -> impl Strategy<Value = [Vec<Value>; 3]> {
    let layer = || proptest::collection::vec(statement(effect.clone()), 1..6);
    (layer(), layer(), layer())
        .prop_map(|(identity, boundary, session)| [identity, boundary, session])
}

fn context() -> Context {
    let mut context = Context::new();
    context.insert("aws:username", ContextValue::string("alice"));
    context.insert("aws:SourceIp", ContextValue::Ip([203, 0, 113, 9].into()));
    context.insert_all("aws:TagKeys", [ContextValue::string("ab")]);
    context
}

struct Parsed {
    identity: Vec<Policy>,
    boundary: Policy,
    session: Vec<Policy>,
}

fn parse(layers: &[Vec<Value>; 3]) -> Parsed {
    let [identity, boundary, session] = layers;
    Parsed {
        identity: vec![Policy::parse(&document(identity.clone()), PolicyKind::Identity).unwrap()],
        boundary: Policy::parse(&document(boundary.clone()), PolicyKind::Boundary).unwrap(),
        session: vec![Policy::parse(&document(session.clone()), PolicyKind::Session).unwrap()],
    }
}

fn decide(parsed: &Parsed, action: &str) -> (Verdict, Vec<(Layer, usize, Effect)>) {
    let context = context();
    let resource = Arn::parse(REQUEST_RESOURCE).unwrap();
    let request = Request {
        principal: None,
        action,
        resource: Some(&resource),
        context: &context,
    };
    let set = PolicySet {
        identity: &parsed.identity,
        trust: None,
        boundary: Some(&parsed.boundary),
        session: &parsed.session,
    };
    let decision = evaluate(&set, &request);
    let deciding = decision
        .deciding()
        .iter()
        .map(|s| (s.layer, s.statement, s.effect))
        .collect();
    (decision.effect(), deciding)
}

proptest! {
    #[test]
    fn a_matching_explicit_deny_always_decides(
        mut layers in layers(any_effect()),
        layer in 0usize..3,
        position in any::<prop::sample::Index>(),
    ) {
        let target = &mut layers[layer];
        let at = position.index(target.len() + 1);
        target.insert(at, json!({"Effect": "Deny", "Action": "s3:getobject", "Resource": "arn:aws:s3:::bucket/*"}));
        let parsed = parse(&layers);
        let (verdict, deciding) = decide(&parsed, REQUEST_ACTION);
        prop_assert_eq!(verdict, Verdict::ExplicitDeny);
        let layer = [Layer::Identity, Layer::Boundary, Layer::Session][layer];
        prop_assert!(deciding.contains(&(layer, at, Effect::Deny)), "{:?}", deciding);
        prop_assert!(deciding.iter().all(|(_, _, effect)| *effect == Effect::Deny));
    }

    #[test]
    fn without_an_allow_nothing_is_allowed(layers in layers(Just("Deny"))) {
        let parsed = parse(&layers);
        let (verdict, deciding) = decide(&parsed, REQUEST_ACTION);
        prop_assert_ne!(verdict, Verdict::Allow);
        prop_assert_eq!(verdict == Verdict::ImplicitDeny, deciding.is_empty());
    }

    #[test]
    fn without_an_identity_allow_other_layers_grant_nothing(layers in layers(Just("Allow"))) {
        // Boundary and session hold only Allows; the identity layer only a Deny that does
        // not match: nothing denies, and the boundary and session alone grant nothing.
        let mut layers = layers;
        layers[0] = vec![json!({"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"})];
        let parsed = parse(&layers);
        let (verdict, deciding) = decide(&parsed, REQUEST_ACTION);
        prop_assert_eq!(verdict, Verdict::ImplicitDeny);
        prop_assert!(deciding.is_empty());
    }

    #[test]
    fn actions_compare_without_regard_to_case(layers in layers(any_effect())) {
        let parsed = parse(&layers);
        prop_assert_eq!(
            decide(&parsed, REQUEST_ACTION),
            decide(&parsed, &REQUEST_ACTION.to_uppercase())
        );
    }

    #[test]
    fn the_fuzz_target_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        fedgate_policy::fuzzing::parse_and_evaluate(&bytes);
    }

    #[test]
    fn the_fuzz_target_never_panics_on_mutated_policies(
        layers in layers(any_effect()),
        cut in any::<prop::sample::Index>(),
        insert in "[\\[\\]{}\",:*?$ a-zA-Z0-9]{0,8}",
    ) {
        let mut text = document(layers[0].clone());
        let at = cut.index(text.len());
        if text.is_char_boundary(at) {
            text.insert_str(at, &insert);
        }
        fedgate_policy::fuzzing::parse_and_evaluate(text.as_bytes());
    }

    #[test]
    fn generated_conditions_parse_or_are_refused_and_never_panic(
        prefix in prop_oneof![Just(""), Just("ForAllValues:"), Just("ForAnyValue:")],
        operator in prop_oneof![
            Just("StringLike"), Just("StringNotEqualsIgnoreCase"), Just("NumericLessThan"),
            Just("DateGreaterThanEquals"), Just("Bool"), Just("BinaryEquals"),
            Just("NotIpAddress"), Just("ArnLike"), Just("ArnNotEquals"), Just("Null"),
        ],
        if_exists in any::<bool>(),
        values in proptest::collection::vec("[a-z0-9:/*?.${}', -]{0,12}", 0..4),
        context_value in "[a-z0-9:/*?.${}', -]{0,16}",
    ) {
        let operator = format!("{prefix}{operator}{}", if if_exists { "IfExists" } else { "" });
        let text = json!({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*",
            "Resource": "*", "Condition": {operator: {"k:a": values, "k:b": "${k:a}"}}}})
        .to_string();
        let Ok(policy) = Policy::parse(&text, PolicyKind::Identity) else {
            return Ok(());
        };
        let mut context = Context::new();
        context.insert("k:a", ContextValue::string(context_value.clone()));
        context.insert_all("k:b", [ContextValue::string(context_value)]);
        let identity = [policy];
        let request = Request { principal: None, action: "x:Y", resource: None, context: &context };
        let set = PolicySet { identity: &identity, ..PolicySet::default() };
        let decision = evaluate(&set, &request);
        prop_assert_ne!(decision.effect(), Verdict::Allow);
    }
}
