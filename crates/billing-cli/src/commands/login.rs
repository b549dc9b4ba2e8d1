//! `login` and `logout`: a person signs in in the browser (OAuth authorization code with PKCE)
//! and the token is kept for later commands of the same profile and region.

use std::time::Duration;

use billing_api::AuthError;
use billing_api::signin::{SignIn, SignInError};
use clap::Args;

use super::Context;
use crate::cli::parse_seconds;
use crate::connect::resolve;
use crate::exit::{Exit, Failure};
use crate::token_cache::TokenCache;

/// Arguments of `login`.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// Print the sign-in page's address instead of opening the browser. Open it in a browser
    /// on this machine: the login page redirects back to a listener here.
    #[arg(long)]
    pub no_browser: bool,

    /// The redirect URI registered for the OAuth client, e.g. http://localhost:8085/callback
    /// [default: the profile's redirect_uri, else http://127.0.0.1:PORT/oauth/callback on a free PORT]
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,

    /// Seconds to wait for the browser to come back.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, default_value = "300")]
    pub timeout: Duration,
}

/// Arguments of `logout`.
#[derive(Debug, Clone, Args)]
pub struct LogoutArgs {}

/// Runs `login`.
pub(crate) async fn run(ctx: &Context, args: LoginArgs) -> Result<Exit, Failure> {
    if ctx.connection.sandbox {
        return Err(Failure::new(
            Exit::Usage,
            "login has nothing to sign in to with --sandbox (it needs no sign-in)",
        ));
    }
    let resolved = resolve(&ctx.connection, None)?;
    let settings = &resolved.settings;
    let environment = settings.environment.value.clone();
    let Some(client_id) = &settings.client_id else {
        return Err(Failure::new(
            Exit::Usage,
            "login needs the id of an OAuth client of the PKCE type: --client-id, or the profile's client_credentials",
        )
        .hint("create one in Genesys Cloud Admin (OAuth, grant type Code Authorization with PKCE) with a loopback redirect URI"));
    };
    let cache = TokenCache::new(&resolved.profile_name, &environment)?;
    let mut signin =
        SignIn::new(environment.clone(), client_id.value.clone()).timeout(args.timeout);
    if let Some(uri) = args
        .redirect_uri
        .or_else(|| settings.redirect_uri.as_ref().map(|u| u.value.clone()))
    {
        signin = signin.redirect_uri(uri);
    }
    if let Some(proxy) = &settings.proxy {
        signin = signin.proxy(proxy.value.to_proxy());
    }
    let pending = signin.start().await.map_err(signin_failure)?;
    let url = pending.authorize_url();
    if args.no_browser || webbrowser::open(url).is_err() {
        eprintln!("Open this page in a browser on this machine to sign in:\n\n  {url}\n");
    } else {
        eprintln!("Your browser is open at the sign-in page. If it is not, open:\n\n  {url}\n");
    }
    eprintln!(
        "Waiting for the sign-in (up to {} s)…",
        args.timeout.as_secs()
    );
    let signed_in = pending.finish().await.map_err(signin_failure)?;
    cache.save(&signed_in, &environment)?;
    let until = signed_in
        .expires_at
        .map(|at| format!(" until {}", at.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    eprintln!(
        "Signed in. Commands with profile {} at {} use this sign-in{until}.",
        resolved.profile_name,
        environment.login_base()
    );
    Ok(Exit::Ok)
}

/// Runs `logout`.
pub(crate) async fn logout(ctx: &Context, _args: LogoutArgs) -> Result<Exit, Failure> {
    let resolved = resolve(&ctx.connection, None)?;
    let environment = &resolved.settings.environment.value;
    let cache = TokenCache::new(&resolved.profile_name, environment)?;
    if cache.remove()? {
        eprintln!(
            "Signed out: the saved sign-in of profile {} at {} is deleted.",
            resolved.profile_name,
            environment.login_base()
        );
    } else {
        eprintln!(
            "No saved sign-in for profile {} at {}.",
            resolved.profile_name,
            environment.login_base()
        );
    }
    Ok(Exit::Ok)
}

fn signin_failure(error: SignInError) -> Failure {
    let message = error.to_string();
    match &error {
        SignInError::Denied { .. } => Failure::new(Exit::Auth, message),
        SignInError::StateMismatch => Failure::new(Exit::Auth, message)
            .hint("run `genesys-billing login` again and use the page it opens"),
        SignInError::Exchange(AuthError::TokenEndpoint { status, .. }) if status.is_client_error() => {
            Failure::new(Exit::Auth, message).hint(
                "the OAuth client must be of the PKCE type with this redirect URI registered; sign in again",
            )
        }
        SignInError::RedirectUri { .. } => Failure::new(Exit::Usage, message),
        SignInError::TimedOut { .. } => Failure::new(Exit::Failure, message)
            .hint("finish the sign-in in the browser sooner, or raise --timeout"),
        _ => Failure::new(Exit::Failure, message),
    }
}
