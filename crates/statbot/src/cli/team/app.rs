//! The interactive team stats app: a banner, log in (three tries) or register, then add or
//! update a day's figures, view a range, or export one. Database trouble is said in one
//! sentence and leads back to the menu; the end of input ends the app politely.

use super::terminal::{Closed, Terminal};
use crate::auth::{self, AuthError};
use crate::cli::CliError;
use crate::config::Config;
use crate::limits::{Limit, LimitError, Limits, address_subject};
use crate::store::{DayWrite, Role, Store, StoreError, User};
use crate::team::definition::{MetricKind, TeamDefinition};
use crate::team::export::{self, ExportFormat};
use crate::team::{DayFigures, DayRange, Team, TeamError, Teams, check_team_name, dates, table, value};
use std::collections::HashSet;
use std::fmt::Display;

/// Wrong passwords accepted before going back to the menu.
const LOGIN_TRIES: u32 = 3;

pub async fn run(config: &Config) -> Result<(), CliError> {
    let term = Terminal::new();
    term.banner("team stats: record the team's day, look back over any period");
    let store =
        Store::open(&config.database_url).await.map_err(|e| CliError(format!("cannot open the database: {e}")))?;
    let teams = Teams::new(store.clone(), &config.team, config.zone()?);
    let app = App { term, store: store.clone(), teams, config };
    let (Ok(()) | Err(Closed::EndOfInput)) = app.start().await;
    app.term.say("\nGoodbye.");
    store.close().await;
    Ok(())
}

struct App<'a> {
    term: Terminal,
    store: Store,
    teams: Teams,
    config: &'a Config,
}

/// A figure as typed at a ratio's first part: a count, or the day's ratio as a percentage.
enum RatioAnswer {
    Part(f64),
    Percentage(f64),
}

impl App<'_> {
    async fn start(&self) -> Result<(), Closed> {
        loop {
            self.term.heading("1) Log in\n2) Register\n0) Exit");
            let user = match self.term.ask("Choose 1, 2 or 0: ")?.trim() {
                "1" => self.log_in().await?,
                "2" => self.register().await?,
                "0" => return Ok(()),
                _ => {
                    self.term.error("Please choose 1, 2 or 0.");
                    continue;
                }
            };
            if let Some(user) = user {
                return self.main_menu(user).await;
            }
        }
    }

    /// Says what went wrong with the database, in one sentence.
    fn trouble(&self, error: &dyn Display) {
        let text = error.to_string();
        let sentence = if text.contains("locked") || text.contains("busy") {
            "The database is busy (another program holds a lock); nothing was changed. Try again in a moment."
                .to_owned()
        } else {
            format!("The database could not be used ({text}); nothing was changed.")
        };
        self.term.error(&format!("{sentence} Back to the menu."));
    }

    /// Runs a database step; on failure says so and gives `None`.
    async fn guarded<T, E: Display>(&self, step: impl Future<Output = Result<T, E>>) -> Option<T> {
        match step.await {
            Ok(value) => Some(value),
            Err(e) => {
                self.trouble(&e);
                None
            }
        }
    }

    async fn log_in(&self) -> Result<Option<User>, Closed> {
        let limits = Limits::new(self.store.clone(), &self.config.limits);
        for attempt in 1..=LOGIN_TRIES {
            let name = self.term.ask("Username: ")?;
            let password = self.term.ask_hidden("Password: ")?;
            match limits.hit(Limit::LoginsPerIp, &terminal_subject()).await {
                Ok(()) => {}
                Err(LimitError::Exceeded(exceeded)) => {
                    self.term.error(&exceeded.to_string());
                    return Ok(None);
                }
                Err(LimitError::Store(e)) => {
                    self.trouble(&e);
                    return Ok(None);
                }
            }
            match auth::login_operator(&self.store, &self.config.auth, name.trim(), &password).await {
                Ok(user) => return Ok(Some(user)),
                Err(AuthError::InvalidCredentials { tries_left }) => {
                    self.term.error(&format!("Wrong username or password ({attempt} of {LOGIN_TRIES})."));
                    let lock =
                        auth::duration_words(i64::try_from(self.config.auth.lockout_secs).unwrap_or(i64::MAX), false);
                    match tries_left {
                        0 => {
                            self.term.error(&format!("Too many failed logins: this account is locked for {lock}."));
                            return Ok(None);
                        }
                        1 => self.term.warn(&format!("One more wrong password locks this account for {lock}.")),
                        _ => {}
                    }
                }
                Err(AuthError::Locked { retry_after_secs }) => {
                    self.term.error(&format!(
                        "This account is locked after too many failed logins; try again in {}.",
                        auth::duration_words(retry_after_secs, false)
                    ));
                    return Ok(None);
                }
                Err(AuthError::Disabled) => {
                    self.term.error("This account is disabled; an admin can enable it again.");
                    return Ok(None);
                }
                Err(other) => {
                    self.trouble(&other);
                    return Ok(None);
                }
            }
        }
        self.term.error(&format!("{LOGIN_TRIES} failed attempts. Back to the menu."));
        Ok(None)
    }

    async fn register(&self) -> Result<Option<User>, Closed> {
        let domains = &self.config.team.allowed_email_domains;
        let hint = if domains.is_empty() {
            "no spaces".to_owned()
        } else {
            format!(
                "your email address at {}",
                domains.iter().map(|d| format!("@{d}")).collect::<Vec<_>>().join(" or ")
            )
        };
        self.term.heading("Register");
        let name = loop {
            let name = self.term.ask(&format!("Username ({hint}; empty to go back): "))?.trim().to_owned();
            if name.is_empty() {
                return Ok(None);
            }
            if let Err(message) = check_username(&name, domains) {
                self.term.error(&message);
                continue;
            }
            match self.guarded(self.store.user_by_name(&name)).await {
                None => return Ok(None),
                Some(Some(_)) => self.term.error(&format!("The username {name} is taken; choose another.")),
                Some(None) => break name,
            }
        };
        let password = loop {
            let first =
                self.term.ask_hidden(&format!("Password (at least {} characters): ", auth::MIN_PASSWORD_CHARS))?;
            if let Err(e) = auth::check_password_rules(&first) {
                self.term.error(&format!("{}.", capitalize(&e.to_string())));
                continue;
            }
            if self.term.ask_hidden("Password again: ")? == first {
                break first;
            }
            self.term.error("The two passwords differ; please type them again.");
        };
        let default_team = &self.config.team.default_team;
        let team_name = self.term.ask_until(&format!("Team [{default_team}]: "), |text| {
            if text.is_empty() {
                Ok(default_team.clone())
            } else {
                check_team_name(text).map(str::to_owned).map_err(|e| e.to_string())
            }
        })?;
        let created = match auth::create_user(&self.store, &name, Role::Staff, &password).await {
            Ok(id) => id,
            Err(AuthError::Store(StoreError::Conflict(_))) => {
                self.term.error(&format!("The username {name} was taken meanwhile. Back to the menu."));
                return Ok(None);
            }
            Err(e) => {
                self.trouble(&e);
                return Ok(None);
            }
        };
        let Some(team) = self.guarded(self.teams.assign(created, Some(&team_name))).await else {
            return Ok(None);
        };
        self.term.success(&format!("Registered {name} in team {}.", team.name));
        Ok(self.guarded(self.store.user(created)).await.flatten())
    }

    async fn main_menu(&self, user: User) -> Result<(), Closed> {
        let Some(mut team) = self.guarded(self.teams.of_user(&user)).await else {
            return Ok(());
        };
        self.term.heading(&format!("Welcome, {}! You are working on team {}.", user.username, team.name));
        let admin = user.role == Role::Admin;
        let (menu, choices) = if admin {
            (
                "1) Add or update stats\n2) View stats\n3) Export stats\n4) Switch team\n0) Exit",
                "Choose 1, 2, 3, 4 or 0: ",
            )
        } else {
            ("1) Add or update stats\n2) View stats\n3) Export stats\n0) Exit", "Choose 1, 2, 3 or 0: ")
        };
        loop {
            self.term.heading(menu);
            match self.term.ask(choices)?.trim() {
                "1" => self.add(&team, &user).await?,
                "2" => self.view(&team).await?,
                "3" => self.export(&team).await?,
                "4" if admin => {
                    if let Some(other) = self.switch_team().await? {
                        team = other;
                        self.term.success(&format!("You are working on team {} now.", team.name));
                    }
                }
                "0" => return Ok(()),
                _ => self.term.error(&format!("Please {}.", choices.trim_end_matches(": ").to_lowercase())),
            }
        }
    }

    /// Admins work on any team: the teams are listed and one is picked by name.
    async fn switch_team(&self) -> Result<Option<Team>, Closed> {
        let Some(all) = self.guarded(self.teams.list()).await else {
            return Ok(None);
        };
        let names: Vec<&str> = all.iter().map(|t| t.name.as_str()).collect();
        self.term.say(&format!("Teams: {}", names.join(", ")));
        let picked = self.term.ask_until("Team (empty to stay): ", |text| {
            if text.is_empty() {
                return Ok(None);
            }
            all.iter()
                .find(|t| t.name.eq_ignore_ascii_case(text))
                .cloned()
                .map(Some)
                .ok_or_else(|| format!("No team is named {text}."))
        })?;
        Ok(picked)
    }

    async fn add(&self, team: &Team, user: &User) -> Result<(), Closed> {
        loop {
            let today = self.teams.today();
            let date = self.term.ask_until("Date (YYYY-MM-DD, today or yesterday) [today]: ", |text| {
                dates::parse_recordable_day(if text.is_empty() { "today" } else { text }, today)
            })?;
            let Some(existing) = self.guarded(self.teams.day(team, date)).await else {
                return Ok(());
            };
            let overwrite = match existing {
                None => true,
                Some(day) => {
                    self.term.warn(&format!("{date} already has figures: {}.", describe_day(&team.definition, &day)));
                    self.term.confirm("Overwrite them? (y/n): ")?
                }
            };
            if overwrite {
                let figures = self.ask_figures(&team.definition)?;
                let saved = self.teams.record(team, date, &figures, DayWrite::Replace, Some(user.id));
                if self.guarded::<(), TeamError>(saved).await.is_none() {
                    return Ok(());
                }
                self.term.success(&format!("Saved the figures of {date}."));
            } else {
                self.term.say(&format!("Kept the figures of {date} as they were."));
            }
            if !self.term.confirm("Enter more? (y/n): ")? {
                return Ok(());
            }
        }
    }

    /// One prompt per metric. At a ratio's first part (CSAT good ratings) the day's ratio may be
    /// given as a percentage instead, which then stands for all of that ratio's parts.
    fn ask_figures(&self, definition: &TeamDefinition) -> Result<Vec<(String, f64)>, Closed> {
        let mut figures = Vec::new();
        let mut answered: HashSet<&str> = HashSet::new();
        for metric in definition.prompted_metrics() {
            if answered.contains(metric.key.as_str()) {
                continue;
            }
            let Some(ratio) = definition.ratio_starting_with(&metric.key) else {
                let prompt = format!("{}{}: ", metric.name, kind_hint(metric.kind));
                figures.push((metric.key.clone(), self.term.ask_until(&prompt, |t| value::parse(metric.kind, t))?));
                continue;
            };
            let prompt = format!("{} (or the day's {} as a percentage, e.g. 96%): ", metric.name, ratio.name);
            let answer = self.term.ask_until(&prompt, |text| {
                if value::is_percentage(text) {
                    value::parse(MetricKind::Percent, text).map(RatioAnswer::Percentage)
                } else {
                    value::parse(metric.kind, text).map(RatioAnswer::Part)
                }
            })?;
            match answer {
                RatioAnswer::Part(v) => figures.push((metric.key.clone(), v)),
                RatioAnswer::Percentage(p) => {
                    let percent_metric = ratio.percent_metric.clone().expect("ratios starting a percentage have one");
                    figures.push((percent_metric, p));
                    answered.extend(ratio.numerator.iter().chain(&ratio.denominator).map(String::as_str));
                }
            }
        }
        Ok(figures)
    }

    async fn view(&self, team: &Team) -> Result<(), Closed> {
        let today = self.teams.today();
        let answer = self.term.ask_until(
            "Start date (YYYY-MM-DD, today or yesterday), or a range FROM to TO [today]: ",
            |text| match text.split_once(" to ") {
                Some((from, to)) => {
                    DayRange::new(dates::parse_day(from, today)?, dates::parse_day(to, today)?).map(RangeAnswer::Range)
                }
                None => dates::parse_day(if text.is_empty() { "today" } else { text }, today).map(RangeAnswer::Start),
            },
        )?;
        let range = match answer {
            RangeAnswer::Range(range) => range,
            RangeAnswer::Start(start) => self.term.ask_until("Extra days (0 for one day): ", |text| {
                let extra: i64 = text.parse().map_err(|_| "Enter a whole number of days, 0 or more.".to_owned())?;
                DayRange::starting(start, extra)
            })?,
        };
        let Some(report) = self.guarded(self.teams.report(team, range)).await else {
            return Ok(());
        };
        self.term.say(&format!("\n{}", table::body(&report)));
        if let Some(warning) = table::missing_days_warning(&report) {
            self.term.warn(&warning);
        }
        Ok(())
    }

    async fn export(&self, team: &Team) -> Result<(), Closed> {
        let today = self.teams.today();
        let from =
            self.term.ask_until("From (YYYY-MM-DD, today or yesterday): ", |text| dates::parse_day(text, today))?;
        let range = self.term.ask_until("To (YYYY-MM-DD, today or yesterday) [today]: ", |text| {
            DayRange::new(from, dates::parse_day(if text.is_empty() { "today" } else { text }, today)?)
        })?;
        let format = self.term.ask_until("Format, json or csv [csv]: ", |text| {
            if text.is_empty() { Ok(ExportFormat::Csv) } else { ExportFormat::parse(text) }
        })?;
        let Some(report) = self.guarded(self.teams.report(team, range)).await else {
            return Ok(());
        };
        let path = export::default_path(&self.config.team.exports_dir, &report, format);
        match export::write(&path, &export::render(&report, &team.definition, format)) {
            Ok(written) => self.term.success(&format!(
                "Exported {} days ({} with figures) to {}",
                report.summary.days,
                report.summary.days_recorded,
                written.display()
            )),
            Err(e) => self.term.error(&format!("Could not write {}: {e}. Back to the menu.", path.display())),
        }
        Ok(())
    }
}

/// The answer to the view's first question.
enum RangeAnswer {
    Range(DayRange),
    Start(jiff::civil::Date),
}

/// Usernames: 1 to 64 characters without spaces; an email address of an allowed domain when
/// the configuration names domains.
fn check_username(name: &str, allowed_domains: &[String]) -> Result<(), String> {
    if name.chars().count() > 64 || name.chars().any(char::is_whitespace) {
        return Err("A username has 1 to 64 characters and no spaces.".into());
    }
    if allowed_domains.is_empty() {
        return Ok(());
    }
    let domain = match name.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') => domain.to_ascii_lowercase(),
        _ => return Err("Register with your email address, e.g. ana@example.com.".into()),
    };
    if allowed_domains.contains(&domain) {
        Ok(())
    } else {
        Err(format!("Registration is open to addresses at {} only.", allowed_domains.join(", ")))
    }
}

fn kind_hint(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Count => "",
        MetricKind::Percent => " (percent)",
        MetricKind::Duration => " (e.g. 1h 30m)",
    }
}

/// "Tickets solved 40, Live chats 12".
fn describe_day(definition: &TeamDefinition, day: &DayFigures) -> String {
    definition
        .metrics
        .iter()
        .filter_map(|m| day.values.get(&m.key).map(|v| format!("{} {}", m.name, value::format(m.kind, *v, 0))))
        .collect::<Vec<_>>()
        .join(", ")
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Where a terminal login comes from, for the logins' rate limit: the SSH client's address
/// when the app runs over SSH, else this machine's terminals, counted together.
fn terminal_subject() -> String {
    let ssh_client = std::env::var("SSH_CLIENT").ok();
    let address = ssh_client.as_deref().and_then(|v| v.split_whitespace().next()).and_then(|ip| ip.parse().ok());
    address.map(address_subject).unwrap_or_else(|| "local terminal".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_domain_rule_when_one_is_set() {
        assert!(check_username("ana", &[]).is_ok());
        assert!(check_username("ana smith", &[]).is_err());
        let domains = ["example.com".to_owned()];
        assert!(check_username("ana@Example.com", &domains).is_ok());
        assert!(check_username("ana", &domains).unwrap_err().contains("email address"));
        assert!(check_username("ana@other.org", &domains).unwrap_err().contains("example.com only"));
    }
}
