//! The synthetic boots of `support/synth.rs` at a small scale: the model, the supplier graph,
//! the root-cause chains, the rules and the graph views find exactly what the generator
//! planted (its cycles, its deferred devices and their never-bound root causes).

use crate::support::synth::{self, generate, Spec, Synthetic};
use probescope::blockers::{Blocker, Blockers, DeviceStatus, Moment};
use probescope::graph::SupplierGraph;
use probescope::model::{Boot, LinkKind};
use probescope::report::graph::{self as view, Direction, ViewOptions};
use probescope::rules::{self, Analysis};
use std::collections::BTreeSet;

fn small() -> Spec {
    Spec {
        seed: 7,
        devices: 2000,
        links_per_device: 5,
        chains: 4,
        chain_len: 12,
        cycles: 5,
        cycle_len: 3,
    }
}

fn boot(spec: Spec) -> (Boot, synth::Truth) {
    let Synthetic { inputs, truth } = generate(spec);
    (Boot::from_inputs(inputs), truth)
}

#[test]
fn the_model_holds_every_planted_device_and_link() {
    let spec = small();
    let (boot, truth) = boot(spec);
    let expected_devices = spec.devices + spec.chains * (spec.chain_len + 1) + spec.cycles * spec.cycle_len;
    assert_eq!(boot.devices.len(), expected_devices);
    assert_eq!(boot.links.len(), truth.links);
    assert_eq!(truth.links, truth.pairs, "the generator plants no duplicate pair");
    assert!(boot.links.iter().any(|l| l.kind == LinkKind::Stateless));
    assert!(boot.links.iter().any(|l| l.kind == LinkKind::SyncStateOnly));
}

#[test]
fn cycles_are_exactly_the_planted_rings() {
    let (boot, truth) = boot(small());
    let graph = SupplierGraph::new(&boot);
    let found: Vec<Vec<String>> = graph
        .cycles(false)
        .into_iter()
        .map(|cycle| {
            let mut names: Vec<String> = cycle.iter().map(|id| boot.device(*id).name.clone()).collect();
            names.sort();
            names
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(found, truth.cycles);
    // Sync-state-only links may point backwards: with them, the bulk is cyclic too.
    assert!(graph.cycles(true).len() > truth.cycles.len());
}

#[test]
fn root_causes_name_the_planted_never_bound_suppliers() {
    // Long chains (longer than a call stack would like), cross-linked: every fourth element
    // also waits for one of the previous chain, so the number of paths to the roots grows
    // exponentially along the chains while the distinct root causes stay few.
    let (boot, truth) = boot(Spec {
        chains: 5,
        chain_len: 80,
        ..small()
    });
    let graph = SupplierGraph::new(&boot);
    let blockers = Blockers::new(&boot, &graph, Moment::End);
    let deferred: Vec<String> = boot
        .device_ids()
        .filter(|id| blockers.status(*id) == DeviceStatus::Deferred)
        .map(|id| boot.device(id).name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(deferred, truth.deferred);
    for (device, roots) in &truth.root_causes {
        let id = boot.find(device).expect("planted device");
        let causes = blockers.root_causes(id);
        assert_eq!(causes.len(), roots.len(), "one cause per blocker for {device}");
        let never_bound: BTreeSet<String> = causes
            .into_iter()
            .filter_map(|cause| match cause.blocker {
                Blocker::NeverBound { device, .. } => Some(device),
                _ => None,
            })
            .collect();
        assert_eq!(&never_bound, roots, "root causes of {device}");
    }
    for ring in &truth.cycles {
        let id = boot.find(&ring[0]).expect("ring member");
        let causes = blockers.root_causes(id);
        let cycle = causes.iter().find_map(|c| match &c.blocker {
            Blocker::Cycle { devices } => Some(devices.iter().cloned().collect::<BTreeSet<_>>()),
            _ => None,
        });
        assert_eq!(
            cycle,
            Some(ring.iter().cloned().collect()),
            "cycle blocker of {}",
            ring[0]
        );
    }
}

#[test]
fn rules_report_each_planted_deferral_and_cycle() {
    let (boot, truth) = boot(small());
    let graph = SupplierGraph::new(&boot);
    let findings = rules::run_all(&Analysis::new(&boot, &graph));
    let unresolved = crate::support::deferred::still_deferred(&findings);
    assert_eq!(unresolved, truth.deferred.iter().cloned().collect());
    let cycles = findings.iter().filter(|f| f.rule == "supplier-cycle").count();
    assert_eq!(cycles, truth.cycles.len());
}

#[test]
fn graph_views_hold_every_edge_and_stay_deterministic() {
    let (boot, truth) = boot(small());
    let graph = SupplierGraph::new(&boot);
    let whole = view::build(&Analysis::new(&boot, &graph), &ViewOptions::default());
    assert_eq!(whole.edges.len(), truth.links);
    assert_eq!(whole.nodes.len(), boot.devices.len());
    let tsort = view::tsort::render(&whole);
    let pairs = tsort.lines().filter(|l| !l.starts_with("\"ROOT\" ")).count();
    assert_eq!(pairs, truth.pairs);
    let roots: Vec<&str> = tsort.lines().filter(|l| l.starts_with("\"ROOT\" ")).collect();
    assert!(roots.len() >= truth.never_bound.len());
    for head in &truth.never_bound {
        assert!(roots.contains(&format!("\"ROOT\" \"{head}\"").as_str()), "{head}");
    }
    let json = view::json::to_value(&whole).expect("the graph serializes");
    assert_eq!(json["edges"].as_array().map(Vec::len), Some(truth.links));
    let tree = view::tree::render(&whole);
    let words: BTreeSet<&str> = tree.split_whitespace().collect();
    for device in &boot.devices {
        assert!(
            words.contains(device.name.as_str()),
            "{} missing from the tree",
            device.name
        );
    }
    let (again, _) = self::boot(small());
    let graph_again = SupplierGraph::new(&again);
    let whole_again = view::build(&Analysis::new(&again, &graph_again), &ViewOptions::default());
    assert_eq!(view::dot::render(&whole), view::dot::render(&whole_again));
    assert_eq!(tree, view::tree::render(&whole_again));
}

#[test]
fn neighbourhoods_follow_direction_depth_and_kinds() {
    let spec = small();
    let (boot, truth) = boot(spec);
    let graph = SupplierGraph::new(&boot);
    let analysis = Analysis::new(&boot, &graph);
    // The last element of the last chain: its managed suppliers reach its chain's head.
    let (last, roots) = truth
        .root_causes
        .iter()
        .max_by_key(|(_, r)| r.len())
        .expect("chains");
    let id = boot.find(last).expect("chain member");
    let options = ViewOptions {
        focus: vec![id],
        direction: Direction::Suppliers,
        kinds: vec![LinkKind::Managed],
        ..ViewOptions::default()
    };
    let around = view::build(&analysis, &options);
    for root in roots {
        let node = around
            .nodes
            .iter()
            .find(|n| &n.name == root)
            .expect("root in view");
        assert!(node.root && node.status == DeviceStatus::Unbound);
    }
    let limited = view::build(
        &analysis,
        &ViewOptions {
            depth: Some(1),
            ..options.clone()
        },
    );
    let direct: BTreeSet<_> = graph
        .suppliers(id)
        .into_iter()
        .filter(|(_, e)| e.kind == LinkKind::Managed)
        .map(|(s, _)| s)
        .collect();
    assert_eq!(limited.nodes.len(), direct.len() + 1);
    assert!(limited.nodes.len() < around.nodes.len());
    let consumers = view::build(
        &analysis,
        &ViewOptions {
            direction: Direction::Consumers,
            ..options
        },
    );
    let mut closure = BTreeSet::from([id]);
    let mut queue = vec![id];
    while let Some(next) = queue.pop() {
        for (consumer, edge) in graph.consumers(next) {
            if edge.kind == LinkKind::Managed && closure.insert(consumer) {
                queue.push(consumer);
            }
        }
    }
    let shown: BTreeSet<_> = consumers.nodes.iter().map(|n| n.device).collect();
    assert_eq!(shown, closure);
}

#[test]
fn a_deep_chain_renders_as_a_tree_of_bounded_width() {
    let (boot, truth) = boot(Spec {
        devices: 50,
        chains: 1,
        chain_len: 2000,
        cycles: 0,
        ..small()
    });
    let graph = SupplierGraph::new(&boot);
    // The generator numbers chain members in order: the last one waits at the far end.
    let deepest = truth
        .root_causes
        .iter()
        .map(|(name, _)| name)
        .max_by_key(|name| {
            name.rsplit("waiting")
                .next()
                .and_then(|n| n.parse::<usize>().ok())
        })
        .expect("chain");
    let options = ViewOptions {
        focus: vec![boot.find(deepest).expect("chain end")],
        kinds: vec![LinkKind::Managed],
        ..ViewOptions::default()
    };
    let tree = view::tree::render(&view::build(&Analysis::new(&boot, &graph), &options));
    let head = &truth.never_bound[0];
    assert!(
        tree.lines().any(|l| l.contains(&format!("[2000] needs {head}"))),
        "{}",
        tree.lines().last().unwrap_or_default()
    );
    let widest = tree.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest < 250, "a line of {widest} characters");
}
