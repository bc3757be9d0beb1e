#!/usr/bin/env python3
"""Checks rendered deliveries with parsers we did not write.

    .venv/bin/python scripts/delivery-peer-check.py FILE...

Each FILE ending in .hl7 is parsed by python-hl7 (PyPI hl7) and must be an
MDM^T02 with the NHS number in PID-3, the control id in MSH-10 and at least
one OBX text line; each FILE ending in .json is validated as a FHIR Bundle
by fhir.resources (its R4B models: R4 with technical corrections, the same
for the resources we send) and must be a document whose first entry is a
Composition. A FILE ending in .itk3.json is validated by fhir.resources'
STU3 models as an ITK3 message: a Bundle of type message whose MessageHeader
asks for infrastructure and business acknowledgements and whose focus is a
document Bundle (itself checked like the R4 documents, in STU3). A FILE
ending in .itk3-response.json must be an ITK3 response (STU3): event ITK008M,
response.identifier and code, an OperationOutcome with an ITK3 response code.
Prints one line per file; exit status 0 when every file passes, 1 otherwise
(the failing files say why).

The virtual environment comes from scripts/setup.sh.
"""

import sys

import hl7
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.STU3.bundle import Bundle as BundleSTU3

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
        return check_document(Bundle.model_validate_json(f.read()))


ITK3_HANDLING = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2"
ITK3_EVENTS = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"


def check_document(bundle):
    """A document Bundle (R4B or STU3 models): Composition first, one Patient with the NHS number, a narrative."""
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


def handling(header):
    """The ITK3 handling keys of a MessageHeader, as {key: value}."""
    keys = {}
    for ext in header.extension or []:
        if ext.url == ITK3_HANDLING:
            for part in ext.extension or []:
                value = part.valueBoolean if part.valueBoolean is not None else (
                    part.valueString or (part.valueCoding.code if part.valueCoding else None))
                keys[part.url] = value
    return keys


def check_itk3(path):
    with open(path, "rb") as f:
        bundle = BundleSTU3.model_validate_json(f.read())
    if bundle.type != "message":
        return f"Bundle.type is {bundle.type!r}, not 'message'"
    entries = bundle.entry or []
    if not entries or entries[0].resource.get_resource_type() != "MessageHeader":
        return "the first entry is not a MessageHeader"
    header = entries[0].resource
    if header.event.system != ITK3_EVENTS or not header.event.code:
        return f"MessageHeader.event is not an ITK-MessageEvent-2 code: {header.event.system} {header.event.code}"
    keys = handling(header)
    if keys.get("InfAckRequested") is not True or keys.get("BusAckRequested") is not True:
        return f"the handling extension does not ask for both acknowledgements: {keys}"
    focus = [f.reference for f in header.focus or []]
    documents = [e.resource for e in entries if e.fullUrl in focus and e.resource.get_resource_type() == "Bundle"]
    if len(documents) != 1:
        return f"MessageHeader.focus {focus} does not name one document Bundle in the message"
    # The inner document again on its own, as a receiver that unpacks it reads it.
    document = BundleSTU3.model_validate_json(documents[0].model_dump_json())
    return check_document(document)


def check_itk3_response(path):
    with open(path, "rb") as f:
        bundle = BundleSTU3.model_validate_json(f.read())
    if bundle.type != "message":
        return f"Bundle.type is {bundle.type!r}, not 'message'"
    entries = bundle.entry or []
    if not entries or entries[0].resource.get_resource_type() != "MessageHeader":
        return "the first entry is not a MessageHeader"
    header = entries[0].resource
    if header.event.code != "ITK008M":
        return f"MessageHeader.event is {header.event.code}, not ITK008M"
    if not header.response or not header.response.identifier or not header.response.code:
        return "MessageHeader.response with identifier and code is missing"
    outcomes = [e.resource for e in entries if e.resource.get_resource_type() == "OperationOutcome"]
    codes = [c.code for o in outcomes for i in o.issue for c in (i.details.coding if i.details else []) or []
             if c.system and "ITK-ResponseCodes" in c.system]
    if not codes:
        return "no OperationOutcome with an ITK3 response code"
    return None


def main(paths):
    failed = 0
    for path in paths:
        try:
            if path.endswith(".hl7"):
                problem = check_hl7(path)
            elif path.endswith(".itk3.json"):
                problem = check_itk3(path)
            elif path.endswith(".itk3-response.json"):
                problem = check_itk3_response(path)
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
