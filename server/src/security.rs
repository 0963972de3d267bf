//! HTTP security: headers on every response and a CSRF check on every state-changing request.

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// This site's origin (`scheme://host[:port]`), from the public URL people reach it by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicOrigin(String);

impl PublicOrigin {
    pub fn of(public_url: &str) -> PublicOrigin {
        let (scheme, rest) = public_url.split_once("://").unwrap_or(("http", public_url));
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        PublicOrigin(format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            authority.to_ascii_lowercase()
        ))
    }

    /// An `Origin` header's value names this site, scheme and port included.
    fn is(&self, origin: &str) -> bool {
        origin.eq_ignore_ascii_case(&self.0)
    }

    /// A `Referer` is a page of this site.
    fn is_page_of(&self, referer: &str) -> bool {
        referer.len() >= self.0.len()
            && referer.as_bytes()[..self.0.len()].eq_ignore_ascii_case(self.0.as_bytes())
            && matches!(referer.as_bytes().get(self.0.len()), None | Some(b'/' | b'?' | b'#'))
    }
}

/// The machine-to-machine API: platforms sign each request with their key (HMAC) and carry no
/// cookies, so a browser's cross-site form cannot act through it.
const SIGNED_API_PREFIX: &str = "/platform/v1/";

/// Rejects state-changing requests that a browser did not send from this site (OWASP CSRF
/// cheat sheet: Fetch Metadata, `Origin` against the public URL, and `Referer` when a browser or
/// proxy stripped both). A request that says nothing of where it comes from is refused too:
/// browsers always say it, and a client that hides it has no business changing state here.
/// Session cookies are also SameSite=Lax.
pub async fn reject_cross_site(public_origin: PublicOrigin, request: Request, next: Next) -> Response {
    if is_state_changing(request.method())
        && !request.uri().path().starts_with(SIGNED_API_PREFIX)
        && !is_same_site(request.headers(), &public_origin)
    {
        tracing::warn!(path = %request.uri().path(), "cross-site request refused");
        return (
            StatusCode::FORBIDDEN,
            "Permintaan ditolak: formulir harus dikirim dari situs ini.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Refuses a body the route does not read (415): the server functions take HTML forms (and one
/// file upload), the platform API takes JSON. A body of another type would otherwise be parsed
/// as if it were one of those. A request without a body needs no type.
pub async fn refuse_unexpected_content_type(request: Request, next: Next) -> Response {
    if is_state_changing(request.method()) {
        let path = request.uri().path();
        let accepted: &[&str] = if path.starts_with(SIGNED_API_PREFIX) {
            &["application/json"]
        } else if path.starts_with("/api/") {
            &["application/x-www-form-urlencoded", "multipart/form-data"]
        } else {
            &[]
        };
        let media_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
        let has_body = match request.headers().get(header::CONTENT_LENGTH) {
            Some(length) => length.as_bytes() != b"0",
            None => request.headers().contains_key(header::TRANSFER_ENCODING),
        };
        let refused = !accepted.is_empty()
            && match media_type {
                Some(media_type) => !accepted.contains(&media_type.as_str()),
                None => has_body,
            };
        if refused {
            const MESSAGE: &str = "Permintaan ditolak: jenis isi tidak dikenal.";
            // The platform API answers every refusal as JSON (see its OpenAPI document).
            if path.starts_with(SIGNED_API_PREFIX) {
                let body = serde_json::json!({ "error": "jenis-isi-tidak-didukung", "message": MESSAGE });
                return (StatusCode::UNSUPPORTED_MEDIA_TYPE, axum::Json(body)).into_response();
            }
            return (StatusCode::UNSUPPORTED_MEDIA_TYPE, MESSAGE).into_response();
        }
    }
    next.run(request).await
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_same_site(headers: &HeaderMap, public_origin: &PublicOrigin) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site.is_some_and(|site| !matches!(site, "same-origin" | "none")) {
        return false;
    }
    match (text(header::ORIGIN), fetch_site) {
        // "null" (a sandboxed frame, a redirect across sites) never equals the public origin.
        (Some(origin), _) => public_origin.is(origin),
        (None, Some(_)) => true,
        (None, None) => text(header::REFERER).is_some_and(|referer| public_origin.is_page_of(referer)),
    }
}

/// Headers every response carries. Pages set their own Content-Security-Policy with a per-
/// response nonce (see `app::shell`); everything else gets a policy that allows nothing.
pub async fn headers(hsts: bool, request: Request, next: Next) -> Response<Body> {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "same-origin");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(
        headers,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(
        headers,
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    );
    if hsts {
        set(
            headers,
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        );
    }
    // Pages and API answers carry personal data: never keep them in shared or browser caches.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    /// Whether a request with these headers comes from the site at http://127.0.0.1:3000.
    fn same_site(pairs: &[(&'static str, &'static str)]) -> bool {
        is_same_site(&headers(pairs), &PublicOrigin::of("http://127.0.0.1:3000"))
    }

    #[test]
    fn fetch_metadata_refuses_other_sites() {
        assert!(same_site(&[("sec-fetch-site", "same-origin")]));
        assert!(same_site(&[("sec-fetch-site", "none")]));
        assert!(!same_site(&[("sec-fetch-site", "cross-site")]));
        assert!(!same_site(&[("sec-fetch-site", "same-site")]));
    }

    #[test]
    fn origin_must_be_the_public_url_scheme_included() {
        assert!(same_site(&[("origin", "http://127.0.0.1:3000")]));
        assert!(!same_site(&[("origin", "https://127.0.0.1:3000")]));
        assert!(!same_site(&[("origin", "http://127.0.0.1:3001")]));
        assert!(!same_site(&[("origin", "https://evil.example")]));
        assert!(!same_site(&[("origin", "null")]));
    }

    #[test]
    fn a_foreign_origin_outweighs_the_other_headers() {
        assert!(!same_site(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://evil.example")
        ]));
        // The Host header is the client's to choose: it proves nothing.
        assert!(!same_site(&[
            ("origin", "http://evil.example"),
            ("host", "evil.example")
        ]));
    }

    #[test]
    fn without_origin_or_fetch_metadata_only_a_referer_of_this_site_passes() {
        assert!(!same_site(&[("host", "127.0.0.1:3000")]));
        assert!(same_site(&[("referer", "http://127.0.0.1:3000/masuk")]));
        assert!(same_site(&[("referer", "http://127.0.0.1:3000")]));
        assert!(!same_site(&[("referer", "http://127.0.0.1:30001/masuk")]));
        assert!(!same_site(&[("referer", "http://127.0.0.1:3000.evil.example/")]));
        assert!(!same_site(&[("referer", "https://evil.example/http://127.0.0.1:3000")]));
    }

    #[test]
    fn the_public_origin_drops_path_and_case() {
        assert_eq!(
            PublicOrigin::of("HTTPS://Prakerja.Example/portal/"),
            PublicOrigin("https://prakerja.example".into())
        );
    }
}
