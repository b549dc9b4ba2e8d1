//! `genesys-billing partner`, run as a user would against a sandbox: the roll-up's numbers
//! against totals worked out by hand from the sandbox's overviews, every format, failures,
//! and the HTML report rendered in headless Chromium.

mod chromium;
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use billing_sandbox::{Sandbox, SandboxBuilder};
use chrono::NaiveDate;
use common::{Server, bin};
use serde_json::Value;

impl Server {
    /// Three orgs (the second has an `n/a` usage line, the third bills in EUR); billing period
    /// 0 is October 2026, seen on the 15th.
    fn start(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Server {
        let builder = Sandbox::builder()
            .trustor_orgs(3)
            .today(NaiveDate::from_ymd_opt(2026, 10, 15).unwrap());
        Server::new(configure(builder))
    }

    fn orgs(&self) -> Vec<String> {
        self.sandbox.trustor_org_ids().to_vec()
    }

    /// `partner` over the three orgs, given explicitly.
    fn partner(&self, extra: &[&str]) -> Command {
        let mut cmd = self.cmd();
        cmd.arg("partner");
        for org in self.orgs() {
            cmd.args(["--trustor", &org]);
        }
        cmd.args(extra);
        cmd
    }
}

fn run(cmd: &mut Command, code: i32) -> Output {
    let output = cmd.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

fn temp_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "partner-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An amount without trailing zeros after the point, so that `"43999.7560"` (the JSON keeps
/// the scale of the arithmetic) and `"43999.756"` compare equal.
fn exact(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text.to_owned()
    }
}

fn amount(value: &Value) -> String {
    exact(
        value
            .as_str()
            .unwrap_or_else(|| panic!("{value} is not a string")),
    )
}

fn currency_totals<'a>(report: &'a Value, currency: &str, period: i64) -> &'a Value {
    report["currencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["currency"] == currency && c["billing_period_index"] == period)
        .unwrap_or_else(|| panic!("no {currency} totals for period {period}"))
}

// The sandbox's overviews for 2026-10-15, worked out by hand (quantities: used − prepaid).
//
// Billing period 1 (September 2026):
// Acme Insurance, USD: CX 2 45 × 198.00 = 8910.00; STA 62 × 24.00 = 1488.00; minutes
//   291456 × 0.0095 = 2768.832; BYOC 19872 × 0.0040 = 79.488; speech 25612 × 0.0250 = 640.30;
//   overage 13886.62. Prepaid 396 × 165.00 + 331 × 20.00 + 1192320 × 0.0080 + 596160 × 0.0030
//   + 79488 × 0.0200 = 65340 + 6620 + 9538.56 + 1788.48 + 1589.76 = 84876.80.
// Northwind Telecom, USD: CX 3 115 × 186.00 = 21390.00; WEM 132 × 30.00 = 3960.00; STA 89 ×
//   24.00 = 2136.00; minutes 0; BYOC 206784 × 0.0040 = 827.136; edge 4 × 450.00 = 1800.00;
//   speech: usage "n/a", left out. Overage 30113.136. Prepaid 100130 + 12900 + 6460 + 9305.28
//   + 1744.74 + 4800 = 135340.02 (the n/a line's 1550.88 left out).
// Contoso Health, EUR: CX 2 5 × 198.00 = 990.00; WEM 27 × 30.00 = 810.00; minutes 59202 ×
//   0.0095 = 562.419; BYOC 20493 × 0.0040 = 81.972; edge 1 × 450.00 = 450.00; overage
//   2894.391. Prepaid 22275 + 4525 + 2260 + 3278.88 + 614.79 + 1600 + 546.48 = 35100.15.
// USD: overage 13886.62 + 30113.136 = 43999.756; prepaid 84876.80 + 135340.02 = 220216.82;
//   total 264216.576.
// Billing period 0 (October, half gone): every usage is under its prepaid quantity, so no
// overage; the prepaid amounts are those of period 1.
const USD_P1_OVERAGE: &str = "43999.756";
const USD_P1_PREPAID: &str = "220216.82";
const USD_P1_TOTAL: &str = "264216.576";
const EUR_P1_OVERAGE: &str = "2894.391";
const EUR_P1_PREPAID: &str = "35100.15";
const EUR_P1_TOTAL: &str = "37994.541";

#[test]
fn the_rollup_matches_totals_worked_out_by_hand() {
    let server = Server::start(|b| b);
    let report = json(&run(
        &mut server.partner(&["--periods", "2", "--format", "json"]),
        0,
    ));
    assert_eq!(report["periods"], serde_json::json!([0, 1]));

    let usd = currency_totals(&report, "USD", 1);
    assert_eq!(usd["orgs"], 2);
    assert_eq!(amount(&usd["overage_amount"]), USD_P1_OVERAGE);
    assert_eq!(amount(&usd["prepaid_amount"]), USD_P1_PREPAID);
    assert_eq!(amount(&usd["total_amount"]), USD_P1_TOTAL);
    assert_eq!(usd["lines_excluded"], 1, "the n/a line");

    let eur = currency_totals(&report, "EUR", 1);
    assert_eq!(eur["orgs"], 1);
    assert_eq!(amount(&eur["overage_amount"]), EUR_P1_OVERAGE);
    assert_eq!(amount(&eur["prepaid_amount"]), EUR_P1_PREPAID);
    assert_eq!(amount(&eur["total_amount"]), EUR_P1_TOTAL);

    let usd0 = currency_totals(&report, "USD", 0);
    assert_eq!(amount(&usd0["overage_amount"]), "0");
    assert_eq!(amount(&usd0["prepaid_amount"]), USD_P1_PREPAID);
    assert_eq!(report["currencies"].as_array().unwrap().len(), 4);

    // The n/a line: named, its usage and overage absent (never 0), its prepaid amount shown.
    let northwind = &report["orgs"][1];
    assert_eq!(northwind["org_name"], "Northwind Telecom");
    let period1 = &northwind["periods"][1];
    assert_eq!(amount(&period1["totals"]["overage_amount"]), "30113.136");
    assert_eq!(amount(&period1["totals"]["prepaid_amount"]), "135340.02");
    assert_eq!(amount(&period1["minimum_monthly_amount"]), "86160");
    let speech = period1["lines"].as_array().unwrap().last().unwrap();
    assert_eq!(speech["part_number"], "PC-170-NV-3PASR");
    assert_eq!(speech["usage_quantity"], Value::Null);
    assert_eq!(speech["overage_amount"], Value::Null);
    assert_eq!(amount(&speech["prepaid_amount"]), "1550.88");
    assert_eq!(
        speech["problems"],
        serde_json::json!([{"kind": "not_a_number", "field": "usageQuantity", "value": "n/a"}])
    );

    // Ranked by overage within each currency, over both periods.
    let ranking: Vec<(String, String, String)> = report["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["currency"].as_str().unwrap().to_owned(),
                r["org_name"].as_str().unwrap().to_owned(),
                amount(&r["amounts"]["overage_amount"]),
            )
        })
        .collect();
    let row = |c: &str, n: &str, a: &str| (c.to_owned(), n.to_owned(), a.to_owned());
    assert_eq!(
        ranking,
        vec![
            row("EUR", "Contoso Health", EUR_P1_OVERAGE),
            row("USD", "Northwind Telecom", "30113.136"),
            row("USD", "Acme Insurance", "13886.62"),
        ]
    );
    assert_eq!(report["failed"], serde_json::json!([]));
}

#[test]
fn csv_has_one_row_per_org_period_and_line_and_the_table_reads() {
    let server = Server::start(|b| b);
    let out = run(
        &mut server.partner(&["--periods", "2", "--format", "csv"]),
        0,
    );
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[0], "org_id");
    assert_eq!(header.last().map(String::as_str), Some("error"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // (5 + 7 + 7 lines) × 2 periods.
    assert_eq!(rows.len(), 38);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let na = rows
        .iter()
        .find(|r| r[col("billing_period_index")] == *"1" && r[col("problems")].contains("n/a"))
        .expect("the n/a line");
    assert_eq!(&na[col("usage_quantity")], "");
    assert_eq!(&na[col("overage_amount")], "");
    assert_eq!(&na[col("prepaid_amount")], "1550.88");
    let eur_overage: Vec<&str> = rows
        .iter()
        .filter(|r| &r[col("currency")] == "EUR" && &r[col("billing_period_index")] == "1")
        .map(|r| &r[col("overage_amount")])
        .collect();
    assert_eq!(
        eur_overage,
        [
            "990.00", "810.00", "0.00", "562.419", "81.972", "450.00", "0.00"
        ]
    );

    let table = String::from_utf8(
        run(
            &mut server.partner(&["--periods", "2", "--format", "table"]),
            0,
        )
        .stdout,
    )
    .unwrap();
    assert!(table.contains("not an invoice"), "{table}");
    assert!(table.contains("43999.756"), "{table}");
    assert!(
        table.contains("usageQuantity is not a number: \"n/a\""),
        "{table}"
    );
}

#[test]
fn a_failed_org_is_listed_with_its_reason_and_the_others_still_add_up() {
    let server = Server::start(|b| b);
    let unknown = "00000000-0000-0000-0000-00000000dead";
    let out = run(
        &mut server.partner(&["--trustor", unknown, "--periods", "2", "--format", "json"]),
        4,
    );
    let report = json(&out);
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 2, "both periods of the unknown org");
    assert!(failed.iter().all(|f| f["org_id"] == unknown));
    assert!(
        failed[0]["reason"].as_str().unwrap().contains("404"),
        "{failed:?}"
    );
    assert_eq!(currency_totals(&report, "USD", 1)["orgs"], 2);
    assert_eq!(
        amount(&currency_totals(&report, "USD", 1)["overage_amount"]),
        USD_P1_OVERAGE
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 of 4 orgs failed"), "{stderr}");

    let csv = String::from_utf8(
        run(
            &mut server.partner(&["--trustor", unknown, "--format", "csv"]),
            4,
        )
        .stdout,
    )
    .unwrap();
    let last = csv.lines().last().unwrap();
    assert!(last.starts_with(unknown) && last.contains("404"), "{last}");
}

#[test]
fn html_is_refused_for_the_other_commands() {
    let server = Server::start(|b| b);
    let out = run(
        server.cmd().args([
            "overview",
            "--trustor",
            &server.orgs()[0],
            "--format",
            "html",
        ]),
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("partner"));
}

/// The report with the measuring script, rendered; and its DOM.
fn render(chromium: &chromium::Chromium, report: &Path, width: u32, height: u32) -> scraper::Html {
    let page = std::fs::read_to_string(report).unwrap();
    let measured = report.with_extension("measured.html");
    let with_script = page.replacen(
        "</body>",
        &format!("{}</body>", chromium::MEASURE_SCRIPT),
        1,
    );
    std::fs::write(&measured, with_script).unwrap();
    scraper::Html::parse_document(&chromium.dump_dom(&measured, width, height))
}

fn select<'a>(dom: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = scraper::Selector::parse(css).unwrap_or_else(|e| panic!("{css}: {e:?}"));
    dom.select(&selector).collect()
}

fn within<'a>(element: scraper::ElementRef<'a>, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = scraper::Selector::parse(css).unwrap_or_else(|e| panic!("{css}: {e:?}"));
    element.select(&selector).collect()
}

fn text(element: scraper::ElementRef<'_>) -> String {
    element.text().collect::<String>().trim().to_owned()
}

fn attr<'a>(element: scraper::ElementRef<'a>, name: &str) -> &'a str {
    element
        .value()
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} on {}", element.html()))
}

/// Checks a rendered report against the roll-up's JSON: the totals, every org with its chart
/// and bars, the failed orgs. Returns how many bars were drawn.
fn check_rendered(dom: &scraper::Html, report: &Value) -> usize {
    // Totals per currency and period: one row each, the exact value and the grouped text.
    let currencies = report["currencies"].as_array().unwrap();
    assert_eq!(
        select(dom, "#currency-totals tbody tr").len(),
        currencies.len()
    );
    for c in currencies {
        let css = format!(
            "#currency-totals tr[data-currency=\"{}\"][data-period=\"{}\"]",
            c["currency"].as_str().unwrap(),
            c["billing_period_index"]
        );
        let row = *select(dom, &css).first().unwrap_or_else(|| panic!("{css}"));
        for field in ["overage", "prepaid", "total"] {
            let cell = within(row, &format!("td[data-field=\"{field}\"]"))[0];
            assert_eq!(
                exact(attr(cell, "data-value")),
                amount(&c[format!("{field}_amount")]),
                "{css} {field}"
            );
        }
        let orgs = within(row, "td[data-field=\"orgs\"]")[0];
        assert_eq!(text(orgs), c["orgs"].to_string());
    }

    // Every org: its article, name, a chart with a title and one prepaid bar per readable line
    // of the latest period, each drawn; and a row in the ranking.
    let mut bars = 0;
    for org in report["orgs"].as_array().unwrap() {
        let id = org["org_id"].as_str().unwrap();
        let article = *select(dom, &format!("article.org[data-org-id=\"{id}\"]"))
            .first()
            .unwrap_or_else(|| panic!("no section for org {id}"));
        assert_eq!(
            text(within(article, "h3")[0]),
            org["org_name"].as_str().unwrap()
        );
        assert!(!select(dom, &format!(".ranking tr[data-org-id=\"{id}\"]")).is_empty());
        let latest = &org["periods"][0];
        let readable = latest["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| !l["usage_quantity"].is_null() && !l["prepay_quantity"].is_null())
            .count();
        let chart = within(article, "figure.usage-chart svg")[0];
        assert!(!text(within(chart, "title")[0]).is_empty());
        assert!(!text(within(chart, "desc")[0]).is_empty());
        let prepaid = within(chart, "rect.bar.prepaid");
        let usage = within(chart, "rect.bar.usage");
        assert_eq!(prepaid.len(), readable, "prepaid bars of {id}");
        assert_eq!(usage.len(), readable, "usage bars of {id}");
        for bar in prepaid
            .iter()
            .chain(&usage)
            .chain(&within(chart, "rect.bar.overage"))
        {
            let drawn: f64 = attr(*bar, "data-drawn-width").parse().unwrap();
            let wanted: f64 = attr(*bar, "width").parse().unwrap();
            assert!(
                (drawn > 0.0) == (wanted > 0.0),
                "bar {} drawn {drawn} wide",
                bar.html()
            );
            bars += 1;
        }
        // With several periods, a usage chart per product with a bar per readable period.
        let periods = report["periods"].as_array().unwrap().len();
        if periods > 1 {
            let trends = within(article, "svg.trend");
            assert!(!trends.is_empty(), "no usage-over-periods charts for {id}");
            for trend in trends {
                let part = attr(trend, "data-part");
                let readable = org["periods"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|p| p["lines"].as_array().unwrap())
                    .filter(|l| l["part_number"] == part && !l["usage_quantity"].is_null())
                    .count();
                let columns = within(trend, "rect.bar.trend");
                assert_eq!(columns.len(), readable, "{id} {part}");
                for column in columns {
                    let drawn: f64 = attr(column, "data-drawn-height").parse().unwrap();
                    assert!(drawn > 0.0, "{}", column.html());
                    bars += 1;
                }
            }
        }
    }
    assert_eq!(
        select(dom, "article.org").len(),
        report["orgs"].as_array().unwrap().len()
    );
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(select(dom, "#failed-orgs tbody tr").len(), failed.len());

    // Accessible: every table has a caption and column headers, every chart a title and a
    // description that its aria-labelledby points at.
    for table in select(dom, "table") {
        assert!(!within(table, "caption").is_empty(), "{}", table.html());
        assert!(!within(table, "thead th[scope=\"col\"]").is_empty());
    }
    for svg in select(dom, "svg") {
        assert_eq!(attr(svg, "role"), "img");
        for id in attr(svg, "aria-labelledby").split_whitespace() {
            let labels = within(svg, &format!("[id=\"{id}\"]"));
            assert!(
                labels.len() == 1 && !text(labels[0]).is_empty(),
                "{id} in {}",
                svg.html()
            );
        }
    }
    bars
}

#[test]
fn the_html_report_renders_in_chromium_with_the_rollups_numbers() {
    let chromium = chromium::Chromium::find();
    let server = Server::start(|b| b);
    let unknown = "00000000-0000-0000-0000-00000000dead";
    let dir = temp_dir();
    let html = dir.join("report.html");
    let args = ["--trustor", unknown, "--periods", "2"];
    let report = json(&run(
        &mut server.partner(&[&args[..], &["--format", "json"]].concat()),
        4,
    ));
    run(
        &mut server.partner(
            &[
                &args[..],
                &["--format", "html", "-o", html.to_str().unwrap()],
            ]
            .concat(),
        ),
        4,
    );
    let page = std::fs::read_to_string(&html).unwrap();
    // Self-contained: nothing is fetched from anywhere.
    for outside in [
        "<script", "<link", "src=", "url(", "@import", "http://", "https://",
    ] {
        assert!(!page.contains(outside), "the report contains {outside:?}");
    }

    let dom = render(&chromium, &html, 1280, 900);
    let bars = check_rendered(&dom, &report);
    assert!(bars > 30, "{bars} bars");
    // The hand-worked figures, as a person reads them.
    let usd = select(
        &dom,
        "#currency-totals tr[data-currency=\"USD\"][data-period=\"1\"] td[data-field=\"overage\"]",
    )[0];
    assert_eq!(text(usd), "43,999.756");
    let eur = select(
        &dom,
        "#currency-totals tr[data-currency=\"EUR\"][data-period=\"1\"] td[data-field=\"total\"]",
    )[0];
    assert_eq!(text(eur), "37,994.541");
    let coverage = text(select(&dom, "#coverage")[0]);
    assert!(
        coverage.starts_with("These totals cover 3 orgs; 1 failed"),
        "{coverage}"
    );
    let northwind = select(&dom, "article.org")[1];
    let northwind_text = text(northwind);
    assert!(northwind_text.contains("usageQuantity is not a number: \"n/a\""));
    assert!(northwind_text.contains("not a number: left out"));
    let failed = text(select(&dom, "#failed-orgs")[0]);
    assert!(
        failed.contains(unknown) && failed.contains("404"),
        "{failed}"
    );
    let made = text(select(&dom, "#made")[0]);
    assert!(
        made.contains("0 (open period, 2026-10); 1 (2026-09)"),
        "{made}"
    );

    // On a phone the page itself does not scroll sideways (wide tables scroll in their box).
    let phone = render(&chromium, &html, 390, 844);
    let root = select(&phone, "html")[0];
    let scroll: u32 = attr(root, "data-scroll-width").parse().unwrap();
    let viewport: u32 = attr(root, "data-viewport-width").parse().unwrap();
    assert!(
        scroll <= viewport,
        "{scroll} px wide in a {viewport} px viewport"
    );

    // It prints: a PDF of several pages.
    let pdf = dir.join("report.pdf");
    chromium.print_to_pdf(&html, &pdf);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let pages = bytes
        .windows(b"/Type /Page".len() + 1)
        .filter(|w| w.starts_with(b"/Type /Page") && w[w.len() - 1] != b's')
        .count();
    assert!(pages >= 2, "{pages} printed pages");

    // The screenshot the guide shows (UPDATE_SCREENSHOT=1 writes it into docs/guide).
    let png = dir.join("partner-report.png");
    chromium.screenshot(&html, &png, 1000, 2300);
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        let docs =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/guide/partner-report.png");
        std::fs::copy(&png, docs).unwrap();
    }
}

/// What the issue asks for, to the letter: `--sandbox partner --periods 3 --format html`.
#[test]
fn sandbox_partner_three_periods_renders_in_chromium() {
    let chromium = chromium::Chromium::find();
    let dir = temp_dir();
    let html = dir.join("report.html");
    let report = json(&run(
        bin().args(["--sandbox", "partner", "--periods", "3", "--format", "json"]),
        0,
    ));
    run(
        bin().args([
            "--sandbox",
            "partner",
            "--periods",
            "3",
            "--format",
            "html",
            "-o",
            html.to_str().unwrap(),
        ]),
        0,
    );
    let dom = render(&chromium, &html, 1280, 900);
    check_rendered(&dom, &report);
    assert_eq!(report["periods"], serde_json::json!([0, 1, 2]));
    assert!(
        report["currencies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["currency"] == "EUR")
    );
    assert!(select(&dom, "svg.trend").len() >= report["orgs"].as_array().unwrap().len());
}

#[test]
fn without_trustor_flags_every_enabled_trustor_org_is_rolled_up_across_pages() {
    // 205 orgs: two pages of trustors at the tool's page size of 200, plus a disabled one.
    let server = Server::start(|b| b.trustor_orgs(205).disabled_trustors(1).no_rate_limit());
    let report = json(&run(server.cmd().args(["partner", "--format", "json"]), 0));
    let mut got: Vec<String> = report["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["org_id"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut expected = server.orgs();
    expected.sort();
    assert_eq!(got, expected);
    let listed = server
        .sandbox
        .requests()
        .iter()
        .filter(|r| {
            r.path_and_query
                .starts_with("/api/v2/orgauthorization/trustors")
        })
        .count();
    assert_eq!(listed, 2, "two pages of trustors");

    // --include-disabled adds the disabled trust, whose overview the API refuses: listed.
    let out = run(
        server
            .cmd()
            .args(["partner", "--include-disabled", "--format", "json"]),
        4,
    );
    let report = json(&out);
    assert_eq!(report["orgs"].as_array().unwrap().len(), 205);
    assert_eq!(report["failed"].as_array().unwrap().len(), 1);
}

#[test]
fn overview_all_trustors_lists_the_orgs_itself() {
    let server = Server::start(|b| b);
    let out = run(
        server
            .cmd()
            .args(["overview", "--all-trustors", "--format", "json"]),
        0,
    );
    let overviews = json(&out);
    let mut got: Vec<String> = overviews
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["organization"]["id"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut expected = server.orgs();
    expected.sort();
    assert_eq!(got, expected);
    // Without any org and without --all-trustors, nothing is guessed.
    let out = run(server.cmd().args(["overview", "--format", "json"]), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--all-trustors"));
}

#[test]
fn include_disabled_with_orgs_given_by_id_is_a_usage_error() {
    let server = Server::start(|b| b);
    let org = &server.orgs()[0];
    for command in ["overview", "partner"] {
        let out = run(
            server
                .cmd()
                .args([command, "--include-disabled", "--trustor", org]),
            2,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("'--include-disabled' cannot be used with"),
            "{command}: {err}"
        );
        assert_eq!(out.stdout, b"", "{command}: nothing fetched");
    }
}
