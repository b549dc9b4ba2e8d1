//! The `genesys-billing` binary, run as a user would: against `--sandbox` and against a sandbox
//! started here (so faults, credentials and the date can be set), every command and format,
//! with snapshots of what it prints and checks of exit codes and secrets.

mod common;

use std::process::Output;

use assert_cmd::Command;
use billing_sandbox::{Fault, FaultRule, Sandbox, SandboxBuilder};
use chrono::NaiveDate;
use common::{Server, bin};

const SECRET: &str = "s3cr3t-never-print-7f9a";

impl Server {
    /// A small, reproducible sandbox: billing period 0 is October 2026, reports are complete
    /// at once and small enough to read in a snapshot.
    fn start(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Server {
        let builder = Sandbox::builder()
            .client_credentials("cli-test-client", SECRET)
            .in_progress_polls(0)
            .report_usages(3)
            .report_resources_per_usage(4)
            .trustor_orgs(2)
            .today(NaiveDate::from_ymd_opt(2026, 10, 15).unwrap());
        Server::new(configure(builder))
    }

    fn org(&self, i: usize) -> &str {
        &self.sandbox.trustor_org_ids()[i]
    }
}

const OCTOBER: [&str; 4] = ["--start", "2026-10-01", "--end", "2026-11-01"];

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Runs and checks the exit code, showing stderr when it is not the expected one.
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

/// Correlation ids (and other UUIDs) change on every run.
macro_rules! redacted {
    ($($body:tt)*) => {
        insta::with_settings!({filters => vec![
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
        ]}, { $($body)* })
    };
}

// --- --sandbox: what a new user runs first ---------------------------------------------

#[test]
fn sandbox_usage_prints_a_table() {
    let output = run(
        bin()
            .args(["--sandbox", "usage", "--format", "table"])
            .args(OCTOBER),
        0,
    );
    insta::assert_snapshot!(stdout(&output));
    assert_eq!(
        stderr(&output),
        "",
        "nothing on stderr when it is not a terminal"
    );
}

#[test]
fn sandbox_overview_defaults_to_the_sandbox_orgs() {
    let output = run(
        bin().args(["--sandbox", "overview", "--period", "1", "-f", "table"]),
        0,
    );
    // Period 1 is the month before the current one: its dates depend on today.
    insta::with_settings!({filters => vec![
        (r"\d{4}-\d{2}-\d{2}", "[date]"),
    ]}, {
        insta::assert_snapshot!(stdout(&output));
    });
    assert_eq!(stdout(&output).matches("(org ").count(), 3);
}

#[test]
fn without_a_terminal_the_default_format_is_json() {
    let output = run(
        bin()
            .args(["--sandbox", "usage", "--interval", "0.05"])
            .args(OCTOBER),
        0,
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "Complete");
    assert_eq!(report["usages"].as_array().unwrap().len(), 8);
}

// --- usage against a sandbox started here ------------------------------------------------

#[test]
fn usage_in_every_format() {
    let server = Server::start(|b| b);
    for format in ["table", "csv", "json", "ndjson"] {
        let output = run(server.cmd().args(["usage", "-f", format]).args(OCTOBER), 0);
        insta::assert_snapshot!(format!("usage_{format}"), stdout(&output));
    }
}

#[test]
fn usage_csv_parses_back_with_one_row_per_resource() {
    let server = Server::start(|b| b.report_usages(5).report_resources_per_usage(7));
    let json = run(server.cmd().args(["usage", "-f", "json"]).args(OCTOBER), 0);
    let report: billing_models::BillingUsageReport = serde_json::from_slice(&json.stdout).unwrap();
    let resources: usize = report.usages.iter().map(|u| u.resources.len()).sum();
    assert!(resources > 5);

    let csv = run(server.cmd().args(["usage", "-f", "csv"]).args(OCTOBER), 0);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "usage_name",
            "total_usage",
            "resource_name",
            "resource_date",
            "start_date",
            "end_date"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), resources);
    let first = &report.usages[0];
    assert_eq!(&rows[0][0], first.name);
    assert_eq!(&rows[0][1], first.total_usage);
    assert_eq!(&rows[0][2], first.resources[0].name);
    assert_eq!(&rows[0][4], "2026-10-01T00:00:00.000Z");
}

#[test]
fn usage_waits_through_in_progress() {
    let server = Server::start(|b| b.in_progress_polls(2));
    let output = run(
        server
            .cmd()
            .args(["usage", "--interval", "0.05", "-f", "json"])
            .args(OCTOBER),
        0,
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "Complete");
    let api_requests = server
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/api/"))
        .count();
    assert_eq!(api_requests, 3);
}

#[test]
fn no_wait_prints_the_status_and_exits_3_when_not_complete() {
    let server = Server::start(|b| b.in_progress_polls(1));
    let output = run(
        server
            .cmd()
            .args(["usage", "--no-wait", "-f", "json"])
            .args(OCTOBER),
        3,
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "InProgress");
    insta::assert_snapshot!(stderr(&output), @"note: the report is still InProgress; run again in a few seconds (or without --no-wait)");

    // The next request finds it complete.
    let output = run(
        server
            .cmd()
            .args(["usage", "--no-wait", "-f", "ndjson"])
            .args(OCTOBER),
        0,
    );
    assert_eq!(stdout(&output).lines().count(), 1);
}

#[test]
fn waiting_longer_than_timeout_exits_3() {
    let server = Server::start(|b| b.in_progress_polls(100));
    let output = run(
        server
            .cmd()
            .args(["usage", "--interval", "0.1", "--timeout", "0.3"])
            .args(OCTOBER),
        3,
    );
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert!(
        err.starts_with("error: the billable usage report was still InProgress"),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
}

#[test]
fn output_file_takes_its_format_from_the_extension() {
    let server = Server::start(|b| b);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.csv");
    let output = run(
        server
            .cmd()
            .args(["usage", "--output"])
            .arg(&path)
            .args(OCTOBER),
        0,
    );
    assert_eq!(stdout(&output), "");
    let json = run(server.cmd().args(["usage", "-f", "json"]).args(OCTOBER), 0);
    let report: billing_models::BillingUsageReport = serde_json::from_slice(&json.stdout).unwrap();
    let resources: usize = report.usages.iter().map(|u| u.resources.len()).sum();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    assert_eq!(reader.records().count(), resources);
}

#[test]
fn an_output_file_in_a_missing_folder_is_refused_before_anything_is_fetched() {
    let server = Server::start(|b| b);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-folder").join("usage.csv");
    let output = run(
        server
            .cmd()
            .args(["usage", "--output"])
            .arg(&path)
            .args(OCTOBER),
        2,
    );
    let err = stderr(&output);
    assert!(err.contains("does not exist"), "{err}");
    assert!(server.sandbox.requests().is_empty(), "nothing is fetched");
    assert!(!path.exists());
}

// --- overview against a sandbox started here ---------------------------------------------

#[test]
fn overview_in_every_format() {
    let server = Server::start(|b| b);
    for format in ["table", "csv", "json", "ndjson"] {
        let output = run(
            server
                .cmd()
                .args(["overview", "--period", "1", "-f", format])
                .args(["--trustor", server.org(0), "--trustor", server.org(1)]),
            0,
        );
        insta::assert_snapshot!(format!("overview_{format}"), stdout(&output));
    }
}

#[test]
fn overview_csv_parses_back_with_one_row_per_usage_line() {
    let server = Server::start(|b| b.trustor_orgs(4));
    let orgs = server.sandbox.trustor_org_ids().to_vec();
    let mut json_cmd = server.cmd();
    json_cmd.args(["overview", "-f", "json", "--concurrency", "2"]);
    let mut csv_cmd = server.cmd();
    csv_cmd.args(["overview", "-f", "csv", "--period", "0"]);
    for org in &orgs {
        json_cmd.args(["--trustor", org]);
        csv_cmd.args(["--trustor", org]);
    }
    let json = run(&mut json_cmd, 0);
    let overviews: Vec<billing_models::TrusteeBillingOverview> =
        serde_json::from_slice(&json.stdout).unwrap();
    let ids: Vec<&str> = overviews
        .iter()
        .map(|o| o.organization.id.as_deref().unwrap())
        .collect();
    assert_eq!(
        ids, orgs,
        "in the order given, whatever order they completed in"
    );

    let csv = run(&mut csv_cmd, 0);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "org_id");
    assert_eq!(&headers[2], "billing_period_index");
    assert_eq!(headers.len(), 16);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let lines: usize = overviews.iter().map(|o| o.usages.len()).sum();
    assert_eq!(rows.len(), lines);
    for (org, overview) in orgs.iter().zip(&overviews) {
        let mine: Vec<_> = rows.iter().filter(|r| &r[0] == org).collect();
        assert_eq!(mine.len(), overview.usages.len());
        assert!(
            mine.iter()
                .all(|r| &r[2] == "0" && r[3] == overview.currency)
        );
        assert_eq!(&mine[0][4], overview.usages[0].name);
    }
}

#[test]
fn trustors_file_skips_comments_blank_lines_and_repeats() {
    let server = Server::start(|b| b);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orgs.txt");
    std::fs::write(
        &file,
        format!(
            "# customers\n{}\n\n{}  # second\n{}\n",
            server.org(1),
            server.org(0),
            server.org(1)
        ),
    )
    .unwrap();
    let output = run(
        server
            .cmd()
            .args(["overview", "-f", "ndjson", "--trustors-file"])
            .arg(&file),
        0,
    );
    let ids: Vec<String> = stdout(&output)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["organization"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids, [server.org(1), server.org(0)]);
}

#[test]
fn an_unknown_org_is_reported_and_the_others_still_print() {
    let server = Server::start(|b| b);
    let output = run(
        server.cmd().args([
            "overview",
            "-f",
            "json",
            "--trustor",
            server.org(0),
            "--trustor",
            "no-such-org",
            "--trustor",
            server.org(1),
        ]),
        4,
    );
    let printed: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed.len(), 2);
    redacted! {
        insta::assert_snapshot!(stderr(&output), @r"
        error: org no-such-org: getBillingTrusteebillingoverviewTrustorOrgId failed: HTTP 404 Not Found: The requested resource was not found. (code not.found) [correlation id [uuid]]
        hint: check the trustor org id: it must be a customer org that trusts this partner org
        1 of 3 orgs failed
        ");
    }
}

// --- errors and exit codes ---------------------------------------------------------------

#[test]
fn a_bad_date_is_a_usage_error_that_shows_the_accepted_forms() {
    let output = run(
        bin().args([
            "--sandbox",
            "usage",
            "--start",
            "1/10/2026",
            "--end",
            "2026-11-01",
        ]),
        2,
    );
    assert_eq!(stdout(&output), "");
    insta::assert_snapshot!(stderr(&output), @r"
    error: invalid value '1/10/2026' for '--start <DATE>': not a date; use a date such as 2026-10-01 (midnight UTC) or an RFC 3339 date-time such as 2026-10-01T00:00:00Z or 2026-10-01T02:00:00+02:00

    For more information, try '--help'.
    ");
}

#[test]
fn an_empty_period_is_refused_before_anything_is_sent() {
    let server = Server::start(|b| b);
    let output = run(
        server.cmd().args([
            "usage",
            "--start",
            "2026-11-01",
            "--end",
            "2026-10-01T00:00:00+02:00",
        ]),
        2,
    );
    insta::assert_snapshot!(stderr(&output), @r"
    error: --end must be after --start
    hint: the period is [--start, --end), e.g. --start 2026-10-01 --end 2026-11-01
    ");
    assert!(server.sandbox.requests().is_empty());
}

#[test]
fn missing_credentials_are_a_usage_error() {
    let output = run(bin().args(["usage"]).args(OCTOBER), 2);
    insta::assert_snapshot!(stderr(&output), @r"
    error: no OAuth client id: pass --client-id or set GENESYSCLOUD_OAUTHCLIENT_ID
    hint: use an OAuth client of the client-credentials type (flags, environment or a gc profile), an access token (--access-token), or sign in with `genesys-billing login`; or try --sandbox to see the tool without an account
    ");
}

#[test]
fn a_refused_api_url_is_named_by_where_it_came_from() {
    let flag = run(
        bin()
            .args(["--api-url", "http://api.example.com"])
            .args(["--access-token", SECRET])
            .args(["contracts", "list"]),
        2,
    );
    let err = stderr(&flag);
    assert!(
        err.starts_with(
            "error: configuration: --api-url: refusing to use credentials over plain HTTP"
        ),
        "{err}"
    );
    let env = run(
        bin()
            .env("GENESYSCLOUD_API_URL", "http://api.example.com")
            .args(["--access-token", SECRET])
            .args(["contracts", "list"]),
        2,
    );
    let err = stderr(&env);
    assert!(
        err.starts_with("error: configuration: $GENESYSCLOUD_API_URL: refusing"),
        "{err}"
    );
    assert!(!err.contains(SECRET));
}

#[test]
fn an_api_url_without_api_asks_for_the_login_url() {
    let output = run(
        bin()
            .args(["--api-url", "https://billing.example.internal"])
            .args(["--client-id", "id", "--client-secret", SECRET])
            .arg("usage")
            .args(OCTOBER),
        2,
    );
    insta::assert_snapshot!(stderr(&output), @r"
    error: environment from --api-url: cannot derive the login URL from https://billing.example.internal: its host does not start with `api.`; give the login URL too (--login-url / GENESYSCLOUD_LOGIN_URL)
    hint: --region takes a name such as us_east_1 or eu_west_1 or a domain such as mypurecloud.ie; --api-url/--login-url take absolute URLs
    ");
    assert!(!stderr(&output).contains(SECRET));
}

#[test]
fn credentials_come_from_the_environment_too() {
    let server = Server::start(|b| b);
    let output = run(
        bin()
            .env("GENESYSCLOUD_API_URL", server.sandbox.base_url())
            .env("GENESYSCLOUD_LOGIN_URL", server.sandbox.base_url())
            .env("GENESYSCLOUD_OAUTHCLIENT_ID", server.sandbox.client_id())
            .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)
            .args(["usage", "-f", "ndjson"])
            .args(OCTOBER),
        0,
    );
    assert_eq!(stdout(&output).lines().count(), 1);
}

#[test]
fn a_wrong_secret_exits_5_without_echoing_it() {
    let server = Server::start(|b| b);
    let wrong = "wrong-secret-4c1d";
    let base = server.sandbox.base_url();
    let output = run(
        bin()
            .args(["--api-url", base, "--login-url", base])
            .args(["--client-id", "cli-test-client", "--client-secret", wrong])
            .args(["usage"])
            .args(OCTOBER),
        5,
    );
    let err = stderr(&output);
    assert!(!err.contains(wrong), "{err}");
    assert_eq!(stdout(&output), "");
    insta::assert_snapshot!(err, @r"
    error: authentication failed: token endpoint answered 401 Unauthorized: invalid_client (authentication failed); check the client id and secret, and that the OAuth client is of the client-credentials type
    hint: the credentials come from --client-id/--client-secret or GENESYSCLOUD_OAUTHCLIENT_ID/GENESYSCLOUD_OAUTHCLIENT_SECRET; also check that --region is the region of the org that owns the OAuth client
    ");
}

#[test]
fn an_unreachable_token_endpoint_is_not_blamed_on_the_secret() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let output = run(
        bin()
            .args(["--api-url", &base, "--login-url", &base])
            .args(["--client-id", "id", "--client-secret", "secret"])
            .args(["usage"])
            .args(OCTOBER),
        1,
    );
    let err = stderr(&output);
    assert!(err.contains("could not reach the token endpoint"), "{err}");
    assert!(err.contains("hint: check the network"), "{err}");
}

#[test]
fn rate_limited_beyond_the_cap_exits_6_with_the_wait() {
    let server = Server::start(|b| b);
    server.sandbox.inject(
        FaultRule::new(Fault::TooManyRequests {
            retry_after_secs: Some(3600),
        })
        .path_prefix("/api/"),
    );
    let output = run(server.cmd().args(["usage"]).args(OCTOBER), 6);
    assert_eq!(stdout(&output), "");
    redacted! {
        insta::assert_snapshot!(stderr(&output), @r"
        error: getBillingReportsBillableusage failed: HTTP 429 Too Many Requests: Rate limit exceeded the maximum. Retry the request in [3600] seconds (code too.many.requests.retry.after); retry after 3600s [correlation id [uuid]]
        hint: the API rate limit is exhausted; wait 3600 s (1 h) and run again
        ");
    }
}

#[test]
fn a_proxys_html_error_page_stays_on_the_one_error_line() {
    let server = Server::start(|b| b);
    server.sandbox.inject(
        FaultRule::new(Fault::BadGateway)
            .times(20)
            .path_prefix("/api/"),
    );
    let output = run(server.cmd().args(["usage"]).args(OCTOBER), 1);
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "an error line and a hint line: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(
        lines[0].contains("HTTP 502 Bad Gateway: <html> <head>"),
        "{err}"
    );
    assert!(lines[1].starts_with("hint: "), "{err}");
}

#[test]
fn overview_rate_limited_for_every_org_exits_6() {
    let server = Server::start(|b| b);
    server.sandbox.inject(
        FaultRule::new(Fault::TooManyRequests {
            retry_after_secs: Some(600),
        })
        .times(2)
        .path_prefix("/api/"),
    );
    let output = run(
        server.cmd().args([
            "overview",
            "--trustor",
            server.org(0),
            "--trustor",
            server.org(1),
        ]),
        6,
    );
    assert_eq!(stdout(&output), "", "nothing succeeded, nothing printed");
    let err = stderr(&output);
    assert_eq!(err.matches("error: org ").count(), 2, "{err}");
    assert_eq!(err.matches("hint: ").count(), 1, "one hint for both: {err}");
}

// --- secrets -----------------------------------------------------------------------------

#[test]
fn verbose_logs_requests_but_never_the_secret_or_the_token() {
    let server = Server::start(|b| b.in_progress_polls(1));
    let mut all = String::new();
    for args in [
        vec!["usage", "--interval", "0.05", "-f", "json"],
        vec![
            "overview",
            "--trustor",
            server.org(0),
            "--trustor",
            "no-such-org",
        ],
    ] {
        let output = server
            .cmd()
            .arg("--verbose")
            .args(&args)
            .args(if args[0] == "usage" {
                &OCTOBER[..]
            } else {
                &[]
            })
            .output()
            .unwrap();
        all.push_str(&stdout(&output));
        let err = stderr(&output);
        assert!(err.contains("DEBUG"), "--verbose logs: {err}");
        assert!(
            err.contains("getBillingReportsBillableusage")
                || err.contains("getBillingTrusteebillingoverviewTrustorOrgId")
        );
        all.push_str(&err);
    }
    // Everything secret that went over the wire: the secret, the Basic credentials made
    // from it, and every bearer token issued.
    let mut secrets = vec![SECRET.to_owned()];
    for request in server.sandbox.requests() {
        if let Some(auth) = request.header("authorization") {
            let value = auth.split_once(' ').map_or(auth, |(_, v)| v);
            secrets.push(value.to_owned());
        }
    }
    assert!(
        secrets.len() >= 3,
        "the token request and API requests were seen: {secrets:?}"
    );
    for secret in &secrets {
        assert!(!all.contains(secret.as_str()), "{secret:?} was printed");
    }
}

#[test]
fn help_documents_exit_codes_and_hides_the_secret_from_the_environment() {
    let output = run(
        bin()
            .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)
            .env("GENESYSCLOUD_OAUTHCLIENT_ID", "visible-client-id")
            .arg("--help"),
        0,
    );
    let help = stdout(&output);
    assert!(!help.contains(SECRET));
    assert!(!help.contains("visible-client-id"));
    insta::assert_snapshot!(help);
    for command in ["usage", "overview"] {
        let output = run(bin().args([command, "--help"]), 0);
        insta::assert_snapshot!(format!("help_{command}"), stdout(&output));
    }
}

#[test]
fn the_binary_runs_with_a_temporary_home_and_none_of_the_shells_settings() {
    let home = common::shared_home().display().to_string();
    let output = bin().args(["profiles", "list"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    // gc's file is looked for in the temporary HOME only.
    assert!(
        text.contains(&format!("no configuration file at {home}/.gc/config.toml")),
        "{text}"
    );

    let output = bin().args(["profiles", "show"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    // So is the saved sign-in, and no setting comes from the shell.
    assert!(
        text.contains(&format!("{home}/.cache/genesys-billing/")),
        "{text}"
    );
    assert!(!text.contains("GENESYSCLOUD_"), "{text}");
}
