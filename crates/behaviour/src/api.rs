//! Which resolved callees mean what: network, DNS, process spawns, file reads and writes,
//! dynamic code, unsafe deserialisation, host fingerprinting.

/// Packages whose calls are outbound HTTP/socket traffic.
const NET_MODULES: &[&str] = &[
    "http",
    "https",
    "http2",
    "net",
    "tls",
    "dgram",
    "dns",
    "dns/promises",
    "node-fetch",
    "axios",
    "got",
    "request",
    "superagent",
    "needle",
    "undici",
    "ws",
    "socket.io-client",
    "cross-fetch",
    "isomorphic-fetch",
    "phin",
    "bent",
    "ky",
    "make-fetch-happen",
    "request-promise",
];
/// Members of network modules that open nothing.
const NOT_EGRESS: &[&str] = &[
    "createServer",
    "Agent",
    "STATUS_CODES",
    "METHODS",
    "Server",
    "isIP",
    "isIPv4",
    "isIPv6",
];

fn split(callee: &str) -> (&str, &str) {
    // Scoped packages keep their slash: `@scope/pkg.member`.
    match callee.split_once('.') {
        Some((m, rest)) => (m, rest),
        None => (callee, ""),
    }
}

/// Outbound network or DNS.
pub fn is_network(callee: &str) -> bool {
    if matches!(
        callee,
        "fetch" | "XMLHttpRequest" | "WebSocket" | "EventSource" | "navigator.sendBeacon"
    ) {
        return true;
    }
    let (m, rest) = split(callee);
    NET_MODULES.contains(&m)
        && !NOT_EGRESS
            .iter()
            .any(|n| rest == *n || rest.starts_with(&format!("{n}.")))
        && !(matches!(m, "http" | "https" | "net" | "tls" | "dgram" | "http2") && rest.is_empty())
}

/// DNS lookups (a side channel that works where HTTP egress is blocked).
pub fn is_dns(callee: &str) -> bool {
    let (m, _) = split(callee);
    m == "dns" || m == "dns/promises"
}

/// Starting another process.
pub fn is_spawn(callee: &str) -> bool {
    let (m, rest) = split(callee);
    match m {
        "child_process" => matches!(
            rest,
            "exec" | "execSync" | "spawn" | "spawnSync" | "execFile" | "execFileSync" | "fork"
        ),
        "execa" | "cross-spawn" => true,
        "shelljs" => rest == "exec",
        "process" => rest == "dlopen" || rest == "binding",
        _ => false,
    }
}

/// Reading files or listing directories.
pub fn is_fs_read(callee: &str) -> bool {
    let (m, rest) = split(callee);
    let rest = rest.strip_prefix("promises.").unwrap_or(rest);
    matches!(m, "fs" | "fs/promises" | "fs-extra" | "graceful-fs")
        && (rest.starts_with("read")
            || rest.starts_with("createReadStream")
            || rest.starts_with("opendir")
            || rest.starts_with("copyFile")
            || rest.starts_with("exists")
            || rest.starts_with("stat")
            || rest.starts_with("access"))
        || matches!(m, "glob" | "fast-glob" | "globby")
}

/// Writing, copying or renaming files.
pub fn is_fs_write(callee: &str) -> bool {
    let (m, rest) = split(callee);
    let rest = rest.strip_prefix("promises.").unwrap_or(rest);
    matches!(m, "fs" | "fs/promises" | "fs-extra" | "graceful-fs")
        && [
            "writeFile",
            "appendFile",
            "createWriteStream",
            "copyFile",
            "cp",
            "rename",
            "symlink",
            "outputFile",
            "copy",
            "move",
        ]
        .iter()
        .any(|w| rest.starts_with(w))
}

/// Code built from a string at run time.
pub fn is_dynamic_code(callee: &str) -> bool {
    matches!(
        callee,
        "eval"
            | "Function"
            | "vm.runInThisContext"
            | "vm.runInNewContext"
            | "vm.runInContext"
            | "vm.Script"
            | "vm.compileFunction"
            | "vm.SourceTextModule"
            | "module._compile"
            | "Module._compile"
            | "module.prototype._compile"
    ) || callee.ends_with("._compile")
}

/// Deserialisers that run code embedded in their input.
pub fn is_unsafe_deserialize(callee: &str) -> bool {
    matches!(
        callee,
        "node-serialize.unserialize"
            | "serialize-to-js.deserialize"
            | "funcster.deepDeserialize"
            | "cryo.parse"
            | "js-yaml.load"
            | "yaml-js.load"
    )
}

/// Host facts malware sends home first.
pub fn is_fingerprint(callee: &str) -> bool {
    matches!(
        callee,
        "os.hostname"
            | "os.userInfo"
            | "os.networkInterfaces"
            | "os.platform"
            | "os.arch"
            | "os.release"
            | "os.type"
            | "os.cpus"
            | "os.homedir"
    )
}

pub fn is_homedir(callee: &str) -> bool {
    callee == "os.homedir"
}

pub fn is_timer(callee: &str) -> bool {
    matches!(
        callee,
        "setInterval"
            | "setTimeout"
            | "timers.setInterval"
            | "cron.schedule"
            | "node-cron.schedule"
    )
}

/// Environment variables that hold credentials or point at the user's profile.
pub fn is_sensitive_env(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "PRIVATE",
        "CREDENTIAL",
        "AWS_",
        "NPM_AUTH",
        "SESSION",
    ]
    .iter()
    .any(|k| n.contains(k))
}

pub fn is_home_env(name: &str) -> bool {
    matches!(
        name,
        "HOME" | "USERPROFILE" | "APPDATA" | "LOCALAPPDATA" | "HOMEPATH"
    )
}
