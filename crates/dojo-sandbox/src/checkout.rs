//! The checkout page at `GET /checkout/{id}`: the local stand-in for
//! `https://pay.dojo.tech/checkout/{id}`. It shows the reference, amount and terms and a
//! card form; the test cards decide the outcome (`POST /checkout/{id}`, a plain HTML
//! form, no script needed).

use crate::cards::{CardOutcome, check_entered};
use crate::message::{Reply, Request};
use crate::problem::ApiError;
use crate::state::State;

/// What the page shows about the intent.
struct Summary {
    kind: &'static str,
    /// A setup intent: the card is saved, nothing is charged now.
    setup: bool,
    merchant: String,
    status: String,
    reference: String,
    amount: Option<String>,
    terms: Option<String>,
    payable: bool,
}

fn summary(state: &mut State, id: &str) -> Result<Summary, ApiError> {
    let merchant = state.trading_name.clone();
    if id.starts_with("pi_") {
        let pi = state.payment_intent_mut(id)?;
        Ok(Summary {
            kind: "Payment",
            setup: false,
            merchant,
            status: pi.status.to_string(),
            reference: pi.reference.clone(),
            amount: Some(pi.total_amount.to_string()),
            terms: None,
            payable: pi.status == dojo_core::PaymentIntentStatus::Created,
        })
    } else {
        let si = state.setup_intent_mut(id)?;
        Ok(Summary {
            kind: "Card authorization",
            setup: true,
            merchant,
            status: si.status.to_string(),
            reference: si.reference.clone(),
            amount: si.intended_amount.map(|m| m.to_string()),
            terms: Some(si.terms.clone()),
            payable: si.status == dojo_core::SetupIntentStatus::Created,
        })
    }
}

/// Whether `c` is a bidirectional formatting control (embeddings, overrides, isolates,
/// marks): text from the merchant's request could use them to reorder what the customer
/// reads (e.g. U+202E turning "01.00" around).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Escapes text for HTML; bidi controls become U+FFFD (visible, inert).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if is_bidi_control(c) => out.push('\u{FFFD}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The checkout page's security headers: never cached (it shows a customer's payment),
/// never framed (clickjacking), no script, styles inline only, the form posts to itself,
/// no MIME sniffing, no referrer leaving it.
const PAGE_HEADERS: [(&str, &str); 4] = [
    ("cache-control", "no-store"),
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
];

fn html(status: u16, title: &str, body: &str) -> Reply {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t} - Dojo sandbox checkout</title>\
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;overflow-wrap:anywhere}}\
label{{display:block;margin:.6rem 0 .2rem}}input{{width:100%;padding:.4rem;box-sizing:border-box}}\
button{{margin-top:1rem;padding:.6rem 1.2rem}}.error{{color:#b00}}.terms{{font-size:.9rem;color:#444;white-space:pre-wrap}}</style>\
</head><body><p><small>Dojo sandbox (local emulator): test cards only</small></p>{body}</body></html>\n",
        t = esc(title)
    );
    let headers = PAGE_HEADERS.iter().map(|(n, v)| (*n, (*v).to_owned())).collect();
    Reply { status, content_type: "text/html; charset=utf-8", body: page.into_bytes(), headers }
}

fn form(id: &str, s: &Summary, error: Option<&str>) -> String {
    let merchant = esc(&s.merchant);
    let mut b = format!("<h1>{}</h1>", esc(s.kind));
    b += &format!("<p>Merchant: <strong id=\"merchant\"><bdi>{merchant}</bdi></strong></p>");
    b += &format!("<p>Reference: <strong id=\"reference\"><bdi>{}</bdi></strong></p>", esc(&s.reference));
    if s.setup {
        // In the customer's words: what happens now, and what may happen later.
        b += "<p id=\"now\"><strong>Nothing is charged now.</strong> Your card is saved for this booking.</p>";
        let up_to = s.amount.as_ref().map(|a| format!(", up to <strong id=\"amount\">{}</strong>,", esc(a)));
        b += &format!(
            "<p id=\"later\">Later, {merchant} may charge this card{} only as these terms allow:</p>",
            up_to.unwrap_or_default()
        );
    } else if let Some(a) = &s.amount {
        b += &format!("<p>Amount to pay {merchant}: <strong id=\"amount\">{}</strong></p>", esc(a));
    }
    if let Some(t) = &s.terms {
        b += &format!("<p class=\"terms\" id=\"terms\"><bdi>{}</bdi></p>", esc(t));
    }
    if let Some(e) = error {
        b += &format!("<p class=\"error\" id=\"error\">{}</p>", esc(e));
    }
    if !s.payable {
        b += &format!("<p id=\"result\" data-status=\"{0}\">Status: {0}</p>", esc(&s.status));
        return b;
    }
    b += &format!(
        "<form id=\"card-form\" method=\"post\" action=\"/checkout/{}\" autocomplete=\"off\">\
<label for=\"cardholderName\">Name on card</label><input id=\"cardholderName\" name=\"cardholderName\" value=\"Test Customer\">\
<label for=\"cardNumber\">Card number</label><input id=\"cardNumber\" name=\"cardNumber\" inputmode=\"numeric\" placeholder=\"5200 0000 0000 1005\" required>\
<label for=\"expiry\">Expiry (MM/YY)</label><input id=\"expiry\" name=\"expiry\" placeholder=\"12/29\" required>\
<label for=\"cvv\">Security code</label><input id=\"cvv\" name=\"cvv\" inputmode=\"numeric\" placeholder=\"123\" required>\
<button id=\"pay\" type=\"submit\">{}</button></form>",
        esc(id),
        if s.setup { "Save card" } else { "Pay" }
    );
    b
}

/// `GET /checkout/{id}`.
pub(crate) fn page(state: &mut State, id: &str) -> Reply {
    match summary(state, id) {
        Ok(s) => html(200, s.kind, &form(id, &s, None)),
        Err(e) => html(e.status, "Not found", "<h1>Not found</h1><p id=\"error\">There is no such checkout.</p>"),
    }
}

/// `POST /checkout/{id}` (form fields `cardNumber`, `expiry`, `cvv`, `cardholderName`).
pub(crate) fn submit(state: &mut State, id: &str, req: &Request) -> Reply {
    let body = req.body.as_slice();
    let ct = req.header_str("content-type").and_then(Result::ok).unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return html(415, "Unsupported", "<h1>Unsupported</h1><p id=\"error\">Send the card form.</p>");
    }
    let field = |name: &str| {
        form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap_or_default()
    };
    let (number, expiry, name) = (field("cardNumber"), field("expiry"), field("cardholderName"));
    let s = match summary(state, id) {
        Ok(s) => s,
        Err(e) => {
            return html(e.status, "Not found", "<h1>Not found</h1><p id=\"error\">There is no such checkout.</p>");
        }
    };
    let card = match check_entered(&number, &expiry) {
        Ok(c) => c,
        Err(m) => return html(400, s.kind, &form(id, &s, Some(m))),
    };
    let name = (!name.trim().is_empty()).then(|| name.trim().to_owned());
    let outcome = if id.starts_with("pi_") {
        state.authorize_payment_intent(id, &card, name)
    } else {
        state.authorize_setup_intent(id, &card, name)
    };
    match outcome {
        Ok(CardOutcome::Authorized) => html(
            200,
            "Authorized",
            "<h1>Thank you</h1><p id=\"result\" data-status=\"Authorized\">Your card was authorized.</p>",
        ),
        Ok(CardOutcome::Declined) => {
            html(402, s.kind, &form(id, &s, Some("Your card was declined. Try another card.")))
        }
        Err(e) => html(
            e.status,
            s.kind,
            &form(id, &s, Some(e.detail.as_deref().unwrap_or("This checkout cannot be completed."))),
        ),
    }
}
