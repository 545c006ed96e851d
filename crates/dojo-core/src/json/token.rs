//! The magic newtype names by which the borrowed and lazy types ([`Text`](super::Text),
//! [`Items`](super::Items), [`Entries`](super::Entries), [`Records`](super::Records),
//! [`RawJson`](super::RawJson)) ask dojo-core's deserializer for their special protocols.
//! A leaf: the types name them, the deserializer answers them, neither imports the other.

pub(crate) const TEXT_TOKEN: &str = "$dojo_core::Text";
pub(crate) const ITEMS_TOKEN: &str = "$dojo_core::Items";
pub(crate) const ENTRIES_TOKEN: &str = "$dojo_core::Entries";
pub(crate) const RAW_TOKEN: &str = "$dojo_core::RawJson";
pub(crate) const RECORDS_TOKEN: &str = "$dojo_core::Records";
