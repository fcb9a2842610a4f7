//! The command line of DESIGN.md, parsed with clap; each subcommand group has a file under `cli/`.
//!
//! Exit codes: 0 success, 1 a negative answer (a rejected signature, a denied request),
//! 2 usage, input or I/O errors.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod demo;
mod logging;
mod policy;
mod saml;
mod serve;
mod users;
mod xml;

/// SAML federation into a contact center, in one binary.
#[derive(Debug, Parser)]
#[command(name = "fedgate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve IAM, STS, the sign-in endpoint and the contact-center instance.
    Serve(serve::ServeArgs),
    /// Serve with a development IdP at /dev-idp and a seeded instance `demo`: the whole
    /// browser sign-in on this machine.
    Demo(serve::ServeArgs),
    /// SAML response validation with AWS's rules.
    #[command(subcommand)]
    Saml(saml::SamlCommand),
    /// XML canonicalisation and XML-DSig verification.
    #[command(subcommand)]
    Xml(xml::XmlCommand),
    /// IAM policy evaluation, offline.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Contact-center users: bulk import from the CSV template for SAML instances.
    #[command(subcommand)]
    Users(users::UsersCommand),
}

/// Parses the command line and runs the subcommand.
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Saml(command) => saml::run(command),
        Command::Xml(command) => xml::run(command),
        Command::Policy(command) => policy::run(command),
        Command::Users(command) => users::run(command),
    }
}

/// Reads a file named on the command line, `-` meaning standard input.
pub(crate) fn read_input(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    std::fs::read(path)
}

/// Prints `error: …` to standard error and returns exit code 2 (usage, input or I/O error).
pub(crate) fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
