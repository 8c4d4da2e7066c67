//! `--target` and `--exclude`: plan only part of a stack. A target brings along what it depends
//! on (so it can be created); an exclusion takes along what depends on it (so nothing is
//! planned against a missing dependency). Dependencies come from the configuration's graph.

use std::collections::BTreeSet;

use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::apply::dependencies::static_resource_address;
use crate::graph::{Graph, NodeKind};
use crate::state::InstanceAddress;

/// Which instances a targeted plan may change.
#[derive(Debug, Clone, Default)]
pub struct TargetFilter {
    targets: Vec<String>,
    excludes: Vec<String>,
    /// Static resource addresses the targets depend on.
    needed: BTreeSet<String>,
    /// Static resource addresses that depend on something excluded.
    dependants: BTreeSet<String>,
}

impl TargetFilter {
    /// `None` when nothing is targeted or excluded.
    pub fn new(targets: &[String], excludes: &[String], graph: &Graph) -> Option<TargetFilter> {
        if targets.is_empty() && excludes.is_empty() {
            return None;
        }
        let strip = |text: &String| -> String {
            text.parse::<InstanceAddress>()
                .map(|a| static_resource_address(&a))
                .unwrap_or_else(|_| text.clone())
        };
        let target_static: BTreeSet<String> = targets.iter().map(strip).collect();
        let exclude_static: BTreeSet<String> = excludes.iter().map(strip).collect();
        Some(TargetFilter {
            targets: targets.to_vec(),
            excludes: excludes.to_vec(),
            needed: reachable(graph, &target_static, Direction::Outgoing),
            dependants: reachable(graph, &exclude_static, Direction::Incoming),
        })
    }

    /// Whether the plan may change this instance.
    pub fn allows(&self, address: &InstanceAddress) -> bool {
        let static_address = static_resource_address(address);
        if !self.excludes.is_empty()
            && (self.excludes.iter().any(|e| names(e, address))
                || self.dependants.contains(&static_address))
        {
            return false;
        }
        self.targets.is_empty()
            || self.targets.iter().any(|t| names(t, address))
            || self.needed.contains(&static_address)
    }
}

/// Whether an address pattern as written names this instance: the instance itself, its
/// resource (all instances), or the resource in every module instance.
fn names(pattern: &str, address: &InstanceAddress) -> bool {
    pattern == address.to_string()
        || pattern == address.resource_address()
        || pattern == static_resource_address(address)
}

/// Resource nodes reachable from the given resources along reference edges (excluding them).
fn reachable(graph: &Graph, start: &BTreeSet<String>, direction: Direction) -> BTreeSet<String> {
    let mut stack: Vec<_> = graph
        .graph
        .node_indices()
        .filter(|&id| {
            matches!(graph.node(id).kind, NodeKind::Resource { .. })
                && start.contains(&graph.node(id).address())
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut found = BTreeSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for edge in graph.graph.edges_directed(id, direction) {
            if !edge.weight().is_reference() {
                continue;
            }
            let next = match direction {
                Direction::Outgoing => edge.target(),
                Direction::Incoming => edge.source(),
            };
            if matches!(graph.node(next).kind, NodeKind::Resource { .. }) {
                found.insert(graph.node(next).address());
            }
            stack.push(next);
        }
    }
    found
}
