"""How the `ledger` command prints: one console each for results and diagnostics, verdicts."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

out = Console()
err = Console(stderr=True)


def print_verdict(verdict: dict[str, Any], console: Console = out) -> None:
    table = Table("check", "result", "detail", show_lines=False)
    for check in verdict["checks"]:
        mark = "[green]PASS[/green]" if check["ok"] else "[red]FAIL[/red]"
        table.add_row(check["name"], mark, check["detail"])
    console.print(table)
    for warning in verdict.get("warnings", []):
        console.print(f"[yellow]note:[/yellow] {warning}")
    console.print("[bold green]VALID[/bold green]" if verdict["valid"]
                  else "[bold red]INVALID[/bold red]")
