//! A minimal HTTP/1.1 client for the command line's platform simulator: one POST over plain
//! HTTP to a portal (a development or test server; a real platform would use its own client).

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// POSTs a JSON body; returns the status code and the response body.
pub async fn post_json(
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String), Box<dyn std::error::Error>> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("the simulator speaks plain http:// only (a local portal)")?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let mut stream = tokio::net::TcpStream::connect(authority).await?;
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let response = String::from_utf8_lossy(&response);
    let (head, answer) = response.split_once("\r\n\r\n").ok_or("a response without headers")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or("a response without a status")?;
    // The portal answers these with a length, not in chunks; a chunked answer is shown as sent.
    Ok((status, answer.to_owned()))
}
