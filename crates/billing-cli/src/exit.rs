//! Exit codes, and what the tool tells a person about an error: the code it exits with and a
//! hint saying what to do next.

use std::time::Duration;

use billing_api::Error;

use crate::cli::DATE_FORMS;

/// How the process ends. The numbers are part of the command-line interface (see `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// Any error without a code of its own: network, server error, unreadable answer, I/O.
    Failure = 1,
    /// A bad argument or missing configuration (clap uses 2 for its own argument errors too).
    Usage = 2,
    /// The usage report is not `Complete` (with `--no-wait`, or when the wait timed out).
    NotReady = 3,
    /// Some trustor orgs of an overview failed; the others were printed.
    PartialFailure = 4,
    /// The credentials were refused.
    Auth = 5,
    /// The API asked to wait longer than the tool is willing to.
    RateLimited = 6,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// The exit code for an SDK error.
pub fn exit_for(error: &Error) -> Exit {
    if error.is_auth() {
        Exit::Auth
    } else if error.is_rate_limited() {
        Exit::RateLimited
    } else {
        match error {
            Error::NotReady { .. } => Exit::NotReady,
            Error::Config { .. } | Error::InvalidInput { .. } => Exit::Usage,
            _ => Exit::Failure,
        }
    }
}

/// What a person should do about `error`, if there is something to say beyond its message.
pub fn hint_for(error: &Error) -> Option<String> {
    if error.is_auth() {
        return Some(
            "the credentials come from --client-id/--client-secret or \
             GENESYSCLOUD_OAUTHCLIENT_ID/GENESYSCLOUD_OAUTHCLIENT_SECRET; also check that \
             --region is the region of the org that owns the OAuth client"
                .to_owned(),
        );
    }
    if error.is_rate_limited() {
        return Some(match error.retry_after() {
            Some(wait) => format!(
                "the API rate limit is exhausted; wait {} and run again",
                human_duration(wait)
            ),
            None => "the API rate limit is exhausted; wait a minute and run again".to_owned(),
        });
    }
    let code = error
        .error_body()
        .and_then(|b| b.code.as_deref())
        .unwrap_or("");
    match (error, error.status().map(|s| s.as_u16())) {
        (Error::NotReady { .. }, _) => Some(
            "the service is still building the report; run again later or raise --timeout"
                .to_owned(),
        ),
        (Error::Config { .. }, _) => Some(
            "pass --region (or --api-url) and --client-id/--client-secret, or set the \
             GENESYSCLOUD_* environment variables; or try --sandbox"
                .to_owned(),
        ),
        (_, Some(400)) if code == "invalid.date" => Some(DATE_FORMS.to_owned()),
        (Error::Service(e), Some(403)) if e.operation.starts_with("getBillingContract") => Some(
            "the OAuth client lacks the permission billing:subscription:view (contracts and invoices)"
                .to_owned(),
        ),
        (Error::Service(e), Some(404)) if e.operation.starts_with("getBillingContract") => Some(
            "check the id: `contracts list`, `contracts show` and `invoices list` show the contract, billing period and invoice ids"
                .to_owned(),
        ),
        (_, Some(403)) => Some(
            "the OAuth client lacks a permission: billing:subscription:view for usage, \
             affiliateOrganization:clientBilling:view for overview"
                .to_owned(),
        ),
        (_, Some(404)) => Some(
            "check the trustor org id: it must be a customer org that trusts this partner org"
                .to_owned(),
        ),
        (_, Some(500..)) => Some(
            "the service failed; try again, and quote the correlation id to Genesys support if it persists"
                .to_owned(),
        ),
        (Error::Transport(_), _) => Some(
            "check the network, the region (--region) or base URL (--api-url); --verbose shows each attempt"
                .to_owned(),
        ),
        _ => None,
    }
}

/// A failure to report: one line, an optional hint, an exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    exit: Exit,
    message: String,
    hint: Option<String>,
}

impl Failure {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    /// The exit code it will end with.
    pub(crate) fn exit(&self) -> Exit {
        self.exit
    }

    /// A refused token, said as such: `token refused or expired: <what>`, then the original
    /// message, with `hint` in place of the one about client credentials.
    pub(crate) fn token_refused(self, what: &str, hint: &str) -> Failure {
        Failure {
            exit: Exit::Auth,
            message: format!("token refused or expired: {what} ({})", self.message),
            hint: Some(hint.to_owned()),
        }
    }

    pub(crate) fn report(self) -> Exit {
        eprintln!("error: {}", self.message);
        if let Some(hint) = self.hint {
            eprintln!("hint: {hint}");
        }
        self.exit
    }
}

impl From<billing_api::Error> for Failure {
    fn from(error: billing_api::Error) -> Failure {
        Failure {
            exit: exit_for(&error),
            message: error.to_string(),
            hint: hint_for(&error),
        }
    }
}

/// `3600 s (1 h)`, `90 s (1 min 30 s)`, `12 s`.
pub fn human_duration(wait: Duration) -> String {
    let secs = wait.as_secs();
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 && !parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    if parts.is_empty() {
        format!("{secs} s")
    } else {
        format!("{secs} s ({})", parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_secs(12)), "12 s");
        assert_eq!(human_duration(Duration::from_secs(90)), "90 s (1 min 30 s)");
        assert_eq!(human_duration(Duration::from_secs(3600)), "3600 s (1 h)");
    }

    #[test]
    fn config_errors_are_usage_errors() {
        let error = Error::Config {
            setting: billing_api::Setting::Region,
            reason: "unknown".into(),
        };
        assert_eq!(exit_for(&error), Exit::Usage);
        assert!(hint_for(&error).unwrap().contains("--sandbox"));
    }

    #[test]
    fn codes_are_stable() {
        let codes: Vec<u8> = [
            Exit::Ok,
            Exit::Failure,
            Exit::Usage,
            Exit::NotReady,
            Exit::PartialFailure,
            Exit::Auth,
            Exit::RateLimited,
        ]
        .iter()
        .map(|e| e.code())
        .collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6]);
    }
}
