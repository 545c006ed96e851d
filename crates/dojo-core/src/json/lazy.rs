//! Lazily decoded arrays and objects. (stub, being written)

use core::marker::PhantomData;

/// A JSON array decoded lazily.
#[derive(Clone, Copy)]
pub struct Items<'a, T> {
    raw: &'a [u8],
    len: usize,
    _t: PhantomData<fn() -> T>,
}

impl<'a, T> Items<'a, T> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Iterator over [`Items`].
pub struct ItemsIter<'a, T> {
    _raw: &'a [u8],
    _t: PhantomData<fn() -> T>,
}

/// A JSON object decoded lazily.
#[derive(Clone, Copy)]
pub struct Entries<'a, K, V> {
    raw: &'a [u8],
    len: usize,
    _t: PhantomData<fn() -> (K, V)>,
}

/// Iterator over [`Entries`].
pub struct EntriesIter<'a, K, V> {
    _raw: &'a [u8],
    _t: PhantomData<fn() -> (K, V)>,
}
