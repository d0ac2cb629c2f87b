"""DRILL fuzz: schemathesis against ``/api/v1/openapi.json`` with every check on.

It generates requests from the schema (valid ones and broken ones: wrong types, missing fields,
odd strings, huge numbers) for every operation and checks each answer: no 5xx, every answer as
the schema says (status, content type, body), broken input refused, valid input accepted,
authentication not ignored. As a street admin of the tiny demo street, through gunicorn with the
production settings. Bounded in examples per operation and in time.

Passes when schemathesis finds nothing; prints the number of cases it generated.

One setting (``CONFIG``): a 414 from gunicorn (a request line longer than it reads) counts as
broken input refused, as 400 and 422 do. schemathesis runs in a process of its own (``python -c``,
``schemathesis_main``) with two additions, neither of which touches a check:

- the periods of the figures operations are kept in order (``from`` ≤ ``to``, and at most three
  years for the reports' figures, ``reports.scope.PERIOD_MAX_DAYS``): OpenAPI cannot compare two
  parameters, so a generator that does not know the rule calls an inverted period "valid", and the
  API's 422 for it a rejection of valid data. Broken input (negative cases) is left alone;
- ``ast.parse`` failing with CPython 3.11's ``SystemError: AST constructor recursion depth
  mismatch`` (hypothesis parsing a lambda's source to describe it, deep in a worker thread's stack)
  is turned into the ``SyntaxError`` hypothesis expects of source it cannot read: it then describes
  the lambda as ``<unknown>`` instead of aborting the operation's tests with a "Runtime Error".
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from .cluster import Cluster

EXAMPLES = 40  # per operation and phase
SECONDS = 360  # schemathesis spends it all (fuzzing and stateful repeat): with the set-up, ~7 minutes
ROOT = Path(__file__).resolve().parent.parent

# Broken input may also be refused by the server in front of the app: a request line longer than
# gunicorn reads (4094 bytes; schemathesis repeats a query parameter dozens of times) is a 414.
# That is a refusal too; the other statuses are schemathesis's defaults.
CONFIG = """\
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428", "429", "5xx"]
"""

# The operations whose ``from``/``to`` make one period, and the longest period each takes.
PERIODS = {"/voices/figures": None, "/figures": 3 * 366, "/reports/progress.docx": 3 * 366}


def run(workdir: Path, cluster: Cluster) -> tuple[bool, str]:
    from .common import Server, token_of  # Django's, after run.py set it up; schemathesis_main needs none

    token = token_of("street_admin", workdir)
    report = workdir / "fuzz-report.json"
    with Server(workers=3, log_path=workdir / "fuzz-gunicorn.log") as server:
        config = workdir / "schemathesis.toml"
        config.write_text(CONFIG, encoding="utf-8")
        command = [
            sys.executable, "-c", "from drills.fuzz import schemathesis_main; schemathesis_main()",
            "--config-file", str(config), "run", f"{server.base}/api/v1/openapi.json",
            "--checks", "all", "--max-examples", str(EXAMPLES), "--max-time", str(SECONDS), "--workers", "2",
            "--seed", "2026", "--generation-database", "none", "--no-color", "--request-timeout", "30",
            "-H", f"Authorization: Bearer {token}", "-H", "X-Forwarded-Proto: https", "-H", "X-Forwarded-For: 10.8.0.9",
            "--report", "json", "--report-json-path", str(report),
        ]
        finished = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS + 300, cwd=ROOT)
        server_errors = _server_errors(server)
    output = finished.stdout + finished.stderr
    data = json.loads(report.read_text()) if report.exists() else {}
    cases, failures = _count(data, output)
    if finished.returncode != 0 or failures:
        print(_failures_part(output))
        if server_errors:
            print(f"gunicorn's log (tail):\n{server_errors}")
    figures = f"{cases:,} generated cases over the API's operations, {failures} failures"
    return finished.returncode == 0 and failures == 0, figures


def _server_errors(server) -> str:
    try:
        return server.log_tail()[-3000:]
    except Exception:  # the log is a help for reading a failure, never a failure of its own
        return ""


def _failures_part(output: str, limit: int = 20000) -> str:
    """schemathesis's report of the failures (from its FAILURES section on), else its last lines."""
    start = output.find("FAILURES")
    if start < 0:
        start = output.find("ERRORS")
    text = output[start:] if start >= 0 else output
    return text if len(text) <= limit else text[:limit // 2] + "\n[…]\n" + text[-limit // 2:]


def _count(data: dict, output: str) -> tuple[int, int]:
    """The cases generated and the failures found, from the JSON report (or the summary line)."""
    cases = failures = 0
    for operation in data.get("operations", data.get("results", [])) or []:
        if isinstance(operation, dict):
            cases += int(operation.get("cases", operation.get("total", 0)) or 0)
            failures += len(operation.get("failures", []) or [])
    if not cases:
        # The summary: "Test cases:" then "  8534 generated, 4 found 5 unique failures, 84 skipped".
        found = re.search(r"^\s*(\d+) generated\b", output, flags=re.M)
        cases = int(found.group(1)) if found else 0
    if not failures:
        found = re.search(r"^=+ (\d+) failures? in ", output, flags=re.M)
        failures = int(found.group(1)) if found else 0
    return cases, failures


# --- In schemathesis's process ----------------------------------------------------------------


def schemathesis_main() -> None:
    """schemathesis's command line (``sys.argv``), with the two additions of the module's docstring."""
    _survive_ast_recursion_mismatch()
    import schemathesis

    @schemathesis.hook
    def map_case(context, case):
        return _period_in_order(context, case)

    from schemathesis.cli import schemathesis as command_line

    sys.argv[0] = "schemathesis"
    command_line()


def _survive_ast_recursion_mismatch() -> None:
    import ast

    parse = ast.parse

    def guarded_parse(*args, **kwargs):
        try:
            return parse(*args, **kwargs)
        except SystemError as error:
            if "recursion depth mismatch" not in str(error):
                raise
            raise SyntaxError(f"source not parsed: {error}") from error

    ast.parse = guarded_parse


def _period_in_order(context, case):
    """A valid case of a figures operation with its period in order and not too long; any other
    case as it is."""
    operation = getattr(context, "operation", None) or getattr(case, "operation", None)
    path = getattr(operation, "path", "") or ""
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    if not getattr(mode, "is_positive", False) or not isinstance(case.query, dict):
        return case
    longest = next((days for suffix, days in PERIODS.items() if path.endswith(suffix)), False)
    if longest is False:
        return case
    try:
        since, until = date.fromisoformat(case.query["from"]), date.fromisoformat(case.query["to"])
    except (KeyError, TypeError, ValueError):
        return case
    if since > until:
        since, until = until, since
    if longest is not None and (until - since).days > longest:
        until = since + timedelta(days=longest)
    case.query = {**case.query, "from": since.isoformat(), "to": until.isoformat()}
    return case
