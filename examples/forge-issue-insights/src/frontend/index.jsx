import React, { useEffect, useState } from 'react';
import ForgeReconciler, { Text, Spinner } from '@forge/react';
import { invoke } from '@forge/bridge';

const App = () => {
  const [insights, setInsights] = useState(null);
  useEffect(() => {
    invoke('getInsights', { model: 'gpt-4o-mini' }).then(setInsights);
  }, []);
  return insights ? <Text>{insights.choices?.[0]?.message?.content}</Text> : <Spinner />;
};

ForgeReconciler.render(<App />);
