// The charts on the page (lightweight-charts): a card per stock with candlesticks, MA and
// EMA lines, buy/sell markers (arrow and letter: readable without colour), volume, and an
// RSI pane with its buy/sell bands; and the detail chart with Bollinger bands and MACD.
import {
  createChart, CandlestickSeries, LineSeries, HistogramSeries, createSeriesMarkers, LineStyle, ColorType,
} from '/assets/vendor/lightweight-charts.mjs';
import { bollinger, macd } from './indicators.js';

export function palette(dark) {
  return dark
    ? { bg: '#14171c', text: '#c9d1d9', grid: '#22272e', up: '#3fb950', down: '#f85149', ma: '#d29922', ema: '#58a6ff', rsi: '#bc8cff', vol: 'rgba(139,148,158,0.35)' }
    : { bg: '#ffffff', text: '#24292f', grid: '#eef0f2', up: '#1a7f37', down: '#cf222e', ma: '#9a6700', ema: '#0969da', rsi: '#8250df', vol: 'rgba(87,96,106,0.25)' };
}

function baseOptions(colors, height) {
  return {
    height,
    layout: { background: { type: ColorType.Solid, color: colors.bg }, textColor: colors.text, fontSize: 11, attributionLogo: false },
    grid: { vertLines: { color: colors.grid }, horzLines: { color: colors.grid } },
    timeScale: { timeVisible: true, secondsVisible: true, rightOffset: 3 },
    rightPriceScale: { borderVisible: false },
    autoSize: true,
  };
}

function markerFor(bar, colors) {
  const buy = bar.signal === 'buy';
  return {
    time: bar.time,
    position: buy ? 'belowBar' : 'aboveBar',
    color: buy ? colors.up : colors.down,
    shape: buy ? 'arrowUp' : 'arrowDown',
    text: buy ? 'B' : 'S',
  };
}

const candle = (b) => ({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close });
const line = (key) => (b) => (b[key] === null ? { time: b.time } : { time: b.time, value: b[key] });

// A card's chart. update(bars, full) draws new bars (all of them when `full`).
export function createCardChart(element, { dark, bands }) {
  const colors = palette(dark);
  const chart = createChart(element, baseOptions(colors, element.clientHeight || 260));
  const candles = chart.addSeries(CandlestickSeries, {
    upColor: colors.up, downColor: colors.down, borderVisible: false, wickUpColor: colors.up, wickDownColor: colors.down,
  });
  const ma = chart.addSeries(LineSeries, { color: colors.ma, lineWidth: 1, priceLineVisible: false, lastValueVisible: false, title: 'MA' });
  const ema = chart.addSeries(LineSeries, { color: colors.ema, lineWidth: 1, priceLineVisible: false, lastValueVisible: false, title: 'EMA' });
  const volume = chart.addSeries(HistogramSeries, { color: colors.vol, priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
  chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  const rsi = chart.addSeries(LineSeries, { color: colors.rsi, lineWidth: 1, priceLineVisible: false, title: 'RSI' }, 1);
  const buyBand = rsi.createPriceLine({ price: bands.buy, color: colors.up, lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: true, title: '' });
  const sellBand = rsi.createPriceLine({ price: bands.sell, color: colors.down, lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: true, title: '' });
  chart.panes()[1]?.setHeight(60);
  const markers = createSeriesMarkers(candles, []);
  let lastTime = null;
  let markerCount = -1;

  return {
    chart,
    update(bars, full) {
      if (full || lastTime === null) {
        candles.setData(bars.map(candle));
        ma.setData(bars.map(line('ma')));
        ema.setData(bars.map(line('ema')));
        rsi.setData(bars.map(line('rsi')));
        volume.setData(bars.map((b) => ({ time: b.time, value: b.volume, color: b.close >= b.open ? colors.vol : colors.vol })));
        markerCount = -1;
      } else {
        for (const b of bars) {
          if (b.time <= lastTime) continue;
          candles.update(candle(b));
          ma.update(line('ma')(b));
          ema.update(line('ema')(b));
          rsi.update(line('rsi')(b));
          volume.update({ time: b.time, value: b.volume });
        }
      }
      lastTime = bars.length ? bars[bars.length - 1].time : null;
      const signalled = bars.filter((b) => b.signal === 'buy' || b.signal === 'sell');
      if (signalled.length !== markerCount || full) {
        markers.setMarkers(signalled.map((b) => markerFor(b, colors)));
        markerCount = signalled.length;
      }
    },
    setBands(next) {
      buyBand.applyOptions({ price: next.buy });
      sellBand.applyOptions({ price: next.sell });
    },
    markers: () => markers.markers(),
    remove() {
      chart.remove();
    },
  };
}

// The detail view's chart: candles with Bollinger bands, volume, and MACD below.
export function createDetailChart(element, { dark }, bars) {
  const colors = palette(dark);
  const chart = createChart(element, baseOptions(colors, element.clientHeight || 420));
  const candles = chart.addSeries(CandlestickSeries, { upColor: colors.up, downColor: colors.down, borderVisible: false, wickUpColor: colors.up, wickDownColor: colors.down });
  candles.setData(bars.map(candle));
  createSeriesMarkers(candles, bars.filter((b) => b.signal === 'buy' || b.signal === 'sell').map((b) => markerFor(b, colors)));
  const closes = bars.map((b) => b.close);
  const bb = bollinger(closes);
  for (const [key, style] of [['upper', LineStyle.Dashed], ['middle', LineStyle.Solid], ['lower', LineStyle.Dashed]]) {
    const s = chart.addSeries(LineSeries, { color: colors.ema, lineWidth: 1, lineStyle: style, priceLineVisible: false, lastValueVisible: false, title: key === 'middle' ? 'BB(20,2)' : '' });
    s.setData(bars.map((b, i) => (bb[i] ? { time: b.time, value: bb[i][key] } : { time: b.time })));
  }
  const m = macd(closes);
  const hist = chart.addSeries(HistogramSeries, { priceLineVisible: false, lastValueVisible: false }, 1);
  hist.setData(bars.map((b, i) => (m[i] ? { time: b.time, value: m[i].histogram, color: m[i].histogram >= 0 ? colors.up : colors.down } : { time: b.time })));
  const macdLine = chart.addSeries(LineSeries, { color: colors.ema, lineWidth: 1, priceLineVisible: false, title: 'MACD(12,26,9)' }, 1);
  macdLine.setData(bars.map((b, i) => (m[i] ? { time: b.time, value: m[i].macd } : { time: b.time })));
  const signalLine = chart.addSeries(LineSeries, { color: colors.ma, lineWidth: 1, priceLineVisible: false, title: 'signal' }, 1);
  signalLine.setData(bars.map((b, i) => (m[i] ? { time: b.time, value: m[i].signal } : { time: b.time })));
  chart.panes()[1]?.setHeight(120);
  chart.timeScale().fitContent();
  return chart;
}
