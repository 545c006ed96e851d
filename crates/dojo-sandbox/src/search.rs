//! `POST /payment-intents/search`: filters and cursor pages over the payment intents, in
//! creation order.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use dojo_core::PaymentIntentStatus;
use dojo_core::request::SearchPaymentIntentsRequest;
use serde::Serialize;

use crate::problem::ApiError;
use crate::records::PaymentIntentRec;
use crate::state::{Key, State, text};

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

/// Where a page is read from: every payment intent, or those of some statuses.
enum Source<'a> {
    All(&'a BTreeMap<Key, String>),
    Statuses(Vec<&'a BTreeSet<Key>>),
}

impl Source<'_> {
    /// Up to `n` keys within `(lo, hi)`, ascending (or descending with `rev`): each source
    /// read from its own ordered range, O(log N + n) apiece.
    fn take(&self, lo: Bound<Key>, hi: Bound<Key>, rev: bool, n: usize) -> Vec<Key> {
        // `range` panics on an inverted range, or an empty one excluded at both ends.
        let empty = match (lo, hi) {
            (Bound::Excluded(a), Bound::Excluded(b)) => a >= b,
            (Bound::Excluded(a) | Bound::Included(a), Bound::Excluded(b) | Bound::Included(b)) => a > b,
            _ => false,
        };
        if empty {
            return Vec::new();
        }
        let mut out: Vec<Key> = match self {
            Source::All(m) if rev => m.range((lo, hi)).rev().take(n).map(|(k, _)| *k).collect(),
            Source::All(m) => m.range((lo, hi)).take(n).map(|(k, _)| *k).collect(),
            Source::Statuses(sets) => {
                let mut all: Vec<Key> = Vec::new();
                for set in sets {
                    if rev {
                        all.extend(set.range((lo, hi)).rev().take(n));
                    } else {
                        all.extend(set.range((lo, hi)).take(n));
                    }
                }
                all
            }
        };
        if rev {
            out.sort_unstable_by(|a, b| b.cmp(a));
        } else {
            out.sort_unstable();
        }
        out.truncate(n);
        out
    }
}

/// The tighter of two lower bounds.
fn max_lower(a: Bound<Key>, b: Bound<Key>) -> Bound<Key> {
    match (a, b) {
        (Bound::Unbounded, x) | (x, Bound::Unbounded) => x,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            if x > y || (x == y && matches!(a, Bound::Excluded(_))) { a } else { b }
        }
    }
}

/// The tighter of two upper bounds.
fn min_upper(a: Bound<Key>, b: Bound<Key>) -> Bound<Key> {
    match (a, b) {
        (Bound::Unbounded, x) | (x, Bound::Unbounded) => x,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            if x < y || (x == y && matches!(a, Bound::Excluded(_))) { a } else { b }
        }
    }
}

impl State {
    /// `POST /payment-intents/search`: in creation order; `after`/`before` are ids. A page
    /// costs O(page + log N) per status asked for (the ordered indexes of `index`); the
    /// expiries due were applied when the call began.
    pub(crate) fn search(&mut self, req: &SearchPaymentIntentsRequest<'_>) -> Result<PageOut, ApiError> {
        req.validate().map_err(ApiError::validation)?;
        let limit = match req.cursor.and_then(|c| c.limit) {
            None => DEFAULT_PAGE,
            Some(l) => match usize::try_from(l) {
                Ok(l) if (1..=MAX_PAGE).contains(&l) => l,
                _ => return Err(ApiError::field("$.cursor.limit", format!("The limit must be 1 to {MAX_PAGE}."))),
            },
        };
        let key_of = |cursor: &dojo_core::Text<'_>, field: &str| -> Result<Key, ApiError> {
            self.payment_intents
                .get(&text(cursor))
                .map(|pi| (pi.created_at, pi.seq))
                .ok_or_else(|| ApiError::field(field, "Unknown cursor."))
        };
        let after = req.cursor.and_then(|c| c.after).map(|a| key_of(&a, "$.cursor.after")).transpose()?;
        let before = req.cursor.and_then(|c| c.before).map(|b| key_of(&b, "$.cursor.before")).transpose()?;
        let source = match req.statuses {
            None => Source::All(&self.index.payment_intents),
            Some(list) => {
                let mut wanted: Vec<PaymentIntentStatus> = Vec::new();
                for s in list.iter() {
                    if !wanted.contains(&s) {
                        wanted.push(s);
                    }
                }
                Source::Statuses(wanted.into_iter().filter_map(|s| self.index.status_set(s)).collect())
            }
        };
        let lo = req.start_date.map_or(Bound::Unbounded, |t| Bound::Included((t, 0)));
        let hi = req.end_date.map_or(Bound::Unbounded, |t| Bound::Included((t, u64::MAX)));
        let (keys, has_prev, has_next) = match (after, before) {
            (Some(a), _) => {
                let mut page = source.take(max_lower(lo, Bound::Excluded(a)), hi, false, limit + 1);
                let has_next = page.len() > limit;
                page.truncate(limit);
                let has_prev = page.first().is_some_and(|f| !source.take(lo, Bound::Excluded(*f), true, 1).is_empty());
                (page, has_prev, has_next)
            }
            (None, Some(b)) => {
                let mut page = source.take(lo, min_upper(hi, Bound::Excluded(b)), true, limit + 1);
                let has_prev = page.len() > limit;
                page.truncate(limit);
                page.reverse();
                let has_next = page.last().is_some_and(|l| !source.take(Bound::Excluded(*l), hi, false, 1).is_empty());
                (page, has_prev, has_next)
            }
            (None, None) => {
                let mut page = source.take(lo, hi, false, limit + 1);
                let has_next = page.len() > limit;
                page.truncate(limit);
                (page, false, has_next)
            }
        };
        let page: Vec<PaymentIntentRec> = keys
            .iter()
            .filter_map(|k| self.index.payment_intents.get(k))
            .filter_map(|id| self.payment_intents.get(id))
            .map(|pi| (**pi).clone())
            .collect();
        let before = has_prev.then(|| page.first().map(|p| p.id.clone())).flatten();
        let after = has_next.then(|| page.last().map(|p| p.id.clone())).flatten();
        Ok(PageOut { data: page, before, after })
    }
}

#[cfg(test)]
mod tests {
    use dojo_core::Timestamp;
    use serde_json::Value;

    use crate::{Config, Emulator, Outcome, Request};

    fn call(emu: &mut Emulator, now: Timestamp, method: &str, path: &str, body: &str) -> Value {
        let req = Request::new(method, path)
            .header("authorization", "Basic sk_sandbox_t")
            .header("version", "2026-02-27")
            .header("content-type", "application/json")
            .body(body);
        match emu.handle(req, now) {
            Outcome::Answer(r) => serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            other => panic!("{other:?}"),
        }
    }

    /// The old search, O(N log N) per page: every payment intent filtered and sorted.
    fn naive(
        emu: &Emulator,
        statuses: Option<&[&str]>,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
    ) -> Vec<String> {
        let mut all: Vec<_> = emu
            .state
            .payment_intents
            .values()
            .filter(|pi| statuses.is_none_or(|s| s.contains(&pi.status.to_string().as_str())))
            .filter(|pi| start.is_none_or(|t| pi.created_at >= t))
            .filter(|pi| end.is_none_or(|t| pi.created_at <= t))
            .collect();
        all.sort_by_key(|pi| pi.seq);
        all.iter().map(|pi| pi.id.clone()).collect()
    }

    /// Every page of every query, walked forwards and backwards, matches the naive search.
    #[test]
    fn indexed_pages_match_the_naive_search() {
        let mut emu = Emulator::new(&Config::default());
        let t0 = Timestamp::from_unix(1_780_000_000);
        let mut ids = Vec::new();
        for i in 0..240i64 {
            let now = t0.add_seconds(i / 3);
            let mode = if i % 4 == 0 { r#","captureMode":"Manual""# } else { "" };
            let body = format!(r#"{{"amount":{{"value":{},"currencyCode":"GBP"}},"reference":"r{i}"{mode}}}"#, 100 + i);
            let pi = call(&mut emu, now, "POST", "/payment-intents", &body);
            let id = pi["id"].as_str().unwrap().to_owned();
            match i % 5 {
                1 => drop(call(&mut emu, now, "DELETE", &format!("/payment-intents/{id}"), "")),
                2 | 3 => emu.authorize_payment_intent(&id, crate::TestCard::SUCCESS, now).unwrap(),
                _ => {}
            }
            ids.push(id);
        }
        let now = t0.add_seconds(100);
        type Query<'a> = (Option<&'a [&'a str]>, Option<Timestamp>, Option<Timestamp>);
        let queries: Vec<Query<'_>> = vec![
            (None, None, None),
            (Some(&["Captured"]), None, None),
            (Some(&["Created", "Canceled"]), None, None),
            (Some(&["Authorized", "Captured", "Authorized"]), Some(t0.add_seconds(10)), Some(t0.add_seconds(50))),
            (None, Some(t0.add_seconds(79)), None),
            (Some(&["Refunded"]), None, None),
        ];
        for (statuses, start, end) in queries {
            let expected = naive(&emu, statuses, start, end);
            for limit in [1usize, 7, 50, 100] {
                let mut filter = serde_json::Map::new();
                if let Some(s) = statuses {
                    filter.insert("statuses".into(), serde_json::json!(s));
                }
                if let Some(t) = start {
                    filter.insert("startDate".into(), Value::String(t.to_string()));
                }
                if let Some(t) = end {
                    filter.insert("endDate".into(), Value::String(t.to_string()));
                }
                // Forwards with `after`.
                let mut got = Vec::new();
                let mut cursor: Option<String> = None;
                let mut prev_seen = false;
                loop {
                    let mut q = filter.clone();
                    let mut c = serde_json::json!({ "limit": limit });
                    if let Some(a) = &cursor {
                        c["after"] = Value::String(a.clone());
                    }
                    q.insert("cursor".into(), c);
                    let page = call(&mut emu, now, "POST", "/payment-intents/search", &Value::Object(q).to_string());
                    let data: Vec<String> =
                        page["data"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
                    assert!(data.len() <= limit);
                    assert_eq!(page["before"].is_string(), prev_seen && !data.is_empty(), "{page}");
                    got.extend(data);
                    prev_seen = true;
                    match page["after"].as_str() {
                        Some(a) => cursor = Some(a.to_owned()),
                        None => break,
                    }
                }
                assert_eq!(got, expected, "forwards, limit {limit}, {statuses:?}");
                // Backwards with `before`, from the last one.
                let Some(last) = expected.last() else { continue };
                let mut back: Vec<String> = vec![last.clone()];
                let mut cursor = last.clone();
                loop {
                    let mut q = filter.clone();
                    q.insert("cursor".into(), serde_json::json!({ "limit": limit, "before": cursor }));
                    let page = call(&mut emu, now, "POST", "/payment-intents/search", &Value::Object(q).to_string());
                    let data: Vec<String> =
                        page["data"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
                    assert!(page["after"].is_string() || data.is_empty(), "{page}");
                    for id in data.iter().rev() {
                        back.push(id.clone());
                    }
                    match page["before"].as_str() {
                        Some(b) => cursor = b.to_owned(),
                        None => break,
                    }
                }
                back.reverse();
                assert_eq!(back, expected, "backwards, limit {limit}, {statuses:?}");
            }
        }
        assert_eq!(ids.len(), 240);
    }
}
