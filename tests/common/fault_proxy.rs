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
    /// Forward, with every result taken out of a GetMetricData answer (valid XML, no results).
    EmptyResults,
    /// Forward, with the answer cut off before its first result (Content-Length matching):
    /// malformed XML that the SDK's lenient parser reads as an answer without results.
    Unclosed,
    /// Forward, with a `NextToken` that is always the same added to the answer.
    RepeatToken,
    /// HTTP 400 with this error code (which need not look like an AWS code).
    Code(&'static str),
    /// HTTP 403 `SignatureDoesNotMatch` whose message quotes the request as AWS's does: the
    /// canonical request with the caller's access key id and security token.
    SignatureMismatch,
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
    /// Faults apply only to this action when set; other requests pass.
    only: Option<String>,
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
        s.only = None;
    }

    /// As [`FaultProxy::set`], for requests of one action only (e.g. "GetMetricData").
    pub fn set_for(&self, action: &str, pattern: &[Fault]) {
        self.set(pattern);
        self.state.lock().unwrap().only = Some(action.to_string());
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
    aws_error_with(status, code, "injected by the test proxy", retry_after)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn aws_error_with(status: &str, code: &str, message: &str, retry_after: Option<u64>) -> Vec<u8> {
    let (code, message) = (xml_escape(code), xml_escape(message));
    let body = format!(
        "<ErrorResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
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

/// The request's header value (first of that name), lower-cased name.
fn header<'a>(req: &'a str, name: &str) -> Option<&'a str> {
    req.split("\r\n").find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The message AWS gives a request whose signature does not match, quoting the request.
fn signature_mismatch(req: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(req).to_string();
    let auth = header(&text, "authorization").unwrap_or("");
    let token = header(&text, "x-amz-security-token")
        .unwrap_or("FwoGZXIvYXdzEProxyQuotedToken0123456789abcdef");
    let message = format!(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nx-amz-security-token:{token}\n'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n{auth}'"
    );
    aws_error_with("403 Forbidden", "SignatureDoesNotMatch", &message, None)
}

/// `reply` with its body changed by `f` and Content-Length set to match.
fn rewrite(reply: &[u8], f: impl FnOnce(&str) -> String) -> Vec<u8> {
    let Some(at) = find(reply, b"\r\n\r\n") else {
        return reply.to_vec();
    };
    let head = String::from_utf8_lossy(&reply[..at]);
    let body = f(&String::from_utf8_lossy(&reply[at + 4..]));
    let mut out: String = head
        .split("\r\n")
        .filter(|l| !l.to_lowercase().starts_with("content-length:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    out.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    out.into_bytes()
}

fn handle(mut conn: TcpStream, upstream: &str, st: &Mutex<State>) {
    let Some(req) = read_request(&mut conn) else {
        return;
    };
    let fault = {
        let mut s = st.lock().unwrap();
        let targeted = s.only.as_ref().is_none_or(|a| *a == action(&req));
        let f = if s.pattern.is_empty() || !targeted {
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
        Fault::Code(code) => aws_error("400 Bad Request", code, None),
        Fault::SignatureMismatch => signature_mismatch(&req),
        Fault::EmptyResults | Fault::Unclosed | Fault::RepeatToken => {
            let Some(r) = forward(&req, upstream) else {
                return;
            };
            rewrite(&r, |body| match fault {
                Fault::EmptyResults => match (
                    body.find("<MetricDataResults>"),
                    body.rfind("</MetricDataResults>"),
                ) {
                    (Some(a), Some(b)) => format!(
                        "{}<MetricDataResults/>{}",
                        &body[..a],
                        &body[b + "</MetricDataResults>".len()..]
                    ),
                    _ => body.to_string(),
                },
                // Cut inside the results: what a lenient parser reads has none.
                Fault::Unclosed => match body.find("<member>") {
                    Some(at) => body[..at].to_string(),
                    None => body[..body.len() * 2 / 3].to_string(),
                },
                _ => {
                    // Before the result element's end, where awsQuery answers carry it.
                    let end = ["</GetMetricDataResult>", "</ListMetricsResult>"]
                        .iter()
                        .find_map(|t| body.find(t));
                    match end {
                        Some(at) => format!(
                            "{}<NextToken>cw-proxy-loop</NextToken>{}",
                            &body[..at],
                            &body[at..]
                        ),
                        None => body.to_string(),
                    }
                }
            })
        }
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
