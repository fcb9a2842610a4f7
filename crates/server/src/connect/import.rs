//! Bulk user import from the CSV template for SAML instances (aws-behaviour.md §5.4), shared by
//! `fedgate users import` and the instance's web upload.
//!
//! Two passes over the file, each streamed (memory grows with the number of usernames, not
//! with the file): the first validates every row and reports every error with its line
//! number; only if there is none, the second adds the rows to one store transaction
//! ([`fedgate_store::UserImport`]), which commits all of them or none. A process killed in the
//! middle leaves the database as it was.

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Seek, SeekFrom};

use fedgate_store::{
    IdentityManagement, InstanceId, PageRequest, PhoneConfig, PhoneType, RoutingProfileId,
    SecurityProfileId, Store, StoreError, User, UserId, Username,
};
use time::OffsetDateTime;

use super::validate;
use crate::keys::random_bytes;

/// The header row of the SAML template, exactly.
pub const SAML_TEMPLATE_HEADER: &str = "first name,last name,user login,routing profile name,\
security_profile_name_1|security_profile_name_2,phone type (soft/desk),phone number,\
soft phone auto accept (yes/no),ACW timeout (seconds)";

/// The template's columns, in order.
const COLUMNS: [&str; 9] = [
    "first name",
    "last name",
    "user login",
    "routing profile name",
    "security_profile_name_1|security_profile_name_2",
    "phone type (soft/desk)",
    "phone number",
    "soft phone auto accept (yes/no)",
    "ACW timeout (seconds)",
];

/// Columns of the CONNECT_MANAGED template that a SAML instance must not receive.
const MANAGED_ONLY_COLUMNS: [&str; 2] = ["email address", "password"];

/// Most rows in one import.
pub const MAX_IMPORT_ROWS: u64 = 100_000;
/// Most errors reported by line; the rest are counted.
pub const MAX_REPORTED_ERRORS: usize = 200;
/// Longest field accepted (the longest legitimate one, a last name, is 300 characters).
pub const MAX_FIELD_CHARS: usize = 1024;
/// Longest ACW timeout (the model's `AfterContactWorkTimeLimit` has no maximum; a day is
/// more than any contact center uses).
pub const MAX_ACW_SECONDS: u32 = 86_400;

/// Which pass the import is in, for progress reports.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Phase {
    /// Reading and validating every row.
    Validating,
    /// Writing the rows into the transaction.
    Writing,
    /// Committing.
    Committing,
}

/// One invalid row.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct RowError {
    /// The line of the file (1 is the header).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// Why an import created no user.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The instance is not there.
    #[error("instance not found")]
    InstanceNotFound,
    /// The instance does not use SAML.
    #[error(
        "the instance uses CONNECT_MANAGED identity management; fedgate imports users into SAML instances only"
    )]
    NotSaml,
    /// The header row is not the SAML template's.
    #[error("{0}")]
    Header(String),
    /// The file has no rows after the header.
    #[error("the file has no users after the header row")]
    Empty,
    /// More rows than [`MAX_IMPORT_ROWS`].
    #[error("the file has more than {MAX_IMPORT_ROWS} users")]
    TooManyRows,
    /// Rows are invalid: every one is listed (up to [`MAX_REPORTED_ERRORS`]).
    #[error("{} invalid rows; nothing was imported", .errors.len() as u64 + .more)]
    Rows {
        /// The errors, in line order.
        errors: Vec<RowError>,
        /// How many more were found and not listed.
        more: u64,
    },
    /// The file is not readable CSV.
    #[error("line {line}: the file is not valid CSV: {message}")]
    Csv {
        /// Where.
        line: u64,
        /// What.
        message: String,
    },
    /// The file changed between the two passes, or cannot be read again.
    #[error("the file changed while it was imported: {0}")]
    Changed(String),
    /// The database failed; nothing was imported.
    #[error("the database failed; nothing was imported")]
    Store(#[source] StoreError),
}

/// What an import did.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct ImportReport {
    /// Users created.
    pub created: u64,
}

/// Progress, as bytes of the file read in the phase.
pub type Progress<'a> = &'a (dyn Fn(Phase, u64) + Send + Sync);

/// Imports the users of `source` (the SAML template, UTF-8, with its header row) into
/// `instance`: every row or none.
pub async fn import_users<R: Read + Seek + Send>(
    store: &dyn Store,
    instance: &InstanceId,
    mut source: R,
    now: OffsetDateTime,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    let found = store.instance(instance).await.map_err(|e| match e {
        StoreError::NotFound(_) => ImportError::InstanceNotFound,
        other => ImportError::Store(other),
    })?;
    if found.identity_management != IdentityManagement::Saml {
        return Err(ImportError::NotSaml);
    }
    let profiles = Profiles::load(store, instance).await?;
    let existing = existing_usernames(store, instance).await?;

    // Pass 1: validate everything, streaming.
    let mut rows = 0u64;
    let mut errors = Vec::new();
    let mut more = 0u64;
    let mut seen: HashSet<String> = HashSet::new();
    {
        let mut reader = reader(&mut source);
        check_header(&mut reader)?;
        let mut record = csv::StringRecord::new();
        while read(&mut reader, &mut record)? {
            rows += 1;
            if rows > MAX_IMPORT_ROWS {
                return Err(ImportError::TooManyRows);
            }
            let line = line_of(&record);
            let problem = match parse_row(&record, &profiles) {
                Ok(row) => {
                    let name = row.username.as_str();
                    if existing.contains(name) {
                        Some(format!(
                            "user login `{name}` already exists in the instance"
                        ))
                    } else if !seen.insert(name.to_owned()) {
                        Some(format!(
                            "user login `{name}` appears more than once in the file"
                        ))
                    } else {
                        None
                    }
                }
                Err(message) => Some(message),
            };
            if let Some(message) = problem {
                if errors.len() < MAX_REPORTED_ERRORS {
                    errors.push(RowError { line, message });
                } else {
                    more += 1;
                }
            }
            if rows.is_multiple_of(1024) {
                progress(Phase::Validating, record.position().map_or(0, |p| p.byte()));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows { errors, more });
    }
    if rows == 0 {
        return Err(ImportError::Empty);
    }
    drop(seen);

    // Pass 2: the same rows, into one transaction.
    source
        .seek(SeekFrom::Start(0))
        .map_err(|e| ImportError::Changed(e.to_string()))?;
    let mut import = store
        .begin_user_import(instance)
        .await
        .map_err(ImportError::Store)?;
    let mut reader = reader(&mut source);
    check_header(&mut reader)?;
    let mut record = csv::StringRecord::new();
    let mut written = 0u64;
    let ids = OrderedIds::new(now);
    while read(&mut reader, &mut record)? {
        let row = parse_row(&record, &profiles).map_err(|message| {
            ImportError::Changed(format!("line {}: {message}", line_of(&record)))
        })?;
        let user = User {
            id: UserId::new(ids.id(written)),
            updated_at: now,
            ..row
        };
        import.add(&user).await.map_err(ImportError::Store)?;
        written += 1;
        if written.is_multiple_of(1024) {
            progress(Phase::Writing, record.position().map_or(0, |p| p.byte()));
        }
    }
    if written != rows {
        return Err(ImportError::Changed(format!(
            "{rows} rows were validated and {written} read again"
        )));
    }
    progress(Phase::Committing, 0);
    let created = import.commit().await.map_err(ImportError::Store)?;
    Ok(ImportReport { created })
}

/// User ids for one import: version-7 UUIDs (RFC 9562) of the import's start, a random part
/// drawn once, and the row's sequence number in the last bytes, so that the rows of an import
/// go to the end of every index that holds user ids instead of all over it: the database's
/// cache keeps up and the import stays linear (random UUIDs made 100,000 rows 15 times slower
/// than 10,000 on SQLite). The ids stay unique (the random part) and reveal nothing but the
/// import's time and order, which DescribeUser shows anyway.
struct OrderedIds {
    millis: u64,
    random: [u8; 4],
}

impl OrderedIds {
    fn new(now: OffsetDateTime) -> Self {
        let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let mut random = [0u8; 4];
        random.copy_from_slice(random_bytes(4).get(..4).unwrap_or(&[0; 4]));
        Self { millis, random }
    }

    fn id(&self, sequence: u64) -> String {
        let mut bytes = [0u8; 16];
        let millis = self.millis.to_be_bytes();
        let sequence = sequence.to_be_bytes();
        for (target, source) in bytes.iter_mut().zip(millis.iter().skip(2)) {
            *target = *source;
        }
        // Version 7, then the sequence's bits 32..44.
        let [.., s3, s4, s5, s6, s7] = sequence;
        bytes[6] = 0x70 | (s3 & 0x0f);
        bytes[7] = s4;
        // Variant 10, then the random part.
        let [r0, r1, r2, r3] = self.random;
        bytes[8] = 0x80 | (r0 & 0x3f);
        bytes[9] = r1;
        bytes[10] = r2;
        bytes[11] = r3;
        bytes[12] = s5;
        bytes[13] = s6;
        bytes[14] = s7;
        bytes[15] = 0;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default();
        format!(
            "{}-{}-{}-{}-{}",
            part(0..8),
            part(8..12),
            part(12..16),
            part(16..20),
            part(20..32)
        )
    }
}

/// The template file's content: its header row.
pub fn template() -> String {
    format!("{SAML_TEMPLATE_HEADER}\n")
}

/// The instance's profiles, by name (names are exact, as the admin website shows them).
struct Profiles {
    routing: BTreeMap<String, RoutingProfileId>,
    security: BTreeMap<String, SecurityProfileId>,
}

impl Profiles {
    async fn load(store: &dyn Store, instance: &InstanceId) -> Result<Self, ImportError> {
        let mut routing = BTreeMap::new();
        let mut page = PageRequest::first(1000);
        loop {
            let listed = store
                .list_routing_profiles(instance, &page)
                .await
                .map_err(ImportError::Store)?;
            routing.extend(listed.items.into_iter().map(|p| (p.name, p.id)));
            match listed.next {
                Some(next) => page = PageRequest::after(next, 1000),
                None => break,
            }
        }
        let mut security = BTreeMap::new();
        let mut page = PageRequest::first(1000);
        loop {
            let listed = store
                .list_security_profiles(instance, &page)
                .await
                .map_err(ImportError::Store)?;
            security.extend(listed.items.into_iter().map(|p| (p.name, p.id)));
            match listed.next {
                Some(next) => page = PageRequest::after(next, 1000),
                None => break,
            }
        }
        Ok(Self { routing, security })
    }
}

async fn existing_usernames(
    store: &dyn Store,
    instance: &InstanceId,
) -> Result<HashSet<String>, ImportError> {
    let mut names = HashSet::new();
    let mut page = PageRequest::first(1000);
    loop {
        let listed = store
            .list_users(instance, &page)
            .await
            .map_err(ImportError::Store)?;
        names.extend(
            listed
                .items
                .into_iter()
                .map(|user| user.username.as_str().to_owned()),
        );
        match listed.next {
            Some(next) => page = PageRequest::after(next, 1000),
            None => break,
        }
    }
    Ok(names)
}

fn reader<R: Read>(source: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(source)
}

/// Reads the next record; false at the end.
fn read<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
) -> Result<bool, ImportError> {
    reader.read_record(record).map_err(|e| ImportError::Csv {
        line: e.position().map_or(0, csv::Position::line),
        message: e.to_string(),
    })
}

fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

fn check_header<R: Read>(reader: &mut csv::Reader<R>) -> Result<(), ImportError> {
    let mut header = csv::StringRecord::new();
    if !read(reader, &mut header)? {
        return Err(ImportError::Header(format!(
            "the file is empty; its first line must be the SAML template's header: {SAML_TEMPLATE_HEADER}"
        )));
    }
    let columns: Vec<String> = header
        .iter()
        .map(|c| c.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    // SECURITY/clarity: the CONNECT_MANAGED template carries passwords and e-mail addresses,
    // which SAML users do not have: refuse it, saying why, rather than ignore the columns.
    let managed: Vec<&str> = MANAGED_ONLY_COLUMNS
        .iter()
        .copied()
        .filter(|m| columns.iter().any(|c| c.eq_ignore_ascii_case(m)))
        .collect();
    if !managed.is_empty() {
        return Err(ImportError::Header(format!(
            "the file has {} column(s): that is the template for CONNECT_MANAGED instances. \
             Users of a SAML instance sign in through the identity provider and have no \
             password or e-mail address here; use the SAML template (`fedgate users \
             template`): {SAML_TEMPLATE_HEADER}",
            managed.join(" and ")
        )));
    }
    let expected: Vec<&str> = COLUMNS.to_vec();
    if columns
        .iter()
        .map(String::as_str)
        .eq(expected.iter().copied())
    {
        return Ok(());
    }
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|e| !columns.iter().any(|c| c == e))
        .collect();
    let unexpected: Vec<&str> = columns
        .iter()
        .map(String::as_str)
        .filter(|c| !expected.contains(c))
        .collect();
    let mut message = String::from("line 1: the header is not the SAML template's");
    if !missing.is_empty() {
        message.push_str(&format!("; missing column(s): {}", missing.join(", ")));
    }
    if !unexpected.is_empty() {
        message.push_str(&format!(
            "; unexpected column(s): {}",
            unexpected.join(", ")
        ));
    }
    if missing.is_empty() && unexpected.is_empty() {
        message.push_str("; the columns are out of order");
    }
    message.push_str(&format!("; expected: {SAML_TEMPLATE_HEADER}"));
    Err(ImportError::Header(message))
}

/// One row as a user (with a placeholder id and time), or what is wrong with it.
fn parse_row(record: &csv::StringRecord, profiles: &Profiles) -> Result<User, String> {
    if record.len() != COLUMNS.len() {
        return Err(format!(
            "{} fields; the template has {}",
            record.len(),
            COLUMNS.len()
        ));
    }
    let field = |index: usize| record.get(index).unwrap_or_default().trim();
    if let Some(index) = (0..COLUMNS.len()).find(|&i| field(i).chars().count() > MAX_FIELD_CHARS) {
        return Err(format!(
            "{} is longer than {MAX_FIELD_CHARS} characters",
            COLUMNS.get(index).copied().unwrap_or_default()
        ));
    }
    let mut problems = Vec::new();
    let first = field(0);
    let last = field(1);
    if let Some(problem) =
        validate::name_problem("first name", Some(first), validate::MAX_FIRST_NAME_CHARS)
    {
        problems.push(problem);
    }
    if let Some(problem) =
        validate::name_problem("last name", Some(last), validate::MAX_LAST_NAME_CHARS)
    {
        problems.push(problem);
    }
    let login = field(2);
    if let Some(problem) = validate::username_problem(login, true) {
        problems.push(problem.replacen("Username", "user login", 1));
    }
    let routing = field(3);
    let routing_profile = profiles.routing.get(routing).cloned();
    if routing_profile.is_none() {
        problems.push(format!("routing profile `{routing}` is not found"));
    }
    let mut security_profiles = Vec::new();
    let names: Vec<&str> = field(4)
        .split('|')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() || names.len() > validate::MAX_USER_SECURITY_PROFILES {
        problems.push(format!(
            "a user has 1 to {} security profiles, separated by |",
            validate::MAX_USER_SECURITY_PROFILES
        ));
    }
    for name in names {
        match profiles.security.get(name) {
            Some(id) => security_profiles.push(id.clone()),
            None => problems.push(format!("security profile `{name}` is not found")),
        }
    }
    security_profiles.sort();
    security_profiles.dedup();
    let phone_type = match field(5).to_ascii_lowercase().as_str() {
        "" | "soft" | "soft_phone" => Some(PhoneType::SoftPhone),
        "desk" | "desk_phone" => Some(PhoneType::DeskPhone),
        other => {
            problems.push(format!("phone type `{other}` is not soft or desk"));
            None
        }
    };
    let number = field(6);
    let auto_accept = match field(7).to_ascii_lowercase().as_str() {
        "" | "no" => false,
        "yes" => true,
        other => {
            problems.push(format!("soft phone auto accept `{other}` is not yes or no"));
            false
        }
    };
    let acw = field(8);
    let after_contact_work_seconds = if acw.is_empty() {
        0
    } else {
        match acw.parse::<u32>() {
            Ok(seconds) if seconds <= MAX_ACW_SECONDS => seconds,
            _ => {
                problems.push(format!(
                    "ACW timeout `{acw}` is not a number of seconds from 0 to {MAX_ACW_SECONDS}"
                ));
                0
            }
        }
    };
    let phone = PhoneConfig {
        phone_type: phone_type.unwrap_or(PhoneType::SoftPhone),
        auto_accept,
        after_contact_work_seconds,
        desk_phone_number: (!number.is_empty()).then(|| number.to_owned()),
    };
    if phone_type.is_some()
        && let Some(problem) = validate::phone_problem(&phone)
    {
        problems.push(
            problem
                .replace("DeskPhoneNumber", "phone number")
                .replace("PhoneType is DESK_PHONE", "the phone type is desk"),
        );
    }
    match (problems.is_empty(), routing_profile) {
        (true, Some(routing_profile)) => Ok(User {
            id: UserId::new(String::new()),
            username: Username::new(login),
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            phone,
            security_profiles,
            routing_profile,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }),
        _ => Err(problems.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_are_uuids_in_row_order() {
        let ids = OrderedIds::new(OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
        let all: Vec<String> = [0, 1, 255, 256, 65_535, 1 << 24, (1 << 24) + 1, 99_999_999]
            .iter()
            .map(|n| ids.id(*n))
            .collect();
        assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
        for id in &all {
            assert_eq!(id.len(), 36);
            assert_eq!(id.get(14..15), Some("7"));
        }
    }

    #[test]
    fn the_header_constant_is_the_columns_joined() {
        assert_eq!(SAML_TEMPLATE_HEADER, COLUMNS.join(","));
    }
}
