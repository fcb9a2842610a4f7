//! Strict XML-DSig verification for the SAML profile.
