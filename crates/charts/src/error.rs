//! The one error type of the chart renderer.

use thiserror::Error;

/// Why a chart could not be rendered.
///
/// Spec problems (the first variants) are the caller's fault and safe to show to a user; `Font`, `Draw` and
/// `Encode` are internal failures.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ChartError {
    /// Width or height is outside the accepted range (see [`crate::MIN_WIDTH`] and friends).
    #[error("chart size {width}x{height} is outside {min_w}x{min_h} to {max}x{max}", min_w = crate::MIN_WIDTH, min_h = crate::MIN_HEIGHT, max = crate::MAX_SIDE)]
    InvalidSize { width: u32, height: u32 },

    /// A value is NaN or infinite. `location` names it, e.g. `bar "Mon"`.
    #[error("{location} is not a finite number ({value})")]
    NonFinite { location: String, value: f64 },

    /// A grouped-bar series does not have one value per category.
    #[error("series {series:?} has {actual} values but there are {expected} categories")]
    LengthMismatch { series: String, expected: usize, actual: usize },

    /// A line chart mixes numeric x values and labelled x values.
    #[error("line chart mixes numeric and labelled x values (series {series:?})")]
    MixedX { series: String },

    /// A line chart lists x labels ([`crate::Chart::x_labels`]) but its points have numeric x values.
    #[error("line chart lists x labels but series {series:?} has numeric x values")]
    XLabelsOnNumericX { series: String },

    /// A funnel step has a negative count.
    #[error("funnel step {step:?} has a negative count ({count})")]
    NegativeCount { step: String, count: f64 },

    /// The chart holds more data points than [`crate::MAX_POINTS`].
    #[error("chart has {count} data points, more than the limit of {limit}")]
    TooManyPoints { count: usize, limit: usize },

    /// The embedded font could not be registered (a broken build, never bad input).
    #[error("the embedded font could not be loaded")]
    Font,

    /// plotters failed while drawing.
    #[error("drawing failed: {0}")]
    Draw(String),

    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}

/// Turns any plotters drawing error into [`ChartError::Draw`]; the backend-specific type is not worth keeping.
pub(crate) fn draw_err<E: std::error::Error + Send + Sync>(
    e: plotters::drawing::DrawingAreaErrorKind<E>,
) -> ChartError {
    ChartError::Draw(e.to_string())
}
