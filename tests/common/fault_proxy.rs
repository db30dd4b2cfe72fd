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
    /// Requests whose text (head and body) contains the string take the fault, always,
    /// before any pattern: e.g. one role's AssumeRole, or one region's signing scope.
    when: Vec<(String, Fault)>,
    /// Short-lived credentials: AssumeRole answers expire this many seconds after they are
    /// issued (a fixture of STS's contract, which moto does not enforce).
    lifetime: Option<u64>,
    /// Each issued access key id and when it expires.
    issued: std::collections::HashMap<String, Instant>,
    /// The same keys, in the order they were issued.
    issued_order: Vec<String>,
    /// Requests refused for being signed with expired credentials.
    expired_refused: usize,
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

    /// Every request containing `text` (in its head or body, as sent) takes `fault`; the
    /// others go on taking the pattern.
    pub fn fault_when(&self, text: &str, fault: Fault) {
        self.state
            .lock()
            .unwrap()
            .when
            .push((text.to_string(), fault));
    }

    /// From now on, the credentials AssumeRole hands out expire `secs` seconds after they are
    /// issued (the answer's `Expiration` says so), and a request signed with expired ones is
    /// refused with `ExpiredToken`, as AWS does.
    pub fn short_lived_credentials(&self, secs: u64) {
        self.state.lock().unwrap().lifetime = Some(secs);
    }

    /// The access key id of the first AssumeRole answer.
    pub fn first_issued_key(&self) -> String {
        self.state.lock().unwrap().issued_order[0].clone()
    }

    /// Sends the proxy a ListMetrics request claiming to be signed with `key` (the signature
    /// itself is not valid): its (status, body).
    pub fn post_as(&self, key: &str) -> (u16, String) {
        let body = "Action=ListMetrics&Version=2010-08-01";
        let req = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential={key}/20261201/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut c = TcpStream::connect(self.url.trim_start_matches("http://")).unwrap();
        c.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        c.read_to_string(&mut out).unwrap();
        let status = out
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, out)
    }

    /// AssumeRole answers given, and requests refused for expired credentials.
    pub fn credentials_issued_and_refused(&self) -> (usize, usize) {
        let s = self.state.lock().unwrap();
        (s.issued.len(), s.expired_refused)
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
    if let Some(reply) = credentials(&req, upstream, st) {
        let _ = conn.write_all(&reply);
        return;
    }
    let fault = {
        let mut s = st.lock().unwrap();
        let targeted = s.only.as_ref().is_none_or(|a| *a == action(&req));
        let text = String::from_utf8_lossy(&req);
        let ruled = s
            .when
            .iter()
            .find(|(t, _)| text.contains(t.as_str()))
            .map(|(_, f)| *f);
        let f = if let Some(f) = ruled {
            f
        } else if s.pattern.is_empty() || !targeted {
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

/// With short-lived credentials on: a request signed with an expired access key is refused,
/// and an AssumeRole answer is forwarded with its `Expiration` brought forward. None: the
/// request goes the usual way.
fn credentials(req: &[u8], upstream: &str, st: &Mutex<State>) -> Option<Vec<u8>> {
    let lifetime = st.lock().unwrap().lifetime?;
    let text = String::from_utf8_lossy(req);
    let key = header(&text, "authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').next())
        .unwrap_or("");
    {
        let mut s = st.lock().unwrap();
        if s.issued.get(key).is_some_and(|at| *at <= Instant::now()) {
            s.expired_refused += 1;
            return Some(aws_error_with(
                "400 Bad Request",
                "ExpiredToken",
                "The security token included in the request is expired",
                None,
            ));
        }
    }
    if action(req) != "AssumeRole" {
        return None;
    }
    let reply = forward(req, upstream)?;
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + lifetime;
    let stamp = aws_sdk_cloudwatch::primitives::DateTime::from_secs(expires as i64)
        .fmt(aws_sdk_cloudwatch::primitives::DateTimeFormat::DateTime)
        .unwrap();
    let mut issued = None;
    let reply = rewrite(&reply, |body| {
        issued = body
            .split("<AccessKeyId>")
            .nth(1)
            .and_then(|r| r.split("</AccessKeyId>").next())
            .map(str::to_string);
        match (body.find("<Expiration>"), body.find("</Expiration>")) {
            (Some(a), Some(b)) => format!("{}<Expiration>{stamp}{}", &body[..a], &body[b..]),
            _ => body.to_string(),
        }
    });
    if let Some(k) = issued {
        let deadline = Instant::now() + Duration::from_secs(lifetime);
        let mut s = st.lock().unwrap();
        s.issued.insert(k.clone(), deadline);
        s.issued_order.push(k);
    }
    Some(reply)
}

fn socket_linger_zero(conn: &TcpStream) -> std::io::Result<()> {
    socket2::SockRef::from(conn).set_linger(Some(Duration::ZERO))
}
