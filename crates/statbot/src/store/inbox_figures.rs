//! The inbox's figures for a team's stats (issue 19): read from `inbox_sessions`, per day and
//! per operator over a range. A session counts for the team of its first responder
//! (`first_response_by`, by `users.team_id`): as a live chat, with its first response time, on
//! the day of its first response; with its resolution time on the day it went back to the bot.
//! Days are given as instants (their boundaries in the business time zone, worked out by the
//! caller), so the SQL compares integers only and the rows are bucketed here.

use super::{Result, Store};
use sqlx::Row;
use std::collections::BTreeMap;

/// A count of sessions and the sum of their lengths.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub total_ms: i64,
}

impl Tally {
    fn add(&mut self, ms: i64) {
        self.count += 1;
        self.total_ms += ms;
    }

    /// The mean length in seconds; `None` without sessions.
    pub fn mean_secs(&self) -> Option<f64> {
        (self.count > 0).then(|| self.total_ms as f64 / 1000.0 / self.count as f64)
    }
}

/// One day of the range: the sessions first answered that day (live chats, with the time from
/// the ask to that answer) and those released that day (with the time from the ask to release).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxDay {
    pub responded: Tally,
    pub resolved: Tally,
}

/// One operator over the whole range, the same two tallies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxOperator {
    pub username: String,
    pub responded: Tally,
    pub resolved: Tally,
}

/// A team's inbox figures over a range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxFigures {
    /// By the day's index in the range (only days with a figure).
    pub days: BTreeMap<usize, InboxDay>,
    /// By username.
    pub operators: Vec<InboxOperator>,
}

/// A session as read: who answered first, and when it was asked, answered and released.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SessionTimes {
    username: String,
    asked_at: i64,
    first_response_at: i64,
    released_at: Option<i64>,
}

impl Store {
    /// The inbox's figures of team `team_id` over the days that start at `day_starts` (epoch ms,
    /// ascending); the last entry is where the range ends (exclusive), so `n` days take `n + 1`
    /// instants. An empty or one-instant list reads nothing.
    pub async fn inbox_figures(&self, team_id: i64, day_starts: &[i64]) -> Result<InboxFigures> {
        let (Some(&from), Some(&to)) = (day_starts.first(), day_starts.last()) else {
            return Ok(InboxFigures::default());
        };
        if from >= to {
            return Ok(InboxFigures::default());
        }
        let rows = sqlx::query(
            "SELECT u.username, s.asked_at, s.first_response_at, s.released_at \
             FROM inbox_sessions s JOIN users u ON u.id = s.first_response_by \
             WHERE u.team_id = $1 AND s.first_response_at IS NOT NULL \
             AND ((s.first_response_at >= $2 AND s.first_response_at < $3) \
               OR (s.released_at >= $2 AND s.released_at < $3))",
        )
        .bind(team_id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let sessions = rows
            .iter()
            .map(|row| {
                Ok(SessionTimes {
                    username: row.try_get(0)?,
                    asked_at: row.try_get(1)?,
                    first_response_at: row.try_get(2)?,
                    released_at: row.try_get(3)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(tally(&sessions, day_starts))
    }
}

/// The index of the day `at` falls on, if within the range.
fn day_of(at: i64, day_starts: &[i64]) -> Option<usize> {
    let (&from, &to) = (day_starts.first()?, day_starts.last()?);
    if at < from || at >= to {
        return None;
    }
    Some(day_starts.partition_point(|&start| start <= at) - 1)
}

fn tally(sessions: &[SessionTimes], day_starts: &[i64]) -> InboxFigures {
    let mut days: BTreeMap<usize, InboxDay> = BTreeMap::new();
    let mut operators: BTreeMap<&str, (Tally, Tally)> = BTreeMap::new();
    for s in sessions {
        if let Some(day) = day_of(s.first_response_at, day_starts) {
            let response = s.first_response_at - s.asked_at;
            days.entry(day).or_default().responded.add(response);
            operators.entry(&s.username).or_default().0.add(response);
        }
        if let Some(released_at) = s.released_at
            && let Some(day) = day_of(released_at, day_starts)
        {
            let resolution = released_at - s.asked_at;
            days.entry(day).or_default().resolved.add(resolution);
            operators.entry(&s.username).or_default().1.add(resolution);
        }
    }
    let operators = operators
        .into_iter()
        .map(|(username, (responded, resolved))| InboxOperator { username: username.to_owned(), responded, resolved })
        .collect();
    InboxFigures { days, operators }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(username: &str, asked_at: i64, first_response_at: i64, released_at: Option<i64>) -> SessionTimes {
        SessionTimes { username: username.into(), asked_at, first_response_at, released_at }
    }

    #[test]
    fn instants_fall_on_the_day_that_holds_them_and_the_end_is_excluded() {
        let starts = [100, 200, 250, 400];
        assert_eq!(day_of(99, &starts), None);
        assert_eq!(day_of(100, &starts), Some(0));
        assert_eq!(day_of(199, &starts), Some(0));
        assert_eq!(day_of(200, &starts), Some(1));
        assert_eq!(day_of(399, &starts), Some(2));
        assert_eq!(day_of(400, &starts), None);
        assert_eq!(day_of(150, &[100]), None, "one instant is no day");
    }

    #[test]
    fn a_session_counts_where_it_was_answered_and_where_it_was_released() {
        let starts = [0, 86_400_000, 172_800_000];
        let sessions = [
            // Answered after 30 s on day 0, released on day 1 after 25 h.
            session("ann", 3_600_000, 3_630_000, Some(3_600_000 + 90_000_000)),
            // Answered after 90 s on day 0, still open.
            session("bob", 7_200_000, 7_290_000, None),
            // Answered before the range (not a live chat of it), released on day 0 after 10 min.
            session("bob", -1_000_000, -900_000, Some(-400_000 + 1_000_000)),
        ];
        let figures = tally(&sessions, &starts);
        let day0 = figures.days[&0];
        assert_eq!(day0.responded, Tally { count: 2, total_ms: 120_000 });
        assert_eq!(day0.responded.mean_secs(), Some(60.0));
        assert_eq!(day0.resolved, Tally { count: 1, total_ms: 1_600_000 });
        assert_eq!(figures.days[&1].responded, Tally::default());
        assert_eq!(figures.days[&1].resolved.mean_secs(), Some(90_000.0));
        let names: Vec<&str> = figures.operators.iter().map(|o| o.username.as_str()).collect();
        assert_eq!(names, ["ann", "bob"]);
        assert_eq!(figures.operators[1].responded, Tally { count: 1, total_ms: 90_000 });
        assert_eq!(figures.operators[1].resolved.count, 1);
        assert_eq!(Tally::default().mean_secs(), None);
    }
}
