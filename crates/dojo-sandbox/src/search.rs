//! `POST /payment-intents/search`: filters and cursor pages over the payment intents, in
//! creation order.

use dojo_core::PaymentIntentStatus;
use dojo_core::request::SearchPaymentIntentsRequest;
use serde::Serialize;

use crate::problem::ApiError;
use crate::records::PaymentIntentRec;
use crate::store::{State, text};

/// The largest page a search returns (`Cursor.limit`'s maximum).
const MAX_PAGE: usize = 100;
/// The page size when `cursor.limit` is not given (`Cursor.limit`'s default).
const DEFAULT_PAGE: usize = 50;

/// `PagedPaymentIntent`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PageOut {
    pub(crate) data: Vec<PaymentIntentRec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) after: Option<String>,
}

impl State {
    /// `POST /payment-intents/search`: in creation order; `after`/`before` are ids.
    pub(crate) fn search(&mut self, req: &SearchPaymentIntentsRequest<'_>) -> Result<PageOut, ApiError> {
        req.validate().map_err(ApiError::validation)?;
        let ids: Vec<String> = self.payment_intents.keys().cloned().collect();
        for id in &ids {
            self.payment_intent_mut(id)?;
        }
        let statuses: Option<Vec<PaymentIntentStatus>> = req.statuses.map(|l| l.iter().collect());
        let mut all: Vec<&PaymentIntentRec> = self
            .payment_intents
            .values()
            .map(|pi| &**pi)
            .filter(|pi| statuses.as_ref().is_none_or(|s| s.contains(&pi.status)))
            .filter(|pi| req.start_date.is_none_or(|t| pi.created_at >= t))
            .filter(|pi| req.end_date.is_none_or(|t| pi.created_at <= t))
            .collect();
        all.sort_by_key(|pi| pi.seq);
        let limit = match req.cursor.and_then(|c| c.limit) {
            None => DEFAULT_PAGE,
            Some(l) => match usize::try_from(l) {
                Ok(l) if (1..=MAX_PAGE).contains(&l) => l,
                _ => return Err(ApiError::field("$.cursor.limit", format!("The limit must be 1 to {MAX_PAGE}."))),
            },
        };
        let seq_of = |cursor: &dojo_core::Text<'_>, key: &str| -> Result<u64, ApiError> {
            let id = text(cursor);
            self.payment_intents.get(&id).map(|pi| pi.seq).ok_or_else(|| ApiError::field(key, "Unknown cursor."))
        };
        let (start, end) = match req.cursor {
            Some(c) if c.after.is_some() => {
                let after = c.after.as_ref().map(|a| seq_of(a, "$.cursor.after")).transpose()?.unwrap_or(0);
                let start = all.iter().position(|pi| pi.seq > after).unwrap_or(all.len());
                (start, (start + limit).min(all.len()))
            }
            Some(c) if c.before.is_some() => {
                let before = c.before.as_ref().map(|b| seq_of(b, "$.cursor.before")).transpose()?.unwrap_or(u64::MAX);
                let end = all.iter().position(|pi| pi.seq >= before).unwrap_or(all.len());
                (end.saturating_sub(limit), end)
            }
            _ => (0, limit.min(all.len())),
        };
        let page: Vec<PaymentIntentRec> = all.get(start..end).unwrap_or(&[]).iter().map(|pi| (*pi).clone()).collect();
        let before = (start > 0).then(|| page.first().map(|p| p.id.clone())).flatten();
        let after = (end < all.len()).then(|| page.last().map(|p| p.id.clone())).flatten();
        Ok(PageOut { data: page, before, after })
    }
}
