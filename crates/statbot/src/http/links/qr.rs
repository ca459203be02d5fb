//! `GET /links/{name}/qr.png|svg`: a link's QR code, drawn by [`crate::links::qr`] as the CLI
//! draws it; for operators (a dashboard session will do, for the page's images).

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Operator;
use crate::links::{self, LinkError, qr};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub(super) async fn image(
    State(state): State<AppState>,
    _operator: Operator,
    Path((name, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let svg = match file.as_str() {
        "qr.svg" => true,
        "qr.png" => false,
        _ => return Err(ApiError::Missing("a link's QR code is qr.png or qr.svg".into())),
    };
    let link = links::find(state.engine.store(), &name).await?;
    let url = links::url_of(&state.config.messenger, &link.name)?;
    let download = format!("inline; filename=\"link-{}.{}\"", link.name, if svg { "svg" } else { "png" });
    let (content_type, body) = if svg {
        ("image/svg+xml", qr::svg(&url).map_err(LinkError::from)?.into_bytes())
    } else {
        ("image/png", qr::png(&url).map_err(LinkError::from)?)
    };
    Ok(([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, download)], body)
        .into_response())
}
