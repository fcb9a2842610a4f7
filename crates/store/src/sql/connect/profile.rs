//! Security profiles (with their permissions) and routing profiles.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{instance_row, require_instance};
use crate::error::write_error;
use crate::model::{
    InstanceId, Page, PageRequest, RoutingProfile, RoutingProfileId, SecurityProfile,
    SecurityProfileId,
};
use crate::sql::{Owner, SqlStore, owned_page};
use crate::{Entity, StoreError};

pub(crate) async fn create_security(
    db: &SqlStore,
    instance: &InstanceId,
    profile: &SecurityProfile,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    require_instance(&mut tx, instance).await?;
    insert_security(&mut tx, instance, profile).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn security(
    db: &SqlStore,
    instance: &InstanceId,
    id: &SecurityProfileId,
) -> Result<SecurityProfile, StoreError> {
    let mut conn = db.read().acquire().await?;
    let sql = "SELECT profile_id, name, description FROM security_profiles
               WHERE instance_id = $1 AND profile_id = $2";
    let row = instance_row(
        &mut conn,
        sql,
        instance,
        id.as_str(),
        Entity::SecurityProfile,
    )
    .await?;
    let mut profile = security_profile(&row)?;
    profile.permissions = sqlx::query(
        "SELECT permission FROM security_profile_permissions WHERE profile_id = $1
         ORDER BY permission",
    )
    .bind(id.as_str())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| row.try_get("permission"))
    .collect::<Result<_, _>>()?;
    Ok(profile)
}

pub(crate) async fn list_security(
    db: &SqlStore,
    instance: &InstanceId,
    page: &PageRequest,
) -> Result<Page<SecurityProfile>, StoreError> {
    let sql = "SELECT profile_id, name, description FROM security_profiles
               WHERE instance_id = $1 AND name > $2 ORDER BY name LIMIT $3";
    let mut profiles = owned_page(db, Owner::Instance(instance), page, sql, |row| {
        Ok((row.try_get("name")?, security_profile(row)?))
    })
    .await?;
    // Profiles are few: the permissions of all of the instance's, in one statement.
    let mut permissions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let rows = sqlx::query(
        "SELECT p.profile_id, p.permission
         FROM security_profile_permissions p
         JOIN security_profiles s ON s.profile_id = p.profile_id
         WHERE s.instance_id = $1 ORDER BY p.permission",
    )
    .bind(instance.as_str())
    .fetch_all(db.read())
    .await?;
    for row in &rows {
        permissions
            .entry(row.try_get("profile_id")?)
            .or_default()
            .push(row.try_get("permission")?);
    }
    for profile in &mut profiles.items {
        profile.permissions = permissions.remove(profile.id.as_str()).unwrap_or_default();
    }
    Ok(profiles)
}

pub(crate) async fn update_security(
    db: &SqlStore,
    instance: &InstanceId,
    profile: &SecurityProfile,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE security_profiles SET description = $3 WHERE instance_id = $1 AND profile_id = $2",
    )
    .bind(instance.as_str())
    .bind(profile.id.as_str())
    .bind(profile.description.as_deref())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        require_instance(&mut tx, instance).await?;
        return Err(StoreError::NotFound(Entity::SecurityProfile));
    }
    sqlx::query("DELETE FROM security_profile_permissions WHERE profile_id = $1")
        .bind(profile.id.as_str())
        .execute(&mut *tx)
        .await?;
    insert_permissions(&mut tx, &profile.id, &profile.permissions).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn list_routing(
    db: &SqlStore,
    instance: &InstanceId,
    page: &PageRequest,
) -> Result<Page<RoutingProfile>, StoreError> {
    let sql = "SELECT profile_id, name, description FROM routing_profiles
               WHERE instance_id = $1 AND name > $2 ORDER BY name LIMIT $3";
    owned_page(db, Owner::Instance(instance), page, sql, |row| {
        let name: String = row.try_get("name")?;
        let profile = RoutingProfile {
            id: RoutingProfileId::new(row.try_get::<String, _>("profile_id")?),
            name: name.clone(),
            description: row.try_get("description")?,
        };
        Ok((name, profile))
    })
    .await
}

/// Inserts a security profile of an existing instance (within the caller's transaction).
pub(super) async fn insert_security(
    conn: &mut AnyConnection,
    instance: &InstanceId,
    profile: &SecurityProfile,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO security_profiles (instance_id, profile_id, name, description)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(instance.as_str())
    .bind(profile.id.as_str())
    .bind(profile.name.as_str())
    .bind(profile.description.as_deref())
    .execute(&mut *conn)
    .await
    .map_err(write_error(Entity::SecurityProfile))?;
    insert_permissions(conn, &profile.id, &profile.permissions).await
}

/// Inserts a routing profile of an existing instance (within the caller's transaction).
pub(super) async fn insert_routing(
    conn: &mut AnyConnection,
    instance: &InstanceId,
    profile: &RoutingProfile,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO routing_profiles (instance_id, profile_id, name, description)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(instance.as_str())
    .bind(profile.id.as_str())
    .bind(profile.name.as_str())
    .bind(profile.description.as_str())
    .execute(conn)
    .await
    .map_err(write_error(Entity::RoutingProfile))?;
    Ok(())
}

async fn insert_permissions(
    conn: &mut AnyConnection,
    profile: &SecurityProfileId,
    permissions: &[String],
) -> Result<(), StoreError> {
    for permission in permissions {
        sqlx::query(
            "INSERT INTO security_profile_permissions (profile_id, permission) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(profile.as_str())
        .bind(permission.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn security_profile(row: &AnyRow) -> Result<SecurityProfile, StoreError> {
    Ok(SecurityProfile {
        id: SecurityProfileId::new(row.try_get::<String, _>("profile_id")?),
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        permissions: Vec::new(),
    })
}
