"""user-score file for ensuring the package is executable
as `user-score` and `python -m user_score`

``python -m user_score backfill --from ... --to ... --pipelines ...`` runs a range
of days in one process (:mod:`user_score.backfill`); anything else is ``kedro run``.
"""

import sys
from pathlib import Path
from typing import Any

from kedro.framework.cli.utils import find_run_command
from kedro.framework.project import configure_project


def main(*args, **kwargs) -> Any:
    package_name = Path(__file__).parent.name
    configure_project(package_name)

    interactive = hasattr(sys, "ps1")
    kwargs["standalone_mode"] = not interactive

    if sys.argv[1:2] == ["backfill"] and not args:
        from user_score.backfill import backfill_command

        return backfill_command(sys.argv[2:], prog_name="python -m user_score backfill", **kwargs)

    run = find_run_command(package_name)
    return run(*args, **kwargs)


if __name__ == "__main__":
    main()
