//! `SearchUsers`: a filter of string conditions, turned into a `WHERE` clause whose every value
//! is a bound parameter.

use sqlx::{AssertSqlSafe, Row};

use super::require_instance;
use super::user::{select_users, user, with_security_profiles};
use crate::StoreError;
use crate::model::{Comparison, InstanceId, PageRequest, UserField, UserFilter, UserSearch};
use crate::sql::{SqlStore, into_page, page_after, page_limit};

/// How deeply `And` and `Or` may nest.
pub(crate) const MAX_FILTER_DEPTH: usize = 8;

/// How many conditions one filter may hold.
pub(crate) const MAX_FILTER_CONDITIONS: usize = 64;

pub(crate) async fn users(
    db: &SqlStore,
    instance: &InstanceId,
    filter: Option<&UserFilter>,
    page: &PageRequest,
) -> Result<UserSearch, StoreError> {
    let mut conn = db.read().acquire().await?;

    // $1 instance, $2 marker, $3 limit, then the filter's values.
    let matching = Where::of(filter, 4)?;
    let sql = format!(
        "{}u WHERE u.instance_id = $1 AND u.username > $2 AND {} ORDER BY u.username LIMIT $3",
        select_users!(""),
        matching.sql
    );
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(instance.as_str())
        .bind(page_after(page))
        .bind(page_limit(page));
    for value in &matching.values {
        query = query.bind(*value);
    }
    let rows = query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("username")?, user(row)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;

    // $1 instance, then the filter's values.
    let matching = Where::of(filter, 2)?;
    let sql = format!(
        "SELECT COUNT(*) AS total FROM connect_users u WHERE u.instance_id = $1 AND {}",
        matching.sql
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(instance.as_str());
    for value in &matching.values {
        query = query.bind(*value);
    }
    let total: i64 = query.fetch_one(&mut *conn).await?.try_get("total")?;
    if total == 0 {
        require_instance(&mut conn, instance).await?;
    }
    drop(conn);

    let mut page = into_page(rows, page);
    with_security_profiles(db, instance, &mut page.items).await?;
    Ok(UserSearch {
        page,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// A `WHERE` condition over `connect_users u`, and the values of its parameters in order.
struct Where<'f> {
    sql: String,
    values: Vec<&'f str>,
    /// The number of the first parameter.
    first: usize,
    conditions: usize,
}

impl<'f> Where<'f> {
    fn of(filter: Option<&'f UserFilter>, first: usize) -> Result<Self, StoreError> {
        let mut matching = Self {
            sql: String::new(),
            values: Vec::new(),
            first,
            conditions: 0,
        };
        match filter {
            Some(filter) => matching.push(filter, 0)?,
            None => matching.sql.push_str("1 = 1"),
        }
        Ok(matching)
    }

    fn push(&mut self, filter: &'f UserFilter, depth: usize) -> Result<(), StoreError> {
        if depth > MAX_FILTER_DEPTH {
            return Err(StoreError::LimitExceeded("search filter depth"));
        }
        let (items, joiner, empty) = match filter {
            UserFilter::Condition {
                field,
                comparison,
                value,
            } => {
                return self.condition(*field, *comparison, value);
            }
            UserFilter::And(items) => (items, " AND ", "1 = 1"),
            UserFilter::Or(items) => (items, " OR ", "1 = 0"),
        };
        if items.is_empty() {
            self.sql.push_str(empty);
            return Ok(());
        }
        self.sql.push('(');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(joiner);
            }
            self.push(item, depth + 1)?;
        }
        self.sql.push(')');
        Ok(())
    }

    fn condition(
        &mut self,
        field: UserField,
        comparison: Comparison,
        value: &'f str,
    ) -> Result<(), StoreError> {
        self.conditions += 1;
        if self.conditions > MAX_FILTER_CONDITIONS {
            return Err(StoreError::LimitExceeded("search filter conditions"));
        }
        let column = match field {
            UserField::Username => "u.username",
            UserField::FirstName => "u.first_name",
            UserField::LastName => "u.last_name",
            UserField::RoutingProfileId => "u.routing_profile_id",
            UserField::SecurityProfileId => "s.profile_id",
            UserField::ResourceId => "u.user_id",
        };
        let test = if comparison == Comparison::Contains && value.is_empty() {
            // Every string contains the empty one; `replace` below could not tell.
            "1 = 1".to_owned()
        } else {
            self.values.push(value);
            let n = self.first + self.values.len() - 1;
            match comparison {
                Comparison::Exact => format!("{column} = ${n}"),
                Comparison::StartsWith => format!("substr({column}, 1, length(${n})) = ${n}"),
                // Portable (SQLite's instr, PostgreSQL's strpos differ), exact, and free of
                // LIKE's wildcards and SQLite's case-insensitive LIKE.
                Comparison::Contains => format!("replace({column}, ${n}, '') <> {column}"),
            }
        };
        if field == UserField::SecurityProfileId {
            self.sql.push_str(&format!(
                "EXISTS (SELECT 1 FROM connect_user_security_profiles s
                         WHERE s.instance_id = u.instance_id AND s.user_id = u.user_id
                           AND {test})"
            ));
        } else {
            self.sql.push_str(&test);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Where;
    use crate::model::{Comparison, UserField, UserFilter};

    fn condition(field: UserField, comparison: Comparison, value: &str) -> UserFilter {
        UserFilter::Condition {
            field,
            comparison,
            value: value.to_owned(),
        }
    }

    #[test]
    fn every_value_is_a_parameter_numbered_from_the_first() {
        let filter = UserFilter::Or(vec![
            condition(UserField::Username, Comparison::Exact, "x' OR 1=1 --"),
            UserFilter::And(vec![
                condition(UserField::FirstName, Comparison::StartsWith, "A"),
                condition(UserField::LastName, Comparison::Contains, "%_"),
            ]),
        ]);
        let matching = Where::of(Some(&filter), 4).unwrap();
        assert_eq!(
            matching.sql,
            "(u.username = $4 OR (substr(u.first_name, 1, length($5)) = $5 \
             AND replace(u.last_name, $6, '') <> u.last_name))"
        );
        assert_eq!(matching.values, ["x' OR 1=1 --", "A", "%_"]);
    }

    #[test]
    fn filters_beyond_the_limits_are_refused() {
        let mut deep = condition(UserField::Username, Comparison::Exact, "a");
        for _ in 0..=super::MAX_FILTER_DEPTH {
            deep = UserFilter::And(vec![deep]);
        }
        assert!(Where::of(Some(&deep), 1).is_err());
        let wide = UserFilter::Or(
            (0..=super::MAX_FILTER_CONDITIONS)
                .map(|_| condition(UserField::Username, Comparison::Exact, "a"))
                .collect(),
        );
        assert!(Where::of(Some(&wide), 1).is_err());
    }
}
