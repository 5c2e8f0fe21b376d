"""Self-checking exercises: each `check_*` runs the learner's function on a few cases against sae_lib.

Each chapter's checkers and predict-first questions live in their own module (`ch01_kl_divergence` for
notebook 01, …, `ch11_features_real` for notebook 11); what they share (comparing results, printing one
PASS or FAIL line, the multiple-choice questions) lives in `_checking`. Every name is also here, so a
notebook writes `exercises.check_kl(my_kl)`.

Every checker prints one line, PASS or FAIL with a hint, and returns it as a `CheckResult` (also appended to
`RESULTS`, which a grading script reads). A checker never raises on a learner's
mistake: an exception, None, a list, a wrong shape or dtype, or an unanswered question is a FAIL
that says what went wrong.
"""

from . import (
               ch01_kl_divergence,
               ch02_model,
               ch03_training,
               ch04_testing,
               ch05_latent_visualisation,
               ch06_dictionary_learning,
               ch07_edge_detectors,
               ch08_superposition,
               ch09_modern_architectures,
               ch10_language_model,
               ch11_features_real,
               ch12_absorption,
               ch13_circuits,
               ch14_field_tools,
)
from ._checking import PREDICTIONS, RESULTS, CheckResult, check_choice, check_prediction
from .ch01_kl_divergence import *  # noqa: F403 (each chapter's __all__ is the list)
from .ch02_model import *  # noqa: F403
from .ch03_training import *  # noqa: F403
from .ch04_testing import *  # noqa: F403
from .ch05_latent_visualisation import *  # noqa: F403
from .ch06_dictionary_learning import *  # noqa: F403
from .ch07_edge_detectors import *  # noqa: F403
from .ch08_superposition import *  # noqa: F403
from .ch09_modern_architectures import *  # noqa: F403
from .ch10_language_model import *  # noqa: F403
from .ch11_features_real import *  # noqa: F403
from .ch12_absorption import *  # noqa: F403
from .ch13_circuits import *  # noqa: F403
from .ch14_field_tools import *  # noqa: F403

CHAPTERS = (ch01_kl_divergence, ch02_model, ch03_training, ch04_testing, ch05_latent_visualisation,
            ch06_dictionary_learning, ch07_edge_detectors, ch08_superposition, ch09_modern_architectures,
            ch10_language_model, ch11_features_real, ch12_absorption, ch13_circuits, ch14_field_tools)

__all__ = ["CHAPTERS", "CheckResult", "PREDICTIONS", "RESULTS", "check_choice", "check_prediction",
           *(name for chapter in CHAPTERS for name in chapter.__all__)]
