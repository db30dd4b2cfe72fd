//! A fault-injecting HTTP proxy on loopback, in front of moto. The test sets a pattern of
//! faults that successive requests take in turn: CloudWatch's awsQuery `Throttling` error
//! (optionally with an `x-amz-retry-after` hint), HTTP 500 and 503 with AWS error bodies, added
//! latency, connection resets, truncated bodies. One request per connection, so each attempt the
//! SDK makes meets the next fault.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// HTTP 400 with the awsQuery `Throttling` error; `Some(ms)` adds `x-amz-retry-after`.
    Throttle(Option<u64>),
    /// HTTP 500 `InternalFailure`.
    Internal,
    /// HTTP 503 `ServiceUnavailable`.
    Unavailable,
    /// Forward after sleeping this many milliseconds.
    Latency(u64),
    /// Read the request, then reset the connection (RST, no answer).
    Reset,
    /// Forward, but send only half of the body (Content-Length unchanged), then close.
    Truncate,
}

/// One request as the proxy saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub at: Instant,
    /// The awsQuery `Action` (GetMetricData, ListMetrics, GetCallerIdentity ...).
    pub action: String,
    pub fault: Fault,
}

#[derive(Default)]
struct State {
    pattern: Vec<Fault>,
    next: usize,
    seen: Vec<Seen>,
}

pub struct FaultProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FaultProxy {
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (st, up) = (st.clone(), upstream.clone());
                std::thread::spawn(move || handle(conn, &up, &st));
            }
        });
        FaultProxy { url, state }
    }

    /// Successive requests take these faults in turn, cycling; empty: everything passes.
    pub fn set(&self, pattern: &[Fault]) {
        let mut s = self.state.lock().unwrap();
        s.pattern = pattern.to_vec();
        s.next = 0;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

fn read_request(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf)
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

fn action(req: &[u8]) -> String {
    let text = String::from_utf8_lossy(req);
    text.split(['&', '\n', '?'])
        .find_map(|p| p.trim().strip_prefix("Action="))
        .map(|a| a.to_string())
        .unwrap_or_else(|| "other".into())
}

fn aws_error(status: &str, code: &str, retry_after: Option<u64>) -> Vec<u8> {
    let body = format!(
        "<ErrorResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>injected by the test proxy</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    );
    let extra = retry_after
        .map(|ms| format!("x-amz-retry-after: {ms}\r\n"))
        .unwrap_or_default();
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Forwards the request to moto with `Connection: close`, returns moto's whole answer.
fn forward(req: &[u8], upstream: &str) -> Option<Vec<u8>> {
    let head_end = find(req, b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&req[..head_end]);
    let mut out = String::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        if !line.to_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut up = TcpStream::connect(upstream).ok()?;
    up.write_all(out.as_bytes()).ok()?;
    up.write_all(&req[head_end..]).ok()?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp).ok()?;
    Some(resp)
}

fn handle(mut conn: TcpStream, upstream: &str, st: &Mutex<State>) {
    let Some(req) = read_request(&mut conn) else {
        return;
    };
    let fault = {
        let mut s = st.lock().unwrap();
        let f = if s.pattern.is_empty() {
            Fault::Pass
        } else {
            let i = s.next % s.pattern.len();
            s.next += 1;
            s.pattern[i]
        };
        s.seen.push(Seen {
            at: Instant::now(),
            action: action(&req),
            fault: f,
        });
        f
    };
    let reply = match fault {
        Fault::Throttle(ra) => aws_error("400 Bad Request", "Throttling", ra),
        Fault::Internal => aws_error("500 Internal Server Error", "InternalFailure", None),
        Fault::Unavailable => aws_error("503 Service Unavailable", "ServiceUnavailable", None),
        Fault::Reset => {
            // SO_LINGER 0: close sends RST instead of FIN.
            let _ = socket_linger_zero(&conn);
            return;
        }
        Fault::Latency(ms) => {
            std::thread::sleep(Duration::from_millis(ms));
            match forward(&req, upstream) {
                Some(r) => r,
                None => return,
            }
        }
        Fault::Pass | Fault::Truncate => match forward(&req, upstream) {
            Some(r) => r,
            None => return,
        },
    };
    let reply = if fault == Fault::Truncate {
        let body_at = find(&reply, b"\r\n\r\n").map(|i| i + 4).unwrap_or(0);
        let keep = body_at + (reply.len() - body_at) / 2;
        reply[..keep].to_vec()
    } else {
        reply
    };
    let _ = conn.write_all(&reply);
    let _ = conn.flush();
}

fn socket_linger_zero(conn: &TcpStream) -> std::io::Result<()> {
    socket2::SockRef::from(conn).set_linger(Some(Duration::ZERO))
}
