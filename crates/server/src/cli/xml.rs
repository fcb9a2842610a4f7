//! `fedgate xml c14n` and `fedgate xml verify`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use fedgate_xmldsig::{C14nOptions, Document, DsigError, Limits, TrustedKeys};

use super::{read_input, usage_error};

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
    match command {
        XmlCommand::C14n {
            with_comments,
            inclusive_namespaces,
            id,
            file,
        } => {
            let options = C14nOptions::with_prefix_list(
                with_comments,
                inclusive_namespaces.as_deref().unwrap_or(""),
            );
            c14n(&file, id.as_deref(), &options)
        }
        XmlCommand::Verify {
            cert,
            allow_sha1,
            file,
        } => verify(&cert, allow_sha1, &file),
    }
}

fn c14n(file: &Path, id: Option<&str>, options: &C14nOptions) -> ExitCode {
    let bytes = match read_input(file) {
        Ok(bytes) => bytes,
        Err(e) => return usage_error(format_args!("{}: {e}", file.display())),
    };
    let document = match Document::parse(&bytes, &Limits::default()) {
        Ok(document) => document,
        Err(e) => return usage_error(format_args!("{}: {e}", file.display())),
    };
    let canonical = match id {
        None => document.canonicalize(options),
        Some(id) => match document.element_by_id(id) {
            Some(element) => document.canonicalize_element(element, options),
            None => return usage_error(DsigError::UnknownId(id.to_owned())),
        },
    };
    match std::io::stdout().lock().write_all(&canonical) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => usage_error(e),
    }
}

fn verify(cert: &Path, allow_sha1: bool, file: &Path) -> ExitCode {
    let keys = match std::fs::read(cert)
        .map_err(|e| e.to_string())
        .and_then(|pem| TrustedKeys::from_pem(&pem).map_err(|e| e.to_string()))
    {
        Ok(keys) if allow_sha1 => keys.allow_sha1(),
        Ok(keys) => keys,
        Err(e) => return usage_error(format_args!("{}: {e}", cert.display())),
    };
    let bytes = match read_input(file) {
        Ok(bytes) => bytes,
        Err(e) => return usage_error(format_args!("{}: {e}", file.display())),
    };
    let verified = Document::parse(&bytes, &Limits::default()).and_then(|document| {
        fedgate_xmldsig::verify_all(&document, &keys)
            .map(|signed| signed.iter().map(|s| s.id().to_owned()).collect::<Vec<_>>())
    });
    match verified {
        Ok(ids) => {
            for id in ids {
                println!("{id}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("rejected: {}: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}
