#!/usr/bin/env python3
"""Writes the project's patched copy of Dojo's OpenAPI document (2026-02-27) for the
schemathesis run (scripts/schemathesis.sh): the original, with the document's own bugs
fixed and nothing else. The checks stay strict; only schemas that no real answer (nor
the document's own examples) could satisfy are repaired. Each fix is listed in FIXES and
in crates/dojo-sandbox/spec/README.md.

The original is read, not kept in the repository: DOJO_OPENAPI (default
/work/shared/dojo-api/openapi-2026-02-27.json). Usage: patch_spec.py OUT.json
"""
import copy
import json
import os
import sys

SRC = os.environ.get("DOJO_OPENAPI", "/work/shared/dojo-api/openapi-2026-02-27.json")


def merge_all_of(schemas, name):
    """`allOf` of two objects that both say `additionalProperties: false`: no body can
    satisfy both (each forbids the other's properties). Merged into one object with
    the union of the properties and of the required lists, still closed."""
    s = schemas[name]
    merged = {"type": "object", "additionalProperties": False, "properties": {}}
    required = []
    for branch in s["allOf"]:
        if "$ref" in branch:
            branch = schemas[branch["$ref"].split("/")[-1]]
        merged["properties"].update(copy.deepcopy(branch.get("properties", {})))
        required += branch.get("required", [])
    if required:
        merged["required"] = sorted(set(required))
    for k in ("description", "example", "nullable"):
        if k in s:
            merged[k] = s[k]
    schemas[name] = merged


def add_property(schemas, name, prop, schema):
    """A property the document's own examples carry but its closed schema forbids."""
    schemas[name]["properties"].setdefault(prop, schema)


FIXES = [
    "SetupIntentResponse: allOf[SetupIntentPublicResponse, {setupEvents}] with additionalProperties:false "
    "on both branches (unsatisfiable) -> one closed object with both branches' properties",
    "PagedPaymentIntent: allOf[PagedResultOfPaymentIntent, {additionalProperties:false}] (the second branch "
    "forbids data/before/after, so no page validates) -> one closed object with data/before/after",
    "PaymentIntent: paymentEvents and paymentSource are in both response examples but not in the closed "
    "schema -> added (paymentEvents as SetupIntentResponse.setupEvents, paymentSource a string)",
]


def main():
    out = sys.argv[1]
    with open(SRC, encoding="utf-8") as f:
        doc = json.load(f)
    schemas = doc["components"]["schemas"]
    events = copy.deepcopy(schemas["SetupIntentResponse"]["allOf"][1]["properties"]["setupEvents"])
    merge_all_of(schemas, "SetupIntentResponse")
    merge_all_of(schemas, "PagedPaymentIntent")
    add_property(schemas, "PaymentIntent", "paymentEvents", events)
    add_property(schemas, "PaymentIntent", "paymentSource", {"type": "string"})
    doc.setdefault("info", {})["x-dojo-rs-patched"] = FIXES
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
