//! `profiles list` and `profiles show`: the profiles of gc's configuration file, and the
//! settings a command would use with each value's source. Secrets are masked.

use std::io::{self, Write};

use billing_api::Environment;
use billing_api::profile::{self, Auth, ConfigError, ConfigFile, Profile, Sourced};
use clap::{Args, Subcommand};

use super::Context;
use crate::connect::{config_failure, resolve};
use crate::exit::{Exit, Failure};
use crate::token_cache::TokenCache;

/// Arguments of `profiles`.
#[derive(Debug, Clone, Args)]
pub struct ProfilesArgs {
    /// What to show.
    #[command(subcommand)]
    pub action: ProfilesAction,
}

/// `profiles list` or `profiles show`.
#[derive(Debug, Clone, Subcommand)]
pub enum ProfilesAction {
    /// The profiles of the configuration file; `*` marks the one in use.
    List,
    /// The settings in effect with a profile (default: the one in use), and where each value
    /// comes from: a flag, an environment variable, the profile (file:line) or the default.
    Show {
        /// The profile [default: --profile, GENESYSCLOUD_PROFILE or DEFAULT]
        name: Option<String>,
    },
}

/// Runs `profiles`.
pub(crate) fn run(ctx: &Context, args: &ProfilesArgs) -> Result<Exit, Failure> {
    let text = match &args.action {
        ProfilesAction::List => list(ctx)?,
        ProfilesAction::Show { name } => show(ctx, name.as_deref())?,
    };
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Failure::new(
            Exit::Failure,
            format!("cannot write to stdout: {e}"),
        )),
        _ => Ok(Exit::Ok),
    }
}

fn list(ctx: &Context) -> Result<String, Failure> {
    let connection = &ctx.connection;
    let path = match connection.config.clone().or_else(profile::default_path) {
        Some(path) => path,
        None => {
            return Err(Failure::new(
                Exit::Usage,
                "no home directory: pass --config FILE",
            ));
        }
    };
    let file = match ConfigFile::read(&path) {
        Ok(file) => file,
        Err(ConfigError::NotFound { .. }) if connection.config.is_none() => {
            return Ok(format!(
                "no configuration file at {} (gc writes it; --config names another)\n",
                path.display()
            ));
        }
        Err(e) => return Err(config_failure(e)),
    };
    let selected = connection
        .profile
        .as_deref()
        .unwrap_or(profile::DEFAULT_PROFILE);
    let width = file
        .profiles()
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(0)
        .max("PROFILE".len());
    let mut text = format!("  {:<width$}  {:<24}  AUTH\n", "PROFILE", "ENVIRONMENT");
    for p in file.profiles() {
        let marker = if p.name == selected { '*' } else { ' ' };
        let environment = p
            .environment
            .as_ref()
            .map_or_else(|| "(default)".to_owned(), |e| e.value.clone());
        text.push_str(&format!(
            "{marker} {:<width$}  {environment:<24}  {}\n",
            p.name,
            profile_auth(p)
        ));
    }
    text.push_str(&format!("({})\n", file.path().display()));
    Ok(text)
}

/// How a profile alone would authenticate.
fn profile_auth(p: &Profile) -> &'static str {
    match (&p.client_id, &p.client_secret, &p.access_token) {
        (_, _, Some(_)) => "access token",
        (Some(_), Some(_), None) => "client credentials",
        (Some(_), None, None) => "client id (login)",
        _ => "-",
    }
}

fn show(ctx: &Context, name: Option<&str>) -> Result<String, Failure> {
    let mut connection = ctx.connection.clone();
    if let Some(name) = name {
        connection.profile = Some(name.to_owned());
        connection.from_env.retain(|id| *id != "profile");
    }
    let resolved = resolve(&connection, ctx.log_file.as_deref())?;
    let s = &resolved.settings;
    let mut rows: Vec<(&str, String, String)> = Vec::new();
    let mut row = |name, value: String, source: String| rows.push((name, value, source));
    row(
        "profile",
        match &s.profile {
            Some(name) => name.clone(),
            None => format!("{} (not in the file)", resolved.profile_name),
        },
        String::new(),
    );
    row(
        "environment",
        describe(&s.environment.value),
        s.environment.source.to_string(),
    );
    row("client id", value(&s.client_id), source(&s.client_id));
    row(
        "client secret",
        value(&s.client_secret),
        source(&s.client_secret),
    );
    row(
        "access token",
        value(&s.access_token),
        source(&s.access_token),
    );
    row(
        "proxy",
        s.proxy.as_ref().map_or_else(none, |p| p.value.url()),
        source(&s.proxy),
    );
    row(
        "log file",
        s.log_file
            .as_ref()
            .map_or_else(none, |p| p.value.display().to_string()),
        source(&s.log_file),
    );
    let cache = TokenCache::new(&resolved.profile_name, &s.environment.value)?;
    let saved = cache.load()?;
    let saved_text = match &saved {
        Some(token) => match token.expires_at {
            Some(at) if token.expired() => format!("expired {}", at.format("%Y-%m-%d %H:%M UTC")),
            Some(at) => format!("valid until {}", at.format("%Y-%m-%d %H:%M UTC")),
            None => "saved".to_owned(),
        },
        None => none(),
    };
    row(
        "saved sign-in",
        saved_text,
        cache.path().display().to_string(),
    );
    let auth = match s.auth() {
        Auth::AccessToken(_) => "the access token".to_owned(),
        Auth::ClientCredentials { .. } => "the client credentials".to_owned(),
        _ if saved.as_ref().is_some_and(|t| t.expired()) => {
            "nothing: the saved sign-in expired; run `genesys-billing login` again".to_owned()
        }
        _ if saved.is_some() => "the saved sign-in".to_owned(),
        _ => {
            "nothing yet: set client credentials or an access token, or run `genesys-billing login`"
                .to_owned()
        }
    };
    row("signs in with", auth, String::new());

    let value_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let mut text = String::new();
    for (name, value, source) in rows {
        let line = format!("{name:<14} {value:<value_width$}  {source}");
        text.push_str(line.trim_end());
        text.push('\n');
    }
    Ok(text)
}

fn none() -> String {
    "-".to_owned()
}

/// A value for display: secrets show as their fixed mask (`Display` of `Secret`).
fn value<T: std::fmt::Display>(setting: &Option<Sourced<T>>) -> String {
    setting.as_ref().map_or_else(none, |s| s.value.to_string())
}

fn source<T>(setting: &Option<Sourced<T>>) -> String {
    setting
        .as_ref()
        .map_or_else(String::new, |s| s.source.to_string())
}

/// `eu_west_1 (https://api.mypurecloud.ie)`, or the API URL of a custom environment.
fn describe(environment: &Environment) -> String {
    let base = |uri: &http::Uri| uri.to_string().trim_end_matches('/').to_owned();
    match environment.region() {
        Some(region) => format!("{region} ({})", base(environment.api_base())),
        None => format!(
            "{} (login {})",
            base(environment.api_base()),
            base(environment.login_base())
        ),
    }
}
