#!/usr/bin/env python3
"""Sign-in to `hx console` through OpenID Connect, in a real browser.

Two consoles and two providers on loopback, set up by the caller
(Tests/HXRouterTests/ConsoleOIDCBrowserTests.swift):

  --url with --mock: a console signing in through oidc-provider-mock (PyPI),
    the real provider. Its users' claims are set here (PUT /users/<sub>):
    an operator sees the overview and is refused /audit, signs out (and is
    offered the provider's sign-out); an auditor opens /audit; an account
    whose roles map to nothing gets the "no role" page.
  --bad-url with --bad-provider: a console signing in through
    scripts/oidc-test-provider.py, which issues the bad tokens the mock
    cannot: a bad signature, a wrong audience, an expired token, a nonce of
    another attempt; and a good sign-in whose callback is then replayed.
    Each refusal must be its page with its reason code.

The consoles are opened as http://localhost:PORT and the providers as
http://127.0.0.1:PORT, so the callback is a cross-site navigation as it is
in service. Uses the WebDriver client of scripts/console-browser-test.py.
Screenshots in --artifacts; exit status 0 on success, 1 with the failed step.
"""

import argparse
import importlib.util
import json
import os
import sys
import urllib.request

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("console_browser_test", os.path.join(_here, "console-browser-test.py"))
cbt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cbt)

USERS = {
    "olive-oidc": {"name": "Olive Operator", "roles": ["HX.Operator"]},
    "audrey-oidc": {"name": "Audrey Auditor", "roles": ["HX.Auditor"]},
    "nora-oidc": {"name": "Nora Norole", "roles": ["Finance.Reader"]},
}


def http(method, url, body=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


class OIDCTest(cbt.ConsoleTest):
    def sign_in_at_mock(self, sub):
        """From the console's sign-in page through the mock's authorization form, as `sub`."""
        self.open("/sign-in")
        self.click_for_page("#sign-in-oidc", "the button #sign-in-oidc ('Sign in with ...')")
        self.type_into('input[name="sub"]', sub, "the mock provider's subject field input[name=sub]")
        self.click_for_page('form button[type="submit"]', "the mock's Authorize button (the first submit button)")

    def expect_refusal(self, code, heading="#sign-in-refused"):
        self.element(heading, f"the refusal page ({heading}) for {code}")
        found = self.text_of("#refusal-code")
        if found != code:
            self.fail(f"reason code {code}", repr(found))
        self.save_screenshot(f"{self.step_number:02d}-{self.step_name}-refused.png")

    def run(self, args):
        for sub, claims in USERS.items():
            http("PUT", f"{args.mock}/users/{sub}", claims)

        self.begin("oidc-sign-in-page")
        self.open("/")
        self.wait_for_path("/sign-in")
        label = self.text_of("#sign-in-oidc")
        if label != "Sign in with Test Mock IdP":
            self.fail("the button 'Sign in with Test Mock IdP'", repr(label))
        if self.driver.find('input[name="password"]'):
            self.fail("no password form (local users are off)", "a password field")
        self.end()

        self.begin("oidc-operator-overview")
        self.sign_in_at_mock("olive-oidc")
        self.wait_for_path("/")
        if "Overview" not in self.text_of("h1"):
            self.fail("the overview", self.page_summary())
        who = self.text_of(".who")
        if who != "Olive Operator (operator)":
            self.fail("the header to name 'Olive Operator (operator)'", repr(who))
        self.end()

        self.begin("oidc-operator-audit-forbidden")
        self.open("/audit")
        self.element("#forbidden", "the forbidden page for an operator on /audit")
        self.end()

        self.begin("oidc-operator-sign-out")
        self.click_for_page("#sign-out", "the sign-out button")
        self.element("#signed-out", "the signed-out page")
        link = self.act("#provider-sign-out", lambda e: self.driver.attribute(e, "href"), "the provider's sign-out link")
        if not link.startswith(args.mock + "/oauth2/end_session"):
            self.fail(f"a link to {args.mock}/oauth2/end_session", repr(link))
        self.open("/")
        self.wait_for_path("/sign-in")
        self.end()

        self.begin("oidc-auditor-audit")
        self.sign_in_at_mock("audrey-oidc")
        self.wait_for_path("/")
        self.open("/audit")
        self.type_into('input[name="nhsNumber"]', args.nhs_number, "the audit search's NHS number field")
        self.click_for_page("#search", "the search button #search")
        if self.driver.find("#problem"):
            self.fail("the search to run (and be recorded)", self.page_summary())
        self.save_screenshot(f"{self.step_number:02d}-{self.step_name}-searched.png")
        self.click_for_page("#sign-out", "the sign-out button")
        self.end()

        self.begin("oidc-no-role")
        self.sign_in_at_mock("nora-oidc")
        self.expect_refusal("oidc-no-role", heading="#no-role")
        self.open("/")
        self.wait_for_path("/sign-in")
        self.end()

        # The faulty provider's console.
        self.base_url = args.bad_url.rstrip("/")
        for mode, code in [("bad-signature", "oidc-bad-signature"), ("wrong-audience", "oidc-wrong-audience"),
                           ("expired", "oidc-expired"), ("nonce-mismatch", "oidc-nonce-mismatch")]:
            self.begin(f"oidc-refused-{mode}")
            http("POST", f"{args.bad_provider}/mode", mode.encode())
            self.open("/sign-in")
            self.click_for_page("#sign-in-oidc", "the button #sign-in-oidc")
            self.expect_refusal(code)
            self.open("/")
            self.wait_for_path("/sign-in")
            self.end()

        self.begin("oidc-replayed-state")
        http("POST", f"{args.bad_provider}/mode", b"good")
        self.open("/sign-in")
        self.click_for_page("#sign-in-oidc", "the button #sign-in-oidc")
        self.wait_for_path("/")
        callback = http("GET", f"{args.bad_provider}/last-callback")
        self.click_for_page("#sign-out", "the sign-out button")
        self.driver.get(callback)
        self.expect_refusal("oidc-state-unknown")
        self.end()


def main(argv):
    parser = argparse.ArgumentParser(description="Browser test of hx console's OpenID Connect sign-in.")
    parser.add_argument("--url", required=True, help="console signing in through oidc-provider-mock")
    parser.add_argument("--mock", required=True, help="oidc-provider-mock's address")
    parser.add_argument("--bad-url", required=True, help="console signing in through scripts/oidc-test-provider.py")
    parser.add_argument("--bad-provider", required=True, help="scripts/oidc-test-provider.py's address")
    parser.add_argument("--nhs-number", default="9434765919", help="what the auditor searches for (recorded as their access)")
    cbt.add_browser_arguments(parser)
    return cbt.run_browser_test(parser.parse_args(argv), OIDCTest, "console OIDC browser test")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
