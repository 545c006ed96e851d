//! The orphan search of a recovery: the payment intents a lost create answer may have
//! left, found by searching every page from the journaled time and matching each on
//! its setup intent, amount and reference.
//!
//! A search page is read by dojo-core's [`SearchPage`] scanner rather than its serde
//! decoder (the page's own two fields; each payment intent then goes through the summary
//! decoder the flow already has).

use dojo_core::request::{Cursor, SearchPaymentIntentsRequest};
use dojo_core::response::ResponseKind;
use dojo_core::response::kind::PaymentIntentSummaryKind;
use dojo_core::search_page::{SearchPage, has_reference};
use dojo_core::{Money, PaymentIntentId, SetupIntentId, Text, Timestamp};

use crate::client::{Call, Client, Connect, Stopped};
use crate::retry::Delay;

/// Results per search page.
const SEARCH_PAGE: i32 = 10;
/// The longest page cursor kept (a longer one ends the search).
const CURSOR_MAX: usize = 128;
/// At most this many pages are searched.
const SEARCH_PAGES: u32 = 20;

impl<'k, K: Connect, D: Delay> Client<'k, K, D> {
    /// Searches every page from `search_from` for payment intents of `reference`,
    /// `setup_intent` and `amount`: how many match (at most 255); the first is kept in
    /// `first` (written in place: no id moved through the result).
    pub(crate) fn find_orphan(
        &mut self,
        reference: &str,
        setup_intent: Option<&SetupIntentId>,
        amount: Money,
        search_from: i64,
        first: &mut Option<PaymentIntentId>,
        buf: &mut [u8],
    ) -> Result<u8, Stopped> {
        let mut matches: u8 = 0;
        let mut cursor = [0u8; CURSOR_MAX];
        let mut cursor_len = 0;
        for _ in 0..SEARCH_PAGES {
            // The previous page's cursor (none on the first page: `cursor_len` is 0 until
            // a page gives one, and the search ends on a page that does not).
            let after = cursor.get(..cursor_len).filter(|c| !c.is_empty()).and_then(|c| core::str::from_utf8(c).ok());
            let body = SearchPaymentIntentsRequest {
                statuses: None,
                start_date: Some(Timestamp::from_unix(search_from)),
                end_date: None,
                // The cursor as the server wrote it (JSON string content, escapes
                // included): written back as is, not escaped a second time.
                cursor: Some(Cursor {
                    limit: Some(SEARCH_PAGE),
                    before: None,
                    after: after.and_then(Text::from_json_content),
                }),
            };
            let fetched = self.fetch(Call::SearchPaymentIntents(&body), buf)?;
            let answer = buf.get(..fetched.raw.len).unwrap_or(&[]);
            // Only the fields the match needs: decoding whole payment intents would bring
            // the full model's decoder (tens of KiB) into the firmware.
            let page = match SearchPage::read(answer) {
                Ok(page) => page,
                Err(e) => return Err(self.fail(dojo_core::Error::Decode(e).into())),
            };
            for item in page.items() {
                // Each payment intent with the summary decoder the flow already has: the
                // setup intent (one per booking) and the amount identify the booking's
                // payment intent; the reference is checked on the raw item.
                // Borrowed in place: the summary is not moved out of its `Result`.
                let Ok(pi) = &PaymentIntentSummaryKind::decode_ok(item) else { continue };
                let same = matches!((&pi.setup_intent_id, setup_intent), (Some(a), Some(b)) if a == b)
                    && pi.amount == Some(amount)
                    && has_reference(item, reference);
                if same {
                    matches = matches.saturating_add(1);
                    if first.is_none() {
                        *first = Some(pi.id);
                    }
                }
            }
            let next = page.after().filter(|a| !a.is_empty() && a.len() <= CURSOR_MAX).map(|a| {
                if let Some(dst) = cursor.get_mut(..a.len()) {
                    dst.copy_from_slice(a.as_bytes());
                }
                a.len()
            });
            match next {
                Some(len) => cursor_len = len,
                None => break,
            }
        }
        Ok(matches)
    }
}
