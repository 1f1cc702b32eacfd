//! Rule-specific checks the evaluator calls: one file per check, each an `impl Engine` block
//! that reads the evaluator's values and reports through its finding helpers. The taint
//! sinks, sources and patterns themselves are data (`specs/*.toml`).

mod cleartext;
mod hidden_call;
mod prototype_pollution;
mod randomness;
mod redos;
mod shell_spawn;
mod tls;
