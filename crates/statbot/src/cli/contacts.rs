//! `statbot contacts forget ID --yes`: erases a person's data for a request made other than
//! through Meta's data deletion callback (an email, a letter, a word at the counter), exactly as
//! the callback does, and records it with a confirmation code. ID is the contact's number (as
//! the dashboard shows it) or `PLATFORM:ID`, e.g. `messenger:PSID` (a bare number is always a
//! contact number, since PSIDs are numbers too). Erasing cannot be undone, so without `--yes`
//! it only says which contact it would erase, and fails: scripts pass `--yes`.

use super::{CliError, warn_config};
use crate::config::{Config, ConfigWarning};
use crate::store::{Contact, DeletionSource, Forget, Store};
use clap::Subcommand;
use statbot_core::Platform;

#[derive(Subcommand)]
pub enum ContactsCommand {
    /// Erase a contact's personal data: name, profile, message texts, context and platform id
    /// (its events stay, anonymous, so counts do not change).
    Forget {
        /// The contact's number, or PLATFORM:ID (e.g. messenger:6790000000000001).
        id: String,
        /// Erase it. Without this, only say which contact would be erased.
        #[arg(long)]
        yes: bool,
    },
}

/// Which contact an ID names.
#[derive(Debug, PartialEq, Eq)]
enum Named<'a> {
    Number(i64),
    On(Platform, &'a str),
}

fn named(id: &str) -> Result<Named<'_>, CliError> {
    let id = id.trim();
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        return id.parse().map(Named::Number).map_err(|_| CliError(format!("`{id}` is too large a contact number")));
    }
    match id.split_once(':') {
        Some((platform, external)) if !external.is_empty() => match platform.parse::<Platform>() {
            Ok(platform) => Ok(Named::On(platform, external)),
            Err(_) => Err(CliError(format!(
                "unknown platform `{platform}`: use messenger, instagram, web or console, as in messenger:PSID"
            ))),
        },
        _ => Err(CliError(format!(
            "`{id}` is neither a contact number nor PLATFORM:ID (as in messenger:6790000000000001)"
        ))),
    }
}

pub async fn run((config, warnings): (Config, Vec<ConfigWarning>), cmd: ContactsCommand) -> Result<(), CliError> {
    crate::telemetry::init(&crate::config::LogConfig { filter: "warn".into(), ..config.log.clone() });
    warn_config(&warnings);
    let ContactsCommand::Forget { id, yes } = cmd;
    let named = named(&id)?;
    let store = Store::open(&config.database_url).await?;
    let result = forget(&config, &store, &id, named, yes).await;
    store.close().await;
    result
}

async fn forget(config: &Config, store: &Store, id: &str, named: Named<'_>, yes: bool) -> Result<(), CliError> {
    let found = match named {
        Named::Number(number) => store.contact(number).await?,
        Named::On(platform, external) => store.find_contact(platform, external).await?,
    };
    let Some(contact) = found else {
        return Err(CliError(format!("no contact is `{}`: nothing was erased", id.trim())));
    };
    if !yes {
        return Err(CliError(format!(
            "this would erase contact {} ({}) for good: run again with --yes to erase it",
            contact.id,
            describe(&contact)
        )));
    }
    let done = store.forget(DeletionSource::Cli, Forget::Contact(contact.id)).await?;
    outln!(
        "Erased contact {} ({}): its name, profile, message texts, context and platform id are gone, and its \
         events stay, anonymous; confirmation code {}, status at {}/data-deletion/{}.",
        contact.id,
        contact.platform,
        done.confirmation_code,
        config.public_base(),
        done.confirmation_code
    );
    Ok(())
}

/// The contact as the operator knows it: its platform and name.
fn describe(contact: &Contact) -> String {
    format!("{}, {}", contact.platform, contact.display_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_numbers_or_platform_ids() {
        assert_eq!(named("12").ok(), Some(Named::Number(12)));
        assert_eq!(named(" 12 ").ok(), Some(Named::Number(12)));
        assert_eq!(named("messenger:6790000000000001").ok(), Some(Named::On(Platform::Messenger, "6790000000000001")));
        assert_eq!(named("console:Rosa").ok(), Some(Named::On(Platform::Console, "Rosa")));
        for bad in ["", "abc", "messenger:", "fax:123", "99999999999999999999999"] {
            assert!(named(bad).is_err(), "{bad:?}");
        }
    }
}
