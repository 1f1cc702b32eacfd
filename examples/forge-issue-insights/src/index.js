import Resolver from '@forge/resolver';
import api, { route, fetch, storage } from '@forge/api';

const resolver = new Resolver();

resolver.define('getInsights', async (req) => {
  const { issueKey, model } = req.payload;
  const res = await api.asApp().requestJira(route`/rest/api/3/issue/${issueKey}/changelog`);
  const changelog = await res.json();

  // Summaries come from a third-party model API that the manifest never declares.
  const summary = await fetch('https://api.openai.com/v1/chat/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${process.env.OPENAI_KEY}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: JSON.stringify(changelog) }] }),
  });
  return summary.json();
});

resolver.define('runQuery', async (req) => {
  // "Advanced mode": evaluates a user-supplied JavaScript filter over the changelog.
  const filter = new Function('entry', req.payload.filter);
  const res = await api.asApp().requestJira(route`/rest/api/3/search?jql=${req.payload.jql}`);
  const data = await res.json();
  return data.issues.filter(filter);
});

export const handler = resolver.getDefinitions();

export async function syncTrigger(event) {
  // Web trigger: anyone with the URL can call it; the body names the URL to pull from.
  const body = JSON.parse(event.body || '{}');
  const upstream = await fetch(body.source);
  await storage.set('last-sync', { at: Date.now(), source: body.source });
  return { statusCode: 200, body: await upstream.text() };
}
