//! One QuickJS runtime per entry point: the prelude's world, the platform harness's calls,
//! each under an interrupt deadline, inside one memory limit.
//!
//! The only bindings the JavaScript side gets are three functions handed to the prelude
//! (never left on the global object): `record` appends an observation, `read` looks a path
//! up in the package's own files held in memory, `compile` turns module source into a
//! function with its file name (for stack locations). There is no file, network or process
//! API at all; the Node core modules the code sees are the prelude's recording stubs.

use crate::limits::Limits;
use rquickjs::{CatchResultExt, Context, Ctx, Function, Object, Runtime, Value, qjs};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const PRELUDE: &str = include_str!("js/prelude.js");
/// Bytes of observations kept per entry point; past it the run continues unrecorded.
const MAX_EVENT_BYTES: usize = 16 << 20;
/// Promise jobs run between two timer turns before the call counts as spinning.
const MAX_JOBS_PER_TURN: usize = 200_000;

/// How the entry point is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A platform module: loaded, then its nodes driven by the platform harness.
    Module,
    /// A lifecycle script file (`node install.js`): loaded, nothing called.
    Script,
    /// Inline lifecycle code (`node -e "…"`): the string is the code.
    Inline,
}

/// How one entry point's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every planned call ran (whatever each call did).
    Completed,
    /// A call ran past its deadline and was interrupted.
    TimedOut,
    /// The runtime hit its memory limit.
    OutOfMemory,
    /// The sandbox itself could not be set up (a bug, reported as such).
    SandboxError,
}

/// What one entry point's run produced.
#[derive(Debug, Clone)]
pub struct EntryRun {
    pub outcome: Outcome,
    /// Harness calls planned and started.
    pub calls_planned: usize,
    pub calls_run: usize,
    /// Observations as the prelude recorded them (JSON objects with a `kind`).
    pub events: Vec<serde_json::Value>,
    /// The call that ran into a limit, with the limit's detail.
    pub limit_hit: Option<(String, String)>,
    pub wall: Duration,
    /// Largest QuickJS heap seen (bytes).
    pub peak_memory: u64,
    pub sandbox_error: Option<String>,
}

struct Deadline {
    at_ms: AtomicU64,
    hit: AtomicBool,
    origin: Instant,
}

impl Deadline {
    fn arm(&self, budget: Duration) {
        self.hit.store(false, Ordering::SeqCst);
        let now = self.origin.elapsed().as_millis() as u64;
        self.at_ms
            .store(now + budget.as_millis() as u64, Ordering::SeqCst);
    }
    fn expired(&self) -> bool {
        let now = self.origin.elapsed().as_millis() as u64;
        let hit = now > self.at_ms.load(Ordering::SeqCst);
        if hit {
            self.hit.store(true, Ordering::SeqCst);
        }
        hit
    }
}

/// Runs one entry point. `files` are the package's text files by package-relative path;
/// `config` is the JSON the prelude reads (canary hints, environment).
pub fn run_entry(
    files: Rc<HashMap<String, String>>,
    platform: &str,
    entry: &str,
    kind: EntryKind,
    config: &str,
    limits: &Limits,
    stop_at: Instant,
) -> EntryRun {
    let started = Instant::now();
    let mut run = EntryRun {
        outcome: Outcome::Completed,
        calls_planned: 0,
        calls_run: 0,
        events: Vec::new(),
        limit_hit: None,
        wall: Duration::ZERO,
        peak_memory: 0,
        sandbox_error: None,
    };
    let rt = match Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            run.outcome = Outcome::SandboxError;
            run.sandbox_error = Some(e.to_string());
            return run;
        }
    };
    rt.set_memory_limit(limits.memory_bytes);
    rt.set_max_stack_size(limits.stack_bytes);
    let deadline = Arc::new(Deadline {
        at_ms: AtomicU64::new(u64::MAX),
        hit: AtomicBool::new(false),
        origin: Instant::now(),
    });
    let d = Arc::clone(&deadline);
    rt.set_interrupt_handler(Some(Box::new(move || d.expired())));
    let ctx = match Context::full(&rt) {
        Ok(c) => c,
        Err(e) => {
            run.outcome = Outcome::SandboxError;
            run.sandbox_error = Some(e.to_string());
            return run;
        }
    };
    let events: Rc<RefCell<(Vec<String>, usize)>> = Rc::new(RefCell::new((Vec::new(), 0)));

    ctx.with(|ctx| {
        let api = match setup(&ctx, &files, &events, config) {
            Ok(api) => api,
            Err(e) => {
                run.outcome = Outcome::SandboxError;
                run.sandbox_error = Some(e);
                return;
            }
        };
        let get = |name: &str| api.get::<_, Function>(name);
        let (Ok(prepare), Ok(call), Ok(turn), Ok(finish), Ok(label)) = (
            get("prepare"),
            get("call"),
            get("turn"),
            get("finish"),
            get("label"),
        ) else {
            run.outcome = Outcome::SandboxError;
            run.sandbox_error = Some("prelude API incomplete".into());
            return;
        };

        let kind_name = match kind {
            EntryKind::Module => "module",
            EntryKind::Script => "script",
            EntryKind::Inline => "inline",
        };
        let load_label = format!("load:{entry}");
        deadline.arm(limits.call_time);
        let planned = prepare
            .call::<_, i32>((platform, entry, kind_name))
            .catch(&ctx);
        let step = |what: &str, run: &mut EntryRun| -> bool {
            if let Some(reason) = limit_reached(&ctx, &deadline, run, limits) {
                run.limit_hit = Some((what.to_string(), reason));
                return false;
            }
            // Promise jobs and timers until quiet, under the same deadline.
            for _ in 0..limits.max_timer_turns {
                if !drain(&ctx, &deadline) {
                    break;
                }
                let ran = turn.call::<_, i32>((1,)).catch(&ctx);
                if limit_reached(&ctx, &deadline, run, limits).is_some() || ran.is_err() {
                    break;
                }
                if ran.unwrap_or(0) == 0 && !job_pending(&ctx) {
                    break;
                }
            }
            run.peak_memory = run.peak_memory.max(mem_used(&ctx));
            if let Some(reason) = limit_reached(&ctx, &deadline, run, limits) {
                run.limit_hit = Some((what.to_string(), reason));
                return false;
            }
            true
        };
        let planned = match planned {
            Ok(n) => n.max(0) as usize,
            Err(e) => {
                if !is_limit(&ctx, &deadline, limits) {
                    run.sandbox_error = Some(format!("prepare: {e}"));
                }
                0
            }
        };
        if !step(&load_label, &mut run) {
            return;
        }
        run.calls_planned = planned.min(limits.max_calls);
        for i in 0..run.calls_planned {
            if Instant::now() >= stop_at {
                break;
            }
            let name = label
                .call::<_, String>((i as i32,))
                .unwrap_or_else(|_| format!("call {i}"));
            deadline.arm(limits.call_time);
            let r = call.call::<_, ()>((i as i32,)).catch(&ctx);
            run.calls_run += 1;
            if r.is_err() && is_limit(&ctx, &deadline, limits) {
                run.limit_hit = Some((name, limit_reason(&ctx, &deadline, limits)));
                break;
            }
            if !step(&name, &mut run) {
                break;
            }
            deadline.arm(limits.call_time);
            let _ = finish.call::<_, ()>((i as i32,)).catch(&ctx);
        }
    });
    if let Some((_, reason)) = &run.limit_hit {
        run.outcome = if reason.starts_with("memory") {
            Outcome::OutOfMemory
        } else {
            Outcome::TimedOut
        };
    }
    run.peak_memory = run
        .peak_memory
        .max(rt.memory_usage().malloc_size.max(0) as u64);
    drop(ctx);
    let (raw, _) = std::mem::take(&mut *events.borrow_mut());
    run.events = raw
        .iter()
        .filter_map(|s| serde_json::from_str(s).ok())
        .collect();
    run.wall = started.elapsed();
    run
}

/// Installs the bindings, evaluates the prelude, returns its API object.
fn setup<'js>(
    ctx: &Ctx<'js>,
    files: &Rc<HashMap<String, String>>,
    events: &Rc<RefCell<(Vec<String>, usize)>>,
    config: &str,
) -> Result<Object<'js>, String> {
    let host = Object::new(ctx.clone()).map_err(|e| e.to_string())?;
    let ev = Rc::clone(events);
    let record = Function::new(ctx.clone(), move |s: String| {
        let mut ev = ev.borrow_mut();
        if ev.1 + s.len() <= MAX_EVENT_BYTES {
            ev.1 += s.len();
            ev.0.push(s);
        }
    })
    .map_err(|e| e.to_string())?;
    let fs = Rc::clone(files);
    let read = Function::new(ctx.clone(), move |p: String| -> Option<String> {
        fs.get(&p).cloned()
    })
    .map_err(|e| e.to_string())?;
    let compile = Function::new(
        ctx.clone(),
        |ctx: Ctx<'js>, src: String, name: String| -> rquickjs::Result<Value<'js>> {
            eval_named(&ctx, &src, &name)
        },
    )
    .map_err(|e| e.to_string())?;
    host.set("record", record).map_err(|e| e.to_string())?;
    host.set("read", read).map_err(|e| e.to_string())?;
    host.set("compile", compile).map_err(|e| e.to_string())?;
    host.set("config", config).map_err(|e| e.to_string())?;
    let factory: Function = eval_named(ctx, PRELUDE, "<portcullis>")
        .and_then(|v| v.get())
        .catch(ctx)
        .map_err(|e| format!("prelude: {e}"))?;
    factory
        .call::<_, Object>((host,))
        .catch(ctx)
        .map_err(|e| format!("prelude: {e}"))
}

/// `JS_Eval` with a file name, so stack frames name the package file. rquickjs's safe
/// `eval` always names the script `eval_script`.
fn eval_named<'js>(ctx: &Ctx<'js>, src: &str, name: &str) -> rquickjs::Result<Value<'js>> {
    let name = CString::new(name.replace('\0', "")).map_err(|_| rquickjs::Error::Unknown)?;
    let len = src.len();
    let src = CString::new(src)
        .map_err(|_| rquickjs::Exception::throw_syntax(ctx, "source contains a NUL byte"))?;
    // SAFETY: `src` is NUL-terminated and `len` excludes the terminator, as JS_Eval requires;
    // the returned value is owned and handed to `Value::from_raw`, which frees it.
    unsafe {
        let v = qjs::JS_Eval(
            ctx.as_raw().as_ptr(),
            src.as_ptr(),
            len as _,
            name.as_ptr(),
            qjs::JS_EVAL_TYPE_GLOBAL as i32,
        );
        if qjs::JS_IsException(v) {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Value::from_raw(ctx.clone(), v))
    }
}

/// Runs pending promise jobs; `false` when the deadline stopped it.
fn drain(ctx: &Ctx<'_>, deadline: &Deadline) -> bool {
    for _ in 0..MAX_JOBS_PER_TURN {
        if deadline.hit.load(Ordering::SeqCst) {
            return false;
        }
        if !ctx.execute_pending_job() {
            return true;
        }
    }
    // A promise chain that never ends counts as out of time.
    deadline.hit.store(true, Ordering::SeqCst);
    false
}

fn is_limit(rt: &Ctx<'_>, deadline: &Deadline, limits: &Limits) -> bool {
    deadline.hit.load(Ordering::SeqCst) || memory_full(rt, limits)
}

fn memory_full(rt: &Ctx<'_>, limits: &Limits) -> bool {
    // QuickJS refuses allocations past the limit; close to it, the next one fails.
    let used = mem_used(rt);
    used as f64 >= limits.memory_bytes as f64 * 0.9
}

fn limit_reason(rt: &Ctx<'_>, deadline: &Deadline, limits: &Limits) -> String {
    if memory_full(rt, limits) {
        format!("memory limit of {} MiB reached", limits.memory_bytes >> 20)
    } else if deadline.hit.load(Ordering::SeqCst) {
        format!("time limit of {} ms reached", limits.call_time.as_millis())
    } else {
        "limit reached".into()
    }
}

fn limit_reached(
    rt: &Ctx<'_>,
    deadline: &Deadline,
    _run: &EntryRun,
    limits: &Limits,
) -> Option<String> {
    is_limit(rt, deadline, limits).then(|| limit_reason(rt, deadline, limits))
}

// The runtime is borrowed by `Context::with`; these read it through the context's pointer.

fn mem_used(ctx: &Ctx<'_>) -> u64 {
    // SAFETY: the runtime outlives the context borrowed here; JS_ComputeMemoryUsage only
    // reads the runtime's allocator statistics into the zeroed struct.
    unsafe {
        let rt = qjs::JS_GetRuntime(ctx.as_raw().as_ptr());
        let mut u: qjs::JSMemoryUsage = std::mem::zeroed();
        qjs::JS_ComputeMemoryUsage(rt, &mut u);
        u.malloc_size.max(0) as u64
    }
}

fn job_pending(ctx: &Ctx<'_>) -> bool {
    // SAFETY: as above; JS_IsJobPending reads the job queue.
    unsafe { qjs::JS_IsJobPending(qjs::JS_GetRuntime(ctx.as_raw().as_ptr())) }
}
