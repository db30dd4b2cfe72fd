//! What of an AWS answer may be logged, shown on `/` or used as a label. An error message can
//! quote the request it rejects (SignatureDoesNotMatch quotes the canonical request, session
//! token included), and an endpoint that is broken or hostile can answer anything: messages are
//! stripped of credential-like material and capped, error codes kept only when they look like
//! AWS's.

use std::sync::OnceLock;

use regex::Regex;

use crate::config::cap;

/// The longest message kept, in characters.
pub const MAX_MESSAGE_CHARS: usize = 300;
/// The longest error code kept as a label value.
const MAX_CODE_CHARS: usize = 64;
/// The label value for a code that does not look like an AWS error code.
pub const OTHER_CODE: &str = "other";

/// A message fit for logs and the landing page: one line, at most [`MAX_MESSAGE_CHARS`],
/// with no access key ids, tokens, signatures or quoted requests.
pub fn message(raw: &str) -> String {
    // What follows these quotes the signed request: drop it all.
    const QUOTES_REQUEST: [&str; 4] = [
        "The Canonical String",
        "The String-to-Sign",
        "canonical request",
        "string to sign",
    ];
    let mut text = raw;
    let lower = raw.to_ascii_lowercase();
    if let Some(cut) = QUOTES_REQUEST
        .iter()
        .filter_map(|q| lower.find(&q.to_ascii_lowercase()))
        .min()
    {
        text = &raw[..cut];
    }
    static PATTERNS: OnceLock<[Regex; 4]> = OnceLock::new();
    let [kv, key_id, hex, b64] = PATTERNS.get_or_init(|| {
        [
            // `X-Amz-Security-Token: ...`, `Signature=...`, `Credential=...`, `Authorization ...`
            Regex::new(r"(?i)\b(x-amz-security-token|x-amz-signature|x-amz-credential|security-token|session-token|sessiontoken|signature|credential|authorization|token|secret[a-z_-]*)(\s*[:=]\s*)[^\s,;&]+")
                .expect("valid"),
            Regex::new(r"\b(AKIA|ASIA|AROA|AIDA|AGPA|ANPA|ANVA|APKA|AIPA|ABIA|ACCA)[A-Z0-9]{12,}\b")
                .expect("valid"),
            Regex::new(r"\b[0-9a-fA-F]{32,}\b").expect("valid"),
            // Base64 (secret keys are 40 characters, session tokens hundreds); ARNs and
            // resource names break on `-`, `:` and `_`, so they stay readable.
            Regex::new(r"[A-Za-z0-9+/]{40,}={0,2}").expect("valid"),
        ]
    });
    let t = kv.replace_all(text, "$1=[redacted]");
    let t = key_id.replace_all(&t, "[redacted key id]");
    let t = hex.replace_all(&t, "[redacted]");
    // Only runs that mix upper case, lower case and digits: a long word or path is not a key.
    let t = b64.replace_all(&t, |c: &regex::Captures<'_>| {
        let m = &c[0];
        let mixed = m.chars().any(|c| c.is_ascii_uppercase())
            && m.chars().any(|c| c.is_ascii_lowercase())
            && m.chars().any(|c| c.is_ascii_digit());
        if mixed {
            "[redacted]".to_string()
        } else {
            m.to_string()
        }
    });
    let mut one_line = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.len() < raw.len() {
        one_line.push_str(" [the quoted request is not shown]");
    }
    cap(&one_line, MAX_MESSAGE_CHARS)
}

/// An error code as a label value: AWS's codes are short words (`Throttling`,
/// `AccessDeniedException`, `InvalidParameterValue`); anything else is [`OTHER_CODE`].
pub fn code(raw: &str) -> String {
    let looks_like_aws = !raw.is_empty()
        && raw.len() <= MAX_CODE_CHARS
        && raw.starts_with(|c: char| c.is_ascii_alphabetic())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if looks_like_aws {
        raw.to_string()
    } else {
        OTHER_CODE.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_mismatch_loses_its_canonical_request() {
        let raw = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.\n\nThe Canonical String for this request should have been\n'POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:monitoring.us-east-1.amazonaws.com\nx-amz-date:20261201T101010Z\nx-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLEtokenEXAMPLEtokenEXAMPLE\n\ncontent-type;host;x-amz-date;x-amz-security-token\n3f2e1d'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261201T101010Z\n20261201/us-east-1/monitoring/aws4_request\nabcdef'";
        let m = message(raw);
        assert_eq!(
            m,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. [the quoted request is not shown]"
        );
    }

    #[test]
    fn credentials_anywhere_in_a_message_are_redacted() {
        let m = message(
            "denied for AKIACWCANARY7Q2X9ZLM with X-Amz-Security-Token: FwoGZXIvYXdzEXAMPLE and Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7, Credential=ASIAXXXXXXXXXXXXXXXX/20261201",
        );
        assert!(!m.contains("AKIACWCANARY"), "{m}");
        assert!(!m.contains("FwoGZX"), "{m}");
        assert!(!m.contains("5d672d79"), "{m}");
        assert!(!m.contains("ASIAXXXX"), "{m}");
        assert!(
            m.starts_with("denied for [redacted key id] with X-Amz-Security-Token=[redacted]"),
            "{m}"
        );
        // A long opaque token with no name in front of it.
        let m = message(
            "bad token IQoJb3JpZ2luX2VjEAYaCXVzLWVhc3QtMSJHMEUCIQDexample/example+example==",
        );
        assert_eq!(m, "bad token [redacted]");
    }

    #[test]
    fn arns_and_names_stay_readable() {
        let m = "User: arn:aws:sts::123456789012:assumed-role/cw-exporter-role/i-0abc123def4567890 is not authorized to perform: cloudwatch:GetMetricData";
        assert_eq!(message(m), m);
        let m = "Resource arn:aws:ecs:us-east-1:123456789012:service/production-cluster-east/checkout-service-blue-green not found";
        assert_eq!(message(m), m);
    }

    #[test]
    fn messages_are_one_capped_line() {
        let m = message(&"word ".repeat(1000));
        assert!(m.chars().count() <= MAX_MESSAGE_CHARS + 1, "{}", m.len());
        assert!(m.ends_with('…'));
        assert_eq!(message("a\n\tb  c"), "a b c");
        // Plain messages pass unchanged.
        assert_eq!(
            message("Rate exceeded for operation GetMetricData"),
            "Rate exceeded for operation GetMetricData"
        );
    }

    #[test]
    fn codes_that_do_not_look_like_aws_codes_become_one_bucket() {
        assert_eq!(code("Throttling"), "Throttling");
        assert_eq!(code("AccessDeniedException"), "AccessDeniedException");
        assert_eq!(code("bad_response"), "bad_response");
        assert_eq!(code("AccessDenied<script>alert(1)</script>"), OTHER_CODE);
        assert_eq!(code(""), OTHER_CODE);
        assert_eq!(code(&"A".repeat(65)), OTHER_CODE);
        assert_eq!(code("Access Denied"), OTHER_CODE);
    }
}
