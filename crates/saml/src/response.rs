//! Response validation: the pipeline of the attack catalogue (§6), on an injected `now`.

use std::borrow::Cow;

use fedgate_xmldsig::roxmltree::Node;
use fedgate_xmldsig::{Document, Limits, SignedElement, SignedNode, decode_base64};
use time::OffsetDateTime;

use crate::assertion::{Attribute, Attributes, NameId, SignatureCoverage, ValidAssertion};
use crate::error::{Rejection, SamlError};
use crate::metadata::IdpMetadata;
use crate::names::{
    ASSERTION_NAMESPACE, BEARER, DSIG_NAMESPACE, ENTITY_FORMAT, PROTOCOL_NAMESPACE, STATUS_SUCCESS,
};
use crate::provider::{MAX_ASSERTION_AGE, ServiceProvider};
use crate::timestamp::parse_timestamp;

/// The largest `SAMLResponse` AWS accepts: 100,000 base64 characters (IAM quotas).
pub const MAX_BASE64_CHARS: usize = 100_000;
/// The XML size that [`MAX_BASE64_CHARS`] encodes.
pub const MAX_XML_BYTES: usize = MAX_BASE64_CHARS / 4 * 3;

/// A SAML response as received, decoded but not yet parsed or trusted.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SamlResponse {
    xml: Vec<u8>,
}

impl SamlResponse {
    /// The `SAMLResponse` form field (or `SAMLAssertion` parameter): base64, XML whitespace
    /// ignored, at most [`MAX_BASE64_CHARS`] characters.
    pub fn from_base64(text: &str) -> Result<Self, SamlError> {
        // SECURITY: the size is checked before any decoding work (size bombs).
        if text.len() > MAX_BASE64_CHARS {
            return Err(Rejection::TooLarge.into());
        }
        let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
        // Whitespace is not in the base64 alphabet, so text that decodes as it is holds none:
        // the common unwrapped form is decoded in one pass, without a search for whitespace
        // first, and only text that fails is compacted and decoded again.
        let decoded = decode_base64(text.as_bytes()).or_else(|| {
            if text.as_bytes().iter().any(is_space) {
                // Line-wrapped text: the runs between line ends are copied whole.
                let mut compact = Vec::with_capacity(text.len());
                for run in text.as_bytes().split(is_space) {
                    compact.extend_from_slice(run);
                }
                decode_base64(&compact)
            } else {
                None
            }
        });
        let xml = decoded.ok_or_else(|| SamlError::from(Rejection::NotBase64))?;
        Ok(Self { xml })
    }

    /// A response given as XML (for tools), held to the size that [`MAX_BASE64_CHARS`] allows.
    pub fn from_xml(xml: &[u8]) -> Result<Self, SamlError> {
        if xml.len() > MAX_XML_BYTES {
            return Err(Rejection::TooLarge.into());
        }
        Ok(Self { xml: xml.to_vec() })
    }

    /// The XML bytes.
    pub fn xml(&self) -> &[u8] {
        &self.xml
    }
}

impl ServiceProvider {
    /// Validates `response` from an identity provider of `metadata`, at `now`.
    ///
    /// Order: parse (no DTD, limits, unique IDs) → root is a SAML 2.0 `samlp:Response` →
    /// status Success → exactly one `saml:Assertion` child and no assertion, response or
    /// signature anywhere else → issuer known, its metadata within `validUntil` → signatures (the response's if present, the
    /// assertion's if present, at least one) → from the verified bytes only: issuers,
    /// `Destination`, `InResponseTo`, NameID, one bearer `SubjectConfirmation` and its
    /// `Recipient`, `Conditions` and confirmation times, audience, `IssueInstant` age.
    pub fn validate(
        &self,
        metadata: &IdpMetadata,
        response: &SamlResponse,
        now: OffsetDateTime,
    ) -> Result<ValidAssertion, SamlError> {
        // SECURITY: one parser, no DOCTYPE, limits before the tree is built, unique NCName
        // IDs (R1, R2, R10; vectors reject/parse/*).
        let document = Document::parse(&response.xml, &Limits::default())?;
        let root = document.root_element();
        if !is(root, PROTOCOL_NAMESPACE, "Response") || root.attribute("Version") != Some("2.0") {
            return Err(SamlError::value(
                Rejection::NotAResponse,
                "root element",
                root.tag_name().name(),
            ));
        }
        // Rejecting on the untrusted tree is safe; an IdP's failure response is often unsigned
        // and carries no assertion, so this check comes first to give the useful reason.
        check_status(root)?;
        let assertion = the_assertion(root)?;
        // SECURITY: no assertion, response or signature in any other place (R4, R9): XSW1,
        // XSW2, XSW4, XSW6 and the Advice/Extensions/StatusDetail placements (reject/xsw/*).
        check_shape(root, assertion)?;

        // Provisional: the identity provider's keys are chosen by the untrusted issuer; the
        // issuers are compared again on the verified bytes below.
        let claimed_issuer = child_text(root, ASSERTION_NAMESPACE, "Issuer")
            .or_else(|| child_text(assertion, ASSERTION_NAMESPACE, "Issuer"))
            .unwrap_or_default();
        let idp = metadata.provider(&claimed_issuer).ok_or_else(|| {
            SamlError::value(Rejection::IssuerMismatch, "issuer", &claimed_issuer)
        })?;

        // Metadata past its validUntil is no longer a trust anchor (SAML Metadata §2.2.1;
        // reject/time/metadata-expired.xml).
        if let Some(until) = idp.valid_until()
            && now >= until
        {
            return Err(Rejection::MetadataExpired.into());
        }

        // SECURITY: at least one signature, and every signature present must verify (R12;
        // reject/signature/*). Keys come from the metadata only (R3).
        let response_signed = has_signature(root);
        let assertion_signed = has_signature(assertion);
        let signed_response = response_signed
            .then(|| fedgate_xmldsig::verify(&document, root, idp.keys()))
            .transpose()?;
        let signed_assertion = assertion_signed
            .then(|| fedgate_xmldsig::verify(&document, assertion, idp.keys()))
            .transpose()?;

        // SECURITY: from here on, everything is read from verified canonical bytes (R8): the
        // assertion inside the verified response, else the verified assertion itself.
        let (envelope, verified, coverage) = match (&signed_response, &signed_assertion) {
            (Some(response), assertion) => {
                let mut inner = response
                    .element()
                    .children_named(ASSERTION_NAMESPACE, "Assertion");
                let (Some(inner), None) = (inner.next(), inner.next()) else {
                    return Err(Rejection::MultipleAssertions.into());
                };
                let coverage = if assertion.is_some() {
                    SignatureCoverage::Both
                } else {
                    SignatureCoverage::Response
                };
                (Envelope::signed(response.element()), inner, coverage)
            }
            (None, Some(assertion)) => (
                // The envelope is unsigned: its fields are only ever used to reject.
                Envelope::untrusted(root),
                assertion.element(),
                SignatureCoverage::Assertion,
            ),
            (None, None) => return Err(Rejection::Unsigned.into()),
        };
        check_assertion(self, idp.entity_id(), &envelope, verified, coverage, now)
    }
}

/// The response envelope's fields, verified or not, borrowed from the verified bytes or the
/// tree.
struct Envelope<'a> {
    issuer: Option<Cow<'a, str>>,
    destination: Option<&'a str>,
    in_response_to: Option<&'a str>,
}

impl<'a> Envelope<'a> {
    fn signed(response: SignedElement<'a>) -> Self {
        Self {
            issuer: response
                .children_named(ASSERTION_NAMESPACE, "Issuer")
                .next()
                .map(signed_text),
            destination: response.attribute("Destination"),
            in_response_to: response.attribute("InResponseTo"),
        }
    }

    fn untrusted(response: Node<'a, '_>) -> Self {
        Self {
            issuer: child_text(response, ASSERTION_NAMESPACE, "Issuer"),
            destination: response.attribute("Destination"),
            in_response_to: response.attribute("InResponseTo"),
        }
    }
}

fn check_status(root: Node<'_, '_>) -> Result<(), SamlError> {
    let code = root
        .children()
        .find(|c| is(*c, PROTOCOL_NAMESPACE, "Status"))
        .and_then(|status| {
            status
                .children()
                .find(|c| is(*c, PROTOCOL_NAMESPACE, "StatusCode"))
        })
        .and_then(|code| code.attribute("Value"));
    match code {
        Some(STATUS_SUCCESS) => Ok(()),
        Some(other) => Err(SamlError::value(
            Rejection::StatusNotSuccess,
            "status",
            other,
        )),
        None => Err(SamlError::with(
            Rejection::StatusNotSuccess,
            "no StatusCode",
        )),
    }
}

/// SECURITY: exactly one `saml:Assertion` child, or the reason there is not (R9; vectors
/// reject/structure/two-assertions*, reject/encrypted/*).
fn the_assertion<'a, 'input>(root: Node<'a, 'input>) -> Result<Node<'a, 'input>, SamlError> {
    if root
        .children()
        .any(|c| is(c, ASSERTION_NAMESPACE, "EncryptedAssertion"))
    {
        return Err(Rejection::EncryptedAssertion.into());
    }
    let mut assertions = root
        .children()
        .filter(|c| is(*c, ASSERTION_NAMESPACE, "Assertion"));
    match (assertions.next(), assertions.next()) {
        (Some(assertion), None) => Ok(assertion),
        (None, _) => Err(Rejection::MissingAssertion.into()),
        (Some(_), Some(_)) => Err(Rejection::MultipleAssertions.into()),
    }
}

fn check_shape(root: Node<'_, '_>, assertion: Node<'_, '_>) -> Result<(), SamlError> {
    for node in root.descendants().skip(1).filter(Node::is_element) {
        // Looked up only for the elements whose place is checked, a few of the many.
        let parent = || node.parent_element().map(|p| p.id());
        let misplaced = if is(node, ASSERTION_NAMESPACE, "Assertion")
            || is(node, ASSERTION_NAMESPACE, "EncryptedAssertion")
        {
            parent() != Some(root.id())
        } else if is(node, PROTOCOL_NAMESPACE, "Response") {
            true
        } else if is(node, DSIG_NAMESPACE, "Signature") {
            let parent = parent();
            parent != Some(root.id()) && parent != Some(assertion.id())
        } else {
            false
        };
        if misplaced {
            let within = node
                .parent_element()
                .map(|p| p.tag_name().name())
                .unwrap_or_default();
            return Err(SamlError::with(
                Rejection::SignatureWrapped,
                format!("`{}` inside `{within}`", node.tag_name().name()),
            ));
        }
    }
    Ok(())
}

/// The protocol checks, on the verified assertion.
fn check_assertion(
    sp: &ServiceProvider,
    entity_id: &str,
    envelope: &Envelope<'_>,
    assertion: SignedElement<'_>,
    signature: SignatureCoverage,
    now: OffsetDateTime,
) -> Result<ValidAssertion, SamlError> {
    if assertion.attribute("Version") != Some("2.0") {
        return Err(SamlError::with(
            Rejection::Malformed,
            "assertion Version is not 2.0",
        ));
    }
    let id = assertion
        .attribute("ID")
        .ok_or_else(|| SamlError::with(Rejection::Malformed, "the assertion has no ID"))?;
    let issue_instant = timestamp(assertion.attribute("IssueInstant"), "IssueInstant")?;

    // SECURITY: the assertion's issuer, from signed bytes, is the metadata's entityID; the
    // response's, when present, too (reject/issuer/*).
    let issuer = only_child(assertion, ASSERTION_NAMESPACE, "Issuer")
        .ok_or_else(|| SamlError::with(Rejection::IssuerMismatch, "the assertion has no Issuer"))?;
    check_issuer(&signed_text(issuer), issuer.attribute("Format"), entity_id)?;
    if let Some(response_issuer) = &envelope.issuer
        && response_issuer != entity_id
    {
        return Err(SamlError::value(
            Rejection::IssuerMismatch,
            "response issuer",
            response_issuer,
        ));
    }

    // SECURITY: a response addressed elsewhere was meant for another service provider.
    if let Some(destination) = envelope.destination
        && !sp.accepts_recipient(destination)
    {
        return Err(SamlError::value(
            Rejection::DestinationMismatch,
            "Destination",
            destination,
        ));
    }
    if let Some(in_response_to) = envelope.in_response_to {
        return Err(SamlError::value(
            Rejection::InResponseToPresent,
            "InResponseTo",
            in_response_to,
        ));
    }

    let subject = only_child(assertion, ASSERTION_NAMESPACE, "Subject")
        .ok_or_else(|| SamlError::with(Rejection::MissingNameId, "the assertion has no Subject"))?;
    // SECURITY: all of the NameID's text, from canonical bytes without comments (R13;
    // accept/*/comment-in-name-id*).
    let name_id = only_child(subject, ASSERTION_NAMESPACE, "NameID")
        .map(|n| NameId {
            value: n.text(),
            format: n.attribute("Format").map(str::to_owned),
            name_qualifier: n.attribute("NameQualifier").map(str::to_owned),
            sp_name_qualifier: n.attribute("SPNameQualifier").map(str::to_owned),
        })
        .filter(|n| !n.value.trim().is_empty())
        .ok_or(SamlError::Rejected(Rejection::MissingNameId))?;

    // SECURITY: exactly one bearer confirmation, bound to one of our endpoints (reject/subject/*).
    let mut confirmations = subject.children_named(ASSERTION_NAMESPACE, "SubjectConfirmation");
    let confirmation = match (confirmations.next(), confirmations.next()) {
        (Some(one), None) => one,
        (None, _) => return Err(Rejection::MissingSubjectConfirmation.into()),
        (Some(_), Some(_)) => return Err(Rejection::MultipleSubjectConfirmations.into()),
    };
    if confirmation.attribute("Method") != Some(BEARER) {
        return Err(SamlError::value(
            Rejection::MissingSubjectConfirmation,
            "Method",
            confirmation.attribute("Method").unwrap_or_default(),
        ));
    }
    let data = only_child(confirmation, ASSERTION_NAMESPACE, "SubjectConfirmationData")
        .ok_or_else(|| {
            SamlError::with(
                Rejection::MissingSubjectConfirmation,
                "no SubjectConfirmationData",
            )
        })?;
    let recipient = data
        .attribute("Recipient")
        .ok_or_else(|| SamlError::with(Rejection::MissingSubjectConfirmation, "no Recipient"))?;
    let confirmation_not_on_or_after = data
        .attribute("NotOnOrAfter")
        .ok_or_else(|| SamlError::with(Rejection::MissingSubjectConfirmation, "no NotOnOrAfter"))?;
    let confirmation_not_on_or_after =
        timestamp(Some(confirmation_not_on_or_after), "NotOnOrAfter")?;
    if !sp.accepts_recipient(recipient) {
        return Err(SamlError::value(
            Rejection::RecipientMismatch,
            "Recipient",
            recipient,
        ));
    }
    if let Some(in_response_to) = data.attribute("InResponseTo") {
        return Err(SamlError::value(
            Rejection::InResponseToPresent,
            "InResponseTo",
            in_response_to,
        ));
    }

    // SECURITY: the validity window, widened by the skew on both sides (reject/time/*).
    let skew = sp.max_skew();
    let conditions = only_child(assertion, ASSERTION_NAMESPACE, "Conditions").ok_or_else(|| {
        SamlError::with(
            Rejection::AudienceMismatch,
            "the assertion has no Conditions",
        )
    })?;
    if let Some(not_before) = conditions.attribute("NotBefore") {
        let not_before = timestamp(Some(not_before), "NotBefore")?;
        if now < not_before - skew {
            return Err(SamlError::with(
                Rejection::NotYetValid,
                at("NotBefore", not_before),
            ));
        }
    }
    let conditions_not_on_or_after = conditions
        .attribute("NotOnOrAfter")
        .map(|t| timestamp(Some(t), "NotOnOrAfter"))
        .transpose()?;
    if let Some(not_on_or_after) = conditions_not_on_or_after
        && now >= not_on_or_after + skew
    {
        return Err(SamlError::with(
            Rejection::Expired,
            at("NotOnOrAfter", not_on_or_after),
        ));
    }
    if let Some(not_before) = data.attribute("NotBefore") {
        let not_before = timestamp(Some(not_before), "NotBefore")?;
        if now < not_before - skew {
            return Err(SamlError::with(
                Rejection::NotYetValid,
                at("SubjectConfirmationData NotBefore", not_before),
            ));
        }
    }
    if now >= confirmation_not_on_or_after + skew {
        return Err(SamlError::with(
            Rejection::SubjectConfirmationExpired,
            at("NotOnOrAfter", confirmation_not_on_or_after),
        ));
    }

    // SECURITY: every AudienceRestriction must name one of our audiences (SAML Core §2.5.1.4).
    let mut audiences = Vec::new();
    let mut restrictions = 0_usize;
    for restriction in conditions.children_named(ASSERTION_NAMESPACE, "AudienceRestriction") {
        restrictions += 1;
        let named: Vec<String> = restriction
            .children_named(ASSERTION_NAMESPACE, "Audience")
            .map(SignedElement::text)
            .collect();
        if !named.iter().any(|a| sp.accepts_audience(a)) {
            return Err(SamlError::value(
                Rejection::AudienceMismatch,
                "audiences",
                &named.join(" "),
            ));
        }
        audiences.extend(named);
    }
    if restrictions == 0 {
        return Err(SamlError::with(
            Rejection::AudienceMismatch,
            "no AudienceRestriction",
        ));
    }

    // SECURITY: AWS's "Token must be redeemed within 5 minutes of issuance" (reject/time/too-old*).
    if issue_instant > now + skew {
        return Err(SamlError::with(
            Rejection::IssuedInFuture,
            at("IssueInstant", issue_instant),
        ));
    }
    if now > issue_instant + MAX_ASSERTION_AGE + skew {
        return Err(SamlError::with(
            Rejection::TooOld,
            at("IssueInstant", issue_instant),
        ));
    }

    let mut session_not_on_or_after: Option<OffsetDateTime> = None;
    for statement in assertion.children_named(ASSERTION_NAMESPACE, "AuthnStatement") {
        if let Some(text) = statement.attribute("SessionNotOnOrAfter") {
            let value = timestamp(Some(text), "SessionNotOnOrAfter")?;
            session_not_on_or_after = Some(session_not_on_or_after.map_or(value, |v| v.min(value)));
        }
    }

    Ok(ValidAssertion {
        id: id.to_owned(),
        issuer: entity_id.to_owned(),
        issue_instant,
        name_id,
        recipient: recipient.to_owned(),
        audiences,
        not_on_or_after: conditions_not_on_or_after.map_or(confirmation_not_on_or_after, |c| {
            c.min(confirmation_not_on_or_after)
        }),
        session_not_on_or_after,
        attributes: attributes(assertion)?,
        signature,
    })
}

fn check_issuer(issuer: &str, format: Option<&str>, entity_id: &str) -> Result<(), SamlError> {
    if issuer != entity_id {
        return Err(SamlError::value(
            Rejection::IssuerMismatch,
            "issuer",
            issuer,
        ));
    }
    if let Some(format) = format
        && format != ENTITY_FORMAT
    {
        return Err(SamlError::value(
            Rejection::IssuerMismatch,
            "issuer Format",
            format,
        ));
    }
    Ok(())
}

fn attributes(assertion: SignedElement<'_>) -> Result<Attributes, SamlError> {
    let mut entries = Vec::new();
    for statement in assertion.children_named(ASSERTION_NAMESPACE, "AttributeStatement") {
        for attribute in statement.children_named(ASSERTION_NAMESPACE, "Attribute") {
            let name = attribute
                .attribute("Name")
                .ok_or_else(|| SamlError::with(Rejection::Malformed, "an Attribute has no Name"))?;
            entries.push(Attribute {
                name: name.to_owned(),
                name_format: attribute.attribute("NameFormat").map(str::to_owned),
                friendly_name: attribute.attribute("FriendlyName").map(str::to_owned),
                // SECURITY: each value is all of its text (R13).
                values: attribute
                    .children_named(ASSERTION_NAMESPACE, "AttributeValue")
                    .map(SignedElement::text)
                    .collect(),
            });
        }
    }
    Ok(Attributes { entries })
}

/// `what` and an instant, for a rejection's detail.
fn at(what: &str, instant: OffsetDateTime) -> String {
    let text = instant
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!("{what} {text}")
}

fn timestamp(text: Option<&str>, what: &str) -> Result<OffsetDateTime, SamlError> {
    let text = text.ok_or_else(|| SamlError::with(Rejection::Malformed, format!("no {what}")))?;
    parse_timestamp(text).ok_or_else(|| SamlError::value(Rejection::Malformed, what, text))
}

/// The one child `{namespace}name`, or `None` when there is none or more than one.
fn only_child<'s>(
    parent: SignedElement<'s>,
    namespace: &str,
    name: &str,
) -> Option<SignedElement<'s>> {
    let mut children = parent.children_named(namespace, name);
    match (children.next(), children.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

fn has_signature(element: Node<'_, '_>) -> bool {
    element
        .children()
        .any(|c| is(c, DSIG_NAMESPACE, "Signature"))
}

/// All text of the first child `{namespace}name` of an untrusted element (R13), borrowed when
/// it is one text node.
fn child_text<'a>(parent: Node<'a, '_>, namespace: &str, name: &str) -> Option<Cow<'a, str>> {
    let child = parent.children().find(|c| is(*c, namespace, name))?;
    Some(joined(
        child
            .children()
            .filter(Node::is_text)
            .filter_map(|t| t.text()),
    ))
}

/// All of a verified element's own character data, as [`SignedElement::text`] gives it,
/// borrowed from the view when it is one text node.
fn signed_text(element: SignedElement<'_>) -> Cow<'_, str> {
    joined(element.nodes().filter_map(|node| match node {
        SignedNode::Text(text) => Some(text),
        SignedNode::Element(_) => None,
    }))
}

/// The concatenation of `parts`, borrowed when there is at most one.
fn joined<'a>(mut parts: impl Iterator<Item = &'a str>) -> Cow<'a, str> {
    match (parts.next(), parts.next()) {
        (None, _) => Cow::Borrowed(""),
        (Some(one), None) => Cow::Borrowed(one),
        (Some(first), Some(second)) => {
            Cow::Owned([first, second].into_iter().chain(parts).collect())
        }
    }
}

fn is(node: Node<'_, '_>, namespace: &str, name: &str) -> bool {
    node.is_element()
        && node.tag_name().namespace() == Some(namespace)
        && node.tag_name().name() == name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_ignores_xml_whitespace_and_is_strict_otherwise() {
        let wrapped = "PHNhbWxw\r\n OlJlc3Bv\tbnNlLz4=";
        assert_eq!(
            SamlResponse::from_base64(wrapped).unwrap().xml(),
            b"<samlp:Response/>"
        );
        let error = SamlResponse::from_base64("PHNhbWxwOlJlc3BvbnNlLz4").unwrap_err();
        assert_eq!(error.rejection(), Rejection::NotBase64);
    }

    #[test]
    fn joined_text_is_the_concatenation_borrowed_when_one_part() {
        for parts in [&[][..], &["a"], &["a", "b"], &["a", "", "c", "d"]] {
            let text = joined(parts.iter().copied());
            assert_eq!(text, parts.concat());
            assert_eq!(matches!(text, Cow::Borrowed(_)), parts.len() <= 1);
        }
    }

    #[test]
    fn size_limits_match_aws_quota() {
        let at_limit = "A".repeat(MAX_BASE64_CHARS);
        assert!(SamlResponse::from_base64(&at_limit).is_ok());
        let over = "A".repeat(MAX_BASE64_CHARS + 4);
        assert_eq!(
            SamlResponse::from_base64(&over).unwrap_err().rejection(),
            Rejection::TooLarge
        );
        assert!(SamlResponse::from_xml(&vec![b' '; MAX_XML_BYTES]).is_ok());
        assert_eq!(
            SamlResponse::from_xml(&vec![b' '; MAX_XML_BYTES + 1])
                .unwrap_err()
                .rejection(),
            Rejection::TooLarge
        );
    }
}
