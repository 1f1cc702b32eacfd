import React, { useEffect, useState } from 'react';
import ForgeReconciler, { Text, Spinner } from '@forge/react';
import { invoke, requestJira } from '@forge/bridge';

const App = () => {
  const [insights, setInsights] = useState(null);
  const [viewer, setViewer] = useState(null);
  useEffect(() => {
    invoke('getInsights', { model: 'gpt-4o-mini' }).then(setInsights);
    // Greets the signed-in user by name (Forge bridge call, as that user).
    requestJira('/rest/api/3/myself').then((res) => res.json()).then(setViewer);
  }, []);
  if (!insights) return <Spinner />;
  return (
    <Text>
      {viewer ? `${viewer.displayName}: ` : ''}
      {insights.choices?.[0]?.message?.content}
    </Text>
  );
};

ForgeReconciler.render(<App />);
