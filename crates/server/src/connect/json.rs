//! The JSON shapes of the Connect operations fedgate serves, as botocore's model names their
//! members. Inputs take every member as optional, so that a missing required member gets
//! AWS's error from the handler rather than a parse error; timestamps are epoch seconds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `CreateInstanceRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateInstanceInput {
    /// `ClientToken`.
    pub client_token: Option<String>,
    /// `IdentityManagementType`.
    pub identity_management_type: Option<String>,
    /// `InstanceAlias`.
    pub instance_alias: Option<String>,
    /// `DirectoryId`.
    pub directory_id: Option<String>,
    /// `InboundCallsEnabled`.
    pub inbound_calls_enabled: Option<bool>,
    /// `OutboundCallsEnabled`.
    pub outbound_calls_enabled: Option<bool>,
    /// `Tags`.
    pub tags: Option<BTreeMap<String, String>>,
}

/// `Instance` and `InstanceSummary`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceOutput {
    /// `Id`.
    pub id: String,
    /// `Arn`.
    pub arn: String,
    /// `IdentityManagementType`.
    pub identity_management_type: &'static str,
    /// `InstanceAlias`.
    pub instance_alias: String,
    /// `CreatedTime`.
    pub created_time: i64,
    /// `ServiceRole`.
    pub service_role: String,
    /// `InstanceStatus`.
    pub instance_status: &'static str,
    /// `InboundCallsEnabled`.
    pub inbound_calls_enabled: bool,
    /// `OutboundCallsEnabled`.
    pub outbound_calls_enabled: bool,
    /// `InstanceAccessUrl`.
    pub instance_access_url: String,
    /// `Tags` (Describe only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// `UserIdentityInfo`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityInfo {
    /// `FirstName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// `LastName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// `Email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `SecondaryEmail`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_email: Option<String>,
    /// `Mobile`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

/// `UserPhoneConfig` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PhoneConfigInput {
    /// `PhoneType`.
    pub phone_type: Option<String>,
    /// `AutoAccept`.
    pub auto_accept: Option<bool>,
    /// `AfterContactWorkTimeLimit`, seconds.
    pub after_contact_work_time_limit: Option<i64>,
    /// `DeskPhoneNumber`.
    pub desk_phone_number: Option<String>,
    /// `PersistentConnection`.
    pub persistent_connection: Option<bool>,
}

/// `UserPhoneConfig` as returned.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PhoneConfigOutput {
    /// `PhoneType`.
    pub phone_type: &'static str,
    /// `AutoAccept`.
    pub auto_accept: bool,
    /// `AfterContactWorkTimeLimit` (seconds; milliseconds in `SearchUsers`, as AWS returns).
    pub after_contact_work_time_limit: u64,
    /// `DeskPhoneNumber`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desk_phone_number: Option<String>,
}

/// `CreateUserRequest` (the body; `InstanceId` is in the path).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUserInput {
    /// `Username`.
    pub username: Option<String>,
    /// `Password`.
    pub password: Option<String>,
    /// `IdentityInfo`.
    pub identity_info: Option<IdentityInfo>,
    /// `PhoneConfig`.
    pub phone_config: Option<PhoneConfigInput>,
    /// `DirectoryUserId`.
    pub directory_user_id: Option<String>,
    /// `SecurityProfileIds`.
    pub security_profile_ids: Option<Vec<String>>,
    /// `RoutingProfileId`.
    pub routing_profile_id: Option<String>,
    /// `HierarchyGroupId`.
    pub hierarchy_group_id: Option<String>,
    /// `AutoAcceptConfigs`.
    pub auto_accept_configs: Option<serde_json::Value>,
    /// `AfterContactWorkConfigs`.
    pub after_contact_work_configs: Option<serde_json::Value>,
    /// `PhoneNumberConfigs`.
    pub phone_number_configs: Option<serde_json::Value>,
    /// `PersistentConnectionConfigs`.
    pub persistent_connection_configs: Option<serde_json::Value>,
    /// `VoiceEnhancementConfigs`.
    pub voice_enhancement_configs: Option<serde_json::Value>,
    /// `Tags`.
    pub tags: Option<BTreeMap<String, String>>,
}

/// `User` of `DescribeUser`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserOutput {
    /// `Id`.
    pub id: String,
    /// `Arn`.
    pub arn: String,
    /// `Username`.
    pub username: String,
    /// `IdentityInfo`.
    pub identity_info: IdentityInfo,
    /// `PhoneConfig`.
    pub phone_config: PhoneConfigOutput,
    /// `SecurityProfileIds`.
    pub security_profile_ids: Vec<String>,
    /// `RoutingProfileId`.
    pub routing_profile_id: String,
    /// `Tags`.
    pub tags: BTreeMap<String, String>,
    /// `LastModifiedTime`.
    pub last_modified_time: i64,
    /// `LastModifiedRegion`.
    pub last_modified_region: String,
}

/// `UserSummary` of `ListUsers`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserSummary {
    /// `Id`.
    pub id: String,
    /// `Arn`.
    pub arn: String,
    /// `Username`.
    pub username: String,
    /// `LastModifiedTime`.
    pub last_modified_time: i64,
    /// `LastModifiedRegion`.
    pub last_modified_region: String,
}

/// `UserSearchSummary` of `SearchUsers`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserSearchSummary {
    /// `Arn`.
    pub arn: String,
    /// `Id`.
    pub id: String,
    /// `IdentityInfo` (`UserIdentityInfoLite`).
    pub identity_info: IdentityInfo,
    /// `PhoneConfig`.
    pub phone_config: PhoneConfigOutput,
    /// `RoutingProfileId`.
    pub routing_profile_id: String,
    /// `SecurityProfileIds`.
    pub security_profile_ids: Vec<String>,
    /// `Username`.
    pub username: String,
}

/// `SearchUsersRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchUsersInput {
    /// `InstanceId`.
    pub instance_id: Option<String>,
    /// `NextToken`.
    pub next_token: Option<String>,
    /// `MaxResults`.
    pub max_results: Option<i64>,
    /// `SearchFilter` (not supported: refused if present).
    pub search_filter: Option<serde_json::Value>,
    /// `SearchCriteria`.
    pub search_criteria: Option<SearchCriteria>,
}

/// `UserSearchCriteria`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchCriteria {
    /// `OrConditions`.
    pub or_conditions: Option<Vec<SearchCriteria>>,
    /// `AndConditions`.
    pub and_conditions: Option<Vec<SearchCriteria>>,
    /// `StringCondition`.
    pub string_condition: Option<StringCondition>,
    /// `ListCondition` (not supported).
    pub list_condition: Option<serde_json::Value>,
    /// `HierarchyGroupCondition` (not supported).
    pub hierarchy_group_condition: Option<serde_json::Value>,
}

/// `StringCondition`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StringCondition {
    /// `FieldName`.
    pub field_name: Option<String>,
    /// `Value`.
    pub value: Option<String>,
    /// `ComparisonType`.
    pub comparison_type: Option<String>,
}

/// `UpdateUserSecurityProfilesRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateSecurityProfilesInput {
    /// `SecurityProfileIds`.
    pub security_profile_ids: Option<Vec<String>>,
}

/// `UpdateUserIdentityInfoRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateIdentityInfoInput {
    /// `IdentityInfo`.
    pub identity_info: Option<IdentityInfo>,
}

/// `UpdateUserPhoneConfigRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdatePhoneConfigInput {
    /// `PhoneConfig`.
    pub phone_config: Option<PhoneConfigInput>,
}

/// `UpdateUserRoutingProfileRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRoutingProfileInput {
    /// `RoutingProfileId`.
    pub routing_profile_id: Option<String>,
}

/// `CreateSecurityProfileRequest` and `UpdateSecurityProfileRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityProfileInput {
    /// `SecurityProfileName` (create only).
    pub security_profile_name: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `Permissions`.
    pub permissions: Option<Vec<String>>,
    /// `Tags` (create only).
    pub tags: Option<BTreeMap<String, String>>,
}

/// `SecurityProfile` of `DescribeSecurityProfile`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityProfileOutput {
    /// `Id`.
    pub id: String,
    /// `OrganizationResourceId`: the instance.
    pub organization_resource_id: String,
    /// `Arn`.
    pub arn: String,
    /// `SecurityProfileName`.
    pub security_profile_name: String,
    /// `Description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `LastModifiedRegion`.
    pub last_modified_region: String,
}

/// `SecurityProfileSummary` and `RoutingProfileSummary`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProfileSummary {
    /// `Id`.
    pub id: String,
    /// `Arn`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `LastModifiedRegion`.
    pub last_modified_region: String,
}

/// `TagResourceRequest` (lowercase `tags`, as the model spells it).
#[derive(Debug, Default, Deserialize)]
pub struct TagInput {
    /// `tags`.
    pub tags: Option<BTreeMap<String, String>>,
}

/// `GetFederationTokenResponse.Credentials`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FederationCredentials {
    /// `AccessToken`.
    pub access_token: String,
    /// `AccessTokenExpiration`.
    pub access_token_expiration: i64,
    /// `RefreshToken`.
    pub refresh_token: String,
    /// `RefreshTokenExpiration`.
    pub refresh_token_expiration: i64,
}

/// `GetFederationTokenResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FederationTokenOutput {
    /// `Credentials`.
    pub credentials: FederationCredentials,
    /// `SignInUrl`.
    pub sign_in_url: String,
    /// `UserArn`.
    pub user_arn: String,
    /// `UserId`.
    pub user_id: String,
}
