//! `POST /firehose`: Firehose's HTTP endpoint delivery contract, as AWS specifies it
//! (`../shared/reference/metric-streams-firehose.md` §5.1).
//!
//! - The access key (`X-Amz-Firehose-Access-Key`) is compared in constant time; missing or
//!   wrong: 401, and nothing of the request is read.
//! - The body is read up to the configured maximum, compressed and uncompressed: past it, 413
//!   (Firehose's one permanent failure). A request holds at most its compressed and its
//!   uncompressed body (records are borrowed from it, decoded and applied one at a time), and
//!   at most [`BODIES_AT_ONCE`] are read at once; one that waits [`BUSY_AFTER`] for its turn
//!   gets 503 and Firehose sends it again.
//! - A body that is not Firehose's (`{requestId, timestamp, records[{data}]}`, at most 10,000
//!   records, the same request id as the header's when it sends one): 400.
//! - A record that cannot be read costs only itself (Firehose would retry a failed batch
//!   forever): it is counted and logged once per reason, and the rest is kept.
//! - Every answer is the JSON ack `{requestId, timestamp}` (plus `errorMessage` on failure),
//!   uncompressed.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use super::Push;
use super::records::{self, Reason};

/// The largest body Firehose sends (64 MiB before compression): the most
/// `--firehose.max-body-bytes` may be.
pub const MAX_BODY_BYTES: usize = 64 << 20;
/// The default `--firehose.max-body-bytes`: above Firehose's default buffer (5 MiB) and the
/// template's (4 MiB); two bodies decoded at once then fit the chart's memory limit beside the
/// pushed series (a 64 MiB body costs up to twice that while it is decoded).
pub const DEFAULT_BODY_BYTES: usize = 16 << 20;
/// Records per request, at most, per AWS's contract.
pub const MAX_RECORDS: usize = 10_000;
/// Bodies read and decoded at once: each may hold the maximum twice (compressed and not), so
/// this bounds the endpoint's memory; further requests wait.
pub const BODIES_AT_ONCE: usize = 2;
/// How long a request waits for its turn before it gets 503 (Firehose retries it): well
/// below the listener's 60 s idle timeout, which would close a silent connection first.
pub const BUSY_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

/// The endpoint's settings and state.
pub struct Endpoint {
    /// Where the points go.
    pub push: Arc<Push>,
    /// The access key; None only with `--firehose.no-access-key`.
    pub key: Option<Vec<u8>>,
    /// The most bytes of a body, compressed or not.
    pub max_body: usize,
    /// Bounds the bodies held at once; a permit lives until its decoding ends, even if the
    /// client has gone.
    pub permits: Arc<Semaphore>,
}

/// The Firehose listener's routes: `POST /firehose` and a health check.
pub fn router(endpoint: Arc<Endpoint>) -> Router {
    Router::new()
        .route("/firehose", post(deliver))
        .route("/-/healthy", get(|| async { "Healthy\n" }))
        .with_state(endpoint)
}

#[derive(Deserialize)]
struct Request<'a> {
    #[serde(rename = "requestId")]
    request_id: String,
    #[allow(dead_code, reason = "part of the contract; not needed")]
    timestamp: Option<i64>,
    #[serde(borrow)]
    records: Vec<Record<'a>>,
}

#[derive(Deserialize)]
struct Record<'a> {
    /// Borrowed from the body (base64 has nothing to unescape): no second copy of it.
    #[serde(borrow)]
    data: std::borrow::Cow<'a, str>,
}

/// Compares the given key with ours in time that depends only on our key's length, not on
/// where they differ nor on how long the given one is.
fn key_matches(given: &[u8], key: &[u8]) -> bool {
    let padded: Vec<u8> = (0..key.len())
        .map(|i| given.get(i).copied().unwrap_or(0))
        .collect();
    bool::from(padded.ct_eq(key) & (given.len() as u64).ct_eq(&(key.len() as u64)))
}

/// The ack, with the request's id (the header's until the body is read).
fn ack(push: &Push, status: StatusCode, request_id: &str, error: Option<String>) -> Response {
    push.answered(status.as_u16());
    let mut body = serde_json::json!({
        "requestId": request_id,
        "timestamp": crate::aws::now_secs() * 1000,
    });
    if let Some(e) = error {
        body["errorMessage"] = serde_json::Value::String(e);
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn deliver(State(ep): State<Arc<Endpoint>>, headers: HeaderMap, body: Body) -> Response {
    let header_id = header(&headers, "x-amz-firehose-request-id")
        .unwrap_or("")
        .to_string();
    let push = &ep.push;
    if let Some(key) = &ep.key {
        let given = headers
            .get("x-amz-firehose-access-key")
            .map(|v| v.as_bytes())
            .unwrap_or(b"");
        if !key_matches(given, key) {
            return ack(
                push,
                StatusCode::UNAUTHORIZED,
                &header_id,
                Some("the X-Amz-Firehose-Access-Key header is missing or wrong".into()),
            );
        }
    }
    if headers.contains_key("x-amz-firehose-request-id") && header_id.is_empty() {
        return ack(
            push,
            StatusCode::BAD_REQUEST,
            "",
            Some("the X-Amz-Firehose-Request-Id header is empty or not text".into()),
        );
    }
    if let Some(v) = header(&headers, "x-amz-firehose-protocol-version")
        && v != "1.0"
    {
        return ack(
            push,
            StatusCode::BAD_REQUEST,
            &header_id,
            Some(format!(
                "unsupported Firehose protocol version `{}`",
                crate::config::cap(v, 20)
            )),
        );
    }
    let too_large = || {
        format!(
            "the body is larger than {} bytes (--firehose.max-body-bytes); lower the Firehose buffer size",
            ep.max_body
        )
    };
    if header(&headers, "content-length")
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > ep.max_body as u64)
    {
        return ack(
            push,
            StatusCode::PAYLOAD_TOO_LARGE,
            &header_id,
            Some(too_large()),
        );
    }
    let gzip = match header(&headers, "content-encoding").map(str::to_ascii_lowercase) {
        None => false,
        Some(e) if e == "identity" => false,
        Some(e) if e == "gzip" => true,
        Some(e) => {
            return ack(
                push,
                StatusCode::BAD_REQUEST,
                &header_id,
                Some(format!(
                    "unsupported Content-Encoding `{}`: Firehose sends gzip or nothing",
                    crate::config::cap(&e, 20)
                )),
            );
        }
    };
    let permit = match tokio::time::timeout(BUSY_AFTER, ep.permits.clone().acquire_owned()).await {
        Ok(Ok(p)) => p,
        _ => {
            return ack(
                push,
                StatusCode::SERVICE_UNAVAILABLE,
                &header_id,
                Some("busy: other deliveries are being decoded; send it again".into()),
            );
        }
    };
    let raw = match axum::body::to_bytes(body, ep.max_body).await {
        Ok(b) => b,
        Err(e) => {
            // to_bytes fails for a body past the limit, or one the client did not finish.
            let over = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            return if over {
                ack(
                    push,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &header_id,
                    Some(too_large()),
                )
            } else {
                ack(
                    push,
                    StatusCode::BAD_REQUEST,
                    &header_id,
                    Some("the body could not be read".into()),
                )
            };
        }
    };
    let max = ep.max_body;
    let ep2 = ep.clone();
    let id = header_id.clone();
    // Decompressing and decoding megabytes is CPU work: off the async workers. The permit
    // goes with it, so a client that hangs up does not free its place before the work ends.
    let outcome = tokio::task::spawn_blocking(move || {
        let r = decode(&ep2.push, raw, gzip, max, &id);
        drop(permit);
        r
    })
    .await;
    match outcome {
        Ok(Ok(request_id)) => ack(push, StatusCode::OK, &request_id, None),
        Ok(Err((status, message))) => ack(push, status, &header_id, Some(message)),
        Err(_) => ack(
            push,
            StatusCode::INTERNAL_SERVER_ERROR,
            &header_id,
            Some("decoding failed".into()),
        ),
    }
}

/// Unpacks, parses and applies one request; its request id, or the answer to give.
fn decode(
    push: &Push,
    raw: bytes::Bytes,
    gzip: bool,
    max: usize,
    header_id: &str,
) -> Result<String, (StatusCode, String)> {
    let body: std::borrow::Cow<'_, [u8]> = if gzip {
        let mut out = Vec::new();
        let read = flate2::read::MultiGzDecoder::new(&raw[..])
            .take(max as u64 + 1)
            .read_to_end(&mut out);
        if read.is_err() {
            return Err((StatusCode::BAD_REQUEST, "the body is not valid gzip".into()));
        }
        if out.len() > max {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the body is larger than {max} bytes once decompressed (--firehose.max-body-bytes); lower the Firehose buffer size"
                ),
            ));
        }
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(&raw[..])
    };
    let req: Request = serde_json::from_slice(&body).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            format!("not a Firehose request body ({{requestId, timestamp, records}}): {e}"),
        )
    })?;
    if !header_id.is_empty() && req.request_id != header_id {
        return Err((
            StatusCode::BAD_REQUEST,
            "the body's requestId differs from the X-Amz-Firehose-Request-Id header".into(),
        ));
    }
    if req.records.len() > MAX_RECORDS {
        return Err((
            StatusCode::BAD_REQUEST,
            format!(
                "{} records; Firehose sends at most {MAX_RECORDS}",
                req.records.len()
            ),
        ));
    }
    let mut formats: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut skipped: BTreeMap<Reason, u64> = BTreeMap::new();
    // One record at a time: its points are applied before the next is decoded.
    for r in &req.records {
        let d = records::decode(&r.data);
        if let Some(f) = d.format {
            *formats.entry(f.label()).or_default() += 1;
        }
        for (reason, n) in d.skipped {
            *skipped.entry(reason).or_default() += n;
        }
        push.apply(d.points);
    }
    let formats: Vec<(&'static str, u64)> = formats.into_iter().collect();
    push.received(&formats, &skipped);
    Ok(req.request_id)
}

#[cfg(test)]
mod tests {
    use super::key_matches;

    #[test]
    fn the_key_must_match_exactly() {
        assert!(key_matches(b"s3cret-key", b"s3cret-key"));
        for wrong in [
            &b""[..],
            b"s3cret-ke",
            b"s3cret-key!",
            b"S3cret-key",
            b"s3cret-kez",
        ] {
            assert!(!key_matches(wrong, b"s3cret-key"), "{wrong:?}");
        }
    }
}
