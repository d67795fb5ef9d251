"""The `ledger` command: serve, keys, orgs, seal, verify, demo."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ledger_service.cli.output import err, out, print_verdict
from ledger_service.core.config import Settings

app = typer.Typer(help="Credit evidence ledger: record, seal, anchor, prove.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
keys_app = typer.Typer(help="API keys (stored hashed; shown once).", no_args_is_help=True)
orgs_app = typer.Typer(help="Organizations and their signing keys.", no_args_is_help=True)
models_app = typer.Typer(help="Scoring models (registered on the ledger).",
                         no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(orgs_app, name="orgs")
app.add_typer(models_app, name="models")


def _ctx(settings: Settings | None = None) -> Any:
    from ledger_service.runtime.context import LedgerContext

    return LedgerContext.open(settings or Settings())


def _exit_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(0)


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port")] = 8000,
          workers: Annotated[int, typer.Option(
              help="API processes; one of them seals and anchors (leader lock)")] = 1,
          log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info") -> None:
    """Run the API with the batcher and the anchor workers.

    With no ledger configured, the local EVM node (anvil, chain state in the
    data dir) is started here, before any worker, and stopped on shutdown.
    """
    import uvicorn

    from ledger_service.pipeline.ledgers import attach_backends, summary
    from ledger_service.runtime.node import serve_plan

    settings = Settings()
    if workers > 1 and settings.evm_enabled and not settings.evm_rpc_url \
            and settings.evm_node == "off":
        err.print("[red]error:[/red] the embedded EVM chain lives inside one process; "
                  "use --workers 1, LEDGER_EVM_NODE=auto or point LEDGER_EVM_RPC_URL at a node")
        raise typer.Exit(2)
    # uvicorn re-raises the SIGTERM it caught once it has shut down; exit through
    # Python then, so the finally below stops the node cleanly (it saves its state)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    plan, node = serve_plan(settings)
    try:
        if workers > 1 and settings.certificate_tokens and plan.evm_kind not in ("node", "url"):
            # Each process would mint on its own in-process chain; no verifier could find them.
            os.environ["LEDGER_CERTIFICATE_TOKENS"] = "false"
            err.print("[yellow]note:[/yellow] certificate tokens are off: the embedded EVM "
                      "chain cannot be shared by several processes (set LEDGER_EVM_RPC_URL)")
        ctx = _ctx(settings)  # migrate once, before any worker starts
        try:
            if node is not None:
                attach_backends(ctx, plan=plan)  # deploy the contracts once, here
            where = summary(plan, ctx)
        finally:
            ctx.close()
        if plan.anchors_nowhere:
            err.print(f"[bold red]anchoring: NONE[/bold red] — {plan.problem}. Batches are "
                      "sealed and signed but anchored on no ledger, and certificates are "
                      "refused (409 not_anchored) until one is configured.")
        else:
            err.print(f"anchoring on {where}")
        from ledger_service.api.limits import http_protocol
        from ledger_service.api.supervisor import APP, command

        if node is None:
            # Nothing here must outlive the preparation: become the lean supervisor
            # (uvicorn alone), dropping the ~80 MB this process has imported.
            sys.stdout.flush()
            sys.stderr.flush()
            argv = command(host, port, workers, log_level, http_protocol(),
                           settings.max_header_bytes)
            os.execv(argv[0], argv)
        uvicorn.run(APP, factory=True, host=host, port=port,
                    workers=workers, log_level=log_level, access_log=False,
                    http=http_protocol(), h11_max_incomplete_event_size=settings.max_header_bytes)
    finally:
        if node is not None:
            node.stop()


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    ctx = _ctx()
    out.print(f"schema is current ({ctx.settings.sqlalchemy_url.split('@')[-1]})")
    ctx.close()


@app.command()
def seal() -> None:
    """Seal every pending event into batches now."""
    ctx = _ctx()
    sealed = ctx.sealer.seal_all()
    for batch in sealed:
        out.print(f"sealed batch {batch.seq}: {batch.size} events, header {batch.header_hash}")
    if not sealed:
        out.print("nothing pending")
    ctx.close()


@keys_app.command("create")
def keys_create(role: Annotated[str, typer.Option(help="platform, bank, enterprise or auditor")],
                org: Annotated[str, typer.Option(help="The org the key acts for")],
                label: Annotated[str | None, typer.Option(help="A note")] = None) -> None:
    """Create an API key; the key itself is printed alone on the last line."""
    from ledger_service.core.errors import LedgerError

    ctx = _ctx()
    try:
        key_id, token = ctx.keys.create(role, org, label)
    except LedgerError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    finally:
        ctx.close()
    print(f"created key {key_id} (role {role}, org {org}); store it now, it is not kept:")
    print(token)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (without the secrets)."""
    ctx = _ctx()
    table = Table("id", "prefix", "role", "org", "label", "revoked")
    for k in ctx.keys.list():
        table.add_row(str(k["id"]), k["prefix"] + "…", k["role"], k["org"], k["label"] or "",
                      "yes" if k["revoked"] else "")
    out.print(table)
    ctx.close()


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="Key id from `ledger keys list`")]
                ) -> None:
    """Revoke an API key; it is refused from the next request on."""
    from ledger_service.core.errors import LedgerError

    ctx = _ctx()
    try:
        ctx.keys.revoke(key_id)
    except LedgerError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    finally:
        ctx.close()
    out.print(f"revoked key {key_id}")


@keys_app.command("rotate")
def keys_rotate(key_id: Annotated[int, typer.Argument(help="Key id from `ledger keys list`")],
                revoke_old: Annotated[bool, typer.Option(
                    help="Revoke the old key now (for a leaked key)")] = False,
                revoke_old_on_first_use: Annotated[bool, typer.Option(
                    help="Revoke the old key when the new one is first used")] = False) -> None:
    """New key for the same role and org; both work until the old one is retired.

    The new key is printed alone on the last line, as `keys create` does.
    """
    from ledger_service.core.errors import LedgerError

    ctx = _ctx()
    try:
        new_id, token = ctx.keys.rotate(key_id, revoke_old=revoke_old,
                                        revoke_old_on_first_use=revoke_old_on_first_use)
    except LedgerError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    finally:
        ctx.close()
    then = ("revoked now" if revoke_old else "revoked when the new key is first used"
            if revoke_old_on_first_use else f"live until `ledger keys revoke {key_id}`")
    print(f"created key {new_id} replacing key {key_id} (old key {then}); store it now:")
    print(token)


@orgs_app.command("add")
def orgs_add(org: Annotated[str, typer.Argument(help="Org name, as API keys name it")],
             public_key: Annotated[str | None, typer.Option(
                 "--public-key", help="Base64 Ed25519 public key for event signatures")] = None,
             require_signatures: Annotated[bool, typer.Option(
                 help="Refuse unsigned submissions from this org")] = False) -> None:
    """Register an org (or replace its key)."""
    from ledger_service.core.errors import LedgerError

    ctx = _ctx()
    try:
        ctx.orgs.add(org, public_key, require_signatures)
    except LedgerError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    finally:
        ctx.close()
    out.print(f"org {org} registered" + (" with its signing key" if public_key else ""))


Key = Annotated[list[str] | None, typer.Option(
    "--key", help="Pin the service's base64 Ed25519 public key (repeatable)")]
Fabric = Annotated[Path | None, typer.Option(
    help="Fabric connection profile: read headers and the ledger's keys from the channel")]
Evm = Annotated[str | None, typer.Option(help="EVM JSON-RPC node to read anchors from")]
EvmRegistry = Annotated[str | None, typer.Option(
    "--evm-registry", help="The AnchorRegistry address you trust (never the receipt's)")]
EvmChain = Annotated[int | None, typer.Option(
    "--evm-chain-id", help="Refuse a node that serves another chain")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the verdict as JSON")]


def _finish(verdict: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(verdict.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_verdict(verdict.as_dict())
    raise typer.Exit(verdict.exit_code)


@app.command()
def verify(bundle: Annotated[Path, typer.Argument(help="Proof bundle JSON file")],
           key: Key = None, fabric: Fabric = None, evm: Evm = None,
           evm_registry: EvmRegistry = None, evm_chain_id: EvmChain = None,
           as_json: AsJson = False) -> None:
    """Check a proof bundle against what you pin (the same code as `credit-verify bundle`).

    Exit 0 VALID, 1 INVALID, 2 UNVERIFIED (nothing pinned held) or unusable input.
    """
    from ledger_proof.bundle import BundleFormatError
    from ledger_proof.files import Pins, UsageError, read_json, verify_bundle_document

    pins = Pins(keys=tuple(key or ()), fabric_profile=fabric, evm_url=evm,
                evm_registry=evm_registry, evm_chain_id=evm_chain_id)
    try:
        verdict = verify_bundle_document(read_json(bundle), pins)
    except (UsageError, BundleFormatError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    _finish(verdict, as_json)


@app.command()
def audit(from_seq: Annotated[int, typer.Option("--from", help="First batch to audit")] = 0,
          as_json: Annotated[bool, typer.Option("--json", help="Findings as JSON")] = False
          ) -> None:
    """Recompute every commitment, leaf, root and header link; compare with the ledgers.

    Exit 0 when nothing is wrong, 1 when anything is (each finding is listed).
    """
    from rich.progress import Progress

    from ledger_service.pipeline.audit import Auditor
    from ledger_service.pipeline.ledgers import persistent_backends
    from ledger_service.runtime.node import reading_node

    ctx = _ctx()
    node = reading_node(ctx.settings)
    try:
        plan = node.__enter__()
        backends = persistent_backends(ctx, plan, say=err.print)
        auditor = Auditor(ctx.engine, {ctx.key.key_id: ctx.key.public_key_b64},
                          ctx.settings.ledger_id, backends)
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("auditing batches", total=None)
            report = auditor.run(from_seq, lambda done, total: bar.update(
                task, completed=done, total=total))
    finally:
        ctx.close()
        node.__exit__(None, None, None)
    findings = report.findings or []
    if as_json:
        print(json.dumps({"ok": report.ok, "batches": report.batches, "events": report.events,
                          "ledgers": list(report.ledgers),
                          "findings": [f.as_dict() for f in findings]}, indent=2))
    else:
        table = Table("severity", "kind", "batch", "event", "detail")
        for f in findings:
            table.add_row(f.severity, f.kind, "" if f.batch is None else str(f.batch),
                          f.event or "", f.detail)
        if findings:
            out.print(table)
        ledgers = ", ".join(report.ledgers) or "no ledger configured"
        out.print(f"audited {report.batches} batches, {report.events} events against "
                  f"{ledgers}: " + ("[green]OK[/green]" if report.ok else
                                     f"[red]{len(findings)} finding(s)[/red]"))
    raise typer.Exit(0 if report.ok else 1)


@app.command("verify-certificate")
def verify_certificate(
        file: Annotated[Path, typer.Argument(help="Certificate (credential JSON) file")],
        key: Key = None, fabric: Fabric = None, evm: Evm = None,
        evm_registry: EvmRegistry = None,
        evm_token: Annotated[str | None, typer.Option(
            "--evm-token", help="The certificate token contract you trust")] = None,
        evm_chain_id: EvmChain = None,
        status_list: Annotated[Path | None, typer.Option(
            help="A saved status list credential instead of fetching its URL")] = None,
        as_json: AsJson = False) -> None:
    """Check a credit certificate (the same code as `credit-verify certificate`).

    Exit 0 VALID, 1 INVALID, 2 UNVERIFIED (issuer not pinned) or unusable input.
    """
    from ledger_proof.certificates.verify import CertificateFormatError
    from ledger_proof.files import Pins, UsageError, read_json, verify_certificate_document

    pins = Pins(keys=tuple(key or ()), fabric_profile=fabric, evm_url=evm,
                evm_registry=evm_registry, evm_token=evm_token, evm_chain_id=evm_chain_id)
    try:
        verdict = verify_certificate_document(read_json(file), pins, status_list)
    except (UsageError, CertificateFormatError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    _finish(verdict, as_json)


@app.command()
def provenance(uscc: Annotated[str, typer.Argument(help="The enterprise's USCC")],
               event_id: Annotated[str, typer.Argument(help="The event to explain")],
               as_json: Annotated[bool, typer.Option("--json", help="Print the JSON document")]
               = False) -> None:
    """An event's dependency graph as a tree, each edge judged (auditor's full view).

    Exit 0 valid, 1 invalid, 2 no such event.
    """
    from ledger_service.core.errors import LedgerError
    from ledger_service.provenance.graph import Provenance, ScoreAges
    from ledger_service.provenance.view import print_provenance

    ctx = _ctx()
    try:
        doc = Provenance(ctx.reader, ScoreAges.of(ctx.settings)).build(uscc, event_id)
    except LedgerError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    finally:
        ctx.close()
    if as_json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print_provenance(doc, out)
    raise typer.Exit(0 if doc["verdict"] == "valid" else 1)


@app.command()
def erase(event_id: Annotated[str, typer.Argument(help="The event whose payload goes")],
          reason: Annotated[str, typer.Option(help="Reason code, e.g. pipl_deletion_request")],
          org: Annotated[str, typer.Option(help="Platform org recording the erasure")]
          = "platform") -> None:
    """Erase an event's payload and salt (keeps its leaf) and record an event.erased.

    Every certificate stating the event is revoked first (status list, Fabric registry
    and token when configured, certificate.revoked) and its stored copy redacted.
    """
    from pydantic import ValidationError

    from ledger_service.access.write_policy import ERASE_ADAPTER
    from ledger_service.certificates.erasure import erase as erase_event
    from ledger_service.core.errors import LedgerError
    from ledger_service.pipeline.ledgers import persistent_backends
    from ledger_service.runtime.node import reading_node

    try:
        ERASE_ADAPTER.validate_python({"reason": reason})
    except ValidationError:
        err.print("[red]error:[/red] --reason must be a code (letters, digits, ._:-)")
        raise typer.Exit(2) from None
    ctx = _ctx()
    try:
        # The ledgers certificates live on (the local node is started for the command
        # when the service is not running it, as for `ledger audit`).
        with reading_node(ctx.settings) as plan:
            persistent_backends(ctx, plan, say=err.print)
            if plan.evm_kind not in ("node", "url"):
                # The embedded EVM chain lives inside the serving process: its tokens are
                # not reachable from here (and no new chain is started for this command).
                ctx.extras["certificate_token"] = None
            result = erase_event(ctx, event_id, reason, org)
    except LedgerError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    finally:
        ctx.close()
    print(f"erased {event_id}; recorded as {result['erasure_event']['id']}")
    for certificate_id in result["certificates_revoked"]:
        print(f"revoked certificate {certificate_id} (it stated the erased event)")


def _read_json(path: Path, what: str) -> Any:
    """A JSON file (read as the verifier reads its files), or exit 2 saying why not."""
    from ledger_proof.files import UsageError, read_json

    try:
        return read_json(path)
    except UsageError as exc:
        err.print(f"[red]error:[/red] {what}: {exc}")
        raise typer.Exit(2) from None


def _platform(org: str) -> Any:
    from ledger_service.access.keys import Principal

    return Principal(key_id=0, role="platform", org=org)


@models_app.command("register")
def models_register(
        spec: Annotated[Path | None, typer.Option(
            help="The model's scorecard/v1 specification (JSON); default: the reference "
                 "model")] = None,
        org: Annotated[str, typer.Option(help="Platform org recording the registration")]
        = "platform") -> None:
    """Register a scoring model: a model.registered event with its spec and SHA-256.

    The same specification again is answered with its registration; another
    specification under a registered id and version is refused (exit 1).
    """
    from ledger_proof.scoring import REFERENCE_SPEC
    from ledger_service.core.errors import LedgerError
    from ledger_service.runtime.scoring import Scoring

    document = REFERENCE_SPEC if spec is None else _read_json(spec, "specification")
    ctx = _ctx()
    try:
        row, created = Scoring(ctx).register(_platform(org), document)
    except LedgerError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    finally:
        ctx.close()
    print(f"{'registered' if created else 'already registered'} {row.model_id} "
          f"{row.model_version} sha256 {row.model_hash} as {row.event_id}")


@models_app.command("list")
def models_list() -> None:
    """Registered scoring models."""
    from ledger_service.runtime.scoring import Scoring

    ctx = _ctx()
    try:
        rows = Scoring(ctx).models()
    finally:
        ctx.close()
    if not rows:
        print("no model is registered (ledger models register)")
    for row in rows:  # one line each: hashes are read whole, never cut to fit
        print(f"{row.model_id} {row.model_version} sha256 {row.model_hash} registration "
              f"{row.event_id} registered {row.registered_at} ({row.status})")


@app.command()
def score(inputs: Annotated[Path, typer.Argument(help="Inputs JSON: {\"indicators\": "
                                                 "{id: {\"value\": int, \"unit\": str}}}")],
          enterprise: Annotated[str, typer.Option(help="The enterprise's USCC")],
          salt_out: Annotated[Path | None, typer.Option(
              help="Write the inputs salt (hex) here instead of printing it")] = None,
          org: Annotated[str, typer.Option(help="Platform org recording the score")]
          = "platform") -> None:
    """Score inputs with the registered model and record the score.computed.

    Registers the reference model first when no model is registered (and says so).
    The inputs stay off the ledger; keep them with the printed salt: together they
    let anyone recompute the score (`ledger rescore`).
    """
    from ledger_proof.scoring import REFERENCE_SPEC
    from ledger_service.core.errors import LedgerError
    from ledger_service.runtime.scoring import Scoring

    document = _read_json(inputs, "inputs")
    ctx = _ctx()
    try:
        scoring = Scoring(ctx)
        if not scoring.models():
            row, _ = scoring.register(_platform(org), REFERENCE_SPEC)
            err.print(f"no model was registered: registered the reference model "
                      f"{row.model_id} {row.model_version} ({row.event_id})")
        result = scoring.score(_platform(org), enterprise, document)
    except LedgerError as exc:
        where = exc.details.get("indicator")
        err.print(f"[red]error:[/red] {exc.message}"
                  + (f" (indicator {where}, {exc.details.get('reason')})" if where else ""))
        raise typer.Exit(1) from None
    finally:
        ctx.close()
    payload = result["event"]["payload"]
    print(f"recorded {result['id']}: score {payload['score']} grade {payload['grade']} "
          f"model {payload['model_id']} {payload['model_version']}")
    print("dimensions " + ", ".join(f"{k} {v}" for k, v in payload["dimensions"].items()))
    if salt_out is not None:
        salt_out.write_text(result["inputs_salt"] + "\n")
        salt_out.chmod(0o600)
        print(f"inputs salt written to {salt_out} (the only copy)")
    else:
        print(f"inputs salt (the only copy; keep it with the inputs): {result['inputs_salt']}")


@app.command()
def rescore(event_id: Annotated[str, typer.Argument(help="The score.computed event")],
            inputs: Annotated[Path, typer.Option(help="The inputs JSON it was computed from")],
            inputs_salt: Annotated[str, typer.Option(help="The salt handed out with it (hex)")],
            as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report")]
            = False) -> None:
    """Recompute a recorded score from its inputs under its registered model, offline.

    Exit 0 when score, factors, dimensions, grade and inputs digest all follow; 1 naming
    the first difference; 2 for a missing event or unreadable input.
    """
    from ledger_service.core.errors import LedgerError
    from ledger_service.runtime.scoring import Scoring

    document = _read_json(inputs, "inputs")
    ctx = _ctx()
    try:
        report = Scoring(ctx).rescore(event_id, document, inputs_salt)
    except LedgerError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    finally:
        ctx.close()
    if as_json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for check in report["checks"]:
            mark = "PASS" if check["status"] == "pass" else "FAIL"
            print(f"{mark:<5} {check['name']}: {check['detail']}")
        print("FOLLOWS: the score follows from the inputs under the registered model"
              if report["ok"] else f"DIFFERS: first difference {report['first_difference']}")
    raise typer.Exit(0 if report["ok"] else 1)


@app.command()
def demo(data_dir: Annotated[Path | None, typer.Option(
        help="Keep the demo's ledger here (default: a temporary directory)")] = None,
         fabric: Annotated[bool, typer.Option(help="Use Fabric when its binaries are found")]
         = True,
         serve: Annotated[bool, typer.Option(
             "--serve", help="Keep serving afterwards (portal at /, one key per role printed) "
                             "until Ctrl-C")]
         = False) -> None:
    """Run the whole story end to end and show each proof checked."""
    from ledger_service.cli.demo import run_demo

    sys.exit(run_demo(data_dir, use_fabric=fabric, serve=serve))


@app.command("config")
def show_config() -> None:
    """Print every setting, its environment variable and current value."""
    settings = Settings()
    table = Table("variable", "value", "meaning")
    for name, field in Settings.model_fields.items():
        env = "DATABASE_URL" if name == "database_url" else f"LEDGER_{name.upper()}"
        value = getattr(settings, name)
        if name == "signing_key" and value:
            value = "(set)"
        table.add_row(env, str(value), field.description or "")
    out.print(table)
    from ledger_service.pipeline.ledgers import plan_ledgers, recorded_deployment, summary
    from ledger_service.store.engine import make_engine

    plan = plan_ledgers(settings)
    where = summary(plan)
    engine = (make_engine(settings) if plan.evm_kind == "node"
              and plan.node.identity_path.exists() else None)
    if engine is not None:
        deployment = recorded_deployment(engine, plan)
        engine.dispose()
        if deployment is not None:
            where += (f"; registry {deployment.anchor_registry}, token "
                      f"{deployment.certificate_token} (chain {deployment.chain_id})")
    out.print(f"anchoring: {where}", soft_wrap=True)


if __name__ == "__main__":
    app()
