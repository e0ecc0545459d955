"""Demo: start the outcome verifier on 127.0.0.1, grade a few answers over HTTP, stop it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
from rich.console import Console
from rich.table import Table

PORT = int(os.environ.get("DEMO_PORT", "8101"))
URL = f"http://127.0.0.1:{PORT}"

EXAMPLES = [
    ("half", "<think>1/2 of it</think><answer>0.5</answer>", "\\frac{1}{2}", "math", None),
    ("root", "<think>sqrt 8</think><answer>\\boxed{2\\sqrt{2}}</answer>", "\\sqrt{8}", "math", None),
    ("interval", "<think>...</think><answer>x \\in [1, 2)</answer>", "[1,2)", "math", None),
    ("hedge", "<think>not sure</think><answer>3 or 4</answer>", "3", "math", None),
    ("think-only", "<think>it is <answer>5</answer></think>", "5", "math", None),
    ("no-format", "<answer>5</answer>", "5", "math", None),
    ("tower", "<think>big</think><answer>9^9^9^9^9</answer>", "1", "math", None),
    ("choice", "<think>...</think><answer>The answer is (B)</answer>", "B", "multiple_choice", None),
    ("lookalike", "<think>...</think><answer>\u0412</answer>", "B", "multiple_choice", None),
    ("tolerance", "<think>...</think><answer>3.14159</answer>", "3.1416", "numerical", None),
    ("ocr", "<think>...</think><answer>the quick brown cat</answer>", "the quick brown fox", "ocr", None),
    ("no-truth", "<think>...</think><answer>7</answer>", None, "math", None),
]


def main() -> int:
    console = Console()
    command = [sys.executable, "-m", "reward_server", "--scorer", "outcome", "--port", str(PORT)]
    console.print(f"[bold]starting[/bold] {' '.join(command[2:])}")
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        started = time.monotonic()
        with console.status("waiting for /readyz"):
            while True:
                if server.poll() is not None:
                    console.print(server.stderr.read().decode() if server.stderr else "", style="red")
                    console.print(
                        f"the server exited with {server.returncode} (is port {PORT} free?)", style="red"
                    )
                    return 1
                try:
                    if httpx.get(f"{URL}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        console.print(f"ready in {time.monotonic() - started:.1f} s at {URL}")
        items = []
        for item_id, response, truth, answer_type, choices in EXAMPLES:
            item = {"id": item_id, "response": response, "answer_type": answer_type}
            if truth is not None:
                item["ground_truth"] = truth
            if choices:
                item["choices"] = choices
            items.append(item)
        body = httpx.post(f"{URL}/score", json={"items": items}, timeout=30).json()
        table = Table(title=f"POST {URL}/score  ({body['scorer']} scorer, {body['model_version']})")
        for column in ("id", "graded answer", "truth", "format", "status", "score", "reason"):
            table.add_column(column, overflow="fold")
        truths = {item["id"]: item.get("ground_truth", "-") for item in items}
        for result in body["results"]:
            style = {"ok": "green", "invalid": "yellow"}.get(result["status"], "red")
            score = result.get("score")
            details = result.get("details", {})
            format_ok = {True: "ok", False: "bad", None: "-"}[details.get("format_ok")]
            table.add_row(
                result["id"],
                details.get("extracted") or "(none)",
                truths[result["id"]],
                format_ok,
                f"[{style}]{result['status']}[/{style}]",
                "-" if score is None else f"{score:.3f}",
                details.get("reason", result.get("error", "")),
            )
        console.print(table)
        example = json.dumps({"items": [items[0]]})
        console.print("Try it yourself while a server runs:", style="bold")
        console.print(f"  reward-server --scorer outcome --port {PORT}")
        console.print(
            f"  curl -s {URL}/score -H 'content-type: application/json' -d '{example}'", soft_wrap=True
        )
        return 0
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    raise SystemExit(main())
