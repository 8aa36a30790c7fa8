"""The ``sna`` command: ``sna init``, ``sna prepare``, ``sna build`` and ``sna status``.

A thin layer: parse arguments, call the library, turn user mistakes (:class:`sna.errors.SnaError`)
into one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from sna import __version__
from sna.errors import SnaError

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USER_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sna",
        description=(
            "Community safety Strategic Needs Assessment: turn police.uk street-level crime and ONS "
            "area data into per-district HTML reports. Typical use: `sna prepare` then `sna build`."
        ),
    )
    parser.add_argument("--version", action="version", version=f"sna {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=Path("sna.toml"),
        help="assessment config file (default: %(default)s in the current folder)",
    )
    common.add_argument(
        "--quiet", action="store_true", help="no progress bars; print only the summary and errors"
    )

    prep = sub.add_parser(
        "prepare",
        parents=[common],
        help="read raw police.uk and area files into data/processed/",
        description=(
            "Read every police.uk street-level CSV (plain or .gz, or in police.uk's .zip download, "
            "read without unpacking) under the config's police_uk folder "
            "and the area files it names; validate them; assign each record to a district through "
            "its 2011 or 2021 LSOA code; write analysis-ready Parquet (records.parquet, "
            "counts.parquet, areas) and manifest.json to the processed folder. Every input row is "
            "kept, counted out of area, or written to rejects.csv with its reason, and the manifest "
            "reconciles the counts per file. With unchanged inputs it does nothing."
        ),
        epilog="Exit status: 0 success, 2 a problem with your input (the message says which file).",
    )
    prep.add_argument(
        "--force", action="store_true", help="rebuild even if the inputs are unchanged"
    )
    prep.add_argument(
        "--allow-foreign-files",
        action="store_true",
        help="write into a processed folder that holds files sna did not write (sna then "
        "replaces only its own output names there)",
    )

    build = sub.add_parser(
        "build",
        parents=[common],
        help="execute the assessment notebooks and publish HTML reports",
        description=(
            "Run notebooks/district_assessment.ipynb for each district and reporting year and "
            "notebooks/area_overview.ipynb for each year, in parallel, then publish self-contained "
            "HTML to the reports folder with an index page. Unchanged reports are not rebuilt. "
            "Run `sna prepare` first. sna only writes, replaces or removes files it wrote itself, "
            "and refuses a reports folder holding other files (see --allow-foreign-files). While "
            "it runs it holds the processed data: a `sna prepare` started meanwhile is refused."
        ),
        epilog=(
            "Exit status: 0 all reports built, 1 some notebooks failed (their last good report is "
            "kept), 2 a problem with your input or a file that cannot be written, such as a full "
            "disk (one line says which and how to fix it; reports published before are kept)."
        ),
    )
    build.add_argument(
        "--years",
        type=int,
        nargs="+",
        metavar="YEAR",
        help="reporting years (default: the config's)",
    )
    build.add_argument(
        "--districts",
        nargs="+",
        metavar="DISTRICT",
        help="district names or ONS codes (default: all in the config)",
    )
    build.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="notebooks run at once (default: one per core)",
    )
    build.add_argument("--force", action="store_true", help="rebuild every report, changed or not")
    build.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=(
            "run the notebooks on the Dask cluster whose scheduler is at ADDRESS "
            "(tcp://HOST:PORT; default: build.scheduler in the config, else this machine); "
            "the project folder must be on storage the workers share"
        ),
    )
    build.add_argument(
        "--allow-foreign-files",
        action="store_true",
        help=(
            "build even if the reports folder holds files sna did not write (by default it is "
            "refused); sna still never removes or replaces them"
        ),
    )
    status = sub.add_parser(
        "status",
        parents=[common],
        help="show which reports are built, stale or failed, and why",
        description=(
            "List every report sna build would make (the area overview and each district, per "
            "reporting year) with its state: built (up to date), stale (sna build would rebuild "
            "it; the details say which input changed since it was built: data, config, notebook, "
            "notebook parameters, sna version or code), FAILED (the first line of the error and "
            "the executed notebook kept as its log) or not built. Builds nothing, writes nothing."
        ),
        epilog=(
            "Exit status: 0 whatever state the reports are in, 2 a problem with your input "
            "(e.g. a year or district not in the config)."
        ),
    )
    status.add_argument(
        "--years",
        type=int,
        nargs="+",
        metavar="YEAR",
        help="reporting years (default: the config's)",
    )
    status.add_argument(
        "--districts",
        nargs="+",
        metavar="DISTRICT",
        help="district names or ONS codes (default: all in the config)",
    )
    init = sub.add_parser(
        "init",
        help="write an sna.toml for any Community Safety Partnership, district, county or force",
        description=(
            "Write a commented assessment config for a partnership, found by name or ONS code in "
            "the ONS lookups of the raw folder (LAD -> CSP -> police force area, LAD -> county): "
            "its districts with their codes and names, the benchmark, the population and "
            "deprivation sources. An unknown name is an error listing the closest names; an "
            'ambiguous one ("Kent", or "Newcastle", a word of several names) lists the words that '
            "choose each. Then put the police.uk downloads for its force under the raw folder's "
            "police_uk folder and run `sna prepare`."
        ),
        epilog=(
            'Examples: sna init --partnership Reading; sna init --partnership "Kent police" '
            "--output kent.toml; sna init --partnership E22000309 (Reading's CSP code). Exit "
            "status: 0 written, 2 a problem with your input (nothing is written)."
        ),
    )
    init.add_argument(
        "--partnership",
        required=True,
        metavar="NAME",
        help=(
            "CSP, district, county or police force area: name (any case) or ONS code. A name "
            "several kinds of area share is settled by a last word: CSP, district, county or "
            'police ("Kent county", "Kent police")'
        ),
    )
    init.add_argument(
        "--output",
        type=Path,
        default=Path("sna.toml"),
        help="config file to write (default: %(default)s); refused if it exists (use --force)",
    )
    init.add_argument(
        "--raw",
        type=Path,
        default=Path("data/raw"),
        help="raw data folder holding lookups/ and population/ (default: %(default)s)",
    )
    init.add_argument(
        "--years", type=int, nargs="+", metavar="YEAR", default=[2024, 2025],
        help="reporting years (default: 2024 2025)",
    )  # fmt: skip
    init.add_argument(
        "--force",
        action="store_true",
        help="replace an existing config file (never a folder or other non-regular file)",
    )
    return parser


def _init(args: argparse.Namespace) -> int:
    """``sna init``: find the partnership, write its config, say what was written.

    The arguments are checked before the lookups are read, and nothing is written unless all
    is well.
    """
    from sna.data.partnership import (
        check_output,
        check_reporting_years,
        config_text,
        find_partnership,
        read_lookups,
        write_config,
    )

    if not args.partnership.strip():
        raise SnaError("--partnership is empty: give a name or an ONS code")
    check_reporting_years(args.years, what="--years")
    check_output(args.output)
    found = find_partnership(args.partnership, read_lookups(args.raw))
    output = args.output
    raw = os.path.relpath(args.raw.resolve(), output.resolve().parent)
    if raw.startswith(".."):  # not below the config's folder: name it in full
        raw = str(args.raw.resolve())
    text = config_text(found, reporting_years=tuple(args.years), raw=raw)
    write_config(output, text, force=args.force)
    names = ", ".join(d.name for d in found.districts)
    print(f"sna init: wrote {output} for {found.name} ({found.kind}): {names}")
    for note in found.notes:
        print(f"  note: {note}")
    print(f"  next: put {found.force} police.uk files under {args.raw / 'police_uk'}, then")
    print(f"        sna prepare --config {output} && sna build --config {output}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sna`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    handler = None
    if threading.current_thread() is threading.main_thread():  # signals reach the main thread
        handler = signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.command == "init":
            return _init(args)
        if args.command == "status":
            from sna.build.status import run_status

            return run_status(args.config, years=args.years, districts=args.districts)
        if args.command == "prepare":
            from sna.data.prepare import run_prepare

            return run_prepare(
                args.config,
                force=args.force,
                progress=not args.quiet,
                allow_foreign_files=args.allow_foreign_files,
            )
        from sna.build.plan import run_build

        return run_build(
            args.config,
            years=args.years,
            districts=args.districts,
            jobs=args.jobs,
            force=args.force,
            progress=not args.quiet,
            allow_foreign_files=args.allow_foreign_files,
            scheduler=args.scheduler,
        )
    except SnaError as exc:
        print(f"sna {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # e.g. `sna prepare | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt as exc:
        if isinstance(exc, Terminated):
            print(f"sna {args.command}: terminated", file=sys.stderr)
            return 128 + signal.SIGTERM
        print(f"sna {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        if handler is not None:
            signal.signal(signal.SIGTERM, handler)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler stopping the run), raised like Ctrl-C.

    The same clean-up then runs: worker processes stopped, temporary files removed, earlier
    outputs left as they were.
    """


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
