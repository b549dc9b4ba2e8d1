//! `billing-sandbox`: runs the sandbox Billing API on 127.0.0.1 until Ctrl-C and prints how to
//! use it.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use billing_sandbox::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Sandbox};

const USAGE: &str = "\
billing-sandbox: a local Genesys Cloud Billing API for offline use and tests

USAGE:
    billing-sandbox [OPTIONS]

OPTIONS:
    --port <PORT>                  Port on 127.0.0.1 (default 8787; 0 picks a free one)
    --client-id <ID>               Client id to accept (default sandbox-client)
    --client-secret <SECRET>       Client secret to accept (default sandbox-secret)
    --token-expires-in <SECONDS>   Token lifetime (default 86400)
    --in-progress-polls <N>        InProgress answers per report period (default 2)
    --report-usages <N>            Usages per report (default 8)
    --resources-per-usage <N>      Resources per usage (default 40)
    --report-bytes <BYTES>         Size reports to about this many bytes instead
    --trustor-orgs <N>             Trustor orgs for the overview endpoint (default 3)
    --rate-limit <N>               API requests per token per minute (default 300; 0 = off)
    -h, --help                     Print this help
";

fn parse<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag}: cannot parse {value:?}"))
}

/// The parsed command line: the builder, the port and the InProgress poll count to print.
type Parsed = (billing_sandbox::SandboxBuilder, u16, u32);

fn builder_from_args() -> Result<Option<Parsed>, String> {
    let mut builder = Sandbox::builder();
    let mut port = 8787_u16;
    let mut client_id = DEFAULT_CLIENT_ID.to_owned();
    let mut client_secret = DEFAULT_CLIENT_SECRET.to_owned();
    let mut polls = 2_u32;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg, None),
        };
        let mut value = || inline.clone().or_else(|| args.next());
        builder = match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                port = parse(&flag, value())?;
                builder
            }
            "--client-id" => {
                client_id = parse(&flag, value())?;
                builder
            }
            "--client-secret" => {
                client_secret = parse(&flag, value())?;
                builder
            }
            "--token-expires-in" => {
                builder.token_expires_in(Duration::from_secs(parse(&flag, value())?))
            }
            "--in-progress-polls" => {
                polls = parse(&flag, value())?;
                builder.in_progress_polls(polls)
            }
            "--report-usages" => builder.report_usages(parse(&flag, value())?),
            "--resources-per-usage" => builder.report_resources_per_usage(parse(&flag, value())?),
            "--report-bytes" => builder.report_target_bytes(parse(&flag, value())?),
            "--trustor-orgs" => builder.trustor_orgs(parse(&flag, value())?),
            "--rate-limit" => match parse::<u32>(&flag, value())? {
                0 => builder.no_rate_limit(),
                n => builder.rate_limit(n, Duration::from_secs(60)),
            },
            other => return Err(format!("unknown option {other}; see --help")),
        };
    }
    Ok(Some((
        builder.client_credentials(client_id, client_secret),
        port,
        polls,
    )))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (builder, port, in_progress_polls) = match builder_from_args() {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("billing-sandbox: {message}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match builder
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .start()
        .await
    {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("billing-sandbox: {err}");
            return ExitCode::FAILURE;
        }
    };
    let base = sandbox.base_url();
    let (id, secret) = (sandbox.client_id(), sandbox.client_secret());
    let org = sandbox
        .trustor_org_ids()
        .first()
        .cloned()
        .unwrap_or_default();
    println!("Genesys Cloud Billing API sandbox listening on {base}");
    println!();
    println!("  API base URL:    {base}");
    println!("  login base URL:  {base}");
    println!("  client id:       {id}");
    println!("  client secret:   {secret}");
    println!(
        "  trustor org ids: {}",
        sandbox.trustor_org_ids().join(", ")
    );
    println!();
    println!("Try it:");
    println!(
        "  TOKEN=$(curl -s -u '{id}:{secret}' -d grant_type=client_credentials {base}/oauth/token \\"
    );
    println!("          | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')");
    println!(
        "  curl -s -H \"Authorization: Bearer $TOKEN\" \
         '{base}/api/v2/billing/reports/billableusage?startDate=2024-05-01T00:00:00.000Z&endDate=2024-06-01T00:00:00.000Z'"
    );
    if !org.is_empty() {
        println!(
            "  curl -s -H \"Authorization: Bearer $TOKEN\" \
             '{base}/api/v2/billing/trusteebillingoverview/{org}?billingPeriodIndex=1'"
        );
    }
    println!(
        "  (the first {in_progress_polls} answers for a period are \"InProgress\"; repeat the request)"
    );
    println!();
    println!(
        "Faults: curl -s -X POST {base}/__sandbox/faults -d '{{\"kind\":\"service_unavailable\",\"retryAfter\":1,\"times\":2}}'"
    );
    println!("Requests seen: curl -s {base}/__sandbox/requests");
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}
