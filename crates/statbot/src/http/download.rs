//! Downloads: the `format=json|csv` choice every table offers, and CSV files as attachments.

use super::error::ApiError;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Whether `format` asks for CSV rather than JSON (the default); anything else is refused.
pub fn wants_csv(format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        None | Some("") | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(ApiError::BadRequest(format!("format=`{other}` is not supported; use json or csv"))),
    }
}

/// A CSV body as a download named `name`.
pub fn csv_file(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}
