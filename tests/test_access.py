"""Access: the course's figures use a colour-blind-safe palette (Okabe–Ito), as the library's default colour cycle
and in every colour the library names; its colours stay apart under simulated colour-vision deficiency."""

import itertools
import re
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest

from sae_lib import plots

ROOT = Path(__file__).resolve().parents[1]
TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
# Viénot, Brettel & Mollon (1999): linear-RGB matrices that simulate protanopia and deuteranopia.
SIMULATE = {"protanopia": np.array([[0.11238, 0.88762, 0.0], [0.11238, 0.88762, 0.0], [0.00401, -0.00401, 1.0]]),
            "deuteranopia": np.array([[0.29275, 0.70725, 0.0], [0.29275, 0.70725, 0.0], [-0.02234, 0.02234, 1.0]])}


def linear(colour: str) -> np.ndarray:
    rgb = np.array(mpl.colors.to_rgb(colour))
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def closest_pair(colours, deficiency: str) -> float:
    """The smallest distance between two of the colours as someone with the deficiency sees them (linear RGB)."""
    seen = [SIMULATE[deficiency] @ linear(c) for c in colours]
    return min(np.linalg.norm(a - b) for a, b in itertools.combinations(seen, 2))


def test_importing_sae_lib_makes_the_colour_cycle_colour_blind_safe():
    cycle = [mpl.colors.to_hex(c["color"]) for c in mpl.rcParams["axes.prop_cycle"]]
    assert [c.lower() for c in cycle] == [c.lower() for c in plots.COLORBLIND]


@pytest.mark.parametrize("deficiency", sorted(SIMULATE))
def test_the_first_six_colours_stay_apart_under_colour_vision_deficiency(deficiency):
    """The first six colours (what a figure with six lines uses) stay further apart than tab10's, which the
    issue found turning two architectures the same olive."""
    assert closest_pair(plots.COLORBLIND[:6], deficiency) > 2 * closest_pair(TAB10[:10], deficiency)
    assert closest_pair(plots.COLORBLIND[:6], deficiency) > 0.05


@pytest.mark.parametrize("module", ["plots.py", "widgets.py", "lm/dashboards.py"])
def test_the_library_names_no_colour_outside_the_palette(module):
    source = (ROOT / "sae_lib" / module).read_text()
    assert not re.search(r"""color=["'](tab:|red|blue|green|orange|darkorange|olive)""", source)
