"""kmsynth: turn what practitioners write into knowledge others can use.

Stages (one module each, one-way): io -> schemas -> privacy/lang (prepare) -> embed -> themes
-> summarise/link/survey/trends -> store -> report.
"""

from kmsynth.config import Config, load_config
from kmsynth.errors import InputError, KmsynthError, Problem
from kmsynth.ingest import Ledger, Mapping, load_mapping, load_table, read_raw
from kmsynth.ingest.prepare import Prepared, prepare
from kmsynth.protect import Redactor, pseudonymise, suppress_small_cells

__version__ = "0.1.0"

__all__ = [
    "Config",
    "InputError",
    "KmsynthError",
    "Ledger",
    "Mapping",
    "Prepared",
    "Problem",
    "Redactor",
    "load_config",
    "load_mapping",
    "load_table",
    "prepare",
    "pseudonymise",
    "read_raw",
    "suppress_small_cells",
    "__version__",
]
