//! Enveloped signatures in exactly the shape [`crate::verify`] accepts: the development IdP of
//! `fedgate demo`, test fixtures and benchmarks sign with it. Not used to verify anything.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, RsaKeyPair};
use base64::Engine as _;

use crate::algorithm::{DSIG_NAMESPACE, DigestAlgorithm};
use crate::c14n::{self, C14nOptions};
use crate::document::{Document, Limits};
use crate::error::{DsigError, truncated};

/// A private key with its certificate (sent in `KeyInfo`, which verifiers do not trust).
pub struct SigningKey {
    key: Key,
    certificate: Vec<u8>,
}

enum Key {
    EcdsaP256(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

impl SigningKey {
    /// An RSA or ECDSA P-256 key from PKCS#8 DER, with the DER certificate of its public key.
    pub fn from_pkcs8(private_key: &[u8], certificate: &[u8]) -> Result<Self, DsigError> {
        let key = match RsaKeyPair::from_pkcs8(private_key) {
            Ok(pair) => Key::Rsa(pair),
            Err(_) => {
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, private_key)
                    .map(Key::EcdsaP256)
                    .map_err(|e| DsigError::InvalidKey(truncated(&e.to_string())))?
            }
        };
        Ok(Self {
            key,
            certificate: certificate.to_vec(),
        })
    }

    /// A key from PEM text holding a `PRIVATE KEY` (PKCS#8) and a `CERTIFICATE` block.
    pub fn from_pem(private_key_pem: &[u8], certificate_pem: &[u8]) -> Result<Self, DsigError> {
        let block = |pem: &[u8], label: &str| -> Result<Vec<u8>, DsigError> {
            x509_parser::pem::Pem::iter_from_buffer(pem)
                .filter_map(Result::ok)
                .find(|block| block.label == label)
                .map(|block| block.contents)
                .ok_or_else(|| DsigError::InvalidKey(format!("no {label} block")))
        };
        Self::from_pkcs8(
            &block(private_key_pem, "PRIVATE KEY")?,
            &block(certificate_pem, "CERTIFICATE")?,
        )
    }

    /// The DER certificate.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    fn method(&self) -> &'static str {
        match self.key {
            Key::EcdsaP256(_) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            Key::Rsa(_) => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, DsigError> {
        let random = SystemRandom::new();
        let failed = |_| DsigError::InvalidKey("signing failed".into());
        match &self.key {
            Key::EcdsaP256(pair) => pair
                .sign(&random, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(failed),
            Key::Rsa(pair) => {
                let mut out = vec![0; pair.public_modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &random, message, &mut out)
                    .map_err(failed)?;
                Ok(out)
            }
        }
    }
}

/// Signs the element whose `ID` is `id` in `xml` with an enveloped signature (exc-c14n,
/// SHA-256, RSA-SHA256 or ECDSA-SHA256), placed after the element's first child when that child
/// is named `Issuer` (SAML's schema position), else as its first child. Returns the new document.
pub fn sign_enveloped(xml: &str, id: &str, key: &SigningKey) -> Result<String, DsigError> {
    let doc = Document::parse(xml.as_bytes(), &Limits::default())?;
    let element = doc
        .element_by_id(id)
        .ok_or_else(|| DsigError::UnknownId(truncated(id)))?;
    let digest = DigestAlgorithm::Sha256.digest(&c14n::canonicalize(
        &doc,
        Some(element),
        None,
        &C14nOptions::default(),
    ));
    let b64 = base64::engine::general_purpose::STANDARD;
    let signed_info = format!(
        "<ds:SignedInfo xmlns:ds=\"{DSIG_NAMESPACE}\">\
         <ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
         <ds:SignatureMethod Algorithm=\"{}\"/>\
         <ds:Reference URI=\"#{id}\"><ds:Transforms>\
         <ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
         <ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>\
         <ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
         <ds:DigestValue>{}</ds:DigestValue></ds:Reference></ds:SignedInfo>",
        key.method(),
        b64.encode(digest.as_ref())
    );
    // SignedInfo uses only the `ds` prefix, so its canonical form is the same standalone and
    // inside the Signature element that declares `ds`.
    let signed_info_doc = Document::parse(signed_info.as_bytes(), &Limits::default())?;
    let canonical = signed_info_doc.canonicalize(&C14nOptions::default());
    let signature_value = b64.encode(key.sign(&canonical)?);
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NAMESPACE}\">{}<ds:SignatureValue>{signature_value}</ds:SignatureValue>\
         <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>",
        signed_info.replacen(&format!(" xmlns:ds=\"{DSIG_NAMESPACE}\""), "", 1),
        b64.encode(&key.certificate)
    );
    let first_child = element.children().find(roxmltree::Node::is_element);
    let at = match first_child {
        Some(child) if child.tag_name().name() == "Issuer" => child.range().end,
        _ => start_tag_end(xml, element.range().start)
            .ok_or_else(|| DsigError::Malformed("unterminated start tag".into()))?,
    };
    let (head, tail) = xml
        .split_at_checked(at)
        .ok_or_else(|| DsigError::Malformed("bad position".into()))?;
    Ok(format!("{head}{signature}{tail}"))
}

/// The offset just after the `>` of the start tag that begins at `start` (quotes respected).
fn start_tag_end(xml: &str, start: usize) -> Option<usize> {
    let mut quote = None;
    for (offset, c) in xml.get(start..)?.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            (None, '>') => return Some(start + offset + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TrustedKeys, verify};

    const KEY: &[u8] = include_bytes!("../tests/data/keys/rsa2048.key");
    const CERT: &[u8] = include_bytes!("../tests/data/keys/rsa2048.crt");

    #[test]
    fn what_it_signs_verifies_and_a_change_does_not() {
        let key = SigningKey::from_pem(KEY, CERT).unwrap();
        let xml = r#"<r:Response xmlns:r="urn:r" ID="_r"><r:Issuer>idp</r:Issuer><a:Assertion xmlns:a="urn:a" ID="_a"><a:Issuer>idp</a:Issuer><a:NameID>alice</a:NameID></a:Assertion></r:Response>"#;
        let signed = sign_enveloped(xml, "_a", &key).unwrap();
        let both = sign_enveloped(&signed, "_r", &key).unwrap();
        let keys = TrustedKeys::from_pem(CERT).unwrap();
        let doc = Document::parse(both.as_bytes(), &Limits::default()).unwrap();
        let ids: Vec<String> = crate::verify_all(&doc, &keys)
            .unwrap()
            .iter()
            .map(|s| s.id().to_owned())
            .collect();
        assert_eq!(ids, ["_r", "_a"]);
        let assertion = verify(&doc, doc.element_by_id("_a").unwrap(), &keys).unwrap();
        assert_eq!(
            assertion.element().children().nth(1).unwrap().text(),
            "alice"
        );

        let tampered = both.replace(">alice<", ">mallory<");
        let doc = Document::parse(tampered.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(
            verify(&doc, doc.element_by_id("_a").unwrap(), &keys).unwrap_err(),
            DsigError::DigestMismatch
        );
    }
}
