//! The one place that sends a key: a single blocking request with `ureq` (rustls),
//! no redirects followed, a timeout on the whole exchange, and errors reduced to
//! fixed words (a client error message may quote the URL, and a query-parameter
//! check puts the key in the URL).

use std::time::Duration;

use base64::Engine as _;

use crate::rules::{VerifyAuth, VerifyMethod, VerifySyntax};

use super::check::Endpoint;

/// Bodies are read only for checks that look at them, and never past this.
const MAX_BODY: u64 = 64 * 1024;

/// The answer to a check request.
pub(crate) struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body, when the check reads it.
    pub body: Option<String>,
}

/// Why no answer came; fixed words that never quote the key or the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No complete answer within the timeout.
    Timeout,
    /// Could not connect, resolve, or speak TLS/HTTP.
    Connection,
    /// The key has bytes that cannot travel in a header or URL.
    Unsendable,
}

impl Failure {
    /// Says what went wrong, without the URL or the key.
    pub fn detail(self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Connection => "connection failed",
            Failure::Unsendable => "the key holds bytes that cannot be sent",
        }
    }
}

/// Sends `secret` to `endpoint` as `check` says, and returns the answer.
pub(crate) fn send(
    endpoint: &Endpoint,
    check: &VerifySyntax,
    secret: &[u8],
    timeout: Duration,
) -> Result<Answer, Failure> {
    let key = std::str::from_utf8(secret)
        .ok()
        .filter(|k| k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or(Failure::Unsendable)?;
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        // A redirect could carry the request elsewhere: never follow one.
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(concat!("keyhook/", env!("CARGO_PKG_VERSION")))
        // A proxy would see a plain-http (loopback) request in clear: none then.
        .proxy(if endpoint.scheme == "http" {
            None
        } else {
            ureq::Proxy::try_from_env()
        })
        .build();
    let agent: ureq::Agent = config.into();

    let mut url = endpoint.url();
    let mut headers: Vec<(String, String)> = check
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match &check.auth {
        VerifyAuth::Bearer => headers.push(("authorization".into(), format!("Bearer {key}"))),
        VerifyAuth::Basic => {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
            headers.push(("authorization".into(), format!("Basic {token}")));
        }
        VerifyAuth::Header(name) => headers.push((name.clone(), key.to_string())),
        VerifyAuth::Query(name) => {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&percent_encode(name));
            url.push('=');
            url.push_str(&percent_encode(key));
        }
    }
    let result = match check.method {
        VerifyMethod::Get => {
            let mut request = agent.get(&url);
            for (name, value) in &headers {
                request = request.header(name, value);
            }
            request.call()
        }
        VerifyMethod::Post => {
            let mut request = agent.post(&url);
            for (name, value) in &headers {
                request = request.header(name, value);
            }
            request.send_empty()
        }
    };
    let mut response = result.map_err(|e| match e {
        ureq::Error::Timeout(_) => Failure::Timeout,
        _ => Failure::Connection,
    })?;
    let status = response.status().as_u16();
    let body = if check.json_ok_field.is_some() {
        response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .ok()
    } else {
        None
    };
    Ok(Answer { status, body })
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(percent_encode("AIza-_.~"), "AIza-_.~");
        assert_eq!(percent_encode("a+b/c=&"), "a%2Bb%2Fc%3D%26");
    }
}
