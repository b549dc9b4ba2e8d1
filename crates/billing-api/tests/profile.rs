//! gc's `config.toml`: profiles in every form gc writes, bad files, the precedence of flags,
//! environment and profile, and clients configured from a profile against the sandbox.

use std::path::{Path, PathBuf};

use billing_api::profile::{
    Auth, ConfigError, ConfigFile, Overrides, Profile, Secret, Settings, Source,
};
use billing_api::{Client, Region};
use billing_sandbox::Sandbox;
use chrono::{TimeZone, Utc};

const SECRET: &str = "s3cr3t-from-the-profile-9c1e";
const TOKEN: &str = "token-from-the-profile-4b7d";

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn gc_file() -> String {
    format!(
        r#"[DEFAULT]
environment = "mypurecloud.ie"
client_credentials = "default-client"
client_secret = "{SECRET}"
output_format = "JSON"
auto_pagination_enabled = true

[frankfurt]
environment = "eu-central-1"
client_credentials = "fra-client"
client_secret = "{SECRET}"

[tokyo]
environment = "ap_northeast_1"
access_token = "{TOKEN}"
logging_enabled = true
log_file_path = "/tmp/gc.log"

[private]
environment = "example.pure.cloud"
proxy_protocol = "http"
proxy_host = "proxy.example.com"
proxy_port = "3128"
proxy_username = "me@example.com"
proxy_password = "{SECRET}"
client_secret = ""

[quiet]
environment = "us-west-2"
logging_enabled = false
log_file_path = "/tmp/never.log"
"#
    )
}

fn none(_: &str) -> Option<String> {
    None
}

#[test]
fn every_form_gc_writes_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &gc_file());
    let file = ConfigFile::read(&path).unwrap();
    let names: Vec<&str> = file.profiles().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["DEFAULT", "frankfurt", "tokyo", "private", "quiet"]);

    let region = |name: &str| {
        let settings = Settings::resolve(
            &Overrides::default(),
            none,
            Some(file.profile(name).unwrap()),
        )
        .unwrap();
        settings.environment.value.region()
    };
    assert_eq!(region("DEFAULT"), Some(Region::EuWest1));
    assert_eq!(region("frankfurt"), Some(Region::EuCentral1));
    assert_eq!(region("tokyo"), Some(Region::ApNortheast1));
    assert_eq!(region("quiet"), Some(Region::UsWest2));

    let default = file.profile("DEFAULT").unwrap();
    assert_eq!(default.client_id.as_ref().unwrap().value, "default-client");
    assert_eq!(default.client_id.as_ref().unwrap().line, 3);
    assert_eq!(
        default.client_secret.as_ref().unwrap().value.expose(),
        SECRET
    );

    let private = file.profile("private").unwrap();
    let settings = Settings::resolve(&Overrides::default(), none, Some(private)).unwrap();
    assert_eq!(
        settings.environment.value.api_base(),
        "https://api.example.pure.cloud"
    );
    assert_eq!(
        settings.environment.value.login_base(),
        "https://login.example.pure.cloud"
    );
    let proxy = &private.proxy.as_ref().unwrap().value;
    assert_eq!(proxy.url(), "http://proxy.example.com:3128");
    assert_eq!(proxy.username.as_deref(), Some("me@example.com"));
    // gc writes empty strings for what is not set.
    assert!(private.client_secret.is_none());

    // Logging only when enabled.
    let tokyo = Settings::resolve(&Overrides::default(), none, file.profile("tokyo").ok()).unwrap();
    assert_eq!(tokyo.log_file.unwrap().value, PathBuf::from("/tmp/gc.log"));
    let quiet = Settings::resolve(&Overrides::default(), none, file.profile("quiet").ok()).unwrap();
    assert!(quiet.log_file.is_none());

    // Nothing secret in Debug.
    let shown = format!("{file:?}");
    assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
}

#[test]
fn a_file_that_is_not_toml_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "[DEFAULT]\nenvironment = \"mypurecloud.ie\"\nclient_secret = \"unterminated\n",
    );
    let error = ConfigFile::read(&path).unwrap_err();
    match &error {
        ConfigError::Syntax { path: p, line, .. } => {
            assert_eq!(p, &path);
            assert_eq!(*line, 3);
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("{}:3:", path.display())),
        "{message}"
    );
    assert!(
        !message.contains("unterminated"),
        "the line is not quoted: {message}"
    );
}

#[test]
fn a_value_of_the_wrong_kind_names_its_line_and_hides_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "[DEFAULT]\n\nlogging_enabled = \"often\"\n");
    let error = ConfigFile::read(&path).unwrap_err();
    assert!(
        matches!(error, ConfigError::Syntax { line: 3, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("true or false"), "{error}");

    let path = write(dir.path(), "[DEFAULT]\nclient_secret = 982451653\n");
    let error = ConfigFile::read(&path).unwrap_err();
    assert!(
        matches!(error, ConfigError::Syntax { line: 2, .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains("982451653"), "{error}");

    let path = write(
        dir.path(),
        "[DEFAULT]\nproxy_host = \"p\"\nproxy_port = \"99999\"\n",
    );
    let error = ConfigFile::read(&path).unwrap_err();
    assert!(
        matches!(error, ConfigError::Syntax { line: 3, .. }),
        "{error:?}"
    );

    let path = write(dir.path(), "[DEFAULT]\nproxy_host = \"proxy/../x\"\n");
    let error = ConfigFile::read(&path).unwrap_err();
    assert!(
        error.to_string().contains(&format!("{}:2", path.display())),
        "{error}"
    );

    let path = write(dir.path(), "[eu]\n\nenvironment = \"atlantis-1\"\n");
    let error = ConfigFile::read(&path).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains(&format!("{}:3", path.display())) && message.contains("atlantis-1"),
        "{message}"
    );
}

#[test]
fn profiles_and_files_that_are_not_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &gc_file());
    let error = Profile::load(Some(&path), Some("osaka")).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("[osaka]") && message.contains("frankfurt, tokyo"),
        "{message}"
    );
    assert!(matches!(error, ConfigError::UnknownProfile { .. }));

    let missing = dir.path().join("nope.toml");
    assert!(matches!(
        Profile::load(Some(&missing), None),
        Err(ConfigError::NotFound { .. })
    ));
    let only_named = write(dir.path(), "[eu]\nenvironment = \"eu-west-1\"\n");
    // A named file without DEFAULT, no profile asked for: no profile, no error.
    assert!(Profile::load(Some(&only_named), None).unwrap().is_none());
    let eu = Profile::load(Some(&only_named), Some("eu"))
        .unwrap()
        .unwrap();
    assert_eq!(eu.name, "eu");
}

#[test]
fn flags_beat_the_environment_which_beats_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &gc_file());
    let file = ConfigFile::read(&path).unwrap();
    let profile = file.profile("DEFAULT").unwrap();
    let env = |name: &str| match name {
        "GENESYSCLOUD_REGION" => Some("eu_central_1".to_owned()),
        "GENESYSCLOUD_OAUTHCLIENT_ID" => Some("env-client".to_owned()),
        _ => None,
    };

    // Profile alone.
    let settings = Settings::resolve(&Overrides::default(), none, Some(profile)).unwrap();
    assert_eq!(settings.environment.value.region(), Some(Region::EuWest1));
    assert_eq!(
        settings.environment.source,
        Source::Profile {
            profile: "DEFAULT".into(),
            path: path.clone(),
            line: 2
        }
    );
    assert_eq!(
        settings.environment.source.to_string(),
        format!("profile DEFAULT ({}:2)", path.display())
    );

    // The environment over the profile.
    let settings = Settings::resolve(&Overrides::default(), env, Some(profile)).unwrap();
    assert_eq!(
        settings.environment.value.region(),
        Some(Region::EuCentral1)
    );
    assert_eq!(
        settings.environment.source,
        Source::Env("GENESYSCLOUD_REGION")
    );
    assert_eq!(settings.client_id.as_ref().unwrap().value, "env-client");
    // What the environment does not set still comes from the profile.
    assert!(matches!(
        settings.client_secret.as_ref().unwrap().source,
        Source::Profile { line: 4, .. }
    ));

    // Flags over both; an API URL over a region at the same level.
    let mut flags = Overrides::default();
    flags.region = Some("ap-southeast-2".into());
    flags.client_id = Some("flag-client".into());
    let settings = Settings::resolve(&flags, env, Some(profile)).unwrap();
    assert_eq!(
        settings.environment.value.region(),
        Some(Region::ApSoutheast2)
    );
    assert_eq!(settings.environment.source, Source::Flag("--region"));
    assert_eq!(settings.client_id.as_ref().unwrap().value, "flag-client");
    flags.api_url = Some("http://127.0.0.1:9".into());
    let settings = Settings::resolve(&flags, env, Some(profile)).unwrap();
    assert_eq!(settings.environment.value.api_base(), "http://127.0.0.1:9");
    assert_eq!(settings.environment.source, Source::Flag("--api-url"));

    // Defaults.
    let settings = Settings::resolve(&Overrides::default(), none, None).unwrap();
    assert_eq!(settings.environment.value.region(), Some(Region::UsEast1));
    assert_eq!(settings.environment.source, Source::Default);
    assert!(matches!(settings.auth(), Auth::None));

    // A bad value names where it came from.
    let bad = |name: &str| (name == "GENESYSCLOUD_REGION").then(|| "atlantis".to_owned());
    let error = Settings::resolve(&Overrides::default(), bad, Some(profile)).unwrap_err();
    assert!(
        error.to_string().contains("$GENESYSCLOUD_REGION"),
        "{error}"
    );
}

#[test]
fn an_access_token_is_used_unless_credentials_come_from_higher_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &gc_file());
    let file = ConfigFile::read(&path).unwrap();

    // The profile has a token only.
    let settings =
        Settings::resolve(&Overrides::default(), none, file.profile("tokyo").ok()).unwrap();
    assert!(matches!(settings.auth(), Auth::AccessToken(_)));

    // Credentials from the environment beat the profile's token.
    let env = |name: &str| match name {
        "GENESYSCLOUD_OAUTHCLIENT_ID" => Some("id".to_owned()),
        "GENESYSCLOUD_OAUTHCLIENT_SECRET" => Some("secret".to_owned()),
        _ => None,
    };
    let settings =
        Settings::resolve(&Overrides::default(), env, file.profile("tokyo").ok()).unwrap();
    assert!(matches!(settings.auth(), Auth::ClientCredentials { .. }));

    // A token flag beats credentials from the environment and the profile.
    let mut flags = Overrides::default();
    flags.access_token = Some(Secret::new("flag-token"));
    let settings = Settings::resolve(&flags, env, file.profile("DEFAULT").ok()).unwrap();
    match settings.auth() {
        Auth::AccessToken(token) => {
            assert_eq!(token.value.expose(), "flag-token");
            assert_eq!(token.source, Source::Flag("--access-token"));
        }
        other => panic!("expected the token, got {other:?}"),
    }
}

/// A profile pointing at a sandbox, as a user would write it for a local server.
fn sandbox_profile(dir: &Path, sandbox: &Sandbox, auth: &str) -> Profile {
    let path = write(
        dir,
        &format!(
            "[local]\nenvironment = \"{}\"\n{auth}\n",
            sandbox.base_url()
        ),
    );
    Profile::load(Some(&path), Some("local")).unwrap().unwrap()
}

fn october() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (
        Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
    )
}

#[tokio::test]
async fn a_profile_configures_a_client_with_credentials() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let profile = sandbox_profile(
        dir.path(),
        &sandbox,
        &format!(
            "client_credentials = \"{}\"\nclient_secret = \"{}\"",
            sandbox.client_id(),
            sandbox.client_secret()
        ),
    );
    let client = profile
        .configure(Client::builder())
        .unwrap()
        .build()
        .unwrap();
    let (start, end) = october();
    client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_profile_access_token_is_sent_as_is_and_its_refusal_is_an_auth_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let profile = sandbox_profile(
        dir.path(),
        &sandbox,
        "access_token = \"expired-or-made-up\"",
    );
    let client = profile
        .configure(Client::builder())
        .unwrap()
        .build()
        .unwrap();
    let (start, end) = october();
    let error = client
        .get_billing_reports_billableusage(start, end)
        .await
        .unwrap_err();
    assert!(error.is_auth(), "{error:?}");
    assert_eq!(error.status(), Some(http::StatusCode::UNAUTHORIZED));
    let requests = sandbox.requests();
    // Sent once, as it is, and never refreshed: no token request.
    assert!(requests.iter().all(|r| r.path() != "/oauth/token"));
    let api: Vec<_> = requests
        .iter()
        .filter(|r| r.path().starts_with("/api/"))
        .collect();
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].header("authorization"),
        Some("Bearer expired-or-made-up")
    );
}
