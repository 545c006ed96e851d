//! `ClientBuilder::connector`: a caller's transport slots in below the client's key swap.
//! The bytes that reach it carry the real key for the client's origin, ureq only ever
//! saw the placeholder, and the key is swapped in for `Client::authorization_placeholder()`
//! on a request sent through `Client::agent()` to the client's origin, never elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::{Arc, Mutex};

use dojo_core::ApiKey;
use dojo_core::request::CreateSetupIntentRequest;
use dojo_core::{MerchantInitiatedTransactionType, Money};
use dojo_sandbox::{Config, Sandbox};
use dojo_ureq::Client;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, TcpConnector, Transport};

type Wire = Arc<Mutex<Vec<u8>>>;

/// TCP, recording every byte sent.
#[derive(Debug)]
struct Recording(TcpConnector, Wire);

#[derive(Debug)]
struct RecordingTransport(Box<dyn Transport>, Wire);

impl Connector<()> for Recording {
    type Out = RecordingTransport;
    fn connect(&self, details: &ConnectionDetails, chained: Option<()>) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(self.0.connect(details, chained)?.map(|t| RecordingTransport(Box::new(t), self.1.clone())))
    }
}

impl Transport for RecordingTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }
    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.1.lock().unwrap().extend_from_slice(&self.0.buffers().output()[..amount]);
        self.0.transmit_output(amount, timeout)
    }
    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.0.await_input(timeout)
    }
    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }
}

const KEY: &str = "sk_sandbox_connectorTestKey123";

#[test]
fn a_callers_connector_carries_the_real_key_and_only_to_the_clients_origin() {
    let sb = Sandbox::start(Config::default()).unwrap();
    let other = Sandbox::start(Config::default()).unwrap();
    let wire: Wire = Arc::default();
    let client = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(sb.base_url())
        .connector(Recording(TcpConnector::default(), wire.clone()))
        .build()
        .unwrap();
    let body = CreateSetupIntentRequest::new("T", "Terms", MerchantInitiatedTransactionType::NoShow, Money::gbp(500));
    let created = client.create_setup_intent(&body).unwrap();
    let id = created.get().id;
    client.get_setup_intent(&id).unwrap();
    let sent = String::from_utf8(std::mem::take(&mut *wire.lock().unwrap())).unwrap();
    assert_eq!(sent.matches(&format!("authorization: Basic {KEY}\r\n")).count(), 2, "{sent}");
    assert!(!sent.contains("Basic *"), "{sent}");

    // The placeholder, sent through the client's agent to the client's origin, is swapped
    // for the key (the emulator answers); to another origin it stays a placeholder (the
    // emulator refuses it: 401).
    let placeholder = format!("Basic {}", "*".repeat(KEY.len()));
    assert_eq!(client.authorization_placeholder(), placeholder);
    let url = format!("{}/setup-intents/{id}", sb.base_url());
    let answer = client.agent().get(&url).header("authorization", &placeholder).header("version", "2024-02-05").call();
    assert_eq!(answer.unwrap().status().as_u16(), 200);
    let sent = String::from_utf8(std::mem::take(&mut *wire.lock().unwrap())).unwrap();
    assert!(sent.contains(&format!("authorization: Basic {KEY}\r\n")), "{sent}");
    let url = format!("{}/setup-intents/{id}", other.base_url());
    let answer = client.agent().get(&url).header("authorization", &placeholder).header("version", "2024-02-05").call();
    assert_eq!(answer.unwrap().status().as_u16(), 401);
    let sent = String::from_utf8(std::mem::take(&mut *wire.lock().unwrap())).unwrap();
    assert!(sent.contains(&format!("authorization: {placeholder}\r\n")) && !sent.contains(KEY), "{sent}");
    sb.shutdown();
    other.shutdown();
}
