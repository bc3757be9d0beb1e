#!/usr/bin/env python3
"""Writes the synthetic canonical messages under config/tests/messages/.

Synthetic data only: NHS numbers are from the 999 000 0000 test range (valid
Modulus 11), names and addresses are made up. Message ids are derived the way
HXCanonical does (UUID v5 of "<source organisation>|<source message id>").
Run again after editing; the output is deterministic.
"""
import json, os, uuid

NS = uuid.UUID("5b1f3c2e-8d47-4a69-9e0b-6c2f1a7d3e58")
OUT = os.path.join(os.path.dirname(__file__), "..", "config", "tests", "messages")


def nhs_ok(n):
    d = [int(c) for c in n]
    c = 11 - sum(x * (10 - i) for i, x in enumerate(d[:9])) % 11
    c = 0 if c == 11 else c
    return len(d) == 10 and c != 10 and c == d[9] and n.startswith("999")


def message(name, type_, source, msg_id, occurred, subject, payload, sensitivity=()):
    if subject["nhsNumber"] is not None:
        assert nhs_ok(subject["nhsNumber"]), subject["nhsNumber"]
    m = {
        "schema": "hx.canonical/1",
        "id": str(uuid.uuid5(NS, source + "|" + msg_id)),
        "type": type_,
        "occurredAt": occurred,
        "source": {"organisation": source, "system": "test", "adapter": "test-fixture", "messageId": msg_id},
        "subject": subject,
        "sensitivity": list(sensitivity),
        "payload": payload,
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")


def person(nhs, family, given, born, postcode, practice, gender="female"):
    return {"nhsNumber": nhs, "identityStatus": "verified" if nhs else "unresolved",
            "localIdentifiers": [{"system": "test-mrn", "value": "MRN-" + (nhs or "NONE")[-4:]}],
            "name": {"family": family, "given": [given]}, "birthDate": born, "gender": gender,
            "postcode": postcode, "registeredPractice": practice}


def discharge(org, dest="home", care=False, diagnoses=(), procedures=(), meds=(), follow=(), narrative=None):
    p = {"admittedAt": "2026-02-20T09:15:00Z", "dischargedAt": "2026-03-01T14:30:00Z",
         "dischargingOrganisation": org, "dischargingClinician": "Dr Test Clinician",
         "dischargeMethod": "clinical-advice", "dischargeDestination": dest,
         "diagnoses": list(diagnoses), "procedures": list(procedures), "medications": list(meds),
         "allergies": [], "followUp": list(follow), "careNeedsOnDischarge": care}
    if narrative:
        p["narrative"] = narrative
    return p


def dx(code, display, *labels):
    d = {"code": code, "system": "ICD-10", "display": display}
    if labels:
        d["sensitivity"] = list(labels)
    return d


os.makedirs(OUT, exist_ok=True)

message("discharge-rww-home", "discharge-summary", "RWW", "WHH-ADT-0001", "2026-03-01T14:35:00Z",
        person("9990000379", "Testwood", "Alice", "1948-05-02", "WA8 9XX", "N81035"),
        discharge("RWW", diagnoses=[dx("J18.9", "Pneumonia, unspecified"), dx("F32.1", "Moderate depressive episode", "mental-health")],
                  meds=[{"name": "Amoxicillin", "dose": "500mg", "route": "oral", "frequency": "three times a day", "status": "started"},
                        {"name": "Sertraline", "dose": "50mg", "route": "oral", "frequency": "once a day", "status": "continued", "sensitivity": ["mental-health"]}],
                  follow=[{"action": "Review chest in 6 weeks", "owner": "gp"}],
                  narrative="Admitted with community-acquired pneumonia; treated and improved."),
        ["mental-health"])

message("discharge-rww-carehome-safeguarding", "discharge-summary", "RWW", "WHH-ADT-0002", "2026-03-01T16:00:00Z",
        person("9990000743", "Testbrook", "Bernard", "1939-11-23", "WA7 9XX", "N81019", "male"),
        discharge("RWW", dest="care-home", care=True,
                  diagnoses=[dx("S72.0", "Fracture of neck of femur")],
                  procedures=[{"code": "W46.1", "system": "OPCS-4", "display": "Hemiarthroplasty of hip"}],
                  follow=[{"action": "Falls clinic referral", "owner": "community"},
                          {"action": "Section 42 enquiry under way: liaise with social worker", "owner": "social-care", "sensitivity": ["safeguarding"]}],
                  narrative="Fall at home; concerns about unexplained bruising raised with the council."),
        ["safeguarding"])

message("discharge-rbn-sexual-health", "discharge-summary", "RBN", "STHK-0003", "2026-03-02T10:00:00Z",
        person("9990001111", "Testfield", "Carla", "1990-02-14", "WA7 9XY", "N81057"),
        discharge("RBN", diagnoses=[dx("A56.0", "Chlamydial infection of lower genitourinary tract", "sexual-health")],
                  narrative="Seen and treated."),
        ["sexual-health"])

message("discharge-merseycare", "discharge-summary", "RW4", "MC-0004", "2026-03-02T12:00:00Z",
        person("9990001480", "Testmoor", "Dylan", "1981-07-30", "WA8 9XZ", "N81011", "male"),
        discharge("RW4", care=True,
                  diagnoses=[dx("F20.0", "Paranoid schizophrenia", "mental-health"), dx("F10.2", "Alcohol dependence", "substance-misuse"),
                             dx("E11.9", "Type 2 diabetes mellitus")],
                  meds=[{"name": "Olanzapine", "dose": "10mg", "route": "oral", "frequency": "at night", "status": "started", "sensitivity": ["mental-health"]},
                        {"name": "Metformin", "dose": "500mg", "route": "oral", "frequency": "twice a day", "status": "continued"}],
                  follow=[{"action": "Community mental health team visit within 72 hours", "owner": "community", "sensitivity": ["mental-health"]},
                          {"action": "Help with shopping and meals", "owner": "social-care"}],
                  narrative="Discharged from inpatient ward after a relapse; care plan agreed with the patient."),
        ["mental-health", "substance-misuse"])

message("discharge-rww-child", "discharge-summary", "RWW", "WHH-ADT-0005", "2026-03-03T11:00:00Z",
        person("9990001855", "Testhill", "Evie", "2012-06-01", "WA7 9YA", "N81066"),
        discharge("RWW", care=True, diagnoses=[dx("E10.9", "Type 1 diabetes mellitus")],
                  follow=[{"action": "Support at school with insulin", "owner": "social-care"}]))

message("discharge-rww-no-nhs-number", "discharge-summary", "RWW", "WHH-ADT-0006", "2026-03-03T15:00:00Z",
        person(None, "Testlane", "Frank", "1955-09-09", "WA8 9YB", "N81064", "male"),
        discharge("RWW", diagnoses=[dx("I48.9", "Atrial fibrillation")], narrative="Rate controlled."))

message("discharge-nwas-see-and-treat", "discharge-summary", "RX7", "NWAS-0007", "2026-03-04T02:10:00Z",
        person("9990004072", "Testgate", "Gina", "1970-01-20", "WA7 9YC", "N81096"),
        discharge("RX7", narrative="Treated at home after a fall; no injury found."))

message("social-care-safeguarding-concern", "social-care-notification", "HBC-ASC", "HBC-LAS-0008", "2026-03-02T09:00:00Z",
        person("9990002223", "Testford", "Harold", "1944-03-15", "WA8 9YD", "N81119", "male"),
        {"event": "safeguarding-concern", "service": "Adult social care", "team": "Safeguarding adults unit",
         "effectiveFrom": "2026-03-02T09:00:00Z", "details": "Concern raised by a neighbour about financial abuse.",
         "contact": "Safeguarding adults unit, 0151 000 0000"},
        ["safeguarding"])

message("social-care-care-package", "social-care-notification", "HBC-ASC", "HBC-LAS-0009", "2026-03-05T09:30:00Z",
        person("9990002592", "Testmere", "Iris", "1950-12-01", "WA7 9YE", "N81072"),
        {"event": "care-package-started", "service": "Domiciliary care", "team": "Runcorn care management",
         "effectiveFrom": "2026-03-06T08:00:00+00:00", "details": "Two calls a day; alcohol use noted by the assessor.",
         "contact": "Runcorn care management, 0151 000 0001"},
        ["substance-misuse"])

message("referral-gp-to-bridgewater", "referral", "N81072", "GP-REF-0010", "2026-03-02T11:20:00Z",
        person("9990002592", "Testmere", "Iris", "1950-12-01", "WA7 9YE", "N81072"),
        {"referralId": "REF-0010", "fromOrganisation": "N81072", "fromService": "General practice",
         "toOrganisation": "RY2", "toService": "District nursing", "priority": "routine",
         "reason": "Leg ulcer dressings", "clinicalSummary": "Venous leg ulcer, left calf; diabetic.",
         "requestedAt": "2026-03-02T11:20:00Z", "consentToShare": True})

message("referral-bridgewater-to-wellbeing", "referral", "RY2", "BCH-REF-0011", "2026-03-02T14:00:00Z",
        person("9990002967", "Testdale", "Jack", "1962-04-04", "WA8 9YF", "N81651", "male"),
        {"referralId": "REF-0011", "fromOrganisation": "RY2", "fromService": "Community matrons",
         "toOrganisation": "WELLBEING-ENT", "toService": "Social prescribing", "priority": "routine",
         "reason": "Isolated since bereavement; low mood", "clinicalSummary": "COPD, stable. PHQ-9 score 12.",
         "requestedAt": "2026-03-02T14:00:00Z", "consentToShare": True},
        ["mental-health"])

message("referral-wellbeing-to-housing", "referral", "WELLBEING-ENT", "WE-REF-0012", "2026-03-03T10:00:00Z",
        person("9990003335", "Testcroft", "Kim", "1985-08-18", "WA8 9YG", "N81045"),
        {"referralId": "REF-0012", "fromOrganisation": "WELLBEING-ENT", "toOrganisation": "HALTON-HOUSING",
         "toService": "Tenancy sustainment", "priority": "urgent", "reason": "Rent arrears after job loss",
         "requestedAt": "2026-03-03T10:00:00Z", "consentToShare": True})
print("written to", os.path.normpath(OUT))
