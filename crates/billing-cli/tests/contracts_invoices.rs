//! `contracts` and `invoices` run as a user would, against a sandbox started here: every
//! format (snapshots), paging flags, the PDF download, usage errors.

mod common;

use common::Server;

use std::process::Output;

use billing_sandbox::{Sandbox, SandboxBuilder};
use chrono::NaiveDate;

impl Server {
    /// One trustor org, so a year of invoices (one a month) and a few lines each.
    fn start(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Server {
        let builder = Sandbox::builder()
            .trustor_orgs(1)
            .today(NaiveDate::from_ymd_opt(2026, 10, 15).unwrap());
        Server::new(configure(builder))
    }

    /// Runs `args`, expects exit `code`, answers stdout.
    fn run(&self, args: &[&str], code: i32) -> Output {
        let output = self.cmd().args(args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}\nstdout:\n{}\nstderr:\n{}",
            text(&output.stdout),
            text(&output.stderr)
        );
        output
    }

    fn stdout(&self, args: &[&str]) -> String {
        text(&self.run(args, 0).stdout)
    }

    /// The JSON array a listing prints.
    fn json(&self, args: &[&str]) -> Vec<serde_json::Value> {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        serde_json::from_str(&self.stdout(&all)).unwrap()
    }

    fn listing_requests(&self, path: &str) -> usize {
        self.sandbox
            .requests()
            .iter()
            .filter(|r| r.path() == path)
            .count()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn id(value: &serde_json::Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

/// Ids change with the sandbox's seed rules, not with the code under test.
macro_rules! redacted {
    ($($body:tt)*) => {
        insta::with_settings!({filters => vec![
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
            (r"signature=[^&\s]+", "signature=[sig]"),
        ]}, { $($body)* })
    };
}

#[test]
fn invoices_list_in_every_format() {
    let server = Server::start(|b| b);
    redacted! {
        insta::assert_snapshot!("invoices_table", server.stdout(&["invoices", "list", "--format", "table", "--limit", "4"]));
        insta::assert_snapshot!("invoices_csv", server.stdout(&["invoices", "list", "--format", "csv", "--limit", "3"]));
        insta::assert_snapshot!("invoices_json", server.stdout(&["invoices", "list", "--format", "json", "--limit", "1"]));
        insta::assert_snapshot!("invoices_ndjson", server.stdout(&["invoices", "list", "--format", "ndjson", "--limit", "2"]));
    }
}

#[test]
fn a_listing_follows_every_page_and_stops_at_the_limit() {
    let server = Server::start(|b| b);
    let path = "/api/v2/billing/contracts/invoices";
    let all = server.json(&["invoices", "list", "--page-size", "200"]);
    assert_eq!(all.len(), 12, "one invoice a month for a year");
    assert_eq!(server.listing_requests(path), 1);

    let paged = server.json(&["invoices", "list", "--page-size", "5"]);
    assert_eq!(paged, all, "the same invoices, whatever the page size");
    assert_eq!(server.listing_requests(path), 1 + 3);

    let ndjson = server.stdout(&[
        "invoices",
        "list",
        "--format",
        "ndjson",
        "--page-size",
        "2",
        "--limit",
        "5",
    ]);
    assert_eq!(ndjson.lines().count(), 5);
    assert_eq!(
        server.listing_requests(path),
        4 + 3,
        "no page beyond the limit is fetched"
    );
}

#[test]
fn invoice_lines_sum_to_the_invoice_amount_in_csv() {
    let server = Server::start(|b| b.invoice_lines_per_invoice(30));
    // Amounts as served, read from CSV (JSON read back into a float would lose trailing zeros).
    let column = |csv: &str, name: &str| -> Vec<String> {
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let at = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == name)
            .unwrap();
        reader
            .records()
            .map(|r| r.unwrap()[at].to_owned())
            .collect()
    };
    let invoices = server.stdout(&["invoices", "list", "--format", "csv", "--limit", "1"]);
    let (invoice, amount) = (
        column(&invoices, "id").remove(0),
        column(&invoices, "amount").remove(0),
    );
    let csv = server.stdout(&[
        "invoices",
        "lines",
        &invoice,
        "--format",
        "csv",
        "--page-size",
        "7",
    ]);
    let amounts = column(&csv, "amount");
    let rows = amounts.len();
    let total: billing_api::models::Decimal = amounts
        .iter()
        .map(|a| a.parse::<billing_api::models::Decimal>().unwrap())
        .sum();
    assert_eq!(rows, 30);
    assert_eq!(total.to_string(), amount, "digit for digit");
    redacted! {
        insta::assert_snapshot!("lines_table", server.stdout(&["invoices", "lines", &invoice, "--format", "table", "--limit", "4"]));
    }
}

#[test]
fn contracts_list_show_and_period() {
    let server = Server::start(|b| b);
    let contracts = server.json(&["contracts", "list"]);
    let contract = &contracts[0];
    let period = id(&contract["billingPeriods"][0]);
    redacted! {
        insta::assert_snapshot!("contracts_table", server.stdout(&["contracts", "list", "--format", "table"]));
        insta::assert_snapshot!("contracts_csv", server.stdout(&["contracts", "list", "--format", "csv"]));
        insta::assert_snapshot!("contract_show_table", server.stdout(&["contracts", "show", &id(contract), "--format", "table"]));
        insta::assert_snapshot!("period_table", server.stdout(&["contracts", "period", &id(contract), &period, "--format", "table"]));
        insta::assert_snapshot!("period_csv", server.stdout(&["contracts", "period", &id(contract), &period, "--format", "csv"]));
    }
    let shown: serde_json::Value = serde_json::from_str(&server.stdout(&[
        "contracts",
        "show",
        &id(contract),
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(&shown, contract);
    let active = server.json(&["contracts", "list", "--status", "active"]);
    assert!(active.iter().all(|c| c["status"] == "Active"));
}

#[test]
fn an_invoice_pdf_is_downloaded_to_its_default_name_or_to_o() {
    let server = Server::start(|b| b);
    let invoice = id(&server.json(&["invoices", "list", "--limit", "1"])[0]);
    let dir = tempfile::tempdir().unwrap();

    let output = server
        .cmd()
        .current_dir(dir.path())
        .args(["invoices", "download", &invoice])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let default = dir.path().join(format!("{invoice}.pdf"));
    assert!(std::fs::read(&default).unwrap().starts_with(b"%PDF-"));
    assert!(text(&output.stderr).contains("application/pdf"));

    let named = dir.path().join("october.pdf");
    let output = server
        .cmd()
        .args(["invoices", "download", &invoice, "-o"])
        .arg(&named)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        std::fs::read(&named).unwrap(),
        std::fs::read(&default).unwrap()
    );
}

#[test]
fn an_invoice_pdf_downloaded_to_a_directory_lands_inside_it() {
    let server = Server::start(|b| b);
    let invoice = id(&server.json(&["invoices", "list", "--limit", "1"])[0]);
    let dir = tempfile::tempdir().unwrap();

    let output = server
        .cmd()
        .args(["invoices", "download", &invoice, "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let inside = dir.path().join(format!("{invoice}.pdf"));
    assert!(std::fs::read(&inside).unwrap().starts_with(b"%PDF-"));
    assert!(
        text(&output.stderr).contains(&inside.display().to_string()),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn an_unknown_invoice_exits_1_and_writes_nothing() {
    let server = Server::start(|b| b);
    let dir = tempfile::tempdir().unwrap();
    let output = server
        .cmd()
        .current_dir(dir.path())
        .args(["invoices", "download", "no-such-invoice"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = text(&output.stderr);
    assert!(err.contains("404"), "{err}");
    assert!(err.contains("hint: check the id"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn bad_paging_flags_and_dates_are_usage_errors() {
    let server = Server::start(|b| b);
    for args in [
        &["invoices", "list", "--page-size", "0"][..],
        &["invoices", "list", "--page-size", "201"],
        &["invoices", "list", "--limit", "0"],
        &["invoices", "list", "--from", "2026-13-01"],
        &[
            "invoices",
            "list",
            "--from",
            "2026-10-01",
            "--to",
            "2026-09-01",
        ],
        &["invoices", "list", "--payment-status", "late"],
        &["contracts", "list", "--status", "pending"],
    ] {
        server.run(args, 2);
    }
    assert_eq!(
        server.listing_requests("/api/v2/billing/contracts/invoices"),
        0
    );
}

#[test]
fn bad_dates_and_limits_are_explained_in_the_users_words() {
    let server = Server::start(|b| b);
    for (args, says) in [
        (
            &["invoices", "list", "--from", "2026-13-01"][..],
            "use a calendar day such as 2026-10-01",
        ),
        (
            &["contracts", "list", "--to", "garbage"],
            "use a calendar day such as 2026-10-01",
        ),
        (&["invoices", "list", "--limit", "0"], "must be at least 1"),
        (
            &["contracts", "list", "--limit", "ten"],
            "expected a whole number",
        ),
    ] {
        let err = text(&server.run(args, 2).stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("out of range"), "{args:?}: {err}");
        assert!(!err.contains("18446744073709551615"), "{args:?}: {err}");
    }
}

#[test]
fn the_in_process_sandbox_lists_invoices() {
    let output = common::bin()
        .args([
            "--sandbox",
            "invoices",
            "list",
            "--format",
            "ndjson",
            "--limit",
            "3",
        ])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).lines().count(), 3);
}
