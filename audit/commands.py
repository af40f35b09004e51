"""The ``verify`` and ``fleet`` commands (added to the ``ws1-audit`` group by :mod:`audit.cli`).

- ``ws1-audit verify FILE... [--trust CA.pem]``: one line per file; exit 0 only when every
  file is intact, signed by a trusted certificate and, for a report, attaches the results
  it shows; 1 otherwise; 3 on a usage error (an unreadable ``--trust`` file).
- ``ws1-audit fleet DIR... [--out DIR]``: the fleet summary (fleet.html, fleet.pdf,
  fleet.csv) of tenant output folders written anywhere (each tenant audited as its own job);
  exits with the worst tenant's code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--trust",
    "trust",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A PEM or DER file of trusted CA certificates (repeatable); default: the system's.",
)
def verify(files: tuple[Path, ...], trust: tuple[Path, ...]) -> None:
    """Check the signatures of reports and results.json, and that a report attaches the
    results it shows. Exit 0 only when every file holds."""
    from audit.redact import printable
    from audit.verify import verify_files

    outcomes = verify_files(list(files), list(trust))
    for outcome in outcomes:
        # certificate names come from the file: control characters are shown, never run
        click.echo(printable(outcome.line()))
    sys.exit(0 if all(o.ok for o in outcomes) else 1)


@click.command()
@click.argument("dirs", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("ws1-audit-fleet"),
    show_default=True,
    help="Where to write fleet.html, fleet.pdf and fleet.csv.",
)
def fleet(dirs: tuple[Path, ...], out: Path) -> None:
    """Summarise tenants audited anywhere: each DIR is a tenant's output folder (results.json,
    or error.txt when its run failed) or a folder of them. Exit with the worst tenant's code."""
    from audit.cli import print_fleet
    from audit.fleet_jobs import summarise_dirs

    print_fleet(summarise_dirs(list(dirs), out))
