//! Listings that fail part-way, against a server that answers the first page and then fails
//! (the sandbox's faults cannot aim at a second page): what was fetched is printed, the error
//! is on stderr, the exit code is not 0.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Output;

const INVOICES: &str = "/api/v2/billing/contracts/invoices";

/// An HTTP/1.1 server on 127.0.0.1, one request per connection: the token endpoint, the first
/// page of invoices (two, pointing to a second page), and a 404 for the second page.
fn start() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = std::io::Read::read_exact(&mut reader, &mut body);
            let target = request_line.split(' ').nth(1).unwrap_or("");
            let (status, body) = if target.starts_with("/oauth/token") {
                (
                    200,
                    r#"{"access_token":"tok","token_type":"bearer","expires_in":86400}"#.to_owned(),
                )
            } else if target.contains("after=") {
                (
                    404,
                    r#"{"message":"cursor expired","code":"not.found","status":404}"#.to_owned(),
                )
            } else {
                (
                    200,
                    format!(
                        r#"{{"entities":[{{"id":"inv-1","amount":10.10,"currencyIsoCode":"USD","billToCustomer":{{"name":"Acme, Inc."}}}},{{"id":"inv-2","amount":0.90,"currencyIsoCode":"EUR"}}],"nextUri":"{INVOICES}?after=c1"}}"#
                    ),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

fn invoices(url: &str, format: &str) -> Output {
    let mut cmd = common::bin();
    cmd.args(["--api-url", url, "--login-url", url])
        .args(["--client-id", "id", "--client-secret", "secret"])
        .args(["invoices", "list", "--format", format])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn every_format_prints_what_was_fetched_then_reports_the_error() {
    let url = start();
    for format in ["ndjson", "json", "csv", "table"] {
        let output = invoices(&url, format);
        assert_eq!(output.status.code(), Some(1), "{format}");
        let out = text(&output.stdout);
        let err = text(&output.stderr);
        assert!(
            out.contains("inv-1") && out.contains("inv-2"),
            "{format}: {out}"
        );
        assert!(
            err.contains("HTTP 404") && err.contains("cursor expired"),
            "{format}: {err}"
        );
        assert!(
            err.contains("the 2 invoices fetched before the error were printed"),
            "{err}"
        );
        match format {
            "ndjson" => assert_eq!(out.lines().count(), 2),
            "json" => {
                let all: serde_json::Value = serde_json::from_str(&out).unwrap();
                assert_eq!(all.as_array().map(Vec::len), Some(2));
            }
            "csv" => {
                assert_eq!(out.lines().count(), 3, "header and two rows");
                assert!(
                    out.contains(r#"inv-1,,USD,10.10,"#),
                    "money as served: {out}"
                );
                assert!(out.contains(r#""Acme, Inc.""#), "{out}");
            }
            _ => assert!(out.contains("2 invoices"), "{out}"),
        }
    }
}

#[test]
fn an_output_file_keeps_what_was_fetched() {
    let url = start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("invoices.ndjson");
    let output = common::bin()
        .args(["--api-url", &url, "--login-url", &url])
        .args(["--client-id", "id", "--client-secret", "secret"])
        .args(["invoices", "list", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 2);
}
