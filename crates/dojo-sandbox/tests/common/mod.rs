//! A small blocking client over real loopback HTTP (ureq), shared by the tests.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use dojo_core::ApiKey;
use dojo_core::request::Request;
use dojo_core::response::ResponseKind;

pub const KEY: &str = "sk_sandbox_tests";
pub const VERSION: &str = "2026-02-27";

pub struct Client {
    pub agent: ureq::Agent,
    pub base: String,
}

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl Client {
    pub fn new(base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .allow_non_standard_methods(true)
            .build()
            .into();
        Client { agent, base: base.to_owned() }
    }

    /// Any request; `Err` when no complete answer came (dropped or cut connection).
    pub fn try_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Answer, ureq::Error> {
        let mut b = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.base));
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        let req = b.body(body.to_vec()).expect("a request");
        let mut resp = self.agent.run(req)?;
        let status = resp.status().as_u16();
        let headers =
            resp.headers().iter().map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
        let body = resp.body_mut().with_config().limit(10 << 20).read_to_vec()?;
        Ok(Answer { status, headers, body })
    }

    pub fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        self.try_raw(method, path, headers, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// An authenticated API call with a JSON body (or none).
    pub fn api(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        let auth = format!("Basic {KEY}");
        let mut h = vec![("Authorization", auth.as_str()), ("version", VERSION)];
        if body.is_some() {
            h.push(("Content-Type", "application/json"));
        }
        self.raw(method, path, &h, body.unwrap_or("").as_bytes())
    }

    /// Sends a request dojo-core built.
    pub fn try_send<K: ResponseKind>(&self, req: &Request<'_, K>, buf: &[u8]) -> Result<Answer, ureq::Error> {
        self.try_raw(req.method().as_str(), req.path_and_query(), req.headers(), req.body(buf))
    }

    pub fn send<K: ResponseKind>(&self, req: &Request<'_, K>, buf: &[u8]) -> Answer {
        self.try_send(req, buf).unwrap_or_else(|e| panic!("{:?}: {e}", req.operation()))
    }
}

pub fn key() -> ApiKey {
    ApiKey::new(KEY).expect("a sandbox key")
}
