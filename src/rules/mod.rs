//! Rules: one file per rule, listed in `registry.rs`.
