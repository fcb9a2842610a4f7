//! IAM entities: SAML providers, roles, inline and managed policies, tags.

use time::OffsetDateTime;

use super::{InstanceId, UserId, string_id};

string_id! {
    /// The name of a SAML provider, the last part of its ARN.
    ProviderName
}

string_id! {
    /// A SAML provider's unique id (`SAMLProviderUUID`), chosen by the server.
    ProviderId
}

string_id! {
    /// A role's name: unique in the account, compared ASCII-case-insensitively.
    RoleName
}

string_id! {
    /// A role's unique id (`AROA…`), chosen by the server; never reused.
    RoleId
}

string_id! {
    /// The name of an inline or a managed policy.
    PolicyName
}

string_id! {
    /// A managed policy's unique id (`ANPA…`), chosen by the server; never reused.
    PolicyId
}

string_id! {
    /// An IAM path: `/` or `/a/b/`.
    IamPath
}

string_id! {
    /// A managed policy version id: `v1`, `v2`, ….
    VersionId
}

/// A tag on an IAM resource. Keys are unique per resource and compared exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The tag key.
    pub key: String,
    /// The tag value (may be empty).
    pub value: String,
}

impl Tag {
    /// A tag from its key and value.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// The resource whose tags are read or written.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum TagTarget<'a> {
    /// A SAML provider, by name.
    SamlProvider(&'a ProviderName),
    /// A role, by name.
    Role(&'a RoleName),
    /// A managed policy, by path and name.
    ManagedPolicy(&'a PolicyKey),
    /// A contact-center instance.
    Instance(&'a InstanceId),
    /// A user of an instance.
    User(&'a InstanceId, &'a UserId),
}

/// An IAM SAML provider: the IdP metadata that sign-ins are verified against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProvider {
    /// Its name, unique in the account.
    pub name: ProviderName,
    /// Its unique id.
    pub id: ProviderId,
    /// The IdP's SAML metadata document, as uploaded.
    pub metadata: String,
    /// `ValidUntil`, from the metadata.
    pub valid_until: OffsetDateTime,
    /// `CreateDate`.
    pub created_at: OffsetDateTime,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Its name, unique in the account.
    pub name: RoleName,
    /// Its path, part of its ARN.
    pub path: IamPath,
    /// Its unique id, `AROA…`.
    pub id: RoleId,
    /// The trust policy (`AssumeRolePolicyDocument`), as JSON text.
    pub trust_policy: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// `MaxSessionDuration`, in seconds.
    pub max_session_duration: u32,
    /// `CreateDate`.
    pub created_at: OffsetDateTime,
}

/// The changes of `UpdateRole`: a field left `None` is kept as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleUpdate {
    /// A new description.
    pub description: Option<String>,
    /// A new `MaxSessionDuration`, in seconds.
    pub max_session_duration: Option<u32>,
}

/// An inline policy embedded in a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePolicy {
    /// Its name, unique within the role (compared exactly).
    pub name: PolicyName,
    /// The policy document, as JSON text.
    pub document: String,
}

/// How a managed policy is addressed: the path and name of its ARN
/// (`arn:aws:iam::ACCOUNT:policy{path}{name}`). Both must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyKey {
    /// The policy's path.
    pub path: IamPath,
    /// The policy's name, unique in the account.
    pub name: PolicyName,
}

/// A customer managed policy to create, with its first version, `v1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewManagedPolicy {
    /// Its path and name.
    pub key: PolicyKey,
    /// Its unique id, `ANPA…`.
    pub id: PolicyId,
    /// Its description, if any.
    pub description: Option<String>,
    /// The document of version `v1`, the default version.
    pub document: String,
    /// `CreateDate`, also `UpdateDate` and the version's `CreateDate`.
    pub created_at: OffsetDateTime,
}

/// A customer managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// Its path and name.
    pub key: PolicyKey,
    /// Its unique id, `ANPA…`.
    pub id: PolicyId,
    /// Its description, if any.
    pub description: Option<String>,
    /// `DefaultVersionId`.
    pub default_version: VersionId,
    /// `AttachmentCount`: the roles it is attached to.
    pub attachment_count: u32,
    /// `CreateDate`.
    pub created_at: OffsetDateTime,
    /// `UpdateDate`.
    pub updated_at: OffsetDateTime,
}

/// A version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// `VersionId`.
    pub id: VersionId,
    /// The policy document, as JSON text.
    pub document: String,
    /// `IsDefaultVersion`.
    pub is_default: bool,
    /// `CreateDate`.
    pub created_at: OffsetDateTime,
}

/// Every permission policy of a role, as a role session is authorised by them: the inline
/// policies and the default version of each attached managed policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolePermissions {
    /// The role's unique id (`AROA…`): a session of an earlier role of the same name is not a
    /// session of this one.
    pub role_id: Option<RoleId>,
    /// The inline policies, by name.
    pub inline: Vec<RolePolicy>,
    /// The attached managed policies and their default version's document, by name.
    pub managed: Vec<(PolicyKey, String)>,
}
