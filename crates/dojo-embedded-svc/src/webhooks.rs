//! Webhook subscription management: the nine `/webhooks` operations of the 2026-02-27
//! spec, built and decoded by dojo-core's [`webhook_api`](dojo_core::webhook_api), sent
//! through [`Client::execute`] (one caller buffer, no allocation; the same retry and
//! outcome-unknown rules as every other operation: only the three reads are repeated
//! after a failure that may have reached the server).
//!
//! A kiosk typically lists its subscription's secrets at start-up, keeps the active
//! values ([`SecretsResponse::active_secrets`]) for
//! [`dojo_core::dedup::receive`], and lists them again when a delivery fails to verify
//! (a rotation has begun).

use dojo_core::json::Items;
use dojo_core::webhook_api::{
    SecretsResponse, Subscription, SubscriptionRequest, SubscriptionUpdateRequest, UrlRule, WebhookEventGroup,
};

use crate::client::{Client, ClientResult, Connect};
use crate::retry::Delay;

impl<'k, K: Connect, D: Delay> Client<'k, K, D> {
    /// `GET /webhooks/events`: the event types, by model (retried).
    pub fn list_webhook_events<'b>(
        &mut self,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Items<'b, WebhookEventGroup<'b>>, K> {
        let req = self.api().list_webhook_events()?;
        self.execute(&req, buf)
    }

    /// `GET /webhooks`: every subscription (retried; find one by id with
    /// [`find_subscription`](dojo_core::webhook_api::find_subscription)).
    pub fn list_subscriptions<'b>(&mut self, buf: &'b mut [u8]) -> ClientResult<'b, Items<'b, Subscription<'b>>, K> {
        let req = self.api().list_subscriptions()?;
        self.execute(&req, buf)
    }

    /// `POST /webhooks`: subscribes an `https://` URL (not repeated once it may have
    /// reached the server: a repeat makes a second subscription).
    pub fn create_subscription<'b>(
        &mut self,
        body: &SubscriptionRequest<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Subscription<'b>, K> {
        self.create_subscription_with(body, UrlRule::HttpsOnly, buf)
    }

    /// `POST /webhooks` with another [`UrlRule`] (a plain-HTTP loopback receiver, which
    /// only a local emulator accepts).
    pub fn create_subscription_with<'b>(
        &mut self,
        body: &SubscriptionRequest<'_>,
        rule: UrlRule,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Subscription<'b>, K> {
        let req = self.api().create_subscription_with(body, rule, buf)?;
        self.execute(&req, buf)
    }

    /// `PATCH /webhooks/{id}`: changes the URL (`https://`), events or description.
    pub fn update_subscription<'b>(
        &mut self,
        subscription_id: &str,
        body: &SubscriptionUpdateRequest<'_>,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Subscription<'b>, K> {
        self.update_subscription_with(subscription_id, body, UrlRule::HttpsOnly, buf)
    }

    /// `PATCH /webhooks/{id}` with another [`UrlRule`].
    pub fn update_subscription_with<'b>(
        &mut self,
        subscription_id: &str,
        body: &SubscriptionUpdateRequest<'_>,
        rule: UrlRule,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, Subscription<'b>, K> {
        let req = self.api().update_subscription_with(subscription_id, body, rule, buf)?;
        self.execute(&req, buf)
    }

    /// `DELETE /webhooks/{id}`.
    pub fn delete_subscription<'b>(&mut self, subscription_id: &str, buf: &'b mut [u8]) -> ClientResult<'b, (), K> {
        let req = self.api().delete_subscription(subscription_id)?;
        self.execute(&req, buf)
    }

    /// `GET /webhooks/{id}/secrets` (retried): the active values for verifying
    /// deliveries are [`SecretsResponse::active_secrets`].
    pub fn list_secrets<'b>(
        &mut self,
        subscription_id: &str,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SecretsResponse<'b>, K> {
        let req = self.api().list_secrets(subscription_id)?;
        self.execute(&req, buf)
    }

    /// `POST /webhooks/{id}/secrets`: a new secret, inactive until activated.
    pub fn generate_secret<'b>(
        &mut self,
        subscription_id: &str,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, SecretsResponse<'b>, K> {
        let req = self.api().generate_secret(subscription_id)?;
        self.execute(&req, buf)
    }

    /// `PUT /webhooks/{id}/secrets/{secretId}/activate`.
    pub fn activate_secret<'b>(
        &mut self,
        subscription_id: &str,
        secret_id: &str,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, (), K> {
        let req = self.api().activate_secret(subscription_id, secret_id)?;
        self.execute(&req, buf)
    }

    /// `DELETE /webhooks/{id}/secrets/{secretId}`.
    pub fn delete_secret<'b>(
        &mut self,
        subscription_id: &str,
        secret_id: &str,
        buf: &'b mut [u8],
    ) -> ClientResult<'b, (), K> {
        let req = self.api().delete_secret(subscription_id, secret_id)?;
        self.execute(&req, buf)
    }
}
