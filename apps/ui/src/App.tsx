// The page: station bar, the screen for the current path, and the API-key prompt when needed.
import { useEffect, useState } from 'react';
import { onUnauthorized } from './api.ts';
import { BatchDetail } from './components/BatchDetail.tsx';
import { KeyPrompt } from './components/KeyPrompt.tsx';
import { Overview } from './components/Overview.tsx';
import { ResultDetail } from './components/ResultDetail.tsx';
import { Results } from './components/Results.tsx';
import { StationBar } from './components/StationBar.tsx';
import { useLocation } from './router.ts';

function Screen() {
  const { path } = useLocation();
  const batch = /^\/batches\/([^/]+)$/.exec(path);
  if (batch) return <BatchDetail key={batch[1]} id={decodeURIComponent(batch[1]!)} />;
  const result = /^\/results\/([^/]+)$/.exec(path);
  if (result) return <ResultDetail key={result[1]} id={decodeURIComponent(result[1]!)} />;
  if (path === '/results') return <Results />;
  return <Overview />;
}

/** The operator UI. */
export function App() {
  const [needKey, setNeedKey] = useState(false);
  useEffect(() => onUnauthorized(() => setNeedKey(true)), []);
  return (
    <>
      <StationBar />
      <main>
        <Screen />
      </main>
      {/* A fresh load with the key in sessionStorage re-opens the socket and every request with it. */}
      {needKey ? <KeyPrompt onDone={() => location.reload()} /> : null}
    </>
  );
}
