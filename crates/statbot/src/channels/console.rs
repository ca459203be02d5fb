//! `statbot chat`: the terminal channel. Replies are printed; buttons and quick replies are
//! numbered and picked by typing the number; anything else is sent as text. Works on any
//! terminal and, for scripts, on plain pipes.

use super::local;
use crate::engine::{Engine, EngineError};
use statbot_core::{Button, InboundContent, Platform, Reply};
use std::io::{BufRead, Write};

/// Runs the chat until end of input or `/quit`. `input` and `output` are the terminal in
/// normal use.
pub async fn run(
    engine: &Engine,
    contact: &str,
    mut input: impl BufRead,
    mut output: impl Write,
) -> Result<(), ConsoleError> {
    writeln!(output, "statbot chat as `{contact}`. Type a message, a number to pick a button, /quit to leave.")?;
    let mut choices: Vec<Button> = Vec::new();
    let mut line = String::new();
    loop {
        write!(output, "you> ")?;
        output.flush()?;
        line.clear();
        if input.read_line(&mut line)? == 0 {
            writeln!(output)?;
            break;
        }
        let typed = line.trim();
        if typed.is_empty() {
            continue;
        }
        if typed == "/quit" || typed == "/exit" {
            break;
        }
        let content = match typed.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).and_then(|i| choices.get(i)) {
            Some(button) => {
                InboundContent::Payload { payload: button.payload.clone(), title: Some(button.title.clone()) }
            }
            None => InboundContent::Text { text: typed.to_owned() },
        };
        let message_id = format!("console:{contact}:{}", hex::encode(rand::random::<[u8; 12]>()));
        let replies = local::converse(engine, Platform::Console, contact, message_id, content).await?;
        // Numbers pick from the buttons of the latest answer, numbered once across its replies;
        // an answer without any clears them.
        if !replies.is_empty() {
            choices.clear();
        }
        for reply in &replies {
            print_reply(&mut output, reply, &mut choices)?;
        }
    }
    Ok(())
}

/// Prints a reply, numbering its buttons after the `offered` ones, which it joins.
fn print_reply(out: &mut impl Write, reply: &Reply, offered: &mut Vec<Button>) -> std::io::Result<()> {
    match reply {
        Reply::Image { url } => writeln!(out, "bot> [image] {url}")?,
        other => {
            if let Some(text) = other.text() {
                writeln!(out, "bot> {text}")?;
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
}
