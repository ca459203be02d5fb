//! Team stats: each team's daily figures (solves, chats, comments, CSAT… as the team defines
//! them), read back over any range with totals, averages, ratios against targets and the days
//! with no figures, and beside them the figures the inbox fills in by itself (`automatic`).
//! Shared by `statbot team` (interactive and scripted), the API and the dashboard.

pub use crate::dates;
pub mod automatic;
pub mod definition;
pub mod entries;
pub mod export;
pub mod summary;
pub mod table;
pub mod value;

pub use dates::DayRange;
pub use definition::TeamDefinition;
pub use summary::{DayFigures, Summary};

use crate::config::TeamConfig;
use crate::store::{DayWrite, Role, Store, StoreError, StoredTeam, User};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("no team is named `{0}`")]
    UnknownTeam(String),
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Definition(#[from] definition::DefinitionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A team with its parsed definition.
#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub definition: TeamDefinition,
}

impl Team {
    fn from_stored(stored: StoredTeam) -> Result<Team, TeamError> {
        let definition: TeamDefinition = serde_json::from_str(&stored.definition)
            .map_err(|e| StoreError::Corrupt(format!("the definition of team `{}`: {e}", stored.name)))?;
        Ok(Team { id: stored.id, name: stored.name, definition })
    }
}

/// A range's report: the summary and every day with figures, typed or automatic.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub team: String,
    #[serde(flatten)]
    pub summary: Summary,
    pub daily: Vec<DayFigures>,
}

/// Team names: 1 to 64 characters, no line breaks.
pub fn check_team_name(name: &str) -> Result<&str, TeamError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.contains(char::is_control) {
        return Err(TeamError::BadInput("a team name has 1 to 64 characters".into()));
    }
    Ok(name)
}

#[derive(Clone)]
pub struct Teams {
    store: Store,
    config: TeamConfig,
    time_zone: jiff::tz::TimeZone,
}

impl Teams {
    /// `time_zone` is the business time zone, whose calendar "today" follows.
    pub fn new(store: Store, config: &TeamConfig, time_zone: jiff::tz::TimeZone) -> Teams {
        Teams { store, config: config.clone(), time_zone }
    }

    pub fn config(&self) -> &TeamConfig {
        &self.config
    }

    pub fn today(&self) -> Date {
        jiff::Timestamp::now().to_zoned(self.time_zone.clone()).date()
    }

    /// The team of that name, created with the default metrics when there is none.
    pub async fn ensure(&self, name: &str) -> Result<Team, TeamError> {
        let name = check_team_name(name)?;
        if let Some(team) = self.store.team_by_name(name).await? {
            return Team::from_stored(team);
        }
        let definition = serde_json::to_string(&TeamDefinition::default()).expect("a definition serializes");
        match self.store.create_team(name, &definition).await {
            Ok(team) => Team::from_stored(team),
            // Created meanwhile by someone else: use theirs.
            Err(StoreError::Conflict(_)) => self.find(name).await,
            Err(e) => Err(e.into()),
        }
    }

    pub async fn find(&self, name: &str) -> Result<Team, TeamError> {
        let stored = self.store.team_by_name(name.trim()).await?;
        Team::from_stored(stored.ok_or_else(|| TeamError::UnknownTeam(name.trim().to_owned()))?)
    }

    pub async fn list(&self) -> Result<Vec<Team>, TeamError> {
        self.store.teams().await?.into_iter().map(Team::from_stored).collect()
    }

    /// The account's team; an account made before teams joins the default team.
    pub async fn of_user(&self, user: &User) -> Result<Team, TeamError> {
        if let Some(id) = user.team_id
            && let Some(team) = self.store.team(id).await?
        {
            return Team::from_stored(team);
        }
        self.assign(user.id, None).await
    }

    /// Puts an account in the named team (or the default one), creating the team if needed.
    pub async fn assign(&self, user_id: i64, team_name: Option<&str>) -> Result<Team, TeamError> {
        let team = self.ensure(team_name.unwrap_or(&self.config.default_team)).await?;
        self.store.set_user_team(user_id, team.id).await?;
        Ok(team)
    }

    /// The team a request reads or writes: the account's own, or for admins any team named.
    pub async fn for_request(&self, user: &User, team_name: Option<&str>) -> Result<Team, TeamError> {
        let own = self.of_user(user).await?;
        match team_name.map(str::trim).filter(|n| !n.is_empty()) {
            None => Ok(own),
            Some(name) if name.eq_ignore_ascii_case(&own.name) => Ok(own),
            Some(name) if user.role == Role::Admin => self.find(name).await,
            Some(_) => Err(TeamError::Forbidden("only admins read or write another team's figures".into())),
        }
    }

    pub async fn define(&self, team: &Team, definition: TeamDefinition) -> Result<Team, TeamError> {
        definition.validate()?;
        let json = serde_json::to_string(&definition).expect("a definition serializes");
        self.store.set_team_definition(team.id, &json).await?;
        Ok(Team { definition, ..team.clone() })
    }

    /// The days of a range with typed figures, oldest first.
    pub async fn days(&self, team: &Team, range: DayRange) -> Result<Vec<DayFigures>, TeamError> {
        let figures = self.store.team_figures(team.id, &range.from.to_string(), &range.to.to_string()).await?;
        let mut days: BTreeMap<Date, BTreeMap<String, f64>> = BTreeMap::new();
        for figure in figures {
            let date: Date =
                figure.day.parse().map_err(|_| StoreError::Corrupt(format!("team figure day `{}`", figure.day)))?;
            days.entry(date).or_default().insert(figure.metric, figure.value);
        }
        Ok(days.into_iter().map(|(date, values)| DayFigures { date, values, automatic: BTreeMap::new() }).collect())
    }

    /// The range's typed figures with the inbox's beside them (see [`automatic`]).
    pub async fn report(&self, team: &Team, range: DayRange) -> Result<Report, TeamError> {
        let mut daily = self.days(team, range).await?;
        let mut summary = Summary::compute(&team.definition, range.from, range.to, &daily);
        let inbox = self.store.inbox_figures(team.id, &automatic::day_starts(range, &self.time_zone)).await?;
        automatic::add(&team.definition, &mut summary, &mut daily, &inbox);
        Ok(Report { team: team.name.clone(), summary, daily })
    }

    /// The figures typed for a day, if any.
    pub async fn day(&self, team: &Team, date: Date) -> Result<Option<DayFigures>, TeamError> {
        let range = DayRange { from: date, to: date };
        Ok(self.days(team, range).await?.into_iter().next())
    }

    /// Records a day's figures (already checked against the definition by [`entries`]).
    pub async fn record(
        &self,
        team: &Team,
        date: Date,
        figures: &[(String, f64)],
        mode: DayWrite,
        user_id: Option<i64>,
    ) -> Result<(), TeamError> {
        if date > self.today() {
            return Err(TeamError::BadInput(format!(
                "{date} is in the future; figures are recorded for today or earlier"
            )));
        }
        if figures.is_empty() {
            return Err(TeamError::BadInput("no figures given".into()));
        }
        self.store.put_team_day(team.id, &date.to_string(), figures, mode, user_id).await?;
        Ok(())
    }
}
