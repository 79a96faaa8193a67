"""Context: who is assessed, for which period, by whom, and the tab each rater fills in.

It crosses boundaries (roster rows and command-line options in; the hidden sheet of a workbook
out and back), so it is a pydantic model, validated wherever it is made or read."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .definition import MAX_RATERS, Ladder, refuse_noncharacters, xlsx_unwritable
from .errors import BadInput

# the local part: no spaces, list separators, brackets or quotes, nor ':' (``mailto:``); the
# domain: two labels at least, of no such character nor '/' (any script, combining marks too)
_EMAIL = re.compile(r"[^@\s;,<>\"():\[\]\\]+@[^@\s;,<>\"():\[\]\\/.]+(?:\.[^@\s;,<>\"():\[\]\\/.]+)+")
# the same shape with the domain's dots anywhere: an address whose only fault is where its dots
# (or a label's '-') are, which mail servers refuse (RFC 5321's dot-atom, RFC 1035's labels)
_EMAIL_SHAPE = re.compile(r"[^@\s;,<>\"():\[\]\\]+@[^@\s;,<>\"():\[\]\\/]*\.[^@\s;,<>\"():\[\]\\/]*")
_BRACKETED = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


def _dots_doubt(value: str) -> str:
    """Why ``value``, shaped as an address, is none, for its dots or hyphens; "" when it is
    none of that: a dot starting or ending the local part or twice in a row (``.ana@x.com``,
    ``ana..b@x.com``), an empty domain label (``ana@x..com``), a label starting or ending with
    '-' (``ana@-x.com``). Mail servers refuse each, so a mail merge's reminder would bounce."""
    local, _, domain = value.rpartition("@")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return " (a dot cannot start or end the part before '@', nor come twice in a row)"
    labels = domain.split(".")
    if "" in labels:
        return " (a dot cannot start or end the part after '@', nor come twice in a row)"
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return " (a part of the domain between dots cannot start or end with '-')"
    return ""


def is_email(value: str) -> bool:
    """A plausible address: one ``@``, no spaces, no list separators, and a domain with a dot
    (``zoe@example`` is a typo more often than a mailbox: mail merges would bounce), and dots
    and hyphens where mail servers take them (not ``.ana@x.com``, ``ana..b@x.com`` nor
    ``ana@-x.com``)."""
    return _EMAIL.fullmatch(value) is not None and not _dots_doubt(value)


def email_hint(value: str) -> str:
    """What to write instead of a value that is no address, when it holds one: Outlook's
    ``Name <address>``, a ``mailto:`` link, two addresses, a domain with no dot, a dot or '-'
    where mail servers refuse one."""
    named = _BRACKETED.search(value)
    if named and is_email(named.group(1)):
        return f" (write the address alone: {named.group(1)})"
    if value.lower().startswith("mailto:") and is_email(value[7:].split("?")[0].strip()):
        return f" (write the address without 'mailto:': {value[7:].split('?')[0].strip()})"
    if sum(1 for part in re.split(r"[;,\s]+", value) if is_email(part)) > 1:
        return " (one address per person: write the one reminders go to)"
    if value.count("@") == 1 and "." not in value.split("@")[1]:
        return " (its domain has no dot: write it in full, as in name@example.com)"
    if _EMAIL_SHAPE.fullmatch(value):
        return _dots_doubt(value)
    return ""


def checked_email(value: str | None, what: str) -> str | None:
    """``value`` stripped, None when blank; BadInput naming ``what`` when it is no address."""
    value = (value or "").strip()
    if not value:
        return None
    if not is_email(value):
        raise BadInput(f"{what}: {value!r} is not an email address{email_hint(value)}")
    return value


def person_key(name: str) -> str:
    """How one person is recognised everywhere (a roster's duplicates, ``--force``, the
    history's people): the name, case and spacing ignored, so ``ANA  DIAZ`` is ``Ana Diaz``,
    and in Unicode's composed form (NFC), so that ``Díaz`` typed with a combining accent (as
    some programs paste it) is the ``Díaz`` typed with one letter."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name)).strip().casefold()


def folded_key(name: str) -> str:
    """:func:`person_key` with accents dropped too (``Ana Díaz`` is ``ana diaz``): what two
    names that may be one person respelt share (they are still two people)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return person_key("".join(c for c in decomposed if not unicodedata.combining(c)))


META_SHEET = "_sheetladder"
GUIDE_SHEET = "Guide"
MATRIX_SHEET = "Matrix"
SUMMARY_SHEET = "Summary"
RESERVED_SHEETS = {GUIDE_SHEET, MATRIX_SHEET, SUMMARY_SHEET, META_SHEET}
GUIDE_PERSON_CELL = (3, 1)  # Guide!B4: the person's name (typed there in a copied template)
# The Guide's facts, from its person cell down: what the workbook is about, each in column B.
# A fact retyped there would claim another person, period, ladder or raters than the workbook's
# hidden sheet says, so the reader refuses that (a copied template's person cell aside).
GUIDE_FACTS = ("Person", "Period", "Ladder", "Raters")
META_CHUNK = 30000  # Excel holds at most 32,767 characters in a cell
MAX_TAB = 31


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_noncharacters(cls, v: Any) -> Any:
        return refuse_noncharacters(v)




class RaterSlot(_M):
    """A rater of one assessment: their role, optional name and email, and their tab."""

    role: str
    name: str | None = None
    email: str | None = None
    tab: str


class Context(_M):
    """Who is assessed, when, and by whom."""

    person: str
    email: str | None = None
    period: str | None = None
    raters: list[RaterSlot]
    team: str | None = Field(default=None, description="The person's team (from the roster).")
    managers: list[str] = Field(
        default_factory=list, description="The person's managers: their manager raters' names.")
    split_tab: str | None = Field(
        default=None, description="Set in a --split copy: the only rater tab the file holds."
    )
    template: bool = Field(
        default=False, description="A blank template: whoever copies it types the person's "
                                   "name in the Guide's yellow cell (GUIDE_PERSON_CELL).")

    def tabs(self) -> list[str]:
        return [r.tab for r in self.raters]


# -- contexts -----------------------------------------------------------------------------------

_BAD_TAB = re.compile(r"[\[\]:*?/\\]")


def cut_utf16(text: str, units: int) -> str:
    """The longest start of ``text`` that is at most ``units`` UTF-16 code units long: Excel
    counts a tab name's length so (a character beyond the BMP, such as an emoji, is two)."""
    if len(text) <= units // 2:
        return text
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > units:
            return text[:i]
    return text


_ESCAPE_START = re.compile("_(?=x[0-9A-Fa-f]{4}_)")


def safe_tab(name: str) -> str:
    """A name Excel and Google accept as a tab: no []:*?/\\, no edge quotes, at most 31 chars
    (UTF-16 code units, as Excel counts)."""
    # (and no '_' starting an escape-like code, '_x0042_': spreadsheets read a tab name's
    # escapes as the characters they code, so the tab would come back as 'BoB')
    s = re.sub(r"\s+", " ", _ESCAPE_START.sub(" ", _BAD_TAB.sub(" ", name)))
    s = cut_utf16(s.strip().strip("'").strip(), MAX_TAB)
    s = s.strip().strip("'").strip()  # cutting may have left a quote at the edge
    return s or "Rater"


def make_context(
    ladder: Ladder,
    person: str,
    period: str | None = None,
    raters: Sequence[tuple[str, str | None, str | None]] | None = None,
    email: str | None = None,
    team: str | None = None,
    managers: Sequence[str] | None = None,
) -> Context:
    """Build the assessment context; ``raters`` are (role, name, email), default: the ladder's.
    ``managers`` defaults to the names of the ``manager`` raters."""
    roles = {r.id: r for r in ladder.raters}
    if raters is None:
        raters = [(r.id, None, None) for r in ladder.raters for _ in range(r.count)]
    # names in composed form (NFC), as Excel and Google Sheets type them, whatever they were
    # pasted from: a name that looks the same is then the same text in every workbook
    person = unicodedata.normalize("NFC", person)
    raters = [(role, unicodedata.normalize("NFC", name) if name else name, mail)
              for role, name, mail in raters]
    if team:
        team = unicodedata.normalize("NFC", team)
    if managers is not None:
        managers = [unicodedata.normalize("NFC", m) for m in managers]
    if len(raters) > MAX_RATERS:
        raise BadInput(f"{len(raters)} raters; a workbook holds at most {MAX_RATERS} "
                       "(one tab each)")
    given = [("person", person), ("email", email), ("team", team),
             *[("manager", m) for m in managers or ()],
             *[(f"rater {name!r}", text) for role, name, mail in raters
               for text in (name, mail) if text]]
    for what, text in given:
        why = xlsx_unwritable(text) if text else None
        if why:
            raise BadInput(f"{what}: {why}")
    for role, _, _ in raters:
        if role not in roles:
            raise BadInput(
                f"unknown rater role {role!r}; this ladder has: {', '.join(roles)}"
            )
    per_role: dict[str, int] = {}
    for role, _, _ in raters:
        per_role[role] = per_role.get(role, 0) + 1
    seen: set[str] = {t.lower() for t in RESERVED_SHEETS}
    slots: list[RaterSlot] = []
    numbering: dict[str, int] = {}
    for role, name, mail in raters:
        numbering[role] = numbering.get(role, 0) + 1
        if name:
            base = safe_tab(name)
        elif per_role[role] > 1:
            base = safe_tab(f"{roles[role].name} {numbering[role]}")
        else:
            base = safe_tab(roles[role].name)
        tab = base
        n = 2
        while tab.lower() in seen:
            suffix = f" ({n})"
            tab = cut_utf16(base, MAX_TAB - len(suffix)) + suffix
            n += 1
        seen.add(tab.lower())
        try:
            slots.append(RaterSlot(role=role, name=name or None, email=mail or None, tab=tab))
        except ValidationError as e:
            raise BadInput(f"rater {name or role!r}: {_one_problem(e)}") from None
    try:
        if managers is None:
            managers = [s.name for s in slots if s.role == "manager" and s.name]
        return Context(person=person, email=email, period=period, raters=slots,
                       team=" ".join((team or "").split()) or None, managers=list(managers))
    except ValidationError as e:
        raise BadInput(_one_problem(e)) from None


def check_raters(person: str, raters: Sequence[tuple[str, str | None, str | None]],
                 email: str | None = None) -> None:
    """Refuse (BadInput) raters who would count one person twice: the person assessed named in
    a role other than ``self`` (or given the person's ``email``), or two raters who are one
    person (:func:`person_key`: case and spacing ignored; or one email, case ignored),
    whatever their roles. Unnamed raters (``Peer 1``) are nobody yet.

    Called where raters come from people (a roster row, ``--rater``: ``render.person_context``)
    before a context is made, and by the reader on a workbook's own context (names only);
    :func:`make_context` itself does not, so a context already made elsewhere still builds."""
    own = person_key(person)
    seen: dict[str, tuple[str, str]] = {}
    for role, name, _ in raters:
        if not name or not name.strip():
            continue
        key = person_key(name)
        if role != "self" and key == own:
            same = "" if name == person else f" ({person!r}, case and spacing ignored)"
            raise BadInput(f"{role} {name!r} is the person assessed{same}: a person rates "
                           f"themself on the Self tab only; take them out of the {role} raters")
        if key in seen:
            first_role, first_name = seen[key]
            raise BadInput(f"{first_role} {first_name!r} and {role} {name!r} are one person "
                           "(case and spacing ignored), who would be counted twice; list each "
                           "rater once")
        seen[key] = (role, name)
    own_mail = (email or "").strip().casefold()
    mails: dict[str, tuple[str, str]] = {}
    for role, name, mail in raters:
        m = (mail or "").strip().casefold()
        if not m or role == "self":
            continue
        who = name or role
        if own_mail and m == own_mail:
            raise BadInput(f"{role} {who!r} has the email of the person assessed ({mail}): a "
                           "person rates themself on the Self tab only; give the rater their own "
                           "email")
        if m in mails:
            first_role, first_who = mails[m]
            raise BadInput(f"{first_role} {first_who!r} and {role} {who!r} share the email "
                           f"{mail}: one person would be counted twice; give each rater their "
                           "own email")
        mails[m] = (role, who)


def _one_problem(e: ValidationError) -> str:
    """A pydantic error as one line: ``field: message``."""
    err = e.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def split_contexts(ctx: Context) -> list[Context]:
    """One context per rater for --split copies."""
    return [ctx.model_copy(update={"split_tab": slot.tab}) for slot in ctx.raters]
