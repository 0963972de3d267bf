//! What a server function may need to know about the HTTP request it serves.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::ConnectInfo,
    http::{header, request::Parts, HeaderValue},
};
use leptos::prelude::*;

use crate::state::Settings;

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// A form posted by the browser itself (JavaScript off, or not yet loaded), as opposed to a call
/// from the WASM client. Such a request must be answered with a redirect (post/redirect/get).
pub fn is_plain_form_post() -> bool {
    parts()
        .and_then(|p| {
            p.headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

pub fn cookie(name: &str) -> Option<String> {
    cookie_in(&parts()?.headers, name)
}

/// A cookie's value in these request headers (for handlers outside server functions).
pub fn cookie_in(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|line| {
            line.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                (key == name).then(|| value.to_owned())
            })
        })
}

pub fn set_response_header(name: header::HeaderName, value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        response.append_header(name, value);
    }
}

/// The client's address, for rate limits. Behind our own reverse proxy the last
/// `X-Forwarded-For` hop is the one the proxy saw; otherwise the TCP peer.
pub fn client_ip(settings: &Settings) -> Option<IpAddr> {
    let parts = parts()?;
    if settings.trust_forwarded_for {
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .next_back();
        if forwarded.is_some() {
            return forwarded;
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// The subject of per-address rate limits: the client's address, or its /64 for IPv6 (see
/// `rate_limit::network_of`); empty when unknown.
pub fn client_network(settings: &Settings) -> String {
    client_ip(settings)
        .map(crate::rate_limit::network_of)
        .unwrap_or_default()
}

pub fn set_status(status: axum::http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// Issues an HTTP redirect (plain form posts and page renders) or a client-side navigation
/// (calls from the WASM client).
pub fn redirect(path: &str) {
    leptos_axum::redirect(path);
}
