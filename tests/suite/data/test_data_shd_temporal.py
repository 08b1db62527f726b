"""synthetic-shd keeps its classes in time: bag-of-counts stays far below a temporal model (card P01 §4)."""

from __future__ import annotations

import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from suite.data.shd import SHD

CHANCE = 1 / 20


class _GRUClassifier(torch.nn.Module):
    def __init__(self, n_in: int, n_hidden: int = 64, n_out: int = 20) -> None:
        super().__init__()
        self.gru = torch.nn.GRU(n_in, n_hidden, batch_first=True)
        self.out = torch.nn.Linear(n_hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.gru(x)
        return self.out(h.mean(dim=1))


def test_bag_of_counts_far_below_temporal_model(tmp_path):
    SHD.synthesize(tmp_path, seed=0)  # default 600 train / 200 test
    params = {"nb_steps": 50, "max_time": 1.0, "pool": 5}
    x_tr, y_tr = SHD.arrays(tmp_path, "train", params)
    x_te, y_te = SHD.arrays(tmp_path, "test", params)
    assert x_tr.shape == (600, 50, 140) and x_te.shape == (200, 50, 140)

    def bag(x):
        counts = x.sum(axis=1)
        return counts / counts.sum(axis=1, keepdims=True)

    with threadpool_limits(1):  # BLAS oversubscription makes this small fit very slow on 2 cores
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(bag(x_tr), y_tr)
        bag_acc = clf.score(bag(x_te), y_te)

    torch.manual_seed(0)
    net = _GRUClassifier(x_tr.shape[2])
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    xt, yt = torch.log1p(torch.from_numpy(x_tr)), torch.from_numpy(y_tr)
    gen = torch.Generator().manual_seed(0)
    for _ in range(12):
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), 32):
            b = perm[i : i + 32]
            loss = torch.nn.functional.cross_entropy(net(xt[b]), yt[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        gru_acc = (net(torch.log1p(torch.from_numpy(x_te))).argmax(1).numpy() == y_te).mean()

    print(f"bag-of-counts {bag_acc:.3f}  GRU {gru_acc:.3f}")
    assert bag_acc < 0.35  # counts reveal at most the band set (1 of 5 groups of 4 classes)
    assert gru_acc > CHANCE + 0.5
    assert bag_acc < gru_acc - 0.15
