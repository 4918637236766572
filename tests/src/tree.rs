//! Deterministic asset trees (filled in below).
