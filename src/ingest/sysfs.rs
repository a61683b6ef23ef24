//! A sysfs root (the live `/sys` or a copied tree with its symlinks, such as a capture's
//! `sysfs/` mirror): device links, devices with their driver/iommu_group/iommu/of_node links,
//! `waiting_for_supplier`, `kernel/debug/devices_deferred`, `kernel/iommu_groups`,
//! `class/iommu` and `firmware/fdt`. Reads only; never follows a link out of the root.

/// Resolves a symlink's target text lexically against the sysfs directory holding the link
/// (`/sys/devices/virtual/devlink/X` + `../../../platform/Y` = `/sys/devices/platform/Y`).
/// `None` when the target climbs above `/`.
pub fn resolve_link_text(link_dir: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let start = if target.starts_with('/') { "" } else { link_dir };
    for component in start.split('/').chain(target.split('/')) {
        match component {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(format!("/{}", parts.join("/")))
}
