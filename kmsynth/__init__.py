"""kmsynth: turn what practitioners write into knowledge others can use.

Stages (one module each, one-way): io -> schemas -> privacy/lang (prepare) -> embed -> themes
-> summarise/link/survey/trends -> store -> report.
"""
from .config import Config, load_config
from .errors import InputError, KmsynthError, Problem
from .io import Ledger, Mapping, load_mapping, load_table, read_raw
from .prepare import Prepared, prepare
from .privacy import Redactor, pseudonymise, suppress_small_cells

__version__ = "0.1.0"

__all__ = [
    "Config", "InputError", "KmsynthError", "Ledger", "Mapping", "Prepared", "Problem",
    "Redactor", "load_config", "load_mapping", "load_table", "prepare", "pseudonymise",
    "read_raw", "suppress_small_cells", "__version__",
]
