//! `fedgate demo`: a development identity provider at `/dev-idp` and the seed that lets a
//! newcomer walk the whole sign-in on their own machine.
//!
//! The IdP's ECDSA P-256 key pair is generated with aws-lc-rs and kept in the data directory
//! (`dev-idp.pk8`, PKCS#8 DER); its self-signed X.509 certificate (`dev-idp.crt.der`) is
//! written here with a few lines of DER, since no certificate builder is among the
//! dependencies (docs/decisions.md). Verifiers ignore the certificate's dates, as AWS does.
//!
//! The IdP signs in anyone who clicks: it exists only under `fedgate demo`, never `serve`.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _};
use axum::Router;
use axum::extract::{Extension, Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use fedgate_store::{
    IamPath, Instance, InstanceAlias, InstanceId, NewInstance, PageRequest, PhoneConfig, PhoneType,
    PolicyName, ProviderId, ProviderName, Role, RoleId, RoleName, SamlProvider, User, UserId,
    Username,
};
use fedgate_xmldsig::SigningKey;
use serde::Deserialize;
use time::Duration;

use crate::keys::random_id;
use crate::state::AppState;
use crate::web::{encode_component, escape, page};

/// The SAML provider the demo seeds.
pub const PROVIDER_NAME: &str = "DemoIdP";
/// The federation role the demo seeds.
pub const ROLE_NAME: &str = "ConnectFederation";
/// The demo instance's alias.
pub const INSTANCE_ALIAS: &str = "demo";
/// The demo users: (username, security profile, what they show). `carol` is not onboarded.
pub const USERS: &[(&str, Option<&str>, &str)] = &[
    (
        "alice",
        Some("Agent"),
        "an agent: lands on the Contact Control Panel",
    ),
    (
        "bob",
        Some("Admin"),
        "an administrator: lands on the instance home",
    ),
    ("carol", None, "not onboarded: sees Access Denied"),
];

/// The development IdP: its key, certificate and entity id.
pub struct DevIdp {
    key: SigningKey,
    certificate: Vec<u8>,
    entity_id: String,
}

impl std::fmt::Debug for DevIdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIdp")
            .field("entity_id", &self.entity_id)
            .finish_non_exhaustive()
    }
}

impl DevIdp {
    /// The IdP of `data_dir`, its key pair and certificate created on first use.
    pub fn load_or_create(data_dir: &Path, public_url: &str) -> anyhow::Result<Self> {
        let key_path = data_dir.join("dev-idp.pk8");
        let certificate_path = data_dir.join("dev-idp.crt.der");
        if !key_path.exists() || !certificate_path.exists() {
            let (pkcs8, certificate) = generate()?;
            std::fs::create_dir_all(data_dir)?;
            write_private(&key_path, &pkcs8)?;
            std::fs::write(&certificate_path, &certificate)?;
        }
        let pkcs8 = std::fs::read(&key_path).context("reading the dev IdP's key")?;
        let certificate =
            std::fs::read(&certificate_path).context("reading the dev IdP's certificate")?;
        let key = SigningKey::from_pkcs8(&pkcs8, &certificate)
            .map_err(|e| anyhow::anyhow!("the dev IdP's key: {e}"))?;
        Ok(Self {
            key,
            certificate,
            entity_id: format!("{public_url}/dev-idp"),
        })
    }

    /// The IdP's metadata, as an administrator uploads it to IAM.
    pub fn metadata(&self) -> String {
        let certificate = base64::engine::general_purpose::STANDARD.encode(&self.certificate);
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{entity}"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
            entity = escape(&self.entity_id)
        )
    }

    /// A signed response (base64) for `username` with the demo's Role value, issued now.
    pub fn response(
        &self,
        state: &AppState,
        username: &str,
    ) -> Result<String, fedgate_xmldsig::DsigError> {
        let t = crate::aws::xml::format_timestamp;
        let now = state.clock.now();
        let account = state.account.id.as_str();
        let recipient = format!("{}/saml", state.config.public_url);
        let id = format!("_{}", random_id("", 32));
        let role = format!(
            "arn:aws:iam::{account}:role/{ROLE_NAME},arn:aws:iam::{account}:saml-provider/{PROVIDER_NAME}"
        );
        let xml = format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{id}" Version="2.0" IssueInstant="{issued}" Destination="{recipient}"><saml:Issuer>{issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="{id}" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{issuer}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{user}@demo.test</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{end}" Recipient="{recipient}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{before}" NotOnOrAfter="{end}"><saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{issued}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>{role}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>{user}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#,
            issued = t(now),
            end = t(now + Duration::minutes(5)),
            before = t(now - Duration::minutes(1)),
            issuer = escape(&self.entity_id),
            recipient = escape(&recipient),
            user = escape(username),
        );
        let signed = fedgate_xmldsig::sign_enveloped(&xml, &id, &self.key)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(signed))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        file.write_all(bytes)
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, bytes)
    }
}

/// A new P-256 key (PKCS#8 DER) and its self-signed certificate (DER).
pub fn generate() -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let random = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &random)
        .map_err(|_| anyhow::anyhow!("generating a P-256 key failed"))?;
    let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
        .map_err(|_| anyhow::anyhow!("reading the generated key failed"))?;
    let certificate = self_signed(&pair, &random)?;
    Ok((pkcs8.as_ref().to_vec(), certificate))
}

/// DER tag-length-value.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap_or(0));
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn bit_string(content: &[u8]) -> Vec<u8> {
    let mut bits = vec![0];
    bits.extend_from_slice(content);
    tlv(0x03, &bits)
}

const OID_ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_COMMON_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];

/// An X.509 v3 certificate for `pair`'s public key, issued by itself (CN=fedgate dev IdP),
/// valid 2025–2049.
fn self_signed(pair: &EcdsaKeyPair, random: &SystemRandom) -> anyhow::Result<Vec<u8>> {
    let name = sequence(&[&tlv(
        0x31,
        &sequence(&[OID_COMMON_NAME, &tlv(0x0c, b"fedgate dev IdP")]),
    )]);
    let algorithm = sequence(&[OID_ECDSA_SHA256]);
    let mut serial = crate::keys::random_bytes(16);
    if let Some(first) = serial.first_mut() {
        *first = (*first & 0x7f) | 0x01;
    }
    let validity = sequence(&[&tlv(0x17, b"250101000000Z"), &tlv(0x17, b"491231235959Z")]);
    let spki = sequence(&[
        &sequence(&[OID_EC_PUBLIC_KEY, OID_P256]),
        &bit_string(pair.public_key().as_ref()),
    ]);
    let tbs = sequence(&[
        &tlv(0xa0, &tlv(0x02, &[2])),
        &tlv(0x02, &serial),
        &algorithm,
        &name,
        &validity,
        &name,
        &spki,
    ]);
    let signature = pair
        .sign(random, &tbs)
        .map_err(|_| anyhow::anyhow!("signing the certificate failed"))?;
    Ok(sequence(&[
        &tbs,
        &algorithm,
        &bit_string(signature.as_ref()),
    ]))
}

/// What the seed made: the instance's id.
#[derive(Clone, Debug)]
pub struct Seeded {
    /// The demo instance.
    pub instance_id: String,
}

/// Seeds, once: the SAML provider from the IdP's metadata, the federation role with the AWS
/// guide's trust and permissions policies, the instance `demo` with alice and bob.
pub async fn seed(state: &AppState, idp: &DevIdp) -> anyhow::Result<Seeded> {
    let store = &state.store;
    let now = state.clock.now();
    let account = state.account.id.as_str();
    let provider_name = ProviderName::new(PROVIDER_NAME);
    let provider = SamlProvider {
        name: provider_name.clone(),
        id: ProviderId::new(random_id("", 21)),
        metadata: idp.metadata(),
        valid_until: now + Duration::days(3650),
        created_at: now,
    };
    if store.saml_provider(&provider_name).await.is_err() {
        store
            .create_saml_provider(&provider, &[])
            .await
            .context("seeding the SAML provider")?;
    }
    let instance = match store
        .instance_by_alias(&InstanceAlias::new(INSTANCE_ALIAS))
        .await
    {
        Ok(instance) => instance,
        Err(_) => store
            .create_instance(&NewInstance {
                instance: Instance {
                    id: InstanceId::new(crate::connect::new_id()),
                    alias: InstanceAlias::new(INSTANCE_ALIAS),
                    identity_management: fedgate_store::IdentityManagement::Saml,
                    inbound_calls: true,
                    outbound_calls: true,
                    created_at: now,
                },
                client_token: None,
                security_profiles: crate::connect::profiles::default_security_profiles(),
                routing_profiles: crate::connect::profiles::default_routing_profiles(),
                tags: Vec::new(),
            })
            .await
            .context("seeding the instance")?,
    };
    let instance_id = instance.id.clone();
    let role_name = RoleName::new(ROLE_NAME);
    if store.role(&role_name).await.is_err() {
        let trust = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::{account}:saml-provider/{PROVIDER_NAME}")},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": format!("{}/saml", state.config.public_url)}},
            }]
        });
        store
            .create_role(
                &Role {
                    name: role_name.clone(),
                    path: IamPath::new("/"),
                    id: RoleId::new(format!("AROA{}", random_id("", 17))),
                    trust_policy: trust.to_string(),
                    description: Some("Federation into the demo instance".to_owned()),
                    max_session_duration: 43_200,
                    created_at: now,
                },
                &[],
            )
            .await
            .context("seeding the role")?;
    }
    let permissions = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "Statement1",
            "Effect": "Allow",
            "Action": "connect:GetFederationToken",
            "Resource": [format!(
                "arn:aws:connect:{}:{account}:instance/{}/user/${{aws:userid}}",
                state.account.region,
                instance_id.as_str()
            )],
        }]
    });
    store
        .put_role_policy(
            &role_name,
            &PolicyName::new("connect-federation"),
            &permissions.to_string(),
        )
        .await
        .context("seeding the role's policy")?;
    let profiles = store
        .list_security_profiles(&instance_id, &PageRequest::first(100))
        .await?
        .items;
    let routing = store
        .list_routing_profiles(&instance_id, &PageRequest::first(100))
        .await?
        .items;
    let routing = routing
        .first()
        .context("the demo instance has no routing profile")?;
    for (username, profile, _) in USERS {
        let Some(profile) = profile else { continue };
        let name = Username::new(*username);
        if store.user_by_username(&instance_id, &name).await.is_ok() {
            continue;
        }
        let profile = profiles
            .iter()
            .find(|p| p.name == *profile)
            .context("a default security profile is missing")?;
        let user = User {
            id: UserId::new(crate::connect::new_id()),
            username: name,
            first_name: capitalised(username),
            last_name: "Demo".to_owned(),
            phone: PhoneConfig {
                phone_type: PhoneType::SoftPhone,
                auto_accept: false,
                after_contact_work_seconds: 0,
                desk_phone_number: None,
            },
            security_profiles: vec![profile.id.clone()],
            routing_profile: routing.id.clone(),
            updated_at: now,
        };
        store
            .create_user(&instance_id, &user, &[])
            .await
            .context("seeding a demo user")?;
    }
    Ok(Seeded {
        instance_id: instance_id.as_str().to_owned(),
    })
}

fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What the dev IdP's pages need.
#[derive(Clone, Debug)]
pub struct DevIdpState {
    /// The IdP.
    pub idp: Arc<DevIdp>,
    /// The demo instance.
    pub instance_id: String,
}

/// The dev IdP's routes: `/dev-idp` (the users) and `POST /dev-idp/login`.
pub fn routes(idp: DevIdpState) -> Router<AppState> {
    Router::new()
        .route("/dev-idp", get(users_page))
        .route("/dev-idp/login", post(login))
        .route("/dev-idp/metadata.xml", get(metadata_xml))
        .layer(Extension(idp))
}

/// Where each demo user's sign-in continues.
fn relay_state(user: &str, instance_id: &str) -> String {
    let base = format!("/connect/federate/{}", encode_component(instance_id));
    match user {
        "bob" => base,
        _ => format!("{base}?destination=%2Fccp-v2"),
    }
}

async fn users_page(Extension(idp): Extension<DevIdpState>) -> Response {
    let buttons: String = USERS
        .iter()
        .map(|(user, _, what)| {
            format!(
                "<li><form action=\"/dev-idp/login\" method=\"post\"><input type=\"hidden\" name=\"user\" value=\"{user}\"><button type=\"submit\" id=\"login-{user}\">Sign in as {user}</button> — {what}</form></li>",
                what = escape(what)
            )
        })
        .collect();
    let body = format!(
        "<h1>fedgate development IdP</h1><p>Pick a user. Their browser posts a signed SAML response to <code>/saml</code>, as a real identity provider's portal does.</p><ul>{buttons}</ul><p><a href=\"/dev-idp/metadata.xml\">IdP metadata</a> · instance <code>{}</code></p>",
        escape(&idp.instance_id)
    );
    page(StatusCode::OK, "Development IdP", &body)
}

async fn metadata_xml(Extension(idp): Extension<DevIdpState>) -> Response {
    use axum::response::IntoResponse as _;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/samlmetadata+xml",
        )],
        idp.idp.metadata(),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    user: String,
}

async fn login(
    State(state): State<AppState>,
    Extension(idp): Extension<DevIdpState>,
    Form(form): Form<LoginForm>,
) -> Response {
    if !USERS.iter().any(|(user, _, _)| *user == form.user) {
        return page(
            StatusCode::BAD_REQUEST,
            "Unknown user",
            "<h1>Unknown user</h1>",
        );
    }
    let Ok(response) = idp.idp.response(&state, &form.user) else {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error",
            "<h1>The response could not be signed</h1>",
        );
    };
    let relay = relay_state(&form.user, &idp.instance_id);
    let body = format!(
        "<h1>Signing in as {user}…</h1><form id=\"saml\" action=\"/saml\" method=\"post\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"{response}\"><input type=\"hidden\" name=\"RelayState\" value=\"{relay}\"><button type=\"submit\" id=\"continue\">Continue</button></form><script>document.getElementById('saml').submit();</script>",
        user = escape(&form.user),
        relay = escape(&relay),
    );
    page(StatusCode::OK, "Signing in", &body)
}
