"""The seed CNN of training/CnnArchitecture.java in PyTorch, for the peer benchmarks (issue 11).

conv 32 3x3 relu (valid) -> conv 64 3x3 relu -> max-pool 2x2 -> dropout 0.25 -> dense 128 relu ->
dropout 0.5 -> dense 10 softmax. Weights are random: the peers measure speed, not accuracy.
"""
import torch
from torch import nn


def build():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(),
        nn.Conv2d(32, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2, 2), nn.Dropout(0.25), nn.Flatten(),
        nn.Linear(64 * 12 * 12, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10), nn.Softmax(dim=1)).eval()
