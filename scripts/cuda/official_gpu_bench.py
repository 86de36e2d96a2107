#!/usr/bin/env python3
"""The official NVlabs/MUNIT code's speed on a GPU, the baseline for munit's CUDA figures.

Imports the official trainer from $MUNIT_REF (default .gpu/munit-ref, which make_bundle.sh fills
from the public repository) at run time, as ../shared/bench/official does on the CPU, but keeps
.cuda() working. Times, with torch.cuda.synchronize() around each measurement:

  train   trainer.update_learning_rate(); dis_update(x_a, x_b); gen_update(x_a, x_b): the official
          train.py inner loop, edges2shoes architecture, 256x256, batch 1, random inputs (vgg_w 0)
  infer   test.py's computation: encode one image, decode it with 8 random styles, one at a time

Prints one JSON line per case.
"""
import argparse
import json
import os
import statistics
import sys
import time
import types

import torch
import yaml


def official_modules(root):
    sys.modules.setdefault("torch.utils.serialization", types.ModuleType("torch.utils.serialization"))
    sys.modules["torch.utils.serialization"].load_lua = None  # only the Lua VGG conversion used it
    sys.path.insert(0, root)
    import trainer
    return trainer


def timed(step, warmup, iters):
    times = []
    for i in range(warmup + iters):
        torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", default=os.environ.get("MUNIT_REF", ".gpu/munit-ref"))
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--size", type=int, default=256)
    args = ap.parse_args()

    trainer_mod = official_modules(args.ref)
    with open(os.path.join(args.ref, "configs", "edges2shoes_folder.yaml")) as f:
        cfg = yaml.safe_load(f)
    cfg["batch_size"], cfg["vgg_w"], cfg["vgg_model_path"] = 1, 0, "."
    torch.manual_seed(0)
    trainer = trainer_mod.MUNIT_Trainer(cfg).cuda()
    x_a = (torch.rand(1, 3, args.size, args.size) * 2 - 1).cuda()
    x_b = (torch.rand(1, 3, args.size, args.size) * 2 - 1).cuda()

    def train_step():
        trainer.update_learning_rate()
        trainer.dis_update(x_a, x_b, cfg)
        trainer.gen_update(x_a, x_b, cfg)

    median, times = timed(train_step, args.warmup, args.iters)
    print(json.dumps({"case": "official train", "size": args.size, "batch": 1, "s_per_iter_median": median,
                      "s_per_iter_min": min(times), "device": torch.cuda.get_device_name(), "torch": torch.__version__}))

    trainer.eval()
    styles = 8

    def infer_one():
        with torch.no_grad():
            content, _ = trainer.gen_a.encode(x_a)
            style = torch.randn(styles, 1, cfg["gen"]["style_dim"], 1, 1).cuda()
            for j in range(styles):
                out = (trainer.gen_b.decode(content, style[j]) + 1) / 2.0
                out.cpu()  # test.py saves each output: it reaches the host

    median, times = timed(infer_one, args.warmup, args.iters)
    print(json.dumps({"case": "official infer", "size": args.size, "batch": 1, "styles": styles,
                      "s_per_input_median": median, "images_per_s": styles / median}))


if __name__ == "__main__":
    main()
