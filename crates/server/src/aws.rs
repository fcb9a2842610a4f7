//! The AWS wire layer shared by the STS, IAM and Connect front ends.
//!
//! - [`sigv4`]: Signature Version 4 request authentication, in the `Authorization` header form
//!   and the presigned query form. Pure: the caller looks up the secret, passes `now`.
//! - [`query`]: the awsQuery protocol (STS 2011-06-15, IAM 2010-05-08): form decoding into
//!   `Action`, `Version` and parameters, with botocore's list, map and struct flattening, and
//!   typed accessors that answer with AWS's validation errors.
//! - [`xml`]: a small XML writer and the `<{Action}Response>` envelope.
//! - [`error`]: [`AwsError`](error::AwsError), where every error meets the wire: the awsQuery
//!   `<ErrorResponse>` document or the restJson1 `X-Amzn-ErrorType` + `{"Message"}` shape.
//!
//! Deliberately not here: routing, the store, sealing of session tokens, authorization. Where
//! AWS is silent, the choices made are written down in `docs/decisions.md`.

pub mod error;
pub(crate) mod percent;
pub mod query;
pub mod sigv4;
pub mod xml;
