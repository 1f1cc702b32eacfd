//! One file per rule: its declaration and the check that reports it.

pub mod canary_exfiltration;
pub mod crash_on_malformed;
pub mod decode_and_run;
pub mod input_reaches_sink;
pub mod install_time;
pub mod runaway;
pub mod undeclared_egress;
