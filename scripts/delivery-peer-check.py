#!/usr/bin/env python3
"""Checks rendered deliveries with parsers we did not write.

    .venv/bin/python scripts/delivery-peer-check.py FILE...

Each FILE ending in .hl7 is parsed by python-hl7 (PyPI hl7) and must be an
MDM^T02 with the NHS number in PID-3, the control id in MSH-10 and at least
one OBX text line; each FILE ending in .json is validated as a FHIR Bundle
by fhir.resources (its R4B models: R4 with technical corrections, the same
for the resources we send) and must be a document whose first entry is a
Composition. Prints one line per file; exit status 0 when every file
passes, 1 otherwise (the failing files say why).

The virtual environment comes from scripts/setup.sh.
"""

import sys

import hl7
from fhir.resources.R4B.bundle import Bundle

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def check_hl7(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    message = hl7.parse(text)
    if str(message.segment("MSH")[9]) != "MDM^T02^MDM_T02":
        return f"MSH-9 is {message.segment('MSH')[9]!s}, not MDM^T02^MDM_T02"
    if not str(message.segment("MSH")[10]):
        return "MSH-10 (control id) is empty"
    pid3 = message.segment("PID")[3]
    nhs = [str(rep[0]) for rep in pid3 if len(rep) > 4 and str(rep[3]) == "NHS"]
    if not nhs or not (len(nhs[0]) == 10 and nhs[0].isdigit()):
        return f"PID-3 carries no NHS number (^^^NHS): {pid3!s}"
    txa = message.segment("TXA")
    if not str(txa[12]):
        return "TXA-12 (unique document number) is empty"
    lines = [str(obx[5]) for obx in message.segments("OBX")]
    if not lines or any(str(obx[2]) != "TX" for obx in message.segments("OBX")):
        return "no OBX text lines"
    return None


def check_fhir(path):
    with open(path, "rb") as f:
        bundle = Bundle.model_validate_json(f.read())
    if bundle.type != "document":
        return f"Bundle.type is {bundle.type!r}, not 'document'"
    resources = [entry.resource for entry in bundle.entry or []]
    if not resources or resources[0].get_resource_type() != "Composition":
        return "the first entry is not a Composition"
    patients = [r for r in resources if r.get_resource_type() == "Patient"]
    if len(patients) != 1:
        return f"{len(patients)} Patient resources, expected 1"
    if not any(i.system == NHS_NUMBER_SYSTEM for i in patients[0].identifier or []):
        return "the Patient has no NHS number identifier"
    if not resources[0].text or "<div" not in resources[0].text.div:
        return "the Composition has no XHTML narrative"
    return None


def main(paths):
    failed = 0
    for path in paths:
        try:
            if path.endswith(".hl7"):
                problem = check_hl7(path)
            elif path.endswith(".json"):
                problem = check_fhir(path)
            else:
                problem = "neither .hl7 nor .json"
        except Exception as error:  # a parser's refusal is the finding
            problem = f"{type(error).__name__}: {error}".replace("\n", " ")
        if problem:
            failed += 1
            print(f"FAIL {path}: {problem}")
        else:
            print(f"ok {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
