//! SAML providers.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::model::{ProviderId, ProviderName, SamlProvider, Tag};
use crate::sql::{SqlStore, instant, name_key, seconds, tag};
use crate::{Entity, StoreError};

pub(crate) async fn create(
    db: &SqlStore,
    provider: &SamlProvider,
    tags: &[Tag],
) -> Result<(), StoreError> {
    let insert = sqlx::query(
        "INSERT INTO saml_providers (name, name_key, provider_id, metadata, valid_until, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(provider.name.as_str())
    .bind(name_key(provider.name.as_str()))
    .bind(provider.id.as_str())
    .bind(provider.metadata.as_str())
    .bind(seconds(provider.valid_until))
    .bind(seconds(provider.created_at));
    tag::create_tagged(db, Entity::SamlProvider, insert, provider.id.as_str(), tags).await
}

pub(crate) async fn get(db: &SqlStore, name: &ProviderName) -> Result<SamlProvider, StoreError> {
    let row = sqlx::query(
        "SELECT name, provider_id, metadata, valid_until, created_at
         FROM saml_providers WHERE name_key = $1",
    )
    .bind(name_key(name.as_str()))
    .fetch_optional(db.read())
    .await?
    .ok_or(StoreError::NotFound(Entity::SamlProvider))?;
    provider(&row)
}

pub(crate) async fn list(db: &SqlStore) -> Result<Vec<SamlProvider>, StoreError> {
    sqlx::query(
        "SELECT name, provider_id, metadata, valid_until, created_at
         FROM saml_providers ORDER BY name_key",
    )
    .fetch_all(db.read())
    .await?
    .iter()
    .map(provider)
    .collect()
}

pub(crate) async fn update_metadata(
    db: &SqlStore,
    name: &ProviderName,
    metadata: &str,
    valid_until: OffsetDateTime,
) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE saml_providers SET metadata = $2, valid_until = $3 WHERE name_key = $1",
    )
    .bind(name_key(name.as_str()))
    .bind(metadata)
    .bind(seconds(valid_until))
    .execute(db.write())
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(StoreError::NotFound(Entity::SamlProvider));
    }
    Ok(())
}

pub(crate) async fn delete(db: &SqlStore, name: &ProviderName) -> Result<(), StoreError> {
    let delete =
        sqlx::query("DELETE FROM saml_providers WHERE name_key = $1 RETURNING provider_id AS id")
            .bind(name_key(name.as_str()));
    tag::delete_tagged(db, Entity::SamlProvider, delete).await
}

fn provider(row: &AnyRow) -> Result<SamlProvider, StoreError> {
    Ok(SamlProvider {
        name: ProviderName::new(row.try_get::<String, _>("name")?),
        id: ProviderId::new(row.try_get::<String, _>("provider_id")?),
        metadata: row.try_get("metadata")?,
        valid_until: instant(row.try_get("valid_until")?)?,
        created_at: instant(row.try_get("created_at")?)?,
    })
}
