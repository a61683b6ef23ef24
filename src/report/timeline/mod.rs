//! `probescope timeline`: one boot (or several) drawn on its monotonic time line, as a
//! self-contained HTML page (`html`) or a static SVG (`svg`).
//!
//! Long because: the model-to-rows builder and the placement rules it documents; the two
//! renderers are files of their own.
//!
//! [`build`] turns a boot's model, analysis and findings into a [`BootTimeline`]: one row per
//! device the log speaks of (and per timed initcall), each with its probe attempts, deferrals,
//! binds and failures; vertical lines for the deferred-probe timeout and each IOMMU's
//! registration; module loads; the race consumers (PS101/PS102) marked with their finding.
//! The renderers only lay it out. Everything is linear in the boot's events: one pass over
//! events and facts, one sort of the rows.
//!
//! Where a point sits: the record's own timestamp; a record without one (a line between timed
//! ones) takes the time of the last timed record before it, since the log's order is the
//! kernel's order. A log without any timestamp is drawn in record order and says so.

pub mod html;
pub mod svg;

use crate::analysis::iommu_order::Verdict;
use crate::analysis::{readiness, Analysis};
use crate::model::{BootTime, DeferReason, Event, EventKind, FactKind, Position};
use crate::rules::Finding;
use std::collections::HashMap;

/// What the horizontal axis measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// Seconds since boot (the log's timestamps).
    Seconds,
    /// Log record number: the log has no timestamps, so only the order is drawn.
    RecordOrder,
}

/// One boot, laid out for drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct BootTimeline {
    pub name: String,
    pub axis: Axis,
    /// The axis' range, in its unit.
    pub start: f64,
    pub end: f64,
    pub rows: Vec<Row>,
    pub lines: Vec<VerticalLine>,
    /// What the picture cannot show, in plain words.
    pub notes: Vec<String>,
}

/// What a row stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Device,
    Initcall,
    Modules,
}

/// One row: a device, an initcall, or the boot's module loads.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub label: String,
    pub kind: RowKind,
    /// The bus (`platform`, `pci`), `initcall` or `module`: what the page filters on besides
    /// the name.
    pub subsystem: String,
    /// `bound`, `deferred`, `failed`, `went-ahead`, `unknown` (devices); empty otherwise.
    pub state: &'static str,
    /// The finding that says the device went ahead before its IOMMU (PS101/PS102).
    pub race: Option<String>,
    pub items: Vec<Item>,
}

impl Row {
    /// Where the row's first item sits.
    pub fn start(&self) -> f64 {
        self.items.iter().map(|i| i.from).fold(f64::INFINITY, f64::min)
    }
}

/// What an item on a row shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// The device's span on the time line: its first probe attempt to its bind (or last word).
    Span,
    /// A probe call with its duration (initcall_debug).
    Probe,
    /// An initcall with its duration.
    Initcall,
    Deferred,
    /// Still deferred when the timeout fired ("deferred probe pending").
    Pending,
    /// Probed "ignoring dependency": the timeout let it go ahead.
    WentAhead,
    Bound,
    ProbeRan,
    Failed,
    Declined,
    GroupJoined,
    Module,
}

impl ItemKind {
    /// The CSS class the renderers give it (a stable DOM hook).
    pub fn class(self) -> &'static str {
        match self {
            ItemKind::Span => "bar",
            ItemKind::Probe => "bar probe",
            ItemKind::Initcall => "bar initcall",
            ItemKind::Deferred => "m defer",
            ItemKind::Pending => "m pending",
            ItemKind::WentAhead => "m ahead",
            ItemKind::Bound => "m bind",
            ItemKind::ProbeRan => "m ran",
            ItemKind::Failed => "m failed",
            ItemKind::Declined => "m declined",
            ItemKind::GroupJoined => "m group",
            ItemKind::Module => "m module",
        }
    }

    /// Whether it is drawn as a bar (from..to) rather than a mark (at `from`).
    pub fn is_bar(self) -> bool {
        matches!(self, ItemKind::Span | ItemKind::Probe | ItemKind::Initcall)
    }
}

/// One thing drawn on a row, with its hover text.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub from: f64,
    pub to: f64,
    pub title: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// The deferred-probe timeout fired.
    Timeout,
    /// An IOMMU registered (its driver probed the device that registers it).
    Iommu,
}

/// A boot-wide instant drawn across every row.
#[derive(Clone, Debug, PartialEq)]
pub struct VerticalLine {
    pub kind: LineKind,
    pub at: f64,
    /// The instant in seconds, when the log timed it.
    pub time: Option<BootTime>,
    /// The device (an IOMMU's), for `data-device`.
    pub device: Option<String>,
    pub label: String,
    pub title: String,
}

/// Where log records sit on the axis: each record's time, or the last timed one's before it.
struct Placer {
    axis: Axis,
    /// (record index, time), sorted by index.
    timed: Vec<(u64, BootTime)>,
}

impl Placer {
    fn new(analysis: &Analysis) -> Placer {
        let boot = analysis.boot();
        let mut timed: Vec<(u64, BootTime)> = boot
            .events
            .iter()
            .filter_map(|e| match e.position {
                Position::Log {
                    index,
                    time: Some(time),
                } => Some((index, time)),
                _ => None,
            })
            .chain(boot.facts.iter().filter_map(|f| f.time.map(|t| (f.index, t))))
            .collect();
        timed.sort_unstable_by_key(|(index, _)| *index);
        timed.dedup_by_key(|(index, _)| *index);
        let axis = if timed.is_empty() {
            Axis::RecordOrder
        } else {
            Axis::Seconds
        };
        Placer { axis, timed }
    }

    /// The axis coordinate of log record `index` (with its own time when it has one).
    fn at(&self, index: u64, time: Option<BootTime>) -> f64 {
        match self.axis {
            Axis::RecordOrder => index as f64,
            Axis::Seconds => {
                let time = time.or_else(|| {
                    let after = self.timed.partition_point(|(i, _)| *i <= index);
                    after
                        .checked_sub(1)
                        .and_then(|before| self.timed.get(before))
                        .or_else(|| self.timed.first())
                        .map(|(_, t)| *t)
                });
                time.map_or(0.0, BootTime::as_secs_f64)
            }
        }
    }

    fn position(&self, position: &Position) -> Option<f64> {
        match position {
            Position::Log { index, time } => Some(self.at(*index, *time)),
            Position::Snapshot { .. } => None,
        }
    }

    /// "at 7.027453 s" or "at record 395".
    fn when(&self, index: u64, time: Option<BootTime>) -> String {
        match (self.axis, time) {
            (_, Some(time)) => format!("{time} s"),
            (Axis::Seconds, None) => format!("~{:.6} s", self.at(index, None)),
            (Axis::RecordOrder, None) => format!("record {}", index + 1),
        }
    }
}

/// The findings that say a consumer went ahead before (or without) its IOMMU.
const RACE_CODES: [&str; 2] = ["PS101", "PS102"];

/// Builds one boot's time line from its analysis and the rules' findings.
pub fn build(analysis: &Analysis, findings: &[Finding], notes: &[String]) -> BootTimeline {
    let boot = analysis.boot();
    let placer = Placer::new(analysis);
    let mut races: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for finding in findings.iter().filter(|f| RACE_CODES.contains(&f.code)) {
        races.entry(finding.subject.as_str()).or_default().push(finding);
    }
    let mut probe_times: HashMap<&str, Vec<(f64, u64, i64, String)>> = HashMap::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut modules = Row {
        label: "module loads".to_string(),
        kind: RowKind::Modules,
        subsystem: "module".to_string(),
        state: "",
        race: None,
        items: Vec::new(),
    };
    for fact in &boot.facts {
        let at = placer.at(fact.index, fact.time);
        match &fact.kind {
            FactKind::ProbeTimed { device, value, usecs } => {
                probe_times.entry(device.as_str()).or_default().push((
                    at,
                    *usecs,
                    *value,
                    fact.evidence.origin.to_string(),
                ));
            }
            FactKind::InitcallTimed {
                function,
                module,
                value,
                usecs,
            } => {
                let label = match module {
                    Some(module) => format!("{function} [{module}]"),
                    None => function.clone(),
                };
                let from = match placer.axis {
                    Axis::Seconds => at - *usecs as f64 / 1e6,
                    Axis::RecordOrder => at,
                };
                rows.push(Row {
                    label: label.clone(),
                    kind: RowKind::Initcall,
                    subsystem: "initcall".to_string(),
                    state: "",
                    race: None,
                    items: vec![Item {
                        kind: ItemKind::Initcall,
                        from,
                        to: at,
                        title: format!(
                            "initcall {label} returned {value} after {usecs} usecs ({})",
                            fact.evidence.origin
                        ),
                    }],
                });
            }
            FactKind::ModuleLoaded { module } => modules.items.push(Item {
                kind: ItemKind::Module,
                from: at,
                to: at,
                title: format!(
                    "module {module} loaded at {} ({})",
                    placer.when(fact.index, fact.time),
                    fact.evidence.origin
                ),
            }),
            _ => {}
        }
    }
    let mut snapshot_only = 0usize;
    for id in boot.device_ids() {
        let device = boot.device(id);
        let mut items: Vec<Item> = boot
            .events_of(id)
            .filter_map(|event| event_item(&placer, event))
            .collect();
        if let Some(timed) = probe_times.get(device.name.as_str()) {
            for (at, usecs, value, origin) in timed {
                let from = match placer.axis {
                    Axis::Seconds => at - *usecs as f64 / 1e6,
                    Axis::RecordOrder => *at,
                };
                items.push(Item {
                    kind: ItemKind::Probe,
                    from,
                    to: *at,
                    title: format!("probe returned {value} after {usecs} usecs ({origin})"),
                });
            }
        }
        let race = races.get(device.name.as_str()).map(|found| {
            found
                .iter()
                .map(|f| format!("{}: {}", f.code, f.message))
                .collect::<Vec<_>>()
                .join("\n")
        });
        if items.is_empty() {
            if boot.events_of(id).next().is_some() {
                snapshot_only += 1;
            }
            if race.is_none() {
                continue;
            }
        }
        let state = row_state(analysis, id);
        let from = items.iter().map(|i| i.from).fold(f64::INFINITY, f64::min);
        let to = items.iter().map(|i| i.to).fold(f64::NEG_INFINITY, f64::max);
        let (from, mut to) = if from.is_finite() { (from, to) } else { (0.0, 0.0) };
        // A race consumer's bar runs on to its IOMMU's registration: the time its driver worked
        // without the IOMMU.
        let iommu_arrival = race.as_ref().and_then(|_| {
            analysis
                .iommu_order()
                .iter()
                .filter(|v| v.consumer == id)
                .filter_map(|v| match &v.verdict {
                    Verdict::ProbedBefore {
                        iommu_bind: Some(bind),
                    } => placer.position(&bind.position).map(|at| (at, v)),
                    _ => None,
                })
                .max_by(|a, b| a.0.total_cmp(&b.0))
        });
        if let Some((at, _)) = iommu_arrival {
            to = to.max(at);
        }
        let mut title = format!("{}: {state}", device.name);
        if let Some(bind) = boot.bind_evidence(id).or_else(|| boot.probe_evidence(id)) {
            title.push_str(&format!(
                "; {} {}",
                bind.basis.describe(),
                match bind.position {
                    Position::Log { index, time } => format!("at {}", placer.when(index, time)),
                    Position::Snapshot { .. } => "in a snapshot".to_string(),
                }
            ));
        }
        if let Some((at, verdict)) = iommu_arrival {
            title.push_str(&format!(
                "; its IOMMU {} registered only at {}",
                crate::analysis::iommu_order::iommu_name(boot, verdict),
                match placer.axis {
                    Axis::Seconds => format!("{at:.6} s"),
                    Axis::RecordOrder => format!("record {}", at as u64 + 1),
                }
            ));
        }
        if let Some(race) = &race {
            title.push('\n');
            title.push_str(race);
        }
        items.insert(
            0,
            Item {
                kind: ItemKind::Span,
                from,
                to,
                title,
            },
        );
        rows.push(Row {
            label: device.name.clone(),
            kind: RowKind::Device,
            subsystem: device.bus.clone().unwrap_or_else(|| "unknown".to_string()),
            state,
            race,
            items,
        });
    }
    if !modules.items.is_empty() {
        rows.push(modules);
    }
    rows.sort_by(|a, b| {
        a.start()
            .total_cmp(&b.start())
            .then_with(|| a.label.cmp(&b.label))
    });

    let mut lines = Vec::new();
    if let Some(fired) = &analysis.timeout().fired {
        lines.push(VerticalLine {
            kind: LineKind::Timeout,
            at: placer.at(fired.index, fired.time),
            time: fired.time,
            device: None,
            label: "deferred-probe timeout".to_string(),
            title: format!(
                "the deferred-probe timeout fired at {} ({}: {})",
                placer.when(fired.index, fired.time),
                fired.evidence.origin,
                fired.evidence.text
            ),
        });
    }
    let mut iommus: Vec<_> = boot.iommu_edges.iter().map(|e| e.iommu).collect();
    iommus.extend(boot.device_ids().filter(|id| boot.device(*id).is_iommu));
    iommus.sort_unstable();
    iommus.dedup();
    let mut notes_out = Vec::new();
    for iommu in iommus {
        let name = &boot.device(iommu).name;
        match readiness::registration(boot, iommu) {
            Some(bind) => match bind.position {
                Position::Log { index, time } => lines.push(VerticalLine {
                    kind: LineKind::Iommu,
                    at: placer.at(index, time),
                    time,
                    device: Some(name.clone()),
                    label: format!("IOMMU {name}"),
                    title: format!(
                        "IOMMU {name} registered at {} ({}: {})",
                        placer.when(index, time),
                        bind.evidence.origin,
                        bind.evidence.text
                    ),
                }),
                Position::Snapshot { .. } => notes_out.push(format!(
                    "IOMMU {name}: a snapshot shows it registered, the log does not say when: no line drawn"
                )),
            },
            None => notes_out.push(format!(
                "IOMMU {name}: no evidence that it ever registered: no line drawn"
            )),
        }
    }
    if placer.axis == Axis::RecordOrder {
        notes_out.insert(
            0,
            "the log has no timestamps: the axis is the log's record order, not time, and durations are not drawn"
                .to_string(),
        );
    }
    if snapshot_only > 0 {
        notes_out.push(format!(
            "{snapshot_only} device{} known only from snapshots (no log record): not drawn",
            if snapshot_only == 1 { "" } else { "s" }
        ));
    }
    notes_out.extend(notes.iter().cloned());
    let end = rows
        .iter()
        .flat_map(|r| r.items.iter().map(|i| i.to))
        .chain(lines.iter().map(|l| l.at))
        .fold(0.0f64, f64::max);
    // Some room after the last item, so a mark at the end is not on the frame.
    let end = match placer.axis {
        Axis::Seconds => (end * 1.02).max(0.001),
        Axis::RecordOrder => (end + 1.0) * 1.02,
    };
    BootTimeline {
        name: boot.name.clone(),
        axis: placer.axis,
        start: 0.0,
        end,
        rows,
        lines,
        notes: notes_out,
    }
}

/// The row's state at the end of the capture, as a word the page colours.
fn row_state(analysis: &Analysis, id: crate::model::DeviceId) -> &'static str {
    use crate::analysis::blockers::DeviceStatus;
    let boot = analysis.boot();
    let failed = boot
        .events_of(id)
        .last()
        .is_some_and(|e| matches!(e.kind, EventKind::ProbeFailed { .. }));
    match analysis.blockers().status(id) {
        DeviceStatus::Bound => "bound",
        DeviceStatus::Deferred => "deferred",
        DeviceStatus::Unbound if failed => "failed",
        DeviceStatus::Unbound => "unbound",
        DeviceStatus::Unknown if boot.ignored_dependency(id).is_some() => "went-ahead",
        DeviceStatus::Unknown => "unknown",
    }
}

/// A device event as a mark, with its hover text (log events only: a snapshot has no instant).
fn event_item(placer: &Placer, event: &Event) -> Option<Item> {
    let at = placer.position(&event.position)?;
    let (kind, what) = match &event.kind {
        EventKind::Deferred { deferral } => (
            ItemKind::Deferred,
            format!("probe deferred{}", reason(deferral.as_ref().map(|d| &d.reason))),
        ),
        EventKind::DeferredPending { deferral } => (
            ItemKind::Pending,
            format!(
                "still deferred when the timeout fired{}",
                reason(deferral.as_ref().map(|d| &d.reason))
            ),
        ),
        EventKind::IgnoredDependency { .. } => (
            ItemKind::WentAhead,
            "the timeout let it probe ignoring its dependency".to_string(),
        ),
        EventKind::Bound { driver, basis } => (
            ItemKind::Bound,
            format!(
                "bound{} ({})",
                driver.as_ref().map(|d| format!(" to {d}")).unwrap_or_default(),
                basis.describe()
            ),
        ),
        EventKind::ProbeRan { driver, basis } => (
            ItemKind::ProbeRan,
            format!(
                "probe ran{} ({})",
                driver
                    .as_ref()
                    .map(|d| format!(", driver {d}"))
                    .unwrap_or_default(),
                basis.describe()
            ),
        ),
        EventKind::ProbeFailed { driver, errno } => (
            ItemKind::Failed,
            format!(
                "probe with {driver} failed: {}",
                crate::analysis::blockers::errno_name(*errno)
            ),
        ),
        EventKind::ProbeDeclined { errno } => (
            ItemKind::Declined,
            format!(
                "the driver declined the device ({})",
                crate::analysis::blockers::errno_name(*errno)
            ),
        ),
        EventKind::JoinedIommuGroup { group } => {
            (ItemKind::GroupJoined, format!("joined IOMMU group {group}"))
        }
        EventKind::IommuGroupFailed { .. }
        | EventKind::LateIommuProbe
        | EventKind::IommuConfigFailed { .. } => return None,
    };
    let (index, time) = match event.position {
        Position::Log { index, time } => (index, time),
        Position::Snapshot { .. } => return None,
    };
    Some(Item {
        kind,
        from: at,
        to: at,
        title: format!(
            "{what} at {} ({})",
            placer.when(index, time),
            event.evidence.origin
        ),
    })
}

fn reason(reason: Option<&DeferReason>) -> String {
    match reason {
        Some(DeferReason::SupplierNotReady { supplier }) => format!(": supplier {supplier} not ready"),
        Some(DeferReason::WaitForSupplier { fwnode }) => format!(": wait for supplier {fwnode}"),
        Some(DeferReason::Text(text)) => format!(": {text}"),
        Some(DeferReason::Empty) | None => String::new(),
    }
}

/// XML text and attribute escaping, after control characters are made visible; a line break
/// (in hover texts) stays a line break.
pub(crate) fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push_str("&#10;");
        }
        for c in crate::sanitize::escape_control(line).chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
    }
    out
}
