"""Provenance as a tree for people: `ledger provenance USCC EVENT_ID`.

The JSON document is a graph (a score can be cited twice); auditors read
trees, so each event is expanded once and later mentions point back to it.
Every edge shows its checks, every node its proof status and anchors, and
the verdict with its reasons closes the output.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.tree import Tree


def _mark(ok: bool | None) -> str:
    if ok is None:
        return "[yellow]…[/yellow]"
    return "[green]✔[/green]" if ok else "[red]✘[/red]"


def _node_label(node: dict[str, Any], ok: bool) -> str:
    """ok: the node and everything under it holds (a node is only as good as its refs)."""
    proof = node["proof"]
    status = proof["status"]
    batch = proof.get("batch")
    where = f" batch {batch['seq']} leaf {batch['leaf_index']}" if batch else ""
    flags = "".join((" [magenta]erased[/magenta]" if node["erased"] else "",
                     " [dim]redacted[/dim]" if node.get("redacted") else ""))
    return (f"{_mark(ok)} [bold]{node['type']}[/bold] {node['id']} "
            f"[dim]by {node['org']}, dated {node['occurred_at']}[/dim] "
            f"— {status}{where} {_mark(proof.get('verified'))}{flags}")


def _details(tree: Tree, node: dict[str, Any]) -> None:
    event = node.get("event")
    if event is not None and node["type"] == "score.computed":
        p = event["payload"]
        tree.add(f"[dim]score {p['score']} grade {p['grade']} model "
                 f"{p['model_id']} {p['model_version']}"
                 + (f" sha256 {p['model_hash'][:16]}…" if p.get("model_hash") else "")
                 + "[/dim]")
    for alert in node.get("alerts_at_approval") or []:
        colour = {"red": "red", "yellow": "yellow", "blue": "blue"}.get(alert["level"] or "",
                                                                        "dim")
        what = ("details redacted" if alert["redacted"] else
                f"{alert['reason_code']}: {', '.join(alert['indicators'])}")
        tree.add(f"[{colour}]{alert['level'] or '?'} risk alert live at approval[/{colour}] "
                 f"{alert['id']} ({what})")
    consent = node.get("consent")
    if consent is not None:
        tree.add(f"[dim]grantee {consent['grantee_org']}, scope {', '.join(consent['scope'])}, "
                 f"expires {consent['expires_at']}"
                 + (f", revocations {len(consent['revocations'])}"
                    if "revocations" in consent else "") + "[/dim]")
    for anchor in node.get("anchors", []):
        where = anchor.get("tx_id") or anchor.get("tx_hash") or ""
        tree.add(f"[dim]anchored on {anchor.get('backend')} block "
                 f"{anchor.get('block_number')} tx {where}[/dim]")
    for check in node.get("checks", []):
        if not check["ok"]:
            tree.add(f"{_mark(False)} {check['name']}: {check['detail']}")
        elif check.get("warning"):
            tree.add(f"[yellow]![/yellow] {check['name']}: {check['detail']}")


def build_tree(doc: dict[str, Any]) -> Tree:
    nodes = {n["id"]: n for n in doc["nodes"]}
    edges: dict[str, list[dict[str, Any]]] = {}
    for edge in doc["edges"]:
        edges.setdefault(edge["from"], []).append(edge)
    shown: set[str] = set()
    sound: dict[str, bool] = {}

    def holds(node_id: str) -> bool:
        if node_id not in sound:
            sound[node_id] = False  # cycles cannot occur (refs point back in time); be safe
            sound[node_id] = nodes[node_id]["verdict"] == "valid" and all(
                e["verdict"] == "valid" and e["to"] in nodes and holds(e["to"])
                for e in edges.get(node_id, []))
        return sound[node_id]

    def expand(tree: Tree, node_id: str) -> None:
        shown.add(node_id)
        _details(tree, nodes[node_id])
        for edge in edges.get(node_id, []):
            target = nodes.get(edge["to"])
            checks = ", ".join(f"{_mark(c['ok'])} {c['name']}" for c in edge["checks"])
            if target is None:
                tree.add(f"{_mark(False)} {edge['kind']} {edge['to']} (not recorded)")
                continue
            branch = tree.add(f"[cyan]{edge['kind']}[/cyan] → "
                              f"{_node_label(target, holds(target['id']))}")
            branch.add(f"edge: {checks}")
            for check in edge["checks"]:
                if not check["ok"]:
                    branch.add(f"{_mark(False)} {check['name']}: {check['detail']}")
                elif check.get("warning"):
                    branch.add(f"[yellow]![/yellow] {check['name']}: {check['detail']}")
            if target["id"] in shown:
                branch.add("[dim](expanded above)[/dim]")
            else:
                expand(branch, target["id"])

    root = Tree(_node_label(nodes[doc["event_id"]], holds(doc["event_id"])))
    expand(root, doc["event_id"])
    return root


def print_provenance(doc: dict[str, Any], console: Console) -> None:
    console.print(f"Provenance of {doc['event_id']} ({doc['root_type']}) for enterprise "
                  f"{doc['enterprise_id']}")
    console.print(build_tree(doc))
    for warning in doc.get("warnings", []):
        console.print(f"[yellow]note:[/yellow] {warning}")
    for reason in doc.get("reasons", []):
        where = reason["event_id"] + (f" → {reason['ref']}" if reason.get("ref") else "")
        console.print(f"[red]reason:[/red] {reason['code']} at {where}: {reason['message']}")
    console.print("[bold green]VALID[/bold green]" if doc["verdict"] == "valid"
                  else "[bold red]INVALID[/bold red]")
