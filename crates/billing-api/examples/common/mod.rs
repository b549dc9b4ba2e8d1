// Shared start-up for the examples (a module, not an example of its own).
//
// A client from the environment (GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET,
// GENESYSCLOUD_REGION) when credentials are set; otherwise a billing-sandbox started here, so
// every example runs on a machine without an account.

use billing_api::ClientBuilder;
use billing_sandbox::Sandbox;

/// Where an example's calls go; keeps the sandbox (if any) running while it lives.
pub struct Target {
    pub builder: ClientBuilder,
    pub sandbox: Option<Sandbox>,
}

pub async fn target() -> Result<Target, Box<dyn std::error::Error>> {
    if std::env::var_os("GENESYSCLOUD_OAUTHCLIENT_ID").is_some() {
        return Ok(Target {
            builder: ClientBuilder::from_env()?,
            sandbox: None,
        });
    }
    let sandbox = Sandbox::builder().trustor_orgs(25).start().await?;
    eprintln!(
        "(no GENESYSCLOUD_OAUTHCLIENT_ID set: using a local billing-sandbox at {})",
        sandbox.base_url()
    );
    let builder = ClientBuilder::from_env_vars(sandbox.client_env())?;
    Ok(Target {
        builder,
        sandbox: Some(sandbox),
    })
}
