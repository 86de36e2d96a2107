"""Checks, with Python's torch, that checkpoints munit wrote load as official ones do.

    python3 python_reads_munit.py MUNIT_DIR FIXTURE_DIR

MUNIT_DIR holds gen_XXXXXXXX.pt, dis_XXXXXXXX.pt and optimizer.pt written by munit from the fixture's
networks after one training iteration. Every file must load with torch.load(weights_only=True)
(no arbitrary objects), carry the fixture's keys and shapes in order, and its optimizer states must
load into torch.optim.Adam and step. When the official sources are at $MUNIT_REF (see
../shared/bench/official/munit_ref.py), the official MUNIT_Trainer.resume() must read the folder too.
Prints one line per check; exits non-zero on the first failure.
"""
import glob
import os
import sys

import torch


def check(condition, message):
    if not condition:
        sys.exit("FAIL: " + message)


def main():
    ours_dir, fixture_dir = sys.argv[1], sys.argv[2]
    gen_file = sorted(glob.glob(os.path.join(ours_dir, "gen_*.pt")))[-1]
    dis_file = sorted(glob.glob(os.path.join(ours_dir, "dis_*.pt")))[-1]
    for ours_file, official_file in ((gen_file, "gen.pt"), (dis_file, "dis.pt")):
        ours = torch.load(ours_file, weights_only=True)
        official = torch.load(os.path.join(fixture_dir, official_file))
        check(sorted(ours) == ["a", "b"], f"{ours_file}: entries {sorted(ours)}")
        for entry in "ab":
            check(list(ours[entry]) == list(official[entry]), f"{ours_file}[{entry}]: keys differ from the official")
            for key, tensor in ours[entry].items():
                check(tensor.shape == official[entry][key].shape, f"{key}: shape {tensor.shape}")
                check(tensor.dtype == official[entry][key].dtype, f"{key}: dtype {tensor.dtype}")
        print(f"ok: {os.path.basename(ours_file)} loads with weights_only=True, official keys, shapes and dtypes")

    # torch 1.13's weights_only unpickler has no BINFLOAT, so it refuses the official optimizer.pt
    # too; ask of ours only what the official file passes.
    def safe_load(path):
        try:
            torch.load(os.path.join(fixture_dir, "optimizer.pt"), weights_only=True)
        except Exception:
            return torch.load(path)
        return torch.load(path, weights_only=True)

    optimizer = safe_load(os.path.join(ours_dir, "optimizer.pt"))
    for name, file in (("gen", gen_file), ("dis", dis_file)):
        nets = torch.load(file)
        params = [torch.nn.Parameter(t.clone()) for entry in "ab" for key, t in nets[entry].items()
                  if not key.endswith(("running_mean", "running_var", "num_batches_tracked"))]
        adam = torch.optim.Adam(params, lr=1.0, betas=(0.5, 0.999), weight_decay=1e-4)
        adam.load_state_dict(optimizer[name])
        group = adam.param_groups[0]
        check(group["lr"] == 1e-4 and group["initial_lr"] == 1e-4, f"{name}: lr {group['lr']}")
        check(all(float(adam.state[p]["step"]) == 1.0 for p in params), f"{name}: step counts")
        for p in params:
            p.grad = torch.ones_like(p)
        adam.step()
        check(all(float(adam.state[p]["step"]) == 2.0 for p in params), f"{name}: did not step")
        print(f"ok: optimizer.pt['{name}'] loads into torch.optim.Adam ({len(params)} parameters) and steps")

    ref = os.environ.get("MUNIT_REF", "/tmp/munit-ref")
    bench = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "bench", "official")
    if not os.path.isfile(os.path.join(ref, "trainer.py")) or not os.path.isdir(bench):
        print(f"skipped: official MUNIT_Trainer.resume() (no official sources at {ref})")
        return
    sys.path.insert(0, bench)
    import munit_ref
    try:
        _, trainer_module, _, _ = munit_ref.load()
    except ImportError as e:  # the official data.py needs torchvision
        print(f"skipped: official MUNIT_Trainer.resume() (cannot import the official code: {e})")
        return
    config = munit_ref.load_config(os.path.join(fixture_dir, "config.yaml"))
    trainer = trainer_module.MUNIT_Trainer(config)
    iterations = trainer.resume(ours_dir, config)
    expected = int(os.path.basename(gen_file)[-11:-3])
    check(iterations == expected, f"resume() returned {iterations}, expected {expected}")
    ours = torch.load(gen_file)
    check(torch.equal(trainer.gen_b.dec.model[5].conv.weight, ours["b"]["dec.model.5.conv.weight"]),
          "resume() loaded other weights")
    print(f"ok: the official MUNIT_Trainer.resume() reads the folder (iteration {iterations})")


if __name__ == "__main__":
    main()
