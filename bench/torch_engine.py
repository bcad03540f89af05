"""PyTorch peer of the engine benchmark: images/s of the seed CNN forward by batch size, default (NCHW) and
channels-last, median of 5 rounds of 1.5 s, with the given number of threads; then training seconds per epoch
(Adadelta rho 0.95 eps 1e-7, batch 128, timed like EngineBenchmark: 10 warm-up steps, then 120 steps over
4 fixed batches, scaled to 60,000 images), NCHW and channels-last. Prints one line per figure.

Usage: python3 bench/torch_engine.py [threads] [batch ...] [--no-train]
"""
import statistics
import sys
import time

import torch

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from torch import nn  # noqa: E402
from torch_cnn import build  # noqa: E402

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
batches = [int(b) for b in sys.argv[2:] if not b.startswith('--')] or [1, 8, 32, 64, 128, 512]
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


def train_seconds_per_epoch(channels_last, iterations=120, batch=128):
    net = build()
    layers = list(net.children())[:-1]  # logits: CrossEntropyLoss applies the softmax, as DL4J's MCXENT does
    net = nn.Sequential(*layers).train()
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adadelta(net.parameters(), lr=1.0, rho=0.95, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(1)
    batches = []
    for _ in range(4):
        x = torch.rand(batch, 1, 28, 28, generator=generator)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        batches.append((x, torch.randint(0, 10, (batch,), generator=generator)))

    def step(i):
        x, y = batches[i % 4]
        optimizer.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        optimizer.step()

    for i in range(10):
        step(i)
    start = time.perf_counter()
    for i in range(iterations):
        step(i)
    images_per_second = iterations * batch / (time.perf_counter() - start)
    return 60000 / images_per_second


if '--no-train' not in sys.argv:
    for layout in (False, True):
        print(f"PyTorch {torch.__version__} {'channels-last' if layout else 'NCHW'} threads {threads} "
              f"training {train_seconds_per_epoch(layout):.1f} s/epoch", flush=True)
