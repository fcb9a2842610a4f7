//! `fedgate serve`: resolve the configuration, start logging, bootstrap, serve until SIGTERM or
//! SIGINT, then finish in-flight requests and close the database.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use fedgate::clock::Clock;
use fedgate::config::{Config, Flags};

/// `fedgate serve` flags (each overrides the file and the `FEDGATE_*` environment).
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:4580].
    #[arg(long)]
    listen: Option<String>,
    /// Data directory: SQLite database, sealing key, aws-config files [default: ./fedgate-data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://…` [default: sqlite in the data directory].
    #[arg(long)]
    database_url: Option<String>,
    /// TOML configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The URL clients and browsers reach this server at [default: http://LISTEN].
    #[arg(long)]
    public_url: Option<String>,
    /// `text` or `json` log lines [default: text].
    #[arg(long)]
    log_format: Option<String>,
}

impl ServeArgs {
    pub(crate) fn flags(&self) -> Flags {
        Flags {
            listen: self.listen.clone(),
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            config: self.config.clone(),
            public_url: self.public_url.clone(),
            log_format: self.log_format.clone(),
        }
    }
}

/// Runs `fedgate serve`.
pub(crate) fn run(args: &ServeArgs) -> ExitCode {
    let config = match Config::resolve(&args.flags()) {
        Ok(config) => config,
        Err(e) => return super::usage_error(e),
    };
    let _log = super::logging::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return super::usage_error(e),
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Starts the server with `config` and serves until a shutdown signal.
pub(crate) async fn serve(config: Config) -> anyhow::Result<()> {
    let state = fedgate::bootstrap::start(config, Clock::System).await?;
    let listener = tokio::net::TcpListener::bind(state.config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", state.config.listen))?;
    tracing::info!(
        listen = %state.config.listen,
        public_url = %state.config.public_url,
        account = state.account.id.as_str(),
        "fedgate is serving; aws CLI: AWS_CONFIG_FILE={0}/aws-config AWS_SHARED_CREDENTIALS_FILE={0}/aws-credentials aws --profile fedgate …",
        state.config.data_dir.display()
    );
    let store = Arc::clone(&state.store);
    tokio::spawn(fedgate::maintenance::purge_expired_forever(state.clone()));
    fedgate::http::serve(listener, state, shutdown_signal())
        .await
        .context("the server failed")?;
    store.close().await;
    tracing::info!("fedgate stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
