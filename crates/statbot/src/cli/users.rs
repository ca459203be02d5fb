//! `statbot users add NAME --role admin|staff [--team TEAM]`: creates an operator account in a
//! team. The password comes from a hidden prompt (asked twice) or, for scripts, from standard
//! input with `--password-stdin`. Managing accounts (`list`, `set-role`, `passwd`, `unlock`,
//! `disable`, `enable`, `remove`) is in `accounts.rs`; `link`, `unlink` and `links` (chats
//! linked to accounts) are in `links.rs`.

use super::{CliError, warn_config};
use crate::auth;
use crate::config::{Config, ConfigWarning};
use crate::store::{Role, Store};
use crate::team::{Team, Teams};
use crate::telemetry;
use clap::Subcommand;
use std::io::{BufRead, IsTerminal};

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create an operator account.
    Add {
        name: String,
        #[arg(long, value_parser = ["admin", "staff"])]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// The team the account works on (default: the configured default team; created if new).
        #[arg(long)]
        team: Option<String>,
    },
    #[command(flatten)]
    Accounts(super::accounts::AccountCommand),
    #[command(flatten)]
    Links(super::links::LinkCommand),
}

pub async fn run((config, warnings): (Config, Vec<ConfigWarning>), cmd: UsersCommand) -> Result<(), CliError> {
    telemetry::init(&crate::config::LogConfig { filter: "warn".into(), ..config.log.clone() });
    warn_config(&warnings);
    let (name, role, password_stdin, team) = match cmd {
        UsersCommand::Add { name, role, password_stdin, team } => (name, role, password_stdin, team),
        UsersCommand::Links(cmd) => return super::links::run(&config, cmd).await,
        UsersCommand::Accounts(cmd) => {
            let store = Store::open(&config.database_url).await?;
            let result = super::accounts::run(&store, cmd).await;
            store.close().await;
            return result;
        }
    };
    let name = name.trim().to_owned();
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_whitespace) {
        return Err(CliError("the user name must be 1 to 64 characters without spaces".into()));
    }
    let role: Role = role.parse()?;
    if let Some(team) = &team {
        crate::team::check_team_name(team)?;
    }
    let password = read_password(password_stdin)?;
    auth::check_password_rules(&password)?;
    let store = Store::open(&config.database_url).await?;
    let result = create(&config, &store, &name, role, &password, team.as_deref()).await;
    store.close().await;
    let team = result?;
    crate::cli::outln!("created {role} account `{name}` in team {}", team.name);
    Ok(())
}

async fn create(
    config: &Config,
    store: &Store,
    name: &str,
    role: Role,
    password: &str,
    team: Option<&str>,
) -> Result<Team, CliError> {
    let teams = Teams::new(store.clone(), &config.team, config.zone()?);
    let id = auth::create_user(store, name, role, password).await?;
    Ok(teams.assign(id, team).await?)
}

/// A new password: the first line of standard input, or asked twice on a hidden prompt.
pub(super) fn read_password(from_stdin: bool) -> Result<String, CliError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError("no terminal to ask the password on: pass --password-stdin and pipe it in".into()));
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Password again: ")?;
    if first != second {
        return Err(CliError("the two passwords differ".into()));
    }
    Ok(first)
}
