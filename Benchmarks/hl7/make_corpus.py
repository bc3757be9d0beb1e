#!/usr/bin/env python3
"""Deterministic synthetic HL7 v2.4 ADT^A03 corpus for `Benchmarks/hl7-run.sh`.

    python3 Benchmarks/hl7/make_corpus.py [--count 20000] [--seed 2026] --out FILE

Format of FILE: one message per line. Segments are separated by CR (0x0D) as
the standard says; messages by LF (0x0A); the file ends with LF. So
`line.rstrip("\\n")` (or splitting on LF) gives one message, exactly as an
adapter receives it in one MLLP frame.

Every message is a WHH PAS discharge (adapters/whh-pas-discharge) that
translates without error: 1-5 DG1, 0-3 PR1, 0-2 AL1, an optional PD1, PID-3
with 1-3 repetitions (local MRN, NHS number, sometimes an old MRN; about one
in eight has no NHS number), escape sequences (\\T\\ \\S\\ \\F\\ \\R\\ \\E\\) in
names and coded texts, a few non-ASCII names, and timestamps in GMT (December
to February) and BST (June to August), never near a clock change.

NHS numbers are synthetic test numbers from the 999 range with a valid
Modulus 11 check digit, computed here; none belongs to a real person. The
same seed and count always give the same bytes.
"""
import argparse
import datetime as dt
import os
import random
import sys

FAMILIES = ["TESTPATIENT", "EXAMPLE", "SPECIMEN", "SAMPLE", "DUMMY", "PLACEHOLDER", "FICTIONAL",
            "MOCKFORD", "TRIALSON", "DEMOWELL", "O'TESTER", "MCSAMPLE", "ZOË-TEST", "SIÂN-EXAMPLE"]
# Written escaped on the wire (the parser must decode them).
ESCAPED_FAMILIES = ["SMITH\\T\\JONES", "TEST\\S\\CASE", "PIPE\\F\\NAME", "BACK\\E\\SLASH", "TILDE\\R\\NAME"]
GIVEN = ["Alice", "Brian", "Carol", "David", "Eve", "Frank", "Grace", "Hari", "Ifeoma", "Jack",
         "Katarzyna", "Liam", "Mairéad", "Nia", "Owen", "Priya", "Rhys", "Siobhán", "Tomás", "Zoë"]
TITLES = ["Mr", "Mrs", "Ms", "Miss", "Dr", ""]
STREETS = ["Example Street", "Sample Road", "Test Lane", "Specimen Close", "Placeholder Avenue"]
TOWNS = [("Widnes", "WA8"), ("Runcorn", "WA7"), ("Warrington", "WA1"), ("Halton", "WA7")]
PRACTICES = [("APPLETON VILLAGE SURGERY", "N81001"), ("HALTON VIEW MEDICAL CENTRE", "N81002"),
             ("RUNCORN TEST PRACTICE", "N81003"), ("WIDNES EXAMPLE GROUP", "N81004")]
WARDS = ["WARD3", "WARD5", "WARD12", "AMU", "CCU", "ITU", "WARD B18"]
CONSULTANTS = [("C1234567", "Consultant", "Clare"), ("C7654321", "Physician", "Peter"),
               ("C1112223", "Surgeon", "Sara"), ("C9998887", "Geriatrician", "Gwen")]
# (code, text); a few texts carry escapes. F-codes get the mental-health label, Z21 sexual-health.
DIAGNOSES = [
    ("J18.9", "Pneumonia, unspecified"), ("I21.4", "Acute subendocardial myocardial infarction"),
    ("I50.0", "Congestive heart failure"), ("E11.9", "Type 2 diabetes mellitus \\T\\ without complications"),
    ("N39.0", "Urinary tract infection, site not specified"), ("S72.0", "Fracture of neck of femur"),
    ("J44.1", "COPD with acute exacerbation"), ("I63.9", "Cerebral infarction, unspecified"),
    ("F32.1", "Moderate depressive episode"), ("F10.2", "Alcohol dependence syndrome"),
    ("K35.8", "Acute appendicitis\\S\\other"), ("R55", "Syncope \\T\\ collapse"),
    ("Z21", "Asymptomatic HIV infection status"), ("C34.9", "Malignant neoplasm of bronchus or lung"),
]
PROCEDURES = [
    ("H22.9", "Diagnostic endoscopic examination of colon, unspecified"),
    ("W37.1", "Primary total prosthetic replacement of hip joint \\T\\ cement"),
    ("K40.1", "Saphenous vein graft replacement of one coronary artery"),
    ("E49.1", "Diagnostic fibreoptic endoscopic examination of lower respiratory tract"),
    ("U05.1", "CT of head"), ("X29.2", "Continuous intravenous infusion"),
]
ALLERGIES = ["^Penicillin", "91936005^Allergy to penicillin^SCT", "^Latex", "300913006^Shellfish allergy^SCT",
             "^Codeine\\T\\morphine"]
METHODS = ["1", "1", "1", "1", "2", "3", "4"]
DESTINATIONS = ["19", "19", "19", "29", "54", "65", "85", "88", "49", "51", "99", "30"]
MONTHS = [12, 1, 2, 6, 7, 8]  # GMT and BST, none with a clock change


def nhs_check_digit(nine):
    """Modulus 11: weights 10..2; 11 -> 0; 10 -> no valid number (None)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_number(rng):
    while True:
        nine = "999" + "".join(rng.choice("0123456789") for _ in range(6))
        c = nhs_check_digit(nine)
        if c is not None:
            return nine + str(c)


def ts(t, seconds=True):
    return t.strftime("%Y%m%d%H%M%S" if seconds else "%Y%m%d%H%M")


def message(rng, n):
    year = rng.choice([2025, 2026])
    month = rng.choice(MONTHS)
    discharged = dt.datetime(year, month, rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
    admitted = discharged - dt.timedelta(days=rng.randint(0, 20), hours=rng.randint(1, 12), minutes=rng.randint(0, 59))
    sent = discharged + dt.timedelta(minutes=rng.randint(1, 90), seconds=rng.randint(0, 59))
    event = discharged + dt.timedelta(minutes=rng.randint(0, 5))
    msh = f"MSH|^~\\&|PAS|RWW|HX|HALTON|{ts(sent)}||ADT^A03^ADT_A03|WHH-A03-{n:08d}|P|2.4|||AL|NE"
    evn = f"EVN|A03|{ts(event, seconds=rng.random() < 0.8)}"

    mrn = f"RWW{rng.randint(1000000, 9999999)}^^^RWW^MR"
    ids = [mrn]
    if rng.random() < 0.875:
        nhs = f"{nhs_number(rng)}^^^NHS^NH"
        ids = [mrn, nhs] if rng.random() < 0.6 else [nhs, mrn]
    if rng.random() < 0.2:
        ids.append(f"OLD{rng.randint(100000, 999999)}^^^RWW-OLD^MR")
    family = rng.choice(ESCAPED_FAMILIES) if rng.random() < 0.1 else rng.choice(FAMILIES)
    given = rng.choice(GIVEN)
    middle = rng.choice(GIVEN) if rng.random() < 0.4 else ""
    name = f"{family}^{given}^{middle}^^{rng.choice(TITLES)}"
    dob = dt.date(rng.randint(1925, 2008), rng.randint(1, 12), rng.randint(1, 28)).strftime("%Y%m%d")
    town, district = rng.choice(TOWNS)
    postcode = f"{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    address = f"{rng.randint(1, 199)} {rng.choice(STREETS)}^^{town}^Cheshire^{postcode}^GBR^H"
    pid = f"PID|1||{'~'.join(ids)}||{name}||{dob}|{rng.choice('MFMFU')}|||{address}"

    segments = [msh, evn, pid]
    if rng.random() < 0.5:
        practice, code = rng.choice(PRACTICES)
        segments.append(f"PD1|||{practice}^^{code}")

    pv1 = [""] * 46  # pv1[k] is PV1-k
    pv1[1], pv1[2] = "1", "I"
    pv1[3] = f"{rng.choice(WARDS)}^BED{rng.randint(1, 30)}^^RWW"
    cid, cfam, cgiven = rng.choice(CONSULTANTS)
    pv1[7] = f"{cid}^{cfam}^{cgiven}^^^Dr"
    pv1[19] = f"V{rng.randint(10000000, 99999999)}"
    method = rng.choice(METHODS)
    pv1[36], pv1[37] = method, "79" if method == "4" else rng.choice(DESTINATIONS)
    pv1[44], pv1[45] = ts(admitted), ts(discharged)
    segments.append("PV1|" + "|".join(pv1[1:]))

    for i, (code, text) in enumerate(rng.sample(DIAGNOSES, rng.randint(1, 5)), 1):
        segments.append(f"DG1|{i}||{code}^{text}^I10|||{'F' if i == 1 else 'W'}")
    for i, (code, text) in enumerate(rng.sample(PROCEDURES, rng.randint(0, 3)), 1):
        segments.append(f"PR1|{i}||{code}^{text}^OPCS4||{ts(admitted + dt.timedelta(hours=rng.randint(1, 48)))}")
    for i, allergy in enumerate(rng.sample(ALLERGIES, rng.randint(0, 2)), 1):
        segments.append(f"AL1|{i}|DA|{allergy}")
    return "\r".join(segments)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    assert nhs_check_digit("943476591") == 9  # the NHS's published example 943 476 5919
    rng = random.Random(a.seed)
    tmp = a.out + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    size = 0
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        for n in range(1, a.count + 1):
            line = message(rng, n) + "\n"
            size += len(line.encode("utf-8"))
            f.write(line)
    os.replace(tmp, a.out)
    print(f"corpus {a.out}: {a.count} messages, {size} bytes, seed {a.seed}", file=sys.stderr)


if __name__ == "__main__":
    main()
