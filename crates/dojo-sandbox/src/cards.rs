//! The sandbox's test cards: they decide what the checkout page (and
//! [`Sandbox::authorize_setup_intent`](crate::Sandbox::authorize_setup_intent)) does.

/// A test card: its number, expiry (`MM/YY`) and security code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestCard {
    /// The card number, as printed (spaces allowed).
    pub number: &'static str,
    /// The expiry date, `MM/YY`.
    pub expiry: &'static str,
    /// The security code.
    pub cvv: &'static str,
}

/// What a card does at checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CardOutcome {
    Authorized,
    Declined,
}

impl TestCard {
    /// 5200 0000 0000 1005 (Mastercard), expiry 12/29: authorizes.
    pub const SUCCESS: TestCard = TestCard { number: "5200 0000 0000 1005", expiry: "12/29", cvv: "123" };
    /// 5200 0000 0000 1096 (Mastercard), expiry 12/29: authorizes too.
    pub const SUCCESS_2: TestCard = TestCard { number: "5200 0000 0000 1096", expiry: "12/29", cvv: "123" };
    /// 4456 5300 0000 1013 (Visa), expiry 12/29: declines.
    pub const DECLINE: TestCard = TestCard { number: "4456 5300 0000 1013", expiry: "12/29", cvv: "123" };

    /// Every test card.
    pub const ALL: [TestCard; 3] = [TestCard::SUCCESS, TestCard::SUCCESS_2, TestCard::DECLINE];

    /// The test card with this number (spaces and dashes ignored), if any.
    pub fn find(number: &str) -> Option<TestCard> {
        let wanted = digits(number);
        TestCard::ALL.into_iter().find(|c| digits(c.number) == wanted)
    }

    pub(crate) fn outcome(&self) -> CardOutcome {
        if digits(self.number) == digits(TestCard::DECLINE.number) {
            CardOutcome::Declined
        } else {
            CardOutcome::Authorized
        }
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Checks a card entered by hand: a known test card, with its expiry (`MM/YY`, also
/// `MM / YY` or `MM/YYYY`).
pub(crate) fn check_entered(number: &str, expiry: &str) -> Result<TestCard, &'static str> {
    let card = TestCard::find(number).ok_or("This is not one of the sandbox's test cards.")?;
    let normalize = |e: &str| -> String {
        let e: String = e.chars().filter(|c| !c.is_whitespace()).collect();
        match e.split_once('/') {
            Some((m, y)) if y.len() == 4 => format!("{m}/{}", y.get(2..).unwrap_or("")),
            _ => e,
        }
    };
    if normalize(expiry) != card.expiry {
        return Err("The expiry date does not match the test card (12/29).");
    }
    Ok(card)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards() {
        assert_eq!(TestCard::find("5200000000001005"), Some(TestCard::SUCCESS));
        assert_eq!(TestCard::find("4456-5300-0000-1013").map(|c| c.outcome()), Some(CardOutcome::Declined));
        assert_eq!(TestCard::SUCCESS_2.outcome(), CardOutcome::Authorized);
        assert!(TestCard::find("4111111111111111").is_none());
        assert!(check_entered("5200 0000 0000 1005", "12 / 2029").is_ok());
        assert!(check_entered("5200 0000 0000 1005", "11/29").is_err());
    }
}
