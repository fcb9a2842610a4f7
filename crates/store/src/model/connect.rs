//! The contact-center instance: instances, security and routing profiles, users.

use time::OffsetDateTime;

use super::{Page, Tag, string_id};

string_id! {
    /// An instance's id (a UUID), chosen by the server.
    InstanceId
}

string_id! {
    /// An instance's alias: the first label of its access URL, unique ASCII-case-insensitively.
    InstanceAlias
}

string_id! {
    /// A security profile's id (a UUID), chosen by the server.
    SecurityProfileId
}

string_id! {
    /// A routing profile's id (a UUID), chosen by the server.
    RoutingProfileId
}

string_id! {
    /// A user's id (a UUID), chosen by the server.
    UserId
}

string_id! {
    /// A user's login: unique in the instance, compared exactly (Connect's usernames are
    /// case-sensitive, even with SAML).
    Username
}

/// How an instance's users sign in (`IdentityManagementType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityManagement {
    /// `SAML`: through the account's IdP and GetFederationToken.
    Saml,
    /// `CONNECT_MANAGED`: with a password kept by the instance.
    ConnectManaged,
}

impl IdentityManagement {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Saml => "SAML",
            Self::ConnectManaged => "CONNECT_MANAGED",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "SAML" => Some(Self::Saml),
            "CONNECT_MANAGED" => Some(Self::ConnectManaged),
            _ => None,
        }
    }
}

/// A contact-center instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Its id.
    pub id: InstanceId,
    /// Its alias.
    pub alias: InstanceAlias,
    /// How its users sign in.
    pub identity_management: IdentityManagement,
    /// `InboundCallsEnabled`.
    pub inbound_calls: bool,
    /// `OutboundCallsEnabled`.
    pub outbound_calls: bool,
    /// `CreatedTime`.
    pub created_at: OffsetDateTime,
}

/// An instance to create, with what it starts with, all in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstance {
    /// The instance.
    pub instance: Instance,
    /// `ClientToken`: a second create with the same token returns the first instance.
    pub client_token: Option<String>,
    /// Its security profiles (the four defaults).
    pub security_profiles: Vec<SecurityProfile>,
    /// Its routing profiles (the "Basic Routing Profile").
    pub routing_profiles: Vec<RoutingProfile>,
    /// Its tags.
    pub tags: Vec<Tag>,
}

/// A security profile: a named set of permissions, such as `BasicAgentAccess`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityProfile {
    /// Its id.
    pub id: SecurityProfileId,
    /// Its name, unique in the instance (compared exactly).
    pub name: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// Its permissions, by name, sorted and without repeats.
    pub permissions: Vec<String>,
}

/// A routing profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingProfile {
    /// Its id.
    pub id: RoutingProfileId,
    /// Its name, unique in the instance (compared exactly).
    pub name: String,
    /// Its description.
    pub description: String,
}

/// `PhoneType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneType {
    /// `SOFT_PHONE`.
    SoftPhone,
    /// `DESK_PHONE`.
    DeskPhone,
}

impl PhoneType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::SoftPhone => "SOFT_PHONE",
            Self::DeskPhone => "DESK_PHONE",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "SOFT_PHONE" => Some(Self::SoftPhone),
            "DESK_PHONE" => Some(Self::DeskPhone),
            _ => None,
        }
    }
}

/// A user's `PhoneConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneConfig {
    /// `PhoneType`.
    pub phone_type: PhoneType,
    /// `AutoAccept`.
    pub auto_accept: bool,
    /// `AfterContactWorkTimeLimit`, in seconds.
    pub after_contact_work_seconds: u32,
    /// `DeskPhoneNumber`, for desk phones.
    pub desk_phone_number: Option<String>,
}

/// A user of an instance: an agent, a manager, an administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Its login, equal to the role session name of the person it federates.
    pub username: Username,
    /// `IdentityInfo.FirstName`.
    pub first_name: String,
    /// `IdentityInfo.LastName`.
    pub last_name: String,
    /// `PhoneConfig`.
    pub phone: PhoneConfig,
    /// `SecurityProfileIds` (1–10), sorted and without repeats.
    pub security_profiles: Vec<SecurityProfileId>,
    /// `RoutingProfileId`.
    pub routing_profile: RoutingProfileId,
    /// `LastModifiedTime`.
    pub updated_at: OffsetDateTime,
}

/// The changes of `UpdateUserIdentityInfo`, `UpdateUserPhoneConfig`,
/// `UpdateUserSecurityProfiles` and `UpdateUserRoutingProfile`: a field left `None` is kept, so
/// that concurrent updates of different fields do not undo each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUpdate {
    /// New first and last names.
    pub names: Option<(String, String)>,
    /// A new phone configuration.
    pub phone: Option<PhoneConfig>,
    /// New security profiles (1–10).
    pub security_profiles: Option<Vec<SecurityProfileId>>,
    /// A new routing profile.
    pub routing_profile: Option<RoutingProfileId>,
    /// The new `LastModifiedTime`.
    pub updated_at: OffsetDateTime,
}

/// An agent's status in the contact control panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentStatus {
    /// Ready for contacts.
    Available,
    /// Not taking contacts: every agent's status until it is first set.
    Offline,
}

impl AgentStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Available => "AVAILABLE",
            Self::Offline => "OFFLINE",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "AVAILABLE" => Some(Self::Available),
            "OFFLINE" => Some(Self::Offline),
            _ => None,
        }
    }
}

/// A field that `SearchUsers` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserField {
    /// `Username`.
    Username,
    /// `FirstName`.
    FirstName,
    /// `LastName`.
    LastName,
    /// `RoutingProfileId`.
    RoutingProfileId,
    /// `SecurityProfileId`: true if any of the user's profiles matches.
    SecurityProfileId,
    /// `resourceId`: the user's id.
    ResourceId,
}

/// How a `StringCondition` compares; always case-sensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `EXACT`.
    Exact,
    /// `STARTS_WITH`.
    StartsWith,
    /// `CONTAINS`.
    Contains,
}

/// `SearchCriteria`: string conditions combined with `AndConditions` and `OrConditions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserFilter {
    /// A `StringCondition`.
    Condition {
        /// The field compared.
        field: UserField,
        /// How.
        comparison: Comparison,
        /// With what.
        value: String,
    },
    /// All of these (all users if empty).
    And(Vec<UserFilter>),
    /// Any of these (no user if empty).
    Or(Vec<UserFilter>),
}

/// A page of `SearchUsers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSearch {
    /// The users of this page, by username.
    pub page: Page<User>,
    /// `ApproximateTotalCount`: every user that matches (counted when the page was read).
    pub total: u64,
}
