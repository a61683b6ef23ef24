//! The boot model: devices with one identity across all sources, supplier links, and
//! probe/defer/bind events on one time line. Facts only, no opinions: rules judge.

pub mod origin;

pub use origin::{BootTime, Evidence, Origin, SourceName};
