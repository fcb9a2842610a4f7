//! `fedgate`, the server: AWS-compatible IAM, STS and a Connect-like contact-center instance
//! behind one HTTP origin, speaking the wire protocols that the `aws` CLI and boto3 speak.
//!
//! This library holds everything the binary (`main.rs`) serves. It trusts nothing that arrives
//! over HTTP: every request is decoded, bounded and authenticated here before any handler reads
//! it. The pure crates (`fedgate-xmldsig`, `fedgate-saml`, `fedgate-policy`) decide; this crate
//! maps their decisions to the wire.
//!
//! - [`aws`]: the AWS wire layer: SigV4 request authentication, the awsQuery protocol (STS, IAM),
//!   XML rendering and the one mapping of every error to AWS's codes.
//! - [`http`]: the application ([`http::app`]) and [`http::serve`]; [`query_api`]: `POST /`.
//! - [`auth`]: who calls (SigV4, sealed session tokens) and whether they may (IAM policies).
//! - [`sts`], [`iam`]: the actions, one file per STS action, IAM grouped by resource.
//! - [`connect`]: the contact-center instance API (restJson1) and the CSV user import.
//! - [`signin`]: the browser sign-in (`POST /saml`, role picker, console, `/connect/federate`);
//!   [`web`]: sealed cookies, CSRF, security headers and the instance's web app;
//!   [`demo`]: `fedgate demo`'s development IdP and seed.
//! - [`config`], [`bootstrap`], [`state`], [`clock`], [`keys`], [`metrics`], [`secret`]: start-up and
//!   the explicit state every handler receives; [`saml_cache`], [`policy_cache`] and
//!   [`document_cache`]: parses of stored documents (IdP metadata, trust policies) kept between
//!   calls, each used only for the exact text it was made from.

pub mod auth;
pub mod aws;
pub mod bootstrap;
pub mod clock;
pub mod config;
pub mod connect;
pub mod demo;
pub mod document_cache;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod iam;
pub mod keys;
pub mod maintenance;
pub mod metrics;
pub mod policy_cache;
pub mod query_api;
pub mod saml_cache;
pub mod secret;
pub mod signin;
pub mod state;
pub mod sts;
#[doc(hidden)]
pub mod testing;
pub mod web;
