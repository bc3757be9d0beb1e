#!/usr/bin/env python3
"""Splink on the identity benchmark's data: each request's best-scoring fact and its match probability.

    .venv/bin/python Benchmarks/identity/splink-link.py DIR

Reads DIR/splink-facts.csv and DIR/splink-requests.csv (written by `identity-bench`: unique_id, first_name,
surname, dob, postcode, sex; names lower case, as Splink's docs ask inputs to be standardised) and writes
DIR/splink-best.csv: reference,nhsNumber,probability, one row per request that has any pair at or above
probability 0.001. Prints the seconds spent training and predicting as JSON on its last line.

The model is the one Splink's documentation builds for people (the "deduplicate 50k synthetic" example of
Splink 4/5: first name, surname, date of birth, postcode), as a link between two tables:

- comparisons: ForenameSurnameComparison (Jaro-Winkler 0.92/0.88, names swapped, with the concatenated full name
  for term frequencies), DateOfBirthComparison (exact, Levenshtein 1, within a month, a year, ten years),
  PostcodeComparison (full, sector, district, area), ExactMatch on sex (the example's ExactMatch columns are
  birth place and occupation, which these records do not have);
- blocking rules for predictions: modelled on the example's (which begins with the first three letters of the
  first name and four of the surname, then surname + dob, first name + dob, postcode + first name, ...): here
  first name + surname, surname + dob, first name + dob, postcode + first name, postcode + surname, the postcode's
  first three characters with dob, with first name and with surname, and the first two letters of each name
  with the birth year, so that every corruption our requests carry leaves the right pair in some block;
- training as the example does: the probability that two random records match from deterministic rules (full
  name + dob, dob + postcode) at recall 0.6; u by random sampling (max_pairs 5e6, a fixed seed); m by
  expectation maximisation on two blocking rules (first name + surname, then dob).
"""
import json
import os
import sys
import time

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def main():
    d = sys.argv[1]
    con = duckdb.connect()
    for name in ("facts", "requests"):
        con.execute(f"""
            create table {name} as
            select *, first_name || ' ' || surname as first_name_surname_concat
            from read_csv('{os.path.join(d, f"splink-{name}.csv")}', all_varchar = true, header = true)
        """)
    db_api = DuckDBAPI(connection=con)
    facts = db_api.register("facts", dataset_display_name="facts_in")
    requests = db_api.register("requests", dataset_display_name="requests_in")

    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.ForenameSurnameComparison("first_name", "surname",
                                         forename_surname_concat_col_name="first_name_surname_concat"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("postcode", "first_name"),
            block_on("postcode", "surname"),
            block_on("substr(postcode,1,3)", "dob"),
            block_on("substr(postcode,1,3)", "first_name"),
            block_on("substr(postcode,1,3)", "surname"),
            block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([facts, requests], settings, log_level="WARNING")
    started = time.monotonic()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("dob", "postcode")], recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=18)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    trained = time.monotonic()
    predictions = linker.inference.predict(threshold_match_probability=0.001)
    predicted = time.monotonic()
    table = predictions.physical_name
    # Which side is a request depends on the order Splink gives the two tables.
    con.execute(f"""
        copy (
            with pairs as (
                select case when source_dataset_l = 'requests_in' then unique_id_l else unique_id_r end as reference,
                       case when source_dataset_l = 'requests_in' then unique_id_r else unique_id_l end as nhsNumber,
                       match_probability as probability
                from {table}
            ), ranked as (
                select *, row_number() over (partition by reference order by probability desc, nhsNumber) as rank from pairs
            )
            select reference, nhsNumber, probability from ranked where rank = 1 order by reference
        ) to '{os.path.join(d, "splink-best.csv")}' (header, delimiter ',')
    """)
    print(json.dumps({"trainSeconds": round(trained - started, 2), "predictSeconds": round(predicted - trained, 2)}))


if __name__ == "__main__":
    main()
