//! The token `login` saves: one file per profile and login host in the user's cache directory
//! (`~/.cache/genesys-billing/` on Linux), readable by the user alone (mode 0600), used by
//! later commands until it expires and deleted by `logout`.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use billing_api::Environment;
use billing_api::profile::Secret;
use billing_api::signin::SignedIn;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::exit::{Exit, Failure};

/// A saved token is not used in its last minute: a command started then would fail midway.
const EXPIRY_MARGIN: chrono::Duration = chrono::Duration::seconds(60);

/// The saved sign-in of one profile at one login host.
#[derive(Debug)]
pub(crate) struct TokenCache {
    path: PathBuf,
}

/// A token read back from the cache.
#[derive(Debug)]
pub(crate) struct SavedToken {
    /// The token.
    pub access_token: Secret,
    /// When it expires, when the login service said.
    pub expires_at: Option<DateTime<Utc>>,
}

impl SavedToken {
    /// Whether it has expired, or will within a minute: it is then not used, and the user is
    /// told to sign in again rather than that no credentials were given.
    pub fn expired(&self) -> bool {
        self.expires_at
            .is_some_and(|at| at - EXPIRY_MARGIN <= Utc::now())
    }
}

/// The file's content. No `Debug`: it holds the token.
#[derive(Serialize, Deserialize)]
struct File {
    access_token: String,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
    login: String,
}

impl TokenCache {
    /// The cache of `profile` at `environment`'s login host.
    pub fn new(profile: &str, environment: &Environment) -> Result<TokenCache, Failure> {
        let dir = dirs::cache_dir().ok_or_else(|| {
            Failure::new(
                Exit::Failure,
                "no cache directory for the saved sign-in (is HOME set?)",
            )
        })?;
        let login = environment
            .login_base()
            .authority()
            .map(|a| a.as_str())
            .unwrap_or("login");
        let name: String = format!("{profile}@{login}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@.-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(TokenCache {
            path: dir.join("genesys-billing").join(format!("{name}.json")),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved token, when there is one, expired or not (see [`SavedToken::expired`]).
    pub fn load(&self) -> Result<Option<SavedToken>, Failure> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.failure("read", e)),
        };
        let Ok(file) = serde_json::from_str::<File>(&text) else {
            tracing::debug!(path = %self.path.display(), "the saved sign-in is unreadable; ignored");
            return Ok(None);
        };
        Ok(Some(SavedToken {
            access_token: Secret::new(file.access_token),
            expires_at: file.expires_at,
        }))
    }

    /// Saves `signed_in` (replacing what was there), in a file only the user can read.
    pub fn save(&self, signed_in: &SignedIn, environment: &Environment) -> Result<(), Failure> {
        let file = File {
            access_token: signed_in.access_token.expose().to_owned(),
            expires_at: signed_in.expires_at,
            login: environment.login_base().to_string(),
        };
        let json = serde_json::to_vec(&file).map_err(|e| self.failure("write", e.into()))?;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(|e| self.failure("write", e))?;
        // Written beside and renamed over: a reader never sees half a file, and the mode is set
        // when the file is created, not after the token is in it.
        let temporary = self
            .path
            .with_extension(format!("json.{}", std::process::id()));
        let _ = fs::remove_file(&temporary);
        let written = create_private_file(&temporary)
            .and_then(|mut f| f.write_all(&json).and_then(|()| f.sync_all()))
            .and_then(|()| fs::rename(&temporary, &self.path));
        if let Err(e) = written {
            let _ = fs::remove_file(&temporary);
            return Err(self.failure("write", e));
        }
        Ok(())
    }

    /// Deletes the saved token; `false` when there was none.
    pub fn remove(&self) -> Result<bool, Failure> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.failure("delete", e)),
        }
    }

    fn failure(&self, what: &str, error: io::Error) -> Failure {
        Failure::new(
            Exit::Failure,
            format!(
                "cannot {what} the saved sign-in {}: {error}",
                self.path.display()
            ),
        )
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Elsewhere the user's cache directory is private to the user already.
#[cfg(not(unix))]
fn create_private_file(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}
