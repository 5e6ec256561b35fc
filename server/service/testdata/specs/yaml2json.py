#!/usr/bin/env python3
"""Regenerates specs.json and alexa/specs.json from the YAML next to them.

The Go tests read the JSON so that the module needs no YAML dependency.
Run from this directory after changing a specs.yaml (needs python3-yaml):

    python3 yaml2json.py
"""
import json
import pathlib

import yaml

here = pathlib.Path(__file__).resolve().parent
for name in ("specs.yaml", "alexa/specs.yaml"):
    src = here / name
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    out = src.with_suffix(".json")
    # default=str: metadata dates (created: 2025-11-04) become strings.
    out.write_text(json.dumps(data, indent=1, sort_keys=True, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
    print(out.relative_to(here), len(data["tests"]), "tests")
