#!/usr/bin/env python3
"""Every golden JSON output validates against its command's schema in docs/schema/.

Usage: schema.py SCHEMA_DIR EXPECTED_DIR...  A golden output is JSON when it starts with '{' or '[' (the
last line is the runner's "[exit N]"). Its "format" ("vmtour-translate/1") names the schema
(translate.schema.json); an output without one, or one that does not validate, fails."""
import json
import pathlib
import sys

import jsonschema

schema_dir = pathlib.Path(sys.argv[1])
schemas = {}
for f in sorted(schema_dir.glob("*.schema.json")):
    s = json.loads(f.read_text())
    jsonschema.Draft202012Validator.check_schema(s)
    schemas[s["properties"]["format"]["const"]] = (f.name, jsonschema.Draft202012Validator(s))

bad = checked = 0
for d in sys.argv[2:]:
    for f in sorted(pathlib.Path(d).glob("*.out")):
        text = f.read_text()
        if not text.startswith(("{", "[")):
            continue
        body = text[: text.rstrip().rfind("\n[exit ")]
        doc = json.loads(body)
        checked += 1
        fmt = doc.get("format") if isinstance(doc, dict) else None  # a bare list has no format
        if fmt not in schemas:
            print(f"{f}: no schema for format {fmt!r}")
            bad += 1
            continue
        name, validator = schemas[fmt]
        for e in validator.iter_errors(doc):
            print(f"{f}: {name}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
            bad += 1
print(f"schema: {checked} JSON outputs checked against {len(schemas)} schemas, {bad} errors")
sys.exit(1 if bad or not checked else 0)
