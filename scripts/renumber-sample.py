#!/usr/bin/env python3
"""Writes a copy of an adapter's sample file in which every source message id
is new, so that the soak's feeds send new messages each round and not the
same ones again and again (a sender resends within minutes; the router's
repeat memory is the last 5,000 records of a chain, and a message resent
after that is decided again: docs/router.md "A message sent twice").

Usage: renumber-sample.py ROUND SAMPLE COPY ID...

Each ID (the sample's source message ids, as `hx translate` reports them) is
replaced wherever it occurs: by a new random UUID when it is a UUID, else by
ID-rROUND.
"""
import re
import sys
import uuid

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    round_number, sample, copy, ids = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with open(sample, "rb") as f:
        data = f.read()
    # Longest first, so that an id that contains another is replaced whole.
    for old in sorted(set(ids), key=len, reverse=True):
        new = str(uuid.uuid4()) if UUID.match(old) else f"{old}-r{round_number}"
        data = data.replace(old.encode(), new.encode())
    with open(copy, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
