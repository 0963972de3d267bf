//! A minimal HTTP/1.1 client for the load generator: keep-alive connections from a pool, one
//! request at a time on each, requests written whole and answers read by `Content-Length` (or
//! chunked). At 3x the held rate the load generator shares two cores with the portal, so every
//! microsecond it spends is taken from what it measures; a general-purpose client costs it about
//! twice as much per request.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone)]
pub struct Client {
    address: SocketAddr,
    host: Arc<str>,
    idle: Arc<Mutex<Vec<TcpStream>>>,
}

/// A status and a body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Client {
    /// `base` is `http://host:port`.
    pub fn new(base: &str) -> Result<Client, Error> {
        let host = base.strip_prefix("http://").ok_or("only http:// is supported")?;
        Ok(Client {
            address: host.parse()?,
            host: host.into(),
            idle: Arc::default(),
        })
    }

    pub async fn get(&self, path: &str) -> Result<Answer, Error> {
        self.get_with(path, "").await
    }

    /// A GET with extra header lines (each ending in `\r\n`).
    pub async fn get_with(&self, path: &str, headers: &str) -> Result<Answer, Error> {
        let head = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n{headers}\r\n", self.host);
        self.exchange(head.into_bytes()).await
    }

    /// Posts a form with the given extra header lines (each ending in `\r\n`). Like a
    /// browser, it says which site the form comes from (the portal refuses posts that do not).
    pub async fn post_form(&self, path: &str, headers: &str, body: &str) -> Result<Answer, Error> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            body.len(),
            host = self.host,
        );
        self.exchange(request.into_bytes()).await
    }

    async fn exchange(&self, request: Vec<u8>) -> Result<Answer, Error> {
        let pooled = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        if let Some(mut stream) = pooled {
            // A kept-alive connection the server has since closed fails at once: try a new one.
            // (If the server died after reading the request, it is sent again; every signup
            // carries its idempotency key, so that creates nothing twice.)
            if let Ok((answer, keep)) = round_trip(&mut stream, &request).await {
                self.put_back(stream, keep);
                return Ok(answer);
            }
        }
        let mut stream = TcpStream::connect(self.address).await?;
        stream.set_nodelay(true)?;
        let (answer, keep) = round_trip(&mut stream, &request).await?;
        self.put_back(stream, keep);
        Ok(answer)
    }

    fn put_back(&self, stream: TcpStream, keep: bool) {
        if keep {
            self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(stream);
        }
    }
}

/// Sends one request and reads its answer; also says whether the connection may be reused.
async fn round_trip(stream: &mut TcpStream, request: &[u8]) -> Result<(Answer, bool), Error> {
    stream.write_all(request).await?;
    let mut buffer = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            break end + 4;
        }
        read_more(stream, &mut buffer).await?;
    };
    let head = std::str::from_utf8(&buffer[..head_end])?;
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or("no status line")?;
    let header = |name: &str| {
        head.split("\r\n").skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_ascii_lowercase())
        })
    };
    let keep = header("connection").is_none_or(|value| value != "close");
    let body = if header("transfer-encoding").is_some_and(|value| value.contains("chunked")) {
        read_chunked(stream, buffer.split_off(head_end)).await?
    } else {
        let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        while buffer.len() < head_end + length {
            read_more(stream, &mut buffer).await?;
        }
        buffer[head_end..head_end + length].to_vec()
    };
    Ok((Answer { status, body }, keep))
}

async fn read_chunked(stream: &mut TcpStream, mut buffer: Vec<u8>) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let line_end = loop {
            if let Some(end) = find(&buffer[at..], b"\r\n") {
                break at + end;
            }
            read_more(stream, &mut buffer).await?;
        };
        let size_text = std::str::from_utf8(&buffer[at..line_end])?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)?;
        let chunk_start = line_end + 2;
        // A chunk and its CRLF; the last (empty) chunk ends with the blank line after it.
        while buffer.len() < chunk_start + size + 2 {
            read_more(stream, &mut buffer).await?;
        }
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&buffer[chunk_start..chunk_start + size]);
        at = chunk_start + size + 2;
    }
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<(), Error> {
    let mut chunk = [0u8; 4096];
    let read = stream.read(&mut chunk).await?;
    if read == 0 {
        return Err("connection closed".into());
    }
    buffer.extend_from_slice(&chunk[..read]);
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;

    /// A server that answers every request on a connection with the given bytes.
    async fn serving(answer: &'static [u8]) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let mut buffer = [0u8; 4096];
                    while let Ok(read) = stream.read(&mut buffer).await {
                        if read == 0 || stream.write_all(answer).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        format!("http://{address}")
    }

    #[tokio::test]
    async fn reads_an_answer_by_its_length_and_reuses_the_connection() {
        let base = serving(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy").await;
        let client = Client::new(&base).unwrap();
        for _ in 0..3 {
            let answer = client
                .post_form("/api/x", "Accept: application/json\r\n", "a=1")
                .await
                .unwrap();
            assert_eq!((answer.status, answer.body.as_slice()), (503, &b"busy"[..]));
        }
        assert_eq!(client.idle.lock().unwrap().len(), 1, "one connection, kept alive");
    }

    #[tokio::test]
    async fn reads_a_chunked_answer() {
        let base =
            serving(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"Acc\r\n4\r\nept\"\r\n0\r\n\r\n")
                .await;
        let answer = Client::new(&base).unwrap().get("/").await.unwrap();
        assert_eq!((answer.status, answer.body.as_slice()), (200, &b"{\"Accept\""[..]));
    }
}
