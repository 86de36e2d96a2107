"""Realism and diversity of random styles (scripts/styles_realism.sh), and the README's picture.

A real b image is a gray shoe times one RGB colour, so every lit pixel of it has the same
chromaticity (rgb / (r + g + b)). Two realism statistics follow from that ground truth:

  colour spread   per image, the mean distance of its lit pixels' chromaticities from their mean
                  (0 for one colour; multi-coloured or plaid outputs score high), averaged over images
  colour FD       the Frechet distance between Gaussians fitted to the images' colours (the mean of
                  rgb / max(rgb) over lit pixels: the painted colour, for a real image) of the outputs
                  and of the held-out real b images: whether the colours are the real ones
  realistic       the share of outputs whose spread is at most the 95th percentile of the spreads of
                  outputs given real images' styles (8 held-out b images as references): as single-
                  coloured as the decoder renders a real style

Diversity is the mean L1 distance (pixels in [0, 1]) between each pair of an input's 8 outputs,
averaged over the inputs: how different the styles of one input look.

    /usr/bin/python3 measure.py OUT_DIR PICTURE.png
"""
import glob
import json
import os
import sys
from collections import defaultdict

import torch
from PIL import Image, ImageDraw

LIT = 0.15  # a pixel is part of the shoe when its brightest channel is above this
PRIORS = [("normal", "N(0, I)"), ("fitted", "fitted Gaussian"), ("mixture", "fitted mixture, K = 4")]
PSIS = ["1", "0.7", "0.5"]


def load(path):
    image = Image.open(path).convert("RGB")
    return torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(image.height, image.width, 3).float() / 255


def colour_statistics(image):
    """(spread, colour [3]) of one H x W x 3 image; None when no pixel is lit."""
    pixels = image.reshape(-1, 3)
    lit = pixels[pixels.max(1).values > LIT]
    if lit.size(0) < 8:
        return None
    chromaticity = lit / lit.sum(1, keepdim=True)
    spread = (chromaticity - chromaticity.mean(0)).norm(dim=1).mean().item()
    return spread, (lit / lit.max(1, keepdim=True).values).mean(0)


def frechet(x, y):
    mx, my = x.mean(0).double(), y.mean(0).double()
    cx, cy = torch.cov(x.T.double()), torch.cov(y.T.double())
    # tr(sqrt(cx cy)) from the eigenvalues of sqrt(cx) cy sqrt(cx), which is symmetric
    values, vectors = torch.linalg.eigh(cx)
    root = vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T
    cross = torch.linalg.eigvalsh(root @ cy @ root).clamp(min=0).sqrt().sum()
    return ((mx - my).pow(2).sum() + cx.trace() + cy.trace() - 2 * cross).item()


def measure(files, real_colours, threshold):
    spreads, colours, by_input = [], [], defaultdict(list)
    for path in files:
        image = load(path)
        by_input[os.path.basename(path).rsplit("_", 1)[0]].append(image)
        stats = colour_statistics(image)
        if stats:
            spreads.append(stats[0])
            colours.append(stats[1])
    spreads = torch.tensor(spreads)
    pairs = []
    for images in by_input.values():
        stack = torch.stack(images)
        n = stack.size(0)
        for i in range(n):
            for j in range(i + 1, n):
                pairs.append((stack[i] - stack[j]).abs().mean().item())
    return {
        "images": len(files),
        "colour_spread": spreads.mean().item(),
        "colour_fd": frechet(torch.stack(colours), real_colours),
        "realistic": (spreads <= threshold).float().mean().item(),
        "diversity": sum(pairs) / len(pairs),
    }


def picture(out, path, stem="00003"):
    rows = [("N(0, I)", "normal_psi1"), ("fitted Gaussian", "fitted_psi1"), ("fitted, psi 0.7", "fitted_psi0.7"),
            ("fitted mixture", "mixture_psi1"), ("real references", "reference"), ("slerp, 2 seeds", "slerp")]
    scale, label_width, gap = 3, 150, 4
    cell = 32 * scale
    sheet = Image.new("RGB", (label_width + 9 * (cell + gap), len(rows) * (cell + gap)), "white")
    draw = ImageDraw.Draw(sheet)
    source = Image.open(os.path.join(out, "data", "testA", stem + ".png")).convert("RGB").resize((cell, cell), Image.NEAREST)
    for r, (label, folder) in enumerate(rows):
        y = r * (cell + gap)
        draw.text((6, y + cell // 2 - 6), label, fill="black")
        sheet.paste(source, (label_width, y))
        for k, file in enumerate(sorted(glob.glob(os.path.join(out, "eval", folder, stem + "_*.png")))[:8]):
            image = Image.open(file).convert("RGB").resize((cell, cell), Image.NEAREST)
            sheet.paste(image, (label_width + (k + 1) * (cell + gap), y))
    sheet.save(path)


def main(out, picture_path):
    real = [colour_statistics(load(p)) for p in sorted(glob.glob(os.path.join(out, "data", "testB", "*.png")))]
    real = [r for r in real if r]
    real_spreads = torch.tensor([r[0] for r in real])
    real_colours = torch.stack([r[1] for r in real])
    results = {"real": {"images": len(real), "colour_spread": real_spreads.mean().item()}}
    reference_files = sorted(glob.glob(os.path.join(out, "eval", "reference", "*.png")))
    reference_spreads = torch.tensor([s[0] for s in map(colour_statistics, map(load, reference_files)) if s])
    threshold = reference_spreads.quantile(0.95).item()
    results["reference"] = measure(reference_files, real_colours, threshold)
    for prior, _ in PRIORS:
        for psi in PSIS:
            files = sorted(glob.glob(os.path.join(out, "eval", f"{prior}_psi{psi}", "*.png")))
            results[f"{prior}_psi{psi}"] = measure(files, real_colours, threshold)
    base = results["normal_psi1"]["diversity"]
    print(f"real b images: {len(real)}, colour spread {results['real']['colour_spread']:.4f}; realistic: a spread "
          f"of at most {threshold:.4f}, the 95th percentile of the reference-style outputs'\n")
    print("| prior | psi | colour spread (lower: one colour) | colour FD to real (lower) | realistic | diversity | "
          "diversity / N(0, I)'s |")
    print("|---|---|---|---|---|---|---|")
    rows = [("reference", "8 real references", "-")] + [(f"{p}_psi{psi}", name, psi) for p, name in PRIORS for psi in PSIS]
    for key, name, psi in rows:
        r = results[key]
        print(f"| {name} | {psi} | {r['colour_spread']:.4f} | {r['colour_fd']:.4f} | {100 * r['realistic']:.1f}% | "
              f"{r['diversity']:.4f} | {100 * r['diversity'] / base:.0f}% |")
    with open(os.path.join(out, "realism.json"), "w") as f:
        json.dump(results, f, indent=1)
    picture(out, picture_path)
    print(f"\nwrote {os.path.join(out, 'realism.json')} and {picture_path}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
