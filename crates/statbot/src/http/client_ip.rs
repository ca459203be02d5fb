//! The client's address, for the rate limits: the connection's peer, or the last entry of
//! `X-Forwarded-For` when `limits.trust_forwarded_for` says a reverse proxy sets it.

use super::AppState;
use crate::limits::address_subject;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Where a request comes from.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The subject the address's rate limits count under.
    pub fn subject(self) -> String {
        address_subject(self.0)
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.limits.trust_forwarded_for()
            && let Some(ip) = forwarded_for(parts)
        {
            return Ok(ClientIp(ip));
        }
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientIp(peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
    }
}

/// The address the nearest proxy saw: the last entry of the last `X-Forwarded-For` header.
fn forwarded_for(parts: &Parts) -> Option<IpAddr> {
    let header = parts.headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
    header.rsplit(',').next()?.trim().parse().ok()
}
