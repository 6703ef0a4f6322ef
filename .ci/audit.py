"""pip-audit over requirements.txt: what `make run` installs, and what that pulls in.

A known vulnerability fails (bump the pin to a fixed version: `pip index versions NAME`
lists them). An advisory database that cannot be reached is said and does not fail:
nothing could be checked, which is not a finding.

Usage: python .ci/audit.py                 run pip-audit (installed by requirements-dev.txt)
       python .ci/audit.py --report FILE   judge a JSON report pip-audit wrote before
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What pip-audit's error output holds when it cannot talk to the advisory service.
UNREACHABLE = (
    "ConnectionError",
    "Max retries exceeded",
    "Name or service not known",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "timed out",
    "ServiceError",
)


def judge(report: dict) -> tuple[int, str]:
    """The exit code and the line to print for a pip-audit JSON report."""
    found = report.get("dependencies", [])
    vulnerable = [package for package in found if package.get("vulns")]
    if vulnerable:
        lines = [
            f"  {package['name']} {package.get('version', '')}: {vuln['id']}, fixed in "
            f"{', '.join(vuln.get('fix_versions') or []) or 'no release yet'}"
            for package in vulnerable
            for vuln in package["vulns"]
        ]
        return 1, "pip-audit: known vulnerabilities in requirements.txt\n" + "\n".join(lines)
    audited = [package for package in found if "skip_reason" not in package]
    if found and not audited:
        return 0, (
            f"pip-audit: the advisory database could not be reached (none of {len(found)} "
            "packages could be audited): not checked, not failed"
        )
    skipped = len(found) - len(audited)
    note = f" ({skipped} could not be audited)" if skipped else ""
    return 0, f"pip-audit: no known vulnerability in {len(audited)} packages{note}"


def run_pip_audit() -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "audit.json"
        result = subprocess.run(
            [
                *(sys.executable, "-m", "pip_audit", "-r", "requirements.txt"),
                *("--format", "json", "--output", str(report), "--progress-spinner", "off"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if report.exists() and report.stat().st_size:
            return judge(json.loads(report.read_text()))
    errors = result.stderr.strip()
    if any(sign in errors for sign in UNREACHABLE):
        last = errors.splitlines()[-1] if errors else ""
        return 0, f"pip-audit: the advisory database could not be reached ({last}): not checked"
    return result.returncode or 1, f"pip-audit failed:\n{errors}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, help="a pip-audit JSON report to judge")
    args = parser.parse_args()
    code, message = judge(json.loads(args.report.read_text())) if args.report else run_pip_audit()
    print(message, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
