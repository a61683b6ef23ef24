//! The only code that touches a live system: local and SSH collection into bundles.
