//! `fedgate users import` and `fedgate users template` as a user runs them, against the SQLite
//! file a server uses; and an import killed with SIGKILL halfway through its transaction.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests: a failure here is a test failure"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use fedgate::connect::import::SAML_TEMPLATE_HEADER;
use fedgate::connect::profiles;
use fedgate::testing::TestServer;
use fedgate_store::{
    IdentityManagement, Instance, InstanceAlias, InstanceId, NewInstance, PageRequest,
};

/// A server on a SQLite file in `dir`, with a SAML instance; returns the server, the database
/// URL and the instance id.
async fn server_with_instance(dir: &Path) -> (TestServer, String, InstanceId) {
    let url = dir.join("fedgate.db").display().to_string();
    let server = TestServer::start_with(&fedgate::config::File::default(), &url)
        .await
        .unwrap();
    let id = InstanceId::new(fedgate::connect::new_id());
    server
        .state
        .store
        .create_instance(&NewInstance {
            instance: Instance {
                id: id.clone(),
                alias: InstanceAlias::new("acme"),
                identity_management: IdentityManagement::Saml,
                inbound_calls: true,
                outbound_calls: true,
                created_at: server.state.clock.now(),
            },
            client_token: None,
            security_profiles: profiles::default_security_profiles(),
            routing_profiles: profiles::default_routing_profiles(),
            tags: vec![],
        })
        .await
        .unwrap();
    (server, url, id)
}

fn write_csv(path: &Path, rows: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(file, "{SAML_TEMPLATE_HEADER}").unwrap();
    for i in 0..rows {
        writeln!(
            file,
            "First{i},Last{i},agent{i:06},Basic Routing Profile,Agent|QualityAnalyst,soft,,yes,30"
        )
        .unwrap();
    }
}

async fn users(server: &TestServer, instance: &InstanceId) -> usize {
    server
        .state
        .store
        .search_users(instance, None, &PageRequest::first(1))
        .await
        .unwrap()
        .total
        .try_into()
        .unwrap()
}

#[test]
fn template_prints_the_saml_header() {
    let output = Command::new(env!("CARGO_BIN_EXE_fedgate"))
        .args(["users", "template"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("{SAML_TEMPLATE_HEADER}\n")
    );
}

#[tokio::test]
async fn import_creates_the_users_or_reports_every_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let (server, url, instance) = server_with_instance(dir.path()).await;
    let file = dir.path().join("users.csv");
    write_csv(&file, 250);
    let output = Command::new(env!("CARGO_BIN_EXE_fedgate"))
        .args(["users", "import", "--database-url", &url, "--instance"])
        .arg(instance.as_str())
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("imported 250 users"));
    assert_eq!(users(&server, &instance).await, 250);

    // The same file again: every line is a duplicate, reported, and nothing changes.
    let output = Command::new(env!("CARGO_BIN_EXE_fedgate"))
        .args(["users", "import", "--database-url", &url, "--instance"])
        .arg(instance.as_str())
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 2: user login `agent000000` already exists"),
        "{stderr}"
    );
    assert!(
        stderr.contains("250 invalid rows; nothing was imported"),
        "{stderr}"
    );
    assert_eq!(users(&server, &instance).await, 250);
}

#[cfg(unix)]
#[tokio::test]
async fn an_import_killed_halfway_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (server, url, instance) = server_with_instance(dir.path()).await;
    let file = dir.path().join("users.csv");
    write_csv(&file, 20_000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_fedgate"))
        .args(["users", "import", "--database-url", &url, "--instance"])
        .arg(instance.as_str())
        .arg(&file)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let writing = lines.any(|line| line.is_ok_and(|l| l.contains("writing in one transaction")));
    assert!(writing, "the import never reached its writing phase");
    // Halfway into the transaction: once rows are in the write-ahead log (uncommitted), SIGKILL.
    let wal = dir.path().join("fedgate.db-wal");
    let mut polls = 0;
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 2_000_000 {
        polls += 1;
        assert!(polls < 3000, "the import wrote nothing in a minute");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import finished before it was killed"
    );

    assert_eq!(users(&server, &instance).await, 0);
    // Consistent: the same import runs to completion afterwards.
    let output = Command::new(env!("CARGO_BIN_EXE_fedgate"))
        .args(["users", "import", "--database-url", &url, "--instance"])
        .arg(instance.as_str())
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(users(&server, &instance).await, 20_000);
}
