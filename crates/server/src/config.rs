//! Configuration, read once: the TOML file, then `FEDGATE_*` environment variables, then flags;
//! resolved and validated into a [`Config`] that nothing changes afterwards.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::Duration;

use crate::sts::saml_claims::{AWS_ENTITY_ID, aws_signin_recipients};

/// The default address `fedgate serve` listens on.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4580";
/// The default data directory.
pub const DEFAULT_DATA_DIR: &str = "./fedgate-data";
/// The default region of the account.
pub const DEFAULT_REGION: &str = "us-east-1";
/// The default clock skew allowed on SAML time checks.
pub const DEFAULT_CLOCK_SKEW_SECONDS: i64 = 60;
/// The largest clock skew that may be configured.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 300;

/// What an operator may write in `fedgate.toml` (every key optional).
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Address to listen on.
    pub listen: Option<String>,
    /// Where the SQLite database, the sealing key and the aws-config files live.
    pub data_dir: Option<PathBuf>,
    /// A SQLite file path (default: `<data_dir>/fedgate.db`), `sqlite:…` or `postgres://…`.
    pub database_url: Option<String>,
    /// The URL browsers and clients reach this server at (default `http://<listen>`).
    pub public_url: Option<String>,
    /// Other origins of this same server (regional host names) accepted as SAML recipients and
    /// RelayState targets.
    #[serde(default)]
    pub regional_urls: Vec<String>,
    /// The account's region.
    pub region: Option<String>,
    /// The 12-digit account id to create the account with on the first start (default: random).
    /// Setting it to the id of a real AWS account lets IdP role mappings be used unchanged.
    pub account_id: Option<String>,
    /// The SP entityID published in the SAML metadata (default `urn:amazon:webservices`).
    pub entity_id: Option<String>,
    /// Also accept AWS's own sign-in URLs as SAML recipients.
    pub aws_recipients: Option<bool>,
    /// Clock skew allowed on SAML time checks, in seconds (at most 300).
    pub clock_skew_seconds: Option<i64>,
    /// The file holding the sealing key (default `<data_dir>/sealing-key`).
    pub sealing_key_file: Option<PathBuf>,
    /// `text` or `json`.
    pub log_format: Option<String>,
}

/// The flags of `fedgate serve` (highest precedence).
#[derive(Clone, Debug, Default)]
pub struct Flags {
    /// `--listen`
    pub listen: Option<String>,
    /// `--data-dir`
    pub data_dir: Option<PathBuf>,
    /// `--database-url`
    pub database_url: Option<String>,
    /// `--config`
    pub config: Option<PathBuf>,
    /// `--public-url`
    pub public_url: Option<String>,
    /// `--log-format`
    pub log_format: Option<String>,
}

/// Log output format.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum LogFormat {
    /// JSON lines.
    Json,
    /// Human-readable lines.
    #[default]
    Text,
}

/// The resolved configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The database URL.
    pub database_url: crate::secret::Secret<String>,
    /// This server's origin, e.g. `http://127.0.0.1:4580` (no trailing slash).
    pub public_url: String,
    /// Other origins of this server.
    pub regional_urls: Vec<String>,
    /// The account's region.
    pub region: String,
    /// The account id to create the account with on the first start (later starts keep theirs).
    pub account_id: Option<String>,
    /// The SP entityID.
    pub entity_id: String,
    /// Accepted SAML Recipients (and Destinations).
    pub recipients: Vec<String>,
    /// Accepted SAML Audiences: the entityID and the recipients.
    pub audiences: Vec<String>,
    /// Clock skew on SAML time checks.
    pub clock_skew: Duration,
    /// The sealing key file.
    pub sealing_key_file: PathBuf,
    /// Log format.
    pub log_format: LogFormat,
}

/// A configuration that cannot be used, and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML for fedgate.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value is invalid.
    #[error("{key}: {message}")]
    Invalid {
        /// The setting.
        key: &'static str,
        /// Why.
        message: String,
    },
}

impl Config {
    /// Resolves file (from `--config` or `FEDGATE_CONFIG`), environment and flags.
    pub fn resolve(flags: &Flags) -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("FEDGATE_"))
            .collect();
        Self::resolve_from(flags, &env)
    }

    /// Resolves with an explicit environment (tests).
    pub fn resolve_from(
        flags: &Flags,
        env: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let config_path = flags
            .config
            .clone()
            .or_else(|| env.get("FEDGATE_CONFIG").map(PathBuf::from));
        let file = match &config_path {
            Some(path) => read_file(path)?,
            None => File::default(),
        };
        let pick = |flag: &Option<String>, var: &str, file: &Option<String>| {
            flag.clone()
                .or_else(|| env.get(var).cloned())
                .or_else(|| file.clone())
        };

        let listen_text = pick(&flags.listen, "FEDGATE_LISTEN", &file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            invalid(
                "listen",
                format!("`{listen_text}` is not an address like 127.0.0.1:4580"),
            )
        })?;
        let data_dir = flags
            .data_dir
            .clone()
            .or_else(|| env.get("FEDGATE_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = pick(
            &flags.database_url,
            "FEDGATE_DATABASE_URL",
            &file.database_url,
        )
        .unwrap_or_else(|| data_dir.join("fedgate.db").display().to_string());
        let public_url = pick(&flags.public_url, "FEDGATE_PUBLIC_URL", &file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        let public_url = origin("public_url", &public_url)?;
        let regional_urls = file
            .regional_urls
            .iter()
            .map(|url| origin("regional_urls", url))
            .collect::<Result<Vec<_>, _>>()?;
        let region = pick(&None, "FEDGATE_REGION", &file.region)
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        if !is_region(&region) {
            return Err(invalid(
                "region",
                format!("`{region}` is not a region name like us-east-1"),
            ));
        }
        let account_id = pick(&None, "FEDGATE_ACCOUNT_ID", &file.account_id);
        if let Some(id) = &account_id
            && !(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid(
                "account_id",
                format!("`{id}` is not a 12-digit account id"),
            ));
        }
        let entity_id = pick(&None, "FEDGATE_ENTITY_ID", &file.entity_id)
            .unwrap_or_else(|| AWS_ENTITY_ID.to_owned());
        let aws_recipients = match env.get("FEDGATE_AWS_RECIPIENTS") {
            Some(value) => parse_bool("aws_recipients", value)?,
            None => file.aws_recipients.unwrap_or(false),
        };
        let skew = match env.get("FEDGATE_CLOCK_SKEW_SECONDS") {
            Some(value) => value.parse().map_err(|_| {
                invalid(
                    "clock_skew_seconds",
                    format!("`{value}` is not a number of seconds"),
                )
            })?,
            None => file
                .clock_skew_seconds
                .unwrap_or(DEFAULT_CLOCK_SKEW_SECONDS),
        };
        if !(0..=MAX_CLOCK_SKEW_SECONDS).contains(&skew) {
            return Err(invalid(
                "clock_skew_seconds",
                format!("{skew} is outside 0 to {MAX_CLOCK_SKEW_SECONDS}"),
            ));
        }
        let sealing_key_file = env
            .get("FEDGATE_SEALING_KEY_FILE")
            .map(PathBuf::from)
            .or(file.sealing_key_file)
            .unwrap_or_else(|| data_dir.join("sealing-key"));
        let log_format =
            match pick(&flags.log_format, "FEDGATE_LOG_FORMAT", &file.log_format).as_deref() {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(invalid(
                        "log_format",
                        format!("`{other}` is neither `text` nor `json`"),
                    ));
                }
            };

        let mut recipients: Vec<String> = std::iter::once(&public_url)
            .chain(&regional_urls)
            .map(|origin| format!("{origin}/saml"))
            .collect();
        if aws_recipients {
            recipients.extend(aws_signin_recipients());
        }
        let audiences = std::iter::once(entity_id.clone())
            .chain(recipients.iter().cloned())
            .collect();
        Ok(Self {
            listen,
            data_dir,
            database_url: crate::secret::Secret::new(database_url),
            public_url,
            regional_urls,
            region,
            account_id,
            entity_id,
            recipients,
            audiences,
            clock_skew: Duration::seconds(skew),
            sealing_key_file,
            log_format,
        })
    }

    /// Whether `url` is on one of this server's own origins (the public URL or a regional one).
    pub fn is_own_origin(&self, url: &str) -> bool {
        std::iter::once(&self.public_url)
            .chain(&self.regional_urls)
            .any(|origin| {
                url.strip_prefix(origin.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
    }

    /// Whether the public URL is https (cookies get `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn read_file(path: &Path) -> Result<File, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

fn invalid(key: &'static str, message: String) -> ConfigError {
    ConfigError::Invalid { key, message }
}

fn parse_bool(key: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(invalid(key, format!("`{other}` is neither true nor false"))),
    }
}

/// `scheme://host[:port]` of an http(s) URL with no path, query or fragment (a trailing `/` is
/// dropped).
fn origin(key: &'static str, url: &str) -> Result<String, ConfigError> {
    let trimmed = url.strip_suffix('/').unwrap_or(url);
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
        .ok_or_else(|| invalid(key, format!("`{url}` is not an http:// or https:// URL")))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(invalid(
            key,
            format!("`{url}` must be an origin (scheme, host and port) without a path"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A region name such as `us-east-1` or `us-gov-west-1`.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_environment_beats_defaults() {
        let env = BTreeMap::from([
            ("FEDGATE_LISTEN".to_owned(), "127.0.0.1:9000".to_owned()),
            ("FEDGATE_REGION".to_owned(), "eu-west-2".to_owned()),
        ]);
        let flags = Flags {
            public_url: Some("https://cc.example.test/".into()),
            ..Flags::default()
        };
        let config = Config::resolve_from(&flags, &env).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.region, "eu-west-2");
        assert_eq!(config.public_url, "https://cc.example.test");
        assert_eq!(
            config.recipients,
            vec!["https://cc.example.test/saml".to_owned()]
        );
        assert_eq!(
            config.audiences.first().map(String::as_str),
            Some("urn:amazon:webservices")
        );
        assert!(config.is_own_origin("https://cc.example.test/connect/federate/x"));
        assert!(!config.is_own_origin("https://cc.example.test.evil.example/"));
    }

    #[test]
    fn refuses_bad_values_with_the_setting_named() {
        let env = BTreeMap::from([("FEDGATE_CLOCK_SKEW_SECONDS".to_owned(), "301".to_owned())]);
        let error = Config::resolve_from(&Flags::default(), &env)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("clock_skew_seconds"), "{error}");
        let flags = Flags {
            public_url: Some("https://x.example/path".into()),
            ..Flags::default()
        };
        assert!(Config::resolve_from(&flags, &BTreeMap::new()).is_err());
    }
}
