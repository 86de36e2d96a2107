"""Writes the torch_file_fuzzer seeds in fuzz/seeds/torch_file/ with Python's torch (Debian
python3-torch), small so that the fuzzer runs fast. scripts/fuzz.sh adds the test files
(tests/data/*.pt, tests/fixtures/official-small/optimizer.pt) to them.

    /usr/bin/python3 fuzz/seeds/make_torch_seeds.py fuzz/seeds/torch_file
"""
import collections
import sys

import torch


def state_dict():
    state = collections.OrderedDict()
    state["w"] = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    state["b"] = torch.tensor([1, -2], dtype=torch.int64)
    state["n"] = torch.tensor(3)
    state._metadata = collections.OrderedDict([("", {"version": 1})])
    return state


def mixed():
    base = torch.arange(8, dtype=torch.float64)
    return {"view": base[1:4], "t": base.reshape(2, 4).t(), "flags": torch.tensor([True, False]),
            "half": torch.ones(2, dtype=torch.float16), "bf": torch.zeros(1, dtype=torch.bfloat16),
            "u8": torch.tensor([255], dtype=torch.uint8), "tuple": (1, 2.5, "s", None, [], {}),
            "optimizer": {"state": {0: {"step": 1}}, "param_groups": [{"lr": 1e-4, "params": [0]}]}}


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    for name, make in (("state_dict", state_dict), ("mixed", mixed)):
        torch.save(make(), f"{out}/{name}_legacy.pt", _use_new_zipfile_serialization=False)
        torch.save(make(), f"{out}/{name}_zip.pt")
