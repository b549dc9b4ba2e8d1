//! Fetch the trustee billing overviews of many customer orgs at once, under a client-wide
//! rate limit, printing each as it arrives.
//!
//! `cargo run -p billing-api --example fan_out [ORG_ID …]`

mod common;

use std::num::NonZeroU32;

use billing_api::RateLimit;
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    // The platform's default limit is 300 requests per minute per client-credentials token.
    let client = target
        .builder
        .rate_limit(RateLimit::per_second(NonZeroU32::new(5).unwrap()))
        .build()?;

    let mut orgs: Vec<String> = std::env::args().skip(1).collect();
    if let Some(sandbox) = &target.sandbox {
        orgs = sandbox.trustor_org_ids()[..10].to_vec();
    }

    let mut failed = 0;
    let mut results = client
        .trustee_overviews(orgs)
        .billing_period_index(1)
        .concurrency(4)
        .stream();
    while let Some(org) = results.next().await {
        match org.result {
            Ok(overview) => {
                let lines = overview.usages.len();
                println!(
                    "{}  {} {:<28} {lines} usage lines",
                    org.org_id,
                    overview.currency,
                    overview.subscription_type.as_str()
                );
            }
            Err(e) => {
                failed += 1;
                eprintln!("{}  failed: {e}", org.org_id);
            }
        }
    }
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}
