//! [`Response`]: an answer's body and the model decoded from it on arrival.

use dojo_core::json::DecodeError;
use yoke::Yoke;

use crate::kept::Kept;

/// A decoded answer, owned: the response body, and [`get`](Response::get) to read the
/// model that borrows it (dojo-core decodes without copying strings, so the model's
/// lifetime is the body's).
///
/// The body is decoded once, when the answer arrives (to tell a good answer from an
/// undecodable one); the model is kept beside the body (a [`yoke`] self-referential
/// pair: see [`Kept`]) and `get` hands it out without decoding again.
///
/// ```no_run
/// # fn f(client: &dojo_ureq::Client, id: &dojo_core::SetupIntentId) -> Result<(), dojo_ureq::Error> {
/// let answer = client.get_setup_intent(id)?;
/// let si = answer.get();
/// println!("{} is {}", si.id, si.status);
/// # Ok(()) }
/// ```
pub struct Response<K: Kept> {
    pub(crate) status: u16,
    /// The body (the cart) and the model decoded from it. Boxed: a model is a few
    /// hundred bytes, and a `Response` moves through `Result`s.
    pub(crate) decoded: Box<KeptBody<K>>,
    pub(crate) attempts: u32,
}

impl<K: Kept> Response<K> {
    /// The decoded model, borrowing the body (a copy of the one decoded on arrival).
    pub fn get(&self) -> K::Output<'_> {
        match self.decoded.get() {
            Some(model) => K::unwrap(model),
            // `keep` makes a `Response` only of a body that decoded.
            None => unreachable!("a Response holds a body that decoded"),
        }
    }

    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The raw JSON body, as the server sent it.
    pub fn body(&self) -> &[u8] {
        self.decoded.backing_cart()
    }

    /// The raw JSON body.
    pub fn into_body(self) -> Vec<u8> {
        self.decoded.into_backing_cart()
    }

    /// How many attempts it took (1 when no retry was needed).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl<K: Kept> std::fmt::Debug for Response<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body().len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// A body and the model decoded from it (`None` only while `keep` finds it undecodable).
pub(crate) type KeptBody<K> = Yoke<Option<<K as Kept>::Model>, Vec<u8>>;

/// Decodes a 2xx body once, keeping the model with the body; an undecodable body comes
/// back with its error.
pub(crate) fn keep<K: Kept>(body: Vec<u8>) -> Result<Box<KeptBody<K>>, (DecodeError, Vec<u8>)> {
    let mut failed = None;
    let decoded = Yoke::<Option<K::Model>, Vec<u8>>::attach_to_cart(body, |b| match K::decode_ok(b) {
        Ok(model) => Some(K::wrap(model)),
        Err(e) => {
            failed = Some(e);
            None
        }
    });
    match failed {
        Some(e) => Err((e, decoded.into_backing_cart())),
        None => Ok(Box::new(decoded)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dojo_core::response::ResponseKind;
    use dojo_core::response::kind::{ChargeKind, SetupIntentKind, SetupIntentSummaryKind};

    const SI: &[u8] = br#"{"id":"si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg","status":"Created","reference":"Table 12","intendedAmount":{"value":1000,"currencyCode":"GBP"}}"#;

    #[test]
    fn keep_holds_the_model_decoded_on_arrival_borrowing_the_kept_body() {
        let kept = keep::<SetupIntentKind>(SI.to_vec()).unwrap();
        let r = Response::<SetupIntentKind> { status: 200, decoded: kept, attempts: 1 };
        let si = r.get();
        assert_eq!(si, SetupIntentKind::decode_ok(SI).unwrap());
        // Zero-copy: the reference is a slice of the body the Response owns.
        let body = r.body().as_ptr_range();
        let reference = si.reference.unwrap().raw();
        assert_eq!(reference, "Table 12");
        assert!(body.contains(&reference.as_ptr()), "the model borrows the kept body");
        assert_eq!(r.body(), SI);
        assert_eq!(r.into_body(), SI);
        // A kind whose model owns its fields.
        let summary = keep::<SetupIntentSummaryKind>(SI.to_vec()).unwrap();
        assert_eq!(
            summary.get().as_ref().map(SetupIntentSummaryKind::unwrap),
            SetupIntentSummaryKind::decode_ok(SI).ok()
        );
    }

    #[test]
    fn keep_gives_an_undecodable_body_back_with_its_error() {
        let body = br#"{"id":"si_1","status":7}"#.to_vec();
        let (error, back) = keep::<SetupIntentKind>(body.clone()).err().unwrap();
        assert_eq!(back, body);
        assert_eq!(Some(error), SetupIntentKind::decode_ok(&body).err());
        let (_, back) = keep::<ChargeKind>(b"not json".to_vec()).err().unwrap();
        assert_eq!(back, b"not json");
    }
}
