//! Signature verification with one fixed shape: the only constructor of [`Signed`].

use std::borrow::Cow;

use aws_lc_rs::constant_time;
use roxmltree::Node;

use crate::algorithm::{
    DSIG_NAMESPACE, DigestAlgorithm, ENVELOPED_SIGNATURE, EXC_C14N, EXC_C14N_WITH_COMMENTS,
    SignatureAlgorithm,
};
use crate::c14n::{self, C14nOptions};
use crate::document::Document;
use crate::error::{DsigError, truncated};
use crate::key::TrustedKeys;
use crate::signed::{Signed, SignedElement, SignedNode};

/// Verifies the signature that is a direct child of `element`, with `keys` only.
///
/// Accepted shape (anything else is refused): exactly one `ds:Signature` child; in it one
/// `SignedInfo`, one `SignatureValue`, at most one `KeyInfo`, no `Object`; `SignedInfo` with an
/// exc-c14n `CanonicalizationMethod` (with or without comments), an allowed `SignatureMethod`,
/// and exactly one `Reference` whose URI is `#` + the element's `ID`, with the transforms
/// enveloped-signature then exc-c14n and an allowed `DigestMethod`.
///
/// Order of checks: the SignatureValue is verified over the canonical SignedInfo first, and the
/// Reference is then read from those verified bytes only (a tampered Reference can never steer
/// what is digested).
pub fn verify<'k>(
    doc: &Document<'_>,
    element: Node<'_, '_>,
    keys: &'k TrustedKeys,
) -> Result<Signed<'k>, DsigError> {
    let id = element
        .attribute("ID")
        .ok_or_else(|| DsigError::ReferenceMismatch("(the signed element has no ID)".into()))?;

    // SECURITY: exactly one Signature, a direct child of the element it signs (R4): a signature
    // elsewhere can never vouch for this element.
    let mut signatures = element.children().filter(|n| is(n, "Signature"));
    let signature = signatures.next().ok_or(DsigError::Unsigned)?;
    if signatures.next().is_some() {
        return Err(DsigError::MultipleSignatures);
    }

    let parts = element_children(signature)?;
    let (signed_info, signature_value, key_info) = match parts.as_slice() {
        [si, sv] if is(si, "SignedInfo") && is(sv, "SignatureValue") => (*si, *sv, None),
        [si, sv, ki] if is(si, "SignedInfo") && is(sv, "SignatureValue") && is(ki, "KeyInfo") => {
            (*si, *sv, Some(*ki))
        }
        _ => {
            return Err(DsigError::MalformedSignature(
                "a Signature holds SignedInfo, SignatureValue and at most a KeyInfo, nothing else",
            ));
        }
    };

    // SECURITY: navigate by position and (namespace, name), never search (R5).
    let methods = element_children(signed_info)?;
    let (canonicalization, signature_method) = match methods.as_slice() {
        [cm, sm, _reference, ..]
            if is(cm, "CanonicalizationMethod") && is(sm, "SignatureMethod") =>
        {
            (*cm, *sm)
        }
        _ => {
            return Err(DsigError::MalformedSignature(
                "SignedInfo holds CanonicalizationMethod, SignatureMethod and a Reference, in that order",
            ));
        }
    };
    let c14n_options = canonicalization_options(canonicalization)?;
    // SECURITY: the allow-list is enforced before any crypto (R11).
    let algorithm =
        SignatureAlgorithm::from_uri(signature_method.attribute("Algorithm").unwrap_or_default())?;
    if !element_children(signature_method)?.is_empty() {
        return Err(DsigError::MalformedSignature(
            "SignatureMethod has no parameters in this profile",
        ));
    }
    if algorithm.is_sha1() && !keys.sha1_allowed() {
        return Err(DsigError::WeakAlgorithm("SHA-1"));
    }
    // SECURITY: the digest algorithm is allow-listed before any crypto too (R11); it is used
    // only as read again from the verified SignedInfo below.
    for reference in methods.iter().skip(2) {
        for method in element_children(*reference)?
            .iter()
            .filter(|n| is(n, "DigestMethod"))
        {
            let digest =
                DigestAlgorithm::from_uri(method.attribute("Algorithm").unwrap_or_default())?;
            if digest == DigestAlgorithm::Sha1 && !keys.sha1_allowed() {
                return Err(DsigError::WeakAlgorithm("SHA-1"));
            }
        }
    }
    let signature_bytes = decode_base64(&text_of(signature_value)?)?;

    let (canonical_signed_info, signed_info_view) =
        c14n::canonicalize_with_view(doc, signed_info, None, &c14n_options);
    // SECURITY: keys come from the caller only; KeyInfo is read solely to say, on failure,
    // that the signer's certificate is not a trusted one (R3).
    let key_index = match keys.verify(algorithm, &canonical_signed_info, &signature_bytes) {
        Ok(index) => index,
        Err(DsigError::SignatureInvalid) => {
            let certificates = key_info.map(key_info_certificates).unwrap_or_default();
            if !certificates.is_empty() && !keys.trusts_any(&certificates) {
                return Err(DsigError::UntrustedKey);
            }
            return Err(DsigError::SignatureInvalid);
        }
        Err(other) => return Err(other),
    };

    // SECURITY: the Reference is read from the verified canonical SignedInfo only (R6).
    let reference = Reference::read(signed_info_view.root(), id)?;
    if reference.digest_algorithm == DigestAlgorithm::Sha1 && !keys.sha1_allowed() {
        return Err(DsigError::WeakAlgorithm("SHA-1"));
    }

    // A same-document `#ID` reference never includes comments (XML-DSig §4.3.3.3).
    let digest_options = C14nOptions::with_prefix_list(false, &reference.inclusive_prefixes);
    let (canonical, view) =
        c14n::canonicalize_with_view(doc, element, Some(signature), &digest_options);
    let digest = reference.digest_algorithm.digest(&canonical);
    // SECURITY: constant-time comparison of the decoded bytes (R18).
    constant_time::verify_slices_are_equal(digest.as_ref(), &reference.digest_value)
        .map_err(|_| DsigError::DigestMismatch)?;

    let key = keys
        .keys()
        .get(key_index)
        .ok_or(DsigError::SignatureInvalid)?;
    // SECURITY: the caller reads the signed element only through the view of the digested
    // bytes (R8): no wrapping or comment trick can separate what is read from what was hashed.
    Ok(Signed::new(
        id,
        canonical,
        view,
        key,
        algorithm,
        reference.digest_algorithm,
    ))
}

/// Verifies every signature of the document, each against the element that carries it, and
/// returns them in document order of those elements (outermost first).
pub fn verify_all<'k>(
    doc: &Document<'_>,
    keys: &'k TrustedKeys,
) -> Result<Vec<Signed<'k>>, DsigError> {
    let mut signed_elements: Vec<Node<'_, '_>> = doc
        .root()
        .descendants()
        .filter(|n| is(n, "Signature"))
        .filter_map(|signature| signature.parent_element())
        .collect();
    if signed_elements.is_empty() {
        return Err(DsigError::Unsigned);
    }
    signed_elements.sort_by_key(|n| n.range().start);
    signed_elements.dedup_by_key(|n| n.id());
    signed_elements
        .into_iter()
        .map(|element| verify(doc, element, keys))
        .collect()
}

/// The Reference as read from the view of the verified canonical SignedInfo.
struct Reference {
    inclusive_prefixes: String,
    digest_algorithm: DigestAlgorithm,
    digest_value: Vec<u8>,
}

impl Reference {
    /// Reads the one Reference of `signed_info`, which must point at the element `id`.
    fn read(signed_info: SignedElement<'_>, id: &str) -> Result<Self, DsigError> {
        let children = verified_children(signed_info)?;
        let reference = match children.as_slice() {
            [_, _, reference] if is_ds(*reference, "Reference") => *reference,
            [_, _, first, second, ..]
                if is_ds(*first, "Reference") && is_ds(*second, "Reference") =>
            {
                return Err(DsigError::ReferenceMismatch(
                    "(more than one Reference)".into(),
                ));
            }
            _ => {
                return Err(DsigError::MalformedSignature(
                    "SignedInfo holds exactly one Reference",
                ));
            }
        };
        let uri = reference
            .attribute("URI")
            .ok_or_else(|| DsigError::ReferenceMismatch("(no URI)".into()))?;
        // SECURITY: the reference must be `#` + the ID of the element carrying the signature,
        // compared exactly (R7): no empty URI (whole document), no XPointer, no other element.
        if uri.strip_prefix('#') != Some(id) {
            return Err(DsigError::ReferenceMismatch(truncated(uri)));
        }
        let (transforms, digest_method, digest_value) =
            match verified_children(reference)?.as_slice() {
                [t, dm, dv]
                    if is_ds(*t, "Transforms")
                        && is_ds(*dm, "DigestMethod")
                        && is_ds(*dv, "DigestValue") =>
                {
                    (*t, *dm, *dv)
                }
                _ => {
                    return Err(DsigError::MalformedSignature(
                        "a Reference holds Transforms, DigestMethod and DigestValue, in that order",
                    ));
                }
            };
        let inclusive_prefixes = read_transforms(transforms)?;
        let digest_algorithm =
            DigestAlgorithm::from_uri(digest_method.attribute("Algorithm").unwrap_or_default())?;
        if !verified_children(digest_method)?.is_empty() {
            return Err(DsigError::MalformedSignature(
                "DigestMethod has no parameters",
            ));
        }
        if digest_value.children().next().is_some() {
            return Err(DsigError::MalformedSignature(
                "a value element holds an element",
            ));
        }
        let digest_value = decode_base64(&digest_value.text())?;
        Ok(Self {
            inclusive_prefixes,
            digest_algorithm,
            digest_value,
        })
    }
}

/// SECURITY: exactly enveloped-signature then exc-c14n; no XPath, XSLT, base64 or other
/// transforms (R4/R11). Returns the exc-c14n PrefixList.
fn read_transforms(transforms: SignedElement<'_>) -> Result<String, DsigError> {
    let list = verified_children(transforms)?;
    let uris: Vec<&str> = list
        .iter()
        .map(|t| {
            if is_ds(*t, "Transform") {
                t.attribute("Algorithm").unwrap_or_default()
            } else {
                ""
            }
        })
        .collect();
    let ([enveloped, c14n], [ENVELOPED_SIGNATURE, EXC_C14N]) = (list.as_slice(), uris.as_slice())
    else {
        return Err(DsigError::UnsupportedTransform(truncated(&uris.join(", "))));
    };
    if !verified_children(*enveloped)?.is_empty() {
        return Err(DsigError::UnsupportedTransform(
            "enveloped-signature has no parameters".into(),
        ));
    }
    match verified_children(*c14n)?.as_slice() {
        [] => Ok(String::new()),
        [inclusive] if inclusive.is(EXC_C14N, "InclusiveNamespaces") => Ok(inclusive
            .attribute("PrefixList")
            .unwrap_or_default()
            .to_owned()),
        _ => Err(DsigError::MalformedSignature(
            "a canonicalization method takes only InclusiveNamespaces",
        )),
    }
}

/// The element children of a verified element; its text must be whitespace.
fn verified_children(element: SignedElement<'_>) -> Result<Vec<SignedElement<'_>>, DsigError> {
    let mut children = Vec::new();
    for node in element.nodes() {
        match node {
            SignedNode::Element(child) => children.push(child),
            SignedNode::Text(text) if text.trim_ascii().is_empty() => {}
            SignedNode::Text(_) => {
                return Err(DsigError::MalformedSignature(
                    "unexpected content in a signature element",
                ));
            }
        }
    }
    Ok(children)
}

fn is_ds(element: SignedElement<'_>, name: &str) -> bool {
    element.is(DSIG_NAMESPACE, name)
}

fn canonicalization_options(method: Node<'_, '_>) -> Result<C14nOptions, DsigError> {
    let with_comments = match method.attribute("Algorithm").unwrap_or_default() {
        EXC_C14N => false,
        EXC_C14N_WITH_COMMENTS => true,
        other => return Err(DsigError::UnsupportedAlgorithm(truncated(other))),
    };
    Ok(C14nOptions::with_prefix_list(
        with_comments,
        &inclusive_namespaces(method)?,
    ))
}

/// The PrefixList of an optional `ec:InclusiveNamespaces` child, the only parameter allowed.
fn inclusive_namespaces(method: Node<'_, '_>) -> Result<String, DsigError> {
    match element_children(method)?.as_slice() {
        [] => Ok(String::new()),
        [inclusive]
            if inclusive.tag_name().namespace() == Some(EXC_C14N)
                && inclusive.tag_name().name() == "InclusiveNamespaces" =>
        {
            Ok(inclusive
                .attribute("PrefixList")
                .unwrap_or_default()
                .to_owned())
        }
        _ => Err(DsigError::MalformedSignature(
            "a canonicalization method takes only InclusiveNamespaces",
        )),
    }
}

/// The DER certificates in `KeyInfo/X509Data/X509Certificate`, for diagnostics only.
fn key_info_certificates(key_info: Node<'_, '_>) -> Vec<Vec<u8>> {
    key_info
        .children()
        .filter(|n| is(n, "X509Data"))
        .flat_map(|data| data.children().filter(|n| is(n, "X509Certificate")))
        .filter_map(|cert| decode_base64(&all_text(cert)).ok())
        .collect()
}

/// The element children of `node`; text must be whitespace, comments are ignored.
fn element_children<'a, 'input>(
    node: Node<'a, 'input>,
) -> Result<Vec<Node<'a, 'input>>, DsigError> {
    let mut elements = Vec::new();
    for child in node.children() {
        match child.node_type() {
            roxmltree::NodeType::Element => elements.push(child),
            roxmltree::NodeType::Text
                if child.text().unwrap_or_default().trim_ascii().is_empty() => {}
            roxmltree::NodeType::Comment => {}
            _ => {
                return Err(DsigError::MalformedSignature(
                    "unexpected content in a signature element",
                ));
            }
        }
    }
    Ok(elements)
}

/// The text of an element that must hold only text (no child elements).
fn text_of<'a>(node: Node<'a, '_>) -> Result<Cow<'a, str>, DsigError> {
    if node.children().any(|c| c.is_element()) {
        return Err(DsigError::MalformedSignature(
            "a value element holds an element",
        ));
    }
    Ok(all_text(node))
}

/// All text children joined (R13: never only the first text node), borrowed from the tree when
/// there is one.
fn all_text<'a>(node: Node<'a, '_>) -> Cow<'a, str> {
    let mut texts = node
        .children()
        .filter(Node::is_text)
        .filter_map(|t| t.text());
    match (texts.next(), texts.next()) {
        (None, _) => Cow::Borrowed(""),
        (Some(one), None) => Cow::Borrowed(one),
        (Some(first), Some(second)) => {
            Cow::Owned([first, second].into_iter().chain(texts).collect())
        }
    }
}

/// Strict base64 after removing XML whitespace (xmlsec1 wraps values at 64 columns).
fn decode_base64(text: &str) -> Result<Vec<u8>, DsigError> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let decoded = if text.as_bytes().iter().any(is_space) {
        // The runs between line breaks are copied whole, not byte by byte.
        let mut compact = Vec::with_capacity(text.len());
        for run in text.as_bytes().split(is_space) {
            compact.extend_from_slice(run);
        }
        crate::radix64::decode_base64(&compact)
    } else {
        crate::radix64::decode_base64(text.as_bytes())
    };
    decoded.ok_or(DsigError::MalformedSignature("a value is not valid base64"))
}

/// Whether `node` is the element `ds:name`, comparing the short local name first.
fn is(node: &Node<'_, '_>, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node.tag_name().namespace() == Some(DSIG_NAMESPACE)
}
