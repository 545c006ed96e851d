//! What observing a server-reported status did: a move, nothing, or an [`Anomaly`].

use core::fmt;

/// What observing a server-reported status did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observation<S, C> {
    /// The status is the one already known.
    Unchanged,
    /// The status moved, for `cause`.
    Moved {
        /// The status before.
        from: S,
        /// The status now.
        to: S,
        /// Why.
        cause: C,
    },
}

/// Which kind of [`Anomaly`] a server-reported status is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AnomalyKind {
    /// Both statuses are known and the lifecycle has no move from one to the other
    /// (e.g. Completed → Created): a stale read, a skipped step, or a server fault.
    ImpossibleMove,
    /// The reported status, or the one known before, is a value this version of
    /// dojo-core does not know (the API adds values without notice). The machine does not
    /// guess where it belongs.
    UnknownStatus,
}

impl AnomalyKind {
    /// The kind of a move the lifecycle has no entry for: between two known statuses an
    /// impossible move, else an unknown status.
    pub(super) const fn of(from_known: bool, to_known: bool) -> Self {
        if from_known && to_known { AnomalyKind::ImpossibleMove } else { AnomalyKind::UnknownStatus }
    }
}

/// A server-reported status that the lifecycle says cannot follow the known one, or
/// that it does not know. The state is left unchanged: the caller decides (log it,
/// re-read, alert a person, or rebuild the state from the response).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Anomaly<S> {
    /// The status known before.
    pub from: S,
    /// The status the server reported.
    pub to: S,
    /// Impossible, or unknown.
    pub kind: AnomalyKind,
}

impl<S: fmt::Display> fmt::Display for Anomaly<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            AnomalyKind::ImpossibleMove => write!(
                f,
                "the server reported {} after {}, which the lifecycle does not allow: the known state was kept; \
                 re-read before acting on it",
                self.to, self.from
            ),
            AnomalyKind::UnknownStatus => write!(
                f,
                "the server reported the status {} (known before: {}), which this version of dojo-core does not \
                 know: the known state was kept; update dojo-core",
                self.to, self.from
            ),
        }
    }
}
