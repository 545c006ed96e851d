//! Request builders. (being written by a helper)
