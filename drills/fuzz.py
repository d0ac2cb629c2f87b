"""DRILL fuzz: schemathesis against ``/api/v1/openapi.json`` with every check on.

It generates requests from the schema (valid ones and broken ones: wrong types, missing fields,
odd strings, huge numbers) for every operation and checks each answer: no 5xx, every answer as
the schema says (status, content type, body), broken input refused, valid input accepted,
authentication not ignored. As a street admin of the tiny demo street, through gunicorn with the
production settings. Bounded in examples per operation and in time.

Passes when schemathesis finds nothing; prints the number of cases it generated.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .cluster import Cluster
from .common import Server, token_of

EXAMPLES = 40  # per operation and phase
SECONDS = 420


def run(workdir: Path, cluster: Cluster) -> tuple[bool, str]:
    token = token_of("street_admin", workdir)
    report = workdir / "fuzz-report.json"
    with Server(workers=3, log_path=workdir / "fuzz-gunicorn.log") as server:
        command = [
            str(Path(sys.executable).with_name("schemathesis")), "run", f"{server.base}/api/v1/openapi.json",
            "--checks", "all", "--max-examples", str(EXAMPLES), "--max-time", str(SECONDS), "--workers", "2",
            "--seed", "2026", "--generation-database", "none", "--no-color", "--request-timeout", "30",
            "-H", f"Authorization: Bearer {token}", "-H", "X-Forwarded-Proto: https", "-H", "X-Forwarded-For: 10.8.0.9",
            "--report", "json", "--report-json-path", str(report),
        ]
        finished = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS + 300)
    output = finished.stdout + finished.stderr
    data = json.loads(report.read_text()) if report.exists() else {}
    cases, failures = _count(data, output)
    if finished.returncode != 0:
        print(output[-6000:])
    figures = f"{cases:,} generated cases over the API's operations, {failures} failures"
    return finished.returncode == 0 and failures == 0, figures


def _count(data: dict, output: str) -> tuple[int, int]:
    """The cases generated and the failures found, from the JSON report (or the summary line)."""
    cases = failures = 0
    for operation in data.get("operations", data.get("results", [])) or []:
        if isinstance(operation, dict):
            cases += int(operation.get("cases", operation.get("total", 0)) or 0)
            failures += len(operation.get("failures", []) or [])
    if not cases:
        for line in output.splitlines():
            if "test cases" in line and "generated" in line:
                digits = "".join(ch for ch in line.split("generated")[0] if ch.isdigit())
                cases = int(digits or 0)
    return cases, failures
