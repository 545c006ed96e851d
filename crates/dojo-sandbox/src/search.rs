//! `POST /payment-intents/search`: filters and cursor pages over the payment intents, in
//! creation order.

use dojo_core::PaymentIntentStatus;
use dojo_core::request::SearchPaymentIntentsRequest;
use serde::Serialize;

use crate::problem::ApiError;
use crate::records::PaymentIntentRec;
use crate::store::{State, text};

/// The largest page a search returns.
const MAX_PAGE: usize = 100;

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
        let limit = req.cursor.and_then(|c| c.limit).map_or(MAX_PAGE, |l| usize::try_from(l).unwrap_or(MAX_PAGE));
        let limit = limit.clamp(1, MAX_PAGE);
        let seq_of = |cursor: &dojo_core::Text<'_>| -> Result<u64, ApiError> {
            let id = text(cursor);
            self.payment_intents.get(&id).map(|pi| pi.seq).ok_or_else(|| ApiError::field("cursor", "Unknown cursor."))
        };
        let (start, end) = match req.cursor {
            Some(c) if c.after.is_some() => {
                let after = c.after.as_ref().map(seq_of).transpose()?.unwrap_or(0);
                let start = all.iter().position(|pi| pi.seq > after).unwrap_or(all.len());
                (start, (start + limit).min(all.len()))
            }
            Some(c) if c.before.is_some() => {
                let before = c.before.as_ref().map(seq_of).transpose()?.unwrap_or(u64::MAX);
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
