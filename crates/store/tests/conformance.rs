//! The conformance story: one function over `&dyn Store`, run on every backend.
//!
//! SQLite runs always (in memory and in a file); PostgreSQL runs when `FEDGATE_TEST_POSTGRES_URL`
//! is set (`.ci/run` sets it), each test in a fresh schema of its own that it drops at the end,
//! so that tests in parallel and repeated runs on one database never meet (schemas left by a
//! killed run are swept an hour later). The story goes: account → SAML providers → roles →
//! inline and managed policies → attachments and pagination → delete conflicts → replay cache →
//! sessions and one-time tokens → purge → audit → deletes → contact-center instances, profiles,
//! users, search and bulk import. The race tests start two stores on one new database at once,
//! as two nodes would, and check what must happen once: an assertion accepted, a token redeemed,
//! an account bootstrapped, an instance created for one client token.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test fails by panicking, and its helpers are not `#[test]` functions"
)]

use std::future::Future;
use std::sync::Arc;

use fedgate_store::{
    AccessKey, AccessKeyId, Account, AccountId, AgentStatus, AuditEvent, Comparison, Conflict,
    Entity, IamPath, IdentityManagement, Instance, InstanceAlias, InstanceId, NewInstance,
    NewManagedPolicy, Outcome, PageRequest, PhoneConfig, PhoneType, PolicyId, PolicyKey,
    PolicyName, ProviderId, ProviderName, Redemption, Role, RoleId, RoleName, RolePolicy,
    RoleUpdate, RoutingProfile, RoutingProfileId, SamlProvider, Sealed, SecurityProfile,
    SecurityProfileId, Session, SessionId, SessionKind, Store, StoreError, StoreOptions, Tag,
    TagTarget, TokenId, User, UserField, UserFilter, UserId, UserUpdate, Username, VersionId,
    connect, connect_with,
};
use sqlx::postgres::PgPoolOptions;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);

// --- the story -----------------------------------------------------------------------------

async fn story(store: &dyn Store) {
    store.ping().await.unwrap();
    account(store).await;
    saml_providers(store).await;
    roles(store).await;
    inline_policies(store).await;
    managed_policies_and_attachments(store).await;
    conflicts(store).await;
    replay_cache(store).await;
    sessions_and_one_time_tokens(store).await;
    purge(store).await;
    audit(store).await;
    redemptions(store).await;
    deletes(store).await;
    contact_center(store).await;

    store.close().await;
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        store.account().await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        store
            .insert_assertion_once("https://idp.example", "_closed", NOW)
            .await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        store.append_audit(&[redemption("closed").first_use]).await,
        Err(StoreError::Unavailable(_))
    ));
}

fn candidate_account(id: &str, secret: &[u8]) -> Account {
    Account {
        id: AccountId::new(id),
        region: "eu-west-1".to_owned(),
        admin_key: AccessKey {
            id: AccessKeyId::new(format!("AKIA{id}")),
            secret: Sealed::new(secret.to_vec()),
        },
        // Every byte value, to prove binary round-trips.
        sealing_key: Sealed::new((0..=255).collect()),
        created_at: NOW,
    }
}

async fn account(store: &dyn Store) {
    assert!(matches!(
        store.account().await,
        Err(StoreError::NotFound(Entity::Account))
    ));

    let first = candidate_account("123456789012", b"sealed secret one");
    let made = store.bootstrap_account(&first).await.unwrap();
    assert!(made.created);
    assert_eq!(made.account, first);

    let second = candidate_account("999999999999", b"sealed secret two");
    let found = store.bootstrap_account(&second).await.unwrap();
    assert!(
        !found.created,
        "a second bootstrap must not replace the account"
    );
    assert_eq!(found.account, first);
    assert_eq!(store.account().await.unwrap(), first);
}

fn provider_named(name: &str) -> SamlProvider {
    SamlProvider {
        name: ProviderName::new(name),
        id: ProviderId::new(format!("uuid-{name}")),
        metadata: format!("<EntityDescriptor entityID=\"https://{name}.example\"/>"),
        valid_until: datetime!(2032-05-09 00:00 UTC),
        created_at: NOW,
    }
}

async fn saml_providers(store: &dyn Store) {
    let okta = provider_named("Okta");
    store
        .create_saml_provider(&okta, &[Tag::new("team", "contact-center")])
        .await
        .unwrap();
    let mut twin = provider_named("OKTA");
    twin.id = ProviderId::new("another-uuid");
    assert!(matches!(
        store.create_saml_provider(&twin, &[]).await,
        Err(StoreError::Conflict(Conflict::AlreadyExists(
            Entity::SamlProvider
        )))
    ));
    assert_eq!(
        store
            .saml_provider(&ProviderName::new("okta"))
            .await
            .unwrap(),
        okta
    );

    let entra = provider_named("Entra");
    store.create_saml_provider(&entra, &[]).await.unwrap();
    assert_eq!(
        store.list_saml_providers().await.unwrap(),
        vec![entra, okta.clone()]
    );

    let until = datetime!(2031-01-01 12:30 UTC);
    store
        .update_saml_provider_metadata(&okta.name, "<new/>", until)
        .await
        .unwrap();
    let updated = store.saml_provider(&okta.name).await.unwrap();
    assert_eq!(
        (updated.metadata.as_str(), updated.valid_until),
        ("<new/>", until)
    );
    assert!(matches!(
        store
            .update_saml_provider_metadata(&ProviderName::new("Ghost"), "<x/>", until)
            .await,
        Err(StoreError::NotFound(Entity::SamlProvider))
    ));

    let target = TagTarget::SamlProvider(&okta.name);
    store
        .tag_resource(
            target,
            &[Tag::new("team", "identity"), Tag::new("cost-center", "42")],
        )
        .await
        .unwrap();
    assert_eq!(
        store.tags(target).await.unwrap(),
        vec![Tag::new("cost-center", "42"), Tag::new("team", "identity")]
    );
    store
        .untag_resource(target, &["team".to_owned(), "absent".to_owned()])
        .await
        .unwrap();
    assert_eq!(
        store.tags(target).await.unwrap(),
        vec![Tag::new("cost-center", "42")]
    );
    assert!(matches!(
        store
            .tags(TagTarget::SamlProvider(&ProviderName::new("Ghost")))
            .await,
        Err(StoreError::NotFound(Entity::SamlProvider))
    ));
}

fn role_named(name: &str, path: &str) -> Role {
    Role {
        name: RoleName::new(name),
        path: IamPath::new(path),
        id: RoleId::new(format!("AROA{}", name.to_ascii_uppercase())),
        trust_policy: r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned(),
        description: None,
        max_session_duration: 3600,
        created_at: NOW,
    }
}

fn agent() -> RoleName {
    RoleName::new("ConnectAgent")
}

async fn roles(store: &dyn Store) {
    let mut agent_role = role_named("ConnectAgent", "/connect/");
    agent_role.description = Some("Agents of the contact center".to_owned());
    store
        .create_role(&agent_role, &[Tag::new("tier", "gold")])
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_role(&role_named("connectagent", "/"), &[])
            .await,
        Err(StoreError::Conflict(Conflict::AlreadyExists(Entity::Role)))
    ));
    assert_eq!(
        store.role(&RoleName::new("CONNECTAGENT")).await.unwrap(),
        agent_role
    );
    assert_eq!(
        store.tags(TagTarget::Role(&agent())).await.unwrap(),
        vec![Tag::new("tier", "gold")]
    );

    // `_` in a path prefix is a literal, not a wildcard.
    store
        .create_role(&role_named("Odd", "/axb/"), &[])
        .await
        .unwrap();
    for name in ["e-role", "A-role", "c-role", "D-role", "b-role"] {
        store
            .create_role(&role_named(name, "/"), &[])
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut page = PageRequest::first(3);
    let mut pages = 0;
    loop {
        let listed = store.list_roles(&IamPath::new("/"), &page).await.unwrap();
        assert!(listed.items.len() <= 3);
        pages += 1;
        names.extend(
            listed
                .items
                .into_iter()
                .map(|role| role.name.as_str().to_owned()),
        );
        match listed.next {
            Some(marker) => page = PageRequest::after(marker, 3),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        names,
        [
            "A-role",
            "b-role",
            "c-role",
            "ConnectAgent",
            "D-role",
            "e-role",
            "Odd"
        ]
    );

    let under = |prefix: &str| {
        let prefix = IamPath::new(prefix);
        async move {
            let listed = store
                .list_roles(&prefix, &PageRequest::first(100))
                .await
                .unwrap();
            assert_eq!(listed.next, None);
            listed
                .items
                .into_iter()
                .map(|role| role.name.as_str().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(under("/connect/").await, ["ConnectAgent"]);
    assert_eq!(under("/a_b/").await, Vec::<String>::new());
    assert_eq!(under("/axb/").await, ["Odd"]);

    store
        .update_role(
            &agent(),
            &RoleUpdate {
                description: None,
                max_session_duration: Some(43_200),
            },
        )
        .await
        .unwrap();
    let updated = store.role(&agent()).await.unwrap();
    assert_eq!(updated.max_session_duration, 43_200);
    assert_eq!(
        updated.description, agent_role.description,
        "an absent field is kept"
    );
    store
        .update_role(
            &agent(),
            &RoleUpdate {
                description: Some("Renamed".to_owned()),
                max_session_duration: None,
            },
        )
        .await
        .unwrap();
    let updated = store.role(&agent()).await.unwrap();
    assert_eq!(
        (updated.description.as_deref(), updated.max_session_duration),
        (Some("Renamed"), 43_200)
    );

    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#;
    store
        .update_role_trust_policy(&agent(), trust)
        .await
        .unwrap();
    assert_eq!(store.role(&agent()).await.unwrap().trust_policy, trust);

    let ghost = RoleName::new("Ghost");
    assert!(matches!(
        store.role(&ghost).await,
        Err(StoreError::NotFound(Entity::Role))
    ));
    assert!(matches!(
        store.update_role(&ghost, &RoleUpdate::default()).await,
        Err(StoreError::NotFound(Entity::Role))
    ));
    assert!(matches!(
        store.update_role_trust_policy(&ghost, trust).await,
        Err(StoreError::NotFound(Entity::Role))
    ));
}

async fn inline_policies(store: &dyn Store) {
    let allow = PolicyName::new("AllowConnect");
    store
        .put_role_policy(&agent(), &allow, r#"{"v":1}"#)
        .await
        .unwrap();
    store
        .put_role_policy(&agent(), &allow, r#"{"v":2}"#)
        .await
        .unwrap();
    assert_eq!(
        store.role_policy(&agent(), &allow).await.unwrap(),
        RolePolicy {
            name: allow.clone(),
            document: r#"{"v":2}"#.to_owned()
        },
        "a second put replaces the document"
    );
    store
        .put_role_policy(&agent(), &PolicyName::new("Another"), "{}")
        .await
        .unwrap();

    let first = store
        .list_role_policies(&agent(), &PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(first.items, vec![allow.clone()]);
    let marker = first.next.expect("a second page");
    let second = store
        .list_role_policies(&agent(), &PageRequest::after(marker, 1))
        .await
        .unwrap();
    assert_eq!(
        (second.items, second.next),
        (vec![PolicyName::new("Another")], None)
    );

    let empty = store
        .list_role_policies(&RoleName::new("b-role"), &PageRequest::first(10))
        .await;
    assert!(empty.unwrap().items.is_empty());

    let ghost = RoleName::new("Ghost");
    assert!(matches!(
        store
            .role_policy(&agent(), &PolicyName::new("allowconnect"))
            .await,
        Err(StoreError::NotFound(Entity::RolePolicy))
    ));
    assert!(matches!(
        store.role_policy(&ghost, &allow).await,
        Err(StoreError::NotFound(Entity::Role))
    ));
    assert!(matches!(
        store
            .list_role_policies(&ghost, &PageRequest::first(10))
            .await,
        Err(StoreError::NotFound(Entity::Role))
    ));
    assert!(matches!(
        store.put_role_policy(&ghost, &allow, "{}").await,
        Err(StoreError::NotFound(Entity::Role))
    ));
}

fn federation_key() -> PolicyKey {
    PolicyKey {
        path: IamPath::new("/fed/"),
        name: PolicyName::new("ConnectFederation"),
    }
}

async fn managed_policies_and_attachments(store: &dyn Store) {
    let key = federation_key();
    let document = r#"{"Statement":[{"Action":"connect:GetFederationToken"}]}"#;
    let new = NewManagedPolicy {
        key: key.clone(),
        id: PolicyId::new("ANPAFEDERATION"),
        description: Some("federation".to_owned()),
        document: document.to_owned(),
        created_at: NOW,
    };
    let created = store
        .create_managed_policy(&new, &[Tag::new("k", "v")])
        .await
        .unwrap();
    assert_eq!(created.default_version, VersionId::new("v1"));
    assert_eq!(created.attachment_count, 0);
    assert_eq!(store.managed_policy(&key).await.unwrap(), created);

    let twin = NewManagedPolicy {
        key: PolicyKey {
            path: IamPath::new("/"),
            name: PolicyName::new("connectfederation"),
        },
        id: PolicyId::new("ANPATWIN"),
        ..new.clone()
    };
    assert!(matches!(
        store.create_managed_policy(&twin, &[]).await,
        Err(StoreError::Conflict(Conflict::AlreadyExists(
            Entity::ManagedPolicy
        )))
    ));
    let wrong_path = PolicyKey {
        path: IamPath::new("/"),
        ..key.clone()
    };
    assert!(matches!(
        store.managed_policy(&wrong_path).await,
        Err(StoreError::NotFound(Entity::ManagedPolicy))
    ));

    let v1 = store
        .policy_version(&key, &VersionId::new("v1"))
        .await
        .unwrap();
    assert!(v1.is_default);
    assert_eq!((v1.document.as_str(), v1.created_at), (document, NOW));
    assert!(matches!(
        store.policy_version(&key, &VersionId::new("v2")).await,
        Err(StoreError::NotFound(Entity::PolicyVersion))
    ));
    assert!(matches!(
        store
            .policy_version(&wrong_path, &VersionId::new("v1"))
            .await,
        Err(StoreError::NotFound(Entity::ManagedPolicy))
    ));
    assert_eq!(
        store.tags(TagTarget::ManagedPolicy(&key)).await.unwrap(),
        vec![Tag::new("k", "v")]
    );

    let spare = NewManagedPolicy {
        key: PolicyKey {
            path: IamPath::new("/"),
            name: PolicyName::new("Spare"),
        },
        id: PolicyId::new("ANPASPARE"),
        description: None,
        ..new.clone()
    };
    store.create_managed_policy(&spare, &[]).await.unwrap();
    let attached_only = |only: bool| async move {
        let all = PageRequest::first(10);
        store
            .list_managed_policies(&IamPath::new("/"), only, &all)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|p| p.key)
            .collect::<Vec<_>>()
    };
    assert_eq!(attached_only(false).await, [key.clone(), spare.key.clone()]);
    assert_eq!(attached_only(true).await, Vec::<PolicyKey>::new());

    store.attach_role_policy(&agent(), &key).await.unwrap();
    store.attach_role_policy(&agent(), &key).await.unwrap();
    store
        .attach_role_policy(&RoleName::new("b-role"), &key)
        .await
        .unwrap();
    assert_eq!(
        store.managed_policy(&key).await.unwrap().attachment_count,
        2
    );
    assert_eq!(attached_only(true).await, vec![key.clone()]);
    let under_fed = store
        .list_managed_policies(&IamPath::new("/fed/"), false, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(under_fed.items.len(), 1);
    assert!(matches!(
        store
            .attach_role_policy(&RoleName::new("Ghost"), &key)
            .await,
        Err(StoreError::NotFound(Entity::Role))
    ));
    assert!(matches!(
        store.attach_role_policy(&agent(), &wrong_path).await,
        Err(StoreError::NotFound(Entity::ManagedPolicy))
    ));

    let attached = store
        .list_attached_role_policies(&agent(), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!((attached.items, attached.next), (vec![key.clone()], None));
    assert!(
        store
            .list_attached_role_policies(&RoleName::new("c-role"), &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(
        store
            .list_attached_role_policies(&RoleName::new("Ghost"), &PageRequest::first(10))
            .await,
        Err(StoreError::NotFound(Entity::Role))
    ));

    let permissions = store.role_permissions(&agent()).await.unwrap();
    let agent_role = store.role(&agent()).await.unwrap();
    assert_eq!(
        permissions.role_id.as_ref(),
        Some(&agent_role.id),
        "the permissions name their role"
    );
    let inline: Vec<_> = permissions.inline.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(inline, ["AllowConnect", "Another"]);
    assert_eq!(
        permissions.managed,
        vec![(key.clone(), document.to_owned())]
    );
    let none = store
        .role_permissions(&RoleName::new("c-role"))
        .await
        .unwrap();
    assert!(none.inline.is_empty() && none.managed.is_empty());
    assert!(matches!(
        store.role_permissions(&RoleName::new("Ghost")).await,
        Err(StoreError::NotFound(Entity::Role))
    ));
}

async fn conflicts(store: &dyn Store) {
    assert!(matches!(
        store.delete_role(&agent()).await,
        Err(StoreError::Conflict(Conflict::InUse(Entity::Role)))
    ));
    assert!(matches!(
        store.delete_managed_policy(&federation_key()).await,
        Err(StoreError::Conflict(Conflict::InUse(Entity::ManagedPolicy)))
    ));
    // The refused deletes changed nothing.
    assert!(store.role(&agent()).await.is_ok());
    assert_eq!(
        store.tags(TagTarget::Role(&agent())).await.unwrap(),
        vec![Tag::new("tier", "gold")]
    );
    assert_eq!(
        store
            .managed_policy(&federation_key())
            .await
            .unwrap()
            .attachment_count,
        2
    );
}

async fn replay_cache(store: &dyn Store) {
    let until = NOW + Duration::minutes(5);
    assert!(
        store
            .insert_assertion_once("https://idp.example", "_a1", until)
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_assertion_once("https://idp.example", "_a1", until)
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_assertion_once("https://idp.example", "_a1", until + Duration::hours(1))
            .await
            .unwrap(),
        "a later expiry does not make a replay new"
    );
    assert!(
        store
            .insert_assertion_once("https://other.example", "_a1", until)
            .await
            .unwrap()
    );
    assert!(
        store
            .insert_assertion_once("https://idp.example", "_a2", until)
            .await
            .unwrap()
    );

    // The longest keys kept are kept by both backends; longer ones are refused, not failed on.
    let longest = "i".repeat(1024);
    assert!(
        store
            .insert_assertion_once(&longest, &longest, until)
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_assertion_once(&longest, &longest, until)
            .await
            .unwrap()
    );
    let longer = "i".repeat(1025);
    assert!(matches!(
        store.insert_assertion_once(&longer, "_a3", until).await,
        Err(StoreError::LimitExceeded(_))
    ));
    assert!(matches!(
        store
            .insert_assertion_once("https://idp.example", &longer, until)
            .await,
        Err(StoreError::LimitExceeded(_))
    ));
}

async fn sessions_and_one_time_tokens(store: &dyn Store) {
    let session = Session {
        id: SessionId::new("s-1"),
        kind: SessionKind::Console,
        subject: "arn:aws:sts::123456789012:assumed-role/ConnectAgent/alice".to_owned(),
        created_at: NOW,
        expires_at: NOW + Duration::hours(1),
    };
    store.create_session(&session).await.unwrap();
    assert!(matches!(
        store.create_session(&session).await,
        Err(StoreError::Conflict(Conflict::AlreadyExists(
            Entity::Session
        )))
    ));
    assert_eq!(
        store.active_session(&session.id, NOW).await.unwrap(),
        session
    );
    assert!(matches!(
        store.active_session(&session.id, session.expires_at).await,
        Err(StoreError::NotFound(Entity::Session)),
    ));
    let instance = Session {
        id: SessionId::new("s-2"),
        kind: SessionKind::Instance,
        subject: "arn:aws:connect:eu-west-1:123456789012:instance/i/agent/u".to_owned(),
        ..session.clone()
    };
    store.create_session(&instance).await.unwrap();
    assert_eq!(
        store.active_session(&instance.id, NOW).await.unwrap().kind,
        SessionKind::Instance
    );

    assert!(store.revoke_session(&session.id).await.unwrap());
    assert!(!store.revoke_session(&session.id).await.unwrap());
    assert!(matches!(
        store.active_session(&session.id, NOW).await,
        Err(StoreError::NotFound(Entity::Session))
    ));
    assert!(
        store.active_session(&instance.id, NOW).await.is_ok(),
        "only the one revoked ends"
    );

    // Every session of one subject ends together; the others go on.
    let alice_sessions = ["s-3", "s-4"].map(|id| Session {
        id: SessionId::new(id),
        subject: "alice".to_owned(),
        ..instance.clone()
    });
    for session in &alice_sessions {
        store.create_session(session).await.unwrap();
    }
    assert_eq!(store.revoke_sessions_of("alice").await.unwrap(), 2);
    assert_eq!(store.revoke_sessions_of("alice").await.unwrap(), 0);
    for session in &alice_sessions {
        assert!(store.active_session(&session.id, NOW).await.is_err());
    }
    assert!(store.active_session(&instance.id, NOW).await.is_ok());

    let token = TokenId::new("t-1");
    let expires = NOW + Duration::minutes(1);
    assert!(store.redeem_one_time_token(&token, expires).await.unwrap());
    assert!(
        !store.redeem_one_time_token(&token, expires).await.unwrap(),
        "only once"
    );
    assert!(
        store
            .redeem_one_time_token(&TokenId::new("t-other"), expires)
            .await
            .unwrap(),
        "each token once"
    );
    assert!(matches!(
        store
            .redeem_one_time_token(&TokenId::new("t".repeat(1025)), expires)
            .await,
        Err(StoreError::LimitExceeded(_))
    ));
}

async fn purge(store: &dyn Store) {
    let later = NOW + Duration::days(1);
    // Five assertions that expire before `later`; one that expires half a second after `NOW`.
    for i in 0..5 {
        let id = format!("_old{i}");
        assert!(
            store
                .insert_assertion_once("https://idp.example", &id, NOW)
                .await
                .unwrap()
        );
    }
    let half = NOW + Duration::milliseconds(500);
    assert!(
        store
            .insert_assertion_once("https://idp.example", "_half", half)
            .await
            .unwrap()
    );

    // SECURITY: the row must outlive the assertion: not purged at NOW, half a second before
    // it stops being acceptable.
    let mut at_now = 0;
    loop {
        let purged = store.purge_expired(NOW, 2).await.unwrap();
        assert!(purged.assertions <= 2 && purged.sessions <= 2 && purged.one_time_tokens <= 2);
        if purged.total() == 0 {
            break;
        }
        at_now += purged.assertions;
    }
    assert_eq!(
        at_now, 5,
        "the five rows expiring at NOW, in batches of two"
    );
    assert!(
        !store
            .insert_assertion_once("https://idp.example", "_half", half)
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_assertion_once("https://idp.example", "_a1", NOW)
            .await
            .unwrap()
    );

    let token = TokenId::new("t-2");
    let token_expires = NOW + Duration::minutes(1);
    assert!(
        store
            .redeem_one_time_token(&token, token_expires)
            .await
            .unwrap()
    );
    // SECURITY: the redemption outlives the token: not purged before the token expires.
    let purged = store.purge_expired(NOW, 100).await.unwrap();
    assert_eq!(purged.one_time_tokens, 0);
    assert!(
        !store
            .redeem_one_time_token(&token, token_expires)
            .await
            .unwrap()
    );
    let purged = store.purge_expired(later, 100).await.unwrap();
    assert_eq!(
        (purged.sessions, purged.one_time_tokens),
        (1, 3),
        "the instance session and the three redeemed tokens"
    );
    assert_eq!(
        purged.assertions, 5,
        "the replay-cache rows of the story so far"
    );
    let next_day = later + Duration::hours(1);
    assert!(
        store
            .insert_assertion_once("https://idp.example", "_a1", next_day)
            .await
            .unwrap()
    );
    assert!(matches!(
        store.active_session(&SessionId::new("s-2"), NOW).await,
        Err(StoreError::NotFound(Entity::Session))
    ));
    assert_eq!(store.purge_expired(later, 100).await.unwrap().total(), 0);
}

async fn audit(store: &dyn Store) {
    let event = |i: i64, outcome| AuditEvent {
        at: NOW + Duration::seconds(i),
        request_id: format!("req-{i}"),
        actor: "https://idp.example/alice".to_owned(),
        action: "sts:AssumeRoleWithSAML".to_owned(),
        outcome,
        detail: format!(r#"{{"reason":"case {i}"}}"#),
    };
    let events = [
        event(1, Outcome::Success),
        event(2, Outcome::Failure),
        event(3, Outcome::Success),
    ];
    store.append_audit(&events).await.unwrap();
    store.append_audit(&[]).await.unwrap();

    let recent = store.recent_audit(2).await.unwrap();
    let got: Vec<_> = recent.iter().map(|record| record.event.clone()).collect();
    assert_eq!(got, [events[2].clone(), events[1].clone()], "newest first");
    assert!(recent[0].seq > recent[1].seq);
    assert_eq!(store.recent_audit(10).await.unwrap().len(), 3);

    // A batch larger than one statement takes is still appended whole, in order.
    let batch: Vec<_> = (10..310).map(|i| event(i, Outcome::Failure)).collect();
    store.append_audit(&batch).await.unwrap();
    let recent = store.recent_audit(1000).await.unwrap();
    assert_eq!(recent.len(), 303);
    assert_eq!(recent[0].event, batch[299]);
    assert_eq!(recent[299].event, batch[0]);
}

/// The audit of an attempt that uses an assertion: its success if the assertion was new, its
/// refusal as a replay if not, appended with the key.
fn redemption(request_id: &str) -> Redemption {
    let event = |outcome, detail: &str| AuditEvent {
        at: NOW,
        request_id: request_id.to_owned(),
        actor: "https://idp.example alice".to_owned(),
        action: "sts:AssumeRoleWithSAML".to_owned(),
        outcome,
        detail: detail.to_owned(),
    };
    Redemption {
        first_use: event(Outcome::Success, "{}"),
        replayed: event(Outcome::Failure, r#"{"reason":"Replayed"}"#),
    }
}

async fn redemptions(store: &dyn Store) {
    let until = NOW + Duration::minutes(5);
    let first = redemption("req-first");
    let again = redemption("req-again");
    assert!(
        store
            .redeem_assertion("https://idp.example", "_r1", until, first.clone())
            .await
            .unwrap()
    );
    assert!(
        !store
            .redeem_assertion("https://idp.example", "_r1", until, again.clone())
            .await
            .unwrap()
    );
    // A key recorded without an audit event is a replay for one that brings one, too.
    assert!(
        store
            .insert_assertion_once("https://idp.example", "_r2", until)
            .await
            .unwrap()
    );
    let late = redemption("req-late");
    assert!(
        !store
            .redeem_assertion("https://idp.example", "_r2", until, late.clone())
            .await
            .unwrap()
    );
    let recent = store.recent_audit(3).await.unwrap();
    let got: Vec<_> = recent.iter().map(|record| record.event.clone()).collect();
    assert_eq!(
        got,
        [late.replayed, again.replayed, first.first_use],
        "each use appended the event its outcome chose, newest first"
    );
}

async fn deletes(store: &dyn Store) {
    let key = federation_key();
    store.detach_role_policy(&agent(), &key).await.unwrap();
    assert!(matches!(
        store.detach_role_policy(&agent(), &key).await,
        Err(StoreError::NotFound(Entity::Attachment))
    ));
    assert!(matches!(
        store
            .detach_role_policy(&RoleName::new("Ghost"), &key)
            .await,
        Err(StoreError::NotFound(Entity::Role))
    ));
    assert!(
        matches!(
            store.delete_role(&agent()).await,
            Err(StoreError::Conflict(Conflict::InUse(Entity::Role)))
        ),
        "inline policies still hold the role"
    );

    for name in ["AllowConnect", "Another"] {
        store
            .delete_role_policy(&agent(), &PolicyName::new(name))
            .await
            .unwrap();
    }
    assert!(matches!(
        store
            .delete_role_policy(&agent(), &PolicyName::new("Another"))
            .await,
        Err(StoreError::NotFound(Entity::RolePolicy))
    ));
    assert!(matches!(
        store
            .delete_role_policy(&RoleName::new("Ghost"), &PolicyName::new("Another"))
            .await,
        Err(StoreError::NotFound(Entity::Role))
    ));
    store.delete_role(&agent()).await.unwrap();
    assert!(matches!(
        store.role(&agent()).await,
        Err(StoreError::NotFound(Entity::Role))
    ));
    assert!(matches!(
        store.delete_role(&agent()).await,
        Err(StoreError::NotFound(Entity::Role))
    ));
    assert!(matches!(
        store.tags(TagTarget::Role(&agent())).await,
        Err(StoreError::NotFound(Entity::Role))
    ));

    // A new role of the same name starts with no tags of the old one.
    let mut reborn = role_named("ConnectAgent", "/");
    reborn.id = RoleId::new("AROAREBORN");
    store.create_role(&reborn, &[]).await.unwrap();
    assert_eq!(store.tags(TagTarget::Role(&agent())).await.unwrap(), vec![]);

    assert!(
        matches!(
            store.delete_managed_policy(&key).await,
            Err(StoreError::Conflict(Conflict::InUse(Entity::ManagedPolicy)))
        ),
        "still attached to b-role"
    );
    store
        .detach_role_policy(&RoleName::new("b-role"), &key)
        .await
        .unwrap();
    store.delete_managed_policy(&key).await.unwrap();
    assert!(matches!(
        store.managed_policy(&key).await,
        Err(StoreError::NotFound(Entity::ManagedPolicy))
    ));
    assert!(matches!(
        store.policy_version(&key, &VersionId::new("v1")).await,
        Err(StoreError::NotFound(Entity::ManagedPolicy))
    ));
    assert!(matches!(
        store.delete_managed_policy(&key).await,
        Err(StoreError::NotFound(Entity::ManagedPolicy))
    ));

    let okta = ProviderName::new("Okta");
    store.delete_saml_provider(&okta).await.unwrap();
    assert!(matches!(
        store.saml_provider(&okta).await,
        Err(StoreError::NotFound(Entity::SamlProvider))
    ));
    assert!(matches!(
        store.delete_saml_provider(&okta).await,
        Err(StoreError::NotFound(Entity::SamlProvider))
    ));
    assert_eq!(store.list_saml_providers().await.unwrap().len(), 1);
}

// --- the contact-center instance ------------------------------------------------------------

fn instance_named(id: &str, alias: &str) -> NewInstance {
    let profile = |name: &str, permissions: &[&str]| SecurityProfile {
        id: SecurityProfileId::new(format!("{id}-sp-{name}")),
        name: name.to_owned(),
        description: Some(format!("{name} profile")),
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
    };
    NewInstance {
        instance: Instance {
            id: InstanceId::new(id),
            alias: InstanceAlias::new(alias),
            identity_management: IdentityManagement::Saml,
            inbound_calls: true,
            outbound_calls: false,
            created_at: NOW,
        },
        client_token: None,
        security_profiles: vec![
            profile("Admin", &["BasicAgentAccess", "Users.Create", "Users.View"]),
            profile("Agent", &["BasicAgentAccess", "OutboundCallAccess"]),
        ],
        routing_profiles: vec![RoutingProfile {
            id: RoutingProfileId::new(format!("{id}-rp-basic")),
            name: "Basic Routing Profile".to_owned(),
            description: "Basic Routing Profile".to_owned(),
        }],
        tags: vec![Tag::new("env", "test")],
    }
}

fn user_named(instance: &str, id: &str, username: &str) -> User {
    User {
        id: UserId::new(id),
        username: Username::new(username),
        first_name: "Alice".to_owned(),
        last_name: "Liddell".to_owned(),
        phone: PhoneConfig {
            phone_type: PhoneType::SoftPhone,
            auto_accept: true,
            after_contact_work_seconds: 30,
            desk_phone_number: None,
        },
        security_profiles: vec![SecurityProfileId::new(format!("{instance}-sp-Agent"))],
        routing_profile: RoutingProfileId::new(format!("{instance}-rp-basic")),
        updated_at: NOW,
    }
}

async fn usernames(store: &dyn Store, instance: &InstanceId) -> Vec<String> {
    let users = store
        .list_users(instance, &PageRequest::first(100))
        .await
        .unwrap();
    users
        .items
        .into_iter()
        .map(|user| user.username.as_str().to_owned())
        .collect()
}

async fn contact_center(store: &dyn Store) {
    let acme = InstanceId::new("i-acme");
    let mut new = instance_named("i-acme", "Acme");
    new.client_token = Some("token-1".to_owned());
    assert_eq!(store.create_instance(&new).await.unwrap(), new.instance);
    let retry = NewInstance {
        instance: instance_named("i-other", "Other").instance,
        ..new.clone()
    };
    assert_eq!(
        store.create_instance(&retry).await.unwrap(),
        new.instance,
        "a client token used before returns the instance it created"
    );
    let twin = instance_named("i-twin", "ACME");
    assert!(matches!(
        store.create_instance(&twin).await,
        Err(StoreError::Conflict(Conflict::AlreadyExists(
            Entity::Instance
        )))
    ));
    assert_eq!(
        store
            .instance_by_alias(&InstanceAlias::new("acme"))
            .await
            .unwrap(),
        new.instance
    );
    assert!(matches!(
        store.instance(&InstanceId::new("i-none")).await,
        Err(StoreError::NotFound(Entity::Instance))
    ));
    let beta = InstanceId::new("i-beta");
    store
        .create_instance(&instance_named("i-beta", "beta"))
        .await
        .unwrap();
    let first = store.list_instances(&PageRequest::first(1)).await.unwrap();
    assert_eq!(first.items[0].id, acme);
    let rest = store
        .list_instances(&PageRequest::after(first.next.unwrap(), 5))
        .await
        .unwrap();
    let ids: Vec<_> = rest
        .items
        .iter()
        .map(|instance| instance.id.as_str())
        .collect();
    assert_eq!(ids, ["i-beta"]);
    assert_eq!(rest.next, None);
    assert_eq!(
        store.tags(TagTarget::Instance(&acme)).await.unwrap(),
        vec![Tag::new("env", "test")]
    );

    // Security and routing profiles.
    let profiles = store
        .list_security_profiles(&acme, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(profiles.items, new.security_profiles);
    let agent_profile = new.security_profiles[1].clone();
    assert_eq!(
        store
            .security_profile(&acme, &agent_profile.id)
            .await
            .unwrap(),
        agent_profile
    );
    let analyst = SecurityProfile {
        id: SecurityProfileId::new("i-acme-sp-QualityAnalyst"),
        name: "QualityAnalyst".to_owned(),
        description: None,
        permissions: vec!["AccessMetrics".to_owned()],
    };
    store
        .create_security_profile(&acme, &analyst)
        .await
        .unwrap();
    let same_name = SecurityProfile {
        id: SecurityProfileId::new("another"),
        ..analyst.clone()
    };
    assert!(matches!(
        store.create_security_profile(&acme, &same_name).await,
        Err(StoreError::Conflict(Conflict::AlreadyExists(
            Entity::SecurityProfile
        )))
    ));
    assert!(matches!(
        store
            .create_security_profile(&InstanceId::new("i-none"), &same_name)
            .await,
        Err(StoreError::NotFound(Entity::Instance))
    ));
    let changed = SecurityProfile {
        description: Some("changed".to_owned()),
        permissions: vec!["AccessMetrics".to_owned(), "Users.View".to_owned()],
        ..analyst.clone()
    };
    store
        .update_security_profile(&acme, &changed)
        .await
        .unwrap();
    assert_eq!(
        store.security_profile(&acme, &analyst.id).await.unwrap(),
        changed
    );
    assert!(matches!(
        store.security_profile(&beta, &analyst.id).await,
        Err(StoreError::NotFound(Entity::SecurityProfile)),
    ));
    assert!(matches!(
        store.update_security_profile(&beta, &changed).await,
        Err(StoreError::NotFound(Entity::SecurityProfile)),
    ));
    let routing = store
        .list_routing_profiles(&acme, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(routing.items, new.routing_profiles);

    // Users.
    let alice = user_named("i-acme", "u-alice", "alice");
    store
        .create_user(&acme, &alice, &[Tag::new("team", "blue")])
        .await
        .unwrap();
    assert_eq!(store.user(&acme, &alice.id).await.unwrap(), alice);
    assert_eq!(
        store
            .user_by_username(&acme, &Username::new("alice"))
            .await
            .unwrap(),
        alice
    );
    assert!(
        matches!(
            store.user_by_username(&acme, &Username::new("Alice")).await,
            Err(StoreError::NotFound(Entity::User))
        ),
        "usernames are case-sensitive"
    );
    let again = User {
        id: UserId::new("u-alice-2"),
        ..alice.clone()
    };
    assert!(matches!(
        store.create_user(&acme, &again, &[]).await,
        Err(StoreError::Conflict(Conflict::AlreadyExists(Entity::User)))
    ));
    assert_eq!(
        store.agent_status(&acme, &alice.id).await.unwrap(),
        (AgentStatus::Offline, None)
    );
    store
        .set_agent_status(&acme, &alice.id, AgentStatus::Available, NOW)
        .await
        .unwrap();
    assert_eq!(
        store.agent_status(&acme, &alice.id).await.unwrap(),
        (AgentStatus::Available, Some(NOW))
    );
    assert!(matches!(
        store
            .set_agent_status(&acme, &UserId::new("u-none"), AgentStatus::Offline, NOW)
            .await,
        Err(StoreError::NotFound(Entity::User))
    ));
    assert!(matches!(
        store
            .agent_status(&InstanceId::new("i-none"), &alice.id)
            .await,
        Err(StoreError::NotFound(Entity::Instance))
    ));
    let capital = user_named("i-acme", "u-capital", "Alice");
    store.create_user(&acme, &capital, &[]).await.unwrap();

    // SECURITY: a profile of another instance is refused, and nothing of the user is kept.
    let mut foreign = user_named("i-acme", "u-mallory", "mallory");
    foreign.routing_profile = RoutingProfileId::new("i-beta-rp-basic");
    assert!(matches!(
        store.create_user(&acme, &foreign, &[]).await,
        Err(StoreError::NotFound(Entity::RoutingProfile))
    ));
    let mut foreign = user_named("i-acme", "u-mallory", "mallory");
    foreign
        .security_profiles
        .push(SecurityProfileId::new("i-beta-sp-Admin"));
    assert!(matches!(
        store.create_user(&acme, &foreign, &[]).await,
        Err(StoreError::NotFound(Entity::SecurityProfile))
    ));
    assert!(matches!(
        store.user(&acme, &foreign.id).await,
        Err(StoreError::NotFound(Entity::User))
    ));
    assert!(matches!(
        store
            .create_user(&InstanceId::new("i-none"), &alice, &[])
            .await,
        Err(StoreError::NotFound(Entity::Instance))
    ));
    assert!(matches!(
        store.user(&beta, &alice.id).await,
        Err(StoreError::NotFound(Entity::User))
    ));

    let update = UserUpdate {
        names: Some(("Alicia".to_owned(), "L".to_owned())),
        phone: None,
        security_profiles: None,
        routing_profile: None,
        updated_at: NOW + Duration::hours(1),
    };
    store.update_user(&acme, &alice.id, &update).await.unwrap();
    let updated = store.user(&acme, &alice.id).await.unwrap();
    assert_eq!(
        (updated.first_name.as_str(), updated.last_name.as_str()),
        ("Alicia", "L")
    );
    assert_eq!(
        (updated.phone.clone(), updated.updated_at),
        (alice.phone.clone(), update.updated_at)
    );
    let desk = PhoneConfig {
        phone_type: PhoneType::DeskPhone,
        auto_accept: false,
        after_contact_work_seconds: 0,
        desk_phone_number: Some("+15555550100".to_owned()),
    };
    let admin_and_agent = vec![
        SecurityProfileId::new("i-acme-sp-Admin"),
        SecurityProfileId::new("i-acme-sp-Agent"),
    ];
    let update = UserUpdate {
        names: None,
        phone: Some(desk.clone()),
        security_profiles: Some(admin_and_agent.clone()),
        ..update
    };
    store.update_user(&acme, &alice.id, &update).await.unwrap();
    let updated = store.user(&acme, &alice.id).await.unwrap();
    assert_eq!(
        (updated.first_name.as_str(), &updated.phone),
        ("Alicia", &desk)
    );
    assert_eq!(updated.security_profiles, admin_and_agent);
    let elsewhere = UserUpdate {
        routing_profile: Some(RoutingProfileId::new("i-beta-rp-basic")),
        security_profiles: None,
        ..update.clone()
    };
    assert!(matches!(
        store.update_user(&acme, &alice.id, &elsewhere).await,
        Err(StoreError::NotFound(Entity::RoutingProfile))
    ));
    let elsewhere = UserUpdate {
        security_profiles: Some(vec![SecurityProfileId::new("i-beta-sp-Admin")]),
        ..update.clone()
    };
    assert!(matches!(
        store.update_user(&acme, &alice.id, &elsewhere).await,
        Err(StoreError::NotFound(Entity::SecurityProfile))
    ));
    assert_eq!(
        store
            .user(&acme, &alice.id)
            .await
            .unwrap()
            .security_profiles,
        admin_and_agent,
        "a refused update changes nothing"
    );
    assert!(matches!(
        store
            .update_user(&acme, &UserId::new("u-none"), &update)
            .await,
        Err(StoreError::NotFound(Entity::User))
    ));

    // Bulk import: all or nothing.
    let mut import = store.begin_user_import(&acme).await.unwrap();
    for (id, name) in [("u-carol", "carol"), ("u-bob", "bob"), ("u-dave", "dave")] {
        import.add(&user_named("i-acme", id, name)).await.unwrap();
    }
    assert_eq!(import.commit().await.unwrap(), 3);
    assert_eq!(
        usernames(store, &acme).await,
        ["Alice", "alice", "bob", "carol", "dave"]
    );

    // A conflict found at commit creates no one.
    let mut import = store.begin_user_import(&acme).await.unwrap();
    import
        .add(&user_named("i-acme", "u-erin", "erin"))
        .await
        .unwrap();
    import
        .add(&user_named("i-acme", "u-bob-2", "bob"))
        .await
        .unwrap();
    assert!(matches!(
        import.commit().await,
        Err(StoreError::Conflict(Conflict::AlreadyExists(Entity::User)))
    ));
    let mut import = store.begin_user_import(&acme).await.unwrap();
    let mut half = user_named("i-acme", "u-half", "half");
    half.security_profiles
        .push(SecurityProfileId::new("i-beta-sp-Admin"));
    import.add(&half).await.unwrap();
    assert!(matches!(
        import.commit().await,
        Err(StoreError::NotFound(Entity::SecurityProfile))
    ));
    // SECURITY: a conflict found in a batch written by `add` abandons the import: later adds and
    // the commit fail, and the batches before it are not kept.
    let mut import = store.begin_user_import(&acme).await.unwrap();
    let mut failure = None;
    for i in 0..1000 {
        let user = if i == 700 {
            user_named("i-acme", "u-bob-3", "bob")
        } else {
            user_named("i-acme", &format!("u-bulk-{i}"), &format!("bulk-{i:04}"))
        };
        if let Err(e) = import.add(&user).await {
            failure = Some((i, e));
            break;
        }
    }
    let (at, error) = failure.expect("the duplicate is found by a write before the commit");
    assert!((700..1000).contains(&at));
    assert!(matches!(
        error,
        StoreError::Conflict(Conflict::AlreadyExists(Entity::User))
    ));
    assert!(matches!(
        import.add(&user_named("i-acme", "u-late", "late")).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        import.commit().await,
        Err(StoreError::Unavailable(_))
    ));
    let mut import = store.begin_user_import(&acme).await.unwrap();
    import
        .add(&user_named("i-acme", "u-frank", "frank"))
        .await
        .unwrap();
    drop(import);
    assert_eq!(
        usernames(store, &acme).await,
        ["Alice", "alice", "bob", "carol", "dave"],
        "an import not committed creates no one"
    );
    assert!(matches!(
        store.begin_user_import(&InstanceId::new("i-none")).await,
        Err(StoreError::NotFound(Entity::Instance))
    ));

    let page = store
        .list_users(&acme, &PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(
        page.items[1], updated,
        "listed users carry their security profiles"
    );
    let page = store
        .list_users(&acme, &PageRequest::after(page.next.unwrap(), 2))
        .await
        .unwrap();
    let names: Vec<_> = page.items.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["bob", "carol"]);
    assert_eq!(page.items[0].security_profiles, alice.security_profiles);
    assert!(
        store
            .list_users(&beta, &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(
        store
            .list_users(&InstanceId::new("i-none"), &PageRequest::first(10))
            .await,
        Err(StoreError::NotFound(Entity::Instance))
    ));

    search_users(store, &acme, &updated).await;

    let alice_tags = TagTarget::User(&acme, &alice.id);
    assert_eq!(
        store.tags(alice_tags).await.unwrap(),
        vec![Tag::new("team", "blue")]
    );
    store.delete_user(&acme, &alice.id).await.unwrap();
    assert!(matches!(
        store.user(&acme, &alice.id).await,
        Err(StoreError::NotFound(Entity::User))
    ));
    assert!(matches!(
        store.tags(alice_tags).await,
        Err(StoreError::NotFound(Entity::User))
    ));
    assert!(matches!(
        store.delete_user(&acme, &alice.id).await,
        Err(StoreError::NotFound(Entity::User))
    ));

    // Deleting an instance deletes everything in it.
    store.delete_instance(&acme).await.unwrap();
    assert!(matches!(
        store.instance(&acme).await,
        Err(StoreError::NotFound(Entity::Instance))
    ));
    assert!(matches!(
        store.user(&acme, &capital.id).await,
        Err(StoreError::NotFound(Entity::Instance))
    ));
    assert!(matches!(
        store.delete_instance(&acme).await,
        Err(StoreError::NotFound(Entity::Instance))
    ));
    // Its alias and ids are free again.
    store
        .create_instance(&instance_named("i-acme", "acme"))
        .await
        .unwrap();
    store.create_user(&acme, &capital, &[]).await.unwrap();
    assert_eq!(
        store.tags(TagTarget::Instance(&acme)).await.unwrap(),
        vec![Tag::new("env", "test")]
    );
    assert_eq!(
        store
            .tags(TagTarget::User(&acme, &capital.id))
            .await
            .unwrap(),
        vec![]
    );
}

async fn search_users(store: &dyn Store, acme: &InstanceId, alicia: &User) {
    let condition = |field, comparison, value: &str| UserFilter::Condition {
        field,
        comparison,
        value: value.to_owned(),
    };
    let found = |filter: UserFilter| async move {
        let found = store
            .search_users(acme, Some(&filter), &PageRequest::first(100))
            .await;
        let found = found.unwrap();
        assert_eq!(found.page.next, None);
        let names: Vec<_> = found
            .page
            .items
            .iter()
            .map(|u| u.username.as_str().to_owned())
            .collect();
        assert_eq!(usize::try_from(found.total).unwrap(), names.len());
        names
    };
    use Comparison::{Contains, Exact, StartsWith};
    use UserField::{FirstName, Username};

    let all = store
        .search_users(acme, None, &PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(all.total, 5);
    assert_eq!(
        all.page
            .items
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>(),
        ["Alice", "alice"]
    );
    assert_eq!(
        &all.page.items[1], alicia,
        "found users carry their security profiles"
    );
    let rest = PageRequest::after(all.page.next.unwrap(), 10);
    let rest = store.search_users(acme, None, &rest).await.unwrap();
    assert_eq!((rest.page.items.len(), rest.total), (3, 5));

    assert_eq!(found(condition(Username, Exact, "alice")).await, ["alice"]);
    assert_eq!(found(condition(Username, StartsWith, "a")).await, ["alice"]);
    assert_eq!(
        found(condition(Username, Contains, "li")).await,
        ["Alice", "alice"]
    );
    assert_eq!(
        found(condition(Username, Contains, "_")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        found(condition(Username, Contains, "%")).await,
        Vec::<String>::new()
    );
    assert_eq!(found(condition(Username, Contains, "")).await.len(), 5);
    let either = UserFilter::Or(vec![
        condition(FirstName, Exact, "Alicia"),
        condition(Username, Exact, "bob"),
    ]);
    assert_eq!(found(either).await, ["alice", "bob"]);
    let admins = UserFilter::And(vec![
        condition(FirstName, StartsWith, "Ali"),
        condition(UserField::SecurityProfileId, Exact, "i-acme-sp-Admin"),
    ]);
    assert_eq!(found(admins).await, ["alice"]);
    let agents = condition(UserField::SecurityProfileId, Exact, "i-acme-sp-Agent");
    assert_eq!(found(agents).await.len(), 5);
    let by_id = condition(UserField::ResourceId, Exact, alicia.id.as_str());
    assert_eq!(found(by_id).await, ["alice"]);
    assert_eq!(found(UserFilter::And(vec![])).await.len(), 5);
    assert_eq!(found(UserFilter::Or(vec![])).await, Vec::<String>::new());
    assert!(matches!(
        store
            .search_users(&InstanceId::new("i-none"), None, &PageRequest::first(10))
            .await,
        Err(StoreError::NotFound(Entity::Instance))
    ));
}

// --- nodes racing on one database ----------------------------------------------------------

/// Runs `tasks` copies of `op` at once, spread over two stores, and counts the `true`s.
async fn race<F, Fut>(nodes: [Arc<dyn Store>; 2], tasks: usize, op: F) -> usize
where
    F: Fn(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let handles: Vec<_> = (0..tasks)
        .map(|i| tokio::spawn(op(Arc::clone(&nodes[i % 2]))))
        .collect();
    let mut wins = 0;
    for handle in handles {
        wins += usize::from(handle.await.unwrap());
    }
    wins
}

/// Two stores on one database, as two nodes would have, each with small pools so that
/// the racing tasks also queue for connections.
async fn two_nodes(url: &str) -> [Arc<dyn Store>; 2] {
    let small = StoreOptions {
        postgres_connections: 4,
        sqlite_readers: 2,
    };
    // Started together on an empty database: both migrate it, one after the other.
    let (first, second) = tokio::join!(connect_with(url, &small), connect_with(url, &small));
    [first.unwrap(), second.unwrap()]
}

async fn replay_race(url: String) {
    let nodes = two_nodes(&url).await;
    let wins = race(nodes, 32, |store| async move {
        store
            .insert_assertion_once("https://idp.example", "_raced", NOW)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(
        wins, 1,
        "exactly one of 32 concurrent uses of one assertion is accepted"
    );
}

async fn replay_burst(url: String) {
    let nodes = two_nodes(&url).await;
    // 400 uses of 100 assertions at once, on two nodes, half of them with their audit events:
    // each is accepted exactly once, and each audited use appended the event of its outcome.
    let handles: Vec<_> = (0..400_usize)
        .map(|i| {
            let store = Arc::clone(&nodes[i % 2]);
            tokio::spawn(async move {
                let id = format!("_burst{}", i % 100);
                let first = if i % 4 < 2 {
                    store
                        .insert_assertion_once("https://idp.example", &id, NOW)
                        .await
                } else {
                    let audit = redemption(&format!("burst-{i}"));
                    store
                        .redeem_assertion("https://idp.example", &id, NOW, audit)
                        .await
                };
                (i, first.unwrap())
            })
        })
        .collect();
    let mut accepted = [0_u32; 100];
    let mut audited = std::collections::HashMap::new();
    for handle in handles {
        let (i, first) = handle.await.unwrap();
        accepted[i % 100] += u32::from(first);
        if i % 4 >= 2 {
            audited.insert(format!("burst-{i}"), first);
        }
    }
    assert!(accepted.iter().all(|&n| n == 1), "{accepted:?}");
    let trail = nodes[0].recent_audit(1000).await.unwrap();
    assert_eq!(trail.len(), audited.len(), "one event per audited use");
    for record in trail {
        let first = audited[&record.event.request_id];
        let expected = if first {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        assert_eq!(
            record.event.outcome, expected,
            "{}",
            record.event.request_id
        );
    }
}

async fn token_race(url: String) {
    let nodes = two_nodes(&url).await;
    let token = TokenId::new("raced");
    let expires = NOW + Duration::minutes(1);
    let wins = race(nodes, 32, move |store| {
        let token = token.clone();
        async move { store.redeem_one_time_token(&token, expires).await.unwrap() }
    })
    .await;
    assert_eq!(wins, 1, "exactly one of 32 concurrent redemptions succeeds");
}

async fn bootstrap_race(url: String) {
    let nodes = two_nodes(&url).await;
    let handles: Vec<_> = (0..8_u8)
        .map(|i| {
            let store = Arc::clone(&nodes[usize::from(i % 2)]);
            tokio::spawn(async move {
                let candidate = candidate_account(&format!("10000000000{i}"), &[i]);
                store.bootstrap_account(&candidate).await.unwrap()
            })
        })
        .collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    assert_eq!(results.iter().filter(|made| made.created).count(), 1);
    let chosen = results
        .iter()
        .find(|made| made.created)
        .unwrap()
        .account
        .clone();
    assert!(
        results.iter().all(|made| made.account == chosen),
        "every node sees one account"
    );
}

async fn client_token_race(url: String) {
    let nodes = two_nodes(&url).await;
    let handles: Vec<_> = (0..8_u8)
        .map(|i| {
            let store = Arc::clone(&nodes[usize::from(i % 2)]);
            tokio::spawn(async move {
                let mut new = instance_named(&format!("i-{i}"), &format!("alias{i}"));
                new.client_token = Some("one-token".to_owned());
                store.create_instance(&new).await.unwrap()
            })
        })
        .collect();
    let mut created = Vec::new();
    for handle in handles {
        created.push(handle.await.unwrap());
    }
    assert!(
        created.iter().all(|instance| *instance == created[0]),
        "one instance for one token"
    );
    let listed = nodes[0]
        .list_instances(&PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(listed.items, vec![created[0].clone()]);
}

// --- backends ------------------------------------------------------------------------------

async fn on_sqlite_file<F, Fut>(scenario: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fedgate.db");
    scenario(path.to_str().unwrap().to_owned()).await;
}

#[expect(
    clippy::disallowed_methods,
    reason = "the test database is the environment's, as CI sets it"
)]
fn postgres_url() -> Option<String> {
    std::env::var("FEDGATE_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Runs `scenario` with the URL of a new, empty schema, dropped afterwards even if it fails.
async fn on_postgres<F, Fut>(scenario: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(base) = postgres_url() else {
        eprintln!("skipped: FEDGATE_TEST_POSTGRES_URL is not set");
        return;
    };
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&base)
        .await
        .unwrap();
    // Named with the server's clock, so that schemas left by a killed run can be told apart
    // from those of runs in progress, and swept an hour later.
    let (schema, now): (String, i64) = sqlx::query_as(
        "SELECT 'fedgate_test_' || extract(epoch FROM now())::bigint || '_'
                || replace(gen_random_uuid()::text, '-', ''),
                extract(epoch FROM now())::bigint",
    )
    .fetch_one(&admin)
    .await
    .unwrap();
    let existing: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'fedgate_test_%'",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    for stale in existing {
        let started = stale
            .split('_')
            .nth(2)
            .and_then(|epoch| epoch.parse::<i64>().ok());
        if started.is_some_and(|started| started < now - 3600) {
            let drop = format!("DROP SCHEMA IF EXISTS {stale} CASCADE");
            // Another test may be sweeping it too: a failure here is not this test's.
            if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&admin).await {
                eprintln!("could not sweep {stale}: {e}");
            }
        }
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options[search_path]={schema}");

    let outcome = tokio::spawn(scenario(url)).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .unwrap();
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

async fn story_at(url: String) {
    let store = connect(&url).await.unwrap();
    story(&*store).await;
}

#[tokio::test]
async fn story_on_sqlite_in_memory() {
    story_at("sqlite::memory:".to_owned()).await;
}

#[tokio::test]
async fn story_on_sqlite_file() {
    on_sqlite_file(story_at).await;
}

#[tokio::test]
async fn story_on_postgres() {
    on_postgres(story_at).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replay_cache_accepts_an_assertion_once_across_nodes_on_sqlite() {
    on_sqlite_file(replay_race).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replay_cache_accepts_an_assertion_once_across_nodes_on_postgres() {
    on_postgres(replay_race).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_assertions_is_accepted_once_each_on_sqlite() {
    on_sqlite_file(replay_burst).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_assertions_is_accepted_once_each_on_postgres() {
    on_postgres(replay_burst).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_time_token_is_redeemed_once_across_nodes_on_sqlite() {
    on_sqlite_file(token_race).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_time_token_is_redeemed_once_across_nodes_on_postgres() {
    on_postgres(token_race).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_starting_together_agree_on_one_account_on_sqlite() {
    on_sqlite_file(bootstrap_race).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_starting_together_agree_on_one_account_on_postgres() {
    on_postgres(bootstrap_race).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_token_creates_one_instance_across_nodes_on_sqlite() {
    on_sqlite_file(client_token_race).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_token_creates_one_instance_across_nodes_on_postgres() {
    on_postgres(client_token_race).await;
}

#[tokio::test]
async fn sqlite_file_keeps_its_data_when_reopened() {
    on_sqlite_file(|path| async move {
        let first = candidate_account("123456789012", b"secret");
        connect(&path)
            .await
            .unwrap()
            .bootstrap_account(&first)
            .await
            .unwrap();
        // Reconnecting runs the migrations again: they must find nothing to do.
        let reopened = connect(&format!("sqlite://{path}")).await.unwrap();
        assert_eq!(reopened.account().await.unwrap(), first);
    })
    .await;
}

#[tokio::test]
async fn urls_of_no_known_backend_are_refused() {
    for url in ["mysql://localhost/fedgate", ""] {
        assert!(
            matches!(connect(url).await, Err(StoreError::InvalidUrl(_))),
            "{url}"
        );
    }
}
