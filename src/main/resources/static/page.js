// digitserve page: draw or drop a digit, see each served model's answer and the 28x28 input it received;
// read a number from a photo and see the box and label of each digit on it;
// a models view with the model cards, confusion heat maps and training jobs followed live over SSE.
// Plain browser JavaScript against the public v1 API; no libraries, no build step.
'use strict';

const API = 'api/v1';
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Quiet time after the last stroke before the drawing is sent: one request per pause, not per stroke. */
const STROKE_DEBOUNCE_MS = 250;
const PAD_INK = '#000';
const PAD_PAPER = '#fff';

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child) node.append(child);
  }
  return node;
}

const fixed = (value, digits) => (value === null || value === undefined ? '—' : Number(value).toFixed(digits));
const percent = (value) => (value === null || value === undefined ? '—' : (100 * value).toFixed(2) + ' %');

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return seconds.toFixed(1) + ' s';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes + ' min ' + Math.round(seconds - 60 * minutes) + ' s';
  return Math.floor(minutes / 60) + ' h ' + (minutes % 60) + ' min';
}

/** The detail of a problem+json answer, or the status line when the body is something else. */
async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || response.status + ' ' + response.statusText;
  } catch (e) {
    return response.status + ' ' + response.statusText;
  }
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(await problemText(response));
  return response.json();
}

// ---- views ---------------------------------------------------------------------------------------

function showView() {
  const wanted = location.hash === '#models' ? 'models' : 'try';
  document.querySelectorAll('[data-view]').forEach((section) => { section.hidden = section.dataset.view !== wanted; });
  document.querySelectorAll('[data-view-link]').forEach((link) => {
    if (link.dataset.viewLink === wanted) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  });
  if (wanted === 'models') loadModelsView();
}

// ---- the try view: pad, file, results ------------------------------------------------------------

const state = {
  models: [],          // served models: {name, kind, version}
  request: 0,          // number of the latest input; older answers are dropped
  debounce: null,
};

function setStatus(text, isError = false) {
  const status = $('#status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

function setUpPad() {
  const pad = $('#pad');
  const context = pad.getContext('2d');
  let drawing = null;   // pointerId of the stroke in progress
  let inked = false;

  const clear = () => {
    context.fillStyle = PAD_PAPER;
    context.fillRect(0, 0, pad.width, pad.height);
    inked = false;
  };
  clear();

  const point = (event) => {
    const box = pad.getBoundingClientRect();
    return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
  };

  pad.addEventListener('pointerdown', (event) => {
    if (drawing !== null || (event.pointerType === 'mouse' && event.button !== 0)) return;
    event.preventDefault();
    drawing = event.pointerId;
    pad.setPointerCapture(event.pointerId);
    clearTimeout(state.debounce);
    context.strokeStyle = PAD_INK;
    context.lineWidth = pad.width / 14;   // about MNIST's stroke width once the digit is scaled to 20 px
    context.lineCap = 'round';
    context.lineJoin = 'round';
    const [x, y] = point(event);
    context.beginPath();
    context.moveTo(x, y);
    context.lineTo(x + 0.01, y);          // a tap leaves a dot
    context.stroke();
    inked = true;
  });
  pad.addEventListener('pointermove', (event) => {
    if (event.pointerId !== drawing) return;
    // coalesced events keep fast strokes smooth where the browser batches pointer moves
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) {
      const [x, y] = point(e);
      context.lineTo(x, y);
    }
    context.stroke();
  });
  const end = (event) => {
    if (event.pointerId !== drawing) return;
    drawing = null;
    if (inked) {
      clearTimeout(state.debounce);
      state.debounce = setTimeout(() => pad.toBlob((blob) => submit(blob, 'drawing')), STROKE_DEBOUNCE_MS);
    }
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);

  // the pad takes focus like any control; Escape (or Delete) clears it from the keyboard
  pad.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' || event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      $('#clear').click();
    }
  });
  $('#clear').addEventListener('click', () => {
    clearTimeout(state.debounce);
    state.request++;   // an answer still on its way is for a drawing that is gone
    clear();
    $('#upload').value = '';
    setStatus('');
    renderResults();
    pad.focus();
  });
}

function setUpFiles() {
  const input = $('#upload');
  input.addEventListener('change', () => {
    if (input.files.length) submitFile(input.files[0]);
  });
  const zone = $('#drop-zone');
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const file = event.dataTransfer.files[0];
    if (file) submitFile(file);
  });
}

function submitFile(file) {
  clearTimeout(state.debounce);
  submit(file, file.name || 'file');
}

/**
 * Sends one picture to every served model and to the preprocessing endpoint, in parallel. A drawing goes
 * as a PNG body, a file as a multipart upload (the two input forms of the API); the results are shown as
 * they arrive.
 */
async function submit(blob, source) {
  const request = ++state.request;
  if (!state.models.length) {
    setStatus('No model is being served.', true);
    return;
  }
  setStatus('Asking ' + state.models.map((m) => m.name).join(' and ') + '…');
  const body = () => {
    if (source === 'drawing') return { body: blob, headers: { 'Content-Type': 'image/png', Accept: 'application/json' } };
    const form = new FormData();
    form.append('image', blob, source);
    return { body: form, headers: { Accept: 'application/json' } };
  };
  for (const model of state.models) {
    const card = $('[data-testid="result-' + CSS.escape(model.name) + '"]');
    card.dataset.state = 'pending';
  }
  const seen = fetch(API + '/preprocess', { method: 'POST', ...body() })
    .then(async (response) => {
      if (!response.ok) throw new Error(await problemText(response));
      return response.json();
    });
  const answers = state.models.map(async (model) => {
    const started = performance.now();
    const response = await fetch(API + '/models/' + encodeURIComponent(model.name) + '/predict', { method: 'POST', ...body() });
    const latency = performance.now() - started;
    if (!response.ok) throw new Error(await problemText(response));
    return { answer: await response.json(), latency };
  });
  seen.then((input) => {
    if (request === state.request) state.models.forEach((model) => drawSeen(model.name, input));
  }, () => { /* the prediction answers carry the same error */ });
  const settled = await Promise.allSettled(answers);
  if (request !== state.request) return;
  let failure = null;
  settled.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') showAnswer(state.models[i], outcome.value.answer, outcome.value.latency);
    else {
      failure = outcome.reason.message;
      showFailure(state.models[i], failure);
    }
  });
  setStatus(failure ? failure : 'Answered (' + (source === 'drawing' ? 'your drawing' : source) + ').', failure !== null);
}

async function loadServedModels() {
  try {
    const list = await getJson(API + '/models');
    state.models = list.models.filter((m) => m.servedVersion !== null && m.servedVersion !== undefined)
      .map((m) => ({ name: m.name, kind: m.kind, version: m.servedVersion }));
    renderResults();
    renderReadModels();
  } catch (e) {
    $('#results').replaceChildren(el('p', { class: 'error', text: 'Could not list the models: ' + e.message }));
  }
}

/** One empty result card per served model; answers fill them in. */
function renderResults() {
  const results = $('#results');
  if (!state.models.length) {
    results.replaceChildren(el('p', { class: 'hint', text: 'No model is being served right now.' }));
    return;
  }
  results.replaceChildren(...state.models.map((model) => el('article',
    { class: 'panel result', 'data-testid': 'result-' + model.name, 'data-state': 'empty', 'aria-labelledby': 'result-title-' + model.name },
    el('div', { class: 'result-head' },
      el('h3', { id: 'result-title-' + model.name, text: model.name }),
      el('span', { class: 'hint', text: model.kind })),
    el('div', { class: 'result-body' },
      el('div', {},
        el('div', { class: 'predicted', 'data-role': 'predicted', 'aria-label': 'predicted label', text: '–' })),
      el('div', { 'data-role': 'chart' }, el('p', { class: 'hint', text: 'Draw a digit or choose a picture.' }))),
    el('div', { class: 'row' },
      el('figure', { class: 'seen-box', hidden: true },
        el('canvas', { class: 'seen', width: 28, height: 28, 'data-testid': 'seen-' + model.name, role: 'img',
          'aria-label': 'The 28 by 28 input ' + model.name + ' received' }),
        el('figcaption', { class: 'hint', text: 'What ' + model.name + ' received (28×28)' })),
      el('p', { class: 'meta', 'data-role': 'meta' })))));
}

function showAnswer(model, answer, latency) {
  const card = $('[data-testid="result-' + CSS.escape(model.name) + '"]');
  const prediction = answer.predictions[0];
  const label = prediction.label !== undefined ? prediction.label : String(prediction.digit);
  const scores = prediction.probabilities ? null : prediction.scores;
  const values = prediction.probabilities || prediction.scores;
  $('[data-role="predicted"]', card).textContent = label;
  $('[data-role="chart"]', card).replaceChildren(
    el('p', { class: 'hint', text: scores ? 'Scores (raw Lasso regression outputs, not probabilities)' : 'Probabilities' }),
    barChart(values, !scores, model.name));
  $('[data-role="meta"]', card).textContent =
    'Answered by ' + answer.model + ' version ' + answer.version + ' in ' + Math.round(latency) + ' ms (round trip).';
  card.dataset.state = 'done';
}

function showFailure(model, message) {
  const card = $('[data-testid="result-' + CSS.escape(model.name) + '"]');
  $('[data-role="predicted"]', card).textContent = '?';
  $('[data-role="chart"]', card).replaceChildren(el('p', { class: 'error', text: message }));
  $('[data-role="meta"]', card).textContent = '';
  $('.seen-box', card).hidden = true;
  card.dataset.state = 'failed';
}

/** The 28x28 input drawn one canvas pixel per input pixel; CSS enlarges it without smoothing. */
function drawSeen(name, input) {
  const canvas = $('[data-testid="seen-' + CSS.escape(name) + '"]');
  const context = canvas.getContext('2d');
  const image = context.createImageData(input.width, input.height);
  input.pixels.forEach((value, i) => {
    const level = Math.round(Math.max(0, Math.min(1, value)) * 255);
    image.data.set([level, level, level, 255], i * 4);
  });
  canvas.width = input.width;
  canvas.height = input.height;
  context.putImageData(image, 0, 0);
  canvas.closest('.seen-box').hidden = false;
}

/**
 * Ten bars, the highest filled darker. Probabilities share a fixed 0..1 scale so that confidence can be
 * compared between answers; scores (which may be negative) are scaled to their own range around zero.
 */
function barChart(values, areProbabilities, name) {
  const width = 220;
  const height = 110;
  const top = 14;
  const bottom = 16;
  const slot = width / values.length;
  const max = areProbabilities ? 1 : Math.max(0, ...values);
  const min = areProbabilities ? 0 : Math.min(0, ...values);
  const span = max - min || 1;
  const y = (v) => top + (height - top - bottom) * (max - v) / span;
  const best = values.indexOf(Math.max(...values));
  const described = values.map((v, i) => i + ': ' + (areProbabilities ? (100 * v).toFixed(1) + '%' : v.toFixed(3))).join(', ');
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img',
    'aria-label': (areProbabilities ? 'Probabilities' : 'Scores') + ' of ' + name + ': ' + described });
  chart.append(svg('line', { x1: 0, x2: width, y1: y(0), y2: y(0), class: 'axis' }));
  values.forEach((v, i) => {
    const y0 = y(Math.max(v, 0));
    const y1 = y(Math.min(v, 0));
    const bar = svg('rect', { x: i * slot + 3, y: y0, width: slot - 6, height: Math.max(0.5, y1 - y0),
      class: i === best ? 'bar top' : 'bar' });
    bar.append(svg('title', { text: i + ': ' + (areProbabilities ? (100 * v).toFixed(2) + ' %' : v.toFixed(4)) }));
    chart.append(bar);
    chart.append(svg('text', { x: i * slot + slot / 2, y: height - 3, 'text-anchor': 'middle', 'font-size': 10,
      'font-weight': i === best ? 700 : 400, text: String(i) }));
  });
  const label = areProbabilities ? (100 * values[best]).toFixed(1) + '%' : values[best].toFixed(2);
  chart.append(svg('text', { x: best * slot + slot / 2, y: Math.max(10, y(Math.max(values[best], 0)) - 3),
    'text-anchor': 'middle', 'font-size': 9, text: label }));
  return chart;
}

// ---- reading a number ----------------------------------------------------------------------------

function setUpReading() {
  const input = $('#read-upload');
  input.addEventListener('change', () => {
    if (input.files.length) readNumber(input.files[0]);
  });
}

/** The served models to read with; kept in step with the result cards. */
function renderReadModels() {
  const select = $('#read-model');
  const chosen = select.value;
  select.replaceChildren(...state.models.map((m) => el('option', { value: m.name, text: m.name + ' v' + m.version })));
  if (state.models.some((m) => m.name === chosen)) select.value = chosen;
}

/**
 * Sends a picture of a number to /read and shows the text, and the picture with each digit's box and its
 * label above it. Boxes are in the pixels of the picture as viewed (after its EXIF orientation), which is
 * how the browser shows it too, so they are drawn in an SVG whose coordinates are the picture's own.
 */
async function readNumber(file) {
  const model = $('#read-model').value;
  const status = $('#read-status');
  const figure = $('#read-figure');
  const text = $('[data-testid="read-text"]');
  if (!model) {
    status.textContent = 'No model is being served.';
    status.classList.add('error');
    return;
  }
  status.classList.remove('error');
  status.textContent = 'Reading with ' + model + '…';
  text.textContent = '';
  figure.replaceChildren();
  const form = new FormData();
  form.append('image', file, file.name || 'photo');
  const url = URL.createObjectURL(file);
  try {
    const [answer, picture] = await Promise.all([
      fetch(API + '/models/' + encodeURIComponent(model) + '/read', { method: 'POST', body: form, headers: { Accept: 'application/json' } })
        .then(async (response) => {
          if (!response.ok) throw new Error(await problemText(response));
          return response.json();
        }),
      new Promise((resolve, reject) => {
        const image = new Image();
        image.onload = () => resolve(image);
        image.onerror = () => reject(new Error('this browser cannot show the picture'));
        image.src = url;
      })]);
    text.textContent = answer.text;
    figure.replaceChildren(boxedPicture(url, picture.naturalWidth, picture.naturalHeight, answer));
    status.textContent = 'Read by ' + answer.model + ' version ' + answer.version + ': ' + answer.digits.length + ' digits.';
  } catch (e) {
    URL.revokeObjectURL(url);
    status.textContent = e.message;
    status.classList.add('error');
  }
}

function boxedPicture(url, width, height, answer) {
  const size = Math.max(12, Math.round(Math.max(width, height) / 30));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'read-picture', role: 'img',
    'aria-label': 'The picture with the boxes of the digits read: ' + answer.text });
  chart.append(svg('image', { href: url, x: 0, y: 0, width, height }));
  answer.digits.forEach((digit) => {
    const [x, y, w, h] = digit.box;
    const confidence = digit.probability !== undefined && digit.probability !== null
      ? (100 * digit.probability).toFixed(1) + ' %' : 'score ' + Number(digit.score).toFixed(2);
    const box = svg('rect', { x, y, width: w, height: h, class: 'read-box', 'data-testid': 'read-box',
      'stroke-width': Math.max(1.5, size / 8) });
    box.append(svg('title', { text: digit.label + ' (' + confidence + ')' }));
    chart.append(box);
    // above the box, or inside its top when the box touches the picture's top edge
    const above = y - size * 0.25;
    chart.append(svg('text', { x: x + w / 2, y: above >= size ? above : y + size, 'text-anchor': 'middle',
      'font-size': size, 'font-weight': 700, class: 'read-label', 'data-testid': 'read-label', text: digit.label }));
  });
  return chart;
}

// ---- the models view -----------------------------------------------------------------------------

const jobStreams = new Map();   // job id -> {source, points}

async function loadModelsView() {
  const container = $('#model-cards');
  try {
    const list = await getJson(API + '/models');
    container.replaceChildren(...list.models.map(modelSection));
    if (!list.models.length) container.append(el('p', { class: 'hint', text: 'The repository holds no models.' }));
  } catch (e) {
    container.replaceChildren(el('p', { class: 'error', text: 'Could not list the models: ' + e.message }));
  }
  loadJobs();
}

function modelSection(model) {
  const served = model.versions.find((v) => v.version === model.servedVersion);
  const card = served && served.card;
  return el('article', { class: 'panel model', 'aria-labelledby': 'model-title-' + model.name },
    el('h3', { id: 'model-title-' + model.name, text: model.name + ' (' + model.kind + ')' }),
    el('p', { class: 'meta', text: (model.servedVersion ? 'Serving version ' + model.servedVersion : 'No version served')
      + (model.pinnedVersion ? ' (pinned)' : '') + ' · ' + (model.ready ? 'ready' : 'not ready') }),
    el('div', { class: 'model-grid' },
      el('div', {},
        versionsTable(model),
        card ? figures(card) : el('p', { class: 'hint', text: 'No model card for the served version.' })),
      card && card.metrics && card.metrics.confusionMatrix
        ? el('div', {},
          el('p', { class: 'label', text: 'Confusion matrix (version ' + card.version + ', ' + card.metrics.samples + ' test images)' }),
          heatMap(card.metrics.confusionMatrix, model.name))
        : null));
}

function versionsTable(model) {
  return el('table', {},
    el('caption', { text: 'Versions' }),
    el('thead', {}, el('tr', {}, ['Version', 'State', 'Created', 'Accuracy'].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, model.versions.map((v) => el('tr', {},
      el('td', { text: String(v.version) + (v.version === model.servedVersion ? ' (served)' : '') }),
      el('td', {}, el('span', { class: 'state-' + v.state, text: v.state }), v.reason ? el('div', { class: 'hint', text: v.reason }) : null),
      el('td', { text: v.card && v.card.created ? new Date(v.card.created).toLocaleString() : '—' }),
      el('td', { text: v.card && v.card.metrics ? percent(v.card.metrics.accuracy) : '—' })))));
}

function figures(card) {
  const m = card.metrics || {};
  const t = card.training || {};
  const parameters = Object.entries(t.parameters || {}).map(([k, v]) => k + ' = ' + v).join(', ');
  const rows = [
    ['Accuracy', percent(m.accuracy)],
    ['LRAP', fixed(m.lrap, 4)],
    ['Loss', m.loss === null || m.loss === undefined ? '— (scores are not probabilities)' : fixed(m.loss, 4) + ' (mean cross-entropy)'],
    ['Training images', t.samples],
    ['Epochs', t.epochs],
    ['Batch size', t.batchSize],
    ['Updater', t.updater],
    ['Parameters', parameters],
    ['Training took', duration(t.durationSeconds)],
    ['Created', card.created ? new Date(card.created).toLocaleString() : null],
  ].filter(([, value]) => value !== null && value !== undefined && value !== '');
  return el('dl', { class: 'figures', 'data-testid': 'figures-' + card.name },
    rows.map(([name, value]) => [el('dt', { text: name }), el('dd', { text: String(value) })]));
}

/**
 * Rows are true labels, columns predictions. A cell's colour is its share of the row (the true digit's
 * images), on a square-root scale so that the few confusions stay visible next to a 99% diagonal;
 * correct answers are blue, confusions red. Every cell has its count as a tooltip and, if non-zero, as text.
 */
function heatMap(matrix, name) {
  const n = matrix.length;
  const cell = 30;
  const margin = 30;
  const size = margin + n * cell;
  const chart = svg('svg', { viewBox: `0 0 ${size + 4} ${size + 4}`, class: 'heat', role: 'img',
    'data-testid': 'confusion-' + name,
    'aria-label': 'Confusion matrix of ' + name + ': rows are the true digits, columns the predicted ones' });
  chart.append(svg('text', { x: margin + n * cell / 2, y: 9, 'text-anchor': 'middle', 'font-size': 9, text: 'predicted →' }));
  chart.append(svg('text', { x: 9, y: margin + n * cell / 2, 'text-anchor': 'middle', 'font-size': 9,
    transform: `rotate(-90 9 ${margin + n * cell / 2})`, text: 'true →' }));
  for (let i = 0; i < n; i++) {
    chart.append(svg('text', { x: margin + i * cell + cell / 2, y: margin - 5, 'text-anchor': 'middle', 'font-size': 10, text: String(i) }));
    chart.append(svg('text', { x: margin - 7, y: margin + i * cell + cell / 2 + 3, 'text-anchor': 'middle', 'font-size': 10, text: String(i) }));
  }
  matrix.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, p) => {
      const share = Math.sqrt(count / total);
      const colour = t === p ? `rgba(31, 78, 140, ${share})` : `rgba(179, 38, 30, ${Math.min(1, share * 1.5)})`;
      const rect = svg('rect', { x: margin + p * cell, y: margin + t * cell, width: cell - 1, height: cell - 1,
        fill: count ? colour : '#f7f7f7' });
      rect.append(svg('title', { text: `true ${t}, predicted ${p}: ${count} images (${(100 * count / total).toFixed(1)} %)` }));
      chart.append(rect);
      if (count) {
        chart.append(svg('text', { x: margin + p * cell + cell / 2 - 0.5, y: margin + t * cell + cell / 2 + 3,
          'text-anchor': 'middle', 'font-size': count >= 1000 ? 7.5 : 9,
          fill: share > 0.6 ? '#fff' : '#1b1f24', text: String(count) }));
      }
    });
  });
  return chart;
}

// ---- training jobs -------------------------------------------------------------------------------

async function loadJobs() {
  const container = $('#jobs');
  let page;
  try {
    page = await getJson(API + '/training-jobs?size=20');
  } catch (e) {
    container.replaceChildren(el('p', { class: 'error', text: 'Could not list the training jobs: ' + e.message }));
    return;
  }
  if (!page.jobs.length) {
    container.replaceChildren(el('p', { class: 'hint',
      text: 'No training jobs yet. Start one with POST /api/v1/training-jobs (an API key is needed); it appears here with a live chart.' }));
    return;
  }
  container.replaceChildren(...page.jobs.map((job) => el('article', { class: 'panel job', 'data-testid': 'job-' + job.id, id: 'job-' + job.id })));
  page.jobs.forEach((job) => {
    const stream = jobStreams.get(job.id) || { points: new Map(), source: null };
    jobStreams.set(job.id, stream);
    record(stream, job);
    renderJob(job, stream);
    if (!isFinal(job.state) && !stream.source) follow(job.id, stream);
  });
}

const isFinal = (s) => s === 'SUCCEEDED' || s === 'FAILED' || s === 'CANCELLED';

/** Keeps per epoch the latest mean training loss and, once the epoch closes, its test accuracy. */
function record(stream, job) {
  const p = job.progress;
  if (!p || !p.epoch) return;
  const point = stream.points.get(p.epoch) || { epoch: p.epoch, loss: null, accuracy: null };
  if (p.loss !== null && p.loss !== undefined) point.loss = p.loss;
  if (p.testAccuracy !== null && p.testAccuracy !== undefined) point.accuracy = p.testAccuracy;
  stream.points.set(p.epoch, point);
}

function follow(id, stream) {
  const source = new EventSource(API + '/training-jobs/' + encodeURIComponent(id) + '/events');
  stream.source = source;
  source.addEventListener('job', (event) => {
    const job = JSON.parse(event.data);
    record(stream, job);
    renderJob(job, stream);
    if (isFinal(job.state)) {
      // the server ends the stream after the final state; closing stops EventSource from reconnecting
      source.close();
      stream.source = null;
      if (job.state === 'SUCCEEDED') loadModelsView();
    }
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) stream.source = null;
  });
}

function renderJob(job, stream) {
  const box = document.getElementById('job-' + job.id);
  if (!box) return;
  const p = job.progress || {};
  const facts = [
    ['State', el('span', { class: 'state-' + job.state, text: job.state })],
    ['Model', job.model + (job.version ? ' → version ' + job.version : '')],
    ['Epoch', p.epochs ? p.epoch + ' of ' + p.epochs : null],
    ['Training loss', p.loss !== null && p.loss !== undefined ? fixed(p.loss, 4) : null],
    ['Test accuracy', job.metrics ? percent(job.metrics.accuracy) : (p.testAccuracy ? percent(p.testAccuracy) : null)],
    ['Elapsed', p.elapsedSeconds ? duration(p.elapsedSeconds) + (isFinal(job.state) ? '' : ', about ' + duration(p.remainingSeconds) + ' left') : null],
    ['Created', job.createdAt ? new Date(job.createdAt).toLocaleString() : null],
    ['Failure', job.failureReason],
  ].filter(([, v]) => v !== null && v !== undefined);
  box.replaceChildren(
    el('h3', { text: 'Job ' + job.id }),
    el('dl', { class: 'figures' }, facts.map(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)])),
    lossChart([...stream.points.values()].sort((a, b) => a.epoch - b.epoch), job));
}

/** Training loss (left scale) and test accuracy (right scale, %) per epoch, as two lines with dots. */
function lossChart(points, job) {
  const width = 360;
  const height = 170;
  const left = 42;
  const right = 42;
  const top = 12;
  const bottom = 26;
  const epochs = Math.max(1, (job.progress && job.progress.epochs) || 1, ...points.map((p) => p.epoch));
  const x = (epoch) => left + (epochs === 1 ? 0.5 : (epoch - 1) / (epochs - 1)) * (width - left - right);
  const losses = points.filter((p) => p.loss !== null);
  const accuracies = points.filter((p) => p.accuracy !== null);
  const maxLoss = Math.max(1e-9, ...losses.map((p) => p.loss)) * 1.1;
  const minAccuracy = Math.min(0.9, ...accuracies.map((p) => p.accuracy));
  const yLoss = (v) => top + (height - top - bottom) * (1 - v / maxLoss);
  const yAcc = (v) => top + (height - top - bottom) * (1 - (v - minAccuracy) / (1 - minAccuracy || 1));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart job-chart', role: 'img', 'data-testid': 'job-chart-' + job.id,
    'aria-label': 'Training loss and test accuracy per epoch: ' + points.map((p) => 'epoch ' + p.epoch + ' loss ' + fixed(p.loss, 4)
      + ' accuracy ' + percent(p.accuracy)).join('; ') });
  chart.append(svg('line', { x1: left, x2: width - right, y1: height - bottom, y2: height - bottom, class: 'axis' }));
  chart.append(svg('line', { x1: left, x2: left, y1: top, y2: height - bottom, class: 'axis' }));
  chart.append(svg('line', { x1: width - right, x2: width - right, y1: top, y2: height - bottom, class: 'axis' }));
  for (let e = 1; e <= epochs; e += Math.max(1, Math.ceil(epochs / 10))) {
    chart.append(svg('text', { x: x(e), y: height - bottom + 12, 'text-anchor': 'middle', 'font-size': 9, text: String(e) }));
  }
  chart.append(svg('text', { x: width / 2, y: height - 2, 'text-anchor': 'middle', 'font-size': 9, text: 'epoch' }));
  chart.append(svg('text', { x: 2, y: top + 4, 'font-size': 9, fill: '#b35c00', text: fixed(maxLoss, 3) }));
  chart.append(svg('text', { x: 2, y: height - bottom, 'font-size': 9, fill: '#b35c00', text: 'loss 0' }));
  chart.append(svg('text', { x: width - right + 3, y: top + 4, 'font-size': 9, fill: '#1f4e8c', text: '100 %' }));
  chart.append(svg('text', { x: width - right + 3, y: height - bottom, 'font-size': 9, fill: '#1f4e8c', text: percent(minAccuracy).replace('.00', '') }));
  const line = (series, y, colour) => {
    if (series.length > 1) {
      chart.append(svg('polyline', { points: series.map((p) => x(p.epoch) + ',' + y(p)).join(' '), fill: 'none', stroke: colour, 'stroke-width': 2 }));
    }
    series.forEach((p) => chart.append(svg('circle', { cx: x(p.epoch), cy: y(p), r: 3, fill: colour })));
  };
  line(losses, (p) => yLoss(p.loss), '#b35c00');
  line(accuracies, (p) => yAcc(p.accuracy), '#1f4e8c');
  const legend = el('p', { class: 'hint' }, el('span', { class: 'legend-loss', text: '● training loss' }), ' ',
    el('span', { class: 'legend-acc', text: '● test accuracy' }),
    points.length ? '' : ' — no epoch reported yet');
  return el('div', {}, chart, legend);
}

// ---- start ---------------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  setUpPad();
  setUpFiles();
  setUpReading();
  $('#refresh-models').addEventListener('click', loadModelsView);
  window.addEventListener('hashchange', showView);
  showView();
  loadServedModels();
});
