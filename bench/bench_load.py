"""20 students at once against one `streamlit run app.py` on 127.0.0.1.

Each student is a websocket client speaking the browser's own protocol (Streamlit's BackMsg /
ForwardMsg protobufs): it loads the page, presses the button whose label starts with "Train",
and waits for the metrics table. 20 real browsers would measure Chromium rendering on 2 cores,
not the server. Reports completions, errors (exception elements, timeouts), p50 / p95 time from
pressing Train to the metrics, and the server's peak memory (VmHWM). Two rounds on fresh servers:
  shared    every student trains the airline preset as is: the shared registry trains it once;
  distinct  every student uses its own seed, so every one trains (the worst case for 2 cores).
    python bench/bench_load.py [--students 20] [--skip-distinct]
"""
import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser import Server  # noqa: E402


async def student(url: str, seed: int | None, timeout: float) -> float:
    """Seconds from pressing Train to the metrics table; raises on an exception element or timeout."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                  origin=url, open_timeout=timeout) as ws:
        widgets: dict[str, str] = {}  # label -> widget id
        page_hash = ""

        async def rerun(states=()):
            msg = BackMsg()
            msg.rerun_script.query_string = ""
            msg.rerun_script.page_script_hash = page_hash
            for wid, setter in states:
                w = msg.rerun_script.widget_states.widgets.add()
                w.id = wid
                setter(w)
            await ws.send(msg.SerializeToString())

        async def until(stop) -> None:
            while True:
                fm = ForwardMsg()
                fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout))
                kind = fm.WhichOneof("type")
                if kind == "new_session":
                    nonlocal page_hash
                    page_hash = fm.new_session.main_script_hash
                elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    el = fm.delta.new_element
                    which = el.WhichOneof("type")
                    if which == "exception":
                        raise RuntimeError(f"exception on the page: {el.exception.message}")
                    widget = getattr(el, which, None)
                    if widget is not None and hasattr(widget, "id") and hasattr(widget, "label"):
                        widgets[widget.label] = widget.id
                if stop(fm, kind):
                    return

        await rerun()
        await until(lambda fm, kind: kind == "script_finished")
        if seed is not None:
            await rerun([(widgets["Seed"], lambda w: setattr(w, "double_value", seed))])
            await until(lambda fm, kind: kind == "script_finished")
        train = next(wid for label, wid in widgets.items() if label.startswith("Train"))
        start = time.perf_counter()
        await rerun([(train, lambda w: setattr(w, "trigger_value", True))])
        await until(lambda fm, kind: kind == "delta" and fm.delta.WhichOneof("type") == "new_element"
                    and fm.delta.new_element.WhichOneof("type") == "table")
        return time.perf_counter() - start


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def crowd(url: str, n: int, distinct: bool, timeout: float):
    tasks = [student(url, 100 + k if distinct else None, timeout) for k in range(n)]
    return await asyncio.gather(*tasks, return_exceptions=True)


def round_(name: str, n: int, distinct: bool, timeout: float) -> None:
    srv = Server()
    try:
        t = time.perf_counter()
        out = asyncio.run(crowd(srv.url, n, distinct, timeout))
        wall = time.perf_counter() - t
        times = sorted(x for x in out if isinstance(x, float))
        errors = [x for x in out if not isinstance(x, float)]
        p95 = times[max(0, int(round(0.95 * len(times))) - 1)] if times else float("nan")
        p50 = statistics.median(times) if times else float("nan")
        print(f"{name:8s}: {len(times)}/{n} completed, {len(errors)} errors; time to results p50 {p50:.1f} s, "
              f"p95 {p95:.1f} s; wall {wall:.0f} s; server peak RSS {peak_rss_mb(srv.proc.pid):.0f} MB")
        for e in errors[:3]:
            print(f"   error: {type(e).__name__}: {str(e)[:200]}")
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--skip-distinct", action="store_true")
    args = ap.parse_args()
    round_("shared", args.students, False, args.timeout)
    if not args.skip_distinct:
        round_("distinct", args.students, True, args.timeout)


if __name__ == "__main__":
    main()
