// The page: station bar, the screen for the current path, and the API-key prompt when needed.
import { lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { onUnauthorized } from './api.ts';
import { BatchDetail } from './components/BatchDetail.tsx';
import { KeyPrompt } from './components/KeyPrompt.tsx';
import { Overview } from './components/Overview.tsx';
import { ResultDetail } from './components/ResultDetail.tsx';
import { Results } from './components/Results.tsx';
import { StationBar } from './components/StationBar.tsx';
import { Versions } from './components/Versions.tsx';
import { useLocation } from './router.ts';

// The chart screens load with their own chunk (uPlot included) the first time one opens: the overview,
// which every station shows all day, never downloads them.
const TrendScreen = lazy(() => import('./charts/TrendScreen.tsx').then((m) => ({ default: m.TrendScreen })));
const YieldScreen = lazy(() => import('./charts/YieldScreen.tsx').then((m) => ({ default: m.YieldScreen })));

function ChartScreen({ which }: { which: 'trends' | 'yield' }) {
  const { t } = useTranslation();
  return (
    <Suspense fallback={<p className="empty">{t('charts.loading')}</p>}>
      {which === 'trends' ? <TrendScreen /> : <YieldScreen />}
    </Suspense>
  );
}

function Screen() {
  const { path } = useLocation();
  const batch = /^\/batches\/([^/]+)$/.exec(path);
  if (batch) return <BatchDetail key={batch[1]} id={decodeURIComponent(batch[1]!)} />;
  const result = /^\/results\/([^/]+)$/.exec(path);
  if (result) return <ResultDetail key={result[1]} id={decodeURIComponent(result[1]!)} />;
  if (path === '/results') return <Results />;
  if (path === '/trends') return <ChartScreen which="trends" />;
  if (path === '/yield') return <ChartScreen which="yield" />;
  if (path === '/versions') return <Versions />;
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
