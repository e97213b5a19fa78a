// The dashboard page: wires the live feed (connection.js) into the state (feed.js) and
// draws what changed once per animation frame. The entry point for a live message is
// addData(message), as in the original page. All record text goes into the page as text
// (textContent), never as HTML.
import { createState, applyMessage, takeDirty, acknowledge, acknowledgeAll, toggleMute, filteredSignals, sortedSummaries } from './feed.js';
import * as fmt from './format.js';
import { connect } from './connection.js';
import { createCardChart, createDetailChart } from './charts.js';

const state = createState();
const cards = new Map(); // symbol → { element, chart, parts }
const prefs = {
  dark: localStorage.getItem('tickflow.theme') ? localStorage.getItem('tickflow.theme') === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches,
  sound: localStorage.getItem('tickflow.sound') === 'on',
  sort: { column: 'stock_symbol', descending: false },
};
let paused = false;
let bands = { buy: 30, sell: 70 };
let frameScheduled = false;
const frameTimes = []; // ms spent drawing each frame (the load test reads them)
const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

// The live entry point: one message or a batch (array) of them.
export function addData(message) {
  applyMessage(state, message);
  schedule();
}
window.addData = addData;
window.tickflow = { state, frameTimes, cards, bands: () => bands };

function schedule() {
  if (frameScheduled || paused) return;
  frameScheduled = true;
  requestAnimationFrame(render);
}

// Lists and tables redraw at most this often; charts every frame they change.
const PANEL_EVERY_MS = 250;
let panelsDrawnAt = 0;
const panelsPending = { signals: false, alarms: false, notifications: false, summaries: false, economic: false };
// Cards scrolled out of view are not drawn; they catch up when they come into view.
const offscreen = new Set();
const stale = new Set();
const visibility = new IntersectionObserver((entries) => {
  for (const e of entries) {
    const symbol = e.target.dataset.symbol;
    if (e.isIntersecting) {
      offscreen.delete(symbol);
      if (stale.delete(symbol)) {
        cards.get(symbol).full = true;
        state.dirty.symbols.add(symbol);
        schedule();
      }
    } else {
      offscreen.add(symbol);
    }
  }
});

function render() {
  frameScheduled = false;
  const started = performance.now();
  const d = takeDirty(state);
  if (d.reset) {
    for (const symbol of [...cards.keys()]) if (!state.symbols.has(symbol)) removeCard(symbol);
  }
  for (const symbol of d.symbols) {
    if (offscreen.has(symbol) && cards.has(symbol)) {
      stale.add(symbol);
      continue;
    }
    drawCard(symbol, d.reset);
  }
  for (const key of Object.keys(panelsPending)) panelsPending[key] ||= d[key] || d.reset;
  if (started - panelsDrawnAt >= PANEL_EVERY_MS) {
    panelsDrawnAt = started;
    if (panelsPending.signals) drawSignals();
    if (panelsPending.alarms) drawAlarms();
    if (panelsPending.notifications) drawNotifications();
    if (panelsPending.summaries) drawSummary();
    if (panelsPending.economic) drawEconomic();
    for (const key of Object.keys(panelsPending)) panelsPending[key] = false;
  } else if (Object.values(panelsPending).some(Boolean)) {
    setTimeout(schedule, PANEL_EVERY_MS);
  }
  for (const alarm of state.toasts.splice(0)) announce(alarm);
  frameTimes.push(performance.now() - started);
  if (frameTimes.length > 5000) frameTimes.splice(0, 1000);
}

// --- cards -------------------------------------------------------------------------------

function createCard(symbol) {
  const parts = {
    last: el('span', { class: 'last' }),
    change: el('span', { class: 'stats' }),
    rsi: el('span', { class: 'stats' }),
    signal: el('span', { class: 'signal-badge' }),
    chart: el('div', { class: 'chart' }),
  };
  const element = el('article', { class: 'card', tabindex: '0', 'data-symbol': symbol, 'aria-label': `${symbol}: open details` },
    el('header', {}, el('span', { class: 'symbol', text: symbol }), parts.last, parts.change, parts.rsi, parts.signal),
    parts.chart);
  element.addEventListener('click', () => openDetail(symbol));
  element.addEventListener('keydown', (e) => { if (e.key === 'Enter') openDetail(symbol); });
  // Cards stay in symbol order.
  const after = [...cards.keys()].sort().find((s) => s > symbol);
  $('cards').insertBefore(element, after ? cards.get(after).element : null);
  const card = { element, parts, chart: createCardChart(parts.chart, { dark: prefs.dark, bands }), full: false };
  cards.set(symbol, card);
  visibility.observe(element);
  const option = el('option', { value: symbol, text: symbol });
  $('signal-symbol').append(option);
  return card;
}

function removeCard(symbol) {
  const card = cards.get(symbol);
  visibility.unobserve(card.element);
  card.chart.remove();
  card.element.remove();
  cards.delete(symbol);
  offscreen.delete(symbol);
  stale.delete(symbol);
}

function drawCard(symbol, full) {
  const view = state.symbols.get(symbol);
  if (!view) return;
  let card = cards.get(symbol);
  const created = !card;
  if (!card) card = createCard(symbol);
  if (view.bars.length) card.chart.update(view.bars, full || created || card.full);
  card.full = false;
  const last = view.bars[view.bars.length - 1];
  if (!last) return;
  const first = view.bars[0];
  const change = ((last.close - first.open) / first.open) * 100;
  card.parts.last.textContent = fmt.price(last.close);
  card.parts.change.textContent = fmt.percent(change);
  card.parts.change.className = 'stats ' + (change > 0 ? 'up' : change < 0 ? 'down' : '');
  card.parts.rsi.textContent = `RSI ${fmt.indicator(last.rsi)}`;
  const side = last.signal;
  card.parts.signal.textContent = side === 'buy' ? '▲ buy' : side === 'sell' ? '▼ sell' : 'neutral';
  card.parts.signal.className = 'signal-badge ' + (side === 'buy' ? 'up' : side === 'sell' ? 'down' : '');
  card.parts.signal.title = last.reason;
}

// --- side panels ---------------------------------------------------------------------------

function headline(a) {
  const side = (a.signal ?? '').toUpperCase();
  const at = a.price ? ` @ ${fmt.price(a.price)}` : '';
  return `${side} ${a.stock_symbol}${at}`;
}

function drawAlarms() {
  const list = $('alarms');
  list.replaceChildren(...state.alarms.slice().reverse().slice(0, 100).map((a) => {
    const d = a.data;
    return el('li', { class: a.acked ? '' : 'unread', 'data-alarm': a.id },
      el('span', { class: d.signal === 'buy' ? 'up' : 'down', text: headline(d) }),
      el('span', { class: 'time', text: fmt.clock(d.timestamp) }),
      a.acked ? null : el('button', { type: 'button', text: 'Ack', onclick: (e) => { e.stopPropagation(); acknowledge(state, a.id); schedule(); } }),
      el('button', { type: 'button', text: state.muted.has(d.stock_symbol) ? `Unmute ${d.stock_symbol}` : `Mute ${d.stock_symbol}`,
        onclick: () => { toggleMute(state, d.stock_symbol); schedule(); } }),
      el('span', { class: 'reason', text: d.reason }));
  }));
  const unread = $('unread');
  unread.textContent = String(state.unread);
  unread.className = 'count' + (state.unread ? '' : ' zero');
  document.title = state.unread ? `(${state.unread}) tickflow` : 'tickflow — live market dashboard';
}

function drawSignals() {
  const rows = filteredSignals(state, $('signal-symbol').value, $('signal-side').value).slice(0, 100);
  $('signals').replaceChildren(...rows.map((s) => el('li', {},
    el('span', { class: s.signal === 'buy' ? 'up' : 'down', text: `${s.signal === 'buy' ? '▲' : '▼'} ${s.signal} ${s.stock_symbol}` }),
    el('span', { class: 'time', text: fmt.clock(s.timestamp) }),
    el('span', { class: 'reason', text: s.signal_reason ?? '' }))));
}

function drawNotifications() {
  const rows = [...state.notifications.values()].reverse().slice(0, 100);
  $('notifications').replaceChildren(...rows.map((n) => el('li', {},
    el('span', { text: `${n.channel}: ${n.status}` , class: n.status === 'sent' ? 'up' : n.status === 'dead' ? 'down' : '' }),
    el('span', { text: n.alarm_id }),
    el('span', { class: 'time', text: fmt.clock(n.timestamp) }),
    n.status === 'sent' ? null : el('span', { class: 'reason', text: n.detail ?? '' }))));
}

function drawSummary() {
  const rows = sortedSummaries(state, prefs.sort.column, prefs.sort.descending);
  $('summary').tBodies[0].replaceChildren(...rows.map((r) => el('tr', { 'data-symbol': r.stock_symbol },
    el('td', { text: r.stock_symbol }),
    el('td', { text: fmt.price(r.last) }),
    el('td', { text: fmt.percent(r.change_pct), class: r.change_pct > 0 ? 'up' : r.change_pct < 0 ? 'down' : '' }),
    el('td', { text: fmt.percent(r.window?.change_pct ?? NaN), class: r.window?.change_pct > 0 ? 'up' : r.window?.change_pct < 0 ? 'down' : '' }),
    el('td', { text: fmt.volume(r.volume) }),
    el('td', { text: fmt.price(r.vwap) }),
    el('td', { text: fmt.percent((r.volatility ?? NaN) * 100) }),
    el('td', { text: fmt.percent(-(r.max_drawdown_pct ?? NaN)) }),
    el('td', { text: String(r.signals?.buy ?? 0) }),
    el('td', { text: String(r.signals?.sell ?? 0) }),
    el('td', { text: fmt.ratio(r.signal_perf?.buy?.hit_rate) }))));
  for (const th of $('summary').tHead.rows[0].cells) {
    th.setAttribute('aria-sort', th.dataset.col === prefs.sort.column ? (prefs.sort.descending ? 'descending' : 'ascending') : 'none');
  }
}

function drawEconomic() {
  $('economic').replaceChildren(...[...state.economic.values()].map((e) =>
    el('span', {}, `${e.indicator_name} `, el('b', { text: fmt.indicator(e.value, 2) }))));
}

// --- alarms: toast, sound, system notification ----------------------------------------------

let toastsShown = 0;
function announce(alarm) {
  window.tickflow.toastsShown = ++toastsShown;
  const toast = el('div', { class: `toast ${alarm.signal}`, role: 'alert' },
    el('strong', { text: headline(alarm) }), el('div', { class: 'hint', text: alarm.reason }));
  // A few at a time: a burst should not wall off the page (the panel lists them all).
  const shown = $('toasts');
  shown.append(toast);
  while (shown.children.length > 3) shown.firstElementChild.remove();
  setTimeout(() => toast.remove(), 8000);
  if (prefs.sound) beep(alarm.signal === 'buy' ? 880 : 440);
  if (window.Notification?.permission === 'granted' && document.hidden) {
    new Notification(headline(alarm), { body: alarm.reason, tag: alarm.alarm_id });
  }
}

let audio = null;
function beep(hz) {
  audio ??= new AudioContext();
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.frequency.value = hz;
  gain.gain.value = 0.05;
  osc.connect(gain).connect(audio.destination);
  osc.start();
  osc.stop(audio.currentTime + 0.15);
}

// --- detail view -----------------------------------------------------------------------------

let detailChart = null;
function keyValues(target, data, keys) {
  target.replaceChildren();
  if (!data) return target.append(el('dd', { text: 'none yet' }));
  for (const [key, label, format] of keys) {
    if (data[key] === undefined) continue;
    target.append(el('dt', { text: label }), el('dd', { text: format ? format(data[key]) : String(data[key]) }));
  }
}

function openDetail(symbol) {
  const view = state.symbols.get(symbol);
  if (!view) return;
  $('detail-title').textContent = symbol;
  const dialog = $('detail');
  dialog.showModal();
  detailChart?.remove();
  $('detail-chart').replaceChildren();
  detailChart = createDetailChart($('detail-chart'), { dark: prefs.dark }, view.bars);
  $('detail-signals').replaceChildren(...filteredSignals(state, symbol, '').slice(0, 50).map((s) =>
    el('li', {}, el('span', { class: s.signal === 'buy' ? 'up' : 'down', text: s.signal }), el('span', { class: 'time', text: fmt.clock(s.timestamp) }),
      el('span', { class: 'reason', text: s.signal_reason ?? '' }))));
  keyValues($('detail-book'), view.orderBook, [['order_type', 'side'], ['price', 'price', fmt.price], ['quantity', 'quantity', fmt.volume], ['timestamp', 'time', fmt.clock]]);
  keyValues($('detail-news'), view.news, [['headline', 'headline'], ['sentiment_score', 'sentiment', (v) => fmt.indicator(v, 2)], ['sentiment_magnitude', 'magnitude', (v) => fmt.indicator(v, 2)], ['news_type', 'type'], ['timestamp', 'time', fmt.clock]]);
  keyValues($('detail-market'), view.marketData, [['market_cap', 'market cap', fmt.volume], ['pe_ratio', 'P/E', (v) => fmt.indicator(v, 1)], ['timestamp', 'time', fmt.clock]]);
}

// --- controls ----------------------------------------------------------------------------------

function applyTheme() {
  document.documentElement.classList.toggle('dark', prefs.dark);
  for (const [symbol, card] of cards) {
    card.chart.remove();
    card.parts.chart.replaceChildren();
    card.chart = createCardChart(card.parts.chart, { dark: prefs.dark, bands });
    drawCard(symbol, true);
  }
}

const thresholdFields = [
  ['rsi_buy_below', 'RSI buy at or below'], ['rsi_sell_above', 'RSI sell at or above'],
  ['news_threshold', 'News score threshold'], ['large_order_notional', 'Large order notional'],
  ['pe_buy_below', 'P/E buy at or below'], ['pe_sell_above', 'P/E sell at or above'],
  ['alarm_cooldown_seconds', 'Alarm cooldown (s)'],
];

async function loadThresholds() {
  try {
    const r = await fetch('/api/thresholds');
    if (!r.ok) return null;
    const rules = await r.json();
    bands = { buy: rules.rsi_buy_below, sell: rules.rsi_sell_above };
    for (const card of cards.values()) card.chart.setBands(bands);
    return rules;
  } catch {
    return null;
  }
}

async function openThresholds() {
  const rules = (await loadThresholds()) ?? {};
  $('thresholds-fields').replaceChildren(...thresholdFields.map(([key, label]) =>
    el('label', {}, label, el('input', { type: 'number', step: 'any', name: key, value: rules[key] ?? '' }))));
  $('thresholds-result').textContent = '';
  $('thresholds').showModal();
}

async function applyThresholds() {
  const change = {};
  for (const input of $('thresholds-fields').querySelectorAll('input')) {
    if (input.value !== '') change[input.name] = Number(input.value);
  }
  // Same-origin: the browser adds the login cookie when the dashboard has a token.
  const r = await fetch('/api/thresholds', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(change),
  });
  const body = await r.json().catch(() => ({}));
  $('thresholds-result').textContent = r.ok ? 'Applied.' : `Not applied: ${body.field ?? ''} ${body.error ?? r.status}`;
  if (r.ok) await loadThresholds();
}

function setupControls() {
  $('pause').addEventListener('click', () => {
    paused = !paused;
    $('pause').textContent = paused ? 'Resume' : 'Pause';
    $('pause').setAttribute('aria-pressed', String(paused));
    document.body.classList.toggle('paused', paused);
    if (!paused) schedule();
  });
  const soundLabel = () => {
    $('sound').textContent = prefs.sound ? 'Sound on' : 'Sound off';
    $('sound').setAttribute('aria-pressed', String(prefs.sound));
  };
  soundLabel();
  $('sound').addEventListener('click', () => {
    prefs.sound = !prefs.sound;
    localStorage.setItem('tickflow.sound', prefs.sound ? 'on' : 'off');
    soundLabel();
  });
  $('browser-notify').addEventListener('click', () => window.Notification?.requestPermission());
  $('theme').addEventListener('click', () => {
    prefs.dark = !prefs.dark;
    localStorage.setItem('tickflow.theme', prefs.dark ? 'dark' : 'light');
    applyTheme();
  });
  $('alarms-toggle').addEventListener('click', () => $('alarm-panel').scrollIntoView({ behavior: 'smooth' }));
  $('ack-all').addEventListener('click', () => { acknowledgeAll(state); schedule(); });
  $('signal-symbol').addEventListener('change', drawSignals);
  $('signal-side').addEventListener('change', drawSignals);
  for (const th of $('summary').tHead.rows[0].cells) {
    th.tabIndex = 0;
    const sort = () => {
      prefs.sort = { column: th.dataset.col, descending: prefs.sort.column === th.dataset.col ? !prefs.sort.descending : false };
      drawSummary();
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (e) => { if (e.key === 'Enter') sort(); });
  }
  $('detail-close').addEventListener('click', () => $('detail').close());
  $('thresholds-open').addEventListener('click', openThresholds);
  $('thresholds-apply').addEventListener('click', applyThresholds);
}

function showConnection(status) {
  const badge = $('connection');
  badge.className = `badge ${status.state}`;
  if (status.state === 'live') {
    badge.textContent = status.latencyMs !== undefined ? `Live · ${Math.round(status.latencyMs)} ms` : 'Live';
  } else if (status.state === 'reconnecting') {
    badge.textContent = status.inMs !== undefined ? `Reconnecting in ${(status.inMs / 1000).toFixed(1)} s (attempt ${status.attempt})` : `Reconnecting (attempt ${status.attempt})…`;
  } else {
    badge.textContent = 'Connecting…';
  }
  window.tickflow.connection = status.state;
}

document.documentElement.classList.toggle('dark', prefs.dark);
setupControls();
loadThresholds();
connect({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
  position: () => ({ epoch: state.epoch, cursor: state.cursor }),
  onMessage: addData,
  onStatus: showConnection,
});
