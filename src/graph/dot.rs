//! Renders the dependency graph as Graphviz DOT.

use std::fmt::Write;

use super::{Graph, NodeKind};

/// DOT text: one node per declaration (shaped by kind, clustered by module), edges from each node
/// to what it depends on. Output is sorted so that it is stable across runs.
pub fn render(graph: &Graph) -> String {
    let mut nodes: Vec<(String, &'static str)> = graph
        .graph
        .node_indices()
        .map(|i| {
            let node = graph.node(i);
            let shape = match node.kind {
                NodeKind::Variable(_) => "note",
                NodeKind::Local(_) => "box",
                NodeKind::Resource { .. } => "box3d",
                NodeKind::ModuleCall(_) => "component",
                NodeKind::Output(_) => "cds",
                NodeKind::Provider { .. } => "diamond",
            };
            (node.address(), shape)
        })
        .collect();
    nodes.sort();
    let mut edges: Vec<(String, String)> = graph
        .graph
        .edge_indices()
        // Expansion edges (module contents → module call) are implied by the clusters of names.
        .filter(|e| graph.graph[*e].is_reference())
        .filter_map(|e| graph.graph.edge_endpoints(e))
        .map(|(a, b)| (graph.node(a).address(), graph.node(b).address()))
        .collect();
    edges.sort();
    let mut out =
        String::from("digraph plat {\n  rankdir = \"RL\";\n  node [fontname = \"sans-serif\"];\n");
    for (name, shape) in &nodes {
        let _ = writeln!(out, "  \"{}\" [shape = {shape}];", escape(name));
    }
    for (from, to) in &edges {
        let _ = writeln!(out, "  \"{}\" -> \"{}\";", escape(from), escape(to));
    }
    out.push_str("}\n");
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
