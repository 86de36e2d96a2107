"""Writes the small torch files the reader tests use, with Python's torch (Debian python3-torch).

    /usr/bin/python3 tests/data/make_torch_files.py tests/data

sample_legacy.pt is the layout torch 0.4-1.5 wrote (torch.save(..., _use_new_zipfile_serialization=
False)); sample_zip.pt is the same object in the current zip layout. The object mixes what
checkpoints hold: an OrderedDict state dict (with _metadata), float/long/0-d tensors, two tensors
that share one storage at different offsets, an optimizer-style dict with int keys, a tuple, None,
bools and a list of ints. Values are arange-based so the tests can state them.
"""
import collections
import sys

import torch


def sample():
    state = collections.OrderedDict()
    state["conv.weight"] = torch.arange(24, dtype=torch.float32).reshape(2, 3, 2, 2)
    state["conv.bias"] = torch.tensor([0.5, -1.5])
    state["norm.num_batches_tracked"] = torch.tensor(7)
    state._metadata = collections.OrderedDict([("", {"version": 1}), ("conv", {"version": 1})])
    base = torch.arange(10, dtype=torch.float64)
    optimizer = {
        "state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.full((2,), 0.25)}},
        "param_groups": [{"lr": 1e-4, "betas": (0.5, 0.999), "amsgrad": False, "foreach": None,
                          "params": [0, 1]}],
    }
    return {"model": state, "shared": [base[2:5], base[6:]], "optimizer": optimizer,
            "half": torch.tensor([1.0, -2.0], dtype=torch.float16), "big": 1 << 40, "negative": -70000}


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    torch.save(sample(), f"{out}/sample_legacy.pt", _use_new_zipfile_serialization=False)
    torch.save(sample(), f"{out}/sample_zip.pt")
