//! Property: a response is accepted exactly within [NotBefore − skew, NotOnOrAfter + skew).
//!
//! The vector is issued at T0 with NotBefore = T0 and NotOnOrAfter = T0 + 5 min for both the
//! Conditions and the bearer confirmation, so the assertion-age rule (5 min + skew) never
//! narrows the window.

#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails is a failed test"
)]

use std::path::Path;

use fedgate_saml::{IdpMetadata, Rejection, SamlResponse, ServiceProvider, parse_timestamp};
use proptest::prelude::*;
use time::Duration;

fn fixture() -> (IdpMetadata, SamlResponse) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let metadata = IdpMetadata::parse(&std::fs::read(corpus.join("metadata/idp.xml")).unwrap());
    let response = SamlResponse::from_xml(
        &std::fs::read(corpus.join("accept/xmlsec1/assertion-signed.xml")).unwrap(),
    );
    (metadata.unwrap(), response.unwrap())
}

proptest! {
    #[test]
    fn accepted_exactly_within_the_skewed_window(
        skew in 0_i64..=300,
        offset in -400_i64..=700,
    ) {
        let (metadata, response) = fixture();
        let sp = ServiceProvider::new(
            "urn:amazon:webservices",
            vec!["https://signin.aws.amazon.com/saml".to_owned()],
        )
        .unwrap()
        .with_max_skew(Duration::seconds(skew))
        .unwrap();
        let t0 = parse_timestamp("2030-01-01T00:00:00Z").unwrap();
        let now = t0 + Duration::seconds(offset);
        let inside = offset >= -skew && offset < 300 + skew;
        match sp.validate(&metadata, &response, now) {
            Ok(valid) => {
                prop_assert!(inside, "accepted at T0{offset:+}s with skew {skew}s");
                prop_assert_eq!(valid.name_id().value(), "alice");
            }
            Err(error) => {
                prop_assert!(!inside, "rejected at T0{offset:+}s with skew {skew}s: {error}");
                let expected = if offset < 0 { Rejection::NotYetValid } else { Rejection::Expired };
                prop_assert_eq!(error.rejection(), expected);
            }
        }
    }
}
