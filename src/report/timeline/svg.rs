//! A boot's time line as SVG: the static picture (`timeline --format svg`) and the drawing the
//! HTML page zooms, pans and filters.
//!
//! DOM hooks the page's script and the tests use: the root `<svg class="timeline">` carries the
//! axis (`data-t0`, `data-t1`, `data-unit`) and the layout (`data-label-width`,
//! `data-plot-width`, `data-row-height`, `data-top`); each row is `<g class="row"
//! data-device=… data-subsystem=… data-state=…>` (plus `race` on a race consumer's row),
//! its span `class="bar"` (`class="bar race"` for a race consumer); vertical lines are
//! `<line class="timeout-line" data-t=…>` and `<line class="iommu-line" data-device=…
//! data-t=…>`; everything that zooms sits in a `<g class="z">`.

use super::{escape_xml, Axis, BootTimeline, ItemKind, LineKind, RowKind};
use std::fmt::Write as _;

/// Width of the label column, in px.
pub const LABEL_WIDTH: f64 = 280.0;
/// Width of the time axis at zoom 1, in px.
pub const PLOT_WIDTH: f64 = 1280.0;
pub const ROW_HEIGHT: f64 = 16.0;
/// Height of the band above the rows: boot name, axis, line labels.
pub const TOP: f64 = 64.0;
/// Longest label drawn in full (the row's hover text has the whole name).
const LABEL_CHARS: usize = 42;

/// The picture's style, shared by the static SVG and the page.
pub const STYLE: &str = "\
.timeline{font:11px sans-serif;background:#fff}\
.timeline .boot-name{font-weight:bold;font-size:13px}\
.timeline .label{fill:#222}\
.timeline .row.race .label{fill:#c00;font-weight:bold}\
.timeline .stripe{fill:#f4f6f8}\
.timeline .bar{fill:#c6dbef}\
.timeline .row[data-state=bound] .bar{fill:#9ecae1}\
.timeline .row[data-state=deferred] .bar{fill:#fdd0a2}\
.timeline .row[data-state=failed] .bar{fill:#fcbba1}\
.timeline .row[data-state=unknown] .bar{fill:#e0e0e0}\
.timeline .bar.probe{fill:#3182bd}\
.timeline .bar.initcall{fill:#74c476}\
.timeline .row .bar.race,.timeline .legend .bar.race{fill:#d62728;stroke:#7f0000;stroke-width:1px;vector-effect:non-scaling-stroke}\
.timeline .m{stroke-width:2px;vector-effect:non-scaling-stroke;fill:none}\
.timeline .defer{stroke:#ff7f0e}\
.timeline .pending{stroke:#8c564b}\
.timeline .ahead{stroke:#d62728;stroke-width:3px}\
.timeline .bind{stroke:#2ca02c}\
.timeline .ran{stroke:#17becf}\
.timeline .failed{stroke:#000}\
.timeline .declined{stroke:#7f7f7f}\
.timeline .group{stroke:#9467bd}\
.timeline .module{stroke:#bcbd22}\
.timeline .tick{stroke:#ccc;vector-effect:non-scaling-stroke}\
.timeline .tick-label{fill:#555;text-anchor:middle}\
.timeline .timeout-line{stroke:#d62728;stroke-width:2px;stroke-dasharray:6 3;vector-effect:non-scaling-stroke}\
.timeline .iommu-line{stroke:#1f77b4;stroke-width:2px;vector-effect:non-scaling-stroke}\
.timeline .vlabel{font-size:10px}\
.timeline .vlabel.timeout{fill:#d62728}\
.timeline .vlabel.iommu{fill:#1f77b4}\
.timeline .legend text{fill:#333}";

/// The horizontal scale: px per axis unit at zoom 1.
fn scale(timeline: &BootTimeline) -> f64 {
    PLOT_WIDTH / (timeline.end - timeline.start).max(f64::MIN_POSITIVE)
}

/// A tick step of 1, 2 or 5 × 10^n that gives about `count` ticks over `span`.
pub fn tick_step(span: f64, count: f64) -> f64 {
    let raw = (span / count).max(1e-9);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
}

/// The picture's height, in px, with all rows shown.
pub fn height(timeline: &BootTimeline) -> f64 {
    TOP + timeline.rows.len() as f64 * ROW_HEIGHT + 36.0
}

/// One boot's SVG element; `id` makes its clip paths unique on a page of several boots.
pub fn render_boot(timeline: &BootTimeline, id: usize, standalone: bool) -> String {
    let k = scale(timeline);
    let x = |v: f64| LABEL_WIDTH + (v - timeline.start) * k;
    let width = LABEL_WIDTH + PLOT_WIDTH + 20.0;
    let height = height(timeline);
    let body_bottom = TOP + timeline.rows.len() as f64 * ROW_HEIGHT;
    let unit = match timeline.axis {
        Axis::Seconds => "s",
        Axis::RecordOrder => "record",
    };
    // Rows and marks are most of the output: sized up front.
    let items: usize = timeline.rows.iter().map(|r| r.items.len()).sum();
    let mut out = String::with_capacity(4096 + timeline.rows.len() * 200 + items * 120);
    let _ = write!(
        out,
        "<svg class=\"timeline\" id=\"tl-{id}\"{} width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" data-t0=\"{}\" data-t1=\"{}\" data-unit=\"{unit}\" \
         data-label-width=\"{LABEL_WIDTH}\" data-plot-width=\"{PLOT_WIDTH}\" \
         data-row-height=\"{ROW_HEIGHT}\" data-top=\"{TOP}\">",
        if standalone {
            " xmlns=\"http://www.w3.org/2000/svg\""
        } else {
            ""
        },
        timeline.start,
        timeline.end,
    );
    if standalone {
        let _ = write!(out, "<style>{STYLE}</style>");
    }
    let _ = write!(
        out,
        "<defs><clipPath id=\"clip-row-{id}\"><rect x=\"{LABEL_WIDTH}\" y=\"0\" width=\"{PLOT_WIDTH}\" \
         height=\"{ROW_HEIGHT}\"/></clipPath><clipPath id=\"clip-all-{id}\"><rect x=\"{LABEL_WIDTH}\" \
         y=\"0\" width=\"{PLOT_WIDTH}\" height=\"100000000\"/></clipPath></defs>"
    );
    let _ = write!(
        out,
        "<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/><text class=\"boot-name\" x=\"4\" y=\"14\">{}</text>",
        escape_xml(&timeline.name)
    );
    // The axis: ticks drawn here for the static picture; the page redraws them on zoom.
    let _ = write!(out, "<g class=\"axis\">");
    let step = tick_step(timeline.end - timeline.start, 10.0);
    let mut tick = (timeline.start / step).ceil() * step;
    while tick <= timeline.end {
        let _ = write!(
            out,
            "<line class=\"tick\" x1=\"{0:.2}\" x2=\"{0:.2}\" y1=\"{1}\" y2=\"{body_bottom}\"/>\
             <text class=\"tick-label\" x=\"{0:.2}\" y=\"{2}\">{3}</text>",
            x(tick),
            TOP - 4.0,
            TOP - 6.0,
            tick_text(tick, step, timeline.axis)
        );
        tick += step;
    }
    let _ = write!(out, "</g>");
    let _ = write!(out, "<g class=\"rows\">");
    for (n, row) in timeline.rows.iter().enumerate() {
        let y = TOP + n as f64 * ROW_HEIGHT;
        let race = if row.race.is_some() { " race" } else { "" };
        let kind = match row.kind {
            RowKind::Device => "device",
            RowKind::Initcall => "initcall",
            RowKind::Modules => "modules",
        };
        let _ = write!(
            out,
            "<g class=\"row{race}\" data-kind=\"{kind}\" data-device=\"{}\" data-subsystem=\"{}\" data-state=\"{}\" transform=\"translate(0,{y})\">",
            escape_xml(&row.label),
            escape_xml(&row.subsystem),
            row.state,
        );
        if n % 2 == 1 {
            let _ = write!(
                out,
                "<rect class=\"stripe\" width=\"{}\" height=\"{ROW_HEIGHT}\"/>",
                LABEL_WIDTH + PLOT_WIDTH
            );
        }
        let _ = write!(
            out,
            "<text class=\"label\" x=\"4\" y=\"12\">{}<title>{}</title></text><g clip-path=\"url(#clip-row-{id})\"><g class=\"z\">",
            escape_xml(&crate::sanitize::shorten(&row.label, LABEL_CHARS)),
            escape_xml(&row.label),
        );
        for item in &row.items {
            let class = if item.kind == ItemKind::Span && row.race.is_some() {
                "bar race"
            } else {
                item.kind.class()
            };
            if item.kind.is_bar() {
                let (top, tall) = match item.kind {
                    ItemKind::Probe => (5.0, 6.0),
                    _ => (3.0, 10.0),
                };
                let _ = write!(
                    out,
                    "<rect class=\"{class}\" x=\"{:.2}\" y=\"{top}\" width=\"{:.2}\" height=\"{tall}\"><title>{}</title></rect>",
                    x(item.from),
                    ((item.to - item.from) * k).max(2.0),
                    escape_xml(&item.title)
                );
            } else {
                let _ = write!(
                    out,
                    "<path class=\"{class}\" d=\"M{:.2} 1v14\"><title>{}</title></path>",
                    x(item.from),
                    escape_xml(&item.title)
                );
            }
        }
        let _ = write!(out, "</g></g></g>");
    }
    let _ = write!(out, "</g>");
    let _ = write!(
        out,
        "<g class=\"vlines\" clip-path=\"url(#clip-all-{id})\"><g class=\"z\">"
    );
    for line in &timeline.lines {
        let class = match line.kind {
            LineKind::Timeout => "timeout-line",
            LineKind::Iommu => "iommu-line",
        };
        let device = line
            .device
            .as_ref()
            .map(|d| format!(" data-device=\"{}\"", escape_xml(d)))
            .unwrap_or_default();
        let time = line.time.map(|t| format!(" data-t=\"{t}\"")).unwrap_or_default();
        let _ = write!(
            out,
            "<line class=\"{class}\"{device}{time} data-at=\"{at}\" x1=\"{px:.2}\" x2=\"{px:.2}\" y1=\"{top}\" y2=\"{body_bottom}\"><title>{title}</title></line>",
            at = line.at,
            px = x(line.at),
            top = TOP - 14.0,
            title = escape_xml(&line.title)
        );
    }
    let _ = write!(out, "</g></g><g class=\"vlabels\">");
    for (n, line) in timeline.lines.iter().enumerate() {
        let class = match line.kind {
            LineKind::Timeout => "timeout",
            LineKind::Iommu => "iommu",
        };
        // Staggered, so lines close together keep readable labels.
        // A label near the right edge goes left of its line.
        let (anchor, shift) = if x(line.at) > LABEL_WIDTH + PLOT_WIDTH * 0.8 {
            ("end", -3.0)
        } else {
            ("start", 3.0)
        };
        let _ = write!(
            out,
            "<text class=\"vlabel {class}\" text-anchor=\"{anchor}\" data-at=\"{}\" x=\"{:.2}\" y=\"{}\">{}<title>{}</title></text>",
            line.at,
            x(line.at) + shift,
            TOP - 30.0 + (n % 2) as f64 * 11.0,
            escape_xml(&line.label),
            escape_xml(&line.title)
        );
    }
    let _ = write!(out, "</g>");
    let _ = write!(
        out,
        "<g class=\"legend\" transform=\"translate(4,{})\">",
        body_bottom + 14.0
    );
    let mut at = 0.0;
    for (class, label) in [
        ("bar", "first attempt → bind"),
        ("bar race", "went ahead before its IOMMU"),
        ("bar probe", "probe (duration)"),
        ("m defer", "deferred"),
        ("m pending", "pending at timeout"),
        ("m ahead", "ignoring dependency"),
        ("m bind", "bound"),
        ("m ran", "probe ran"),
        ("m failed", "failed"),
        ("m group", "IOMMU group"),
        ("m module", "module load"),
    ] {
        if class.starts_with("bar") {
            let _ = write!(
                out,
                "<rect class=\"{class}\" x=\"{at}\" y=\"-8\" width=\"14\" height=\"10\"/>"
            );
        } else {
            let _ = write!(out, "<path class=\"{class}\" d=\"M{} -9v12\"/>", at + 6.0);
        }
        let _ = write!(out, "<text x=\"{}\" y=\"1\">{label}</text>", at + 18.0);
        at += 24.0 + label.chars().count() as f64 * 6.0;
    }
    let _ = write!(
        out,
        "<text x=\"{at}\" y=\"1\">axis: {}</text></g></svg>",
        match timeline.axis {
            Axis::Seconds => "seconds since boot",
            Axis::RecordOrder => "log record order (no timestamps)",
        }
    );
    out
}

fn tick_text(value: f64, step: f64, axis: Axis) -> String {
    match axis {
        Axis::RecordOrder => format!("#{}", value.round() as u64 + 1),
        Axis::Seconds => {
            let decimals = (-step.log10().floor()).max(0.0) as usize;
            format!("{value:.decimals$} s")
        }
    }
}

/// The static picture of one or several boots (stacked), as an SVG document.
pub fn render(timelines: &[BootTimeline]) -> String {
    if let [only] = timelines {
        let mut out = render_boot(only, 0, true);
        out.push('\n');
        return out;
    }
    let width = LABEL_WIDTH + PLOT_WIDTH + 20.0;
    let total: f64 = timelines.iter().map(height).sum();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{total}\" viewBox=\"0 0 {width} {total}\"><style>{STYLE}</style>"
    );
    let mut y = 0.0;
    for (n, timeline) in timelines.iter().enumerate() {
        let inner = render_boot(timeline, n, false);
        // A nested <svg> is placed by its x/y attributes.
        let _ = write!(out, "<g transform=\"translate(0,{y})\">{inner}</g>");
        y += height(timeline);
    }
    out.push_str("</svg>\n");
    out
}
