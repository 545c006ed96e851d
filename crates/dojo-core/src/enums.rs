//! The API's enumerations: statuses, capture modes, payment methods, event types.
//!
//! All are open: the API adds enum values without notice (and has demoted several enums
//! to plain strings), so every enum decodes an unknown value to an `Unknown` variant
//! keeping its text ([`UnknownValue`]) instead of failing. The macro that defines them
//! is crate-private.

#[allow(unused_imports)]
pub use crate::open_enum::UnknownValue;
use crate::open_enum::open_enum;

open_enum! {
    /// The status of a setup intent (`SetupIntentStatus`). See [`crate::lifecycle`].
    pub enum SetupIntentStatus {
        /// Created; waiting for the customer to authorize a card at checkout.
        Created = "Created",
        /// The customer authorized a card; the merchant may now charge it once.
        Authorized = "Authorized",
        /// Canceled by the merchant (DELETE) while Created.
        Canceled = "Canceled",
        /// A payment intent created from it was charged.
        Completed = "Completed",
        /// Not authorized before `expireAt`.
        Expired = "Expired",
        /// The stored card expired before it was charged.
        CardExpired = "CardExpired",
        /// An Authorized setup intent was canceled (DELETE with `includeAuthorized=true`).
        Closed = "Closed",
    }
}

open_enum! {
    /// The status of a payment intent (`PaymentIntentStatus`). See [`crate::lifecycle`].
    pub enum PaymentIntentStatus {
        /// Created; not yet authorized or charged.
        Created = "Created",
        /// Authorized, waiting for a capture (`Manual` capture mode).
        Authorized = "Authorized",
        /// Captured (charged).
        Captured = "Captured",
        /// Reversed before settlement.
        Reversed = "Reversed",
        /// Refunded in full.
        Refunded = "Refunded",
        /// Canceled (DELETE while Created).
        Canceled = "Canceled",
    }
}

open_enum! {
    /// The status of a capture or charge (`CaptureStatus`, `ChargeResponse.status`).
    pub enum CaptureStatus {
        /// Created, not yet processed.
        Created = "Created",
        /// The card was charged.
        Successful = "Successful",
        /// The issuer declined.
        Declined = "Declined",
        /// Processing failed.
        Failed = "Failed",
    }
}

open_enum! {
    /// The type of a payment or setup event (`paymentEventType`).
    pub enum PaymentEventType {
        /// Created.
        Created = "Created",
        /// Authorized.
        Authorized = "Authorized",
        /// Captured.
        Captured = "Captured",
        /// Reversed.
        Reversed = "Reversed",
        /// Refunded.
        Refunded = "Refunded",
        /// Canceled.
        Canceled = "Canceled",
        /// A 3-D Secure challenge was issued.
        AuthChallenged = "AuthChallenged",
        /// Declined.
        Declined = "Declined",
        /// Ready for manual authorization.
        ManualAuthReady = "ManualAuthReady",
        /// An error occurred.
        Error = "Error",
        /// The server itself reports the state as unknown (a value of the API's enum,
        /// not to be confused with [`PaymentEventType::Unknown`]).
        UnknownState = "Unknown",
    }
}

open_enum! {
    /// When a payment is captured (`CaptureMode`); the API's default is `Auto`.
    pub enum CaptureMode {
        /// Captured as soon as it is authorized. Setup intents only support `Auto`.
        Auto = "Auto",
        /// Captured only by an explicit capture request.
        Manual = "Manual",
    }
}

open_enum! {
    /// What happens when a `Manual` payment intent's `autoExpireIn` runs out.
    pub enum AutoExpireAction {
        /// Release the authorization.
        Release = "Release",
        /// Capture it.
        Capture = "Capture",
    }
}

open_enum! {
    /// The merchant-initiated transaction a setup intent allows.
    pub enum MerchantInitiatedTransactionType {
        /// A no-show fee (e.g. a missed booking).
        NoShow = "NoShow",
        /// An unscheduled charge.
        Unscheduled = "Unscheduled",
    }
}

open_enum! {
    /// A payment method a customer may use (`PaymentMethod`).
    pub enum PaymentMethod {
        /// A card.
        Card = "Card",
        /// A wallet (Apple Pay, Google Pay).
        Wallet = "Wallet",
        /// A card saved earlier.
        SavedCard = "SavedCard",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! table_checks {
        ($($name:ident),+) => {$({
            // The names table and the variants agree, index for index, and parsing goes
            // through both: every known name, an unknown one, one too long to keep.
            assert_eq!($name::NAMES.len(), $name::KNOWN.len());
            for (i, (known, name)) in $name::KNOWN.iter().zip($name::NAMES).enumerate() {
                assert_eq!(known.as_str(), Some(*name));
                assert_eq!($name::parse(name), *known);
                assert_eq!($name::from_index(i, UnknownValue::too_long()), *known);
            }
            let unknown = $name::parse("SomethingNew");
            assert_eq!(unknown, $name::Unknown(UnknownValue::new("SomethingNew")));
            assert_eq!(unknown.as_str(), Some("SomethingNew"));
            let longest = "x".repeat(UnknownValue::CAPACITY);
            assert_eq!($name::parse(&"x".repeat(UnknownValue::CAPACITY + 1)).as_str(), None);
            assert_eq!($name::parse(&longest).as_str(), Some(longest.as_str()));
            // Case matters: the enum's own first name, lower-cased, is not that name.
            let lowered = $name::NAMES[0].to_lowercase();
            assert_ne!(lowered, $name::NAMES[0]);
            assert!(!$name::parse(&lowered).is_known(), "case matters");
        })+};
    }

    #[test]
    fn every_enum_parses_through_its_names_table() {
        table_checks!(
            SetupIntentStatus,
            PaymentIntentStatus,
            CaptureStatus,
            PaymentEventType,
            CaptureMode,
            AutoExpireAction,
            MerchantInitiatedTransactionType,
            PaymentMethod
        );
    }
}
