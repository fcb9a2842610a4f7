//! SAML providers: the IdP metadata that sign-ins and `AssumeRoleWithSAML` verify against.
//!
//! The metadata is parsed by fedgate-saml before it is stored, so a provider that exists can
//! always be used: AWS's own refusals (no signing certificate, a key under 1024 bits, a byte
//! order mark…) come back as `InvalidInput` with the parser's message.

use fedgate_saml::IdpMetadata;
use fedgate_store::{
    Entity, PageRequest, ProviderId, ProviderName, SamlProvider, StoreError, Tag, TagTarget,
};
use time::OffsetDateTime;

use crate::auth::Caller;
use crate::aws::error::{AwsError, AwsErrorCode, IamSubject};
use crate::aws::query::{Params, QueryApi, Validator};
use crate::aws::xml::QueryResponse;
use crate::keys::random_id;
use crate::query_api::Call;

use super::arn::{self, ProviderArn};
use super::input::{self, TagKeys, patterns};
use super::output;
use super::{
    IamAction, authorize, page_of, request_tag_context, required, resource_tag_context,
    tag_keys_context,
};

/// Most SAML providers in an account (IAM quota).
pub const MAX_PROVIDERS: usize = 100;
/// Shortest and longest metadata document, in characters (`SAMLMetadataDocumentType`).
pub const METADATA_CHARS: (usize, usize) = (1_000, 10_000_000);
/// Length of a `SAMLProviderUUID` (`privateKeyIdType`: 22 to 64 of `[A-Z0-9]`).
const PROVIDER_ID_CHARS: usize = 26;
/// Years a provider stays valid when its metadata has no `validUntil` (as AWS: a provider
/// created 2015-11-09 reads `ValidUntil` 2115-11-09).
const DEFAULT_VALIDITY_YEARS: i32 = 100;
/// Longest `AddPrivateKey` (`privateKeyType`).
const MAX_PRIVATE_KEY_CHARS: usize = 16_384;
/// Shortest and longest `RemovePrivateKey` (`privateKeyIdType`).
const PRIVATE_KEY_ID_CHARS: (usize, usize) = (22, 64);
/// `AssertionEncryptionMode` values.
const ENCRYPTION_MODES: [&str; 2] = ["Required", "Allowed"];

/// `CreateSAMLProvider`.
pub async fn create(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let metadata = metadata_document(&mut v, &params, true);
    let name = input::name(
        &mut v,
        &params,
        "Name",
        input::MAX_PROVIDER_NAME_CHARS,
        patterns::PROVIDER_NAME,
        input::is_provider_name_char,
    );
    let encryption = encryption_mode(&mut v, &params);
    let private_key = private_key(&mut v, &params);
    v.finish()?;
    let tags = input::tags(&params, TagKeys::CaseSensitive, false)?;
    let metadata = required(metadata, "SAMLMetadataDocument")?;
    let name = required(name, "Name")?;

    let account = call.state.account.id.as_str();
    let provider_arn = arn::saml_provider(account, name);
    authorize(
        call,
        caller,
        IamAction::CreateSamlProvider,
        Some(&provider_arn),
        &request_tag_context(&tags),
    )
    .await?;
    refuse_unsupported(encryption, private_key, None)?;
    let parsed = IdpMetadata::parse(metadata.as_bytes()).map_err(AwsError::iam_metadata)?;
    let existing = call
        .state
        .store
        .list_saml_providers()
        .await
        .map_err(AwsError::internal)?;
    if existing.len() >= MAX_PROVIDERS {
        return Err(AwsError::new(
            AwsErrorCode::LimitExceeded,
            format!("Cannot exceed quota for SAMLProvidersPerAccount: {MAX_PROVIDERS}"),
        ));
    }
    let now = call.state.clock.now();
    let provider = SamlProvider {
        name: ProviderName::new(name),
        id: ProviderId::new(random_id("", PROVIDER_ID_CHARS)),
        metadata: metadata.to_owned(),
        valid_until: valid_until(&parsed, now),
        created_at: now,
    };
    call.state
        .store
        .create_saml_provider(&provider, &tags)
        .await
        .map_err(|e| {
            AwsError::iam_store(
                e,
                IamSubject {
                    provider_name: Some(name),
                    ..IamSubject::default()
                },
            )
        })?;
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "CreateSAMLProvider",
        call.request_id,
        |xml| {
            xml.text_element("SAMLProviderArn", &provider_arn);
            if !tags.is_empty() {
                output::tags(xml, &tags);
            }
        },
    ))
}

/// `UpdateSAMLProvider`: replaces the metadata (when sent).
pub async fn update(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let metadata = metadata_document(&mut v, &params, false);
    let arn_text = input::arn(&mut v, &params, "SAMLProviderArn");
    let encryption = encryption_mode(&mut v, &params);
    let private_key = private_key(&mut v, &params);
    let remove_key = params.string("RemovePrivateKey");
    if let Some(key) = remove_key {
        v.length(
            "RemovePrivateKey",
            key,
            PRIVATE_KEY_ID_CHARS.0,
            PRIVATE_KEY_ID_CHARS.1,
        );
        v.pattern("RemovePrivateKey", key, "[A-Z0-9]+", |c| {
            c.is_ascii_uppercase() || c.is_ascii_digit()
        });
    }
    v.finish()?;
    let provider_arn = ProviderArn::parse(required(arn_text, "SAMLProviderArn")?)?;
    let provider = authorized_provider(
        call,
        caller,
        IamAction::UpdateSamlProvider,
        &provider_arn,
        &[],
    )
    .await?;
    refuse_unsupported(encryption, private_key, remove_key)?;
    if let Some(metadata) = metadata {
        let parsed = IdpMetadata::parse(metadata.as_bytes()).map_err(AwsError::iam_metadata)?;
        let now = call.state.clock.now();
        call.state
            .store
            .update_saml_provider_metadata(&provider.name, metadata, valid_until(&parsed, now))
            .await
            .map_err(|e| AwsError::iam_store(e, subject(&provider_arn)))?;
    }
    let canonical = arn::saml_provider(provider_arn.account, provider.name.as_str());
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "UpdateSAMLProvider",
        call.request_id,
        |xml| xml.text_element("SAMLProviderArn", &canonical),
    ))
}

/// `GetSAMLProvider`.
pub async fn get(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let provider_arn = provider_arn_param(call)?;
    let provider =
        authorized_provider(call, caller, IamAction::GetSamlProvider, &provider_arn, &[]).await?;
    let tags = provider_tags(call, &provider_arn, &provider.name).await?;
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "GetSAMLProvider",
        call.request_id,
        |xml| {
            xml.text_element("SAMLProviderUUID", provider.id.as_str());
            xml.text_element("SAMLMetadataDocument", &provider.metadata);
            xml.timestamp_element("CreateDate", provider.created_at);
            xml.timestamp_element("ValidUntil", provider.valid_until);
            output::tags(xml, &tags);
            // fedgate does not decrypt assertions: a provider allows plain ones, has no keys.
            xml.text_element("AssertionEncryptionMode", "Allowed");
            xml.element("PrivateKeyList", |_| {});
        },
    ))
}

/// `ListSAMLProviders` (not paginated, as at AWS).
pub async fn list(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    authorize(call, caller, IamAction::ListSamlProviders, None, &[]).await?;
    let providers = call
        .state
        .store
        .list_saml_providers()
        .await
        .map_err(AwsError::internal)?;
    let account = call.state.account.id.as_str();
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "ListSAMLProviders",
        call.request_id,
        |xml| {
            xml.list("SAMLProviderList", &providers, |xml, provider| {
                xml.text_element("Arn", &arn::saml_provider(account, provider.name.as_str()));
                xml.timestamp_element("ValidUntil", provider.valid_until);
                xml.timestamp_element("CreateDate", provider.created_at);
            });
        },
    ))
}

/// `DeleteSAMLProvider`. Roles that trust it are left as they are (as at AWS).
pub async fn delete(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let provider_arn = provider_arn_param(call)?;
    let provider = authorized_provider(
        call,
        caller,
        IamAction::DeleteSamlProvider,
        &provider_arn,
        &[],
    )
    .await?;
    call.state
        .store
        .delete_saml_provider(&provider.name)
        .await
        .map_err(|e| AwsError::iam_store(e, subject(&provider_arn)))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "DeleteSAMLProvider",
        call.request_id,
    ))
}

/// `TagSAMLProvider`: adds tags, replacing the values of keys it has; at most 50 in all.
pub async fn tag(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let provider_arn = provider_arn_param(call)?;
    let params = call.request.params();
    let tags = input::tags(&params, TagKeys::CaseSensitive, true)?;
    let provider = authorized_provider(
        call,
        caller,
        IamAction::TagSamlProvider,
        &provider_arn,
        &request_tag_context(&tags),
    )
    .await?;
    let existing = provider_tags(call, &provider_arn, &provider.name).await?;
    input::within_tag_quota(&existing, &tags, TagKeys::CaseSensitive)?;
    call.state
        .store
        .tag_resource(TagTarget::SamlProvider(&provider.name), &tags)
        .await
        .map_err(|e| AwsError::iam_store(e, subject(&provider_arn)))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "TagSAMLProvider",
        call.request_id,
    ))
}

/// `UntagSAMLProvider`: removes the tags with these keys (absent keys are ignored).
pub async fn untag(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let provider_arn = provider_arn_param(call)?;
    let params = call.request.params();
    let keys = input::tag_keys(&params)?;
    let provider = authorized_provider(
        call,
        caller,
        IamAction::UntagSamlProvider,
        &provider_arn,
        &tag_keys_context(keys.iter().map(String::as_str)),
    )
    .await?;
    call.state
        .store
        .untag_resource(TagTarget::SamlProvider(&provider.name), &keys)
        .await
        .map_err(|e| AwsError::iam_store(e, subject(&provider_arn)))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "UntagSAMLProvider",
        call.request_id,
    ))
}

/// `ListSAMLProviderTags`, by key, paginated.
pub async fn list_tags(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let arn_text = input::arn(&mut v, &params, "SAMLProviderArn");
    let page: PageRequest = input::page(&mut v, &params);
    v.finish()?;
    let provider_arn = ProviderArn::parse(required(arn_text, "SAMLProviderArn")?)?;
    let provider = authorized_provider(
        call,
        caller,
        IamAction::ListSamlProviderTags,
        &provider_arn,
        &[],
    )
    .await?;
    let tags = provider_tags(call, &provider_arn, &provider.name).await?;
    let page = page_of(tags, |tag: &Tag| tag.key.clone(), &page);
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "ListSAMLProviderTags",
        call.request_id,
        |xml| {
            output::tags(xml, &page.items);
            output::pagination(xml, &page);
        },
    ))
}

/// `SAMLMetadataDocument`: 1000 to 10,000,000 characters.
fn metadata_document<'a>(
    v: &mut Validator,
    params: &Params<'a>,
    required: bool,
) -> Option<&'a str> {
    let value = params.string("SAMLMetadataDocument");
    let value = if required {
        v.required("SAMLMetadataDocument", value)?
    } else {
        value?
    };
    v.length(
        "SAMLMetadataDocument",
        value,
        METADATA_CHARS.0,
        METADATA_CHARS.1,
    );
    Some(value)
}

/// `AssertionEncryptionMode`: `Required` or `Allowed`.
fn encryption_mode<'a>(v: &mut Validator, params: &Params<'a>) -> Option<&'a str> {
    let value = params.string("AssertionEncryptionMode")?;
    if !ENCRYPTION_MODES.contains(&value) {
        v.violation(
            "AssertionEncryptionMode",
            Some(value),
            "Member must satisfy enum value set: [Required, Allowed]",
        );
    }
    Some(value)
}

/// `AddPrivateKey` (`privateKeyType`: 1 to 16384 characters of Latin-1 text).
fn private_key<'a>(v: &mut Validator, params: &Params<'a>) -> Option<&'a str> {
    let value = params.string("AddPrivateKey")?;
    // `privateKeyType` is `sensitive`: the key is never quoted back.
    v.sensitive_length("AddPrivateKey", value, 1, MAX_PRIVATE_KEY_CHARS);
    Some(value)
}

/// fedgate verifies signed assertions and refuses encrypted ones, so it takes no decryption
/// keys and cannot require encryption (docs/decisions.md).
fn refuse_unsupported(
    encryption: Option<&str>,
    add_key: Option<&str>,
    remove_key: Option<&str>,
) -> Result<(), AwsError> {
    if encryption == Some("Required") {
        return Err(input::invalid_input(
            "AssertionEncryptionMode Required is not supported: fedgate does not decrypt \
             assertions.",
        ));
    }
    if add_key.is_some() || remove_key.is_some() {
        return Err(input::invalid_input(
            "Private keys for assertion decryption are not supported: fedgate does not decrypt \
             assertions.",
        ));
    }
    Ok(())
}

/// `ValidUntil`: the metadata's earliest `validUntil`, else a hundred years from `now`.
fn valid_until(metadata: &IdpMetadata, now: OffsetDateTime) -> OffsetDateTime {
    metadata.valid_until().unwrap_or_else(|| {
        let year = now.year().saturating_add(DEFAULT_VALIDITY_YEARS);
        now.replace_year(year)
            .or_else(|_| now.replace_day(28).and_then(|day| day.replace_year(year)))
            .unwrap_or(now)
    })
}

/// The required `SAMLProviderArn`, parsed.
fn provider_arn_param<'a>(call: &Call<'a>) -> Result<ProviderArn<'a>, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let text = input::arn(&mut v, &params, "SAMLProviderArn");
    v.finish()?;
    ProviderArn::parse(required(text, "SAMLProviderArn")?)
}

/// Authorizes `action` on the provider the ARN names and returns it.
///
/// The resource is the provider's ARN as stored when it exists (names are looked up without
/// regard to case, IAM's ARN matching is exact: authorizing on the ARN as sent would let
/// `saml-provider/OKTA` slip past a deny on `saml-provider/Okta`), else the ARN as sent.
async fn authorized_provider(
    call: &Call<'_>,
    caller: &Caller,
    action: IamAction,
    provider_arn: &ProviderArn<'_>,
    extra: &[(String, fedgate_policy::ContextValue)],
) -> Result<SamlProvider, AwsError> {
    let account = call.state.account.id.as_str();
    let found = if provider_arn.is_in(account) {
        match call.state.store.saml_provider(&provider_arn.name).await {
            Ok(provider) => Some(provider),
            Err(StoreError::NotFound(Entity::SamlProvider)) => None,
            Err(error) => return Err(AwsError::iam_store(error, subject(provider_arn))),
        }
    } else {
        None
    };
    let resource = match &found {
        Some(provider) => arn::saml_provider(account, provider.name.as_str()),
        None => provider_arn.text.to_owned(),
    };
    let mut context = extra.to_vec();
    if let Some(provider) = &found {
        context.extend(
            resource_tag_context(call, caller, TagTarget::SamlProvider(&provider.name)).await?,
        );
    }
    authorize(call, caller, action, Some(&resource), &context).await?;
    found.ok_or_else(|| not_found(provider_arn))
}

async fn provider_tags(
    call: &Call<'_>,
    provider_arn: &ProviderArn<'_>,
    name: &ProviderName,
) -> Result<Vec<Tag>, AwsError> {
    call.state
        .store
        .tags(TagTarget::SamlProvider(name))
        .await
        .map_err(|e| AwsError::iam_store(e, subject(provider_arn)))
}

fn subject<'a>(provider_arn: &ProviderArn<'a>) -> IamSubject<'a> {
    IamSubject {
        provider_arn: Some(provider_arn.text),
        ..IamSubject::default()
    }
}

fn not_found(provider_arn: &ProviderArn<'_>) -> AwsError {
    AwsError::iam_store(
        StoreError::NotFound(Entity::SamlProvider),
        subject(provider_arn),
    )
}
