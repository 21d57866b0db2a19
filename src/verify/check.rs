//! Where a check may go and what its answer means. No I/O: the URL rules (HTTPS, or
//! plain HTTP to loopback only; the base replaced only from the environment) and the
//! reading of an answer are pure functions, tested without traffic.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::rules::VerifySyntax;

use super::{Status, Validation, VerifyError};

/// An absolute URL split into what may be overridden (scheme + host + port) and
/// what may not (path + query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `https` or `http` (the latter only to a loopback host).
    pub scheme: &'static str,
    /// `host` or `host:port` (`[::1]:port` for IPv6).
    pub authority: String,
    /// Path and query, starting with `/`.
    pub rest: String,
}

impl Endpoint {
    /// Parses and checks `url`: `https://` anywhere, `http://` only to loopback;
    /// no user info.
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let (scheme, after) = if let Some(after) = url.strip_prefix("https://") {
            ("https", after)
        } else if let Some(after) = url.strip_prefix("http://") {
            ("http", after)
        } else {
            return Err(format!("`{url}` is not an https:// URL"));
        };
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        if authority.is_empty() || authority.contains('@') || rest.contains('#') {
            return Err(format!(
                "`{url}` needs a plain host (no user info, no fragment)"
            ));
        }
        let rest = if rest.is_empty() { "/" } else { rest };
        if scheme == "http" && !is_loopback(authority) {
            return Err(format!(
                "`{url}`: plain http:// is allowed only to a loopback host (127.0.0.0/8, ::1, localhost); a key must never cross a network unencrypted"
            ));
        }
        Ok(Endpoint {
            scheme,
            authority: authority.to_ascii_lowercase(),
            rest: rest.to_string(),
        })
    }

    /// Parses a base URL override: scheme and host (and port) only.
    pub fn parse_base(url: &str) -> Result<Endpoint, String> {
        let base = Endpoint::parse(url.trim_end_matches('/'))?;
        if base.rest != "/" {
            return Err(format!(
                "`{url}` must be a base URL only (scheme, host and port), without a path"
            ));
        }
        Ok(base)
    }

    /// This endpoint with its scheme, host and port taken from `base`.
    pub fn rebased(&self, base: &Endpoint) -> Endpoint {
        Endpoint {
            scheme: base.scheme,
            authority: base.authority.clone(),
            rest: self.rest.clone(),
        }
    }

    /// The full URL.
    pub fn url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.rest)
    }
}

/// True for `localhost`, 127.0.0.0/8 and `::1`, with or without a port.
fn is_loopback(authority: &str) -> bool {
    let host = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((ip, _)) => return ip.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback()),
            None => return false,
        }
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// The environment variable that overrides a provider's base URL:
/// `KEYHOOK_<PROVIDER>_BASE_URL`, upper-cased, anything not alphanumeric → `_`.
pub fn base_url_variable(provider: &str) -> String {
    let name: String = provider
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("KEYHOOK_{name}_BASE_URL")
}

/// The endpoint a rule's check goes to: its own URL, rebased only when the
/// environment overrides the provider's base URL.
pub(crate) fn endpoint(
    rule_id: &str,
    provider: &str,
    check: &VerifySyntax,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, VerifyError> {
    let own = Endpoint::parse(&check.url).map_err(|message| VerifyError::Url {
        what: format!("rule `{rule_id}`"),
        message,
    })?;
    if own.scheme != "https" {
        return Err(VerifyError::Url {
            what: format!("rule `{rule_id}`"),
            message: "a check URL must be https://".into(),
        });
    }
    let variable = base_url_variable(provider);
    match env(&variable).filter(|v| !v.is_empty()) {
        Some(base) => {
            let base = Endpoint::parse_base(&base).map_err(|message| VerifyError::Url {
                what: variable,
                message,
            })?;
            Ok(own.rebased(&base))
        }
        None => Ok(own),
    }
}

/// Reads an HTTP answer. `body` is read only for checks that need it.
pub(crate) fn classify(check: &VerifySyntax, status: u16, body: Option<&str>) -> Validation {
    if check.live.contains(&status) {
        let Some(field) = &check.json_ok_field else {
            return Validation::new(Status::Live, None);
        };
        let ok = body
            .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
            .and_then(|v| v.get(field).and_then(serde_json::Value::as_bool));
        return match ok {
            Some(true) => Validation::new(Status::Live, None),
            Some(false) => Validation::new(
                Status::Invalid,
                Some(format!("HTTP {status}, `{field}` is false")),
            ),
            None => Validation::new(
                Status::Unknown,
                Some(format!("HTTP {status} without a `{field}` field")),
            ),
        };
    }
    if check.restricted.contains(&status) {
        return Validation::new(Status::Restricted, Some(format!("HTTP {status}")));
    }
    if check.invalid.contains(&status) {
        return Validation::new(Status::Invalid, Some(format!("HTTP {status}")));
    }
    let detail = match status {
        429 => "rate limited (HTTP 429)".to_string(),
        300..=399 => format!("redirected (HTTP {status}); redirects are not followed"),
        _ => format!("unexpected HTTP {status}"),
    };
    Validation::new(Status::Unknown, Some(detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{RuleSet, VerifyAuth, VerifyMethod};

    fn check(url: &str) -> VerifySyntax {
        VerifySyntax {
            method: VerifyMethod::Get,
            url: url.into(),
            auth: VerifyAuth::Bearer,
            headers: Default::default(),
            live: vec![200],
            invalid: vec![401],
            restricted: vec![403],
            json_ok_field: None,
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let cases = [
            ("https://api.openai.com/v1/models", true),
            ("http://127.0.0.1:8080/v1/models", true),
            ("http://127.3.4.5/x", true),
            ("http://localhost:1/x", true),
            ("http://[::1]:9/x", true),
            ("http://10.0.0.1/v1/models", false),
            ("http://api.openai.com/v1/models", false),
            ("http://127.0.0.1.evil.example/x", false),
            ("http://[::2]:9/x", false),
            ("http://localhost.evil.example/x", false),
            ("https://user@api.openai.com/", false),
            ("ftp://127.0.0.1/", false),
        ];
        for (url, ok) in cases {
            assert_eq!(Endpoint::parse(url).is_ok(), ok, "{url}");
        }
    }

    #[test]
    fn base_override_comes_only_from_the_environment() {
        let c = check("https://api.openai.com/v1/models");
        let none = |_: &str| None;
        assert_eq!(
            endpoint("r", "OpenAI", &c, &none).unwrap().url(),
            "https://api.openai.com/v1/models"
        );
        let local = |v: &str| {
            (v == "KEYHOOK_OPENAI_BASE_URL").then(|| "http://127.0.0.1:4000/".to_string())
        };
        assert_eq!(
            endpoint("r", "OpenAI", &c, &local).unwrap().url(),
            "http://127.0.0.1:4000/v1/models"
        );
        let remote = |_: &str| Some("http://10.1.2.3:80".to_string());
        let err = endpoint("r", "OpenAI", &c, &remote)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("KEYHOOK_OPENAI_BASE_URL") && err.contains("loopback"),
            "{err}"
        );
        let with_path = |_: &str| Some("https://proxy.example/steal".to_string());
        assert!(endpoint("r", "OpenAI", &c, &with_path).is_err());
        assert!(endpoint("r", "OpenAI", &check("http://127.0.0.1/x"), &none).is_err());
    }

    #[test]
    fn variable_names() {
        assert_eq!(base_url_variable("OpenAI"), "KEYHOOK_OPENAI_BASE_URL");
        assert_eq!(
            base_url_variable("Hugging Face"),
            "KEYHOOK_HUGGING_FACE_BASE_URL"
        );
        assert_eq!(base_url_variable("xAI"), "KEYHOOK_XAI_BASE_URL");
    }

    #[test]
    fn answers_are_read_as_documented() {
        let c = check("https://x.example/");
        let cases = [
            (200, Status::Live),
            (401, Status::Invalid),
            (403, Status::Restricted),
            (429, Status::Unknown),
            (500, Status::Unknown),
            (302, Status::Unknown),
        ];
        for (code, status) in cases {
            assert_eq!(classify(&c, code, None).status, status, "{code}");
        }
        let slack = VerifySyntax {
            json_ok_field: Some("ok".into()),
            ..c
        };
        assert_eq!(
            classify(&slack, 200, Some(r#"{"ok":true}"#)).status,
            Status::Live
        );
        assert_eq!(
            classify(&slack, 200, Some(r#"{"ok":false,"error":"invalid_auth"}"#)).status,
            Status::Invalid
        );
        assert_eq!(
            classify(&slack, 200, Some("<html>")).status,
            Status::Unknown
        );
    }

    #[test]
    fn every_builtin_check_is_https_and_covers_the_providers() {
        let rules = RuleSet::builtin().unwrap();
        let mut providers = std::collections::BTreeSet::new();
        for rule in rules.rules() {
            if let Some(check) = &rule.syntax.verify {
                let e = endpoint(rule.id(), rule.provider(), check, &|_| None).unwrap();
                assert_eq!(e.scheme, "https", "{}", rule.id());
                providers.insert(rule.provider().to_string());
            }
        }
        for p in [
            "OpenAI",
            "Anthropic",
            "Google",
            "Groq",
            "Hugging Face",
            "GitHub",
            "Slack",
            "OpenRouter",
            "Mistral AI",
            "xAI",
        ] {
            assert!(providers.contains(p), "no check for {p}");
        }
    }
}
