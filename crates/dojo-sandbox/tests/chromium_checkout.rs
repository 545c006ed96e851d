//! The checkout page in a real headless Chromium, driven over WebDriver (chromedriver on
//! 127.0.0.1): fill in the success test card, submit, and see through the API that the
//! setup intent became Authorized.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`), or another Chrome and its driver named by `DOJO_CHROMIUM` and
//! `DOJO_CHROMEDRIVER`. Without them the test prints that it was SKIPPED, except under
//! `CI`, where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Client;
use dojo_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

/// The browser: `DOJO_CHROMIUM`, or Debian's.
fn chromium() -> String {
    std::env::var("DOJO_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

/// Its WebDriver: `DOJO_CHROMEDRIVER`, or Debian's.
fn chromedriver() -> String {
    std::env::var("DOJO_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned())
}
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// chromedriver, killed and its profile removed on drop.
struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
    profile: PathBuf,
    session: Option<String>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(s) = self.session.take() {
            let _ = self.call("DELETE", &format!("/session/{s}"), None);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let profile = std::env::temp_dir().join(format!("dojo-sandbox-chromium-{}-{nanos}", std::process::id()));
        let driver = Driver { child, base: format!("http://127.0.0.1:{port}"), agent, profile, session: None };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(v) = driver.call("GET", "/status", None)
                && v["value"]["ready"] == true
            {
                return driver;
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(|e| e.to_string())?;
        let mut resp = self.agent.run(req).map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
        if status == 200 { Ok(v) } else { Err(format!("{method} {path}: {status} {v}")) }
    }

    fn session(&mut self) -> String {
        let args = json!([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            format!("--user-data-dir={}", self.profile.display()),
        ]);
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium(), "args": args}
        }}});
        let v = self.call("POST", "/session", Some(caps)).unwrap();
        let id = v["value"]["sessionId"].as_str().unwrap().to_owned();
        self.session = Some(id.clone());
        id
    }

    fn find(&self, s: &str, css: &str) -> Result<String, String> {
        let v =
            self.call("POST", &format!("/session/{s}/element"), Some(json!({"using": "css selector", "value": css})))?;
        Ok(v["value"][ELEMENT].as_str().ok_or("no element id")?.to_owned())
    }

    fn type_into(&self, s: &str, css: &str, text: &str) {
        let e = self.find(s, css).unwrap();
        self.call("POST", &format!("/session/{s}/element/{e}/clear"), Some(json!({}))).unwrap();
        self.call("POST", &format!("/session/{s}/element/{e}/value"), Some(json!({"text": text}))).unwrap();
    }
}

fn installed() -> bool {
    Path::new(&chromium()).exists() && Path::new(&chromedriver()).exists()
}

#[test]
fn checkout_page_in_headless_chromium_authorizes_the_setup_intent() {
    if !installed() {
        let msg = format!(
            "chromium_checkout: SKIPPED: {} or {} is missing (apt-get install chromium chromium-driver, or set \
             DOJO_CHROMIUM and DOJO_CHROMEDRIVER)",
            chromium(),
            chromedriver()
        );
        if std::env::var_os("CI").is_some() {
            panic!("{msg}; CI must install them");
        }
        println!("{msg}");
        eprintln!("{msg}");
        return;
    }
    let sb = Sandbox::start(Config::default()).unwrap();
    let c = Client::new(sb.base_url());
    let si = c.api(
        "POST",
        "/setup-intents",
        Some(r#"{"reference":"Table 4 <Friday>","terms":"No-show fee of \u00a310.00","merchantInitiatedTransactionType":"NoShow","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#),
    );
    assert_eq!(si.status, 200, "{}", si.text());
    let id = si.json()["id"].as_str().unwrap().to_owned();

    let mut d = Driver::start();
    let s = d.session();
    d.call("POST", &format!("/session/{s}/url"), Some(json!({"url": sb.checkout_url(&id)}))).unwrap();
    let title = d.call("GET", &format!("/session/{s}/title"), None).unwrap();
    assert!(title["value"].as_str().unwrap().contains("Card authorization"), "{title}");
    let reference = d.find(&s, "#reference").unwrap();
    let text = d.call("GET", &format!("/session/{s}/element/{reference}/text"), None).unwrap();
    assert_eq!(text["value"], "Table 4 <Friday>");

    // The declining card first: the form comes back with the error, the intent stays Created.
    let submit = |card: &str| {
        d.type_into(&s, "#cardNumber", card);
        d.type_into(&s, "#expiry", "12/29");
        d.type_into(&s, "#cvv", "123");
        let pay = d.find(&s, "#pay").unwrap();
        d.call("POST", &format!("/session/{s}/element/{pay}/click"), Some(json!({}))).unwrap();
    };
    submit("4456 5300 0000 1013");
    let deadline = Instant::now() + Duration::from_secs(20);
    let error = loop {
        if let Ok(e) = d.find(&s, "#error") {
            break d.call("GET", &format!("/session/{s}/element/{e}/text"), None).unwrap();
        }
        assert!(Instant::now() < deadline, "no decline message");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(error["value"].as_str().unwrap().contains("declined"), "{error}");
    assert_eq!(c.api("GET", &format!("/setup-intents/{id}"), None).json()["status"], "Created");

    submit("5200 0000 0000 1005");

    // The result page, then the API.
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Ok(e) = d.find(&s, "#result") {
            let v = d.call("GET", &format!("/session/{s}/element/{e}/attribute/data-status"), None).unwrap();
            break v["value"].as_str().unwrap_or("").to_owned();
        }
        assert!(Instant::now() < deadline, "no result page");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status, "Authorized");
    if let Ok(shot) = d.call("GET", &format!("/session/{s}/screenshot"), None) {
        let out = std::env::temp_dir().join("dojo-sandbox-checkout-result.b64");
        let _ = std::fs::write(&out, shot["value"].as_str().unwrap_or(""));
    }
    let si = c.api("GET", &format!("/setup-intents/{id}"), None).json();
    assert_eq!(si["status"], "Authorized", "{si}");
    assert_eq!(si["paymentDetails"]["card"]["last4PAN"], "1005");
    println!("chromium_checkout: headless Chromium authorized {id} through the checkout page");
}
