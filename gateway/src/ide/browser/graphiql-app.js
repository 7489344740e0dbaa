// The GraphQL IDE's page script, bundled by esbuild from the installed packages (ide-assets.ts):
// GraphiQL with a bar above it to paste a bearer token or, in development, to fetch one for a role.
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './ide.css';

const config = JSON.parse(document.getElementById('c360-ide-config').textContent);
const STORAGE_KEY = 'c360-ide-token';

function fetcherFor(token) {
  return async (params) => {
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(config.endpoint, { method: 'POST', headers, body: JSON.stringify(params) });
    return res.json();
  };
}

function TokenBar({ token, onToken }) {
  const [draft, setDraft] = useState(token);
  const [role, setRole] = useState(config.devRoles[0] ?? '');
  const [partner, setPartner] = useState('');
  const [message, setMessage] = useState('');
  const apply = (value) => {
    setDraft(value);
    onToken(value.trim());
  };
  const getDevToken = async () => {
    const query = new URLSearchParams({ role });
    if (partner.trim()) query.set('partner', partner.trim());
    const res = await fetch(`${config.devTokenPath}?${query}`);
    const body = await res.json();
    if (!res.ok) return setMessage(body.error ?? `HTTP ${res.status}`);
    setMessage(`development token for ${role}`);
    apply(body.token);
  };
  const children = [
    h('label', { htmlFor: 'c360-token', key: 'l' }, 'Bearer token'),
    h('input', { id: 'c360-token', key: 'i', type: 'password', placeholder: 'paste an access token', value: draft, onChange: (e) => setDraft(e.target.value), onBlur: () => onToken(draft.trim()), onKeyDown: (e) => e.key === 'Enter' && onToken(draft.trim()) }),
    h('button', { key: 'b', id: 'c360-use-token', type: 'button', onClick: () => onToken(draft.trim()) }, 'Use token'),
  ];
  if (config.devTokenPath) {
    children.push(
      h('select', { key: 'r', id: 'c360-dev-role', value: role, onChange: (e) => setRole(e.target.value) }, config.devRoles.map((r) => h('option', { key: r, value: r }, r))),
      h('input', { key: 'p', id: 'c360-dev-partner', placeholder: 'partner Account Id (partner role)', value: partner, onChange: (e) => setPartner(e.target.value) }),
      h('button', { key: 'd', id: 'c360-dev-token', type: 'button', onClick: () => void getDevToken() }, 'Development token'),
    );
  }
  children.push(h('span', { key: 'm', id: 'c360-token-message' }, message));
  return h('div', { className: 'c360-token-bar' }, children);
}

function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(STORAGE_KEY) ?? '');
  const onToken = (value) => {
    sessionStorage.setItem(STORAGE_KEY, value);
    setToken(value);
  };
  // A new token is a new principal: GraphiQL is mounted again and reads the schema that one may see.
  return h('div', { className: 'c360-ide' }, [
    h(TokenBar, { key: 'bar', token, onToken }),
    h('div', { key: 'ide', className: 'c360-graphiql' }, h(GraphiQL, { key: token, fetcher: fetcherFor(token), defaultQuery: config.defaultQuery })),
  ]);
}

createRoot(document.getElementById('c360-ide')).render(h(App));
