//! `statbot users list|set-role|passwd|unlock|disable|enable|remove`: managing operator
//! accounts from the machine that holds the database (the rules are `crate::auth::accounts`'s).
//! A role change, a new password, disabling or removing ends the account's sessions and API
//! tokens at once; the last enabled admin cannot be demoted, disabled or removed. Shop customers
//! are not listed and not managed here, except that `unlock` clears any account's lockout.

use super::CliError;
use super::intents::Format;
use crate::auth::accounts::{self, Changed};
use crate::auth::duration_words;
use crate::store::{AccountSummary, Role, Store, now_ms};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum AccountCommand {
    /// The operator accounts: name, role, team, disabled, locked.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Make an operator admin or staff (ends its sessions and tokens).
    SetRole {
        name: String,
        #[arg(value_parser = ["admin", "staff"])]
        role: String,
    },
    /// Give an operator a new password (ends its sessions and tokens).
    Passwd {
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Let a name locked after failed logins log in again at once.
    Unlock { name: String },
    /// Stop an operator from logging in (ends its sessions and tokens).
    Disable { name: String },
    /// Let a disabled operator log in again.
    Enable { name: String },
    /// Delete an operator account, with its sessions and chat links.
    Remove { name: String },
}

pub async fn run(store: &Store, command: AccountCommand) -> Result<(), CliError> {
    match command {
        AccountCommand::List { format } => list(store, format).await,
        AccountCommand::SetRole { name, role } => {
            let role: Role = role.parse()?;
            let done = accounts::set_role(store, &name, role).await?;
            report(&done, &format!("`{}` is now {role}", done.user.username), &format!("is {role}"));
            Ok(())
        }
        AccountCommand::Passwd { name, password_stdin } => {
            // Refuse an unknown name before asking for a password.
            accounts::summary(store, &name).await?;
            let password = super::users::read_password(password_stdin)?;
            let done = accounts::set_password(store, &name, &password).await?;
            report(&done, &format!("changed the password of `{}`", done.user.username), "");
            Ok(())
        }
        AccountCommand::Unlock { name } => {
            match accounts::unlock(store, &name).await? {
                Some(until) => {
                    outln!(
                        "unlocked `{name}` (it was locked for {})",
                        duration_words((until - now_ms() + 999) / 1000, true)
                    )
                }
                None => outln!("`{name}` was not locked; its failed logins are forgotten"),
            }
            Ok(())
        }
        AccountCommand::Disable { name } => {
            let done = accounts::set_disabled(store, &name, true).await?;
            report(&done, &format!("disabled `{}`: it cannot log in", done.user.username), "is disabled");
            Ok(())
        }
        AccountCommand::Enable { name } => {
            let done = accounts::set_disabled(store, &name, false).await?;
            if done.changed {
                outln!("enabled `{}`: it can log in again", done.user.username);
            } else {
                outln!("`{}` already is enabled", done.user.username);
            }
            Ok(())
        }
        AccountCommand::Remove { name } => {
            let done = accounts::remove(store, &name).await?;
            outln!("removed the {} account `{}`", done.user.role, done.user.username);
            Ok(())
        }
    }
}

/// Says what a change that ends sessions did, or that the account already was so.
fn report(done: &Changed, did: &str, already: &str) {
    if done.changed {
        outln!("{did}; its sessions and API tokens have ended");
    } else {
        outln!("`{}` already {already}", done.user.username);
    }
}

async fn list(store: &Store, format: Format) -> Result<(), CliError> {
    let accounts = accounts::list(store).await?;
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&accounts)?);
        return Ok(());
    }
    if accounts.is_empty() {
        outln!("no operator accounts yet: `statbot users add NAME --role admin` creates one");
        return Ok(());
    }
    let now = now_ms();
    let mut rows = vec![["name", "role", "team", "disabled", "locked"].map(String::from).to_vec()];
    rows.extend(accounts.iter().map(|account| row(account, now)));
    super::emit(&crate::table::render(&rows));
    Ok(())
}

fn row(account: &AccountSummary, now: i64) -> Vec<String> {
    let locked =
        account.locked_until.map(|until| format!("{} left", duration_words((until - now + 999) / 1000, false)));
    vec![
        account.username.clone(),
        account.role.to_string(),
        // Accounts made before teams join one on their next login.
        account.team.clone().unwrap_or_else(|| "-".to_owned()),
        if account.disabled { "yes" } else { "no" }.to_owned(),
        locked.unwrap_or_else(|| "no".to_owned()),
    ]
}
