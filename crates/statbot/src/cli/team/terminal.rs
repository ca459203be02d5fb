//! The terminal under `statbot team`: lines read from standard input (end of input means the
//! person left), hidden passwords, and colour only where it helps: on a terminal, unless
//! `NO_COLOR` is set or `TERM` is `dumb`.

use std::io::{BufRead, IsTerminal, Write};

/// Why a prompt got no answer.
#[derive(Debug)]
pub enum Closed {
    /// Standard input ended (Ctrl-D, or the end of piped input).
    EndOfInput,
}

pub struct Terminal {
    color: bool,
    interactive: bool,
}

const LOGO: &str = r"
      _        _   _           _
  ___| |_ __ _| |_| |__   ___ | |_
 / __| __/ _` | __| '_ \ / _ \| __|
 \__ \ || (_| | |_| |_) | (_) | |_
 |___/\__\__,_|\__|_.__/ \___/ \__|
";

impl Terminal {
    pub fn new() -> Terminal {
        let interactive = std::io::stdin().is_terminal();
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map_or(true, |t| t != "dumb");
        Terminal { color, interactive }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }

    pub fn banner(&self, subtitle: &str) {
        self.say(&self.paint("1;36", LOGO.trim_end_matches('\n')));
        self.say(&format!("  {}\n", self.paint("2", subtitle)));
    }

    pub fn say(&self, text: &str) {
        crate::cli::emit(&format!("{text}\n"));
    }

    pub fn heading(&self, text: &str) {
        self.say(&format!("\n{}", self.paint("1", text)));
    }

    pub fn success(&self, text: &str) {
        self.say(&self.paint("32", text));
    }

    pub fn warn(&self, text: &str) {
        self.say(&self.paint("33", text));
    }

    pub fn error(&self, text: &str) {
        self.say(&self.paint("31", text));
    }

    /// Asks and returns the answer without its line break.
    pub fn ask(&self, prompt: &str) -> Result<String, Closed> {
        crate::cli::emit(prompt);
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => Err(Closed::EndOfInput),
            Ok(_) => Ok(line.trim_end_matches(['\r', '\n']).to_owned()),
        }
    }

    /// Asks for a password without echoing it (on a terminal; piped input is read as a line).
    pub fn ask_hidden(&self, prompt: &str) -> Result<String, Closed> {
        if !self.interactive {
            return self.ask(prompt);
        }
        let _ = std::io::stdout().flush();
        rpassword::prompt_password(prompt).map_err(|_| Closed::EndOfInput)
    }

    /// Asks until the answer is yes or no.
    pub fn confirm(&self, prompt: &str) -> Result<bool, Closed> {
        loop {
            match self.ask(prompt)?.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" => return Ok(true),
                "n" | "no" => return Ok(false),
                _ => self.error("Please answer y or n."),
            }
        }
    }

    /// Asks until `parse` accepts the answer, saying why each refused one was refused.
    pub fn ask_until<T>(&self, prompt: &str, mut parse: impl FnMut(&str) -> Result<T, String>) -> Result<T, Closed> {
        loop {
            match parse(self.ask(prompt)?.trim()) {
                Ok(value) => return Ok(value),
                Err(message) => self.error(&message),
            }
        }
    }
}
