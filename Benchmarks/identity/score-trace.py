#!/usr/bin/env python3
"""Compares `hx identity trace` output with the expected.csv of `identity-bench generate`.

    python3 Benchmarks/identity/score-trace.py OUT_DIR/expected.csv TRACE.csv

Prints right and wrong links, reviews and nones: a link to anyone but the
request's person (or any link for a made-up one) is wrong.
"""
import csv
import sys

expected = {r["reference"]: r["nhsNumber"] for r in csv.DictReader(open(sys.argv[1]))}
right = wrong = review = none = known = 0
for r in csv.DictReader(open(sys.argv[2])):
    truth = expected[r["reference"]]
    known += bool(truth)
    if r["outcome"] == "linked":
        if r["nhsNumber"] == truth:
            right += 1
        else:
            wrong += 1
    elif r["outcome"] == "review":
        review += 1
    else:
        none += 1
print(f"{right} right links of {known} requests for known people, {wrong} wrong links, {review} review, {none} none")
