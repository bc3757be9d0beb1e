#!/usr/bin/env python3
"""A GP practice's side of ITK3 over MESH, played with NHS England's mesh-client (PyPI mesh-client).

For `hx run` and tests: polls each practice mailbox, downloads every message, acknowledges it in
MESH, and answers each ITK3 message Bundle on its workflow's `_ACK` workflow with the ITK3 responses
its handling specification asks for:

  - InfAckRequested true: an infrastructure acknowledgement, response code 20013 (Success);
  - BusAckRequested true: a business acknowledgement, response code 30001 (patient known here),
    or the code given with --business-code (30002, 30003: negative);
  - a message it cannot read: a negative infrastructure response, 10009 (Unreadable message
    received), about "UNREADABLE-IN-ORIGINAL-MESSAGE", as ITK3 asks.

Each response is an ITK3 message Bundle (FHIR STU3, type `message`): a MessageHeader (event
ITK008M from https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2, the ITK3 handling extension
asking for no acknowledgement, response.identifier = the original MessageHeader id, response.code
ok or fatal-error, response.details -> the OperationOutcome) and an OperationOutcome whose issue
carries the ITK3 response code (https://fhir.nhs.uk/STU3/CodeSystem/ITK-ResponseCodes-1). Nothing
from the patient goes into a response (ITK3 FHIR-BA-02). MESH REPORT messages are acknowledged and
counted, not answered.

  mesh-practice.py --url URL --shared-key KEY --mailbox A81001OT [--mailbox ...] [--once]
                   [--interval 5] [--business-code 30001] [--no-business]

Prints one JSON line per message handled.
"""

import argparse
import datetime
import json
import os
import sys
import time
import uuid

from mesh_client import MeshClient

ITK_EVENTS = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"
ITK_RESPONSE_CODES = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-ResponseCodes-1"
HANDLING = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2"
RESPONSE_DEFINITION = "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-Response-MessageDefinition-Instance-1"
UNREADABLE = "UNREADABLE-IN-ORIGINAL-MESSAGE"

CODES = {
    "20013": ("Success", "ok", "information", "informational"),
    "30001": ("Patient known here", "ok", "information", "informational"),
    "30002": ("Patient not known here", "fatal-error", "fatal", "not-found"),
    "30003": ("Patient no longer at this clinical setting", "fatal-error", "fatal", "not-found"),
    "10009": ("Unreadable message received", "fatal-error", "fatal", "invalid"),
}


def handling_flags(header: dict) -> dict:
    flags = {}
    for extension in header.get("extension", []):
        if extension.get("url") != HANDLING:
            continue
        for part in extension.get("extension", []):
            for key in ("valueBoolean", "valueString"):
                if key in part:
                    flags[part.get("url")] = part[key]
    return flags


def read_itk3(body: bytes):
    """The original MessageHeader and its handling flags, or None when unreadable."""
    try:
        bundle = json.loads(body)
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "message":
            return None
        header = bundle["entry"][0]["resource"]
        if header.get("resourceType") != "MessageHeader" or not header.get("id"):
            return None
        return header, handling_flags(header)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def response_bundle(original_id: str, code: str, practice_ods: str, sender_mailbox: str) -> dict:
    display, response_code, severity, issue_type = CODES[code]
    header_id = str(uuid.uuid4())
    outcome_id = str(uuid.uuid4())
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    header = {
        "resourceType": "MessageHeader",
        "id": header_id,
        "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/ITK-MessageHeader-2"]},
        "extension": [
            {
                "url": HANDLING,
                "extension": [
                    {"url": "BusAckRequested", "valueBoolean": False},
                    {"url": "InfAckRequested", "valueBoolean": False},
                    {
                        "url": "RecipientType",
                        "valueCoding": {
                            "system": "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1",
                            "code": "FI",
                            "display": "For Information",
                        },
                    },
                    {"url": "MessageDefinition", "valueReference": {"reference": RESPONSE_DEFINITION}},
                    {"url": "SenderReference", "valueString": "None"},
                    {"url": "LocalExtension", "valueString": "None"},
                ],
            }
        ],
        "event": {"system": ITK_EVENTS, "code": "ITK008M", "display": "ITK Response"},
        "sender": {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": practice_ods}},
        "timestamp": now,
        "source": {"endpoint": practice_ods},
        "destination": [{"endpoint": sender_mailbox}],
        "response": {
            "identifier": original_id,
            "code": response_code,
            "details": {"reference": f"urn:uuid:{outcome_id}"},
        },
    }
    outcome = {
        "resourceType": "OperationOutcome",
        "id": outcome_id,
        "issue": [
            {
                "severity": severity,
                "code": issue_type,
                "details": {"coding": [{"system": ITK_RESPONSE_CODES, "code": code, "display": display}]},
            }
        ],
    }
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Message-Bundle-1"]},
        "identifier": {"system": "https://tools.ietf.org/html/rfc4122", "value": str(uuid.uuid4())},
        "type": "message",
        "entry": [
            {"fullUrl": f"urn:uuid:{header_id}", "resource": header},
            {"fullUrl": f"urn:uuid:{outcome_id}", "resource": outcome},
        ],
    }


def ack_workflow(workflow: str) -> str:
    return workflow if workflow.endswith("_ACK") else f"{workflow}_ACK"


def handle(mesh: MeshClient, mailbox: str, args) -> int:
    handled = 0
    for message_id in mesh.list_messages():
        message = mesh.retrieve_message(message_id)
        body = message.read()
        message.close()
        headers = dict(message.mex_headers())
        sender = headers.get("from", "")
        workflow = headers.get("workflowid", "") or ""
        record = {"mailbox": mailbox, "message_id": message_id, "from": sender, "workflow": workflow, "responses": []}
        if (headers.get("messagetype") or "DATA").upper() == "REPORT":
            record["report"] = True
        elif not workflow.endswith("_ACK"):
            read = read_itk3(body)
            if read is None:
                answers = [("10009", UNREADABLE)]
            else:
                header, flags = read
                answers = []
                if flags.get("InfAckRequested") is True:
                    answers.append(("20013", header["id"]))
                if flags.get("BusAckRequested") is True and not args.no_business:
                    answers.append((args.business_code, header["id"]))
            for code, original in answers:
                bundle = response_bundle(original, code, mailbox, sender)
                local_id = f"{original}-{code}" if original != UNREADABLE else f"{message_id}-{code}"
                sent = mesh.send_message(
                    sender,
                    json.dumps(bundle).encode("utf-8"),
                    workflow_id=ack_workflow(workflow),
                    local_id=local_id,
                    subject="ITK3 response",
                    content_type="application/fhir+json",
                )
                record["responses"].append({"code": code, "identifier": original, "message_id": sent})
        # Acknowledged only once the answers are in MESH: a practice that stops half-way sees it again.
        mesh.acknowledge_message(message_id)
        print(json.dumps(record), flush=True)
        handled += 1
    return handled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--mailbox", action="append", required=True)
    parser.add_argument("--password", default="password")
    parser.add_argument("--shared-key", default=os.environ.get("MESH_SHARED_KEY", ""))
    parser.add_argument("--once", action="store_true", help="one pass over the mailboxes, then exit")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    parser.add_argument("--business-code", default="30001", choices=["30001", "30002", "30003"])
    parser.add_argument("--no-business", action="store_true", help="never send a business acknowledgement")
    args = parser.parse_args()
    clients = {
        mailbox: MeshClient(args.url, mailbox, args.password, shared_key=args.shared_key.encode("utf-8"), max_retries=0)
        for mailbox in args.mailbox
    }
    for mesh in clients.values():
        mesh.handshake()
    try:
        while True:
            for mailbox, mesh in clients.items():
                if args.once:
                    handle(mesh, mailbox, args)
                    continue
                # Running on (hx run): a failed pass is said and tried again at the next poll,
                # as a practice's system would; what it did not acknowledge comes again.
                try:
                    handle(mesh, mailbox, args)
                except Exception as error:  # noqa: BLE001 - any failure of one pass
                    print(json.dumps({"mailbox": mailbox, "error": f"{type(error).__name__}: {error}"}), flush=True)
            if args.once:
                return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0
    finally:
        for mesh in clients.values():
            mesh.close()


if __name__ == "__main__":
    sys.exit(main())
