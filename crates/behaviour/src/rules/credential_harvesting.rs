use super::{Cx, Hit, has_network, norm};
use crate::api;
use portcullis_core::Severity;
use portcullis_core::declare_rule;
use portcullis_core::rule::Signal;

declare_rule! {
    /// ## What it does
    /// Finds code that reads the credential stores of other programs: browser profiles
    /// (`Local Storage/leveldb`, `Login Data`, `Cookies`, Firefox `logins.json`), Discord and
    /// Slack token stores and crypto wallets, and — when the same file reads two or more of
    /// them — macOS keychains, `~/.ssh`, `~/.npmrc`, `~/.aws`, `~/.docker/config.json`,
    /// `~/.kube/config`, `~/.git-credentials`, `~/.netrc`. With network access in the same
    /// file it is also exfiltration.
    ///
    /// ## Why is this bad?
    /// An extension has no business opening another program's secrets. Token stealers
    /// published to npm walk Discord's and Chrome's `leveldb` files for tokens and send them
    /// to a webhook; others copy `~/.npmrc` and `~/.ssh` to take over the developer's
    /// packages and servers. Tools that read `~/.npmrc` for registry settings, and SDKs that
    /// read `~/.aws` for their own profile, exist: one such store alone does not fire.
    ///
    /// ## Example
    /// ```js
    /// const dir = path.join(process.env.APPDATA, 'discord', 'Local Storage', 'leveldb');
    /// for (const f of fs.readdirSync(dir)) scan(fs.readFileSync(path.join(dir, f), 'utf8'));
    /// ```
    ///
    /// ## Use instead
    /// Take credentials from the platform's credential store (n8n credentials, Node-RED
    /// `credentials`, Forge secrets) that the user configured for this extension.
    ///
    /// ## References
    /// - CWE-522: Insufficiently Protected Credentials
    /// - CWE-200: Exposure of Sensitive Information
    /// - GuardDog `npm-steganography`, `npm-exfiltrate-sensitive-data` behaviours
    pub static RULE = {
        id: "behaviour/credential-harvesting",
        title: "Reads other programs' credential stores",
        category: SupplyChain,
        severity: Critical,
        confidence: High,
        summary: "Code opens browser, Discord, Slack, wallet, keychain or CLI credential stores",
        cwe: [522, 200],
        signals: [CredentialHarvesting],
        fixtures: [
            pos "crates/behaviour/fixtures/credential-harvesting/pos/discord-token-grabber.js",
            pos "crates/behaviour/fixtures/credential-harvesting/pos/npmrc-ssh-upload.js",
            neg "crates/behaviour/fixtures/credential-harvesting/neg/registry-auth.js",
        ],
    }
}

/// (fragment, store, needs a second behaviour). Fragments are matched on `/`-normalised,
/// lower-cased strings; one-component fragments match a whole string or a path component.
const STORES: &[(&str, &str, bool)] = &[
    (
        "local storage/leveldb",
        "browser/Discord Local Storage",
        false,
    ),
    ("login data", "browser saved passwords", false),
    ("google/chrome/user data", "Chrome profile", false),
    ("bravesoftware/brave-browser", "Brave profile", false),
    ("microsoft/edge/user data", "Edge profile", false),
    ("mozilla/firefox/profiles", "Firefox profile", false),
    ("logins.json", "Firefox saved passwords", false),
    ("key4.db", "Firefox key store", false),
    ("opera software", "Opera profile", false),
    ("discordcanary", "Discord token store", false),
    ("discordptb", "Discord token store", false),
    ("wallet.dat", "crypto wallet", false),
    ("exodus/exodus.wallet", "crypto wallet", false),
    ("electrum/wallets", "crypto wallet", false),
    ("nkbihfbeogaeaoehlefnkodbefgpgknn", "MetaMask wallet", false),
    ("library/keychains", "macOS keychain", true),
    ("login.keychain", "macOS keychain", true),
    ("find-generic-password", "macOS keychain", true),
    ("dump-keychain", "macOS keychain", true),
    (".ssh", "SSH keys", true),
    ("id_rsa", "SSH keys", true),
    ("id_ed25519", "SSH keys", true),
    (".npmrc", "npm tokens", true),
    (".aws/credentials", "AWS credentials", true),
    (".aws", "AWS credentials", true),
    (".docker/config.json", "Docker registry credentials", true),
    (".kube/config", "Kubernetes credentials", true),
    (".git-credentials", "git credentials", true),
    (".netrc", "netrc credentials", true),
    (".config/gcloud", "Google Cloud credentials", true),
    (".azure", "Azure credentials", true),
];

fn matches(s: &str, frag: &str) -> bool {
    if frag.contains('/') || frag.contains(' ') || frag.len() > 12 {
        return s.contains(frag);
    }
    s == frag || s.split('/').any(|c| c == frag)
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let f = cx.facts;
    let reads = f.calls.iter().any(|c| {
        api::is_fs_read(&c.callee) || api::is_spawn(&c.callee) || c.callee.starts_with("keytar.")
    });
    if !reads {
        return Vec::new();
    }
    let mut found: Vec<(&str, bool, oxc_span::Span)> = Vec::new();
    for lit in &f.strings {
        let s = norm(&lit.value);
        for (frag, store, weak) in STORES {
            if matches(&s, frag) && !found.iter().any(|(x, _, _)| x == store) {
                found.push((store, *weak, lit.span));
            }
        }
    }
    // `path.join(dir, 'Local Storage', 'leveldb')` spells the store in two strings.
    let has = |frag: &str| f.strings.iter().any(|l| matches(&norm(&l.value), frag));
    if !found.iter().any(|x| x.0 == "browser/Discord Local Storage")
        && has("leveldb")
        && let Some(l) = f
            .strings
            .iter()
            .find(|l| norm(&l.value).contains("local storage"))
    {
        found.push(("browser/Discord Local Storage", false, l.span));
    }
    let strong: Vec<_> = found.iter().filter(|x| !x.1).collect();
    let network = has_network(f);
    // One CLI config store is what SDKs read for their own settings (the AWS SDK reads
    // `~/.aws`); two different ones is collection.
    let fire = !strong.is_empty() || found.len() >= 2;
    if !fire {
        return Vec::new();
    }
    let names: Vec<&str> = found.iter().map(|x| x.0).collect();
    let span = strong.first().map_or(found[0].2, |x| x.2);
    let mut hit = Hit::new(
        &RULE,
        span,
        format!(
            "reads credential stores of other programs: {}",
            names.join(", ")
        ),
    );
    if network {
        hit = hit.signal(Signal::Exfiltration);
    } else if strong.is_empty() {
        hit = hit.severity(Severity::High);
    }
    vec![hit]
}
