//! The fuzz targets' entry points (one per input kind), kept in `entries.rs` so the ordinary
//! test suite compiles the very same functions to replay the crashers.

pub mod entries;
