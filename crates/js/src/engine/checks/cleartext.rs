//! Credentials sent over plain HTTP (`js/cleartext-credentials`) and the observed credential-to-host uses behind `capability/credential-host-mismatch`.

use super::super::*;

impl<'a> Engine<'a, '_> {
    pub(in crate::engine) fn cleartext_property(&mut self, key: &str, v: &Val<'a>, span: Span) {
        if !self.cx.credential_file || !matches!(key, "baseURL" | "baseUrl" | "url" | "uri") {
            return;
        }
        if let Some(u) = v.known_prefix()
            && u.to_ascii_lowercase().starts_with("http://")
            && !is_local(u)
        {
            self.simple_finding(
                &rules::CLEARTEXT_CREDENTIALS,
                span,
                format!(
                    "the credential's request goes to plain-http `{}`: the credential crosses the network unencrypted",
                    cut(u, 120)
                ),
            );
        }
    }

    /// Credential material sent in a request: plain-http URLs are reported here; the host is
    /// recorded as an observed `Credential` capability, which the capabilities check compares
    /// with the hosts the manifest binds the credential to
    /// (`capability/credential-host-mismatch`).
    pub(in crate::engine) fn credential_request(
        &mut self,
        q: Option<&str>,
        args: &[Val<'a>],
        span: Span,
    ) {
        // `this.helpers.requestWithAuthentication.call(this, 'acmeApi', options)`: the platform
        // attaches the named credential itself.
        let platform_auth = q.is_some_and(|q| {
            q.ends_with("WithAuthentication")
                || q.ends_with(".requestOAuth2")
                || q.ends_with(".requestOAuth1")
        });
        let named = if platform_auth {
            args.first().and_then(|a| a.lit.clone())
        } else {
            None
        };
        let secret = args.iter().find_map(|a| a.flat().1);
        // The request URL: an absolute one wins over a relative `url` next to a `baseURL`.
        let mut urls: Vec<String> = Vec::new();
        for a in args {
            if let Some(p) = a.known_prefix() {
                urls.push(p.to_string());
            }
            for p in ["url", "uri", "baseURL", "baseUrl"] {
                if let Some(u) = a.prop(p).and_then(|v| v.known_prefix()) {
                    urls.push(u.to_string());
                }
            }
        }
        let url = urls
            .iter()
            .find(|u| host_of(u).is_some())
            .or(urls.first())
            .cloned();
        let Some(u) = url else { return };
        if let Some(s) = &secret
            && u.to_ascii_lowercase().starts_with("http://")
            && !is_local(&u)
            && let r = self.cat.builtin(&rules::CLEARTEXT_CREDENTIALS)
            && let Some(f) =
                self.taint_finding(r, s, span, &format!("`{}`", cut(&u, 120)), Confidence::High)
        {
            self.push_finding(f);
        }
        let Some(host) = host_of(&u) else { return };
        let (name, field) = match (&named, &secret) {
            (Some(n), _) => (Some(n.to_string()), None),
            (None, Some(s)) => (
                s.name
                    .as_deref()
                    .filter(|n| *n != "credentials")
                    .map(str::to_string),
                s.field.as_deref().map(str::to_string),
            ),
            (None, None) => return,
        };
        let (line, _) = self.lines.position(self.cx.text, span.start as usize);
        self.cred_uses.push((name, field, host, line));
    }
}
