"""Coloured Fashion-MNIST shoes: data whose style is known, for scripts/styles_realism.sh.

Domain a is a gray footwear image (sandal, sneaker, ankle boot), domain b a footwear image painted
in one colour: its gray levels times an RGB colour of random hue, saturation in [0.5, 1] and full
value. So a real b image is single-coloured, and that colour is its style. a and b come from
disjoint halves of the training set (unpaired); the test set gives the evaluation inputs (testA)
and the real images the outputs are compared with (testB). 32x32 PNGs.

    /usr/bin/python3 make_data.py OUT_DIR
"""
import colorsys
import gzip
import os
import sys

import torch
import torch.nn.functional as F
from PIL import Image

IDX = "/usr/share/datasets/fashion-mnist"
FOOTWEAR = (5, 7, 9)


def read_idx(name):
    with gzip.open(os.path.join(IDX, name)) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).view(shape)


def footwear(split):
    images, labels = read_idx(f"{split}-images-idx3-ubyte.gz"), read_idx(f"{split}-labels-idx1-ubyte.gz")
    keep = torch.isin(labels, torch.tensor(FOOTWEAR))
    gray = images[keep].float().unsqueeze(1) / 255
    return F.interpolate(gray, size=(32, 32), mode="bilinear", align_corners=False).clamp(0, 1)


def coloured(gray, generator):
    colours = []
    for _ in range(gray.size(0)):
        hue, saturation = torch.rand(2, generator=generator).tolist()
        colours.append(colorsys.hsv_to_rgb(hue, 0.5 + 0.5 * saturation, 1.0))
    return gray * torch.tensor(colours).view(-1, 3, 1, 1)


def write(images, folder):
    os.makedirs(folder, exist_ok=True)
    pixels = (images * 255).round().to(torch.uint8)
    for i, image in enumerate(pixels):
        array = image.permute(1, 2, 0).squeeze(2).numpy() if image.size(0) == 1 else image.permute(1, 2, 0).numpy()
        Image.fromarray(array).save(os.path.join(folder, f"{i:05d}.png"))


def main(out):
    generator = torch.Generator().manual_seed(7)
    train, test = footwear("train"), footwear("t10k")
    half = train.size(0) // 2
    write(train[:half], os.path.join(out, "trainA"))
    write(coloured(train[half:], generator), os.path.join(out, "trainB"))
    write(test[:64], os.path.join(out, "testA"))
    write(coloured(test[64:2064], generator), os.path.join(out, "testB"))


if __name__ == "__main__":
    main(sys.argv[1])
