//! Configuration and sign-in the way Genesys users work, through the binary: gc profiles in a
//! temporary HOME, precedence, access tokens, browser sign-in against the sandbox (the test
//! plays the browser), the saved token, log files, and shell completions.

mod common;

use common::Server;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use billing_sandbox::{DEFAULT_PKCE_CLIENT_ID, Sandbox, SandboxBuilder};

const SECRET: &str = "s3cr3t-in-a-profile-51d2";
const OCTOBER: [&str; 4] = ["--start", "2026-10-01", "--end", "2026-11-01"];

impl Server {
    fn start(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Server {
        let builder = Sandbox::builder()
            .client_credentials("cli-client", SECRET)
            .in_progress_polls(0)
            .report_usages(1)
            .report_resources_per_usage(1);
        Server::new(configure(builder))
    }

    fn url(&self) -> &str {
        self.sandbox.base_url()
    }

    /// The `Bearer` tokens the API saw, in order.
    fn bearer_tokens(&self) -> Vec<String> {
        self.sandbox
            .requests()
            .iter()
            .filter(|r| r.path().starts_with("/api/"))
            .filter_map(|r| {
                r.header("authorization")?
                    .strip_prefix("Bearer ")
                    .map(str::to_owned)
            })
            .collect()
    }

    fn token_requests(&self) -> usize {
        self.sandbox
            .requests()
            .iter()
            .filter(|r| r.path() == "/oauth/token")
            .count()
    }
}

/// A temporary HOME (with gc's `.gc/` and the cache directory under it).
struct Home(tempfile::TempDir);

impl Home {
    fn new() -> Home {
        Home(tempfile::tempdir().unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `~/.gc/config.toml`.
    fn gc_config(&self, text: &str) -> PathBuf {
        let dir = self.path().join(".gc");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn cache_dir(&self) -> PathBuf {
        self.path().join(".cache").join("genesys-billing")
    }

    fn bin(&self) -> Command {
        let mut cmd = common::bin_in(self.path());
        cmd.timeout(Duration::from_secs(30));
        cmd
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn run(cmd: &mut Command, code: i32) -> Output {
    let output = cmd.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    output
}

/// A gc file with a profile for the sandbox and others in each form gc writes.
fn gc_file(server: &Server) -> String {
    format!(
        r#"[DEFAULT]
environment = "{url}"
client_credentials = "cli-client"
client_secret = "{SECRET}"

[ireland]
environment = "eu-west-1"
client_credentials = "ie-client"
client_secret = "{SECRET}"

[frankfurt]
environment = "mypurecloud.de"
access_token = "{SECRET}"

[sydney]
environment = "ap_southeast_2"
grant_type = "pkce"
"#,
        url = server.url()
    )
}

// --- profiles ----------------------------------------------------------------------------

#[test]
fn profiles_list_and_show_say_where_each_value_comes_from_with_secrets_masked() {
    let server = Server::start(|b| b);
    let home = Home::new();
    let config = home.gc_config(&gc_file(&server));

    let list = stdout(&run(home.bin().args(["profiles", "list"]), 0));
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[1].starts_with("* DEFAULT"), "{list}");
    assert!(
        lines[2].contains("ireland") && lines[2].contains("eu-west-1"),
        "{list}"
    );
    assert!(
        lines[3].contains("mypurecloud.de") && lines[3].contains("access token"),
        "{list}"
    );
    assert!(
        lines[4].contains("ap_southeast_2") && lines[4].trim_end().ends_with('-'),
        "{list}"
    );

    let show = stdout(&run(
        home.bin().args(["-p", "ireland", "profiles", "show"]),
        0,
    ));
    assert!(
        show.contains("eu_west_1 (https://api.mypurecloud.ie)"),
        "{show}"
    );
    assert!(
        show.contains(&format!("profile ireland ({}:7)", config.display())),
        "{show}"
    );
    assert!(show.contains("client secret  ********"), "{show}");
    assert!(!show.contains(SECRET), "{show}");

    // The environment beats the profile, and a flag beats both.
    let show = stdout(&run(
        home.bin()
            .env("GENESYSCLOUD_REGION", "eu_central_1")
            .args(["profiles", "show", "ireland"]),
        0,
    ));
    assert!(
        show.contains("eu_central_1 (https://api.mypurecloud.de)  $GENESYSCLOUD_REGION"),
        "{show}"
    );
    let show = stdout(&run(
        home.bin().env("GENESYSCLOUD_REGION", "eu_central_1").args([
            "--region",
            "ap-northeast-1",
            "profiles",
            "show",
            "ireland",
        ]),
        0,
    ));
    assert!(
        show.contains("ap_northeast_1 (https://api.mypurecloud.jp)  --region"),
        "{show}"
    );

    // The profile named by the environment variable.
    let show = stdout(&run(
        home.bin()
            .env("GENESYSCLOUD_PROFILE", "frankfurt")
            .args(["profiles", "show"]),
        0,
    ));
    assert!(show.contains("access token   ********"), "{show}");
    assert!(show.contains("signs in with  the access token"), "{show}");
    assert!(!show.contains(SECRET), "{show}");
}

#[test]
fn a_bad_file_or_a_missing_profile_is_a_usage_error_naming_the_file_and_line() {
    let home = Home::new();
    let config =
        home.gc_config("[DEFAULT]\nenvironment = \"eu-west-1\"\nclient_secret = 'unterminated\n");
    let error = stderr(&run(home.bin().arg("usage").args(OCTOBER), 2));
    assert!(
        error.contains(&format!("{}:3:", config.display())),
        "{error}"
    );
    assert!(!error.contains("unterminated"), "{error}");

    let server = Server::start(|b| b);
    home.gc_config(&gc_file(&server));
    let error = stderr(&run(
        home.bin().args(["-p", "osaka", "usage"]).args(OCTOBER),
        2,
    ));
    assert!(
        error.contains("no profile [osaka]") && error.contains("ireland"),
        "{error}"
    );

    let missing = home.path().join("elsewhere.toml");
    let error = stderr(&run(
        home.bin()
            .arg("--config")
            .arg(&missing)
            .arg("usage")
            .args(OCTOBER),
        2,
    ));
    assert!(error.contains("does not exist"), "{error}");
}

#[test]
fn a_login_host_that_cannot_be_derived_is_not_guessed() {
    let home = Home::new();
    let error = stderr(&run(
        home.bin()
            .args(["--api-url", "https://billing.example.internal"])
            .args(["--client-id", "id", "--client-secret", SECRET, "usage"])
            .args(OCTOBER),
        2,
    ));
    assert!(
        error.contains("--api-url") && error.contains("--login-url"),
        "{error}"
    );
    assert!(!error.contains(SECRET), "{error}");
}

#[test]
fn without_a_gc_file_flags_alone_work() {
    let server = Server::start(|b| b);
    let home = Home::new();
    run(
        home.bin()
            .args(["--api-url", server.url(), "--login-url", server.url()])
            .args(["--client-id", "cli-client", "--client-secret", SECRET])
            .args(["usage", "-f", "json"])
            .args(OCTOBER),
        0,
    );
}

#[test]
fn the_default_profile_connects() {
    let server = Server::start(|b| b);
    let home = Home::new();
    home.gc_config(&gc_file(&server));
    let output = run(home.bin().args(["usage", "-f", "json"]).args(OCTOBER), 0);
    assert!(stdout(&output).contains("\"status\": \"Complete\""));
}

// --- access tokens -------------------------------------------------------------------------

#[test]
fn an_access_token_is_sent_as_is_and_a_refused_one_exits_5() {
    let server = Server::start(|b| b);
    let home = Home::new();
    home.gc_config(&gc_file(&server));
    // A real token: the one the client-credentials run got.
    run(home.bin().args(["usage", "-f", "json"]).args(OCTOBER), 0);
    let token = server.bearer_tokens().pop().unwrap();
    let token_requests = server.token_requests();

    run(
        home.bin()
            .env("GENESYSCLOUD_ACCESS_TOKEN", &token)
            .args(["usage", "-f", "json"])
            .args(OCTOBER),
        0,
    );
    assert_eq!(
        server.token_requests(),
        token_requests,
        "the token is not refreshed"
    );
    assert_eq!(server.bearer_tokens().pop().unwrap(), token);

    let refused = "made-up-token-0d5e";
    let output = run(
        home.bin()
            .args(["--access-token", refused, "usage", "-f", "json"])
            .args(OCTOBER),
        5,
    );
    let error = stderr(&output);
    assert!(error.contains("token refused or expired"), "{error}");
    assert!(error.contains("--access-token"), "{error}");
    assert!(!error.contains(refused), "{error}");
    assert_eq!(server.token_requests(), token_requests, "never refreshed");
}

// --- browser sign-in ----------------------------------------------------------------------

/// One HTTP/1.1 GET without following redirects: (status, Location).
fn get(url: &str) -> (u16, Option<String>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let location = response
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .map(str::to_owned);
    (status, location)
}

/// Runs `ARGS login --no-browser LOGIN_ARGS`, and plays the browser with
/// `browse(authorize_url)`.
fn login(home: &Home, args: &[&str], login_args: &[&str], browse: impl FnOnce(&str)) -> Output {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("genesys-billing"));
    common::isolate(&mut cmd, home.path());
    let mut child = cmd
        .args(args)
        .args(["login", "--no-browser"])
        .args(login_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    let url = loop {
        line.clear();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break None;
        }
        seen.push_str(&line);
        if let Some(at) = line.find("http://") {
            if line.contains("/oauth/authorize?") {
                break Some(line[at..].trim().to_owned());
            }
        }
    };
    if let Some(url) = url {
        browse(&url);
    }
    stderr.read_to_string(&mut seen).unwrap();
    let mut output = child.wait_with_output().unwrap();
    output.stderr = seen.into_bytes();
    output
}

#[test]
fn login_saves_a_private_token_that_later_commands_use_until_logout() {
    let server = Server::start(|b| b);
    let home = Home::new();
    let connection = ["--api-url", server.url(), "--login-url", server.url()];
    let mut args = connection.to_vec();
    args.extend(["--client-id", DEFAULT_PKCE_CLIENT_ID]);
    let output = login(&home, &args, &[], |url| {
        let (status, location) = get(url);
        assert_eq!(status, 302);
        let (status, _) = get(&location.unwrap());
        assert_eq!(status, 200);
    });
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("Signed in"), "{}", stderr(&output));

    let files: Vec<PathBuf> = std::fs::read_dir(home.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let saved = &files[0];
    assert!(
        saved
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("DEFAULT@127.0.0.1"),
        "{saved:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(saved).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // No client credentials anywhere: the saved sign-in is used.
    run(
        home.bin()
            .args(connection)
            .args(["usage", "-f", "json"])
            .args(OCTOBER),
        0,
    );
    let show = stdout(&run(
        home.bin().args(connection).args(["profiles", "show"]),
        0,
    ));
    assert!(show.contains("valid until"), "{show}");
    assert!(show.contains("signs in with  the saved sign-in"), "{show}");

    let output = run(home.bin().args(connection).arg("logout"), 0);
    assert!(
        stderr(&output).contains("Signed out"),
        "{}",
        stderr(&output)
    );
    assert!(!saved.exists());
    let error = stderr(&run(
        home.bin().args(connection).arg("usage").args(OCTOBER),
        2,
    ));
    assert!(error.contains("genesys-billing login"), "{error}");
}

#[test]
fn an_expired_saved_sign_in_says_so_and_exits_5() {
    let server = Server::start(|b| b);
    let home = Home::new();
    let connection = ["--api-url", server.url(), "--login-url", server.url()];
    let authority = server.url().trim_start_matches("http://").replace(':', "_");
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    let saved = home.cache_dir().join(format!("DEFAULT@{authority}.json"));
    std::fs::write(
        &saved,
        format!(
            r#"{{"access_token":"{SECRET}","expires_at":"2020-01-01T00:00:00Z","login":"{}/"}}"#,
            server.url()
        ),
    )
    .unwrap();

    let error = stderr(&run(
        home.bin().args(connection).arg("usage").args(OCTOBER),
        5,
    ));
    assert!(error.contains("expired at 2020-01-01 00:00 UTC"), "{error}");
    assert!(error.contains("genesys-billing login"), "{error}");
    assert!(!error.contains(SECRET), "{error}");
    assert!(
        server.bearer_tokens().is_empty(),
        "an expired token was sent"
    );

    let show = stdout(&run(
        home.bin().args(connection).args(["profiles", "show"]),
        0,
    ));
    assert!(show.contains("expired 2020-01-01 00:00 UTC"), "{show}");
    assert!(show.contains("the saved sign-in expired"), "{show}");
}

#[test]
fn login_uses_the_profiles_client_id_and_reports_a_declined_consent() {
    let server = Server::start(|b| b.deny_consent(true));
    let home = Home::new();
    home.gc_config(&format!(
        "[me]\nenvironment = \"{}\"\nclient_credentials = \"{DEFAULT_PKCE_CLIENT_ID}\"\n",
        server.url()
    ));
    let output = login(&home, &["-p", "me"], &[], |url| {
        let (status, location) = get(url);
        assert_eq!(status, 302);
        get(&location.unwrap());
    });
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert!(stderr(&output).contains("declined"), "{}", stderr(&output));
    assert!(
        !home.cache_dir().exists() || std::fs::read_dir(home.cache_dir()).unwrap().count() == 0
    );
}

#[test]
fn login_gives_up_when_the_browser_does_not_come_back() {
    let server = Server::start(|b| b);
    let home = Home::new();
    let connection = [
        "--api-url",
        server.url(),
        "--login-url",
        server.url(),
        "--client-id",
        DEFAULT_PKCE_CLIENT_ID,
    ];
    let output = login(&home, &connection, &["--timeout", "0.5"], |_| {});
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no sign-in redirect"),
        "{}",
        stderr(&output)
    );
}

// --- logs ----------------------------------------------------------------------------------

#[test]
fn log_files_in_both_formats_hold_the_log_but_no_secret() {
    let server = Server::start(|b| b);
    let home = Home::new();
    home.gc_config(&gc_file(&server));
    for format in ["text", "json"] {
        let log = home.path().join(format!("billing-{format}.log"));
        std::fs::write(&log, "an earlier line\n").unwrap();
        run(
            home.bin()
                .arg("--log-file")
                .arg(&log)
                .args(["--log-format", format, "usage", "-f", "json"])
                .args(OCTOBER),
            0,
        );
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.starts_with("an earlier line\n"), "appended: {text}");
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert!(
            lines
                .iter()
                .any(|l| l.contains("getBillingReportsBillableusage")),
            "{text}"
        );
        if format == "json" {
            for line in &lines {
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap_or_else(|e| panic!("{e}: {line}"));
            }
        }
        assert!(!text.contains(SECRET), "{text}");
        for token in server.bearer_tokens() {
            assert!(
                !text.contains(&token),
                "the access token is in the log: {text}"
            );
        }
    }
}

#[test]
fn the_profile_can_turn_the_log_file_on() {
    let server = Server::start(|b| b);
    let home = Home::new();
    let log = home.path().join("from-profile.log");
    home.gc_config(&format!(
        "{}\n[logged]\nenvironment = \"{}\"\nclient_credentials = \"cli-client\"\nclient_secret = \"{SECRET}\"\nlogging_enabled = true\nlog_file_path = \"{}\"\n",
        gc_file(&server),
        server.url(),
        log.display()
    ));
    run(home.bin().args(["usage", "-f", "json"]).args(OCTOBER), 0);
    assert!(!log.exists(), "the DEFAULT profile does not log");
    run(
        home.bin()
            .args(["-p", "logged", "usage", "-f", "json"])
            .args(OCTOBER),
        0,
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("getBillingReportsBillableusage"), "{text}");
    assert!(!text.contains(SECRET));
}

// --- completions ---------------------------------------------------------------------------

#[test]
fn completion_scripts_for_every_shell_and_bash_can_source_its_own() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = stdout(&run(home.bin().args(["completions", shell]), 0));
        assert!(script.contains("genesys-billing"), "{shell}");
        assert!(
            script.contains("login") && script.contains("profile"),
            "{shell}"
        );
    }
    let script = home.path().join("genesys-billing.bash");
    std::fs::write(
        &script,
        run(home.bin().args(["completions", "bash"]), 0).stdout,
    )
    .unwrap();
    let Ok(bash) = StdCommand::new("bash")
        .arg("-c")
        .arg(format!(
            "set -e; source '{}'; complete -p genesys-billing",
            script.display()
        ))
        .output()
    else {
        panic!("bash is needed for this test");
    };
    assert!(
        bash.status.success(),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    assert!(
        String::from_utf8_lossy(&bash.stdout).contains("genesys-billing"),
        "{}",
        String::from_utf8_lossy(&bash.stdout)
    );
}
