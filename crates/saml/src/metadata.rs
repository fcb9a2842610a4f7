//! IdP metadata: the entityIDs and signing keys a response is checked against.

use base64::Engine as _;
use fedgate_xmldsig::roxmltree::Node;
use fedgate_xmldsig::{Document, DsigError, Limits, TrustedKey, TrustedKeys};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::error::{MetadataError, truncated};
use crate::names::{DSIG_NAMESPACE, METADATA_NAMESPACE, SAML2_PROTOCOL};
use crate::timestamp::parse_timestamp;

/// Most identity providers (EntityDescriptors) in one SAML provider, as at AWS IAM.
pub const MAX_IDENTITY_PROVIDERS: usize = 10;
/// Most signing certificates per identity provider (rollover needs two or three).
pub const MAX_SIGNING_KEYS: usize = 10;

/// The identity providers of one metadata document (one IAM SAML provider).
#[derive(Clone, Debug)]
pub struct IdpMetadata {
    providers: Vec<IdentityProvider>,
}

/// One identity provider: its entityID, signing keys and `validUntil`.
#[derive(Clone, Debug)]
pub struct IdentityProvider {
    entity_id: String,
    keys: TrustedKeys,
    valid_until: Option<OffsetDateTime>,
}

impl IdpMetadata {
    /// Parses an `md:EntityDescriptor` or `md:EntitiesDescriptor`.
    ///
    /// Refused as AWS refuses it: a byte order mark, not UTF-8, no SAML 2.0 `IDPSSODescriptor`,
    /// an identity provider without a signing certificate, a key under 1024 bits, a
    /// certificate that repeats an extension, more than [`MAX_IDENTITY_PROVIDERS`] providers.
    /// The metadata's own signature is not checked: the operator uploads it.
    pub fn parse(bytes: &[u8]) -> Result<Self, MetadataError> {
        // SECURITY: AWS refuses a BOM; the xmldsig parser would skip it, so look first.
        if bytes.starts_with(b"\xEF\xBB\xBF")
            || bytes.starts_with(b"\xFE\xFF")
            || bytes.starts_with(b"\xFF\xFE")
        {
            return Err(MetadataError::ByteOrderMark);
        }
        if std::str::from_utf8(bytes).is_err() {
            return Err(MetadataError::NotUtf8);
        }
        let document = Document::parse(bytes, &Limits::default()).map_err(|e| match e {
            DsigError::NotUtf8 => MetadataError::NotUtf8,
            other => MetadataError::Xml(other),
        })?;
        let root = document.root_element();
        let entities: Vec<(Node<'_, '_>, Option<OffsetDateTime>)> = if is(root, "EntityDescriptor")
        {
            vec![(root, None)]
        } else if is(root, "EntitiesDescriptor") {
            let mut found = Vec::new();
            collect_entities(root, None, &mut found)?;
            found
        } else {
            return Err(MetadataError::NotMetadata);
        };

        let mut providers: Vec<IdentityProvider> = Vec::new();
        for (entity, inherited) in entities {
            let Some(idp) = entity.children().find(|c| {
                is(*c, "IDPSSODescriptor")
                    && c.attribute("protocolSupportEnumeration")
                        .is_some_and(|p| p.split_ascii_whitespace().any(|p| p == SAML2_PROTOCOL))
            }) else {
                continue;
            };
            let entity_id = entity
                .attribute("entityID")
                .filter(|id| !id.is_empty())
                .ok_or(MetadataError::MissingEntityId)?;
            if providers.iter().any(|p| p.entity_id == entity_id) {
                return Err(MetadataError::DuplicateEntityId(truncated(entity_id)));
            }
            if providers.len() == MAX_IDENTITY_PROVIDERS {
                return Err(MetadataError::TooManyIdentityProviders {
                    limit: MAX_IDENTITY_PROVIDERS,
                });
            }
            let valid_until =
                earliest(earliest(inherited, valid_until(entity)?), valid_until(idp)?);
            let keys = signing_keys(idp)?;
            if keys.is_empty() {
                return Err(MetadataError::NoSigningKey(truncated(entity_id)));
            }
            providers.push(IdentityProvider {
                entity_id: entity_id.to_owned(),
                // AWS accepts metadata keys of 1024 bits and more.
                keys: TrustedKeys::new(keys).allow_rsa_1024(),
                valid_until,
            });
        }
        if providers.is_empty() {
            return Err(MetadataError::NoIdentityProvider);
        }
        Ok(Self { providers })
    }

    /// Also accepts SHA-1 signatures from these identity providers (legacy ADFS and
    /// Shibboleth deployments). Off unless the operator configures it.
    #[must_use]
    pub fn allow_sha1(mut self) -> Self {
        for provider in &mut self.providers {
            provider.keys = provider.keys.clone().allow_sha1();
        }
        self
    }

    /// The identity providers, in document order.
    pub fn providers(&self) -> &[IdentityProvider] {
        &self.providers
    }

    /// The identity provider whose entityID is exactly `entity_id`.
    pub fn provider(&self, entity_id: &str) -> Option<&IdentityProvider> {
        self.providers.iter().find(|p| p.entity_id == entity_id)
    }

    /// The earliest `validUntil` of all identity providers (IAM's `ValidUntil`).
    pub fn valid_until(&self) -> Option<OffsetDateTime> {
        self.providers
            .iter()
            .fold(None, |acc, p| earliest(acc, p.valid_until))
    }
}

impl IdentityProvider {
    /// The entityID, which every `Issuer` of its responses must equal.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The signing keys.
    pub fn keys(&self) -> &TrustedKeys {
        &self.keys
    }

    /// The earliest `validUntil` that applies to this provider.
    pub fn valid_until(&self) -> Option<OffsetDateTime> {
        self.valid_until
    }
}

/// The EntityDescriptors of an EntitiesDescriptor (nested ones included), with the earliest
/// `validUntil` of their enclosing EntitiesDescriptors.
fn collect_entities<'a, 'input>(
    entities: Node<'a, 'input>,
    inherited: Option<OffsetDateTime>,
    found: &mut Vec<(Node<'a, 'input>, Option<OffsetDateTime>)>,
) -> Result<(), MetadataError> {
    // Nesting depth is bounded by the parser's depth limit.
    let inherited = earliest(inherited, valid_until(entities)?);
    for child in entities.children().filter(Node::is_element) {
        if is(child, "EntityDescriptor") {
            found.push((child, inherited));
        } else if is(child, "EntitiesDescriptor") {
            collect_entities(child, inherited, found)?;
        }
    }
    Ok(())
}

/// The keys of `KeyDescriptor`s with `use="signing"` or no `use`.
fn signing_keys(idp: Node<'_, '_>) -> Result<Vec<TrustedKey>, MetadataError> {
    let mut keys = Vec::new();
    for descriptor in idp.children().filter(|c| is(*c, "KeyDescriptor")) {
        if !matches!(descriptor.attribute("use"), None | Some("signing")) {
            continue;
        }
        let certificates = descriptor
            .children()
            .filter(|c| is_dsig(*c, "KeyInfo"))
            .flat_map(|info| info.children().filter(|c| is_dsig(*c, "X509Data")))
            .flat_map(|data| data.children().filter(|c| is_dsig(*c, "X509Certificate")));
        for certificate in certificates {
            if keys.len() == MAX_SIGNING_KEYS {
                return Err(MetadataError::TooManyKeys {
                    limit: MAX_SIGNING_KEYS,
                });
            }
            keys.push(certificate_key(&all_text(certificate))?);
        }
    }
    Ok(keys)
}

fn certificate_key(base64_text: &str) -> Result<TrustedKey, MetadataError> {
    let compact: String = base64_text
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| MetadataError::InvalidCertificate("not base64".into()))?;
    let (_, certificate) = X509Certificate::from_der(&der)
        .map_err(|e| MetadataError::InvalidCertificate(truncated(&e.to_string())))?;
    let mut seen = Vec::new();
    for extension in certificate.extensions() {
        if seen.contains(&&extension.oid) {
            return Err(MetadataError::RepeatedExtension);
        }
        seen.push(&extension.oid);
    }
    // SECURITY: AWS refuses keys under 1024 bits at upload; measured here so the message
    // names the size (the xmldsig crate refuses them too, later and more tersely).
    if let Ok(PublicKey::RSA(rsa)) = certificate.public_key().parsed()
        && rsa.key_size() < fedgate_xmldsig::MIN_LEGACY_RSA_BITS
    {
        return Err(MetadataError::KeyTooSmall {
            bits: rsa.key_size(),
        });
    }
    let key = TrustedKey::from_certificate_der(&der)
        .map_err(|e| MetadataError::InvalidCertificate(e.to_string()))?;
    Ok(key)
}

fn valid_until(node: Node<'_, '_>) -> Result<Option<OffsetDateTime>, MetadataError> {
    node.attribute("validUntil")
        .map(|text| {
            parse_timestamp(text).ok_or_else(|| MetadataError::InvalidValidUntil(truncated(text)))
        })
        .transpose()
}

fn earliest(a: Option<OffsetDateTime>, b: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn all_text(node: Node<'_, '_>) -> String {
    node.children()
        .filter(Node::is_text)
        .filter_map(|c| c.text())
        .collect()
}

fn is(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element()
        && node.tag_name().namespace() == Some(METADATA_NAMESPACE)
        && node.tag_name().name() == name
}

fn is_dsig(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element()
        && node.tag_name().namespace() == Some(DSIG_NAMESPACE)
        && node.tag_name().name() == name
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = include_str!("../tests/corpus/keys/idp.crt");

    fn entity(id: &str, valid_until: &str, key_use: &str) -> String {
        let der: String = CERT.lines().filter(|l| !l.starts_with("-----")).collect();
        format!(
            r#"<md:EntityDescriptor entityID="{id}"{valid_until}><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor{key_use}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>"#
        )
    }

    fn aggregate(outer_valid_until: &str, inner: &str) -> String {
        format!(
            r#"<md:EntitiesDescriptor xmlns:md="{METADATA_NAMESPACE}" xmlns:ds="{DSIG_NAMESPACE}"{outer_valid_until}><md:EntitiesDescriptor>{inner}</md:EntitiesDescriptor></md:EntitiesDescriptor>"#
        )
    }

    #[test]
    fn nested_aggregates_take_the_earliest_valid_until() {
        let xml = aggregate(
            r#" validUntil="2031-01-01T00:00:00Z""#,
            &(entity("urn:a", r#" validUntil="2032-01-01T00:00:00Z""#, "")
                + &entity("urn:b", r#" validUntil="2030-06-01T00:00:00Z""#, "")),
        );
        let metadata = IdpMetadata::parse(xml.as_bytes()).unwrap();
        let year = |id| metadata.provider(id).unwrap().valid_until().unwrap().year();
        assert_eq!((year("urn:a"), year("urn:b")), (2031, 2030));
        assert_eq!(metadata.valid_until().unwrap().month(), time::Month::June);
    }

    #[test]
    fn refuses_duplicate_entity_ids_and_a_bad_valid_until() {
        let twice = aggregate("", &(entity("urn:a", "", "") + &entity("urn:a", "", "")));
        assert!(matches!(
            IdpMetadata::parse(twice.as_bytes()),
            Err(MetadataError::DuplicateEntityId(_))
        ));
        let bad = aggregate(r#" validUntil="tomorrow""#, &entity("urn:a", "", ""));
        assert!(matches!(
            IdpMetadata::parse(bad.as_bytes()),
            Err(MetadataError::InvalidValidUntil(_))
        ));
    }

    #[test]
    fn encryption_keys_are_not_signing_keys() {
        let xml = aggregate("", &entity("urn:a", "", r#" use="encryption""#));
        assert!(matches!(
            IdpMetadata::parse(xml.as_bytes()),
            Err(MetadataError::NoSigningKey(_))
        ));
    }
}
