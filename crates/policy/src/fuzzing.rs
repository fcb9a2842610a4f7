//! Entry points for fuzz targets (`fuzz/`) and for replaying the test cases through them.
//! Not part of the API.

use crate::{
    Arn, Context, ContextValue, Policy, PolicyKind, PolicySet, Principal, Request, Verdict,
    evaluate,
};

/// Parses `data` (as UTF-8, lossily) as each kind of policy and evaluates every policy that
/// parses against a few fixed requests. Must never panic; returns how many kinds parsed.
pub fn parse_and_evaluate(data: &[u8]) -> usize {
    let text = String::from_utf8_lossy(data);
    let mut context = Context::new();
    context.insert("aws:userid", ContextValue::string("AROAEXAMPLE:jdoe"));
    context.insert(
        "saml:aud",
        ContextValue::string("https://signin.aws.amazon.com/saml"),
    );
    context.insert("aws:SourceIp", ContextValue::Ip([203, 0, 113, 7].into()));
    context.insert_all(
        "aws:TagKeys",
        [ContextValue::string("a"), ContextValue::string("b")],
    );
    let resource =
        Arn::parse("arn:aws:connect:eu-west-2:123456789012:instance/ID/user/AROAEXAMPLE:jdoe").ok();
    let principal = Principal::classify("arn:aws:iam::123456789012:saml-provider/Okta");
    let mut parsed = 0;
    for kind in [
        PolicyKind::Identity,
        PolicyKind::Trust,
        PolicyKind::Session,
        PolicyKind::Boundary,
    ] {
        let Ok(policy) = Policy::parse(&text, kind) else {
            continue;
        };
        parsed += 1;
        let policies = std::slice::from_ref(&policy);
        let set = match kind {
            PolicyKind::Trust => PolicySet {
                trust: Some(&policy),
                ..PolicySet::default()
            },
            PolicyKind::Identity => PolicySet {
                identity: policies,
                ..PolicySet::default()
            },
            PolicyKind::Session => PolicySet {
                identity: policies,
                session: policies,
                ..PolicySet::default()
            },
            PolicyKind::Boundary => PolicySet {
                identity: policies,
                boundary: Some(&policy),
                ..PolicySet::default()
            },
        };
        for action in [
            "sts:AssumeRoleWithSAML",
            "connect:GetFederationToken",
            "s3:GetObject",
        ] {
            let request = Request {
                principal: Some(&principal),
                action,
                resource: resource.as_ref(),
                context: &context,
            };
            let decision = evaluate(&set, &request);
            // A decision always explains itself.
            let explained = match decision.effect() {
                Verdict::Allow | Verdict::ExplicitDeny => !decision.deciding().is_empty(),
                Verdict::ImplicitDeny => decision.missing_allow().is_some(),
            };
            assert!(explained, "unexplained decision {decision:?}");
        }
    }
    parsed
}
