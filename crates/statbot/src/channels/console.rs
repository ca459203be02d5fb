//! `statbot chat`: the terminal channel. Replies are printed; buttons and quick replies are
//! numbered and picked by typing the number; anything else is sent as text. Works on any
//! terminal and, for scripts, on plain pipes. While a person of the team has the conversation,
//! their replies show as they come (checked every second), named by the operator, not `bot>`:
//! lines are read on a thread of their own so that waiting for one does not hold them up.

use super::local;
use crate::engine::{Engine, EngineError};
use crate::store::{OutboxMessage, StoreError};
use statbot_core::{Button, InboundContent, Platform, Reply};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::time::Duration;
use tokio::sync::mpsc;

/// How often replies sent from the inbox are looked for.
const PENDING_EVERY: Duration = Duration::from_secs(1);

/// Runs the chat until end of input or `/quit`. `input` and `output` are the terminal in
/// normal use.
pub async fn run(
    engine: &Engine,
    contact: &str,
    input: impl BufRead + Send + 'static,
    mut output: impl Write,
) -> Result<(), ConsoleError> {
    writeln!(output, "statbot chat as `{contact}`. Type a message, a number to pick a button, /quit to leave.")?;
    let mut lines = read_lines(input);
    let mut ticks = tokio::time::interval(PENDING_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut choices: Vec<Button> = Vec::new();
    let mut names = Names::default();
    let mut contact_id = None;
    prompt(&mut output)?;
    loop {
        let line = tokio::select! {
            line = lines.recv() => line,
            _ = ticks.tick() => {
                if contact_id.is_none() {
                    contact_id = engine.store().find_contact(Platform::Console, contact).await?.map(|c| c.id);
                }
                let Some(id) = contact_id else { continue };
                let replies = engine.store().take_pending_replies(id).await?;
                if !replies.is_empty() {
                    // On a line of their own, under what is being typed.
                    writeln!(output)?;
                    print_replies(engine, &mut output, &replies, &mut choices, &mut names).await?;
                    prompt(&mut output)?;
                }
                continue;
            }
        };
        let Some(line) = line else {
            writeln!(output)?;
            break;
        };
        let line = line?;
        let typed = line.trim();
        if typed == "/quit" || typed == "/exit" {
            break;
        }
        if !typed.is_empty() {
            let content = match typed.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).and_then(|i| choices.get(i))
            {
                Some(button) => {
                    InboundContent::Payload { payload: button.payload.clone(), title: Some(button.title.clone()) }
                }
                None => InboundContent::Text { text: typed.to_owned() },
            };
            let message_id = format!("console:{contact}:{}", hex::encode(rand::random::<[u8; 12]>()));
            let replies = local::converse(engine, Platform::Console, contact, message_id, content).await?;
            print_replies(engine, &mut output, &replies, &mut choices, &mut names).await?;
        }
        prompt(&mut output)?;
    }
    Ok(())
}

fn prompt(output: &mut impl Write) -> std::io::Result<()> {
    write!(output, "you> ")?;
    output.flush()
}

/// The input's lines, read on a thread of their own (reading blocks); the channel closes at
/// the end of input.
fn read_lines(mut input: impl BufRead + Send + 'static) -> mpsc::Receiver<std::io::Result<String>> {
    let (sender, receiver) = mpsc::channel(16);
    std::thread::spawn(move || {
        loop {
            let mut line = String::new();
            let read = match input.read_line(&mut line) {
                Ok(0) => return,
                Ok(_) => Ok(line),
                Err(e) => Err(e),
            };
            let failed = read.is_err();
            if sender.blocking_send(read).is_err() || failed {
                return;
            }
        }
    });
    receiver
}

/// Operators' names by account id, looked up once each.
#[derive(Default)]
struct Names(HashMap<i64, String>);

impl Names {
    async fn of(&mut self, engine: &Engine, id: i64) -> Result<&str, StoreError> {
        if let std::collections::hash_map::Entry::Vacant(entry) = self.0.entry(id) {
            entry.insert(engine.store().user(id).await?.map_or_else(|| "team".to_owned(), |u| u.username));
        }
        Ok(&self.0[&id])
    }
}

/// Prints an answer: who wrote each reply (the bot, or an operator by name). Numbers pick from
/// the buttons of the latest answer, numbered once across its replies; an answer without any
/// clears them.
async fn print_replies(
    engine: &Engine,
    output: &mut impl Write,
    replies: &[OutboxMessage],
    choices: &mut Vec<Button>,
    names: &mut Names,
) -> Result<(), ConsoleError> {
    if !replies.is_empty() {
        choices.clear();
    }
    for message in replies {
        let who = match message.author_id {
            Some(id) => names.of(engine, id).await?.to_owned(),
            None => "bot".to_owned(),
        };
        print_reply(output, &who, &message.reply, choices)?;
    }
    Ok(())
}

/// Prints a reply by `who`, numbering its buttons after the `offered` ones, which it joins.
fn print_reply(out: &mut impl Write, who: &str, reply: &Reply, offered: &mut Vec<Button>) -> std::io::Result<()> {
    match reply {
        Reply::Image { url } => writeln!(out, "{who}> [image] {url}")?,
        other => {
            if let Some(text) = other.text() {
                writeln!(out, "{who}> {text}")?;
            }
            for button in other.choices() {
                offered.push(button.clone());
                writeln!(out, "     {}) {}", offered.len(), button.title)?;
            }
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
