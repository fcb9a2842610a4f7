//! `fedgate users import` and `fedgate users template`: bulk user import from the CSV template
//! for SAML instances, straight into the store that `fedgate serve` uses.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Subcommand;
use fedgate::clock::Clock;
use fedgate::config::{Config, Flags};
use fedgate::connect::import::{self, ImportError, Phase};
use fedgate_store::InstanceId;
use indicatif::{ProgressBar, ProgressStyle};

/// `fedgate users …`
#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
    /// Imports users from the CSV template for SAML instances: every row, or none.
    ///
    /// Every row is validated first, and every error is printed with its line number; then
    /// all rows are created in one transaction. Exit status: 0 imported, 1 the file was
    /// refused (header or rows; nothing imported), 2 a usage, file or database error.
    #[command(verbatim_doc_comment)]
    Import(ImportArgs),
    /// Prints the header row of the CSV template for SAML instances.
    Template,
}

/// The arguments of `fedgate users import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The instance's id.
    #[arg(long, value_name = "ID")]
    instance: String,
    /// The CSV file (SAML template, UTF-8, with its header row).
    #[arg(value_name = "FILE.csv")]
    file: PathBuf,
    /// Data directory of the server [default: ./fedgate-data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://…` [default: sqlite in the data directory].
    #[arg(long)]
    database_url: Option<String>,
    /// TOML configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
}

/// Runs `fedgate users …`.
pub(crate) fn run(command: UsersCommand) -> ExitCode {
    match command {
        UsersCommand::Template => {
            print!("{}", import::template());
            ExitCode::SUCCESS
        }
        UsersCommand::Import(args) => {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => return super::usage_error(e),
            };
            runtime.block_on(run_import(&args))
        }
    }
}

async fn run_import(args: &ImportArgs) -> ExitCode {
    let flags = Flags {
        data_dir: args.data_dir.clone(),
        database_url: args.database_url.clone(),
        config: args.config.clone(),
        ..Flags::default()
    };
    let config = match Config::resolve(&flags) {
        Ok(config) => config,
        Err(e) => return super::usage_error(e),
    };
    let file = match std::fs::File::open(&args.file) {
        Ok(file) => file,
        Err(e) => return super::usage_error(format!("cannot read {}: {e}", args.file.display())),
    };
    let size = file.metadata().map_or(0, |m| m.len());
    let store = match fedgate_store::connect(config.database_url.expose()).await {
        Ok(store) => store,
        Err(e) => return super::usage_error(format!("cannot open the database: {e}")),
    };
    let bar = ProgressBar::new(size.saturating_mul(2));
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {percent:>3}% {elapsed_precise}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("validating");
    let writing = AtomicBool::new(false);
    let progress = |phase: Phase, bytes: u64| match phase {
        Phase::Validating => bar.set_position(bytes),
        Phase::Writing => {
            if !writing.swap(true, Ordering::Relaxed) {
                bar.set_message("writing");
                // A plain line too, for logs and for scripts that wait for this phase.
                bar.suspend(|| eprintln!("validated; writing in one transaction"));
            }
            bar.set_position(size.saturating_add(bytes));
        }
        Phase::Committing => {
            bar.set_message("committing");
            bar.set_position(size.saturating_mul(2));
        }
    };
    let now = Clock::System.now();
    let result = import::import_users(
        store.as_ref(),
        &InstanceId::new(args.instance.clone()),
        BufReader::new(file),
        now,
        &progress,
    )
    .await;
    bar.finish_and_clear();
    store.close().await;
    match result {
        Ok(report) => {
            println!(
                "imported {} users into instance {}",
                report.created, args.instance
            );
            ExitCode::SUCCESS
        }
        Err(ImportError::Rows { errors, more }) => {
            for error in &errors {
                eprintln!("line {}: {}", error.line, error.message);
            }
            if more > 0 {
                eprintln!("… and {more} more invalid rows");
            }
            eprintln!(
                "error: {} invalid rows; nothing was imported",
                errors.len() as u64 + more
            );
            ExitCode::from(1)
        }
        Err(
            error @ (ImportError::Header(_)
            | ImportError::Empty
            | ImportError::TooManyRows
            | ImportError::Csv { .. }
            | ImportError::NotSaml),
        ) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
        Err(error) => {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            super::usage_error(message)
        }
    }
}
