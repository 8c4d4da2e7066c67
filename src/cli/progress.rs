//! Progress of an apply: on a terminal, a live line per operation in flight (with a spinner
//! and elapsed time) above which finished operations are printed; otherwise plain lines.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::apply::Progress;

/// The progress sink for `apply`/`destroy`.
pub fn progress_sink() -> Progress {
    if !std::io::stdout().is_terminal() {
        return Arc::new(|line: String| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        });
    }
    let view = Arc::new(LiveView {
        bars: MultiProgress::new(),
        running: Mutex::new(HashMap::new()),
    });
    Arc::new(move |line: String| view.show(line))
}

struct LiveView {
    bars: MultiProgress,
    running: Mutex<HashMap<String, ProgressBar>>,
}

impl LiveView {
    /// Lines look like `ADDRESS: Creating...`, `ADDRESS: Still creating... [10s elapsed]`,
    /// `ADDRESS: Creation complete after 3s [id=...]`.
    fn show(&self, line: String) {
        let Some((address, message)) = line.split_once(": ") else {
            let _ = self.bars.println(&line);
            return;
        };
        let Ok(mut running) = self.running.lock() else {
            return;
        };
        if message.ends_with("...") {
            let bar = self.bars.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(format!("{address}: {message}"));
            bar.enable_steady_tick(Duration::from_millis(120));
            running.insert(address.to_string(), bar);
        } else if message.starts_with("Still ") {
            // The spinner already shows the elapsed time.
        } else {
            if let Some(bar) = running.remove(address) {
                bar.finish_and_clear();
                self.bars.remove(&bar);
            }
            let _ = self.bars.println(&line);
        }
    }
}
