//! `statbot messenger setup [--dry-run]`: sets the Page's Messenger Profile (Get Started
//! button, greeting, ice breakers, persistent menu; on the linked Instagram account the ice
//! breakers and the menu) from the `[page]` section. It reads what the Page has, prints the
//! difference field by field and sends only what changed, so a second run sends nothing.
//!
//! Every field is managed once a `[page]` section exists: a field the section leaves out is
//! deleted from the Page. Meta's limits and the flows each item leads to are checked before
//! anything is sent.

use super::CliError;
use crate::channels::messenger::page_profile::{self, Page, Plan, Profile, ProfilePlatform, limits};
use crate::channels::messenger::{GraphClient, GraphConfig};
use crate::config::{Config, ConfigWarning};
use clap::{Subcommand, ValueEnum};
use serde_json::json;

#[derive(Subcommand)]
pub enum MessengerCommand {
    /// Set the Page's Get Started button, greeting, ice breakers and persistent menu from the
    /// `[page]` section (or page.toml beside the flows): prints what changes, sends only that.
    Setup {
        /// Print what would change; send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Check the items against the shipped demo flow `coupon` too (as `serve --demo`).
        #[arg(long)]
        demo: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub async fn run(
    (mut config, warnings): (Config, Vec<ConfigWarning>),
    command: MessengerCommand,
) -> Result<(), CliError> {
    let MessengerCommand::Setup { dry_run, demo, format } = command;
    // Loads the flows and checks that every item of the Page leads to one of them.
    super::quiet_tool(&mut config, &warnings, demo)?;
    let page = Page::find(config.page.as_ref(), config.flows_dir.as_deref())?.ok_or_else(|| {
        CliError(
            "no Page set-up is declared: add a [page] section to statbot.toml, or a page.toml with one beside the \
             flows (flows_dir); see docs/messenger.md"
                .into(),
        )
    })?;
    limits::check(&page)?;
    let client = graph_client(&config)?;
    let mut platforms = vec![ProfilePlatform::Messenger];
    if !config.messenger.instagram_account_id.is_empty() {
        platforms.push(ProfilePlatform::Instagram);
    }

    let mut plans = Vec::new();
    for platform in platforms {
        let current = page_profile::fetch(&client, platform).await?;
        plans.push(Plan::new(platform, &current, &Profile::wanted(&page.section, platform)));
    }
    let changes: usize = plans.iter().map(Plan::changes).sum();
    let apply = !dry_run && changes > 0;

    if format == Format::Text {
        outln!("Page set-up from {}:", page.origin);
        for plan in &plans {
            match plan.platform {
                ProfilePlatform::Messenger => outln!("Messenger profile of the Page:"),
                ProfilePlatform::Instagram => outln!(
                    "Instagram profile (account {}; no Get Started button or greeting there):",
                    config.messenger.instagram_account_id
                ),
            }
            for line in plan.lines() {
                outln!("{line}");
            }
        }
    }
    if apply {
        for plan in &plans {
            page_profile::apply(&client, plan).await?;
        }
    }
    let changes_said = match changes {
        1 => "1 change".to_owned(),
        n => format!("{n} changes"),
    };
    match format {
        Format::Text if changes == 0 => outln!("nothing to change: the Page already matches; nothing was sent"),
        Format::Text if dry_run => outln!("dry run: {changes_said} planned; nothing was sent"),
        Format::Text => outln!("applied {changes_said}"),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "origin": page.origin,
                "dry_run": dry_run,
                "applied": apply,
                "changes": changes,
                "platforms": plans,
            }))?
        ),
    }
    Ok(())
}

fn graph_client(config: &Config) -> Result<GraphClient, CliError> {
    if !config.messenger.page_token.is_set() {
        return Err(CliError(
            "the page access token is not set: set STATBOT_MESSENGER_PAGE_TOKEN (see docs/messenger.md)".into(),
        ));
    }
    Ok(GraphClient::new(GraphConfig {
        base_url: config.messenger.graph_url.clone(),
        page_token: config.messenger.page_token.expose().to_owned(),
        timeout: config.send_timeout(),
    })?)
}
