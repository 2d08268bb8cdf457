#!/usr/bin/env python3
"""Writes tests/fixtures/transforms.safetensors: torchvision's results for the deterministic
transforms of mapping::data::transforms, on one random 3x13x17 float image in [0, 1].

Run: .venv/bin/python scripts/make_transform_fixtures.py   (needs torch, torchvision, safetensors)
"""
import pathlib

import torch
import torchvision
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode
from safetensors.torch import save_file

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "transforms.safetensors"


def main():
    torch.manual_seed(3)
    img = torch.rand(3, 13, 17)
    cases = {
        "input": img,
        "resize_7x9": F.resize(img, [7, 9], InterpolationMode.BILINEAR, antialias=False),
        "resize_20x24": F.resize(img, [20, 24], InterpolationMode.BILINEAR, antialias=False),
        "center_crop_8x10": F.center_crop(img, [8, 10]),
        "center_crop_15x19": F.center_crop(img, [15, 19]),
        "hflip": F.hflip(img),
        "vflip": F.vflip(img),
        "brightness_1.3": F.adjust_brightness(img, 1.3),
        "contrast_0.6": F.adjust_contrast(img, 0.6),
        "saturation_1.7": F.adjust_saturation(img, 1.7),
        "hue_0.2": F.adjust_hue(img, 0.2),
        "hue_-0.35": F.adjust_hue(img, -0.35),
        "normalize_imagenet": F.normalize(img, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        "pad2_crop_1_3_12x15": F.crop(F.pad(img, 2), 1, 3, 12, 15),
        "rotate_30_bilinear": F.rotate(img, 30.0, InterpolationMode.BILINEAR),
        "affine_-20_t2_-1_s1.2_bilinear": F.affine(img, -20.0, [2, -1], 1.2, [0.0, 0.0], InterpolationMode.BILINEAR),
    }
    save_file({k: v.contiguous() for k, v in cases.items()}, OUT, metadata={"torchvision": torchvision.__version__})
    print(f"wrote {len(cases) - 1} cases to {OUT}")


if __name__ == "__main__":
    main()
