//! `fedgate xml c14n` and `fedgate xml verify`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

/// `fedgate xml …`
#[derive(Debug, Subcommand)]
pub(crate) enum XmlCommand {
    /// Prints the exclusive XML canonical form (exc-c14n 1.0) of a document or of one element.
    C14n {
        /// Keep comments (http://www.w3.org/2001/10/xml-exc-c14n#WithComments).
        #[arg(long)]
        with_comments: bool,
        /// The InclusiveNamespaces PrefixList, space-separated (`#default` for the default namespace).
        #[arg(long, value_name = "PREFIXES")]
        inclusive_namespaces: Option<String>,
        /// Canonicalise only the element whose `ID` attribute has this value.
        #[arg(long)]
        id: Option<String>,
        /// The XML document (`-` for standard input).
        file: PathBuf,
    },
    /// Verifies the XML signatures of a document against trusted keys and prints the signed IDs.
    Verify {
        /// PEM file with the trusted certificates or public keys.
        #[arg(long, value_name = "PEM")]
        cert: PathBuf,
        /// Accept SHA-1 digests and signatures from these keys (legacy identity providers).
        #[arg(long)]
        allow_sha1: bool,
        /// The signed XML document (`-` for standard input).
        file: PathBuf,
    },
}

/// Runs one `fedgate xml` subcommand.
pub(crate) fn run(command: XmlCommand) -> ExitCode {
    let _ = command;
    super::usage_error("not built yet")
}
