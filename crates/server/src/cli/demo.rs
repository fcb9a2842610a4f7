//! `fedgate demo`: `serve` plus the development IdP at `/dev-idp` and a seeded SAML provider,
//! federation role and instance `demo` (see `fedgate::demo`); prints what to open.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use fedgate::clock::Clock;
use fedgate::config::Config;
use fedgate::demo::{self, DevIdp, DevIdpState};

use super::serve::{ServeArgs, shutdown_signal};

/// Runs `fedgate demo`.
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

async fn serve(config: Config) -> anyhow::Result<()> {
    let idp = DevIdp::load_or_create(&config.data_dir, &config.public_url)?;
    let state = fedgate::bootstrap::start(config, Clock::System).await?;
    let seeded = demo::seed(&state, &idp).await?;
    let listener = tokio::net::TcpListener::bind(state.config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", state.config.listen))?;
    let url = &state.config.public_url;
    println!(
        "fedgate demo is serving on {url}\n\n  Open {url}/dev-idp and sign in as:\n    alice  an agent: lands on the Contact Control Panel\n    bob    an administrator: lands on the instance home\n    carol  not onboarded: sees Access Denied\n\n  Instance `demo` ({id}); SP metadata: {url}/static/saml-metadata.xml\n  Stop with Ctrl-C.",
        id = seeded.instance_id
    );
    if !state.config.listen.ip().is_loopback() {
        eprintln!(
            "warning: the development IdP signs in anyone who can reach {}: it is for one machine, not a network",
            state.config.listen
        );
    }
    let store = Arc::clone(&state.store);
    tokio::spawn(fedgate::maintenance::purge_expired_forever(state.clone()));
    let extra = demo::routes(DevIdpState {
        idp: Arc::new(idp),
        instance_id: seeded.instance_id,
    });
    fedgate::http::serve_with(listener, state, extra, shutdown_signal())
        .await
        .context("the server failed")?;
    store.close().await;
    Ok(())
}
