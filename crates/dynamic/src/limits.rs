//! The bounds every run is held to.

use std::time::Duration;

/// Resource limits of one dynamic run.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Interrupt deadline of each harness call (loading a module counts as one call),
    /// promise jobs and timers it causes included.
    pub call_time: Duration,
    /// QuickJS heap limit of one entry point's runtime.
    pub memory_bytes: usize,
    /// Native stack QuickJS may use (deep recursion becomes a `RangeError`).
    pub stack_bytes: usize,
    /// Harness calls per entry point.
    pub max_calls: usize,
    /// Timer callbacks run after one call.
    pub max_timer_turns: usize,
    /// Entry points run per package.
    pub max_entry_points: usize,
    /// Wall time of the whole package; calls past it are not started (and reported so).
    pub package_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            call_time: Duration::from_millis(1500),
            memory_bytes: 128 << 20,
            stack_bytes: 512 << 10,
            max_calls: 400,
            max_timer_turns: 200,
            max_entry_points: 64,
            package_time: Duration::from_secs(120),
        }
    }
}
