//! `statbot team`: the team lead's terminal app (no subcommand), and the same jobs for scripts:
//! `team add`, `team view`, `team export`, `team metrics`, `team list`. Scripts run on the
//! machine that holds the database, so they need no login; `--team` picks the team (default:
//! the configured default team).

mod app;
mod terminal;

use super::CliError;
use crate::config::{Config, ConfigWarning};
use crate::store::{DayWrite, Store};
use crate::team::definition::Better;
use crate::team::entries;
use crate::team::export::{self, ExportFormat};
use crate::team::{DayRange, Team, TeamDefinition, Teams, dates, table};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Args)]
pub struct TeamArgs {
    #[command(subcommand)]
    command: Option<TeamCommand>,
}

#[derive(Subcommand)]
enum TeamCommand {
    /// Record a day's figures: `statbot team add --date 2026-11-20 solved=40 chats=12 csat=96%`.
    Add {
        /// The day: YYYY-MM-DD, today or yesterday.
        #[arg(long, default_value = "today")]
        date: String,
        /// Make the day hold exactly these figures (by default other figures of the day stay).
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        team: TeamChoice,
        /// METRIC=VALUE pairs; `statbot team metrics` lists the metrics.
        #[arg(required = true, value_name = "METRIC=VALUE")]
        figures: Vec<String>,
    },
    /// Totals, daily averages, ratios against targets and missing days over a range.
    View {
        #[command(flatten)]
        range: RangeArgs,
        #[arg(long, value_enum, default_value_t = ViewFormat::Table)]
        format: ViewFormat,
        #[command(flatten)]
        team: TeamChoice,
    },
    /// Write a range to a JSON or CSV file.
    Export {
        #[command(flatten)]
        range: RangeArgs,
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// The file to write (default: the exports folder, named after the team and range).
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        team: TeamChoice,
    },
    /// Show the team's metrics and ratios, or replace them from a TOML or JSON file.
    Metrics {
        /// A definition file (`[[metrics]]` key, name, kind, aggregate; `[[ratios]]` ...).
        #[arg(long)]
        set: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        team: TeamChoice,
    },
    /// The teams.
    List,
}

#[derive(Args)]
struct TeamChoice {
    /// The team (default: the configured default team, created on first use).
    #[arg(long)]
    team: Option<String>,
}

#[derive(Args)]
struct RangeArgs {
    /// First day: YYYY-MM-DD, today or yesterday (default: 6 days before --to).
    #[arg(long)]
    from: Option<String>,
    /// Last day, included (default: today).
    #[arg(long)]
    to: Option<String>,
    /// Extra days after --from (0: that day alone), instead of --to.
    #[arg(long)]
    days: Option<i64>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ViewFormat {
    Table,
    Json,
    Csv,
}

pub async fn run((mut config, warnings): (Config, Vec<ConfigWarning>), args: TeamArgs) -> Result<(), CliError> {
    // The app says itself what a person needs to know (a wrong password, a lock): the failed
    // logins' warnings are for a server's log, not for the screen.
    config.log.filter = "warn,statbot::auth=error".into();
    crate::telemetry::init(&config.log);
    super::warn_config(&warnings);
    let Some(command) = args.command else {
        return app::run(&config).await;
    };
    let store = Store::open(&config.database_url).await?;
    let teams = Teams::new(store.clone(), &config.team, config.zone()?);
    let result = run_command(&teams, command).await;
    store.close().await;
    result
}

async fn run_command(teams: &Teams, command: TeamCommand) -> Result<(), CliError> {
    match command {
        TeamCommand::Add { date, replace, team, figures } => {
            let team = pick(teams, &team).await?;
            let date = dates::parse_recordable_day(&date, teams.today())?;
            let figures = entries::check(&team.definition, &entries::parse_pairs(&figures)?)?;
            let had = teams.day(&team, date).await?.is_some();
            let mode = if replace { DayWrite::Replace } else { DayWrite::Merge };
            teams.record(&team, date, &figures, mode, None).await?;
            let verb = match (had, replace) {
                (false, _) => "recorded",
                (true, true) => "replaced",
                (true, false) => "updated",
            };
            outln!("{verb} {} figure{} of team {} for {date}", figures.len(), plural(figures.len()), team.name);
        }
        TeamCommand::View { range, format, team } => {
            let team = pick(teams, &team).await?;
            let report = teams.report(&team, range.parse(teams)?).await?;
            match format {
                ViewFormat::Table => super::emit(&table::render(&report)),
                ViewFormat::Json => super::emit(&export::json(&report)),
                ViewFormat::Csv => super::emit(&export::csv(&report, &team.definition)),
            }
        }
        TeamCommand::Export { range, format, output, team } => {
            let team = pick(teams, &team).await?;
            let report = teams.report(&team, range.parse(teams)?).await?;
            let path = output.unwrap_or_else(|| export::default_path(&teams.config().exports_dir, &report, format));
            let written = export::write(&path, &export::render(&report, &team.definition, format))
                .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
            outln!("exported {} days of team {} to {}", report.summary.days, team.name, written.display());
        }
        TeamCommand::Metrics { set, json, team } => {
            let mut team = pick(teams, &team).await?;
            if let Some(file) = set {
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?;
                let definition =
                    TeamDefinition::parse(&text).map_err(|e| CliError(format!("{}: {e}", file.display())))?;
                team = teams.define(&team, definition).await?;
                outln!(
                    "team {} now has {} metrics and {} ratios",
                    team.name,
                    team.definition.metrics.len(),
                    team.definition.ratios.len()
                );
            } else if json {
                outln!("{}", serde_json::to_string_pretty(&team.definition)?);
            } else {
                super::emit(&describe(&team));
            }
        }
        TeamCommand::List => {
            for team in teams.list().await? {
                outln!("{}", team.name);
            }
        }
    }
    Ok(())
}

impl RangeArgs {
    fn parse(&self, teams: &Teams) -> Result<DayRange, String> {
        DayRange::parse(self.from.as_deref(), self.to.as_deref(), self.days, teams.today())
    }
}

async fn pick(teams: &Teams, choice: &TeamChoice) -> Result<Team, CliError> {
    Ok(match &choice.team {
        Some(name) => teams.find(name).await?,
        None => teams.ensure(&teams.config().default_team).await?,
    })
}

fn describe(team: &Team) -> String {
    let mut rows = vec![vec!["metric".to_owned(), "name".into(), "kind".into(), "range figure".into()]];
    for m in &team.definition.metrics {
        rows.push(vec![m.key.clone(), m.name.clone(), m.kind.as_str().into(), m.aggregate.as_str().into()]);
    }
    let mut out = format!("Team {}\n\n{}", team.name, crate::table::render(&rows));
    if !team.definition.ratios.is_empty() {
        let mut rows = vec![vec!["ratio".to_owned(), "name".into(), "formula".into(), "target".into()]];
        for r in &team.definition.ratios {
            let fallback = r.percent_metric.as_ref().map(|p| format!(" (or {p})")).unwrap_or_default();
            let target = r.target.map(|t| {
                let better = match r.better {
                    Better::Higher => "or more",
                    Better::Lower => "or less",
                };
                format!("{t}{} {better}", if r.percent { "%" } else { "" })
            });
            rows.push(vec![
                r.key.clone(),
                r.name.clone(),
                format!("({}) / ({}){fallback}", r.numerator.join(" + "), r.denominator.join(" + ")),
                target.unwrap_or_default(),
            ]);
        }
        out.push('\n');
        out.push_str(&crate::table::render(&rows));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
