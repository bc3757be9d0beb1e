#!/usr/bin/env python3
"""End-to-end test of the console's identity review in a real browser.

Uses the WebDriver client and helpers of console-browser-test.py (standard
library only) and walks the Review page:

  reviewer: signs in and lands on /review; the oldest held message shows its
  demographics beside the candidates, each field's agreement and the scores
  (--nhs-number among the candidates); links it to --nhs-number with a reason;
  the page says it was linked and the item has left the queue; signs out.
  operator: the overview shows how many are held, /review is forbidden.

Screenshots of every step go to --artifacts. Exit status 0 on success, 1 on
failure with "step N (name): expected ... found ...".

    scripts/review-browser-test.py --url http://localhost:8090 \\
        --reviewer-user kim --reviewer-password ... \\
        --operator-user olive --operator-password ... \\
        --nhs-number 9434765919 --family Testlane --artifacts .build/review-e2e
"""

import argparse
import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("console_browser_test", os.path.join(HERE, "console-browser-test.py"))
cbt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cbt)


class ReviewTest(cbt.ConsoleTest):
    def run(self, args):
        self.begin("reviewer-review-page")
        self.sign_in("identity reviewer", args.reviewer_user, args.reviewer_password)
        self.wait_for_path("/review")
        heading = self.text_of("h1")
        if "Identity review" not in heading:
            self.fail("an <h1> containing 'Identity review'", repr(heading))
        self.element("section.review-item", "a held message (section.review-item)")
        section = self.text_of("section.review-item")
        if args.family not in section:
            self.fail(f"the held message's family name {args.family!r} beside its candidates", repr(section[:200]))
        columns = len(self.driver.find_all("section.review-item table.candidates thead th"))
        if columns < 3:
            self.fail("the candidates beside the message (at least one candidate column)", f"{columns} columns")
        if not self.driver.find_all("section.review-item .badge.exact"):
            self.fail("each field's agreement shown (an 'exact' badge)", "no .badge.exact")
        if args.nhs_number not in self.text_of("section.review-item table.candidates"):
            self.fail(f"candidate {args.nhs_number} in the table", "it missing")
        if self.driver.find('nav a[href="/dead-letters"]'):
            self.fail("no operations pages in a reviewer's navigation", "a link to /dead-letters")
        held_before = len(self.driver.find_all("section.review-item"))
        self.end()

        self.begin("reviewer-link")
        form = 'section.review-item form[action="/review/link"]'
        self.type_into(form + ' input[name="nhsNumber"]', args.nhs_number, "the NHS number field of the first item's Link form")
        self.type_into(form + ' input[name="reason"]', "Confirmed with the ward by phone", "the reason field of the Link form")
        self.click_for_page(form + " button.link", "the Link button")
        notice = self.text_of("#review-notice", "the notice #review-notice after linking")
        if "linked" not in notice or "resolution" not in notice:
            self.fail("#review-notice saying the message was linked, with its resolution", repr(notice))
        held_after = len(self.driver.find_all("section.review-item"))
        if held_after != held_before - 1:
            self.fail(f"{held_before - 1} held messages left on the page", held_after)
        self.end()

        self.begin("reviewer-sign-out")
        self.sign_out()
        self.end()

        self.begin("operator-overview-counts-only")
        self.sign_in("operator", args.operator_user, args.operator_password)
        self.wait_for_path("/")
        held = self.text_of("#review-held", "the held-for-review count #review-held")
        if not re.fullmatch(r"\d+", held):
            self.fail("#review-held to be a whole number", repr(held))
        if args.family in self.text_of("body"):
            self.fail("no identifier of a held message on the overview", f"{args.family!r} on the page")
        self.end()

        self.begin("operator-review-forbidden")
        self.open("/review")
        self.element("#forbidden", "the forbidden page (#forbidden) for an operator on /review")
        self.sign_out()
        self.end()


def main(argv):
    parser = argparse.ArgumentParser(description="End-to-end browser test of the console's identity review (headless chromium).")
    parser.add_argument("--url", required=True)
    parser.add_argument("--reviewer-user", required=True)
    parser.add_argument("--reviewer-password", required=True)
    parser.add_argument("--operator-user", required=True)
    parser.add_argument("--operator-password", required=True)
    parser.add_argument("--nhs-number", required=True, help="the NHS number to link the oldest held message to")
    parser.add_argument("--family", required=True, help="the held message's family name, shown to the reviewer only")
    cbt.add_browser_arguments(parser)
    return cbt.run_browser_test(parser.parse_args(argv), ReviewTest, "review browser test")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
