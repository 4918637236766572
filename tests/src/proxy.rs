//! Fault-injecting HTTP proxy (filled in below).
pub struct FaultProxy;
pub struct Rule;
pub enum Fault {}
