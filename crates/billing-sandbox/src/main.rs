//! `billing-sandbox`: runs the sandbox Billing API on 127.0.0.1 until Ctrl-C and prints how to
//! use it.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use billing_sandbox::{Sandbox, SandboxBuilder};
use chrono::NaiveDate;
use clap::Parser;

/// A local Genesys Cloud Billing API for offline use and tests. Settings left out keep the
/// sandbox's defaults (see the billing-sandbox crate documentation).
#[derive(Debug, Parser)]
#[command(name = "billing-sandbox", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Client id the client-credentials grant accepts.
    #[arg(long, value_name = "ID", requires = "client_secret")]
    client_id: Option<String>,
    /// Client secret the client-credentials grant accepts.
    #[arg(long, value_name = "SECRET", requires = "client_id")]
    client_secret: Option<String>,
    /// Public client id the browser sign-in (authorization code with PKCE) accepts.
    #[arg(long, value_name = "ID")]
    pkce_client_id: Option<String>,
    /// Make the browser sign-in redirect with error=access_denied.
    #[arg(long)]
    deny_consent: bool,
    /// Token lifetime.
    #[arg(long, value_name = "SECONDS")]
    token_expires_in: Option<u64>,
    /// InProgress answers per report period before it is Complete.
    #[arg(long, value_name = "N")]
    in_progress_polls: Option<u32>,
    /// Usages per billable usage report.
    #[arg(long, value_name = "N")]
    report_usages: Option<usize>,
    /// Resources per usage.
    #[arg(long, value_name = "N", conflicts_with = "report_bytes")]
    resources_per_usage: Option<usize>,
    /// Size reports to about this many bytes instead.
    #[arg(long, value_name = "BYTES")]
    report_bytes: Option<usize>,
    /// Trustor orgs: the overview's orgs, the enabled trustors, with contracts and invoices.
    #[arg(long, value_name = "N")]
    trustor_orgs: Option<usize>,
    /// Disabled trustors listed besides the enabled ones.
    #[arg(long, value_name = "N")]
    disabled_trustors: Option<usize>,
    /// Lines per invoice (default: one per product).
    #[arg(long, value_name = "N")]
    invoice_lines: Option<usize>,
    /// The day billing period 0 contains (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<NaiveDate>,
    /// API requests per token per minute; 0 turns rate limiting off.
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
}

impl Args {
    fn builder(self) -> SandboxBuilder {
        let mut builder = Sandbox::builder()
            .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))
            .deny_consent(self.deny_consent);
        if let (Some(id), Some(secret)) = (self.client_id, self.client_secret) {
            builder = builder.client_credentials(id, secret);
        }
        if let Some(id) = self.pkce_client_id {
            builder = builder.pkce_client_id(id);
        }
        if let Some(seconds) = self.token_expires_in {
            builder = builder.token_expires_in(Duration::from_secs(seconds));
        }
        if let Some(polls) = self.in_progress_polls {
            builder = builder.in_progress_polls(polls);
        }
        if let Some(usages) = self.report_usages {
            builder = builder.report_usages(usages);
        }
        if let Some(resources) = self.resources_per_usage {
            builder = builder.report_resources_per_usage(resources);
        }
        if let Some(bytes) = self.report_bytes {
            builder = builder.report_target_bytes(bytes);
        }
        if let Some(orgs) = self.trustor_orgs {
            builder = builder.trustor_orgs(orgs);
        }
        if let Some(disabled) = self.disabled_trustors {
            builder = builder.disabled_trustors(disabled);
        }
        if let Some(lines) = self.invoice_lines {
            builder = builder.invoice_lines_per_invoice(lines);
        }
        if let Some(today) = self.today {
            builder = builder.today(today);
        }
        match self.rate_limit {
            Some(0) => builder.no_rate_limit(),
            Some(n) => builder.rate_limit(n, Duration::from_secs(60)),
            None => builder,
        }
    }
}

fn print_usage(sandbox: &Sandbox) {
    let base = sandbox.base_url();
    let (id, secret) = (sandbox.client_id(), sandbox.client_secret());
    println!("Genesys Cloud Billing API sandbox listening on {base}");
    println!();
    println!("  API base URL:      {base}");
    println!("  login base URL:    {base}");
    println!("  document host:     {}", sandbox.document_base_url());
    println!("  client id:         {id}");
    println!("  client secret:     {secret}");
    println!("  PKCE client id:    {}", sandbox.pkce_client_id());
    println!(
        "  trustor org ids:   {}",
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
    if let Some(org) = sandbox.trustor_org_ids().first() {
        println!(
            "  curl -s -H \"Authorization: Bearer $TOKEN\" \
             '{base}/api/v2/billing/trusteebillingoverview/{org}?billingPeriodIndex=1'"
        );
    }
    println!(
        "  curl -s -H \"Authorization: Bearer $TOKEN\" '{base}/api/v2/billing/contracts/invoices?pageSize=5'"
    );
    println!(
        "  curl -s -H \"Authorization: Bearer $TOKEN\" '{base}/api/v2/orgauthorization/trustors'"
    );
    println!(
        "  (the first {} answers for a report period are \"InProgress\"; repeat the request)",
        sandbox.in_progress_polls()
    );
    println!();
    println!(
        "Faults: curl -s -X POST {base}/__sandbox/faults -d '{{\"kind\":\"service_unavailable\",\"retryAfter\":1,\"times\":2}}'"
    );
    println!("Requests seen: curl -s {base}/__sandbox/requests");
    println!("Press Ctrl-C to stop.");
}

#[tokio::main]
async fn main() -> ExitCode {
    let sandbox = match Args::parse().builder().start().await {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("billing-sandbox: {err}");
            return ExitCode::FAILURE;
        }
    };
    print_usage(&sandbox);
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn arguments_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn parses_every_setting() {
        let args = Args::try_parse_from([
            "billing-sandbox",
            "--port=0",
            "--client-id",
            "id",
            "--client-secret",
            "secret",
            "--today",
            "2026-10-14",
            "--rate-limit",
            "0",
            "--invoice-lines",
            "10000",
            "--disabled-trustors",
            "2",
        ])
        .unwrap();
        assert_eq!(args.port, 0);
        assert_eq!(args.today, NaiveDate::from_ymd_opt(2026, 10, 14));
        assert_eq!(args.invoice_lines, Some(10_000));
        assert!(Args::try_parse_from(["billing-sandbox", "--today", "14/10/2026"]).is_err());
        assert!(Args::try_parse_from(["billing-sandbox", "--client-id", "x"]).is_err());
        assert!(
            Args::try_parse_from([
                "billing-sandbox",
                "--report-bytes",
                "1",
                "--resources-per-usage",
                "2"
            ])
            .is_err()
        );
    }
}
