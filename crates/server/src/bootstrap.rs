//! First start and every start: the data directory, the sealing key, the account, and the
//! `aws-config` / `aws-credentials` files that make the `aws` CLI talk to this server.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use fedgate_store::{AccessKey, AccessKeyId, Account, AccountId, Sealed, Store};

use crate::clock::Clock;
use crate::config::Config;
use crate::keys::{KeyRing, Purpose, random_bytes, random_id, random_secret};
use crate::metrics::Metrics;
use crate::policy_cache::TrustPolicyCache;
use crate::saml_cache::SamlCache;
use crate::secret::Secret;
use crate::state::{AccountInfo, AppState, Parts};

/// Everything a server needs before it serves: the data directory, the database (migrated), the
/// sealing key and the account, as the state handlers receive.
pub async fn start(config: Config, clock: Clock) -> anyhow::Result<AppState> {
    create_data_dir(&config)?;
    let store = fedgate_store::connect(config.database_url.expose())
        .await
        .context("cannot open the database")?;
    let (keys, account) = bootstrap(&config, store.as_ref(), &clock).await?;
    let saml = SamlCache::new(&config).context("the SAML service provider settings are invalid")?;
    Ok(AppState::new(Parts {
        saml,
        config,
        store,
        keys,
        clock,
        account,
        metrics: Metrics::default(),
        trust_policies: TrustPolicyCache::new(),
    }))
}

/// What [`Purpose::KeyCheck`] boxes hold: opening it proves a node has the account's key.
const KEY_CHECK: &[u8] = b"fedgate sealing key check";

/// Prepares the data directory, loads (or creates) the sealing key, loads (or creates) the
/// account, and writes the aws CLI files. Any number of nodes may run this at once on one
/// database: the first account stored wins, the others load it.
pub async fn bootstrap(
    config: &Config,
    store: &dyn Store,
    clock: &Clock,
) -> anyhow::Result<(KeyRing, AccountInfo)> {
    let material = load_or_create_sealing_key(&config.sealing_key_file)?;
    let keys = KeyRing::new(material.expose()).context("the sealing key file is corrupt")?;

    let admin_secret = random_secret();
    let candidate = Account {
        id: AccountId::new(config.account_id.clone().unwrap_or_else(random_account_id)),
        region: config.region.clone(),
        admin_key: AccessKey {
            id: AccessKeyId::new(random_id("AKIA", 16)),
            secret: Sealed::new(
                keys.seal(Purpose::AccessKeySecret, admin_secret.expose().as_bytes()),
            ),
        },
        sealing_key: Sealed::new(keys.seal(Purpose::KeyCheck, KEY_CHECK)),
        created_at: clock.now(),
    };
    let account = store
        .bootstrap_account(&candidate)
        .await
        .context("cannot load or create the account")?
        .account;
    if keys
        .open(Purpose::KeyCheck, account.sealing_key.as_bytes())
        .as_deref()
        != Some(KEY_CHECK)
    {
        bail!(
            "the sealing key in {} is not the key this database was created with: every node \
             sharing a database needs a copy of the first node's sealing key file",
            config.sealing_key_file.display()
        );
    }
    let secret = keys
        .open(
            Purpose::AccessKeySecret,
            account.admin_key.secret.as_bytes(),
        )
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .context("the administrator's secret does not open with the sealing key")?;
    let info = AccountInfo {
        id: account.id.clone(),
        region: account.region.clone(),
        admin_key_id: account.admin_key.id.clone(),
        admin_secret: Secret::new(secret),
    };
    write_aws_files(config, &info)?;
    Ok((keys, info))
}

/// A 12-digit account id that does not start with 0.
fn random_account_id() -> String {
    let digits: String = random_bytes(12)
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    match digits.strip_prefix('0') {
        Some(rest) => format!("1{rest}"),
        None => digits,
    }
}

/// Creates the data directory (mode 0700) if it does not exist.
pub fn create_data_dir(config: &Config) -> anyhow::Result<()> {
    let dir = config.data_dir.as_path();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    Ok(())
}

fn load_or_create_sealing_key(path: &Path) -> anyhow::Result<Secret<Vec<u8>>> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let material = engine
                .decode(text.trim())
                .with_context(|| format!("{} is not a base64 sealing key", path.display()))?;
            Ok(Secret::new(material))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let material = KeyRing::generate_material();
            write_private(
                path,
                format!("{}\n", engine.encode(material.expose())).as_bytes(),
            )?;
            Ok(material)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// `aws-config` and `aws-credentials` in the data dir, profile `fedgate`, mode 0600.
fn write_aws_files(config: &Config, account: &AccountInfo) -> anyhow::Result<()> {
    let aws_config = format!(
        "[profile fedgate]\nregion = {}\nendpoint_url = {}\noutput = json\n",
        account.region, config.public_url
    );
    let credentials = format!(
        "[fedgate]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        account.admin_key_id.as_str(),
        account.admin_secret.expose()
    );
    write_private(&config.data_dir.join("aws-config"), aws_config.as_bytes())?;
    write_private(
        &config.data_dir.join("aws-credentials"),
        credentials.as_bytes(),
    )
}

/// Writes a file readable by its owner only (created with mode 0600, never world-readable).
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
