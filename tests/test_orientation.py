"""preferred_orientation: the angle of an edge as it is drawn, agreeing with orientation_selectivity's spectrum."""

import math

import pytest
import torch

from sae_lib.metrics import orientation_selectivity, preferred_orientation


def edge(angle_deg: float, size: int = 8) -> torch.Tensor:
    """A soft step edge whose boundary runs at angle_deg from horizontal as drawn (row 0 at the top)."""
    rows, cols = torch.meshgrid(torch.arange(size) - (size - 1) / 2, torch.arange(size) - (size - 1) / 2, indexing="ij")
    x, y = cols, -rows  # y up, as the image is seen
    a = math.radians(angle_deg)
    across = -x * math.sin(a) + y * math.cos(a)  # signed distance from the boundary line
    return torch.tanh(across).double()


@pytest.mark.parametrize("angle", [0, 30, 45, 90, 120, 135, 160])
def test_preferred_orientation_reads_the_edge_as_drawn(angle):
    got = preferred_orientation(edge(angle)[None]).item()
    gap = abs(got - angle) % 180
    assert min(gap, 180 - gap) < 8, (angle, got)  # the square window pulls oblique edges ≤ 8° towards an axis


def test_named_cases_and_shapes():
    horizontal = torch.zeros(8, 8)
    horizontal[4:] = 1.0  # dark top, bright bottom: a horizontal boundary
    vertical = horizontal.T.clone()
    angles = preferred_orientation(torch.stack([horizontal, vertical]).reshape(2, 64))
    assert angles[0].item() == pytest.approx(0, abs=1) or angles[0].item() == pytest.approx(180, abs=1)
    assert angles[1].item() == pytest.approx(90, abs=1)
    rising = preferred_orientation(edge(45)[None]).item()
    assert 40 < rising < 50  # rising to the right, not falling (135)
    assert ((angles >= 0) & (angles < 180)).all()
    filters = torch.randn(10, 8, 8, generator=torch.Generator().manual_seed(0))
    assert preferred_orientation(filters).shape == orientation_selectivity(filters).shape == (10,)
    with pytest.raises(ValueError, match="pad must be an integer at least the filter side 8, got 4"):
        preferred_orientation(filters, pad=4)
