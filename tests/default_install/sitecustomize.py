"""Child processes of the tests run as the default install: no ``tracking`` or ``dev`` extra.

``make install`` (the README's quickstart) installs no kedro-mlflow or MLflow;
``make install-dev`` adds them, so the tracking tests can run. It also adds
hypothesis (the property tests' library) and the ``dask`` extra, which pandera
imports at start-up whenever they are installed (~0.5 s and ~0.7 s of every
``kedro`` child's start; the Dask path is tested in-process). A ``kedro``
child process of any other test gets this folder on ``PYTHONPATH``
(``tests.conftest.kedro_child_env``) and sees the environment a default install
has: importing kedro-mlflow, MLflow, hypothesis or Dask fails, ``importlib.util.find_spec``
finds none of them, and their distributions' entry points (kedro-mlflow's CLI plugin and
hook) are gone. Such a child also starts without importing MLflow (~1.2 s of
imports, ``python -X importtime``), which the project's hook module and
kedro-mlflow's CLI plugin do whenever ``kedro`` starts with the extra installed.
"""

import re
import sys
from importlib import metadata

HIDDEN = {"kedro_mlflow", "mlflow", "mlflow_skinny", "mlflow_tracing"}
HIDDEN |= {"hypothesis", "dask", "distributed"}
for name in ("kedro_mlflow", "mlflow", "hypothesis", "dask", "distributed"):
    sys.modules[name] = None  # `import` fails, importlib.util.find_spec finds nothing
_distributions = metadata.distributions


def _name(distribution: metadata.Distribution) -> str:
    """The normalized name, from the ``*.dist-info`` folder's name where there is one.

    ``Distribution.metadata`` parses the whole METADATA file: for every installed
    distribution at each of Kedro's ``entry_points()`` calls that was ~0.6 s of
    every child's start.
    """
    name = getattr(distribution, "_normalized_name", None) or distribution.metadata["Name"]
    return re.sub(r"[-_.]+", "_", name).lower()


def distributions(**kwargs):
    return (d for d in _distributions(**kwargs) if _name(d) not in HIDDEN)


metadata.distributions = distributions
