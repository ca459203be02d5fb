//! `statbot contacts forget ID --yes`: erases a person's data for a request made other than
//! through Meta's data deletion callback (an email, a letter, a word at the counter), exactly as
//! the callback does, and records it with a confirmation code. ID is the contact's number (as
//! the dashboard shows it) or `PLATFORM:ID`, e.g. `messenger:PSID` (a bare number is always a
//! contact number, since PSIDs are numbers too). Erasing cannot be undone, so without `--yes`
//! it only says which contact it would erase, and fails: scripts pass `--yes`.
//!
//! `statbot contacts list --where SEGMENT`, `statbot contacts tag add|remove TAG --where SEGMENT`
//! and `statbot contacts tags`: the contacts a segment chooses (docs/segments.md), tagging them,
//! and the tags in use. A bad segment is refused with the place it went wrong.

use super::{CliError, warn_config};
use crate::config::{Config, ConfigWarning};
use crate::store::{Contact, DeletionSource, Forget, Store};
use clap::{Subcommand, ValueEnum};
use statbot_core::{Platform, Segment, Tag};

/// Contacts read per page when listing a segment.
const PAGE: i64 = 1000;

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
    /// List the contacts a segment chooses, lowest number first.
    List {
        /// The segment, e.g. 'tag:vip and not opted_out' (see docs/segments.md).
        #[arg(long = "where", value_name = "SEGMENT")]
        segment: String,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Give a tag to, or take it from, the contacts a segment chooses.
    #[command(subcommand)]
    Tag(TagCommand),
    /// Every tag in use and how many contacts have it.
    Tags,
}

#[derive(Subcommand)]
pub enum TagCommand {
    /// Give TAG to every contact SEGMENT chooses (those that have it keep it).
    Add {
        /// 1 to 32 lower-case letters, digits, `_` and `-`.
        tag: String,
        #[arg(long = "where", value_name = "SEGMENT")]
        segment: String,
    },
    /// Take TAG from every contact SEGMENT chooses.
    Remove {
        tag: String,
        #[arg(long = "where", value_name = "SEGMENT")]
        segment: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
}

/// Reads a segment, or says where it went wrong (the text and a caret under the place).
fn segment(text: &str) -> Result<Segment, CliError> {
    Segment::parse(text).map_err(|e| CliError(format!("bad segment: {}", e.explained())))
}

fn tag(text: &str) -> Result<Tag, CliError> {
    text.parse().map_err(|e: statbot_core::segment::BadTag| CliError(e.to_string()))
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
    // Read what was typed before opening the database, so a mistake costs nothing.
    let job = match cmd {
        ContactsCommand::Forget { id, yes } => {
            named(&id)?;
            Job::Forget { id, yes }
        }
        ContactsCommand::List { segment: text, format } => Job::List { chosen: segment(&text)?, format },
        ContactsCommand::Tag(TagCommand::Add { tag: name, segment: text }) => {
            Job::Tag { tag: tag(&name)?, chosen: segment(&text)?, add: true }
        }
        ContactsCommand::Tag(TagCommand::Remove { tag: name, segment: text }) => {
            Job::Tag { tag: tag(&name)?, chosen: segment(&text)?, add: false }
        }
        ContactsCommand::Tags => Job::Tags,
    };
    let store = Store::open(&config.database_url).await?;
    let result = match job {
        Job::Forget { id, yes } => forget(&config, &store, &id, named(&id)?, yes).await,
        Job::List { chosen, format } => list(&config, &store, &chosen, format).await,
        Job::Tag { tag, chosen, add } => tag_segment(&store, &tag, &chosen, add).await,
        Job::Tags => tags(&store).await,
    };
    store.close().await;
    result
}

/// A command, its arguments read.
enum Job {
    Forget { id: String, yes: bool },
    List { chosen: Segment, format: ListFormat },
    Tag { tag: Tag, chosen: Segment, add: bool },
    Tags,
}

/// Gives (`add`) or takes `tag` to the contacts `chosen` picks, and says how many changed.
async fn tag_segment(store: &Store, tag: &Tag, chosen: &Segment, add: bool) -> Result<(), CliError> {
    let now = crate::store::now_ms();
    if add {
        let added = store.tag_segment(tag, chosen, now).await?;
        outln!("Tagged {added} {} `{tag}` (segment: {chosen}).", contacts_word(added));
    } else {
        let removed = store.untag_segment(tag, chosen, now).await?;
        outln!("Untagged {removed} {} `{tag}` (segment: {chosen}).", contacts_word(removed));
    }
    Ok(())
}

fn contacts_word(n: u64) -> &'static str {
    if n == 1 { "contact" } else { "contacts" }
}

/// Writes the contacts `chosen` picks, a page at a time (so 100,000 contacts never sit in
/// memory at once), as a table, a JSON array or CSV.
async fn list(config: &Config, store: &Store, chosen: &Segment, format: ListFormat) -> Result<(), CliError> {
    let zone = config.zone()?;
    let now = crate::store::now_ms();
    let (mut after, mut listed) = (0, 0usize);
    match format {
        ListFormat::Csv => super::emit(&crate::csv::contacts_header()),
        ListFormat::Json => super::emit("["),
        ListFormat::Table => {}
    }
    loop {
        let page = store.segment_contact_rows(chosen, now, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let page = store.with_tags(page).await?;
        let mut out = String::new();
        for tagged in &page {
            match format {
                ListFormat::Csv => out.push_str(&crate::csv::contact_line(tagged, &zone)),
                ListFormat::Json => {
                    out.push_str(if listed == 0 { "\n  " } else { ",\n  " });
                    out.push_str(&serde_json::to_string(tagged)?);
                }
                ListFormat::Table => {
                    let rows = [
                        tagged.contact.id.to_string(),
                        tagged.contact.platform.to_string(),
                        tagged.contact.display_name(),
                        tagged.tags.join(" "),
                    ];
                    out.push_str(&rows.join("  "));
                    out.push('\n');
                }
            }
            listed += 1;
        }
        super::emit(&out);
    }
    match format {
        ListFormat::Json => super::emit(if listed == 0 { "]\n" } else { "\n]\n" }),
        ListFormat::Table if listed == 0 => outln!("No contact is in the segment {chosen}."),
        ListFormat::Table => outln!("{listed} {} in the segment {chosen}.", contacts_word(listed as u64)),
        ListFormat::Csv => {}
    }
    Ok(())
}

/// Prints each tag in use with its count.
async fn tags(store: &Store) -> Result<(), CliError> {
    let counts = store.tag_counts().await?;
    if counts.is_empty() {
        outln!("No contact has a tag yet: statbot contacts tag add TAG --where SEGMENT");
        return Ok(());
    }
    let mut rows = vec![vec!["tag".to_owned(), "contacts".to_owned()]];
    rows.extend(counts.into_iter().map(|c| vec![c.tag, c.contacts.to_string()]));
    super::emit(&crate::table::render(&rows));
    Ok(())
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
