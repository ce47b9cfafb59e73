"""A crawler that uses the site as a person would: it follows the links a signed-in person sees,
and (when asked) submits every form it meets with hostile input.

Shared by the form fuzz on PostgreSQL (tests/test_form_fuzz.py) and the demo smoke on SQLite
(tests/demo_smoke.py, run in a subprocess). Plain Python: no pytest here.

What counts as a failure:
- any answer of 500 or more (or an exception) to a GET or a POST;
- a link on a page that answers 403/404 to the person who was shown it;
- a form post that got an error page while the database changed ("nothing saved on error");
- a form that accepted text of 10,001 characters, an impossible date, or a year 0001/9999 date;
- a posted ``<script>`` coming back unescaped;
- two links on one page with the same accessible name and different targets (WCAG 2.4.4);
- a field with ``maxlength`` (a browser cuts pasted text there without a word).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from django.urls import Resolver404, resolve

LONG_TEXT = ("Long answer with émojis 😀 and عربي right-to-left text. " * 200)[:10_001]
HOSTILE_TEXT = "<script>alert('x')</script> \u202eevil\u202c 😀 \x00 end"
BAD_DATES = ("0001-01-01", "2024-02-30", "9999-12-31")
UNKNOWN_CHOICE = "zz-not-a-choice"
_MAXLENGTH = re.compile(r'\smaxlength=')  # the attribute, not GOV.UK's data-maxlength

# Paths the crawler never requests or posts to: signing out ends the session; allauth's account
# pages (password, email, MFA) are not ours and would change the crawling person's sign-in;
# Django's admin is for platform operators.
SKIP_PREFIXES = ("/accounts/", "/admin/", "/static/", "/media/", "/__debug__/")


# --- Reading a page -----------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, date, number, select, radio, checkbox, hidden, file, other
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)
    submit: tuple[str, str] | None = None  # the first named submit button: (name, value)

    def fillable(self) -> bool:
        return any(f.kind not in {"hidden", "other"} for f in self.fields)

    def kinds(self) -> set[str]:
        return {f.kind for f in self.fields}


@dataclass
class Page:
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, accessible name)
    forms: list[Form] = field(default_factory=list)


_TEXT_TYPES = {"text", "email", "search", "tel", "url", "password", ""}


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._form: Form | None = None
        self._link: list | None = None  # [href, [text parts], aria-label]
        self._select: Field | None = None
        self._option: list | None = None  # [value or None, text parts, selected]
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and "href" in a:
            self._link = [a["href"], [], a.get("aria-label")]
        elif tag == "form":
            self._form = Form(method=(a.get("method") or "get").lower(), action=a.get("action", ""))
            self.page.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            name = a.get("name")
            if kind in {"submit", "image"}:
                if name and self._form.submit is None:
                    self._form.submit = (name, a.get("value", ""))
                return
            if not name or kind in {"button", "reset"}:
                return
            mapped = ("text" if kind in _TEXT_TYPES else kind if kind in {
                "date", "number", "radio", "checkbox", "hidden", "file"} else "other")
            self._form.fields.append(Field(name=name, kind=mapped, value=a.get("value", ""),
                                           checked="checked" in a))
        elif tag == "button":
            if a.get("name") and (a.get("type") or "submit") == "submit" and self._form.submit is None:
                self._form.submit = (a["name"], a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(name=a["name"], kind="textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(name=a["name"], kind="select", multiple="multiple" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), [], "selected" in a]

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            href, parts, label = self._link
            name = label or " ".join("".join(parts).split())
            self.page.links.append((href, name))
            self._link = None
        elif tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the newline that starts a textarea's content.
            self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, parts, selected = self._option
            value = value if value is not None else "".join(parts).strip()
            self._select.options.append(value)
            if selected:
                self._select.selected.append(value)
            self._option = None

    def handle_data(self, data):
        if self._link is not None:
            self._link[1].append(data)
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option[1].append(data)


def page_read(html: str) -> Page:
    parser = _PageParser()
    parser.feed(html)
    return parser.page


# --- Filling a form ----------------------------------------------------------------------------


def form_submission(form: Form, *, fill_blanks: bool = False) -> dict[str, list[str]]:
    """What a browser sends when the person presses the first button without changing anything
    (a select sends its chosen or first option; a radio group with nothing chosen sends
    nothing). ``fill_blanks`` chooses the first real option of every select and radio group
    left empty, so the rest of the form is valid when one field is made hostile."""
    data: dict[str, list[str]] = {}
    radios: dict[str, list[Field]] = {}
    for f in form.fields:
        if f.kind == "radio":
            radios.setdefault(f.name, []).append(f)
        elif f.kind == "checkbox":
            if f.checked:
                data.setdefault(f.name, []).append(f.value or "on")
        elif f.kind == "select":
            first = next((o for o in f.options if o), "") if fill_blanks else (f.options or [""])[0]
            chosen = f.selected or [first]
            data.setdefault(f.name, []).extend(chosen[: None if f.multiple else 1])
        elif f.kind == "file":
            continue
        else:
            data.setdefault(f.name, []).append(f.value)
    for name, group in radios.items():
        checked = [g.value for g in group if g.checked]
        if checked or fill_blanks:
            data[name] = checked or [group[0].value]
    if form.submit:
        data.setdefault(form.submit[0], []).append(form.submit[1])
    return data


def form_data(html: str, having: str) -> dict[str, list[str]]:
    """The page's POST form with a field named ``having``, as the browser would send it
    ({name: [values]}, for the test client, which does not check the CSRF token)."""
    form = next(f for f in page_read(html).forms
                if f.method == "post" and any(field.name == having for field in f.fields))
    data = form_submission(form)
    data.pop("csrfmiddlewaretoken", None)
    return data


def _names(form: Form, kinds: set[str]) -> set[str]:
    return {f.name for f in form.fields if f.kind in kinds}


def form_variants(form: Form) -> list[tuple[str, dict[str, list[str]]]]:
    """(variant name, data) pairs of hostile submissions of ``form``."""
    base = form_submission(form, fill_blanks=True)
    hidden = {f.name: [f.value] for f in form.fields if f.kind == "hidden"}
    submit = {form.submit[0]: [form.submit[1]]} if form.submit else {}
    variants = [("empty", {**hidden, **submit})]
    texts = _names(form, {"text", "textarea"}) - {"csrfmiddlewaretoken"}
    if texts:
        variants.append(("long text", {**base, **{n: [LONG_TEXT] for n in texts}}))
        variants.append(("hostile text", {**base, **{n: [HOSTILE_TEXT] for n in texts}}))
    dates = _names(form, {"date"})
    for day in BAD_DATES if dates else ():
        variants.append((f"date {day}", {**base, **{n: [day] for n in dates}}))
    choices = _names(form, {"select", "radio", "checkbox"})
    numbers = _names(form, {"number"})
    if choices or numbers:
        variants.append(("unknown choices, negative numbers", {
            **base, **{n: [UNKNOWN_CHOICE] for n in choices}, **{n: ["-1"] for n in numbers}}))
    if numbers:
        variants.append(("huge numbers", {**base, **{n: ["99999999999999999999"] for n in numbers}}))
    return variants


# --- Crawling ----------------------------------------------------------------------------------


def _route(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def _is_error_page(response) -> bool:
    if response.status_code >= 300 and response.status_code < 400:
        return False
    body = response.content.decode(errors="replace") if _is_html(response) else ""
    return "govuk-error-summary" in body or "govuk-error-message" in body


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


@dataclass
class CrawlResult:
    failures: list[str] = field(default_factory=list)
    pages: Counter = field(default_factory=Counter)  # route -> GETs
    forms: set = field(default_factory=set)  # (route of the form's action, method)
    posts: int = 0


class Crawler:
    """Crawls as the person signed in on ``client``.

    ``fingerprint``: a function returning a value that changes whenever the database's data
    changes; with it (and ``fuzz=True``) every form is posted with hostile input."""

    def __init__(self, client, *, who: str, fuzz: bool = False, fingerprint=None,
                 per_route: int = 2, max_requests: int = 4000):
        self.client = client
        self.who = who
        self.fuzz = fuzz
        self.fingerprint = fingerprint
        self.per_route = per_route
        self.max_requests = max_requests
        self.result = CrawlResult()
        self._seen: set[str] = set()
        self._fuzzed: set[tuple[str, str]] = set()
        self._requests = 0

    def fail(self, message: str):
        self.result.failures.append(f"[{self.who}] {message}")

    def _request(self, method: str, url: str, data=None):
        self._requests += 1
        try:
            if method == "get":
                return self.client.get(url, data or {})
            return self.client.post(url, data or {})
        except Exception as error:  # a view that raised: the person would see a 500
            self.fail(f"{method.upper()} {url} raised {type(error).__name__}: {str(error)[:200]}")
            return None

    def run(self, start: list[str]) -> CrawlResult:
        queue = deque((url, None) for url in start)
        while queue and self._requests < self.max_requests:
            url, shown_on = queue.popleft()
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(SKIP_PREFIXES) or url in self._seen:
                continue
            route = _route(parts.path)
            if route is None:
                self.fail(f"link to {url} (on {shown_on}) goes nowhere")
                continue
            if self.result.pages[route] >= self.per_route:
                continue
            self._seen.add(url)
            self.result.pages[route] += 1
            response = self._request("get", url)
            if response is None:
                continue
            status = response.status_code
            if status >= 500:
                self.fail(f"GET {url} -> {status}")
                continue
            if status in (403, 404) and shown_on:
                self.fail(f"GET {url} -> {status}, linked from {shown_on}")
                continue
            if 300 <= status < 400:
                queue.append((urljoin(url, response["Location"]), shown_on))
                continue
            if status != 200 or not _is_html(response):
                continue
            html = response.content.decode(errors="replace")
            page = page_read(html)
            self._check_link_names(url, page)
            if _MAXLENGTH.search(html):
                self.fail(f"{url}: a field has maxlength, which cuts pasted text without a word")
            for href, _name in page.links:
                target = urljoin(url, unescape(href)).split("#")[0]
                if target and target not in self._seen:
                    queue.append((target, url))
            if self.fuzz:
                for form in page.forms:
                    self._fuzz(url, form)
        return self.result

    def _check_link_names(self, url: str, page: Page):
        targets: dict[str, set[str]] = {}
        for href, name in page.links:
            if not name or href.startswith("#"):
                continue
            path = urljoin(url, href).split("#")[0]
            targets.setdefault(name.lower(), set()).add(path)
        for name, paths in targets.items():
            if len(paths) > 1 and not name.startswith(("page ", "next", "previous")) and not name.isdigit():
                self.fail(f"{url}: {len(paths)} links named {name!r} go to different pages")

    def _fuzz(self, url: str, form: Form):
        action = urljoin(url, unescape(form.action) or url).split("#")[0]
        path = urlsplit(action).path
        if path.startswith(SKIP_PREFIXES) or not form.fillable():
            return
        route = _route(path) or path
        key = (route, form.method)
        if key in self._fuzzed:
            return
        self._fuzzed.add(key)
        self.result.forms.add(key)
        for variant, data in form_variants(form):
            if form.method == "get":
                query = urlencode([(k, v) for k, vs in data.items() for v in vs])
                response = self._request("get", f"{path}?{query}")
                if response is not None and response.status_code >= 500:
                    self.fail(f"GET form {path} ({variant}) -> {response.status_code}")
                continue
            before = self.fingerprint() if self.fingerprint else None
            response = self._request("post", action, _flat(data))
            self.result.posts += 1
            if response is None:
                continue
            status = response.status_code
            where = f"POST {path} ({variant}, form on {url})"
            if status >= 500:
                self.fail(f"{where} -> {status}")
                continue
            body = response.content.decode(errors="replace") if _is_html(response) else ""
            if "<script>alert('x')" in body:
                self.fail(f"{where}: the posted <script> came back unescaped")
            if variant == "long text" and 300 <= status < 400:
                self.fail(f"{where}: 10,001 characters accepted")
            if variant.startswith("date ") and 300 <= status < 400:
                self.fail(f"{where}: accepted {variant}")
            if before is not None and _is_error_page(response):
                after = self.fingerprint()
                if after != before:
                    changed = sorted({row[0] for row in set(after) ^ set(before)})
                    self.fail(f"{where}: refused with an error, but the database changed ({', '.join(changed)})")


def _flat(data: dict[str, list[str]]) -> dict[str, list[str] | str]:
    return {k: (v if len(v) != 1 else v[0]) for k, v in data.items()}

