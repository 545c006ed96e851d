//! Webhook subscription management: the nine `/webhooks` operations of the 2026-02-27
//! spec, built and decoded by dojo-core's [`webhook_api`](dojo_core::webhook_api), sent
//! over this client's one exchange path (the same timeouts, retries and outcome-unknown
//! rules as the intent methods).
//!
//! Only the reads (`list_webhook_events`, `list_subscriptions`, `list_secrets`) are
//! repeated after a failure that may have reached the server; a create, generate, update,
//! activate or delete that may have executed is [`Error::OutcomeUnknown`]: list the
//! subscriptions (or secrets) to see what happened before repeating it.

use dojo_core::webhook_api::kind::{
    NoContentKind, SecretsKind, SubscriptionKind, SubscriptionListKind, WebhookEventsKind,
};
use dojo_core::webhook_api::{SubscriptionRequest, SubscriptionUpdateRequest, UrlRule};

use crate::client::Client;
use crate::error::Error;
use crate::response::Response;

impl Client {
    /// `GET /webhooks/events`: the event types a subscription can name, by model.
    /// Retried.
    pub fn list_webhook_events(&self) -> Result<Response<WebhookEventsKind>, Error> {
        let req = self.api().list_webhook_events()?;
        self.execute(&req, &[])
    }

    /// `GET /webhooks`: every subscription of the account (find one by id with
    /// [`dojo_core::webhook_api::find_subscription`]). Retried.
    pub fn list_subscriptions(&self) -> Result<Response<SubscriptionListKind>, Error> {
        let req = self.api().list_subscriptions()?;
        self.execute(&req, &[])
    }

    /// `POST /webhooks`: subscribes an `https://` URL to events. Not retried after it may
    /// have been sent (a repeat makes a second subscription).
    pub fn create_subscription(&self, body: &SubscriptionRequest<'_>) -> Result<Response<SubscriptionKind>, Error> {
        self.create_subscription_with(body, UrlRule::HttpsOnly)
    }

    /// `POST /webhooks` with another [`UrlRule`]: [`UrlRule::AllowLoopbackHttp`] for a
    /// plain-HTTP receiver on loopback, which only a local emulator accepts.
    pub fn create_subscription_with(
        &self,
        body: &SubscriptionRequest<'_>,
        rule: UrlRule,
    ) -> Result<Response<SubscriptionKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.create_subscription_with(body, rule, b))?;
        self.execute(&req, &buf)
    }

    /// `PATCH /webhooks/{id}`: changes a subscription's URL (`https://`), events or
    /// description. Not retried after it may have been sent.
    pub fn update_subscription(
        &self,
        subscription_id: &str,
        body: &SubscriptionUpdateRequest<'_>,
    ) -> Result<Response<SubscriptionKind>, Error> {
        self.update_subscription_with(subscription_id, body, UrlRule::HttpsOnly)
    }

    /// `PATCH /webhooks/{id}` with another [`UrlRule`].
    pub fn update_subscription_with(
        &self,
        subscription_id: &str,
        body: &SubscriptionUpdateRequest<'_>,
        rule: UrlRule,
    ) -> Result<Response<SubscriptionKind>, Error> {
        let mut buf = Vec::new();
        let req = self.build(&mut buf, |api, b| api.update_subscription_with(subscription_id, body, rule, b))?;
        self.execute(&req, &buf)
    }

    /// `DELETE /webhooks/{id}`. Not retried after it may have been sent.
    pub fn delete_subscription(&self, subscription_id: &str) -> Result<Response<NoContentKind>, Error> {
        let req = self.api().delete_subscription(subscription_id)?;
        self.execute(&req, &[])
    }

    /// `GET /webhooks/{id}/secrets`: the subscription's secrets, active or not (their
    /// active values for verifying deliveries:
    /// [`SecretsResponse::active_secrets`](dojo_core::webhook_api::SecretsResponse::active_secrets)).
    /// Retried.
    pub fn list_secrets(&self, subscription_id: &str) -> Result<Response<SecretsKind>, Error> {
        let req = self.api().list_secrets(subscription_id)?;
        self.execute(&req, &[])
    }

    /// `POST /webhooks/{id}/secrets`: generates a new secret, inactive until
    /// [`activate_secret`](Client::activate_secret). Not retried after it may have been
    /// sent.
    pub fn generate_secret(&self, subscription_id: &str) -> Result<Response<SecretsKind>, Error> {
        let req = self.api().generate_secret(subscription_id)?;
        self.execute(&req, &[])
    }

    /// `PUT /webhooks/{id}/secrets/{secretId}/activate`: deliveries are signed with it
    /// from now on. Not retried after it may have been sent.
    pub fn activate_secret(&self, subscription_id: &str, secret_id: &str) -> Result<Response<NoContentKind>, Error> {
        let req = self.api().activate_secret(subscription_id, secret_id)?;
        self.execute(&req, &[])
    }

    /// `DELETE /webhooks/{id}/secrets/{secretId}` (the old secret, once a rotation is
    /// over). Not retried after it may have been sent.
    pub fn delete_secret(&self, subscription_id: &str, secret_id: &str) -> Result<Response<NoContentKind>, Error> {
        let req = self.api().delete_secret(subscription_id, secret_id)?;
        self.execute(&req, &[])
    }
}
