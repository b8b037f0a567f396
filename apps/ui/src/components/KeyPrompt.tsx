// Asks for the API key when the gateway answers 401, once per browser session (sessionStorage).
import { useState } from 'react';
import { apiKey, setApiKey } from '../api.ts';

/** The key dialog; `onDone` runs after the key is stored. */
export function KeyPrompt({ onDone }: { onDone(): void }) {
  const [key, setKey] = useState('');
  const hadKey = apiKey() !== null;
  return (
    <div className="dialog-backdrop">
      <form
        className="dialog"
        role="dialog"
        aria-labelledby="key-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (!key.trim()) return;
          setApiKey(key.trim());
          onDone();
        }}
      >
        <h2 id="key-title">API key needed</h2>
        <p>{hadKey ? 'The station refused the key; enter it again.' : 'This station asks for an API key.'}</p>
        <div className="field">
          <label htmlFor="api-key">API key</label>
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
            Continue
          </button>
        </div>
      </form>
    </div>
  );
}
