use super::{Cx, Hit, norm};
#[cfg(doc)]
use crate::facts::NAME_MARK;
use portcullis_core::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds chat webhooks and bot endpoints whose id and token are written into the code:
    /// `new WebhookClient(id, token)` / `new WebhookClient({ id, token })` from `discord.js`
    /// with constant arguments, and constant URLs of Discord webhooks
    /// (`discord.com/api/webhooks/<id>/<token>`), Slack incoming webhooks
    /// (`hooks.slack.com/services/…`) and Telegram bots (`api.telegram.org/bot<token>`).
    ///
    /// ## Why is this bad?
    /// A webhook with a baked-in token is a drop box: anyone can post to it and only the
    /// author reads it. Token stealers use exactly this to receive what they collect. A node
    /// that lets the user post to *their* webhook takes the URL from its configuration.
    ///
    /// ## Example
    /// ```js
    /// const hook = new WebhookClient({ id: '1183…', token: 'Zx9…' });
    /// ```
    ///
    /// ## Use instead
    /// Take webhook URLs and tokens from the node's credentials.
    ///
    /// ## References
    /// - CWE-200: Exposure of Sensitive Information
    /// - CWE-798: Use of Hard-coded Credentials
    pub static RULE = {
        id: "behaviour/webhook-exfiltration",
        title: "Hard-coded chat webhook",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "A Discord/Slack/Telegram webhook with a hard-coded id and token receives data",
        cwe: [200, 798],
        signals: [Exfiltration],
        fixtures: [
            pos "crates/behaviour/fixtures/webhook-exfiltration/pos/webhook-client.js",
            neg "crates/behaviour/fixtures/webhook-exfiltration/neg/n8n-discord-node.js",
        ],
    }
}

const HOOK_URLS: &[(&str, &str)] = &[
    ("discord.com/api/webhooks/", "Discord webhook"),
    ("discordapp.com/api/webhooks/", "Discord webhook"),
    ("hooks.slack.com/services/", "Slack webhook"),
    ("api.telegram.org/bot", "Telegram bot"),
];

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let f = cx.facts;
    let mut out = Vec::new();
    for c in f
        .calls
        .iter()
        .filter(|c| c.is_new && c.callee.ends_with("WebhookClient"))
    {
        let constant = match c.args.as_slice() {
            [a, b, ..] => a.text.is_some() && b.text.is_some(),
            [o] => {
                let get = |k: &str| {
                    o.props
                        .iter()
                        .find(|(x, _)| x == k)
                        .map(|(_, v)| v.as_str())
                };
                matches!((get("id"), get("token")), (Some(i), Some(t)) if is_constant(i) && is_constant(t))
                    || o.props.iter().any(|(k, v)| {
                        k == "url" && HOOK_URLS.iter().any(|(u, _)| norm(v).contains(u))
                    })
            }
            [] => false,
        };
        if constant {
            out.push(Hit::new(
                &RULE,
                c.span,
                format!("`new {}` with a hard-coded id and token", c.callee),
            ));
        }
    }
    for lit in &f.strings {
        let s = norm(&lit.value);
        if let Some((u, what)) = HOOK_URLS.iter().find(|(u, _)| s.contains(u)) {
            // A bare prefix (`https://discord.com/api/webhooks/` + user input) names no drop box.
            let rest = &s[s.find(u).unwrap_or(0) + u.len()..];
            // A real id/token pair, not a placeholder in a help text (`bot<TOKEN>`).
            let token: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '/'))
                .collect();
            if token.len() >= 20 && token.starts_with(|c: char| c.is_ascii_digit() || c == 't') {
                out.push(Hit::new(&RULE, lit.span, format!("hard-coded {what} URL")));
            }
        }
        if out.len() >= 4 {
            break;
        }
    }
    out
}

/// A literal that looks like an id or token (non-literals carry [`NAME_MARK`]).
fn is_constant(v: &str) -> bool {
    v.len() >= 8
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
