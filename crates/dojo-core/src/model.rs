//! Response models. (being written)
#![allow(missing_docs)]
use crate::json::Text;
use serde::Deserialize;

macro_rules! stub { ($($n:ident),*) => { $(
    #[derive(Debug, Clone, Copy, Deserialize)]
    pub struct $n<'a> { #[serde(borrow)] pub id: Option<Text<'a>> }
)* } }
stub!(SetupIntent, PaymentIntent, ChargeResponse, Capture, Refund, Reversal, PaymentIntentPage);
