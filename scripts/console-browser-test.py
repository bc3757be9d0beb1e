#!/usr/bin/env python3
"""End-to-end test of the `hx console` web pages in a real browser.

Starts its own chromedriver, opens a headless chromium through the W3C
WebDriver HTTP protocol (standard library only: no Selenium), and walks the
console as an operator and as an auditor:

  signed out -> /sign-in; a bad password shows #sign-in-error;
  operator: overview, /audit is forbidden, replays one dead letter, signs out;
  auditor: searches the audit log by NHS number, opens the subject access
  report, signs out.

A screenshot of every step is saved in --artifacts (01-sign-in.png, ...);
on failure also failure.png and failure.html (the page source), and
chromedriver.log in every case. Exit status 0 on success, 1 on failure with
a message "step N (name): expected ... found ...".

    scripts/console-browser-test.py --url http://localhost:8090 \\
        --operator-user olivia --operator-password ... \\
        --auditor-user arthur --auditor-password ... \\
        --nhs-number 9434765919 --artifacts .build/console-e2e

Needs Debian's chromium and chromium-driver (scripts/setup.sh step 6).
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# The W3C key under which WebDriver returns an element reference.
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"


class StepFailed(Exception):
    """A check of the console failed; the message says what was expected."""


class WebDriverError(Exception):
    """The WebDriver endpoint answered with an error (e.g. "no such element")."""

    def __init__(self, error, message):
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message

    @property
    def page_changed(self):
        """True when the error only means the page (or an element of it) was
        replaced while we looked: find the element again. Chromium reports a
        node of a replaced document as "stale element reference" or, since
        about version 150, sometimes as an "unknown error" from its inspector
        ("Node with given id does not belong to the document"); a script run
        mid-navigation can find its execution context gone."""
        if self.error in ("stale element reference", "no such element", "detached shadow root"):
            return True
        if self.error in ("unknown error", "javascript error"):
            return any(sign in self.message for sign in (
                "does not belong to the document", "No node with given id", "Node is detached",
                "Cannot find context with specified id", "Execution context was destroyed",
                "frame was detached", "Inspected target navigated or closed"))
        return False


# --- WebDriver over HTTP ------------------------------------------------------


class WebDriver:
    """The few WebDriver commands the test needs, one HTTP call each."""

    def __init__(self, endpoint):
        self.endpoint = endpoint.rstrip("/")
        self.session_id = None

    def call(self, method, path, body=None, timeout=60):
        """Sends one command and returns its "value", or raises WebDriverError."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.endpoint + path, data=data, method=method,
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            # WebDriver errors come as 4xx/5xx with a JSON body naming the error.
            payload = error.read()
            try:
                value = json.loads(payload)["value"]
                raise WebDriverError(value.get("error", "unknown error"), value.get("message", "")) from None
            except (ValueError, KeyError, TypeError, AttributeError):
                raise WebDriverError("http error", f"{error.code} {payload[:200]!r}") from None
        return json.loads(payload).get("value") if payload else None

    def session(self, method, path="", body=None):
        return self.call(method, f"/session/{self.session_id}{path}", body)

    # Session

    def start(self, chrome_args, binary=None):
        options = {"args": chrome_args}
        if binary:
            options["binary"] = binary
        value = self.call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": options,
        }}})
        self.session_id = value["sessionId"]
        # Navigation waits for the page to load; element look-ups do not wait
        # (we poll ourselves, so a failure says what was missing).
        self.session("POST", "/timeouts", {"pageLoad": 30_000, "script": 30_000, "implicit": 0})

    def quit(self):
        if self.session_id is not None:
            try:
                self.session("DELETE")
            finally:
                self.session_id = None

    # Pages

    def get(self, url):
        self.session("POST", "/url", {"url": url})

    def current_url(self):
        return self.session("GET", "/url")

    def page_source(self):
        return self.session("GET", "/source")

    def screenshot(self):
        return base64.b64decode(self.session("GET", "/screenshot"))

    # Elements (references are opaque ids)

    def find_all(self, css, within=None):
        path = "/elements" if within is None else f"/element/{within}/elements"
        found = self.session("POST", path, {"using": "css selector", "value": css})
        return [element[ELEMENT_KEY] for element in found]

    def find(self, css, within=None):
        """The first element matching css, or None."""
        found = self.find_all(css, within)
        return found[0] if found else None

    def text(self, element):
        return self.session("GET", f"/element/{element}/text")

    def attribute(self, element, name):
        return self.session("GET", f"/element/{element}/attribute/{name}")

    def is_selected(self, element):
        return self.session("GET", f"/element/{element}/selected")

    def click(self, element):
        self.session("POST", f"/element/{element}/click", {})

    def type(self, element, text):
        self.session("POST", f"/element/{element}/clear", {})
        self.session("POST", f"/element/{element}/value", {"text": text})

    def send_file(self, element, path):
        """Chooses a file in an <input type=file>: its path, as typed keys."""
        self.session("POST", f"/element/{element}/value", {"text": path})

    def execute(self, script, *args):
        """Runs a script in the page; returns what it returns."""
        return self.session("POST", "/execute/sync", {"script": script, "args": list(args)})


# --- chromedriver process -----------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chromedriver(executable, log_path, timeout):
    """Starts chromedriver on a free port; returns (process, endpoint) once it is ready."""
    path = shutil.which(executable)
    if path is None:
        raise StepFailed(f"setup: expected {executable} on PATH (Debian chromium-driver, scripts/setup.sh) found nothing")
    port = free_port()
    log = open(log_path, "wb")
    # A process group of its own, so chromium (its child) can be ended with it.
    process = subprocess.Popen([path, f"--port={port}", "--allowed-ips=127.0.0.1"],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StepFailed(f"setup: expected chromedriver to start found it exited with status {process.returncode} (see {log_path})")
        try:
            if WebDriver(endpoint).call("GET", "/status", timeout=2).get("ready"):
                return process, endpoint
        except (OSError, WebDriverError, ValueError):
            pass
        time.sleep(0.1)
    stop_process_group(process)
    raise StepFailed(f"setup: expected chromedriver ready on port {port} within {timeout} s found it not answering (see {log_path})")


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def stop_process_group(process):
    """Ends the chromedriver we started and the chromium it started (both in
    the process group made for chromedriver), and waits until they are gone,
    so no browser outlives the test."""
    pgid = process.pid
    if process.poll() is None:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    # Chromium takes a moment to shut down after SIGTERM; then force it.
    deadline = time.monotonic() + 5
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if group_alive(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if process.poll() is None:
        process.wait(timeout=5)


# --- The test: steps, waits and checks ----------------------------------------


class ConsoleTest:
    def __init__(self, driver, base_url, artifacts, timeout):
        self.driver = driver
        self.base_url = base_url.rstrip("/")
        self.artifacts = artifacts
        self.timeout = timeout
        self.step_number = 0
        self.step_name = "setup"
        self.page_marks = 0

    # Steps and failures

    def begin(self, name):
        self.step_number += 1
        self.step_name = name
        print(f"step {self.step_number}: {name}", flush=True)

    def end(self):
        """Saves the step's screenshot, named by the step."""
        self.save_screenshot(f"{self.step_number:02d}-{self.step_name}.png")

    def fail(self, expected, found):
        raise StepFailed(f"step {self.step_number} ({self.step_name}): expected {expected} found {found}")

    def save_screenshot(self, name):
        with open(os.path.join(self.artifacts, name), "wb") as f:
            f.write(self.driver.screenshot())

    def save_failure(self):
        """Best effort: the page as it was when a step failed."""
        try:
            self.save_screenshot("failure.png")
            with open(os.path.join(self.artifacts, "failure.html"), "w", encoding="utf-8") as f:
                f.write(self.driver.page_source())
            print(f"  page at failure: {self.driver.current_url()}", file=sys.stderr)
        except Exception as error:  # the browser may be the thing that failed
            print(f"  could not save the failing page: {error}", file=sys.stderr)

    # Waiting (pages render on the server, but a click's navigation may still be under way)

    def wait_for(self, what, probe):
        """Polls probe() until it returns something truthy; fails naming `what`."""
        deadline = time.monotonic() + self.timeout
        last = None
        while True:
            try:
                last = probe()
            except WebDriverError as error:
                # The page was swapped between two look-ups; look again.
                if not error.page_changed:
                    raise
                last = None
            if last:
                return last
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)

    def element(self, css, what=None):
        """Waits for an element; fails with what the page is instead."""
        found = self.wait_for(css, lambda: self.driver.find(css))
        if found is None:
            self.fail(what or f"an element {css!r} on {self.path()}", f"none after {self.timeout} s ({self.page_summary()})")
        return found

    def wait_for_path(self, path):
        if not self.wait_for(path, lambda: self.path() == path):
            self.fail(f"to be on {path}", f"{self.path()} ({self.page_summary()})")

    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url()).path or "/"

    def page_summary(self):
        """A line about the current page for failure messages: its URL and first heading."""
        try:
            heading = self.driver.find("h1")
            title = self.driver.text(heading).strip() if heading else "no <h1>"
            return f"page {self.driver.current_url()} with heading {title!r}"
        except WebDriverError:
            return f"page {self.driver.current_url()}"

    def act(self, css, action, what=None):
        """Finds the element afresh and does action(element) with it, again
        with a fresh look-up whenever the page changed in between; returns
        what the action returns. No element reference outlives one try."""
        outcome = []

        def attempt():
            element = self.driver.find(css)
            if element is None:
                return False
            outcome.append(action(element))
            return True

        if not self.wait_for(css, attempt):
            self.fail(what or f"an element {css!r} on {self.path()}", f"none after {self.timeout} s ({self.page_summary()})")
        return outcome[-1]

    def mark_page(self):
        """Marks the document now shown, so a new one can be told from it."""
        self.page_marks += 1
        mark = f"hx-page-{self.page_marks}"
        self.wait_for("the page to take a mark",
                      lambda: self.driver.execute("window.hxPageMark = arguments[0]; return true;", mark))
        return mark

    def wait_for_new_page(self, mark):
        """Waits until a document other than the marked one has loaded
        completely: the mark is gone with the old document's window state."""
        loaded = self.wait_for("a new page", lambda: self.driver.execute(
            "return window.hxPageMark !== arguments[0] && document.readyState === 'complete';", mark))
        if not loaded:
            self.fail("a new page after the click", f"still {self.page_summary()}")

    def click_for_page(self, css, what=None):
        """Clicks something that loads a new page (a link, a form's submit
        button) and waits until that page has loaded, so later look-ups
        cannot match elements of the page we just left."""
        mark = self.mark_page()
        self.act(css, self.driver.click, what)
        self.wait_for_new_page(mark)

    def open(self, path):
        try:
            self.driver.get(self.base_url + path)
        except WebDriverError as error:
            # e.g. net::ERR_CONNECTION_REFUSED when the console is not running.
            self.fail(f"the console to answer at {self.base_url + path}", str(error).splitlines()[0])

    def text_of(self, css, what=None):
        return self.act(css, lambda element: self.driver.text(element).strip(), what)

    def type_into(self, css, text, what=None):
        self.act(css, lambda element: self.driver.type(element, text), what)

    # Shared actions

    def fill_sign_in(self, username, password):
        self.open("/sign-in")
        self.type_into('input[name="username"]', username, "the username field")
        self.type_into('input[name="password"]', password, "the password field")
        self.click_for_page("#sign-in", "the sign-in button #sign-in")

    def sign_in(self, role, username, password):
        self.fill_sign_in(username, password)
        if self.path() == "/sign-in":
            error = self.wait_for("#sign-in-error", lambda: self.driver.text(self.driver.find("#sign-in-error")).strip()
                                  if self.driver.find("#sign-in-error") else None)
            self.fail(f"to be signed in as the {role} {username!r}",
                      f"sign-in error {error!r}" if error else "still on /sign-in")

    def sign_out(self):
        self.click_for_page("#sign-out", "the sign-out button #sign-out")
        self.wait_for_path("/sign-in")

    # The flow

    def run(self, args):
        self.begin("sign-in")
        self.open("/")
        self.wait_for_path("/sign-in")  # signed out, / redirects to sign-in
        for css in ('input[name="username"]', 'input[name="password"]', "#sign-in"):
            self.element(css, f"{css} in the sign-in form")
        self.end()

        self.begin("sign-in-bad-password")
        self.fill_sign_in(args.operator_user, args.operator_password + "-wrong")
        self.element("#sign-in-error", "#sign-in-error after a wrong password")
        if self.path() != "/sign-in":
            self.fail("to stay on /sign-in after a wrong password", self.path())
        self.end()

        self.begin("operator-overview")
        self.sign_in("operator", args.operator_user, args.operator_password)
        self.wait_for_path("/")
        heading = self.text_of("h1")
        if "Overview" not in heading:
            self.fail("an <h1> containing 'Overview'", repr(heading))
        self.element("table#adapters", "the adapters table #adapters")
        waiting = self.text_of("#dead-letters-waiting")
        if not re.fullmatch(r"\d+", waiting) or int(waiting) < 1:
            self.fail("#dead-letters-waiting to be a whole number >= 1", repr(waiting))
        self.end()

        self.begin("operator-audit-forbidden")
        self.open("/audit")
        self.element("#forbidden", "the forbidden page (#forbidden) for an operator on /audit")
        if self.driver.find("#audit-results") or self.driver.find('input[name="nhsNumber"]'):
            self.fail("no audit search for an operator", "the audit search form or results")
        self.end()

        self.begin("operator-dead-letters")
        self.open("/dead-letters")
        self.element("table#dead-letters", "the dead letters table #dead-letters")
        first_box = '#dead-letters input[name="ref"]'

        def tick(box):
            self.driver.click(box)
            return self.driver.is_selected(box)

        if not self.act(first_box, tick, 'at least one dead letter with a checkbox input[name="ref"]'):
            self.fail("the first dead letter's checkbox ticked", "it unticked after a click")
        self.end()

        self.begin("operator-replay-confirm")
        self.click_for_page("#replay-selected", "the button #replay-selected")
        count = self.text_of("#replay-count")
        if count != "1":
            self.fail("#replay-count '1' (one dead letter ticked)", repr(count))
        self.element("#confirm-replay", "the button #confirm-replay")
        self.end()

        self.begin("operator-replay-result")
        self.click_for_page("#confirm-replay", "the button #confirm-replay")
        self.element("#replay-result", "the replay result #replay-result")
        replayed = self.wait_for("the replayed rows", lambda: [
            bool(self.driver.attribute(link, "href")) if link else None
            for row in self.driver.find_all("#replay-result .replayed")
            for link in [self.driver.find("a.original", within=row)]
        ] or None)
        if replayed is None or len(replayed) != 1:
            self.fail("one row with class 'replayed' in #replay-result", 0 if replayed is None else len(replayed))
        if not replayed[0]:
            self.fail("the replayed row to link to the original dead letter (a.original with an href)",
                      "no such link" if replayed[0] is None else "a link without an href")
        self.end()

        self.begin("operator-sign-out")
        self.sign_out()
        self.open("/")  # the session is really gone, not just the page
        self.wait_for_path("/sign-in")
        self.end()

        self.begin("auditor-audit-search")
        self.sign_in("auditor", args.auditor_user, args.auditor_password)
        self.open("/audit")
        self.type_into('input[name="nhsNumber"]', args.nhs_number, 'the NHS number field input[name="nhsNumber"]')
        self.click_for_page("#search", "the search button #search")
        self.element("table#audit-results", "the results table #audit-results")
        if not self.driver.find_all("#audit-results tbody tr"):
            self.fail(f"at least one audit record for NHS number {args.nhs_number}", "an empty #audit-results")
        self.expect_nhs_number_shown(args.nhs_number)
        self.end()

        self.begin("auditor-subject-access-report")
        self.open("/audit/report?" + urllib.parse.urlencode({"nhsNumber": args.nhs_number}))
        heading = self.text_of("h1")
        if not heading:
            self.fail("the report to have an <h1>", "an empty <h1>")
        self.end()

        self.begin("auditor-sign-out")
        # The report is the person's own printable page, without the console's
        # header: sign out from the audit page.
        self.open("/audit")
        self.sign_out()
        self.end()

        if args.admin_user:
            self.run_impact(args)

    def run_impact(self, args):
        """An IG lead (admin) uploads a proposed configuration and reads its impact."""
        self.begin("admin-impact-form")
        self.sign_in("admin", args.admin_user, args.admin_password)
        self.open("/impact")
        self.element("#impact-upload", "the upload form #impact-upload")
        self.act('input[name="archive"]', lambda element: self.driver.send_file(element, args.proposal), "the file input")
        # Date inputs take typed keys in the browser's locale; the value is set directly instead.
        self.driver.execute("document.querySelector('input[name=from]').value = arguments[0];"
                            "document.querySelector('input[name=to]').value = arguments[1];", args.impact_from, args.impact_to)
        self.end()

        self.begin("admin-impact-report")
        self.click_for_page("#run-impact", "the button #run-impact")
        stops = self.text_of("#impact-stops", "the count of deliveries that would stop #impact-stops")
        if stops != str(args.expect_stops):
            self.fail(f"#impact-stops {args.expect_stops} (as hx config impact reports)", repr(stops))
        self.element(f"#agreement-{args.expect_agreement}", f"the agreement {args.expect_agreement} beside the report")
        self.end()

        self.begin("admin-sign-out")
        self.sign_out()
        self.end()

    def expect_nhs_number_shown(self, nhs_number):
        """The NHS number may be shown as typed or in its usual 3 3 4 grouping."""
        digits = re.sub(r"\D", "", nhs_number)
        grouped = f"{digits[:3]} {digits[3:6]} {digits[6:]}"
        body = self.text_of("body")
        if nhs_number not in body and digits not in body and grouped not in body:
            self.fail(f"the page to show NHS number {nhs_number}", "it nowhere in the page's text")


# --- Entry point --------------------------------------------------------------


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="End-to-end browser test of hx console (headless chromium).")
    parser.add_argument("--url", required=True, help="console base URL, e.g. http://localhost:8090")
    parser.add_argument("--operator-user", required=True)
    parser.add_argument("--operator-password", required=True)
    parser.add_argument("--auditor-user", required=True)
    parser.add_argument("--auditor-password", required=True)
    parser.add_argument("--nhs-number", required=True, help="an NHS number known to be in the audit log")
    parser.add_argument("--admin-user", help="with --admin-password and --proposal: also run the impact page as an admin")
    parser.add_argument("--admin-password")
    parser.add_argument("--proposal", help="a zip or tar of a proposed config/ folder")
    parser.add_argument("--impact-from", help="the window's first day, YYYY-MM-DD")
    parser.add_argument("--impact-to", help="the window's last day, YYYY-MM-DD")
    parser.add_argument("--expect-stops", type=int, help="deliveries the report must say would stop")
    parser.add_argument("--expect-agreement", help="an agreement id the report must show beside it")
    add_browser_arguments(parser)
    return parser.parse_args(argv)


CHROME_ARGS = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"]


def add_browser_arguments(parser):
    """The arguments every browser test of the console takes."""
    parser.add_argument("--artifacts", required=True, help="folder for screenshots and logs (created)")
    parser.add_argument("--timeout", type=float, default=15, help="seconds to wait for an element (default 15)")
    parser.add_argument("--chromedriver", default="chromedriver", help="chromedriver executable (default: on PATH)")
    parser.add_argument("--chromium", default=shutil.which("chromium"),
                        help="browser binary (default: chromium on PATH; else chromedriver's own choice)")


def run_browser_test(args, make_test, name):
    """Starts chromedriver and a headless chromium, runs make_test(driver, url, artifacts, timeout).run(args),
    and always ends the browser session and chromedriver. Exit status 0 when it passed, 1 when not."""
    # A SIGTERM (e.g. a test runner's timeout) still runs the clean-up below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    os.makedirs(args.artifacts, exist_ok=True)
    process = None
    driver = None
    test = None
    try:
        process, endpoint = start_chromedriver(args.chromedriver, os.path.join(args.artifacts, "chromedriver.log"),
                                               args.timeout)
        driver = WebDriver(endpoint)
        driver.start(CHROME_ARGS, binary=args.chromium)
        test = make_test(driver, args.url, args.artifacts, args.timeout)
        test.run(args)
        print(f"{name} passed; screenshots in {args.artifacts}")
        return 0
    except (StepFailed, WebDriverError, OSError) as error:
        if isinstance(error, StepFailed):
            message = str(error)
        elif test is not None:
            message = f"step {test.step_number} ({test.step_name}): expected the browser to answer found {error}"
        else:
            message = f"setup: expected a browser session found {error}"
        print(f"FAILED {message}", file=sys.stderr)
        if test is not None and driver is not None and driver.session_id is not None:
            test.save_failure()
        return 1
    finally:
        # Always: end the browser session, then chromedriver (and its group).
        if driver is not None:
            try:
                driver.quit()
            except (WebDriverError, OSError) as error:
                print(f"warning: could not delete the WebDriver session: {error}", file=sys.stderr)
        if process is not None:
            stop_process_group(process)


def main(argv):
    return run_browser_test(parse_arguments(argv), ConsoleTest, "console browser test")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
