//! The supplier graph (petgraph behind a domain type).
