//! Entry points for fuzz targets and for replaying their corpora in `cargo test`.

use time::OffsetDateTime;

use crate::{IdpMetadata, SamlResponse, ServiceProvider};

/// Validates arbitrary bytes, as XML and as base64, against `metadata` at `now`; must never
/// panic. A response that validates must have been signed: its issuer is in the metadata.
pub fn validate_response(
    bytes: &[u8],
    sp: &ServiceProvider,
    metadata: &IdpMetadata,
    now: OffsetDateTime,
) {
    let mut responses = Vec::new();
    if let Ok(response) = SamlResponse::from_xml(bytes) {
        responses.push(response);
    }
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Ok(response) = SamlResponse::from_base64(text)
    {
        responses.push(response);
    }
    for response in responses {
        if let Ok(valid) = sp.validate(metadata, &response, now) {
            assert!(
                metadata.provider(valid.issuer()).is_some(),
                "a valid assertion from an unknown issuer"
            );
        }
    }
}

/// Parses arbitrary bytes as IdP metadata; must never panic.
pub fn parse_metadata(bytes: &[u8]) {
    let _ = IdpMetadata::parse(bytes);
}
