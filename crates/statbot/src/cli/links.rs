//! `statbot users link|unlink|links`: one-time codes that link a chat to an operator account
//! (which makes that contact staff), removing an account's links, and listing them.

use super::CliError;
use super::intents::Format;
use crate::config::Config;
use crate::staff;
use crate::store::{Store, User};
use clap::Subcommand;
use std::time::Duration;

#[derive(Subcommand)]
pub enum LinkCommand {
    /// Print a one-time code that links a chat (Messenger, /chat, `statbot chat`) to an account:
    /// send `link CODE` to the bot from that chat.
    Link {
        name: String,
        /// How long the code works, in minutes (1 to 1440).
        #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=1440))]
        ttl_minutes: u64,
    },
    /// Remove every chat link of an account (and its unused code).
    Unlink { name: String },
    /// The chats linked to operator accounts.
    Links {
        /// Only this account's.
        #[arg(long)]
        user: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub async fn run(config: &Config, command: LinkCommand) -> Result<(), CliError> {
    let store = Store::open(&config.database_url).await?;
    let result = match command {
        LinkCommand::Link { name, ttl_minutes } => link(&store, &name, ttl_minutes).await,
        LinkCommand::Unlink { name } => unlink(&store, &name).await,
        LinkCommand::Links { user, format } => links(&store, user.as_deref(), format).await,
    };
    store.close().await;
    result
}

async fn account(store: &Store, name: &str) -> Result<User, CliError> {
    store.user_by_name(name).await?.ok_or_else(|| CliError(format!("there is no account `{name}`")))
}

async fn link(store: &Store, name: &str, ttl_minutes: u64) -> Result<(), CliError> {
    let user = account(store, name).await?;
    if !user.role.is_operator() {
        return Err(CliError(format!("`{name}` is a shop customer: only operator accounts are staff")));
    }
    if user.is_disabled() {
        return Err(CliError(format!("`{name}` is disabled: `statbot users enable {name}` first")));
    }
    let issued = staff::issue_code(store, user.id, Duration::from_secs(ttl_minutes * 60)).await?;
    outln!("link code for {} ({}): {}", user.username, user.role, issued.code);
    outln!("{}", issued.instructions());
    Ok(())
}

async fn unlink(store: &Store, name: &str) -> Result<(), CliError> {
    let user = account(store, name).await?;
    match store.unlink_user(user.id).await? {
        0 => outln!("`{}` had no linked chats", user.username),
        1 => outln!("unlinked 1 chat from `{}`", user.username),
        n => outln!("unlinked {n} chats from `{}`", user.username),
    }
    Ok(())
}

async fn links(store: &Store, user: Option<&str>, format: Format) -> Result<(), CliError> {
    let user_id = match user {
        Some(name) => Some(account(store, name).await?.id),
        None => None,
    };
    let links = store.contact_links(user_id).await?;
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&links)?);
        return Ok(());
    }
    if links.is_empty() {
        outln!("no chats are linked to operator accounts");
        return Ok(());
    }
    let mut rows = vec![["account", "role", "platform", "contact", "name", "linked (UTC)"].map(String::from).to_vec()];
    for link in &links {
        let at = jiff::Timestamp::from_millisecond(link.linked_at).map(|t| t.strftime("%Y-%m-%d %H:%M").to_string());
        rows.push(vec![
            link.username.clone(),
            link.role.to_string(),
            link.platform.to_string(),
            link.external_id.clone(),
            link.contact_name.clone().unwrap_or_default(),
            at.unwrap_or_default(),
        ]);
    }
    super::emit(&crate::table::render(&rows));
    Ok(())
}
