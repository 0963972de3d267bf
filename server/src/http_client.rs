//! A platform simulator for demos and tests: it reports a voucher's training to a portal over
//! plain HTTP/1.1, each event signed with the platform key (a real platform has its own client).

use chrono::{Duration, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Reports the voucher's training as started, half done and (when `complete`) completed; stops
/// at the first refusal. Returns each event's type, HTTP status and answer. Like a careful
/// platform, it corrects its clock by the server's time when the portal says its timestamp is
/// stale (the portal may run on another clock: a demo's or a test's).
pub async fn simulate_platform(
    base_url: &str,
    key: &str,
    secret: &str,
    voucher: &str,
    complete: bool,
) -> Result<Vec<(&'static str, u16, String)>, Box<dyn std::error::Error>> {
    use app::{
        completion::{api, KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER},
        paths::EVENTS_PATH,
    };
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut events: Vec<(&'static str, Option<i64>)> = vec![("mulai", None), ("kemajuan", Some(50))];
    if complete {
        events.push(("selesai", None));
    }
    let url = format!("{}{EVENTS_PATH}", base_url.trim_end_matches('/'));
    let mut answers = Vec::new();
    let mut skew = Duration::zero();
    for (index, (kind, percent)) in events.into_iter().enumerate() {
        let mut corrected = false;
        let (status, answer) = loop {
            let now = Utc::now() + skew;
            let mut body = serde_json::json!({
                "event_id": format!("sim-{run}-{index}"),
                "voucher": voucher,
                "type": kind,
                // A few seconds apart, in order, none in the future.
                "occurred_at": (now + Duration::seconds(index as i64 - 3)).to_rfc3339(),
            });
            if let Some(percent) = percent {
                body["progress_percent"] = serde_json::json!(percent);
            }
            let body = body.to_string();
            let timestamp = now.timestamp().to_string();
            let signature = api::signature(secret, &timestamp, body.as_bytes());
            let (status, answer) = post_json(
                &url,
                &[
                    (KEY_HEADER, key),
                    (TIMESTAMP_HEADER, timestamp.as_str()),
                    (SIGNATURE_HEADER, signature.as_str()),
                ],
                &body,
            )
            .await?;
            let server_time = serde_json::from_str::<serde_json::Value>(&answer)
                .ok()
                .filter(|a| a["error"] == "stempel-waktu-kedaluwarsa")
                .and_then(|a| a["server_time"].as_i64());
            match server_time {
                Some(server_time) if status == 401 && !corrected => {
                    skew = Duration::seconds(server_time - Utc::now().timestamp());
                    corrected = true;
                }
                _ => break (status, answer),
            }
        };
        answers.push((kind, status, answer));
        if status != 200 {
            break;
        }
    }
    Ok(answers)
}

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
