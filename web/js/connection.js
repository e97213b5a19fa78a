// The live feed's WebSocket: connects to /ws, resumes from the last cursor after a drop
// (the server sends only what was missed, or a snapshot when it cannot), reconnects by
// itself with backoff and jitter, and measures the round trip with pings.

// With a dashboard token the login cookie goes with the upgrade: no token in the URL.
export function connect({ url, onMessage, onStatus, position }) {
  let socket = null;
  let attempt = 0;
  let pingTimer = null;
  let pingSent = 0;
  let stopped = false;

  const open = () => {
    const { epoch, cursor } = position();
    const params = new URLSearchParams();
    if (epoch) {
      params.set('epoch', epoch);
      params.set('cursor', String(cursor));
    }
    const query = params.toString();
    onStatus({ state: attempt === 0 ? 'connecting' : 'reconnecting', attempt });
    socket = new WebSocket(url + (query ? '?' + query : ''));
    socket.onopen = () => {
      attempt = 0;
      onStatus({ state: 'live' });
      pingTimer = setInterval(() => {
        if (socket.readyState === WebSocket.OPEN) {
          pingSent = performance.now();
          socket.send('{"type":"ping"}');
        }
      }, 5000);
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === 'pong' && pingSent) onStatus({ state: 'live', latencyMs: performance.now() - pingSent });
      onMessage(message);
    };
    socket.onclose = () => {
      clearInterval(pingTimer);
      if (stopped) return;
      attempt++;
      const delay = Math.min(10000, 500 * 2 ** Math.min(attempt - 1, 5)) * (0.5 + Math.random() / 2);
      onStatus({ state: 'reconnecting', attempt, inMs: Math.round(delay) });
      setTimeout(open, delay);
    };
  };
  open();
  return {
    close() {
      stopped = true;
      socket?.close();
    },
  };
}
