#!/usr/bin/python3
"""The whole pipeline as separate processes over a real Kafka broker, under a schedule of
faults, then an audit of what came out against what went in.

Started: its own single-node Kafka broker (scripts/kafka on port 29092, so other tests keep
theirs), a real SMTP server (tests/integration/notify/smtp_sink.py), and tickflow ingest,
process, signal, notify (SMTP), aggregate and dashboard, each its own process with its own
data dir (notify's on a small tmpfs). A sender plays the generator: `tickflow generate`
records, each given a `chaos_id` (an extra member, which passes through every stage), some
deliberately invalid, POSTed as NDJSON at a steady rate; it resends what was not answered
as accepted, as a client should.

Faults, in order: kill -9 and restart of each service in turn; broker stopped and started;
SMTP server down and up; ingest flooded past its bus capacity (503s, resent); a dashboard
client that never reads; notify's data dir full.

Audit: every record sent is in validated_data or rejected_data exactly once (copies of one
record with one seq are redelivery, not duplicates; a record landing twice with two seqs is
a duplicate, explained only when the sender resent it after an answer it never got); every
tick has its processed record; processed indicator values equal `tickflow replay` of the
same validated input; every alarm raised reaches the SMTP server. Prints the table, writes
it to OUT/report.md and report.json, exits 1 when anything is lost, unexplained or wrong.

Usage: chaos.py --tickflow BIN [--seconds 60] [--rate 200] [--out DIR]
"""
import argparse
import atexit
import collections
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KAFKA_PORT = 29092
KAFKA_ENV = dict(os.environ, KAFKA_VAR="var/kafka-chaos", KAFKA_BASE_PORT=str(KAFKA_PORT))
BROKERS = f"127.0.0.1:{KAFKA_PORT}"
SERVICES = ["ingest", "process", "signal", "notify", "aggregate", "dashboard"]


def log(msg):
    print(f"chaos {time.strftime('%H:%M:%S')} {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kafka(cmd):
    subprocess.run([f"{ROOT}/scripts/kafka", cmd], env=KAFKA_ENV, check=True, stdout=subprocess.DEVNULL)


class Service:
    """One tickflow service process; started again with the same arguments after a kill."""

    def __init__(self, args, logfile):
        self.args, self.logfile, self.proc, self.starts = args, logfile, None, 0

    def start(self):
        self.starts += 1
        out = open(self.logfile, "a")
        self.proc = subprocess.Popen(self.args, stdout=out, stderr=out, start_new_session=True)

    def kill9(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def http_get(port, path, timeout=5):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        c.close()


class Sender:
    """Posts the records in NDJSON batches at a steady rate; resends until each batch is
    answered as accepted. Ids in a batch whose answer was lost (connection cut, timeout,
    an unacknowledged 503) are noted: if they land twice, that is why."""

    def __init__(self, port, lines, rate, batch):
        self.port, self.lines, self.rate, self.batch = port, lines, rate, batch
        self.next = 0
        self.lock = threading.Lock()
        self.ambiguous = set()
        self.status = collections.Counter()
        self.flood_until = 0.0
        self.stop = False

    def take(self, n):
        with self.lock:
            start = self.next
            self.next = min(len(self.lines), start + n)
            return list(range(start, self.next))

    def post(self, ids):
        body = "\n".join(self.lines[i] for i in ids).encode()
        while ids and not self.stop:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
            try:
                c.request("POST", "/ingest", body, {"Content-Type": "application/x-ndjson"})
                r = c.getresponse()
                answer = json.loads(r.read() or b"{}")
                self.status[r.status] += 1
                if r.status == 200:
                    return
                if r.status == 503 and "retry_from_index" in answer:
                    ids = ids[answer["retry_from_index"]:]  # those before were taken
                elif r.status == 503:
                    self.ambiguous.update(ids)  # published, not acknowledged: may land
                else:
                    raise RuntimeError(f"ingest answered {r.status}: {answer}")
            except (ConnectionRefusedError,):
                self.status["refused"] += 1  # nothing was sent
            except (OSError, http.client.HTTPException, json.JSONDecodeError):
                self.status["cut"] += 1
                self.ambiguous.update(ids)
            finally:
                c.close()
            body = "\n".join(self.lines[i] for i in ids).encode()
            time.sleep(0.3)

    def run(self):
        interval = self.batch / self.rate
        due = time.monotonic()
        while not self.stop:
            if time.monotonic() < self.flood_until:
                self.flood()
                due = time.monotonic()
                continue
            ids = self.take(self.batch)
            if not ids:
                break
            self.post(ids)
            due += interval
            time.sleep(max(0.0, due - time.monotonic()))

    def flood(self):
        """Eight clients at once with 3,000-record batches, no pause, until flood_until or
        24,000 records."""
        limit = self.next + 24000

        def client():
            while time.monotonic() < self.flood_until and not self.stop and self.next < limit:
                ids = self.take(3000)
                if not ids:
                    return
                self.post(ids)
        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def slow_client(port, seconds, result):
    """Opens the dashboard's live feed and never reads from it."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    result["handshake"] = s.recv(12).decode(errors="replace")
    time.sleep(seconds)
    # Read what the server had queued for us: if it hung up, its close comes after that data
    # (the FIN waits behind the bytes we never read), as b"" within a few seconds.
    result["closed_by_server"] = False
    s.settimeout(2)
    deadline = time.monotonic() + 10
    try:
        while time.monotonic() < deadline:  # still streaming after that: still open
            if not s.recv(1 << 20):
                result["closed_by_server"] = True
                break
    except socket.timeout:
        pass  # still open, quiet
    except OSError:
        result["closed_by_server"] = True  # reset
    s.close()


def dump_topic(topic):
    out = subprocess.run(["kcat", "-C", "-b", BROKERS, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\n"],
                         capture_output=True, text=True, timeout=300)
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tickflow", required=True)
    p.add_argument("--seconds", type=float, default=60, help="how long the steady sender runs (faults fit in it)")
    p.add_argument("--rate", type=float, default=200, help="records/s of the steady sender")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "chaos"))
    a = p.parse_args()

    run_id = str(int(time.time()))
    work = tempfile.mkdtemp(prefix="tickflow-chaos-")
    os.makedirs(a.out, exist_ok=True)
    topics = {k: f"chaos-{run_id}-{k}" for k in
              ["validated", "processed", "alarms", "signals", "rejected", "summary", "notifications", "control"]}
    ports = {s: free_port() for s in SERVICES}
    smtp_port = free_port()

    # Notify's data dir on a small tmpfs, so it can be filled.
    notify_dir = os.path.join(work, "notify")
    os.makedirs(notify_dir)
    disk_fault = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", notify_dir],
                                capture_output=True, text=True)
    mounted = disk_fault.returncode == 0

    config = os.path.join(work, "chaos.toml")
    with open(config, "w") as f:
        f.write('[bus]\nkind = "kafka"\n')
        # A small producer queue: one flood request overruns it (ingest answers 503 with
        # the index to resend from).
        f.write(f'[kafka]\nbrokers = "{BROKERS}"\n"queue.buffering.max.messages" = "2000"\n')
        f.write("[topics]\n" + "".join(f'{k} = "{v}"\n' for k, v in topics.items()))
        for s in SERVICES:
            f.write(f'[{s}]\nlisten = "127.0.0.1:{ports[s]}"\n')
            if s == "ingest":  # no waiting for room: a full producer queue is answered 503 at once
                f.write("publish_wait_ms = 0\n")
            if s == "notify":
                f.write(f'channels = "smtp"\nsmtp_url = "smtp://127.0.0.1:{smtp_port}"\ndigest_per_minute = 0\n'
                        "retry_initial_ms = 200\nretry_max_ms = 2000\nmax_attempts = 1000\n")
    log(f"work dir {work}; notify data dir on tmpfs: {mounted}")

    kafka("wipe")
    kafka("start")
    smtp_out = os.path.join(work, "smtp.jsonl")
    # Debian's python3 (where bootstrap installs python3-aiosmtpd), whatever python runs this.
    smtp_args = ["/usr/bin/python3", f"{ROOT}/tests/integration/notify/smtp_sink.py", "--port", str(smtp_port),
                 "--out", smtp_out]
    smtp = Service(smtp_args, os.path.join(work, "smtp.log"))
    smtp.start()
    services = {}
    for s in SERVICES:
        args = [a.tickflow, s, "--config", config]
        if s != "aggregate":  # the one service without state on disk
            d = notify_dir if s == "notify" else os.path.join(work, s)
            os.makedirs(d, exist_ok=True)
            args += ["--data-dir", d]
        services[s] = Service(args, os.path.join(work, f"{s}.log"))
        services[s].start()
    torn_down = []

    def tear_down():  # once, also when the run dies half-way (atexit)
        if torn_down:
            return
        torn_down.append(True)
        for service in services.values():
            service.stop()
        smtp.stop()
        kafka("wipe")
        if mounted:
            subprocess.run(["umount", notify_dir])

    atexit.register(tear_down)

    time.sleep(3)
    dead = [s for s in SERVICES if not services[s].alive()] + ([] if smtp.alive() else ["smtp"])
    if dead:
        for s in dead:
            log(f"{s} did not start: " + open(os.path.join(work, f"{s}.log")).read()[-800:])
        tear_down()
        return 1

    # Input: generated records with an id; every 97th made invalid (a timestamp that is text).
    count = int(a.rate * a.seconds) + 30000  # the steady part plus what the flood takes
    gen = subprocess.run([a.tickflow, "generate", "--out", "-", "--count", str(count), "--seed", run_id[-6:]],
                         capture_output=True, text=True, check=True)
    lines = []
    for i, line in enumerate(gen.stdout.splitlines()):
        if i % 97 == 96:
            line = re.sub(r'"timestamp":[^,}]+', '"timestamp":"not a number"', line)
        lines.append("{" + f'"chaos_id":{i},' + line.lstrip()[1:])

    # Wait until ingest and the consumers are up (groups joined on a fresh broker).
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if http_get(ports["ingest"], "/healthz")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.5)
    time.sleep(5)

    sender = Sender(ports["ingest"], lines, a.rate, max(1, int(a.rate / 10)))
    sending = threading.Thread(target=sender.run)
    sending.start()
    t0 = time.monotonic()
    faults = []

    def at(offset):
        time.sleep(max(0.0, t0 + offset * a.seconds - time.monotonic()))

    step = 1.0 / 16
    for k, s in enumerate(SERVICES):
        at(step * (k + 0.5))
        log(f"kill -9 {s}")
        services[s].kill9()
        time.sleep(2)
        services[s].start()
        faults.append(f"kill -9 {s}, restarted after 2 s")
    at(step * 6.5)
    log("broker stopped")
    kafka("stop")
    time.sleep(6)
    kafka("start")
    log("broker started")
    faults.append("Kafka broker stopped for 6 s (plus its start-up), started again")
    at(step * 8.5)
    log("SMTP server down")
    smtp.stop()
    time.sleep(8)
    smtp.start()
    faults.append("SMTP server down for 8 s")
    at(step * 10)
    log("flooding ingest")
    refusals_before = sender.status[503]
    sender.flood_until = time.monotonic() + 3
    time.sleep(4)
    faults.append(f"ingest flooded by 8 clients with 3,000-record batches for 3 s: "
                  f"{sender.status[503] - refusals_before} answered 503, resent")
    at(step * 11)
    slow = {}
    log("slow dashboard client")
    slow_thread = threading.Thread(target=slow_client, args=(ports["dashboard"], 25, slow))
    slow_thread.start()
    slow_thread.join()
    dash_ok = http_get(ports["dashboard"], "/healthz")[0] == 200
    faults.append(f"a dashboard client that never read for 25 s (handshake {slow.get('handshake', '?')!r}; "
                  f"closed by the server: {slow.get('closed_by_server')}; dashboard healthy after: {dash_ok})")
    at(step * 13)
    if mounted:
        log("notify's disk full")
        filler = os.path.join(notify_dir, "filler")
        with open(filler, "wb", buffering=0) as f:  # unbuffered: no flush left to fail at close
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass  # ENOSPC: full
        time.sleep(8)
        os.remove(filler)
        faults.append("notify's data dir full (tmpfs filled) for 8 s")
    else:
        faults.append(f"notify's data dir full: NOT injected, tmpfs mount refused ({disk_fault.stderr.strip()})")

    at(1.0)
    sender.stop = True
    sending.join()
    sent_ids = set(range(sender.next))
    log(f"sent {len(sent_ids)} records; waiting for the pipeline to drain")

    # Drained: every validated record has its processed record, every alarm raised is in
    # a mail, and neither count moved for 10 s (or 300 s have passed).
    def key(r):
        return r.get("stock_symbol") or r.get("indicator_name")

    def delivered_ids():
        found = collections.Counter()
        if not os.path.exists(smtp_out):
            return found
        for line in open(smtp_out):
            text = json.loads(line)["text"]
            # One alarm: "Alarm id:  GDP Growth Rate:12:macro" (ids may hold spaces); a
            # digest lists "[id]" at the end of each line.
            ids = re.findall(r"Alarm id:[ \t]+([^\r\n]+)", text) + re.findall(r"\[([^\]\r\n]+:[^\]\r\n]+)\]\r?$", text, re.M)
            for aid in ids:
                found[aid.strip()] += 1
        return found

    last, since = None, time.time()
    deadline = time.time() + 300
    while True:
        validated = dump_topic(topics["validated"])
        processed = dump_topic(topics["processed"])
        alarms = dump_topic(topics["alarms"])
        delivered = delivered_ids()
        want = {(key(r), r["seq"]) for r in validated}
        have = {(key(r), r["seq"]) for r in processed}
        raised = {r["alarm_id"] for r in alarms}
        now = (len(want), len(have), len(raised), len(delivered))
        done = want <= have and raised <= set(delivered)
        if now != last:
            last, since = now, time.time()
            log(f"validated {now[0]:,}, processed {now[1]:,}, alarms {now[2]:,}, delivered {now[3]:,}")
        if (done and time.time() - since >= 10) or time.time() > deadline:
            break
        time.sleep(5)
    rejected = dump_topic(topics["rejected"])
    mails = [json.loads(l) for l in open(smtp_out)] if os.path.exists(smtp_out) else []
    tear_down()

    # --- audit ---
    by_seq = {}
    for r in validated:
        by_seq[(key(r), r["seq"])] = r  # redelivered copies of one record collapse
    landed = collections.Counter(r["chaos_id"] for r in by_seq.values())
    rejected_ids = collections.Counter()
    for r in rejected:
        m = re.search(r'"chaos_id":(\d+)', str(r.get("input", "")))
        if m:
            rejected_ids[int(m.group(1))] += 1
    lost = [i for i in sent_ids if landed[i] == 0 and rejected_ids[i] == 0]
    dup = [i for i in sent_ids if landed[i] + rejected_ids[i] > 1]
    unexplained_dup = [i for i in dup if i not in sender.ambiguous]
    expected_rejects = sum(1 for i in sent_ids if i % 97 == 96)

    proc_by_seq = {(key(r), r["seq"]): r for r in processed}
    missing_processed = [k for k in by_seq if k not in proc_by_seq]

    # Indicators against a fault-free replay of the same validated records, per symbol in seq order.
    per_symbol = collections.defaultdict(list)
    for (k, seq), r in sorted(by_seq.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        per_symbol[k].append(r)
    replay_in = []
    order = []
    for k, recs in per_symbol.items():
        for r in recs:
            clean = {f: v for f, v in r.items() if f not in ("seq", "ingest_ts")}
            replay_in.append(json.dumps(clean))
            order.append((k, r["seq"]))
    rep = subprocess.run([a.tickflow, "replay", "--in", "-", "--out", "-", "--no-progress"], input="\n".join(replay_in),
                         capture_output=True, text=True)
    replayed = [json.loads(l) for l in rep.stdout.splitlines() if l.strip()]
    mismatches = 0
    compared = 0
    for (k, seq), want in zip(order, replayed):
        got = proc_by_seq.get((k, seq))
        if got is None or want.get("data_type") != "stock":
            continue
        compared += 1
        if any(got.get(f) != want.get(f) for f in ("ma", "ema", "rsi")):
            mismatches += 1
    if len(replayed) != len(order):
        mismatches += abs(len(replayed) - len(order))

    alarms_lost = raised - set(delivered)
    mail_ids = collections.Counter(m["message_id"] for m in mails)
    mail_dups = sum(n - 1 for n in mail_ids.values() if n > 1)

    rows = [
        ("faults injected", str(len(faults))),
        ("records sent (distinct ids)", f"{len(sent_ids):,}"),
        ("  landed in validated_data", f"{sum(1 for i in sent_ids if landed[i] > 0):,}"),
        ("  landed in rejected_data", f"{sum(1 for i in sent_ids if rejected_ids[i] > 0):,} (invalid on purpose: {expected_rejects:,})"),
        ("  lost", f"{len(lost):,}"),
        ("  duplicated", f"{len(dup):,} ({len(dup) - len(unexplained_dup):,} resent after an unanswered request, "
                         f"{len(unexplained_dup):,} unexplained)"),
        ("validated records without a processed record", f"{len(missing_processed):,}"),
        ("indicator values differing from a fault-free replay", f"{mismatches:,} of {compared:,} ticks compared"),
        ("alarms raised (distinct ids)", f"{len(raised):,}"),
        ("  delivered to the SMTP server", f"{len(raised & set(delivered)):,}"),
        ("  lost", f"{len(alarms_lost):,}"),
        ("  mails sent twice", f"{mail_dups:,} (notify killed {services['notify'].starts - 1} time(s))"),
        ("ingest answers", ", ".join(f"{k}: {v:,}" for k, v in sorted(sender.status.items(), key=str))),
    ]
    ok = (not lost and not unexplained_dup and not missing_processed and mismatches == 0 and not alarms_lost
          and mail_dups <= services["notify"].starts - 1 and compared > 0 and len(raised) > 0)
    table = ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    report = "\n".join([f"# Chaos run {run_id}: {a.seconds:.0f} s at {a.rate:.0f} records/s", "", "Faults:", ""]
                       + [f"{n}. {f}" for n, f in enumerate(faults, 1)] + [""] + table
                       + ["", f"Result: {'PASS' if ok else 'FAIL'}", ""])
    print(report)
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write(report)
    with open(os.path.join(a.out, "report.json"), "w") as f:
        json.dump({"faults": faults, "rows": dict(rows), "lost": lost[:50], "unexplained_duplicates": unexplained_dup[:50],
                   "alarms_lost": sorted(alarms_lost)[:50], "ok": ok}, f, indent=1)
    if ok:
        shutil.rmtree(work, ignore_errors=True)
    else:
        log(f"logs kept in {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
