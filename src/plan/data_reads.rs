//! Which managed resources a data source waits for: a data source whose dependencies have planned
//! changes is read during apply, after them, rather than during plan (Terraform's rule).
//!
//! A data source depends on:
//! - every managed resource its arguments refer to directly (a reference says the data source
//!   needs that resource in some way, even when the referred value is already known);
//! - for each `depends_on` entry: the resource it names, or, for a local, variable, data source
//!   or module, every managed resource upstream of it;
//! - the same, for the `depends_on` of every module call it sits inside.
//!
//! References that only pass through locals or variables do not count: when what they carry is
//! known, the data source is read during plan.

use std::collections::{BTreeSet, HashMap};

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::graph::{EdgeKind, Graph, NodeKind};
use crate::lang::config::ResourceMode;

/// For every data source (static address, `module.a.data.x.y`), the static addresses of the
/// managed resources whose planned changes defer its read to apply. Data sources with none are
/// left out.
pub fn read_after(graph: &Graph) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for id in graph.graph.node_indices() {
        if !is_resource(graph, id, ResourceMode::Data) {
            continue;
        }
        let mut found = BTreeSet::new();
        for edge in graph.graph.edges(id) {
            match edge.weight() {
                EdgeKind::Reference if is_resource(graph, edge.target(), ResourceMode::Managed) => {
                    found.insert(edge.target());
                }
                EdgeKind::DependsOn => depends_on_entry(graph, edge.target(), &mut found),
                _ => {}
            }
        }
        for call in enclosing_calls(graph, id) {
            for edge in graph.graph.edges(call) {
                if *edge.weight() == EdgeKind::DependsOn {
                    depends_on_entry(graph, edge.target(), &mut found);
                }
            }
        }
        if !found.is_empty() {
            let addresses = found.into_iter().map(|n| graph.node(n).address()).collect();
            out.insert(graph.node(id).address(), addresses);
        }
    }
    out
}

fn is_resource(graph: &Graph, id: NodeIndex, wanted: ResourceMode) -> bool {
    matches!(graph.node(id).kind, NodeKind::Resource { mode, .. } if mode == wanted)
}

/// A `depends_on` entry: the resource it names, or every managed resource upstream of it.
fn depends_on_entry(graph: &Graph, entry: NodeIndex, found: &mut BTreeSet<NodeIndex>) {
    if is_resource(graph, entry, ResourceMode::Managed) {
        found.insert(entry);
        return;
    }
    let mut seen = BTreeSet::new();
    let mut stack = vec![entry];
    while let Some(next) = stack.pop() {
        if !seen.insert(next) {
            continue;
        }
        if is_resource(graph, next, ResourceMode::Managed) {
            found.insert(next);
        }
        stack.extend(graph.dependencies(next));
    }
}

/// The module calls a node sits inside (the graph links a node to every enclosing call).
fn enclosing_calls(graph: &Graph, id: NodeIndex) -> Vec<NodeIndex> {
    graph
        .graph
        .edges(id)
        .filter(|e| *e.weight() == EdgeKind::Expansion)
        .map(|e| e.target())
        .collect()
}
