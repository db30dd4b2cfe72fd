//! A Firehose sender built from AWS's HTTP endpoint delivery spec: POST with
//! `X-Amz-Firehose-Protocol-Version: 1.0`, the request id in a header and in the body, the
//! access key header, `Content-Type: application/json`, gzip when the stream enables it, a
//! body `{requestId, timestamp, records[{data: base64}]}`; a retry resends the same id and body.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine;

/// One delivery attempt's answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Header lines, lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// The body Firehose sends for `records` (raw payloads, base64-encoded here).
pub fn body(request_id: &str, records: &[Vec<u8>]) -> Vec<u8> {
    let records: Vec<serde_json::Value> = records
        .iter()
        .map(|r| serde_json::json!({"data": base64::engine::general_purpose::STANDARD.encode(r)}))
        .collect();
    serde_json::json!({"requestId": request_id, "timestamp": 1_700_000_000_000i64, "records": records})
        .to_string()
        .into_bytes()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Posts `body` to `url` (http://host:port/path) with Firehose's headers; `key` None sends no
/// access key, `request_id` None no id header.
pub fn post(
    url: &str,
    key: Option<&str>,
    request_id: Option<&str>,
    body: &[u8],
    gzipped: bool,
) -> Answer {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap();
    let mut s = TcpStream::connect(host).expect("connect to the Firehose endpoint");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Amz-Firehose-Protocol-Version: 1.0\r\nX-Amz-Firehose-Source-Arn: arn:aws:firehose:us-east-1:123456789012:deliverystream/test\r\nUser-Agent: Amazon Kinesis Data Firehose Agent/1.0\r\n",
        body.len()
    );
    if let Some(k) = key {
        head.push_str(&format!("X-Amz-Firehose-Access-Key: {k}\r\n"));
    }
    if let Some(id) = request_id {
        head.push_str(&format!("X-Amz-Firehose-Request-Id: {id}\r\n"));
    }
    if gzipped {
        head.push_str("Content-Encoding: gzip\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413, 401) before the body is sent: a failed write is fine.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// Posts `body` without a Content-Length, in 64 KiB chunks (`Transfer-Encoding: chunked`): the
/// server learns its size only by reading it.
pub fn post_chunked(url: &str, key: Option<&str>, request_id: &str, body: &[u8]) -> u16 {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap();
    let mut s = TcpStream::connect(host).expect("connect to the Firehose endpoint");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Amz-Firehose-Request-Id: {request_id}\r\n"
    );
    if let Some(k) = key {
        head.push_str(&format!("X-Amz-Firehose-Access-Key: {k}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    for c in body.chunks(64 << 10) {
        if s.write_all(format!("{:x}\r\n", c.len()).as_bytes())
            .is_err()
            || s.write_all(c).is_err()
            || s.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Where a started exporter's Firehose endpoint listens, from its log's start line.
pub fn listening_url(log: &str) -> String {
    let addr = log
        .lines()
        .find(|l| l.contains("Firehose endpoint listening"))
        .and_then(|l| l.split("address=").nth(1))
        .and_then(|a| a.split_whitespace().next())
        .unwrap_or_else(|| panic!("no Firehose listener: {log}"));
    format!("http://{addr}/firehose")
}

/// A JSON-format metric-stream line.
pub fn json_line(
    namespace: &str,
    metric: &str,
    dims: &[(&str, &str)],
    ts_ms: i64,
    (max, min, sum, count): (f64, f64, f64, f64),
) -> String {
    let dims: serde_json::Map<String, serde_json::Value> = dims
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
        .collect();
    serde_json::json!({
        "metric_stream_name": "cw-exporter-test",
        "account_id": "123456789012",
        "region": "us-east-1",
        "namespace": namespace,
        "metric_name": metric,
        "dimensions": dims,
        "timestamp": ts_ms,
        "value": {"max": max, "min": min, "sum": sum, "count": count},
        "unit": "Percent"
    })
    .to_string()
}
