//! Analysing a stack: load → variable values → graph → expansion, collecting every diagnostic.
//! Commands (`validate`, `console`, `graph`, and later `plan`) start from an [`Analysis`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::expand::inputs::{self, VarSources};
use crate::expand::{self, Expanded, Options};
use crate::graph::{self, Graph};
use crate::lang::config::Config;
use crate::lang::diagnostics::Diagnostics;
use crate::lang::load;
use crate::lang::source::SourceMap;
use crate::lang::value::Value;

/// Everything known about a stack without talking to a cloud.
pub struct Analysis {
    pub sources: SourceMap,
    pub config: Config,
    pub graph: Graph,
    /// `None` when loading failed so badly that nothing could be evaluated.
    pub expanded: Option<Expanded>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct AnalysisRequest {
    pub stack_dir: PathBuf,
    pub vars: VarSources,
    pub env: String,
    /// Root variables without a value are unknown instead of an error (validate, graph).
    pub allow_missing_variables: bool,
}

impl AnalysisRequest {
    pub fn new(stack_dir: impl AsRef<Path>) -> AnalysisRequest {
        AnalysisRequest {
            stack_dir: stack_dir.as_ref().to_path_buf(),
            vars: VarSources {
                environment: true,
                ..VarSources::default()
            },
            env: "default".into(),
            allow_missing_variables: true,
        }
    }
}

/// Loads and evaluates a stack. Every problem is in `diagnostics`; the stages after a failing one
/// still run where they can, so that one run reports as much as possible.
pub fn analyse(request: &AnalysisRequest) -> Analysis {
    analyse_with(request, &mut expand::KeepConfigured)
}

/// [`analyse`] with a hook that decides each resource instance's value (the planner's).
pub fn analyse_with(request: &AnalysisRequest, hook: &mut dyn expand::InstanceHook) -> Analysis {
    let loaded = load(request);
    evaluate(loaded, request, hook)
}

/// A loaded stack, before evaluation: the planner reads its settings (where state lives) first.
pub struct Loaded {
    pub sources: SourceMap,
    pub config: Config,
    pub diagnostics: Diagnostics,
    timer: PhaseTimer,
}

impl Analysis {
    /// The loaded stack again, for a second evaluation of the very files already read (apply
    /// after its plan). Load diagnostics are not carried over: the caller has reported them.
    pub fn into_loaded(self) -> Loaded {
        Loaded {
            sources: self.sources,
            config: self.config,
            diagnostics: Diagnostics::new(),
            timer: PhaseTimer::from_env(),
        }
    }
}

/// Loads a stack's files and checks what needs no evaluation.
pub fn load(request: &AnalysisRequest) -> Loaded {
    let mut timer = PhaseTimer::from_env();
    let mut sources = SourceMap::new();
    let (config, mut diagnostics) = load::load_stack(&request.stack_dir, &mut sources);
    diagnostics.extend(crate::lang::meta_check::check(&config));
    timer.phase("load");
    Loaded {
        sources,
        config,
        diagnostics,
        timer,
    }
}

/// Evaluates a loaded stack: variable values, graph, expansion (with `hook` deciding what each
/// resource instance's value is).
pub fn evaluate(
    loaded: Loaded,
    request: &AnalysisRequest,
    hook: &mut dyn expand::InstanceHook,
) -> Analysis {
    prepare(loaded, request).expand(request, hook)
}

/// A stack with its variable values and graph, ready to expand. Needs no state: plan builds it
/// while the state is being read.
pub struct Prepared {
    sources: SourceMap,
    pub config: Config,
    diagnostics: Diagnostics,
    timer: PhaseTimer,
    given: BTreeMap<String, inputs::GivenValue>,
    graph: Graph,
}

/// The first part of [`evaluate`]: variable values and the graph.
pub fn prepare(loaded: Loaded, request: &AnalysisRequest) -> Prepared {
    let Loaded {
        mut sources,
        config,
        mut diagnostics,
        mut timer,
    } = loaded;
    let (given, var_diagnostics) = inputs::collect(config.root(), &request.vars, &mut sources);
    diagnostics.extend(var_diagnostics);
    timer.phase("inputs");
    let (graph, graph_diagnostics) = graph::build(&config);
    timer.phase("graph");
    diagnostics.extend(graph_diagnostics);
    Prepared {
        sources,
        config,
        diagnostics,
        timer,
        given,
        graph,
    }
}

impl Prepared {
    /// The rest of [`evaluate`]: every declaration of every module and instance.
    pub fn expand(
        self,
        request: &AnalysisRequest,
        hook: &mut dyn expand::InstanceHook,
    ) -> Analysis {
        let Prepared {
            sources,
            config,
            mut diagnostics,
            mut timer,
            given,
            graph,
        } = self;
        let expanded = if graph.evaluation_order().is_err() {
            None
        } else {
            let options = Options {
                env: request.env.clone(),
                allow_missing_variables: request.allow_missing_variables,
            };
            let (expanded, expand_diagnostics) =
                expand::expand(&config, &graph, &given, &options, hook);
            for d in expand_diagnostics {
                diagnostics.push_follow_on(d);
            }
            timer.phase("expand");
            Some(expanded)
        };
        diagnostics.sort();
        Analysis {
            sources,
            config,
            graph,
            expanded,
            diagnostics,
        }
    }
}

/// The evaluated root `provider` blocks of providers that take configuration (by `name` or
/// `name.alias`), for configuring them before refresh. Errors in them are reported by the full
/// evaluation later; here they leave the configuration unknown.
pub fn provider_configs(loaded: &Loaded, request: &AnalysisRequest) -> BTreeMap<String, Value> {
    let registry = crate::providers::registry();
    let configurable = loaded
        .config
        .root()
        .providers
        .iter()
        .any(|p| registry.configurer(&p.name).is_some());
    if !configurable {
        return BTreeMap::new();
    }
    let mut sources = loaded.sources.clone();
    let (given, _) = inputs::collect(loaded.config.root(), &request.vars, &mut sources);
    let (graph, _) = graph::build(&loaded.config);
    if graph.evaluation_order().is_err() {
        return BTreeMap::new();
    }
    let options = Options {
        env: request.env.clone(),
        allow_missing_variables: request.allow_missing_variables,
    };
    let (expanded, _) = expand::expand_providers(&loaded.config, &graph, &given, &options);
    expanded.providers
}

/// Phase timings on standard error when `PLAT_TIMINGS` is set: where a slow run spends its time.
struct PhaseTimer {
    last: Option<std::time::Instant>,
}

impl PhaseTimer {
    fn from_env() -> PhaseTimer {
        PhaseTimer {
            last: std::env::var_os("PLAT_TIMINGS").map(|_| std::time::Instant::now()),
        }
    }

    fn phase(&mut self, name: &str) {
        if let Some(last) = self.last {
            // Peak and current resident memory so far (Linux), to see which phase sets the peak.
            let memory = std::fs::read_to_string("/proc/self/status")
                .ok()
                .map(|status| {
                    status
                        .lines()
                        .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
                        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            eprintln!(
                "timing: {name} {:.1} ms ({memory} kB)",
                last.elapsed().as_secs_f64() * 1000.0
            );
            self.last = Some(std::time::Instant::now());
        }
    }
}
