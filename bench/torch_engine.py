"""PyTorch peer of the engine benchmark: images/s of the seed CNN forward by batch size, default (NCHW) and
channels-last, median of 5 rounds of 1.5 s, with the given number of threads. Prints one line per figure.

Usage: python3 bench/torch_engine.py [threads] [batch ...]
"""
import statistics
import sys
import time

import torch

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from torch_cnn import build  # noqa: E402

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
batches = [int(b) for b in sys.argv[2:]] or [1, 8, 32, 64, 128, 512]
torch.set_num_threads(threads)
model = build()


def rate(batch, channels_last):
    net = model.to(memory_format=torch.channels_last) if channels_last else model
    x = torch.rand(batch, 1, 28, 28)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    rounds = []
    with torch.inference_mode():
        for _ in range(3):
            net(x)
        for _ in range(5):
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < 1.5:
                net(x)
                n += batch
            rounds.append(n / (time.perf_counter() - start))
    return statistics.median(rounds)


for layout in (False, True):
    for b in batches:
        print(f"PyTorch {torch.__version__} {'channels-last' if layout else 'NCHW'} threads {threads} "
              f"batch {b:4d} {rate(b, layout):10.0f} images/s", flush=True)
