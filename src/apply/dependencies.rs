//! The direct dependencies state records for each instance: the nearest resources an instance's
//! configuration refers to, looking through variables, locals, module calls and outputs. They
//! order deletions when the configuration that would say it is gone.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::NodeIndex;

use crate::graph::{Graph, NodeKind};
use crate::state::{InstanceAddress, State};

/// Static address of a resource node (`module.net.plat_data.vpc`): module names without keys.
fn static_address(graph: &Graph, id: NodeIndex) -> String {
    graph.node(id).address()
}

/// For every resource node, the resources it depends on directly.
pub fn direct_resource_dependencies(graph: &Graph) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for id in graph.graph.node_indices() {
        if !matches!(graph.node(id).kind, NodeKind::Resource { .. }) {
            continue;
        }
        let mut found = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<NodeIndex> = references_of(graph, id).collect();
        while let Some(next) = stack.pop() {
            if !seen.insert(next) {
                continue;
            }
            if matches!(graph.node(next).kind, NodeKind::Resource { .. }) {
                found.insert(static_address(graph, next));
            } else {
                stack.extend(references_of(graph, next));
            }
        }
        out.insert(static_address(graph, id), found.into_iter().collect());
    }
    out
}

fn references_of(graph: &Graph, id: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
    graph
        .graph
        .edges(id)
        .filter(|e| e.weight().is_reference())
        .map(|e| petgraph::visit::EdgeRef::target(&e))
}

/// The static form of an instance's resource address (module keys dropped).
pub fn static_resource_address(address: &InstanceAddress) -> String {
    let stripped = InstanceAddress {
        module: address
            .module
            .iter()
            .map(|(name, _)| (name.clone(), crate::expand::InstanceKey::None))
            .collect(),
        key: crate::expand::InstanceKey::None,
        ..address.clone()
    };
    stripped.resource_address()
}

/// Writes each instance's direct dependencies into the state.
pub fn record(state: &mut State, graph: &Graph) {
    let dependencies = direct_resource_dependencies(graph);
    for (resource_address, resource) in state.resources.iter_mut() {
        let Ok(address) = <InstanceAddress as std::str::FromStr>::from_str(resource_address) else {
            continue;
        };
        let Some(deps) = dependencies.get(&static_resource_address(&address)) else {
            continue;
        };
        for instance in resource.instances.values_mut() {
            instance.dependencies = deps.clone();
        }
    }
}
