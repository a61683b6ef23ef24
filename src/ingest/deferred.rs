//! `/sys/kernel/debug/devices_deferred`: one-column (`dev`) and two-column (`dev<TAB>reason`)
//! forms, empty reasons, reasons glued onto one line, parsed into structure.
//! See `reference/kernel-formats.md` §2.

use super::messages::Deferral;
use crate::model::Origin;

/// One device on the pending deferred-probe list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeferredEntry {
    pub origin: Origin,
    pub device: String,
    /// `None` for the one-column form (kernels before v5.9).
    pub deferral: Option<Deferral>,
}
