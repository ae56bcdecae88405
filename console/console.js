// The console's pages (README, "Console"): plain script, no build step. Everything shown comes from
// /console/api and is put in the page as text, never as HTML (events carry whatever their senders put in them).
'use strict';

const api = '/console/api';
let csrfToken;

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'onclick') node.addEventListener('click', value);
    else if (value !== undefined && value !== false) node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  return node;
}

const $ = (selector) => document.querySelector(selector);
const json = (value) => JSON.stringify(value, null, 2);
const time = (ms) => new Date(ms).toLocaleTimeString();
const dateTime = (iso) => new Date(iso).toLocaleString();

function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

async function call(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
  }
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (response.status === 401) {
    location.assign('/console/login');
    throw new Error('signed out');
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message ?? `HTTP ${response.status}`);
  return answer;
}

/** Runs `work` every `ms` while the page `name` is shown. */
function poll(name, ms, work) {
  let timer;
  const tick = async () => {
    clearTimeout(timer);
    if (currentPage() !== name) return;
    try {
      await work();
    } catch (error) {
      console.warn(error);
    }
    timer = setTimeout(tick, ms);
  };
  return tick;
}

// Pages -------------------------------------------------------------------------------------------------------

const pages = ['overview', 'live', 'dead-letters', 'users', 'tester'];
const onShow = {};
const currentPage = () => (pages.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'overview');

function showPage() {
  const page = currentPage();
  for (const name of pages) $(`#page-${name}`).hidden = name !== page;
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.getAttribute('href') === `#${page}`);
  onShow[page]?.();
}

// Overview ----------------------------------------------------------------------------------------------------

let chart;
const seriesNames = ['received', 'delivered', 'retried', 'deadLettered'];

function drawRates(rates) {
  const data = [rates.minutes.map((ms) => ms / 1000), ...seriesNames.map((name) => rates[name])];
  if (!chart) {
    const container = $('#rates-chart');
    chart = new uPlot(
      {
        width: Math.max(400, container.clientWidth),
        height: 260,
        series: [
          {},
          { label: 'received', stroke: '#2563eb', width: 2 },
          { label: 'delivered', stroke: '#16a34a', width: 2 },
          { label: 'retried', stroke: '#d97706', width: 2 },
          { label: 'dead-lettered', stroke: '#dc2626', width: 2 },
        ],
        axes: [{}, { label: 'events / min' }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(5, max)] } },
      },
      data,
      container,
    );
  } else chart.setData(data);
  const totals = seriesNames.map((name) => `${rates[name].reduce((a, b) => a + b, 0)} ${name === 'deadLettered' ? 'dead-lettered' : name}`);
  $('#rates-totals').textContent = `Last hour: ${totals.join(', ')}.`;
}

const refreshOverview = poll('overview', 1000, async () => {
  const [overview, health] = await Promise.all([call(`${api}/overview`), fetch('/health').then((r) => r.json())]);
  const { queue, latency } = overview;
  $('#health-status').textContent = health.status;
  $('#health').dataset.status = health.status;
  $('#health-reason').textContent = health.reason ?? (health.status === 'ok' ? 'delivering' : '');
  $('#queued-events').textContent = queue.queuedEvents;
  $('#queued-requests').textContent = queue.queuedRequests;
  $('#oldest-age').textContent = queue.oldestQueuedAgeMs === null ? 'none' : duration(queue.oldestQueuedAgeMs);
  $('#dead-letter-count').textContent = queue.deadLetters;
  $('#request-p50').textContent = duration(latency.request.p50Ms);
  $('#request-p95').textContent = duration(latency.request.p95Ms);
  $('#event-p50').textContent = duration(latency.event.p50Ms);
  $('#event-p95').textContent = duration(latency.event.p95Ms);
  drawRates(overview.rates);
});
onShow.overview = refreshOverview;

// Live events -------------------------------------------------------------------------------------------------

const liveLimit = 500;
const shownRows = 200;
const live = new Map();
const expanded = new Set();
let liveSeq = 0;
let paused = false;

function requestRow(request) {
  const last = request.last ? [request.last.status ?? request.last.code, request.last.body].filter((x) => x !== undefined).join(' ') : '';
  return el(
    'div',
    { class: 'request' },
    el(
      'div',
      {},
      el('b', {}, request.body.type),
      ' ',
      el('span', { class: `status ${request.status}` }, request.status),
      ` ${request.attempts} attempt(s)`,
      last ? ` · last answer: ${last}` : '',
    ),
    el('pre', {}, json({ headers: request.headers, body: request.body })),
  );
}

function renderLive() {
  const form = new FormData($('#live-filter'));
  const user = String(form.get('user') ?? '').trim();
  const type = form.get('type');
  const status = form.get('status');
  const matching = [...live.values()]
    .filter((e) => (!user || e.user === user) && (!type || e.type === type) && (!status || e.status === status))
    .sort((a, b) => b.receivedAt - a.receivedAt);
  const rows = [];
  for (const event of matching.slice(0, shownRows)) {
    const toggle = () => {
      if (expanded.has(event.id)) expanded.delete(event.id);
      else expanded.add(event.id);
      renderLive();
    };
    rows.push(
      el(
        'tr',
        { class: 'event-row', 'data-id': event.id, 'data-status': event.status, onclick: toggle },
        el('td', {}, time(event.receivedAt)),
        el('td', {}, event.type ?? '?'),
        el('td', {}, event.name ?? ''),
        el('td', {}, event.user ?? ''),
        el('td', {}, el('span', { class: `status ${event.status}` }, event.status)),
        el('td', {}, event.requests.length),
        el('td', { class: 'reason' }, event.reason ?? ''),
      ),
    );
    if (expanded.has(event.id)) {
      rows.push(
        el(
          'tr',
          { class: 'event-detail' },
          el(
            'td',
            { colspan: 7 },
            el('h4', {}, `OpenPanel requests (${event.requests.length})`),
            event.requests.length ? event.requests.map(requestRow) : el('p', {}, event.reason ?? 'none'),
            el('h4', {}, 'Event'),
            el('pre', {}, json(event.event)),
          ),
        ),
      );
    }
  }
  $('#live-table tbody').replaceChildren(...rows);
  $('#live-count').textContent = `${matching.length} of ${live.size} shown${paused ? ' (paused)' : ''}`;
}

const refreshLive = poll('live', 1000, async () => {
  if (paused) return;
  const answer = await call(`${api}/live?since=${liveSeq}`);
  liveSeq = answer.seq;
  for (const event of answer.events) {
    live.delete(event.id);
    live.set(event.id, event);
  }
  while (live.size > liveLimit) live.delete(live.keys().next().value);
  if (answer.events.length) renderLive();
});
onShow.live = () => {
  renderLive();
  refreshLive();
};

// Dead letters ------------------------------------------------------------------------------------------------

let dlAfter;
let dlNext;
let dlOpen;

async function loadDeadLetters(after = dlAfter) {
  dlAfter = after;
  const page = await call(`${api}/dead-letters?limit=50${after ? `&after=${encodeURIComponent(after)}` : ''}`);
  dlNext = page.next;
  $('#dl-total').textContent = `${page.total} dead letter(s)`;
  $('#dl-next').disabled = !dlNext;
  $('#dl-first').disabled = !after;
  $('#dl-table tbody').replaceChildren(
    ...page.deadLetters.map((record) =>
      el(
        'tr',
        { 'data-id': record.id },
        el('td', {}, dateTime(record.lastAttemptAt)),
        el('td', {}, record.userKey ?? ''),
        el('td', {}, record.requests.map((r) => r.body.type).join(', ')),
        el('td', {}, record.attempts),
        el('td', { class: 'reason' }, record.reason),
        el('td', {}, el('button', { type: 'button', class: 'open', onclick: () => openDeadLetter(record.id) }, 'Open')),
      ),
    ),
  );
}

async function openDeadLetter(id) {
  const record = await call(`${api}/dead-letters/${encodeURIComponent(id)}`);
  dlOpen = record;
  $('#dl-detail').hidden = false;
  $('#dl-id').textContent = record.id;
  $('#dl-reason').textContent = record.reason;
  const last = record.lastResponse;
  $('#dl-last').textContent = [last.status !== undefined ? `HTTP ${last.status}` : last.code, last.body].filter(Boolean).join(': ') || '–';
  $('#dl-attempts').textContent = record.attempts;
  $('#dl-times').textContent = `${dateTime(record.firstAttemptAt)} / ${dateTime(record.lastAttemptAt)}`;
  $('#dl-message-id').textContent = record.messageId;
  $('#dl-requests').textContent = json(record.requests.map((r) => ({ headers: r.headers, body: r.body })));
  $('#dl-event').value = json(record.event);
  $('#dl-outcome').textContent = '';
  $('#dl-detail').scrollIntoView({ block: 'start' });
}

function describeOutcome(outcome) {
  if (outcome.status === 'accepted') return 'queued again: it has no outcome yet (see Live events)';
  return `${outcome.status.replace('_', '-')}${outcome.reason ? `: ${outcome.reason}` : ''}`;
}

async function replayOpen(edited) {
  let body = {};
  if (edited) {
    try {
      body = { event: JSON.parse($('#dl-event').value) };
    } catch (error) {
      $('#dl-outcome').textContent = `The event is not valid JSON: ${error.message}`;
      return;
    }
  }
  $('#dl-outcome').textContent = 'replaying…';
  try {
    const outcome = await call(`${api}/dead-letters/${encodeURIComponent(dlOpen.id)}/replay`, { method: 'POST', body });
    $('#dl-outcome').textContent = `Replayed: ${describeOutcome(outcome)}`;
    $('#dl-outcome').dataset.status = outcome.status;
    await loadDeadLetters();
  } catch (error) {
    $('#dl-outcome').textContent = `Not replayed: ${error.message}`;
  }
}

onShow['dead-letters'] = () => loadDeadLetters().catch((error) => ($('#dl-message').textContent = error.message));

// Users and groups --------------------------------------------------------------------------------------------

async function lookUpUser(key) {
  const answer = await call(`${api}/users/${encodeURIComponent(key)}`);
  const result = $('#user-result');
  if (answer.groups.length === 0) {
    result.replaceChildren(el('p', {}, `${answer.key} is in no group (as far as this destination has seen).`));
    return;
  }
  result.replaceChildren(
    el('h3', {}, `Groups of ${answer.key}`),
    el(
      'table',
      { id: 'user-groups' },
      el('thead', {}, el('tr', {}, el('th', {}, 'groupId'), el('th', {}, 'name'), el('th', {}, 'type'), el('th', {}, 'assigned at (event time)'))),
      el(
        'tbody',
        {},
        answer.groups.map((g) =>
          el(
            'tr',
            {},
            el('td', {}, el('a', { href: '#users', onclick: () => lookUpGroup(g.groupId) }, g.groupId)),
            el('td', {}, g.name ?? ''),
            el('td', {}, g.type ?? ''),
            el('td', {}, dateTime(g.assignedAt)),
          ),
        ),
      ),
    ),
  );
}

async function lookUpGroup(groupId) {
  $('#group-form').elements.groupId.value = groupId;
  const result = $('#group-result');
  try {
    const group = await call(`${api}/groups/${encodeURIComponent(groupId)}`);
    result.replaceChildren(
      el('h3', {}, `Group ${group.groupId}, as OpenPanel holds it after our upserts`),
      el(
        'dl',
        { class: 'facts', id: 'group-state' },
        el('dt', {}, 'name'),
        el('dd', {}, group.name),
        el('dt', {}, 'type'),
        el('dd', {}, group.type),
        el('dt', {}, 'last upsert queued'),
        el('dd', {}, dateTime(group.updatedAt)),
        el('dt', {}, 'properties'),
        el('dd', {}, el('pre', {}, json(group.properties ?? {}))),
      ),
    );
  } catch (error) {
    result.replaceChildren(el('p', {}, error.message));
  }
}

// Event tester ------------------------------------------------------------------------------------------------

const sampleEvent = {
  type: 'track',
  event: 'Report Exported',
  userId: 'user-1',
  messageId: 'tester-1',
  timestamp: new Date().toISOString(),
  properties: { format: 'pdf' },
};

async function runTester() {
  const output = $('#tester-output');
  let input;
  try {
    input = JSON.parse($('#tester-input').value);
  } catch (error) {
    output.replaceChildren(el('p', { class: 'error' }, `Not valid JSON: ${error.message}`));
    return;
  }
  try {
    const { results } = await call(`${api}/test`, { method: 'POST', body: input });
    output.replaceChildren(
      ...results.map((result) =>
        el(
          'div',
          { class: 'tester-result', 'data-status': result.status },
          el('h4', {}, `Event ${result.index}: `, el('span', { class: `status ${result.status}` }, result.status), result.reason ? ` (${result.reason})` : ''),
          result.note ? el('p', {}, result.note) : '',
          el('pre', {}, json((result.requests ?? []).map((r) => ({ headers: r.headers, body: r.body })))),
        ),
      ),
    );
  } catch (error) {
    output.replaceChildren(el('p', { class: 'error' }, error.message));
  }
}

// Start -------------------------------------------------------------------------------------------------------

async function start() {
  const session = await call(`${api}/session`);
  csrfToken = session.csrfToken;
  $('#instance').textContent = session.instance;
  $('#logout').addEventListener('click', async () => {
    await call('/console/logout', { method: 'POST', body: {} });
    location.assign('/console/login');
  });
  $('#live-filter').addEventListener('input', renderLive);
  $('#live-filter').addEventListener('submit', (event) => event.preventDefault());
  $('#live-pause').addEventListener('click', () => {
    paused = !paused;
    $('#live-pause').textContent = paused ? 'Resume' : 'Pause';
    renderLive();
    if (!paused) refreshLive();
  });
  $('#dl-first').addEventListener('click', () => loadDeadLetters(undefined));
  $('#dl-next').addEventListener('click', () => loadDeadLetters(dlNext));
  $('#dl-replay').addEventListener('click', () => replayOpen(false));
  $('#dl-replay-edited').addEventListener('click', () => replayOpen(true));
  $('#dl-replay-all').addEventListener('click', async () => {
    $('#dl-message').textContent = 'replaying all…';
    try {
      const { delivered, failed } = await call(`${api}/dead-letters/replay`, { method: 'POST', body: {} });
      $('#dl-message').textContent = `Replayed: ${delivered} delivered, ${failed} failed again`;
    } catch (error) {
      $('#dl-message').textContent = `Not replayed: ${error.message}`;
    }
    await loadDeadLetters(undefined);
  });
  $('#user-form').addEventListener('submit', (event) => {
    event.preventDefault();
    lookUpUser(event.target.elements.key.value.trim()).catch((error) => $('#user-result').replaceChildren(el('p', {}, error.message)));
  });
  $('#group-form').addEventListener('submit', (event) => {
    event.preventDefault();
    lookUpGroup(event.target.elements.groupId.value.trim());
  });
  $('#tester-input').value = json(sampleEvent);
  $('#tester-run').addEventListener('click', runTester);
  window.addEventListener('hashchange', showPage);
  showPage();
}

start().catch((error) => console.error(error));
