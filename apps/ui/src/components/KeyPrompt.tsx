// Asks who is calling when the gateway answers 401, once per browser session (sessionStorage): a local
// user signs in with name and password (the token then carries their role and name), or an API key.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiKey, setApiKey, signIn } from '../api.ts';

/** The credential dialog; `onDone` runs after a key or token is stored. */
export function KeyPrompt({ onDone }: { onDone(): void }) {
  const { t } = useTranslation();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [signInError, setSignInError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hadKey = apiKey() !== null;
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-labelledby="key-title">
        <h2 id="key-title">{t('key.title')}</h2>
        <p>{hadKey ? t('key.again') : t('key.ask')}</p>
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            if (!name.trim() || !password) return;
            setBusy(true);
            const problem = await signIn(name.trim(), password);
            setBusy(false);
            if (problem) setSignInError(problem);
            else onDone();
          }}
        >
          <div className="field">
            <label htmlFor="signin-name">{t('key.name')}</label>
            <input
              id="signin-name"
              autoComplete="username"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="signin-password">{t('key.password')}</label>
            <input
              id="signin-password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          {signInError ? (
            <p className="form-error" role="alert">
              {signInError}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="btn go" disabled={busy}>
              {t('key.signIn')}
            </button>
          </div>
        </form>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!key.trim()) return;
            setApiKey(key.trim());
            onDone();
          }}
        >
          <div className="field">
            <label htmlFor="api-key">{t('key.apiKey')}</label>
            <input
              id="api-key"
              type="password"
              autoComplete="off"
              value={key}
              onChange={(e) => setKey(e.target.value)}
            />
          </div>
          <div className="actions">
            <button type="submit" className="btn go">
              {t('key.continue')}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
