//! Renderers: one file per output format. Rules never print.
