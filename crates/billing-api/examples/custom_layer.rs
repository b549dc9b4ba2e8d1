//! Add your own tower middleware: count calls and tag every request with a header.
//!
//! `cargo run -p billing-api --example custom_layer`

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::{HeaderValue, Request};
use tower::util::MapRequestLayer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let client = target
        .builder
        .with_layer(MapRequestLayer::new(move |mut request: Request<Bytes>| {
            counter.fetch_add(1, Ordering::Relaxed);
            request
                .headers_mut()
                .insert("x-cost-center", HeaderValue::from_static("finance-emea"));
            request
        }))
        .build()?;

    let orgs = match &target.sandbox {
        Some(sandbox) => sandbox.trustor_org_ids()[..3].to_vec(),
        None => std::env::args().skip(1).collect(),
    };
    for org in &orgs {
        match client
            .get_billing_trusteebillingoverview_trustor_org_id(org, None)
            .await
        {
            Ok(overview) => println!(
                "{org}: {} {}",
                overview.currency, overview.subscription_type
            ),
            Err(e) => eprintln!("{org}: {e}"),
        }
    }
    println!("the layer saw {} calls", calls.load(Ordering::Relaxed));
    Ok(())
}
