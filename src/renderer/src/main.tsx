// The api module first: in web mode it takes the access token out of the URL fragment before the router
// reads the route.
import './api/client.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { queryClient } from './data/query-client.ts';
import { EngineEvents } from './data/engine-events.tsx';
import { App } from './App.tsx';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <EngineEvents>
        <App />
      </EngineEvents>
    </QueryClientProvider>
  </StrictMode>,
);
