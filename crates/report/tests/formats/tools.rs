//! Locating (and if needed installing) the external validators.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn node_modules() -> PathBuf {
    workspace_root().join(".tools/node_modules")
}

pub fn multitool() -> PathBuf {
    node_modules().join("@microsoft/sarif-multitool-linux/Sarif.Multitool")
}

pub fn sarif_schema() -> PathBuf {
    node_modules().join("@microsoft/sarif-multitool-linux/sarif-2.1.0.json")
}

pub fn cyclonedx_schema_dir() -> PathBuf {
    node_modules().join("@cyclonedx/cyclonedx-library/res/schema")
}

/// Makes sure the tools exist, running the install script once per test process.
pub fn ensure() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let present = multitool().is_file()
            && sarif_schema().is_file()
            && cyclonedx_schema_dir()
                .join("bom-1.6.SNAPSHOT.schema.json")
                .is_file();
        if present {
            return;
        }
        let script = workspace_root().join("scripts/install-test-tools.sh");
        let status = Command::new("bash")
            .arg(&script)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            status.success(),
            "{} failed ({status}); the SARIF/CycloneDX validation tests need it (npm registry access)",
            script.display()
        );
    });
}

pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}
