//! Properties of canonicalisation over generated documents: canonical form is a fixed point,
//! and the view built while canonicalising equals what the parser reads back from the bytes.

#![allow(
    clippy::unwrap_used,
    reason = "a test: a failure here is a test failure"
)]

use fedgate_xmldsig::{C14nOptions, Document, Limits, TrustedKeys};
use proptest::prelude::*;

/// A random element: prefixes from a small set (declared or not where used), default
/// namespaces and undeclarations, attributes plain and prefixed, text needing escapes, CR/LF,
/// comments, PIs, CDATA and multibyte characters.
fn element(depth: u32) -> BoxedStrategy<String> {
    let name = prop::sample::select(vec!["a", "b", "p:c", "q:d", "e", "f xmlns=\"\""]);
    let attribute = prop::sample::select(vec![
        " x=\"1\"",
        " p:y=\"&amp;&lt;&quot;\"",
        " q:z=\"\t\r\n\"",
        " xmlns=\"urn:default\"",
        " xmlns:p=\"urn:p\"",
        " xmlns:q=\"urn:q\"",
        " xml:lang=\"fr\"",
        " w=\"é&#13;\"",
    ]);
    let text = prop::sample::select(vec![
        "",
        "plain",
        " &amp; ",
        "&lt;&gt;&amp;",
        "line\r\nend",
        "cr\rhere",
        "&#13;",
        "<!--c-->",
        "<?pi data?>",
        "<![CDATA[<&>]]>",
        "ünï",
        "\n  ",
    ]);
    let leaf = (
        name.clone(),
        prop::collection::btree_set(attribute.clone(), 0..3),
        text.clone(),
    )
        .prop_map(|(name, attributes, text)| render(name, &attributes, &[text.to_owned()]));
    if depth == 0 {
        return leaf.boxed();
    }
    (
        name,
        prop::collection::btree_set(attribute, 0..3),
        prop::collection::vec(
            prop_oneof![element(depth - 1), text.prop_map(str::to_owned)],
            0..4,
        ),
    )
        .prop_map(|(name, attributes, children)| render(name, &attributes, &children))
        .boxed()
}

fn render(
    name: &str,
    attributes: &std::collections::BTreeSet<&str>,
    children: &[String],
) -> String {
    let attributes: String = attributes.iter().copied().collect();
    let end = name.split(' ').next().unwrap_or(name);
    format!("<{name}{attributes}>{}</{end}>", children.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_form_is_a_fixed_point_and_the_view_is_what_was_written(body in element(4)) {
        // The root declares both prefixes so every generated name is bound.
        let xml = format!("<root xmlns:p=\"urn:p\" xmlns:q=\"urn:q2\">{body}</root>");
        let doc = Document::parse(xml.as_bytes(), &Limits::default());
        prop_assert!(doc.is_ok(), "{xml}: {doc:?}");
        let doc = doc.unwrap();
        for with_comments in [false, true] {
            let options = C14nOptions { with_comments, inclusive_prefixes: vec![] };
            let once = doc.canonicalize(&options);
            let twice = Document::parse(&once, &Limits::default()).unwrap().canonicalize(&options);
            prop_assert_eq!(&once, &twice);
        }
        let keys = TrustedKeys::from_pem(include_bytes!("data/keys/rsa2048.crt")).unwrap();
        fedgate_xmldsig::fuzzing::parse_canonicalize_verify(xml.as_bytes(), &keys);
    }

    /// Canonicalisation declares a visibly utilised prefix with the URI the parser resolved the
    /// name with instead of searching the namespaces in scope: the two must be the same.
    #[test]
    fn a_resolved_name_has_the_uri_its_prefix_is_bound_to_in_scope(body in element(4)) {
        let xml = format!("<root xmlns:p=\"urn:p\" xmlns:q=\"urn:q2\">{body}</root>");
        let doc = Document::parse(xml.as_bytes(), &Limits::default()).unwrap();
        for element in doc.root().descendants().filter(|n| n.is_element()) {
            let tag = xml.get(element.range().start + 1..).unwrap();
            let qname = tag.split(['>', '/', ' ']).next().unwrap();
            prop_assert_eq!(
                element.tag_name().namespace().unwrap_or(""),
                bound_in_scope(element, qname.split_once(':').map_or("", |(p, _)| p)),
                "{} in {}", qname, xml
            );
            for attribute in element.attributes() {
                let qname = xml.get(attribute.range_qname()).unwrap();
                // `xml` is bound everywhere and never declared.
                if let Some((prefix, _)) = qname.split_once(':')
                    && prefix != "xml"
                {
                    prop_assert_eq!(
                        attribute.namespace().unwrap_or(""),
                        bound_in_scope(element, prefix),
                        "{} in {}", qname, xml
                    );
                }
            }
        }
    }
}

/// The URI `prefix` (`""`: the default namespace) is bound to on `element`, `""` for none.
fn bound_in_scope<'a>(element: fedgate_xmldsig::roxmltree::Node<'a, '_>, prefix: &str) -> &'a str {
    let name = (!prefix.is_empty()).then_some(prefix);
    element
        .namespaces()
        .find(|ns| ns.name() == name)
        .map_or("", |ns| ns.uri())
}
