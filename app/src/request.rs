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

/// The header the service worker sends when it fetches a form page to keep on the device: the
/// page is then rendered without anything the portal holds about the applicant (a blank form).
pub const BLANK_COPY_HEADER: &str = "x-prakerja-copy";

/// This render is the service worker's blank copy of a form page (see `BLANK_COPY_HEADER`).
pub fn wants_blank_copy() -> bool {
    parts()
        .and_then(|p| p.headers.get(BLANK_COPY_HEADER).map(|v| v.as_bytes() == b"blank"))
        .unwrap_or(false)
}

/// The request body's length, when the client said it.
pub fn content_length() -> Option<u64> {
    parts()?
        .headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
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
    client_ip(settings).map(network_of).unwrap_or_default()
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

/// Sends a visitor who must sign in first to `sign_in_path`: a redirect for a plain form post
/// or a page, and for the WASM client also the status of `AppError::Unauthenticated` (sign in
/// first, not a server failure). Returns that error for the caller to answer with.
pub fn to_sign_in(sign_in_path: &str) -> crate::error::AppError {
    let error = crate::error::AppError::Unauthenticated;
    redirect(sign_in_path);
    if !is_plain_form_post() {
        set_status(error.status());
    }
    error
}

/// The subject of a per-address limit: an IPv4 address, or the /64 network of an IPv6 one (a
/// single subscriber is usually given a whole /64, so counting addresses would count nothing).
pub fn network_of(ip: std::net::IpAddr) -> String {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let segments = v6.segments();
                let network = std::net::Ipv6Addr::new(segments[0], segments[1], segments[2], segments[3], 0, 0, 0, 0);
                format!("{network}/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_64_bit_network() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:bbbb:cccc:dddd:eeee".parse().unwrap();
        let other: std::net::IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network_of(a), "2001:db8:1:2::/64");
        assert_eq!(network_of(a), network_of(b));
        assert_ne!(network_of(a), network_of(other));
        assert_eq!(network_of("::ffff:10.1.2.3".parse().unwrap()), "10.1.2.3");
        assert_eq!(network_of("10.1.2.3".parse().unwrap()), "10.1.2.3");
    }
}
