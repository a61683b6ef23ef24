//! The flattened device tree (`/sys/firmware/fdt` or a `.dtb`): nodes, the device names Linux
//! gives them, `iommus`, `iommu-map` (rid-base/length arithmetic) and the other supplier
//! bindings fw_devlink knows (`reference/fw-devlink.md` §3).
//!
//! The blob is read by a small bounds-checked reader of its own (the `fdt` crate asserts and
//! panics on malformed input); a blob cut short or corrupted yields the nodes before the damage
//! plus an error naming the byte offset. The `/sys/firmware/devicetree/base` directory form is
//! read by `sysfs.rs` into the same raw nodes.
//!
//! Kernel behaviour mirrored here, by source:
//! - device names: `of_device_make_bus_id()` (drivers/of/platform.c);
//! - address translation: `__of_translate_address()` / `of_translate_one()` and the bus
//!   `map`/`translate` callbacks (drivers/of/address.c);
//! - `#address-cells`/`#size-cells` inheritance: `of_n_addr_cells()` (drivers/of/base.c);
//! - supplier bindings: `of_supplier_bindings[]` and `of_link_property()`
//!   (drivers/of/property.c), phandle lists walked like `of_phandle_iterator_next()`;
//! - `iommu-map`: `of_map_id()` (drivers/of/base.c), 4-cell entries with 1-cell IDs;
//! - `iommus`: `of_iommu_configure()` walks it with a cell count of 0 when the IOMMU has no
//!   `#iommu-cells` (drivers/iommu/of_iommu.c).
//!
//! Long because: Linux's names for DT devices need the bus address translation
//! (`of_translate_address()`), and the supplier bindings and `iommu-map` need the same phandle
//! index, so one `View` over the raw nodes answers both; the blob reader is the rest. Splitting
//! the reader (`read_fdt_nodes`) into its own file is the next step if it grows.

use crate::error::{InputError, Location};
use crate::model::SourceName;
use std::collections::HashMap;

pub use crate::model::dt::{DeviceTree, DtNode, DtNodeId, DtSupplier, IommuMapEntry, IommuSpecifier};

/// The magic number at the start of a flattened device tree.
pub const FDT_MAGIC: [u8; 4] = [0xd0, 0x0d, 0xfe, 0xed];

/// A property as found in the blob or the directory form.
#[derive(Clone, Debug)]
pub(crate) struct RawProp {
    pub(crate) name: String,
    pub(crate) value: Vec<u8>,
    /// Byte offset of the property in the blob (`None` in the directory form).
    pub(crate) offset: Option<u64>,
}

/// A node before interpretation: its name with unit address, parent and properties.
#[derive(Clone, Debug)]
pub(crate) struct RawNode {
    pub(crate) full_name: String,
    pub(crate) parent: Option<usize>,
    pub(crate) props: Vec<RawProp>,
}

const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_NOP: u32 = 4;
const FDT_END: u32 = 9;

/// The deepest nesting the kernel unflattens: `FDT_MAX_DEPTH` in drivers/of/fdt.c.
const FDT_MAX_DEPTH: usize = 64;

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let slice = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([slice[0], slice[1], slice[2], slice[3]]))
}

fn align4(at: usize) -> Option<usize> {
    at.checked_add(3).map(|a| a & !3)
}

/// Parses a flattened device tree blob. `Err` when nothing usable could be read (bad magic,
/// header out of range, no root node); otherwise the tree plus the problems met (a truncated
/// or damaged blob gives the nodes before the damage).
pub fn parse_fdt(source: &SourceName, blob: &[u8]) -> Result<(DeviceTree, Vec<InputError>), InputError> {
    let (nodes, mut problems) = read_fdt_nodes(source, blob)?;
    let tree = build_tree(source, nodes, &mut problems);
    Ok((tree, problems))
}

fn read_fdt_nodes(source: &SourceName, blob: &[u8]) -> Result<(Vec<RawNode>, Vec<InputError>), InputError> {
    let error =
        |offset: usize, expected: &str| InputError::new(&**source, Location::Offset(offset as u64), expected);
    if blob.len() < 4 || blob[..4] != FDT_MAGIC {
        return Err(error(0, "a flattened device tree (magic d00dfeed)"));
    }
    let field = |at: usize| be32(blob, at).ok_or_else(|| error(at, "a complete FDT header"));
    let total_size = field(4)? as usize;
    let off_struct = field(8)? as usize;
    let off_strings = field(12)? as usize;
    let version = field(20)?;
    let last_compatible = field(24)?;
    if version < 16 || last_compatible > 17 {
        return Err(error(20, "an FDT of version 16 or 17").found(format!(
            "version {version}, last compatible version {last_compatible}"
        )));
    }
    let mut problems = Vec::new();
    if total_size > blob.len() {
        problems.push(
            error(4, "the whole blob (its header's totalsize)")
                .found(format!("{} of {total_size} bytes", blob.len())),
        );
    }
    let limit = total_size.min(blob.len());
    let size_strings = field(32).map(|s| s as usize).unwrap_or(0);
    let struct_end = if version >= 17 {
        let size_struct = field(36)? as usize;
        off_struct.saturating_add(size_struct).min(limit)
    } else {
        limit
    };
    if off_struct >= limit || off_strings > limit {
        return Err(
            error(8, "structure and strings blocks inside the blob").found(format!(
                "structure at {off_struct:#x}, strings at {off_strings:#x}, blob of {limit:#x} bytes"
            )),
        );
    }
    let strings = &blob[off_strings..off_strings.saturating_add(size_strings).min(limit)];
    let structure = &blob[..struct_end];

    let mut nodes: Vec<RawNode> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut at = off_struct;
    let mut finished = false;
    while !finished {
        let Some(token) = be32(structure, at) else {
            problems.push(error(at, "a structure block token (the blob ends early)"));
            break;
        };
        let token_at = at;
        at += 4;
        match token {
            FDT_BEGIN_NODE => {
                let Some(name_len) = structure.get(at..).and_then(|s| memchr::memchr(0, s)) else {
                    problems.push(error(at, "a NUL-terminated node name"));
                    break;
                };
                let name = String::from_utf8_lossy(&structure[at..at + name_len]).into_owned();
                if stack.is_empty() && !nodes.is_empty() {
                    problems.push(error(token_at, "a single root node"));
                    break;
                }
                if stack.len() >= FDT_MAX_DEPTH {
                    // Every node walks its ancestors (path, status, #address-cells): a deeper
                    // tree would make that quadratic, and the kernel refuses it anyway.
                    problems.push(error(
                        token_at,
                        &format!("nodes nested at most {FDT_MAX_DEPTH} deep (FDT_MAX_DEPTH)"),
                    ));
                    break;
                }
                nodes.push(RawNode {
                    full_name: name,
                    parent: stack.last().copied(),
                    props: Vec::new(),
                });
                stack.push(nodes.len() - 1);
                match align4(at + name_len + 1) {
                    Some(next) => at = next,
                    None => break,
                }
            }
            FDT_END_NODE => {
                if stack.pop().is_none() {
                    problems.push(error(token_at, "FDT_END_NODE inside a node"));
                    break;
                }
            }
            FDT_PROP => {
                let (Some(len), Some(name_offset)) = (be32(structure, at), be32(structure, at + 4)) else {
                    problems.push(error(at, "a property header (the blob ends early)"));
                    break;
                };
                let value_at = at + 8;
                let Some(value) = structure.get(value_at..value_at.saturating_add(len as usize)) else {
                    problems.push(
                        error(token_at, "a property value inside the structure block")
                            .found(format!("{len} bytes")),
                    );
                    break;
                };
                let name = strings
                    .get(name_offset as usize..)
                    .and_then(|s| memchr::memchr(0, s).map(|end| &s[..end]));
                let Some(name) = name else {
                    problems.push(
                        error(token_at + 8, "a property name inside the strings block")
                            .found(format!("name offset {name_offset:#x}")),
                    );
                    break;
                };
                let Some(&node) = stack.last() else {
                    problems.push(error(token_at, "a property inside a node"));
                    break;
                };
                nodes[node].props.push(RawProp {
                    name: String::from_utf8_lossy(name).into_owned(),
                    value: value.to_vec(),
                    offset: Some(token_at as u64),
                });
                match align4(value_at + value.len()) {
                    Some(next) => at = next,
                    None => break,
                }
            }
            FDT_NOP => {}
            FDT_END => finished = true,
            other => {
                problems.push(
                    error(token_at, "a structure block token (1, 2, 3, 4 or 9)").found(format!("{other:#x}")),
                );
                break;
            }
        }
    }
    if finished && !stack.is_empty() {
        problems.push(error(at, "every node closed before FDT_END"));
    }
    if nodes.is_empty() {
        let mut first = problems
            .into_iter()
            .next()
            .unwrap_or_else(|| error(off_struct, "a root node"));
        first.expected = format!("a root node ({})", first.expected);
        return Err(first);
    }
    Ok((nodes, problems))
}

/// How a bus node's children's addresses are laid out (`of_match_bus()`, drivers/of/address.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BusKind {
    /// `device_type = "pci"`: 3 address cells (phys.hi flags first), 2 size cells.
    Pci,
    /// ISA: 2 address cells (flags first), 1 size cell.
    Isa,
    /// 3 address cells whose first is flags (`of_bus_default_flags_match()`).
    DefaultFlags,
    Default,
}

/// Interprets raw nodes. Problems with individual properties (a phandle to nowhere, an
/// `iommu-map` of the wrong length) are added to `problems`; the property is then skipped.
pub(crate) fn build_tree(
    source: &SourceName,
    raw: Vec<RawNode>,
    problems: &mut Vec<InputError>,
) -> DeviceTree {
    let view = View::new(source, &raw);
    let mut nodes: Vec<DtNode> = (0..raw.len()).map(|i| view.basic_node(i)).collect();
    for (index, node) in nodes.iter_mut().enumerate() {
        node.reg_address = view.translated_reg(index);
        node.enabled = view.enabled(index);
    }
    // Device names need every node's translated address first.
    let names: Vec<Option<String>> = (0..raw.len())
        .map(|index| {
            view.pci_function_name(index)
                .or_else(|| make_bus_id(&raw, &nodes, index))
        })
        .collect();
    let mut extra_suppliers: Vec<(usize, DtSupplier)> = Vec::new();
    for (index, (node, name)) in nodes.iter_mut().zip(names).enumerate() {
        node.device_name = name;
        node.iommus = view.iommus(index, problems);
        let (map, mask) = view.iommu_map(index, problems);
        node.iommu_map = map;
        node.iommu_map_mask = mask;
        for (consumer, supplier) in view.suppliers(index, problems) {
            if consumer == index {
                push_supplier(&mut node.suppliers, supplier);
            } else {
                extra_suppliers.push((consumer, supplier));
            }
        }
    }
    for (consumer, supplier) in extra_suppliers {
        if let Some(node) = nodes.get_mut(consumer) {
            push_supplier(&mut node.suppliers, supplier);
        }
    }
    DeviceTree {
        source: source.clone(),
        nodes,
    }
}

fn push_supplier(list: &mut Vec<DtSupplier>, supplier: DtSupplier) {
    if !list.contains(&supplier) {
        list.push(supplier);
    }
}

/// The device name `of_device_make_bus_id()` gives: walking up from the node, the first node
/// whose first `reg` translates gives `<address>.<name>` (`%llx.%pOFn`), and every node passed
/// on the way (no translatable `reg`) prefixes its full name with `:`; the walk stops below
/// the root.
fn make_bus_id(raw: &[RawNode], nodes: &[DtNode], index: usize) -> Option<String> {
    let mut suffix: Option<String> = None;
    let mut current = index;
    let mut steps = 0;
    while let Some(parent) = raw.get(current)?.parent {
        steps += 1;
        if steps > raw.len() {
            return None;
        }
        let node = nodes.get(current)?;
        if let Some(address) = node.reg_address {
            return Some(match suffix {
                Some(rest) => format!("{address:x}.{}:{rest}", node.name),
                None => format!("{address:x}.{}", node.name),
            });
        }
        let full = &raw[current].full_name;
        suffix = Some(match suffix {
            Some(rest) => format!("{full}:{rest}"),
            None => full.clone(),
        });
        current = parent;
    }
    suffix
}

/// Read access to raw nodes with the lookups the interpretation needs.
struct View<'a> {
    source: &'a SourceName,
    raw: &'a [RawNode],
    phandles: HashMap<u32, usize>,
    /// The phandle of each node that has one (the first node claiming a phandle owns it).
    own_phandle: HashMap<usize, u32>,
}

fn cells(value: &[u8]) -> Vec<u32> {
    value
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// `of_read_number()`: big-endian cells into a number (the low 64 bits of longer ones).
fn read_number(cells: &[u32]) -> u64 {
    cells
        .iter()
        .fold(0u64, |acc, &cell| (acc << 32) | u64::from(cell))
}

fn strings(value: &[u8]) -> Vec<String> {
    value
        .split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// The maximum address cells `OF_CHECK_ADDR_COUNT()` accepts (drivers/of/of_private.h).
const OF_MAX_ADDR_CELLS: u32 = 4;

impl<'a> View<'a> {
    fn new(source: &'a SourceName, raw: &'a [RawNode]) -> Self {
        let mut phandles = HashMap::new();
        for (index, node) in raw.iter().enumerate() {
            let phandle = node
                .props
                .iter()
                .find(|p| p.name == "phandle" || p.name == "linux,phandle")
                .and_then(|p| be32(&p.value, 0));
            if let Some(phandle) = phandle.filter(|&p| p != 0 && p != u32::MAX) {
                phandles.entry(phandle).or_insert(index);
            }
        }
        let own_phandle = phandles.iter().map(|(&p, &n)| (n, p)).collect();
        View {
            source,
            raw,
            phandles,
            own_phandle,
        }
    }

    fn prop(&self, node: usize, name: &str) -> Option<&'a RawProp> {
        self.raw.get(node)?.props.iter().find(|p| p.name == name)
    }

    fn u32_prop(&self, node: usize, name: &str) -> Option<u32> {
        self.prop(node, name).and_then(|p| be32(&p.value, 0))
    }

    fn parent(&self, node: usize) -> Option<usize> {
        self.raw.get(node)?.parent
    }

    fn path(&self, node: usize) -> String {
        let mut parts = Vec::new();
        let mut current = Some(node);
        while let Some(index) = current {
            let Some(raw) = self.raw.get(index) else {
                break;
            };
            if raw.parent.is_some() {
                parts.push(raw.full_name.as_str());
            }
            current = raw.parent;
            if parts.len() > self.raw.len() {
                break;
            }
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    fn problem(&self, prop: &RawProp, expected: String) -> InputError {
        let position = match prop.offset {
            Some(offset) => Location::Offset(offset),
            None => Location::File,
        };
        InputError::new(&**self.source, position, expected)
    }

    /// `index` is below `raw.len()` (the caller iterates over the raw nodes).
    fn basic_node(&self, index: usize) -> DtNode {
        let raw = &self.raw[index];
        let (name, unit_address) = match raw.full_name.split_once('@') {
            Some((name, unit)) => (name.to_string(), Some(unit.to_string())),
            None => (raw.full_name.clone(), None),
        };
        DtNode {
            path: self.path(index),
            parent: raw.parent.map(DtNodeId),
            name,
            unit_address,
            compatible: self
                .prop(index, "compatible")
                .map(|p| strings(&p.value))
                .unwrap_or_default(),
            phandle: self.own_phandle.get(&index).copied(),
            enabled: true,
            reg_address: None,
            device_name: None,
            iommu_cells: self.u32_prop(index, "#iommu-cells"),
            iommus: Vec::new(),
            iommu_map: Vec::new(),
            iommu_map_mask: None,
            pci_domain: self.u32_prop(index, "linux,pci-domain"),
            suppliers: Vec::new(),
        }
    }

    /// `status` okay on the node and every ancestor (`of_device_is_available()` per node;
    /// fw_devlink's `of_link_to_phandle()` checks the ancestors too).
    fn enabled(&self, index: usize) -> bool {
        let mut current = Some(index);
        let mut steps = 0;
        while let Some(node) = current {
            if let Some(status) = self.prop(node, "status") {
                let text = strings(&status.value);
                if !matches!(text.first().map(String::as_str), Some("okay") | Some("ok")) {
                    return false;
                }
            }
            current = self.parent(node);
            steps += 1;
            if steps > self.raw.len() {
                break;
            }
        }
        true
    }

    /// `of_n_addr_cells()`: `#address-cells` of the parent, else of the nearest ancestor,
    /// else 1.
    fn n_addr_cells(&self, node: usize) -> u32 {
        self.inherited(self.parent(node).unwrap_or(node), "#address-cells")
    }

    fn n_size_cells(&self, node: usize) -> u32 {
        self.inherited(self.parent(node).unwrap_or(node), "#size-cells")
    }

    fn inherited(&self, from: usize, name: &str) -> u32 {
        let mut current = Some(from);
        let mut steps = 0;
        while let Some(node) = current {
            if let Some(value) = self.u32_prop(node, name) {
                return value;
            }
            current = self.parent(node);
            steps += 1;
            if steps > self.raw.len() {
                break;
            }
        }
        1
    }

    /// The name of the PCI function a child node of a PCI bus node describes: the PCI core
    /// gives the node to the function at the requester ID in its `reg` phys.hi
    /// (`pci_set_of_node()` → `of_pci_find_child_device()`, drivers/pci/of.c), and the
    /// function is named `DDDD:BB:dd.f` (`pci_setup_device()`). The domain is the nearest
    /// `linux,pci-domain`, else 0 (the first host bridge's dynamically allocated domain).
    fn pci_function_name(&self, node: usize) -> Option<String> {
        let bus = self.parent(node)?;
        if self.bus_kind(bus) != BusKind::Pci {
            return None;
        }
        let phys_hi = be32(&self.prop(node, "reg")?.value, 0)?;
        let mut domain = None;
        let mut current = Some(bus);
        let mut steps = 0;
        while let (Some(at), None) = (current, domain) {
            steps += 1;
            if steps > self.raw.len() {
                break;
            }
            domain = self.u32_prop(at, "linux,pci-domain");
            current = self.parent(at);
        }
        Some(format!(
            "{:04x}:{:02x}:{:02x}.{}",
            domain.unwrap_or(0),
            (phys_hi >> 16) & 0xff,
            (phys_hi >> 11) & 0x1f,
            (phys_hi >> 8) & 0x7
        ))
    }

    fn bus_kind(&self, bus_node: usize) -> BusKind {
        let device_type = self
            .prop(bus_node, "device_type")
            .map(|p| strings(&p.value))
            .and_then(|s| s.into_iter().next());
        match device_type.as_deref() {
            Some("pci" | "pciex" | "vci" | "ht") => return BusKind::Pci,
            Some("isa") => return BusKind::Isa,
            _ => {}
        }
        let name = self
            .raw
            .get(bus_node)
            .and_then(|n| n.full_name.split('@').next())
            .unwrap_or("");
        if name == "isa" {
            return BusKind::Isa;
        }
        if self.inherited(bus_node, "#address-cells") == 3 {
            return BusKind::DefaultFlags;
        }
        BusKind::Default
    }

    /// Address and size cells of `node`'s addresses on the bus `bus_node` (its parent).
    fn count_cells(&self, bus: BusKind, node: usize) -> (u32, u32) {
        match bus {
            BusKind::Pci => (3, 2),
            BusKind::Isa => (2, 1),
            BusKind::DefaultFlags | BusKind::Default => (self.n_addr_cells(node), self.n_size_cells(node)),
        }
    }

    /// `of_translate_address(node, reg)` of the first `reg` entry.
    fn translated_reg(&self, node: usize) -> Option<u64> {
        let reg = cells(&self.prop(node, "reg")?.value);
        let mut bus_node = self.parent(node)?;
        let mut bus = self.bus_kind(bus_node);
        let (mut na, mut ns) = self.count_cells(bus, node);
        if !(1..=OF_MAX_ADDR_CELLS).contains(&na) || ns == 0 {
            return None;
        }
        let mut addr: Vec<u32> = reg.get(..na as usize)?.to_vec();
        let mut steps = 0;
        loop {
            steps += 1;
            if steps > self.raw.len() {
                return None;
            }
            let Some(parent) = self.parent(bus_node) else {
                // Reached the root: the address is a CPU address.
                return Some(read_number(&addr));
            };
            let parent_bus = self.bus_kind(parent);
            let (pna, pns) = self.count_cells(parent_bus, bus_node);
            if !(1..=OF_MAX_ADDR_CELLS).contains(&pna) || pns == 0 {
                return None;
            }
            addr = self.translate_one(bus_node, bus, parent_bus, &addr, na, ns, pna)?;
            bus_node = parent;
            bus = parent_bus;
            na = pna;
            ns = pns;
        }
    }

    /// `of_translate_one()`: an address on the bus below `bus_node` into its parent's space
    /// through `bus_node`'s `ranges` (absent = untranslatable, empty = identity).
    #[allow(clippy::too_many_arguments)]
    fn translate_one(
        &self,
        bus_node: usize,
        bus: BusKind,
        parent_bus: BusKind,
        addr: &[u32],
        na: u32,
        ns: u32,
        pna: u32,
    ) -> Option<Vec<u32>> {
        let ranges = self.prop(bus_node, "ranges")?;
        let (na, ns, pna) = (na as usize, ns as usize, pna as usize);
        let (parent_addr, offset) = if ranges.value.is_empty() {
            (vec![0u32; pna], read_number(addr))
        } else {
            let ranges = cells(&ranges.value);
            let one = na + pna + ns;
            ranges.chunks_exact(one).find_map(|range| {
                let offset = bus_map(bus, addr, range, na, ns, pna)?;
                Some((range[na..na + pna].to_vec(), offset))
            })?
        };
        Some(bus_translate(parent_bus, parent_addr, offset, pna))
    }

    /// Walks a phandle list whose entries carry `cells_name` argument cells (`None` = plain
    /// phandles), as `of_phandle_iterator_next()` does: a zero phandle is an empty entry, a
    /// target without `cells_name` stops the walk unless `missing_cells` gives a count.
    fn phandle_list(
        &self,
        prop: &RawProp,
        cells_name: Option<&str>,
        missing_cells: Option<u32>,
        problems: &mut Vec<InputError>,
        node: usize,
    ) -> Vec<(usize, Vec<u32>)> {
        let list = cells(&prop.value);
        let mut out = Vec::new();
        let mut at = 0;
        while at < list.len() {
            let phandle = list[at];
            at += 1;
            if phandle == 0 {
                continue;
            }
            let Some(&target) = self.phandles.get(&phandle) else {
                problems.push(
                    self.problem(
                        prop,
                        format!(
                            "a phandle of an existing node in `{}` of {}",
                            prop.name,
                            self.path(node)
                        ),
                    )
                    .found(format!("{phandle:#x}")),
                );
                break;
            };
            let count = match cells_name {
                None => 0,
                Some(name) => match self.u32_prop(target, name).or(missing_cells) {
                    Some(count) => count,
                    None => break,
                },
            } as usize;
            let Some(args) = list.get(at..at.saturating_add(count)) else {
                problems.push(self.problem(
                    prop,
                    format!(
                        "{count} argument cells after each phandle in `{}` of {}",
                        prop.name,
                        self.path(node)
                    ),
                ));
                break;
            };
            out.push((target, args.to_vec()));
            at += count;
        }
        out
    }

    fn iommus(&self, node: usize, problems: &mut Vec<InputError>) -> Vec<IommuSpecifier> {
        let Some(prop) = self.prop(node, "iommus") else {
            return Vec::new();
        };
        self.phandle_list(prop, Some("#iommu-cells"), Some(0), problems, node)
            .into_iter()
            .map(|(iommu, args)| IommuSpecifier {
                iommu: DtNodeId(iommu),
                args,
            })
            .collect()
    }

    fn iommu_map(&self, node: usize, problems: &mut Vec<InputError>) -> (Vec<IommuMapEntry>, Option<u32>) {
        let mask = self.u32_prop(node, "iommu-map-mask");
        let Some(prop) = self.prop(node, "iommu-map") else {
            return (Vec::new(), mask);
        };
        if prop.value.is_empty() || prop.value.len() % 16 != 0 {
            problems.push(
                self.problem(
                    prop,
                    format!(
                        "`iommu-map` of {} as entries of 4 cells (rid-base, phandle, iommu-base, length)",
                        self.path(node)
                    ),
                )
                .found(format!("{} bytes", prop.value.len())),
            );
            return (Vec::new(), mask);
        }
        let mut entries = Vec::new();
        for entry in cells(&prop.value).chunks_exact(4) {
            match self.phandles.get(&entry[1]) {
                Some(&iommu) => entries.push(IommuMapEntry {
                    rid_base: entry[0],
                    iommu: DtNodeId(iommu),
                    iommu_base: entry[2],
                    length: entry[3],
                }),
                None => problems.push(
                    self.problem(
                        prop,
                        format!(
                            "a phandle of an existing node in `iommu-map` of {}",
                            self.path(node)
                        ),
                    )
                    .found(format!("{:#x}", entry[1])),
                ),
            }
        }
        (entries, mask)
    }

    /// `of_graph_get_port_parent()`: the device node an endpoint belongs to (the port's parent,
    /// or its grandparent when the port sits in a `ports`/`in-ports`/`out-ports` node).
    fn port_parent(&self, endpoint: usize) -> Option<usize> {
        let port = self.parent(endpoint)?;
        let above = self.parent(port)?;
        let name = self
            .raw
            .get(above)
            .and_then(|n| n.full_name.split('@').next())
            .unwrap_or("");
        if matches!(name, "ports" | "in-ports" | "out-ports") {
            self.parent(above)
        } else {
            Some(above)
        }
    }

    /// `of_irq_find_parent()`: `interrupt-parent` of the node or the nearest ancestor, followed
    /// until a node with `#interrupt-cells`.
    fn interrupt_parent(&self, node: usize) -> Option<usize> {
        let mut current = node;
        for _ in 0..=self.raw.len() {
            let next = match self.u32_prop(current, "interrupt-parent") {
                Some(phandle) => *self.phandles.get(&phandle)?,
                None => self.parent(current)?,
            };
            if self.prop(next, "#interrupt-cells").is_some() {
                return Some(next);
            }
            current = next;
        }
        None
    }

    /// The interrupt parents an `interrupt-map` names (`parse_interrupt_map()`,
    /// drivers/of/property.c, and `of_irq_parse_imap_parent()`): each entry is the child unit
    /// address (`#address-cells` of the node), the child specifier (its `#interrupt-cells`),
    /// the parent's phandle, the parent unit address (the parent's `#address-cells`, 0 when
    /// absent) and the parent specifier (the parent's `#interrupt-cells`).
    fn interrupt_map_parents(&self, node: usize, prop: &RawProp) -> Vec<usize> {
        let Some(child_cells) = self.u32_prop(node, "#interrupt-cells") else {
            return Vec::new();
        };
        let child_address = self.inherited(node, "#address-cells") as usize;
        let map = cells(&prop.value);
        let mut parents = Vec::new();
        let mut at = 0usize;
        loop {
            at = at
                .saturating_add(child_address)
                .saturating_add(child_cells as usize);
            let Some(&phandle) = map.get(at) else {
                break;
            };
            let Some(&parent) = self.phandles.get(&phandle) else {
                break;
            };
            let Some(parent_cells) = self.u32_prop(parent, "#interrupt-cells") else {
                break;
            };
            let parent_address = self.u32_prop(parent, "#address-cells").unwrap_or(0);
            at = at
                .saturating_add(1)
                .saturating_add(parent_address as usize)
                .saturating_add(parent_cells as usize);
            if at > map.len() {
                break;
            }
            if !parents.contains(&parent) {
                parents.push(parent);
            }
        }
        parents
    }

    /// Every fw_devlink supplier binding on `node`'s properties, as (consumer node, supplier).
    fn suppliers(&self, node: usize, problems: &mut Vec<InputError>) -> Vec<(usize, DtSupplier)> {
        let mut out = Vec::new();
        let is_gpio_hog = self.prop(node, "gpio-hog").is_some();
        let Some(raw) = self.raw.get(node) else {
            return out;
        };
        for prop in &raw.props {
            let name = prop.name.as_str();
            let Some(binding) = binding_for(name, is_gpio_hog) else {
                continue;
            };
            let mut add = |consumer: usize, supplier: usize| {
                if consumer != supplier {
                    out.push((
                        consumer,
                        DtSupplier {
                            property: name.to_string(),
                            supplier: DtNodeId(supplier),
                            optional: binding.optional,
                        },
                    ));
                }
            };
            match binding.kind {
                BindingKind::Cells(cells_name) => {
                    let missing = (name == "nvmem-cells").then_some(0);
                    for (target, _) in self.phandle_list(prop, cells_name, missing, problems, node) {
                        add(node, target);
                    }
                }
                BindingKind::FirstPhandle => {
                    if let Some((target, _)) = self
                        .phandle_list(prop, None, None, problems, node)
                        .into_iter()
                        .next()
                    {
                        add(node, target);
                    }
                }
                BindingKind::IommuMap => {
                    for entry in cells(&prop.value).chunks_exact(4) {
                        if let Some(&target) = self.phandles.get(&entry[1]) {
                            add(node, target);
                        }
                    }
                }
                BindingKind::RemoteEndpoint => {
                    let remote = be32(&prop.value, 0).and_then(|p| self.phandles.get(&p));
                    if let (Some(&remote), Some(consumer)) = (remote, self.port_parent(node)) {
                        if let Some(supplier) = self.port_parent(remote) {
                            add(consumer, supplier);
                        }
                    }
                }
                BindingKind::Interrupts => {
                    if let Some(parent) = self.interrupt_parent(node) {
                        // Through an interrupt-map nexus the kernel resolves the final
                        // controller (of_irq_parse_raw()); that walk is not done here.
                        if self.prop(parent, "interrupt-controller").is_some() {
                            add(node, parent);
                        }
                    }
                }
                BindingKind::InterruptMap => {
                    for target in self.interrupt_map_parents(node, prop) {
                        add(node, target);
                    }
                }
                BindingKind::InterruptsExtended => {
                    for (target, _) in self.phandle_list(prop, Some("#interrupt-cells"), None, problems, node)
                    {
                        add(node, target);
                    }
                }
            }
        }
        out
    }
}

/// `bus->map()`: the offset of `addr` inside one `ranges` entry, if it falls there.
fn bus_map(bus: BusKind, addr: &[u32], range: &[u32], na: usize, ns: usize, pna: usize) -> Option<u64> {
    let flag_cells = match bus {
        BusKind::Default => 0,
        BusKind::Pci | BusKind::Isa | BusKind::DefaultFlags => 1,
    };
    if na < flag_cells || addr.len() < na || range.len() < na + pna + ns {
        return None;
    }
    match bus {
        BusKind::Pci => {
            // Same space (I/O vs memory) in phys.hi, of_bus_pci_map().
            let space = |hi: u32| (hi >> 24) & 0x3;
            let kind = |s: u32| match s {
                1 => 1,
                2 | 3 => 2,
                _ => 0,
            };
            if kind(space(addr[0])) != kind(space(range[0])) {
                return None;
            }
        }
        BusKind::Isa => {
            if (addr[0] ^ range[0]) & 1 != 0 {
                return None;
            }
        }
        BusKind::DefaultFlags => {
            if addr[0] != range[0] {
                return None;
            }
        }
        BusKind::Default => {}
    }
    let child_base = read_number(&range[flag_cells..na]);
    let size = read_number(&range[na + pna..na + pna + ns]);
    let address = read_number(&addr[flag_cells..na]);
    (address >= child_base && address - child_base < size).then(|| address - child_base)
}

/// `bus->translate()`: adds `offset` to the address cells of the parent bus (past its flags
/// cell, if it has one).
fn bus_translate(parent_bus: BusKind, mut addr: Vec<u32>, offset: u64, pna: usize) -> Vec<u32> {
    let flag_cells = match parent_bus {
        BusKind::Default => 0,
        BusKind::Pci | BusKind::Isa | BusKind::DefaultFlags => 1,
    };
    addr.resize(pna, 0);
    if pna <= flag_cells {
        return addr;
    }
    let number_cells = &mut addr[flag_cells..];
    let value = read_number(number_cells).wrapping_add(offset);
    for cell in number_cells.iter_mut() {
        *cell = 0;
    }
    let len = number_cells.len();
    number_cells[len - 1] = value as u32;
    if len > 1 {
        number_cells[len - 2] = (value >> 32) as u32;
    }
    addr
}

#[derive(Clone, Copy, Debug)]
enum BindingKind {
    /// A phandle list with `#...-cells` arguments (`None` = plain phandles).
    Cells(Option<&'static str>),
    /// Only the first phandle counts (`*-supply`: index 0 only).
    FirstPhandle,
    IommuMap,
    RemoteEndpoint,
    Interrupts,
    InterruptsExtended,
    InterruptMap,
}

#[derive(Clone, Copy, Debug)]
struct Binding {
    kind: BindingKind,
    optional: bool,
}

/// The entry of `of_supplier_bindings[]` (newest table, fw-devlink.md §3.1) that handles a
/// property, if any.
fn binding_for(name: &str, in_gpio_hog: bool) -> Option<Binding> {
    use BindingKind::*;
    let cells = |c: &'static str| Cells(Some(c));
    let (kind, optional) = match name {
        "clocks" => (cells("#clock-cells"), false),
        "interconnects" => (cells("#interconnect-cells"), false),
        "iommus" => (cells("#iommu-cells"), true),
        "iommu-map" => (IommuMap, true),
        "mboxes" => (cells("#mbox-cells"), false),
        "io-channels" => (cells("#io-channel-cells"), false),
        "io-backends" => (cells("#io-backend-cells"), false),
        "dmas" => (cells("#dma-cells"), true),
        "power-domains" => (cells("#power-domain-cells"), false),
        "hwlocks" => (cells("#hwlock-cells"), false),
        "extcon" | "wakeup-parent" | "leds" | "backlight" | "panel" | "power-supplies" | "mmc-pwrseq" => {
            (Cells(None), false)
        }
        "nvmem-cells" => (cells("#nvmem-cell-cells"), false),
        "phys" => (cells("#phy-cells"), false),
        "remote-endpoint" => (RemoteEndpoint, false),
        "pwms" => (cells("#pwm-cells"), false),
        "resets" => (cells("#reset-cells"), false),
        "msi-parent" => (cells("#msi-cells"), false),
        "pses" => (cells("#pse-cells"), false),
        "gpio" | "gpios" if !in_gpio_hog => (cells("#gpio-cells"), false),
        "interrupts" => (Interrupts, false),
        "interrupts-extended" => (InterruptsExtended, false),
        "interrupt-map" => (InterruptMap, false),
        "access-controllers" => (cells("#access-controller-cells"), false),
        _ => {
            let pinctrl = name
                .strip_prefix("pinctrl-")
                .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()));
            if pinctrl {
                (Cells(None), false)
            } else if name.ends_with("-supply") {
                (FirstPhandle, false)
            } else if (name.ends_with("-gpios") && !name.ends_with(",nr-gpios")) || name.ends_with("-gpio") {
                (cells("#gpio-cells"), false)
            } else {
                return None;
            }
        }
    };
    Some(Binding { kind, optional })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_blob(scenario: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/fixtures/qemu/{scenario}/fdt.dtb",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn source() -> SourceName {
        "fdt.dtb".into()
    }

    fn tree(scenario: &str) -> DeviceTree {
        let (tree, problems) = parse_fdt(&source(), &fixture_blob(scenario)).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        tree
    }

    #[test]
    fn names_nodes_as_linux_names_their_devices() {
        let t = tree("smmuv3-6.1/S0-builtin-stock");
        let name = |path: &str| t.node(t.by_path(path).unwrap()).device_name.clone();
        assert_eq!(name("/pcie@10000000").as_deref(), Some("4010000000.pcie"));
        assert_eq!(name("/smmuv3@9050000").as_deref(), Some("9050000.smmuv3"));
        assert_eq!(name("/pl061@9030000").as_deref(), Some("9030000.pl061"));
        assert_eq!(name("/gpio-keys").as_deref(), Some("gpio-keys"));
        let pcie = t.node(t.by_path("/pcie@10000000").unwrap());
        assert_eq!(pcie.reg_address, Some(0x40_1000_0000));
        assert_eq!(pcie.name, "pcie");
        assert_eq!(pcie.unit_address.as_deref(), Some("10000000"));
        assert!(pcie.compatible.iter().any(|c| c == "pci-host-ecam-generic"));
        assert!(pcie.enabled);
        assert_eq!(pcie.pci_domain, Some(0));
        // Its legacy interrupts are routed to the GIC through interrupt-map.
        let gic = pcie
            .suppliers
            .iter()
            .find(|s| s.property == "interrupt-map")
            .map(|s| t.node(s.supplier));
        assert!(gic.is_some_and(|g| g.compatible.iter().any(|c| c.contains("gic"))));
    }

    #[test]
    fn iommu_map_gives_stream_ids() {
        let t = tree("smmuv3-6.1/S0-builtin-stock");
        let pcie = t.node(t.by_path("/pcie@10000000").unwrap());
        let smmu = t.by_path("/smmuv3@9050000").unwrap();
        assert_eq!(pcie.iommu_map.len(), 1);
        assert_eq!(pcie.map_requester_id(0x100), Some((smmu, 0x100)));
        assert_eq!(t.node(smmu).iommu_cells, Some(1));
        let optional: Vec<_> = pcie
            .suppliers
            .iter()
            .filter(|s| s.property == "iommu-map")
            .collect();
        assert_eq!(optional.len(), 1);
        assert!(optional[0].optional);
        assert_eq!(optional[0].supplier, smmu);
    }

    #[test]
    fn iommus_with_zero_cells_and_two_iommus() {
        let t = tree("exynos-6.12/E1-exynos-early");
        let pdma = t.node(t.by_path("/dma-controller@7f040000").unwrap());
        let targets: Vec<&str> = pdma
            .iommus
            .iter()
            .map(|s| t.node(s.iommu).path.as_str())
            .collect();
        assert_eq!(targets, ["/sysmmu@7f000000", "/sysmmu@7f020000"]);
        assert!(pdma.iommus.iter().all(|s| s.args.is_empty()));
        let iommu_suppliers = pdma.suppliers.iter().filter(|s| s.property == "iommus").count();
        assert_eq!(iommu_suppliers, 2);
    }

    #[test]
    fn gpio_key_depends_on_the_gpio_controller() {
        // The binding sits on the key's child node; fw_devlink links it from the nearest
        // device (the real devlink is amba:9030000.pl061--platform:gpio-keys).
        let t = tree("smmuv3-6.1/S0-builtin-stock");
        let keys = t.node(t.by_path("/gpio-keys/poweroff").unwrap());
        let gpio = t.by_path("/pl061@9030000").unwrap();
        assert!(
            keys.suppliers.iter().any(|s| s.supplier == gpio && !s.optional),
            "{:?}",
            keys.suppliers
        );
    }

    #[test]
    fn truncated_blobs_never_panic_and_keep_what_was_read() {
        let blob = fixture_blob("smmuv3-6.1/S0-builtin-stock");
        let mut partial_trees = 0;
        let lengths = (0..blob.len().min(2048)).chain((2048..blob.len()).step_by(7));
        for len in lengths {
            match parse_fdt(&source(), &blob[..len]) {
                Ok((tree, problems)) => {
                    assert!(!problems.is_empty(), "a cut blob at {len} must say so");
                    partial_trees += usize::from(!tree.nodes.is_empty());
                }
                Err(e) => assert!(!e.expected.is_empty()),
            }
        }
        // The strings block is at the end, so a cut usually loses property names: some
        // truncations still give the nodes before the damage.
        assert!(partial_trees > 0);
    }

    #[test]
    fn corrupted_blobs_never_panic() {
        let blob = fixture_blob("exynos-6.12/E2-exynos-late");
        let mut next = crate::ingest::xorshift::xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..600 {
            let mut damaged = blob.clone();
            let flips = 1 + (next() % 8) as usize;
            for _ in 0..flips {
                let at = (next() % damaged.len() as u64) as usize;
                damaged[at] = next() as u8;
            }
            let _ = parse_fdt(&source(), &damaged);
        }
        for len in [0usize, 3, 4, 40, 100] {
            let random: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            assert!(parse_fdt(&source(), &random).is_err());
        }
        let mut header_only = FDT_MAGIC.to_vec();
        header_only.extend_from_slice(&[0xff; 36]);
        assert!(parse_fdt(&source(), &header_only).is_err());
    }

    #[test]
    fn nesting_deeper_than_the_kernel_allows_is_cut_with_a_problem() {
        // A generated blob: nodes `n` nested 100 deep under the root, no properties.
        let mut structure = Vec::new();
        for depth in 0..=100 {
            structure.extend_from_slice(&FDT_BEGIN_NODE.to_be_bytes());
            structure.extend_from_slice(if depth == 0 { b"\0\0\0\0" } else { b"n\0\0\0" });
        }
        for _ in 0..=100 {
            structure.extend_from_slice(&FDT_END_NODE.to_be_bytes());
        }
        structure.extend_from_slice(&FDT_END.to_be_bytes());
        let header_size = 40u32;
        let total = header_size + structure.len() as u32;
        let mut blob = FDT_MAGIC.to_vec();
        for field in [
            total,
            header_size,
            total,
            header_size,
            17,
            16,
            0,
            0,
            structure.len() as u32,
        ] {
            blob.extend_from_slice(&field.to_be_bytes());
        }
        blob.extend_from_slice(&structure);
        let (tree, problems) = parse_fdt(&source(), &blob).unwrap();
        assert_eq!(tree.nodes.len(), FDT_MAX_DEPTH);
        assert!(
            problems.iter().any(|p| p.to_string().contains("FDT_MAX_DEPTH")),
            "{problems:?}"
        );
    }

    #[test]
    fn pci_bus_translation_and_disabled_ancestors() {
        // A hand-made tree: /soc (simple-bus with ranges) holding a node, a disabled bus
        // holding another, and a PCI-type bus.
        let prop = |name: &str, value: Vec<u32>| RawProp {
            name: name.to_string(),
            value: value.iter().flat_map(|c| c.to_be_bytes()).collect(),
            offset: None,
        };
        let text = |name: &str, value: &str| RawProp {
            name: name.to_string(),
            value: format!("{value}\0").into_bytes(),
            offset: None,
        };
        let raw = vec![
            RawNode {
                full_name: String::new(),
                parent: None,
                props: vec![prop("#address-cells", vec![2]), prop("#size-cells", vec![2])],
            },
            RawNode {
                full_name: "soc@0".into(),
                parent: Some(0),
                props: vec![
                    prop("#address-cells", vec![1]),
                    prop("#size-cells", vec![1]),
                    prop("ranges", vec![0x0, 0x0, 0x1000_0000, 0x1000_0000]),
                    prop("reg", vec![0, 0, 0, 0]),
                ],
            },
            RawNode {
                full_name: "sysmmu@a60000".into(),
                parent: Some(1),
                props: vec![prop("reg", vec![0xa60000, 0x1000])],
            },
            RawNode {
                full_name: "bus".into(),
                parent: Some(1),
                props: vec![text("status", "disabled")],
            },
            RawNode {
                full_name: "child".into(),
                parent: Some(3),
                props: vec![],
            },
            RawNode {
                full_name: "syscon@100000".into(),
                parent: Some(1),
                props: vec![prop("reg", vec![0x100000, 0x1000])],
            },
            RawNode {
                full_name: "power-controller".into(),
                parent: Some(5),
                props: vec![],
            },
        ];
        let mut problems = Vec::new();
        let t = build_tree(&source(), raw, &mut problems);
        assert!(problems.is_empty());
        let by = |p: &str| t.node(t.by_path(p).unwrap());
        assert_eq!(by("/soc@0/sysmmu@a60000").reg_address, Some(0x10a6_0000));
        assert_eq!(
            by("/soc@0/sysmmu@a60000").device_name.as_deref(),
            Some("10a60000.sysmmu")
        );
        assert_eq!(
            by("/soc@0/syscon@100000/power-controller").device_name.as_deref(),
            Some("10100000.syscon:power-controller")
        );
        assert!(!by("/soc@0/bus/child").enabled);
        assert!(by("/soc@0/sysmmu@a60000").enabled);
        assert_eq!(
            by("/soc@0/bus/child").device_name.as_deref(),
            Some("0.soc:bus:child")
        );
    }
}
