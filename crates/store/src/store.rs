//! The `Store` trait: everything the server keeps, as one interface over every backend.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::StoreError;
use crate::model::{
    Account, AgentStatus, AuditEvent, AuditRecord, Bootstrapped, IamPath, Instance, InstanceAlias,
    InstanceId, ManagedPolicy, NewInstance, NewManagedPolicy, Page, PageRequest, PolicyKey,
    PolicyName, PolicyVersion, ProviderName, Purged, Redemption, Role, RoleName, RolePermissions,
    RolePolicy, RoleUpdate, RoutingProfile, SamlProvider, SecurityProfile, SecurityProfileId,
    Session, SessionId, Tag, TagTarget, TokenId, User, UserFilter, UserId, UserSearch, UserUpdate,
    Username, VersionId,
};

/// Everything fedgate keeps across restarts and shares between nodes.
///
/// Every write is one transaction: it happens entirely or not at all (a bulk import is one
/// transaction across calls, see [`UserImport`]). Time is always an argument; the store never
/// reads the clock. Names of SAML providers, roles and managed policies are unique in the
/// account and compared ASCII-case-insensitively (IAM's rule); lookups by name ignore case too,
/// and return the name as created.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    // --- lifecycle ---------------------------------------------------------------------------

    /// Checks that the database answers (for `/healthz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Closes every connection, waiting for those in use to be returned (for a graceful
    /// shutdown; SQLite checkpoints its WAL as the last one closes). Later calls fail with
    /// `Unavailable`.
    async fn close(&self);

    // --- account ---------------------------------------------------------------------------

    /// Stores `candidate` as the account unless one exists, and returns the account stored.
    ///
    /// Several nodes starting at once on an empty database each propose their own account; all
    /// of them get the same one back, and `created` is true for exactly one.
    async fn bootstrap_account(&self, candidate: &Account) -> Result<Bootstrapped, StoreError>;

    /// The account, or `NotFound(Account)` before the first start.
    async fn account(&self) -> Result<Account, StoreError>;

    // --- SAML providers ----------------------------------------------------------------------

    /// Creates a SAML provider with its tags. `Conflict(AlreadyExists)` if the name is taken.
    async fn create_saml_provider(
        &self,
        provider: &SamlProvider,
        tags: &[Tag],
    ) -> Result<(), StoreError>;

    /// The SAML provider with this name.
    async fn saml_provider(&self, name: &ProviderName) -> Result<SamlProvider, StoreError>;

    /// Every SAML provider, by name (IAM allows 100, and does not paginate this list).
    async fn list_saml_providers(&self) -> Result<Vec<SamlProvider>, StoreError>;

    /// Replaces a provider's metadata document and `ValidUntil`.
    async fn update_saml_provider_metadata(
        &self,
        name: &ProviderName,
        metadata: &str,
        valid_until: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Deletes a SAML provider and its tags. Roles that trust it are left as they are.
    async fn delete_saml_provider(&self, name: &ProviderName) -> Result<(), StoreError>;

    // --- roles -------------------------------------------------------------------------------

    /// Creates a role with its tags. `Conflict(AlreadyExists(Role))` if the name is taken.
    async fn create_role(&self, role: &Role, tags: &[Tag]) -> Result<(), StoreError>;

    /// The role with this name.
    async fn role(&self, name: &RoleName) -> Result<Role, StoreError>;

    /// Roles whose path starts with `path_prefix` (`/` for all), by name.
    async fn list_roles(
        &self,
        path_prefix: &IamPath,
        page: &PageRequest,
    ) -> Result<Page<Role>, StoreError>;

    /// Applies `UpdateRole`'s changes.
    async fn update_role(&self, name: &RoleName, update: &RoleUpdate) -> Result<(), StoreError>;

    /// Replaces a role's trust policy (`UpdateAssumeRolePolicy`).
    async fn update_role_trust_policy(
        &self,
        name: &RoleName,
        trust_policy: &str,
    ) -> Result<(), StoreError>;

    /// Deletes a role and its tags: `Conflict(InUse(Role))` while it has inline or attached
    /// policies (AWS's `DeleteConflict`).
    async fn delete_role(&self, name: &RoleName) -> Result<(), StoreError>;

    /// Every permission policy of a role: what a session of it is authorised by.
    async fn role_permissions(&self, name: &RoleName) -> Result<RolePermissions, StoreError>;

    // --- inline role policies ----------------------------------------------------------------

    /// Creates or replaces a role's inline policy (`PutRolePolicy`).
    async fn put_role_policy(
        &self,
        role: &RoleName,
        policy: &PolicyName,
        document: &str,
    ) -> Result<(), StoreError>;

    /// A role's inline policy: `NotFound(Role)` or `NotFound(RolePolicy)`.
    async fn role_policy(
        &self,
        role: &RoleName,
        policy: &PolicyName,
    ) -> Result<RolePolicy, StoreError>;

    /// The names of a role's inline policies, in name order.
    async fn list_role_policies(
        &self,
        role: &RoleName,
        page: &PageRequest,
    ) -> Result<Page<PolicyName>, StoreError>;

    /// Deletes a role's inline policy: `NotFound(Role)` or `NotFound(RolePolicy)`.
    async fn delete_role_policy(
        &self,
        role: &RoleName,
        policy: &PolicyName,
    ) -> Result<(), StoreError>;

    // --- managed policies --------------------------------------------------------------------

    /// Creates a customer managed policy, its version `v1` and its tags, and returns it.
    /// `Conflict(AlreadyExists(ManagedPolicy))` if the name is taken, whatever the path.
    async fn create_managed_policy(
        &self,
        policy: &NewManagedPolicy,
        tags: &[Tag],
    ) -> Result<ManagedPolicy, StoreError>;

    /// The managed policy at this path and name.
    async fn managed_policy(&self, key: &PolicyKey) -> Result<ManagedPolicy, StoreError>;

    /// Customer managed policies (`Scope=Local`) whose path starts with `path_prefix`, only the
    /// attached ones if `only_attached`, by name.
    async fn list_managed_policies(
        &self,
        path_prefix: &IamPath,
        only_attached: bool,
        page: &PageRequest,
    ) -> Result<Page<ManagedPolicy>, StoreError>;

    /// Deletes a managed policy with its versions and tags: `Conflict(InUse(ManagedPolicy))`
    /// while it is attached.
    async fn delete_managed_policy(&self, key: &PolicyKey) -> Result<(), StoreError>;

    /// One version of a managed policy: `NotFound(ManagedPolicy)` or `NotFound(PolicyVersion)`.
    async fn policy_version(
        &self,
        key: &PolicyKey,
        version: &VersionId,
    ) -> Result<PolicyVersion, StoreError>;

    /// Attaches a managed policy to a role; attaching it again changes nothing.
    /// `NotFound(Role)` or `NotFound(ManagedPolicy)`.
    async fn attach_role_policy(&self, role: &RoleName, key: &PolicyKey) -> Result<(), StoreError>;

    /// Detaches a managed policy from a role: `NotFound(Role)`, `NotFound(ManagedPolicy)`, or
    /// `NotFound(Attachment)` if it was not attached.
    async fn detach_role_policy(&self, role: &RoleName, key: &PolicyKey) -> Result<(), StoreError>;

    /// The managed policies attached to a role, by name.
    async fn list_attached_role_policies(
        &self,
        role: &RoleName,
        page: &PageRequest,
    ) -> Result<Page<PolicyKey>, StoreError>;

    // --- tags --------------------------------------------------------------------------------

    /// Adds tags to a resource, replacing the value of keys it already has.
    async fn tag_resource(&self, target: TagTarget<'_>, tags: &[Tag]) -> Result<(), StoreError>;

    /// Removes the tags with these keys; absent keys are ignored.
    async fn untag_resource(
        &self,
        target: TagTarget<'_>,
        keys: &[String],
    ) -> Result<(), StoreError>;

    /// A resource's tags, by key.
    async fn tags(&self, target: TagTarget<'_>) -> Result<Vec<Tag>, StoreError>;

    // --- replay cache, sessions, one-time tokens ---------------------------------------------

    /// Records a SAML assertion as used: true the first time this (issuer, assertion id) is
    /// seen, false ever after until the row expires, across every node sharing the database.
    ///
    /// Pass the last instant at which the assertion could still be accepted (NotOnOrAfter plus
    /// the allowed skew); the row is kept at least until then. An issuer or id longer than
    /// 1024 bytes is `LimitExceeded` (the server refuses such responses before).
    async fn insert_assertion_once(
        &self,
        issuer: &str,
        assertion_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// [`Store::insert_assertion_once`], appending in the same transaction the audit event of
    /// the attempt it ends: `audit.first_use` when the key was new, `audit.replayed` when not.
    /// A sign-in's credentials and its record commit together, with one wait.
    async fn redeem_assertion(
        &self,
        issuer: &str,
        assertion_id: &str,
        expires_at: OffsetDateTime,
        audit: Redemption,
    ) -> Result<bool, StoreError>;

    /// Opens a revocable session. `Conflict(AlreadyExists(Session))` if its id is taken.
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;

    /// The session with this id if it is neither revoked nor expired at `now`, else
    /// `NotFound(Session)`.
    async fn active_session(
        &self,
        id: &SessionId,
        now: OffsetDateTime,
    ) -> Result<Session, StoreError>;

    /// Ends a session; true if it was there to end.
    async fn revoke_session(&self, id: &SessionId) -> Result<bool, StoreError>;

    /// Ends every session of `subject` (a user deleted, a sign-out everywhere); returns how
    /// many there were.
    async fn revoke_sessions_of(&self, subject: &str) -> Result<u64, StoreError>;

    /// Redeems a one-time token: true the first time its id is redeemed, false ever after,
    /// across every node sharing the database. Tokens are sealed by the server and carry their
    /// own expiry, which the caller checks first; pass it as `expires_at`: the redemption is
    /// kept at least until then. An id longer than 1024 bytes is `LimitExceeded`.
    async fn redeem_one_time_token(
        &self,
        id: &TokenId,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Deletes at most `batch` expired rows from each of the replay cache, the sessions and the
    /// one-time tokens. Call again while it removes anything, so that no call holds locks long.
    async fn purge_expired(&self, now: OffsetDateTime, batch: u32) -> Result<Purged, StoreError>;

    // --- audit -------------------------------------------------------------------------------

    /// Appends events to the audit trail, all in one transaction.
    async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError>;

    /// The latest `limit` events, newest first.
    async fn recent_audit(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError>;

    // --- contact-center instances ------------------------------------------------------------

    /// Creates an instance with its security profiles, routing profiles and tags, all in one
    /// transaction, and returns it. With a `client_token` used before, nothing is created and
    /// the instance that token created is returned. `Conflict(AlreadyExists(Instance))` if the
    /// alias is taken (aliases compare ASCII-case-insensitively, as host names do).
    async fn create_instance(&self, new: &NewInstance) -> Result<Instance, StoreError>;

    /// The instance with this id.
    async fn instance(&self, id: &InstanceId) -> Result<Instance, StoreError>;

    /// The instance with this alias (any case).
    async fn instance_by_alias(&self, alias: &InstanceAlias) -> Result<Instance, StoreError>;

    /// Instances, by alias.
    async fn list_instances(&self, page: &PageRequest) -> Result<Page<Instance>, StoreError>;

    /// Deletes an instance with everything in it: users, profiles, and their tags.
    async fn delete_instance(&self, id: &InstanceId) -> Result<(), StoreError>;

    /// Creates a security profile. `Conflict(AlreadyExists(SecurityProfile))` if the instance
    /// has one of this name; `NotFound(Instance)`.
    async fn create_security_profile(
        &self,
        instance: &InstanceId,
        profile: &SecurityProfile,
    ) -> Result<(), StoreError>;

    /// A security profile of the instance: `NotFound(Instance)` or `NotFound(SecurityProfile)`.
    async fn security_profile(
        &self,
        instance: &InstanceId,
        id: &SecurityProfileId,
    ) -> Result<SecurityProfile, StoreError>;

    /// The instance's security profiles, by name.
    async fn list_security_profiles(
        &self,
        instance: &InstanceId,
        page: &PageRequest,
    ) -> Result<Page<SecurityProfile>, StoreError>;

    /// Replaces the description and permissions of the security profile with `profile.id`
    /// (its name is kept).
    async fn update_security_profile(
        &self,
        instance: &InstanceId,
        profile: &SecurityProfile,
    ) -> Result<(), StoreError>;

    /// The instance's routing profiles, by name.
    async fn list_routing_profiles(
        &self,
        instance: &InstanceId,
        page: &PageRequest,
    ) -> Result<Page<RoutingProfile>, StoreError>;

    /// Creates a user with its tags. `Conflict(AlreadyExists(User))` if the username is taken
    /// in the instance; `NotFound(Instance)`, `NotFound(RoutingProfile)` or
    /// `NotFound(SecurityProfile)` if one it names is not in this instance.
    async fn create_user(
        &self,
        instance: &InstanceId,
        user: &User,
        tags: &[Tag],
    ) -> Result<(), StoreError>;

    /// A user by id: `NotFound(Instance)` or `NotFound(User)`.
    async fn user(&self, instance: &InstanceId, id: &UserId) -> Result<User, StoreError>;

    /// The user with exactly this username (case-sensitive): the user a federation token is
    /// for. `NotFound(Instance)` or `NotFound(User)`.
    async fn user_by_username(
        &self,
        instance: &InstanceId,
        username: &Username,
    ) -> Result<User, StoreError>;

    /// The instance's users, by username.
    async fn list_users(
        &self,
        instance: &InstanceId,
        page: &PageRequest,
    ) -> Result<Page<User>, StoreError>;

    /// The instance's users that `filter` matches (all if `None`), by username, and how many
    /// match in all (`SearchUsers`). `LimitExceeded` for a filter deeper or larger than the
    /// store's limits.
    async fn search_users(
        &self,
        instance: &InstanceId,
        filter: Option<&UserFilter>,
        page: &PageRequest,
    ) -> Result<UserSearch, StoreError>;

    /// Applies the changes of the `UpdateUser…` actions, in one transaction, with the same
    /// errors as [`create_user`](Self::create_user).
    async fn update_user(
        &self,
        instance: &InstanceId,
        id: &UserId,
        update: &UserUpdate,
    ) -> Result<(), StoreError>;

    /// Deletes a user and its tags.
    async fn delete_user(&self, instance: &InstanceId, id: &UserId) -> Result<(), StoreError>;

    /// Sets an agent's status, as of `at`: `NotFound(Instance)` or `NotFound(User)`.
    async fn set_agent_status(
        &self,
        instance: &InstanceId,
        user: &UserId,
        status: AgentStatus,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// An agent's status and when it was set (`Offline` and `None` until it first is).
    async fn agent_status(
        &self,
        instance: &InstanceId,
        user: &UserId,
    ) -> Result<(AgentStatus, Option<OffsetDateTime>), StoreError>;

    /// Starts a bulk import into the instance: users added to it are all created when it is
    /// committed, or none (dropping it, or a failure of any, creates none). It holds a write
    /// transaction: on SQLite, other writes wait until it ends.
    async fn begin_user_import(
        &self,
        instance: &InstanceId,
    ) -> Result<Box<dyn UserImport>, StoreError>;
}

/// A bulk user import in progress: one transaction.
#[async_trait]
pub trait UserImport: Send + std::fmt::Debug {
    /// Adds a user. Users are written in batches, so the errors of [`Store::create_user`]
    /// for this user may come from a later `add` or from `commit`; the importer validates rows
    /// before it adds them. After an error the import is abandoned: further adds and the commit
    /// fail, and nothing is created.
    async fn add(&mut self, user: &User) -> Result<(), StoreError>;

    /// Creates every user added, and returns how many; after an error, creates none and fails.
    async fn commit(self: Box<Self>) -> Result<u64, StoreError>;
}
