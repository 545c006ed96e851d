//! Low-level scanning. (being written)
