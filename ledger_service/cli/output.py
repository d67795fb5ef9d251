"""How the `ledger` command prints: one console each for results and diagnostics, verdicts."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

out = Console()
err = Console(stderr=True)


_MARKS = {"pass": "[green]PASS[/green]", "fail": "[red]FAIL[/red]",
          "not_checked": "[yellow]NOT CHECKED[/yellow]"}
_VERDICTS = {"VALID": "[bold green]VALID[/bold green]", "INVALID": "[bold red]INVALID[/bold red]",
             "UNVERIFIED": "[bold yellow]UNVERIFIED[/bold yellow]"}


def print_verdict(verdict: dict[str, Any], console: Console = out) -> None:
    """Every check with PASS, FAIL or NOT CHECKED, the notes, then the verdict."""
    table = Table("check", "result", "detail", show_lines=False)
    for check in verdict["checks"]:
        table.add_row(check["name"], _MARKS[check["status"]], check["detail"])
    console.print(table)
    for warning in verdict.get("warnings", []):
        console.print(f"[yellow]note:[/yellow] {warning}")
    console.print(_VERDICTS[verdict["verdict"]])
    if verdict.get("how_to_pin"):
        console.print(verdict["how_to_pin"], soft_wrap=True, markup=False, highlight=False)
