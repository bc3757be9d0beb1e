#!/usr/bin/env python3
"""Synthetic identity facts and trace requests for `hx identity trace`'s benchmark.

    python3 Benchmarks/identity/make-trace-data.py OUT_DIR [--facts 1000000] [--requests 1000] [--seed 18]

Writes OUT_DIR/facts.jsonl (one hx.identity.v1 value per line),
OUT_DIR/requests.csv (the design's columns) and OUT_DIR/expected.csv (each
request's person, empty for one made up afresh, who is not among the facts). Every name, date and address is
made up; NHS numbers are in the 999 range set aside for testing, which holds
909,091 valid numbers: facts beyond that many are later facts of people already
seen (a move: a new postcode, the old one kept as earlier), as hx.identity.v1
carries a person's newer details after their older ones. Family names
follow a long-tailed distribution (a few very common, thousands rare) so the
blocks are as uneven as a real population's. The same seed gives the same files.
"""
import argparse
import json
import os
import random

SYLLABLES = ["ash", "brook", "cal", "dun", "el", "farn", "gar", "hes", "ing", "jol", "ker", "low", "mol", "nay",
             "ow", "pen", "quir", "rim", "stark", "tick", "un", "vick", "whit", "yat", "ald", "bir", "cow", "dav",
             "ent", "frod", "hal", "mer", "ton", "ley", "worth", "ham", "by", "field", "shaw", "well"]
COMMON = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
          "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall"]
MALE = ["William", "James", "John", "Robert", "Michael", "David", "Thomas", "Peter", "Andrew", "Daniel", "Joseph",
        "Edward", "Anthony", "Stephen", "Mark", "Paul", "Gary", "Kevin", "Neil", "Craig", "Oliver", "Harry", "George",
        "Jack", "Charlie", "Jacob", "Alfie", "Noah", "Leo", "Oscar"]
FEMALE = ["Margaret", "Elizabeth", "Mary", "Susan", "Catherine", "Patricia", "Sarah", "Helen", "Karen", "Julie",
          "Rebecca", "Deborah", "Jennifer", "Victoria", "Joanne", "Lisa", "Nicola", "Amanda", "Claire", "Emma",
          "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Sophia", "Grace", "Freya"]
NICK = {"William": "Bill", "James": "Jim", "Robert": "Bob", "Michael": "Mike", "Thomas": "Tom", "Margaret": "Peggy",
        "Elizabeth": "Liz", "Susan": "Sue", "Catherine": "Kate", "Rebecca": "Becky", "Jennifer": "Jenny"}
STREETS = ["Road", "Street", "Avenue", "Close", "Lane", "Grove", "Drive", "Way"]
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def nhs_numbers():
    """Every valid number of the test range, then None."""
    for nine in range(999_000_000, 1_000_000_000):
        digits = [int(c) for c in str(nine)]
        check = (11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11) % 11
        if check != 10:
            yield f"{nine}{check}"
    while True:
        yield None


def family_names(rng, count):
    names = set()
    while len(names) < count:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 2, 3]))).capitalize())
    return COMMON + sorted(names)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--facts", type=int, default=1_000_000)
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--seed", type=int, default=18)
    a = p.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    families = family_names(rng, 20_000)
    # Long tail: weight 1/(rank+10), so "Smith" is about 1 in 200.
    weights = [1.0 / (rank + 10) for rank in range(len(families))]
    districts = [f"WA{i}" for i in range(1, 17)] + [f"L{i}" for i in range(1, 41)] + [f"CH{i}" for i in range(1, 50)]
    numbers = nhs_numbers()
    chosen_families = rng.choices(families, weights=weights, k=a.facts)
    people = []
    movers = []  # facts that may get a later one
    with open(os.path.join(a.out, "facts.jsonl"), "w") as out:
        for i in range(a.facts):
            number = next(numbers)
            if number is None:
                # The test range is used up: a later fact of someone already seen, who moved.
                old = movers[(i * 7919) % len(movers)]
                fact = dict(old)
                fact["earlierPostcodes"] = [old["postcode"]] + old.get("earlierPostcodes", [])
                fact["postcode"] = f"{rng.choice(districts)} {rng.randint(1, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"
                fact["address"] = [f"{rng.randint(1, 200)} {rng.choice(families[20:200])} {rng.choice(STREETS)}", "Runcorn"]
                fact["source"] = dict(old["source"], messageId=f"S{i}")
                out.write(json.dumps(fact, separators=(",", ":"), sort_keys=True) + "\n")
                continue
            sex = rng.choice(["male", "female"])
            names = MALE if sex == "male" else FEMALE
            postcode = f"{rng.choice(districts)} {rng.randint(1, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"
            fact = {
                "nhsNumber": number, "family": chosen_families[i], "given": [rng.choice(names), rng.choice(names)],
                "sex": sex, "birthDate": f"{rng.randint(1925, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "postcode": postcode,
                "address": [f"{rng.randint(1, 200)} {rng.choice(families[20:200])} {rng.choice(STREETS)}", "Widnes"],
                "recordedAt": "2026-01-01T09:00:00Z",
                "source": {"organisation": "RWW", "system": "pas", "adapter": "synthetic", "messageId": f"S{i}"},
            }
            if rng.random() < 0.1:
                fact["earlierPostcodes"] = [f"{rng.choice(districts)} {rng.randint(1, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"]
            out.write(json.dumps(fact, separators=(",", ":"), sort_keys=True) + "\n")
            if i % max(1, a.facts // (a.requests * 2)) == 0:
                people.append(fact)
            if i % 10 == 3:
                movers.append(fact)
    with open(os.path.join(a.out, "requests.csv"), "w") as out, open(os.path.join(a.out, "expected.csv"), "w") as truth:
        out.write("reference,family,given,sex,birthDate,postcode,address\n")
        truth.write("reference,nhsNumber\n")
        for r in range(a.requests):
            f = rng.choice(people)
            family, given, birth, postcode = f["family"], f["given"][0], f["birthDate"], f["postcode"]
            kind = r % 5
            if kind == 1:
                given = NICK.get(given, given)
            elif kind == 2:
                y, m, d = birth.split("-")
                birth = f"{y}-{d}-{m}" if int(d) <= 12 else f"{y}-{m}-{int(d) % 28 + 1:02d}"
            elif kind == 3:
                family = family[:-2] + family[-1] + family[-2]
            elif kind == 4:
                # Not among the facts: made up afresh.
                family = rng.choice(families)
                given = rng.choice(MALE + FEMALE)
                birth = f"{rng.randint(1925, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                postcode = f"{rng.choice(districts)} {rng.randint(1, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"
            address = f['address'][0] if kind != 4 else ""
            out.write(f"T{r:05d},{family},{given},{f['sex']},{birth},{postcode},\"{address}\"\n")
            truth.write(f"T{r:05d},{f['nhsNumber'] if kind != 4 else ''}\n")


if __name__ == "__main__":
    main()
