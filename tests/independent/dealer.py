#!/usr/bin/env python3
"""dealer.py - an independent dealership AI-agent server (fictional "Hill Valley Subaru").

Written from the DMC-12 `initiate_deal_handoff` page, the AAP `lead.submit` / `lead.general`
skill pages, BINDINGS.md and the ADF 1.0 DTD only.  Standard library only (Python 3.11).

Serves on 127.0.0.1:<port>:
  GET  /.well-known/agent-card.json         A2A 1.0 agent card (public)
  POST /a2a/jsonrpc                         A2A 1.0 JSON-RPC binding
  POST /a2a/rest/message:send (and friends) A2A 1.0 HTTP+JSON binding
  POST|DELETE /mcp                          MCP Streamable HTTP (2025-11-25)
  GET  /.well-known/oauth-protected-resource[/mcp]   RFC 9728 metadata (public)
  GET  /healthz                             liveness (public)

Operations: DMC-12 tools search_inventory, create_reservation, release_reservation,
initiate_deal_handoff (MCP tools and A2A skills); AAP skills lead.submit, lead.general and
inventory.search (A2A only).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import http.client
import json
import math
import os
import re
import secrets
import smtplib
import sqlite3
import sys
import threading
import time
import urllib.parse
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape as _xml_escape, quoteattr as _xml_quoteattr

UTC = dt.timezone.utc

# --------------------------------------------------------------------------- constants
DEALER_NAME = "Hill Valley Subaru"
DEALER_PHONE = "+15035550188"
DEALER_URL = "https://www.hillvalleysubaru.example"
DEALER_ZIP = "97035"
DESK_ADDRESSES = ["sales.desk@hillvalleysubaru.example", "finance.manager@hillvalleysubaru.example"]
MAIL_FROM = "ai-handoff@hillvalleysubaru.example"
SMTP_TIMEOUT = 10.0           # seconds, per socket operation
CRM_TIMEOUT = 1.5             # seconds, hard total deadline for the DriveCentric POST
DEFAULT_HOLD_SECONDS = 900
MAX_HOLD_SECONDS = 86400
BOOKING_HORIZON_DAYS = 730
DUPLICATE_WINDOW_SECONDS = 24 * 3600
MAX_BODY = 1 << 20
MCP_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")
MCP_LATEST = "2025-11-25"
SERVER_VERSION = "1.0.0"

VIN_RE = r"[A-HJ-NPR-Z0-9]{17}"
PHONE_RE = r"\+[1-9][0-9]{6,14}"
EMAIL_RE = r"[^@\s\x00-\x1f\x7f<>(),;:\"\[\]\\]+@[^@\s\x00-\x1f\x7f<>(),;:\"\[\]\\]+\.[^@\s\x00-\x1f\x7f<>(),;:\"\[\]\\]+"
CURRENCY_RE = r"[A-Z]{3}"

SALE_CONDITIONS = ("new", "used", "cpo")
TRADE_CONDITIONS = ("excellent", "good", "fair", "poor")
CHANNELS = ("email", "phone", "sms")

INVENTORY = [
    dict(vin="4S4BTGND9S3100101", year=2025, make="Subaru", model="Outback", trim="Premium", condition="new",
         stock="HV1001", body="wagon", transmission="automatic", mileage=12, price=34995,
         exterior_color="Autumn Green Metallic", availability="available"),
    dict(vin="JF2SKAGC4RH400202", year=2024, make="Subaru", model="Forester", trim="Sport", condition="used",
         stock="HV1002", body="suv", transmission="automatic", mileage=18450, price=29990,
         exterior_color="Horizon Blue Pearl", availability="available"),
    dict(vin="JF2GUHNC1S8300303", year=2025, make="Subaru", model="Crosstrek", trim="Limited", condition="new",
         stock="HV1003", body="suv", transmission="automatic", mileage=8, price=32495,
         exterior_color="Sun Blaze Pearl", availability="available"),
    dict(vin="JF1VBAF65P9800404", year=2023, make="Subaru", model="WRX", trim="Premium", condition="cpo",
         stock="HV1004", body="sedan", transmission="manual", mileage=21300, price=31500,
         exterior_color="WR Blue Pearl", availability="available"),
    dict(vin="JF2SLAEC7T3100707", year=2026, make="Subaru", model="Forester", trim="Touring", condition="new",
         stock="HV1007", body="suv", transmission="automatic", mileage=5, price=38995,
         exterior_color="Crystal Black Silica", availability="available"),
    dict(vin="4S4WMARD2S3400505", year=2025, make="Subaru", model="Ascent", trim="Touring", condition="new",
         stock="HV1005", body="suv", transmission="automatic", mileage=9, price=49870,
         exterior_color="Cosmic Blue Pearl", availability="sold"),
    dict(vin="JF2GAATB1RH600606", year=2024, make="Subaru", model="Solterra", trim="Limited", condition="used",
         stock="HV1006", body="suv", transmission="automatic", mileage=6120, price=41250,
         exterior_color="Harbor Mist Gray", availability="on_hold"),
]
INV_BY_VIN = {v["vin"]: v for v in INVENTORY}
INV_BY_STOCK = {v["stock"].upper(): v for v in INVENTORY}

CFG = argparse.Namespace()
PRINCIPALS: dict[str, dict] = {}


# --------------------------------------------------------------------------- small helpers
_log_lock = threading.Lock()


def log(event: str, **kv) -> None:
    """One line to stderr.  Callers pass only non-PII values (ids, codes, outcomes)."""
    parts = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), event]
    parts += [f"{k}={v}" for k, v in kv.items() if v is not None]
    with _log_lock:
        sys.stderr.write(" ".join(parts) + "\n")
        sys.stderr.flush()


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def iso_dmc(t: dt.datetime) -> str:          # DMC-12 style: 2026-05-27T18:22:01+00:00
    return t.astimezone(UTC).replace(microsecond=0).isoformat()


def iso_z(t: dt.datetime) -> str:            # AAP style: 2026-05-03T18:00:00Z
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256(s):
    return None if s is None else hashlib.sha256(s.encode("utf-8")).hexdigest()


def mask_email(addr: str) -> str:
    local, _, domain = addr.rpartition("@")
    keep = local[:2] if len(local) > 2 else (local[:1] if len(local) == 2 else "")
    return f"{keep}****@{domain}"


def new_trace() -> str:
    return "trc_" + secrets.token_hex(12)


def parse_datetime(s):
    """Return (datetime|None, ok).  ok False = not a parseable ISO-8601 string."""
    if not isinstance(s, str) or not (10 <= len(s) <= 64):
        return None, False
    try:
        v = dt.datetime.fromisoformat(s[:-1] + "Z" if s.endswith("z") else s)
    except ValueError:
        return None, False
    return v, True


def _reject_constant(name):
    raise ValueError(f"invalid JSON constant {name}")


def parse_json(raw: bytes):
    obj = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    try:  # reject lone-surrogate escapes (\ud800): valid JSON syntax but not Unicode text
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("JSON text contains a lone surrogate")
    return obj


def dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def is_int(v) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    return isinstance(v, float) and math.isfinite(v) and v.is_integer()


def is_num(v) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)


class OpError(Exception):
    """An operation-level error (DMC-12 envelope error / AAP error beside data)."""

    def __init__(self, code, message, reason=None, details=None):
        super().__init__(message)
        self.code, self.message, self.reason, self.details = code, message, reason, details

    def body(self):
        e = {"code": self.code, "message": self.message}
        if self.reason:
            e["reason"] = self.reason
        if self.details:
            e["details"] = [{"field": d["field"], "issue": d["issue"]} for d in self.details]
        return e


# --------------------------------------------------------------------------- validation toolkit
class V:
    """Collects field issues.  Never records the offending value (it may be PII)."""

    def __init__(self):
        self.issues = []

    def add(self, field, issue, code="VALIDATION_ERROR"):
        self.issues.append({"field": field, "issue": issue, "code": code})

    @staticmethod
    def p(base, key):
        return f"{base}.{key}" if base else key

    def _get(self, d, key, base, required):
        v = d.get(key) if isinstance(d, dict) else None
        if v is None and required:
            self.add(self.p(base, key), "is required")
        return v

    def obj(self, d, key, base="", required=False, allowed=None):
        v = self._get(d, key, base, required)
        if v is None:
            return None
        path = self.p(base, key)
        if not isinstance(v, dict):
            self.add(path, "must be an object")
            return None
        if allowed is not None:
            for k in v:
                if k not in allowed:
                    self.add(f"{path}.{k}", "unknown field (extra fields are forbidden)")
        return v

    def string(self, d, key, base="", required=False, minlen=0, maxlen=None, pattern=None, desc=None,
               nonblank=False):
        v = self._get(d, key, base, required)
        if v is None:
            return None
        path, n = self.p(base, key), len(self.issues)
        if not isinstance(v, str):
            self.add(path, "must be a string")
            return None
        if len(v) < minlen:
            self.add(path, f"must be at least {minlen} characters")
        if maxlen is not None and len(v) > maxlen:
            self.add(path, f"must be at most {maxlen} characters")
        if nonblank and v and not v.strip():
            self.add(path, "must not be blank")
        if pattern and not re.fullmatch(pattern, v):
            self.add(path, f"must be {desc or 'well formed'}")
        return v if len(self.issues) == n else None

    def boolean(self, d, key, base="", required=False):
        v = self._get(d, key, base, required)
        if v is None:
            return None
        if not isinstance(v, bool):
            self.add(self.p(base, key), "must be a boolean")
            return None
        return v

    def integer(self, d, key, base="", required=False, lo=None, hi=None):
        v = self._get(d, key, base, required)
        if v is None:
            return None
        path = self.p(base, key)
        if not is_int(v):
            self.add(path, "must be an integer")
            return None
        v = int(v)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.add(path, f"must be between {lo} and {hi}")
            return None
        return v

    def number(self, d, key, base="", required=False, lo=None):
        v = self._get(d, key, base, required)
        if v is None:
            return None
        path = self.p(base, key)
        if not is_num(v):
            self.add(path, "must be a number")
            return None
        if lo is not None and v < lo:
            self.add(path, f"must be >= {lo}")
            return None
        return int(v) if is_int(v) else v

    def enum(self, d, key, choices, base="", required=False, code="VALIDATION_ERROR"):
        v = self._get(d, key, base, required)
        if v is None:
            return None
        path = self.p(base, key)
        if not isinstance(v, str):
            self.add(path, "must be a string")
            return None
        if v not in choices:
            self.add(path, "must be one of " + "|".join(choices), code)
            return None
        return v

    def datetime(self, d, key, base="", required=False):
        v = self._get(d, key, base, required)
        if v is None:
            return None
        path = self.p(base, key)
        t, ok = parse_datetime(v)
        if not ok:
            self.add(path, "must be an ISO-8601 date-time string")
            return None
        if t.tzinfo is None or t.utcoffset() is None:
            self.add(path, "must be timezone-aware (include Z or an offset)")
            return None
        return t

    def enum_list(self, d, key, choices, base="", required=False, min_items=1):
        v = self._get(d, key, base, required)
        if v is None:
            return None
        path = self.p(base, key)
        if not isinstance(v, list):
            self.add(path, "must be an array")
            return None
        n = len(self.issues)
        if len(v) < min_items:
            self.add(path, f"must contain at least {min_items} item(s)")
        for i, item in enumerate(v):
            if not isinstance(item, str) or item not in choices:
                self.add(f"{path}[{i}]", "must be one of " + "|".join(choices))
        if len(self.issues) == n and len(set(v)) != len(v):
            self.add(path, "items must be unique")
        return list(v) if len(self.issues) == n else None

    def money(self, d, key, base="", required=False):
        m = self.obj(d, key, base, required, allowed={"amount", "currency"})
        if m is None:
            return None
        path, n = self.p(base, key), len(self.issues)
        amount = self.number(m, "amount", path, required=True, lo=0)
        currency = self.string(m, "currency", path, required=True, pattern=CURRENCY_RE,
                               desc="a 3-letter upper-case ISO 4217 code")
        return {"amount": amount, "currency": currency} if len(self.issues) == n else None

    def raise_if_any(self, default_code="VALIDATION_ERROR"):
        if not self.issues:
            return
        codes = {i["code"] for i in self.issues}
        code = "INVALID_CONDITION" if "INVALID_CONDITION" in codes else default_code
        summary = "; ".join(f"{i['field']} {i['issue']}" for i in self.issues[:6])
        raise OpError(code, "invalid request: " + summary, details=self.issues)


# --------------------------------------------------------------------------- storage
class Store:
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS reservations (
        reservation_token TEXT PRIMARY KEY, agent_id TEXT NOT NULL, vin TEXT NOT NULL,
        status TEXT NOT NULL, hold_seconds INTEGER NOT NULL, created_at TEXT NOT NULL,
        expires_epoch INTEGER NOT NULL, expires_at TEXT NOT NULL, released_at TEXT, handoff_token TEXT,
        protocol TEXT);
    CREATE TABLE IF NOT EXISTS deal_handoffs (
        handoff_token TEXT PRIMARY KEY, reservation_token TEXT NOT NULL, agent_id TEXT NOT NULL,
        vin TEXT NOT NULL, protocol TEXT NOT NULL, trace_id TEXT NOT NULL,
        customer_name_sha256 TEXT NOT NULL, customer_phone_sha256 TEXT NOT NULL,
        customer_email_sha256 TEXT NOT NULL, customer_consent INTEGER NOT NULL,
        financing_preference TEXT NOT NULL, notes_sha256 TEXT, trade_in_disclosed INTEGER NOT NULL,
        trade_in_description_sha256 TEXT, trade_in_vin TEXT, trade_in_year INTEGER, trade_in_make TEXT,
        trade_in_model TEXT, trade_in_mileage INTEGER, trade_in_condition TEXT,
        trade_in_appraised_amount REAL, trade_in_appraised_currency TEXT,
        consent_allowed_channels TEXT, consent_expires_at TEXT, consent_text_sha256 TEXT,
        sent_to TEXT NOT NULL, sent_to_masked TEXT NOT NULL, sent_at TEXT NOT NULL, status TEXT NOT NULL,
        crm_status TEXT, crm_lead_id TEXT, created_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS leads (
        lead_id TEXT PRIMARY KEY, skill TEXT NOT NULL, agent_id TEXT NOT NULL, protocol TEXT NOT NULL,
        trace_id TEXT NOT NULL, created_at TEXT NOT NULL, created_epoch REAL NOT NULL, status TEXT NOT NULL,
        error_code TEXT, dedupe_key TEXT, source_agent TEXT,
        customer_first_name_sha256 TEXT, customer_last_name_sha256 TEXT, customer_email_sha256 TEXT,
        customer_phone_sha256 TEXT, customer_address_sha256 TEXT, preferred_contact TEXT,
        consent_allowed_channels TEXT, consent_scope TEXT, consent_granted_at TEXT, consent_text_sha256 TEXT,
        message_sha256 TEXT, lead_intent TEXT, intent_json TEXT, vehicle_json TEXT, trade_in_json TEXT,
        appointment_json TEXT, crm_status TEXT, crm_lead_id TEXT);
    CREATE INDEX IF NOT EXISTS leads_dedupe ON leads(dedupe_key, created_epoch);
    CREATE TABLE IF NOT EXISTS audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, trace_id TEXT, agent_id TEXT,
        protocol TEXT, operation TEXT NOT NULL, outcome TEXT NOT NULL, subject TEXT, detail_json TEXT);
    """

    def __init__(self, path):
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self.conn.row_factory = sqlite3.Row
        with self.lock:
            self.conn.execute("PRAGMA busy_timeout=10000")
            self.conn.executescript(self.SCHEMA)

    def q(self, sql, params=()):
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def tx(self, statements):
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    self.conn.execute(sql, params)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    @staticmethod
    def insert_sql(table, row):
        cols = list(row)
        return (f"INSERT INTO {table} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                tuple(row[c] for c in cols))

    @staticmethod
    def audit_sql(trace, agent, protocol, operation, outcome, subject, detail=None):
        return Store.insert_sql("audit_log", dict(
            at=iso_dmc(now()), trace_id=trace, agent_id=agent, protocol=protocol, operation=operation,
            outcome=outcome, subject=subject,
            detail_json=json.dumps(detail, sort_keys=True) if detail is not None else None))


DB: Store = None  # type: ignore


# --------------------------------------------------------------------------- inventory views
def dmc_vehicle(v):
    return {"vin": v["vin"], "year": v["year"], "make": v["make"], "model": v["model"], "trim": v["trim"],
            "condition": v["condition"], "stock": v["stock"], "body": v["body"],
            "transmission": v["transmission"], "mileage": v["mileage"], "exterior_color": v["exterior_color"],
            "price": {"amount": v["price"], "currency": "USD"}, "availability": v["availability"]}


def aap_vehicle(v):
    return {"vin": v["vin"], "year": v["year"], "make": v["make"], "model": v["model"], "trim": v["trim"],
            "condition": v["condition"], "stock": v["stock"], "body": v["body"],
            "transmission": v["transmission"], "mileage": v["mileage"], "price": v["price"],
            "zip": DEALER_ZIP, "availability": v["availability"]}


SEARCH_FIELDS = {"make", "model", "year_min", "year_max", "condition", "body", "price_max", "vin", "stock",
                 "include_unavailable", "limit"}


def search(args, v: V):
    make = v.string(args, "make", maxlen=40)
    model = v.string(args, "model", maxlen=80)
    ymin = v.integer(args, "year_min", lo=1900, hi=2100)
    ymax = v.integer(args, "year_max", lo=1900, hi=2100)
    cond = v.enum(args, "condition", SALE_CONDITIONS)
    body = v.string(args, "body", maxlen=40)
    pmax = v.number(args, "price_max", lo=0)
    vin = v.string(args, "vin", pattern=VIN_RE, desc="a 17-character VIN")
    stock = v.string(args, "stock", maxlen=40)
    inc = v.boolean(args, "include_unavailable")
    limit = v.integer(args, "limit", lo=1, hi=100)
    v.raise_if_any()
    out = []
    for car in INVENTORY:
        if not inc and car["availability"] != "available":
            continue
        if make and car["make"].lower() != make.strip().lower():
            continue
        if model and car["model"].lower() != model.strip().lower():
            continue
        if ymin is not None and car["year"] < ymin or ymax is not None and car["year"] > ymax:
            continue
        if cond and car["condition"] != cond or body and car["body"] != body.strip().lower():
            continue
        if pmax is not None and car["price"] > pmax:
            continue
        if vin and car["vin"] != vin or stock and car["stock"].upper() != stock.strip().upper():
            continue
        out.append(car)
    out.sort(key=lambda c: (c["availability"] != "available", c["stock"]))
    return out[: (limit or 50)]


# --------------------------------------------------------------------------- DMC-12 tools
def tool_search_inventory(principal, args, trace, protocol):
    v = V()
    for k in args:
        if k not in SEARCH_FIELDS:
            v.add(k, "unknown field (extra fields are forbidden)")
    cars = search(args, v)
    return {"vehicles": [dmc_vehicle(c) for c in cars], "count": len(cars)}


def tool_create_reservation(principal, args, trace, protocol):
    v = V()
    for k in args:
        if k not in ("vin", "hold_seconds"):
            v.add(k, "unknown field (extra fields are forbidden)")
    vin = args.get("vin")
    if isinstance(vin, str):
        vin = vin.strip().upper()
    vin = v.string({"vin": vin}, "vin", required=True, pattern=VIN_RE,
                   desc="a 17-character VIN (A-H, J-N, P, R-Z, 0-9)")
    hold = v.integer(args, "hold_seconds", lo=1, hi=MAX_HOLD_SECONDS)
    v.raise_if_any()
    hold = hold or DEFAULT_HOLD_SECONDS
    car = INV_BY_VIN.get(vin)
    if car is None:
        raise OpError("VEHICLE_NOT_FOUND", "no vehicle with that VIN is in this dealer's inventory")
    if car["availability"] != "available":
        raise OpError("VEHICLE_UNAVAILABLE", f"vehicle is not available for reservation ({car['availability']})")
    created = now()
    exp_epoch = math.ceil(created.timestamp() + hold)
    expires = dt.datetime.fromtimestamp(exp_epoch, UTC)
    token = "rsv_" + secrets.token_urlsafe(18)
    row = dict(reservation_token=token, agent_id=principal["agent"], vin=vin, status="active",
               hold_seconds=hold, created_at=iso_dmc(created), expires_epoch=exp_epoch,
               expires_at=iso_dmc(expires), released_at=None, handoff_token=None, protocol=protocol)
    DB.tx([Store.insert_sql("reservations", row),
           Store.audit_sql(trace, principal["agent"], protocol, "create_reservation", "ok", token,
                           {"vin": vin, "hold_seconds": hold})])
    log("reservation.created", trace=trace, agent=principal["agent"], rsv=token, vin=vin, hold=hold)
    return {"reservation_token": token, "status": "active", "vin": vin,
            "vehicle": {"year": car["year"], "make": car["make"], "model": car["model"], "trim": car["trim"],
                        "stock": car["stock"]},
            "hold_seconds": hold, "created_at": row["created_at"], "expires_at": row["expires_at"]}


def load_reservation(token, principal):
    rows = DB.q("SELECT * FROM reservations WHERE reservation_token=?", (token,))
    if not rows:
        raise OpError("RESERVATION_NOT_FOUND", "no reservation with that token")
    r = rows[0]
    if not hmac.compare_digest(r["agent_id"], principal["agent"]):
        raise OpError("NOT_AUTHORIZED", "the reservation is owned by another agent")
    return r


def tool_release_reservation(principal, args, trace, protocol):
    v = V()
    for k in args:
        if k != "reservation_token":
            v.add(k, "unknown field (extra fields are forbidden)")
    token = v.string(args, "reservation_token", required=True, minlen=10, maxlen=80)
    v.raise_if_any()
    with _inflight_lock:
        if token in _inflight:
            raise OpError("RESERVATION_STATE", "a hand-off of this reservation is in progress")
        r = load_reservation(token, principal)
        if r["status"] != "active":
            raise OpError("RESERVATION_STATE", f"reservation is {r['status']}, not active")
        if r["handoff_token"]:
            raise OpError("RESERVATION_STATE", "reservation was already handed off to the dealer desk")
        if time.time() >= r["expires_epoch"]:
            raise OpError("RESERVATION_EXPIRED", "reservation hold has expired")
        released = iso_dmc(now())
        DB.tx([("UPDATE reservations SET status='released', released_at=? WHERE reservation_token=?",
                (released, token)),
               Store.audit_sql(trace, principal["agent"], protocol, "release_reservation", "ok", token)])
    log("reservation.released", trace=trace, agent=principal["agent"], rsv=token)
    return {"reservation_token": token, "status": "released", "vin": r["vin"], "released_at": released}


_inflight: set = set()
_inflight_lock = threading.Lock()


def validate_handoff(args):
    v = V()
    out = {"reservation_token": v.string(args, "reservation_token", required=True, minlen=10, maxlen=80)}
    cc = v.obj(args, "customer_contact", required=True)
    if cc is not None:
        b = "customer_contact"
        out["name"] = v.string(cc, "name", b, True, 1, 120, nonblank=True)
        out["phone"] = v.string(cc, "phone", b, True, 8, 20, PHONE_RE, "E.164 (+ then 7-15 digits)")
        out["email"] = v.string(cc, "email", b, True, 5, 320, EMAIL_RE, "an email address")
    consent_flag = args.get("customer_consent")
    if consent_flag is None:
        v.add("customer_consent", "is required")
    elif not isinstance(consent_flag, bool):
        v.add("customer_consent", "must be a boolean")
    elif consent_flag is not True:
        v.add("customer_consent", "must be true (PII transfer requires explicit customer consent)")
    out["financing_preference"] = v.enum(args, "financing_preference",
                                         ("cash", "finance", "lease", "unknown")) or "unknown"
    out["notes"] = v.string(args, "notes", maxlen=500)
    disclosed = v.boolean(args, "trade_in_disclosed")
    ti = v.obj(args, "trade_in", allowed={"description", "appraised_value_partner", "vin", "year", "make",
                                          "model", "mileage", "condition"})
    trade = {}
    if ti is not None:
        b = "trade_in"
        trade = {
            "description": v.string(ti, "description", b, maxlen=500),
            "appraised_value_partner": v.money(ti, "appraised_value_partner", b),
            "vin": v.string(ti, "vin", b, pattern=VIN_RE, desc="a 17-character VIN (^[A-HJ-NPR-Z0-9]{17}$)"),
            "year": v.integer(ti, "year", b, lo=1900, hi=2100),
            "make": v.string(ti, "make", b, maxlen=40),
            "model": v.string(ti, "model", b, maxlen=80),
            "mileage": v.integer(ti, "mileage", b, lo=0, hi=1_000_000),
            "condition": v.enum(ti, "condition", TRADE_CONDITIONS, b),
        }
        if any(ti.get(k) is not None for k in ti):
            disclosed = True
    out["trade_in"] = {k: val for k, val in trade.items() if val is not None}
    out["trade_in_disclosed"] = bool(disclosed)
    c = v.obj(args, "consent", allowed={"allowed_channels", "expires_at", "consent_text"})
    consent = {}
    if c is not None:
        consent = {"allowed_channels": v.enum_list(c, "allowed_channels", CHANNELS, "consent"),
                   "expires_at": v.datetime(c, "expires_at", "consent"),
                   "consent_text": v.string(c, "consent_text", "consent", maxlen=2000)}
    out["consent"] = consent
    v.raise_if_any()
    if consent.get("expires_at") is not None and consent["expires_at"] <= now():
        raise OpError("CONSENT_INVALID", "consent.expires_at is in the past; the customer's consent has lapsed")
    return out


def tool_initiate_deal_handoff(principal, args, trace, protocol):
    req = validate_handoff(args)
    token = req["reservation_token"]
    with _inflight_lock:
        r = load_reservation(token, principal)
        if r["status"] != "active":
            raise OpError("RESERVATION_STATE", f"reservation is {r['status']}, not active")
        if r["handoff_token"]:
            raise OpError("RESERVATION_STATE", "reservation was already handed off to the dealer desk")
        if token in _inflight:
            raise OpError("RESERVATION_STATE", "a hand-off of this reservation is already in progress")
        if time.time() >= r["expires_epoch"]:
            raise OpError("RESERVATION_EXPIRED", "reservation hold has expired")
        _inflight.add(token)
    try:
        return _do_handoff(principal, req, r, trace, protocol)
    finally:
        with _inflight_lock:
            _inflight.discard(token)


def _do_handoff(principal, req, r, trace, protocol):
    car = INV_BY_VIN[r["vin"]]
    hnd = "hnd_" + secrets.token_urlsafe(18)
    try:
        send_deal_email(hnd, req, r, car, principal, trace, protocol)
    except Exception as e:  # noqa: BLE001 - any SMTP/socket failure voids the hand-off
        log("handoff.email_failed", trace=trace, agent=principal["agent"], rsv=r["reservation_token"],
            error=type(e).__name__, smtp_code=getattr(e, "smtp_code", None))
        raise OpError("UPSTREAM_UNAVAILABLE", "the dealer desk email could not be sent; nothing was recorded",
                      reason="email_send_failed")
    sent_at = iso_dmc(now())
    masked = ", ".join(mask_email(a) for a in DESK_ADDRESSES)
    ti, consent = req["trade_in"], req["consent"]
    money = ti.get("appraised_value_partner") or {}
    row = dict(handoff_token=hnd, reservation_token=r["reservation_token"], agent_id=principal["agent"],
               vin=r["vin"], protocol=protocol, trace_id=trace,
               customer_name_sha256=sha256(req["name"]), customer_phone_sha256=sha256(req["phone"]),
               customer_email_sha256=sha256(req["email"]), customer_consent=1,
               financing_preference=req["financing_preference"], notes_sha256=sha256(req["notes"]),
               trade_in_disclosed=int(req["trade_in_disclosed"]),
               trade_in_description_sha256=sha256(ti.get("description")), trade_in_vin=ti.get("vin"),
               trade_in_year=ti.get("year"), trade_in_make=ti.get("make"), trade_in_model=ti.get("model"),
               trade_in_mileage=ti.get("mileage"), trade_in_condition=ti.get("condition"),
               trade_in_appraised_amount=money.get("amount"), trade_in_appraised_currency=money.get("currency"),
               consent_allowed_channels=json.dumps(consent["allowed_channels"])
               if consent.get("allowed_channels") else None,
               consent_expires_at=iso_dmc(consent["expires_at"]) if consent.get("expires_at") else None,
               consent_text_sha256=sha256(consent.get("consent_text")),
               sent_to=json.dumps(DESK_ADDRESSES), sent_to_masked=masked, sent_at=sent_at, status="sent",
               crm_status=None, crm_lead_id=None, created_at=sent_at)
    DB.tx([Store.insert_sql("deal_handoffs", row),
           ("UPDATE reservations SET handoff_token=? WHERE reservation_token=?", (hnd, r["reservation_token"])),
           Store.audit_sql(trace, principal["agent"], protocol, "initiate_deal_handoff", "sent", hnd,
                           {"reservation_token": r["reservation_token"], "vin": r["vin"],
                            "customer_name_sha256": row["customer_name_sha256"],
                            "customer_phone_sha256": row["customer_phone_sha256"],
                            "customer_email_sha256": row["customer_email_sha256"],
                            "notes_sha256": row["notes_sha256"],
                            "trade_in_description_sha256": row["trade_in_description_sha256"],
                            "consent_text_sha256": row["consent_text_sha256"]})])
    crm_status, crm_lead_id = "disabled", None
    if CFG.crm_url:
        xml = adf_for_handoff(hnd, sent_at, req, r, car, principal, protocol)
        crm_status, crm_lead_id = crm_post(xml, trace)
        DB.q("UPDATE deal_handoffs SET crm_status=?, crm_lead_id=? WHERE handoff_token=?",
             (crm_status, crm_lead_id, hnd))
    else:
        DB.q("UPDATE deal_handoffs SET crm_status='disabled' WHERE handoff_token=?", (hnd,))
    log("handoff.sent", trace=trace, agent=principal["agent"], rsv=r["reservation_token"], hnd=hnd,
        vin=r["vin"], crm=crm_status, protocol=protocol)
    vehicle = f"{car['year']} {car['make']} {car['model']} {car['trim']}"
    return {"handoff_token": hnd, "sent_to_masked": masked, "sent_at": sent_at, "status": "sent",
            "crm_status": crm_status, "crm_lead_id": crm_lead_id,
            "next_steps": (f"A sales manager at {DEALER_NAME} will contact {mask_email(req['email'])} within "
                           f"1 business day about the {vehicle} (VIN {car['vin']}). The reservation remains a "
                           f"soft hold until {r['expires_at']}; pricing, trade-in and paperwork are finalised "
                           f"with the dealer.")}


def send_deal_email(hnd, req, r, car, principal, trace, protocol):
    ti, consent = req["trade_in"], req["consent"]
    L = [f"DEAL-INTENT PACKAGE - {DEALER_NAME}", "",
         f"Hand-off token:   {hnd}",
         f"Reservation:      {r['reservation_token']}",
         f"Soft hold until:  {r['expires_at']}",
         f"Submitted by:     agent {principal['agent']} via {protocol}",
         f"Trace id:         {trace}", "",
         "VEHICLE",
         f"  {car['year']} {car['make']} {car['model']} {car['trim']} ({car['condition']})",
         f"  VIN:   {car['vin']}", f"  Stock: {car['stock']}",
         f"  Advertised price: {car['price']} USD", "",
         "CUSTOMER (customer_consent: true - explicit consent to share contact details)",
         f"  Name:  {req['name']}", f"  Phone: {req['phone']}", f"  Email: {req['email']}", "",
         f"FINANCING PREFERENCE: {req['financing_preference']}", "",
         f"TRADE-IN: {'disclosed' if req['trade_in_disclosed'] else 'not disclosed'}"]
    if ti:
        ymm = " ".join(str(ti[k]) for k in ("year", "make", "model") if ti.get(k) is not None)
        if ymm:
            L.append(f"  Vehicle:     {ymm}")
        for label, key in (("VIN", "vin"), ("Mileage", "mileage"), ("Condition", "condition"),
                           ("Description", "description")):
            if ti.get(key) is not None:
                L.append(f"  {label + ':':<12} {ti[key]}")
        if ti.get("appraised_value_partner"):
            m = ti["appraised_value_partner"]
            L.append(f"  Partner appraisal: {m['amount']} {m['currency']}")
    L += ["", "CONSENT"]
    if consent.get("allowed_channels"):
        L.append(f"  Allowed channels (advisory): {', '.join(consent['allowed_channels'])}")
    if consent.get("expires_at"):
        L.append(f"  Consent expires: {iso_dmc(consent['expires_at'])}")
    if consent.get("consent_text"):
        L.append(f"  Consent text: {consent['consent_text']}")
    if not consent:
        L.append("  Bare boolean consent (no channel scope or expiry supplied)")
    if req.get("notes"):
        L += ["", "NOTES", f"  {req['notes']}"]
    L += ["", "This is not a sale. The reservation remains a soft hold; negotiate",
          "itemization (tax, doc fees, trade) with the customer and run the deal",
          "through the DMS.", ""]
    msg = EmailMessage()
    msg["From"] = f"{DEALER_NAME} AI Desk <{MAIL_FROM}>"
    msg["To"] = ", ".join(DESK_ADDRESSES)
    msg["Subject"] = (f"Deal intent: {car['year']} {car['make']} {car['model']} {car['trim']} "
                      f"(VIN {car['vin']}) [{hnd}]")
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(idstring=hnd.replace("_", "-"), domain="hillvalleysubaru.example")
    msg["X-Handoff-Token"] = hnd
    msg["X-Trace-Id"] = trace
    msg.set_content("\n".join(L))
    s = smtplib.SMTP(CFG.smtp_host, CFG.smtp_port, local_hostname="dealer-agent.localhost", timeout=SMTP_TIMEOUT)
    try:
        refused = s.send_message(msg, from_addr=MAIL_FROM, to_addrs=DESK_ADDRESSES)
        if refused:  # any refused desk recipient means the package did not reach the whole desk
            raise smtplib.SMTPRecipientsRefused(refused)
    except BaseException:
        s.close()
        raise
    try:
        s.quit()
    except Exception:  # noqa: BLE001 - message already accepted (250 after DATA)
        s.close()


# --------------------------------------------------------------------------- CRM (DriveCentric ADF)
_XML_BAD = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(s):
    return _xml_escape(_XML_BAD.sub("", str(s)))


def T(tag, text, **attrs):
    if text is None or text == "":
        return ""
    return f"<{tag}{_attrs(attrs)}>{_x(text)}</{tag}>"


def N(tag, *children, **attrs):
    return f"<{tag}{_attrs(attrs)}>" + "".join(c for c in children if c) + f"</{tag}>"


def _attrs(attrs):
    return "".join(f" {k.rstrip('_')}={_xml_quoteattr(_XML_BAD.sub('', str(v)))}"
                   for k, v in attrs.items() if v is not None)


def adf_doc(prospect):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<?ADF VERSION="1.0"?>\n<adf>' + prospect + "</adf>\n"
            ).encode("utf-8")


def adf_vendor():
    return N("vendor", T("id", CFG.store_id, source="DriveCentric store"), T("vendorname", DEALER_NAME),
             T("url", DEALER_URL),
             N("contact", T("name", "Sales Desk", part="full", type="business"), T("email", DESK_ADDRESSES[0]),
               T("phone", DEALER_PHONE, type="voice")))


def adf_provider(service):
    return N("provider", T("name", f"{DEALER_NAME} AI Agent Gateway", part="full", type="business"),
             T("service", service), T("url", DEALER_URL))


def adf_sale_vehicle(car, interest, comments=None):
    return N("vehicle", T("year", car["year"]), T("make", car["make"]), T("model", car["model"]),
             T("vin", car.get("vin")), T("stock", car.get("stock")), T("trim", car.get("trim")),
             T("bodystyle", car.get("body")), T("transmission", car.get("transmission")),
             T("odometer", car.get("mileage"), units="mi") if car.get("mileage") is not None else "",
             T("price", car.get("price"), type="asking", currency="USD") if car.get("price") is not None else "",
             T("comments", comments), interest=interest,
             status="new" if car.get("condition") in (None, "new") else "used")


def adf_trade_vehicle(ti, comments=None):
    money = ti.get("appraised_value_partner")
    return N("vehicle", T("year", ti["year"]), T("make", ti["make"]), T("model", ti["model"]),
             T("vin", ti.get("vin")), T("trim", ti.get("trim")), T("bodystyle", ti.get("body")),
             T("transmission", ti.get("transmission")),
             T("odometer", ti.get("mileage"), units="mi") if ti.get("mileage") is not None else "",
             T("condition", ti.get("condition")),
             T("price", money["amount"], type="appraisal", currency=money["currency"]) if money else "",
             T("comments", comments), interest="trade-in", status="used")


def adf_for_handoff(hnd, sent_at, req, r, car, principal, protocol):
    ti, consent = req["trade_in"], req["consent"]
    vehicles = [adf_sale_vehicle(car, "lease" if req["financing_preference"] == "lease" else "buy",
                                 f"Reserved under {r['reservation_token']} (soft hold until {r['expires_at']}). "
                                 f"Financing preference: {req['financing_preference']}.")]
    comments = [f"Deal-intent hand-off {hnd}. Customer gave explicit consent to share contact details.",
                f"Financing preference: {req['financing_preference']}.",
                f"Trade-in disclosed: {'yes' if req['trade_in_disclosed'] else 'no'}."]
    if ti and all(ti.get(k) is not None for k in ("year", "make", "model")):
        vehicles.append(adf_trade_vehicle(ti, ti.get("description")))
    elif ti:
        parts = [f"{k}={ti[k]['amount']} {ti[k]['currency']}" if k == "appraised_value_partner" else f"{k}={ti[k]}"
                 for k in ti]
        comments.append("Trade-in details: " + "; ".join(parts) + ".")
    if consent.get("allowed_channels"):
        comments.append("Allowed contact channels: " + ", ".join(consent["allowed_channels"]) + ".")
    if consent.get("expires_at"):
        comments.append(f"Consent expires {iso_dmc(consent['expires_at'])}.")
    if consent.get("consent_text"):
        comments.append("Consent text: " + consent["consent_text"])
    if req.get("notes"):
        comments.append("Notes: " + req["notes"])
    contact = N("contact", T("name", req["name"], part="full"), T("email", req["email"]),
                T("phone", req["phone"], type="voice"), primarycontact="1")
    prospect = N("prospect", T("id", hnd, sequence="1", source=f"{DEALER_NAME} AI Agent Gateway"),
                 T("requestdate", sent_at), *vehicles,
                 N("customer", contact, T("comments", " ".join(comments))), adf_vendor(),
                 adf_provider(f"DMC-12 initiate_deal_handoff via {protocol} (agent {principal['agent']})"),
                 status="new")
    return adf_doc(prospect)


def crm_post(xml: bytes, trace: str):
    """Best-effort POST of one ADF document.  Returns (crm_status, crm_lead_id)."""
    u = urllib.parse.urlsplit(CFG.crm_url)
    path = (u.path.rstrip("/") + "/api/stores/" + urllib.parse.quote(CFG.store_id, safe="") + "/leads/adf")
    result = {}

    def work():
        conn = None
        try:
            cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
            conn = cls(u.hostname, u.port, timeout=CRM_TIMEOUT)
            conn.request("POST", path, body=xml, headers={
                "Content-Type": "application/xml", "Authorization": f"Bearer {CFG.crm_token}",
                "Accept": "application/json", "User-Agent": f"hill-valley-dealer/{SERVER_VERSION}"})
            resp = conn.getresponse()
            result["status"] = resp.status
            result["body"] = resp.read(65536)
        except Exception as e:  # noqa: BLE001
            result["error"] = type(e).__name__
        finally:
            if conn is not None:
                conn.close()

    if u.scheme not in ("http", "https") or not u.hostname:
        log("crm.failed", trace=trace, error="bad_crm_url")
        return "failed", None
    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(CRM_TIMEOUT)
    if t.is_alive() or "status" not in result:
        log("crm.failed", trace=trace, error=result.get("error", "timeout"))
        return "failed", None
    if not 200 <= result["status"] < 300:
        log("crm.failed", trace=trace, http_status=result["status"])
        return "failed", None
    lead_id = None
    try:
        body = json.loads(result["body"].decode("utf-8"))
        cand = body.get("leadId") if isinstance(body, dict) else None
        lead_id = cand if isinstance(cand, str) and cand else None
    except Exception:  # noqa: BLE001
        pass
    log("crm.sent", trace=trace, http_status=result["status"], crm_lead_id=lead_id)
    return "sent", lead_id


# --------------------------------------------------------------------------- AAP skills
def new_lead_id():
    return "lead_" + now().strftime("%Y%m%d") + "_" + secrets.token_hex(5)


def dealer_obj():
    return {"name": DEALER_NAME, "phone": DEALER_PHONE}


def consent_gate(consent, skill):
    if consent is None:
        return "consent (a ConsentGrant) is required"
    if not isinstance(consent, dict):
        return "consent must be a ConsentGrant object"
    scope = consent.get("scope")
    if not isinstance(scope, list) or not all(isinstance(s, str) for s in scope):
        return "consent.scope is required"
    if skill == "lead.submit" and scope != ["lead_submission"]:
        return "consent.scope must be exactly ['lead_submission']"
    if skill == "lead.general" and "general_inquiry" not in scope:
        return "consent.scope must include 'general_inquiry'"
    ch = consent.get("allowed_channels")
    if not isinstance(ch, list) or not ch:
        return "consent.allowed_channels must list at least one authorised channel"
    return None


def validate_customer(v, req):
    c = v.obj(req, "customer", required=True)
    if c is None:
        return None
    b = "customer"
    out = {"first_name": v.string(c, "first_name", b, True, 1, 100, nonblank=True),
           "last_name": v.string(c, "last_name", b, True, 1, 100, nonblank=True),
           "email": v.string(c, "email", b, False, 5, 320, EMAIL_RE, "an email address"),
           "phone": v.string(c, "phone", b, False, 8, 20, PHONE_RE, "E.164 (+ then 7-15 digits)"),
           "preferred_contact": v.enum(c, "preferred_contact", CHANNELS, b)}
    if c.get("email") is None and c.get("phone") is None:
        v.add(b, "must include at least one of email or phone")
    a = v.obj(c, "address", b)
    if a is not None:
        ab = "customer.address"
        out["address"] = {k: v.string(a, k, ab, maxlen=m) for k, m in (
            ("address_line_1", 200), ("address_line_2", 200), ("city", 100), ("state", 50), ("zip", 20),
            ("country", 56))}
    return out


def validate_consent(v, req):
    c = req.get("consent")
    b = "consent"
    return {"granted_at": v.datetime(c, "granted_at", b, required=True),
            "allowed_channels": v.enum_list(c, "allowed_channels", CHANNELS, b, required=True),
            "consent_text": v.string(c, "consent_text", b, maxlen=4000),
            "source_agent": v.string(c, "source_agent", b, maxlen=200),
            "scope": c.get("scope")}


def followup_check(v, cust, consent):
    """Returns an error message when the dealer's intended follow-up channel is not consented."""
    pc = cust.get("preferred_contact")
    if pc == "email" and not cust.get("email"):
        v.add("customer.preferred_contact", "is email but no customer.email was given")
    if pc in ("phone", "sms") and not cust.get("phone"):
        v.add("customer.preferred_contact", f"is {pc} but no customer.phone was given")
    v.raise_if_any()
    channel = pc or ("email" if cust.get("email") else "phone")
    if channel not in consent["allowed_channels"]:
        return (f"the dealer would follow up by {channel} (the customer's "
                f"{'preferred' if pc else 'available'} channel), which is not in consent.allowed_channels")
    return None


def validate_vehicle(v, req, key, sale):
    veh = v.obj(req, key)
    if veh is None:
        return None
    b = key
    vin = veh.get("vin")
    out = {"vin": v.string({"vin": vin.strip().upper() if isinstance(vin, str) else vin}, "vin", b,
                           pattern=VIN_RE, desc="a 17-character VIN"),
           "year": v.integer(veh, "year", b, lo=1900, hi=2100), "make": v.string(veh, "make", b, maxlen=40),
           "model": v.string(veh, "model", b, maxlen=80), "trim": v.string(veh, "trim", b, maxlen=80),
           "stock": v.string(veh, "stock", b, maxlen=40), "body": v.string(veh, "body", b, maxlen=40),
           "transmission": v.string(veh, "transmission", b, maxlen=40),
           "mileage": v.integer(veh, "mileage", b, lo=0, hi=1_000_000),
           "price": v.number(veh, "price", b, lo=0), "zip": v.string(veh, "zip", b, maxlen=10)}
    cond = veh.get("condition")
    if cond is not None:
        if not isinstance(cond, str):
            v.add(f"{b}.condition", "must be a string")
        elif cond not in (SALE_CONDITIONS if sale else TRADE_CONDITIONS):
            where = "the trade-in vocabulary" if cond in TRADE_CONDITIONS else (
                "the sale-condition vocabulary" if cond in SALE_CONDITIONS else "neither vocabulary")
            v.add(f"{b}.condition", f"must be one of {'|'.join(SALE_CONDITIONS if sale else TRADE_CONDITIONS)} "
                                    f"(got a word from {where})", "INVALID_CONDITION")
        else:
            out["condition"] = cond
    ymm = all(veh.get(k) is not None for k in ("year", "make", "model"))
    if sale and not (veh.get("vin") is not None or veh.get("stock") is not None or ymm):
        v.add(b, "must be identifiable via vin, stock, or year+make+model")
    if not sale and not ymm:
        v.add(b, "must carry year, make and model")
    return {k: val for k, val in out.items() if val is not None}


def validate_appointment(v, req):
    a = v.obj(req, "appointment")
    if a is None:
        return None
    b = "appointment"
    return {"appointment_type": v.enum(a, "appointment_type", ("sales", "service", "test_drive", "trade_in"), b,
                                       required=True),
            "appointment_at": v.datetime(a, "appointment_at", b, required=True),
            "duration_minutes": v.integer(a, "duration_minutes", b, lo=15, hi=480),
            "notes": v.string(a, "notes", b, maxlen=1000)}


def bookable(t: dt.datetime) -> bool:
    t = t.astimezone(UTC)
    return (t.weekday() < 5 and t.second == 0 and t.microsecond == 0 and t.minute in (0, 30)
            and 14 <= t.hour <= 21)


def evaluate_slot(at: dt.datetime):
    """Deterministic appointment rule (all in UTC), see NOTES.md."""
    n = now()
    horizon = n + dt.timedelta(days=BOOKING_HORIZON_DAYS)
    if at <= n or at > horizon:
        return "unavailable", None
    if bookable(at):
        return "confirmed", at
    t = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    while t <= at:                       # first half-hour boundary strictly after the request
        t += dt.timedelta(minutes=30)
    proposals = []
    while len(proposals) < 2 and t <= horizon:
        if bookable(t) and (not proposals or t >= proposals[-1] + dt.timedelta(hours=2)):
            proposals.append(t)
        t += dt.timedelta(minutes=30)
    if len(proposals) < 2:
        return "unavailable", None
    return "proposed", proposals


def resolve_vehicle(veh):
    if veh.get("vin"):
        return INV_BY_VIN.get(veh["vin"])
    if veh.get("stock"):
        return INV_BY_STOCK.get(veh["stock"].strip().upper())
    for car in INVENTORY:
        if (car["year"] == veh.get("year") and car["make"].lower() == str(veh.get("make", "")).strip().lower()
                and car["model"].lower() == str(veh.get("model", "")).strip().lower()):
            return car
    return None


def norm(s):
    return " ".join(str(s).lower().split()) if s is not None else ""


def aap_reject(skill, lead_id, err: OpError, principal, trace, protocol):
    DB.tx([Store.insert_sql("leads", dict(
        lead_id=lead_id, skill=skill, agent_id=principal["agent"], protocol=protocol, trace_id=trace,
        created_at=iso_dmc(now()), created_epoch=time.time(), status="rejected", error_code=err.code))])
    log("lead.rejected", trace=trace, agent=principal["agent"], skill=skill, lead=lead_id, code=err.code)
    return {"type": f"{skill}.response", "data": {"lead_id": lead_id, "status": "rejected", "dealer": dealer_obj()},
            "error": err.body(), "message": "The lead was not accepted: " + err.message}


def find_duplicate(key):
    rows = DB.q("SELECT lead_id, appointment_json FROM leads WHERE dedupe_key=? AND status='received' "
                "AND error_code IS NULL AND created_epoch>=? ORDER BY created_epoch LIMIT 1",
                (key, time.time() - DUPLICATE_WINDOW_SECONDS))
    return rows[0] if rows else None


def customer_hashes(cust):
    addr = cust.get("address")
    return dict(customer_first_name_sha256=sha256(cust.get("first_name")),
                customer_last_name_sha256=sha256(cust.get("last_name")),
                customer_email_sha256=sha256(cust.get("email")), customer_phone_sha256=sha256(cust.get("phone")),
                customer_address_sha256=sha256(json.dumps({k: val for k, val in addr.items() if val is not None},
                                                          sort_keys=True, ensure_ascii=False)) if addr else None,
                preferred_contact=cust.get("preferred_contact"))


def skill_lead_submit(principal, req, trace, protocol):
    skill, lead_id = "lead.submit", new_lead_id()
    try:
        if not isinstance(req, dict):
            raise OpError("VALIDATION_ERROR", "the request must be a JSON object")
        if req.get("type") != "lead.submit.request":
            raise OpError("VALIDATION_ERROR", "type must be 'lead.submit.request'")
        gate = consent_gate(req.get("consent"), skill)
        if gate:
            raise OpError("CONTACT_CONSENT_REQUIRED", gate)
        v = V()
        cust = validate_customer(v, req)
        consent = validate_consent(v, req)
        voi = validate_vehicle(v, req, "vehicle_of_interest", sale=True)
        trade = validate_vehicle(v, req, "trade_in", sale=False)
        appt = validate_appointment(v, req)
        message = v.string(req, "message", maxlen=4000)
        source_agent = v.string(req, "source_agent", required=True, minlen=1, maxlen=200)
        v.datetime(req, "submitted_at")
        if appt and appt.get("appointment_type") == "test_drive" and req.get("vehicle_of_interest") is None:
            v.add("appointment.appointment_type", "test_drive requires vehicle_of_interest")
        if appt and appt.get("appointment_type") == "trade_in" and req.get("trade_in") is None:
            v.add("appointment.appointment_type", "trade_in appraisal requires trade_in")
        v.raise_if_any()
        bad = followup_check(v, cust, consent)
        if bad:
            raise OpError("CONTACT_CONSENT_REQUIRED", bad)
    except OpError as e:
        return aap_reject(skill, lead_id, e, principal, trace, protocol)

    ident = norm(cust.get("email")) or norm(cust.get("phone"))
    vkey = "|".join(norm(voi.get(k)) for k in ("vin", "stock", "year", "make", "model")) if voi else ""
    tkey = "|".join(norm(trade.get(k)) for k in ("vin", "year", "make", "model")) if trade else ""
    akey = f"{appt['appointment_type']}|{iso_z(appt['appointment_at'])}" if appt else ""
    dedupe_key = sha256(f"{skill}\x1f{ident}\x1f{vkey}\x1f{tkey}\x1f{akey}")
    dup = find_duplicate(dedupe_key)
    if dup:
        data = {"lead_id": dup["lead_id"], "status": "duplicate"}
        if dup["appointment_json"]:
            data["appointment"] = json.loads(dup["appointment_json"])["response"]
        data["dealer"] = dealer_obj()
        log("lead.duplicate", trace=trace, agent=principal["agent"], skill=skill, lead=dup["lead_id"])
        return {"type": "lead.submit.response", "data": data,
                "message": "We already have this request from a recent submission; no new lead was created."}

    car = resolve_vehicle(voi) if voi else None
    error, notes = None, []
    appointment = None
    if voi:
        if car is None:
            notes.append("We could not find that vehicle in our current inventory; a consultant will suggest "
                         "similar vehicles.")
        elif car["availability"] != "available":
            notes.append("The vehicle you asked about is no longer available; a consultant will suggest "
                         "similar vehicles.")
    if appt:
        appt_id = "appt_" + secrets.token_hex(6)
        label = {"sales": "sales appointment", "service": "service appointment", "test_drive": "test drive",
                 "trade_in": "trade-in appraisal"}[appt["appointment_type"]]
        if appt["appointment_type"] == "test_drive" and car is None:
            error = OpError("VEHICLE_NOT_FOUND", "the vehicle_of_interest for the test drive is not in our "
                                                 "inventory; the lead was received but no test drive was booked")
        elif appt["appointment_type"] == "test_drive" and car["availability"] != "available":
            error = OpError("VEHICLE_UNAVAILABLE", "the vehicle_of_interest is no longer available for a test "
                                                   "drive; the lead was received but no test drive was booked")
        if error:
            appointment = {"appointment_id": appt_id, "status": "rejected"}
        else:
            outcome, when = evaluate_slot(appt["appointment_at"])
            if outcome == "confirmed":
                appointment = {"appointment_id": appt_id, "status": "confirmed", "confirmed_at": iso_z(when)}
                notes.insert(0, f"Your {label} is confirmed for {when.astimezone(UTC).strftime('%Y-%m-%d %H:%M')}"
                                f" UTC.")
            elif outcome == "proposed":
                appointment = {"appointment_id": appt_id, "status": "proposed",
                               "proposed_times": [iso_z(t) for t in when]}
                notes.insert(0, f"We cannot book your {label} at the requested time. The proposed times are "
                                f"open; re-submit with one of them to book. You are not booked yet.")
            else:
                appointment = {"appointment_id": appt_id, "status": "rejected"}
                error = OpError("APPOINTMENT_TIME_UNAVAILABLE",
                                "the requested appointment_at cannot be honoured and there are no alternative "
                                "times to propose; the lead was received without an appointment")

    channel = cust.get("preferred_contact") or ("email" if cust.get("email") else "phone")
    crm_status, crm_lead_id = "disabled", None
    if CFG.crm_url:
        xml = adf_for_lead(lead_id, cust, consent, voi, car, trade, appt, appointment, message, source_agent)
        if xml is not None:
            crm_status, crm_lead_id = crm_post(xml, trace)
        else:
            crm_status = "skipped"
    appt_json = None
    if appt:
        appt_json = json.dumps({"type": appt["appointment_type"], "requested_at": iso_z(appt["appointment_at"]),
                                "duration_minutes": appt.get("duration_minutes"),
                                "notes_sha256": sha256(appt.get("notes")), "response": appointment})
    row = dict(lead_id=lead_id, skill=skill, agent_id=principal["agent"], protocol=protocol, trace_id=trace,
               created_at=iso_dmc(now()), created_epoch=time.time(), status="received",
               error_code=error.code if error else None, dedupe_key=dedupe_key, source_agent=source_agent,
               consent_allowed_channels=json.dumps(consent["allowed_channels"]),
               consent_scope=json.dumps(consent["scope"]), consent_granted_at=iso_dmc(consent["granted_at"]),
               consent_text_sha256=sha256(consent.get("consent_text")), message_sha256=sha256(message),
               vehicle_json=json.dumps(voi) if voi else None, trade_in_json=json.dumps(trade) if trade else None,
               appointment_json=appt_json, crm_status=crm_status, crm_lead_id=crm_lead_id, **customer_hashes(cust))
    DB.tx([Store.insert_sql("leads", row),
           Store.audit_sql(trace, principal["agent"], protocol, skill, "received", lead_id,
                           {"error_code": row["error_code"], "crm_status": crm_status})])
    log("lead.received", trace=trace, agent=principal["agent"], skill=skill, lead=lead_id,
        appointment=appointment["status"] if appointment else None, code=row["error_code"], crm=crm_status)
    data = {"lead_id": lead_id, "status": "received"}
    if appointment:
        data["appointment"] = appointment
    data["dealer"] = dealer_obj()
    notes.append(f"A sales consultant will follow up by {channel} within 1 business day.")
    resp = {"type": "lead.submit.response", "data": data, "message": " ".join(notes)}
    if error:
        resp["error"] = error.body()
    return resp


def skill_lead_general(principal, req, trace, protocol):
    skill, lead_id = "lead.general", new_lead_id()
    try:
        if not isinstance(req, dict):
            raise OpError("VALIDATION_ERROR", "the request must be a JSON object")
        if req.get("type") != "lead.general.request":
            raise OpError("VALIDATION_ERROR", "type must be 'lead.general.request'")
        has_customer = req.get("customer") is not None
        if has_customer:
            gate = consent_gate(req.get("consent"), skill)
            if gate:
                raise OpError("CONTACT_CONSENT_REQUIRED", gate)
        v = V()
        if not has_customer and req.get("consent") is not None:
            v.add("consent", "must be omitted when customer is absent")
        cust = validate_customer(v, req) if has_customer else None
        consent = validate_consent(v, req) if has_customer else None
        intent_kind = v.enum(req, "lead_intent", ("financing_question", "trade_in_interest", "service_question",
                                                  "general_question", "callback_request", "other"))
        message = v.string(req, "message", required=True, minlen=1, maxlen=4000, nonblank=True)
        intent = v.obj(req, "intent")
        intent_out = None
        if intent is not None:
            intent_out = {"body_type": v.string(intent, "body_type", "intent", maxlen=40),
                          "fuel": v.string(intent, "fuel", "intent", maxlen=40),
                          "budget_max": v.money(intent, "budget_max", "intent"),
                          "timeline": v.enum(intent, "timeline", ("asap", "1_3_months", "3_6_months", "flexible"),
                                             "intent")}
            intent_out = {k: val for k, val in intent_out.items() if val is not None}
        source_agent = v.string(req, "source_agent", required=True, minlen=1, maxlen=200)
        v.datetime(req, "submitted_at")
        v.raise_if_any()
        if has_customer:
            bad = followup_check(v, cust, consent)
            if bad:
                raise OpError("CONTACT_CONSENT_REQUIRED", bad)
    except OpError as e:
        return aap_reject(skill, lead_id, e, principal, trace, protocol)

    ident = (norm(cust.get("email")) or norm(cust.get("phone"))) if cust else ""
    dedupe_key = sha256(f"{skill}\x1f{ident}\x1f{intent_kind or ''}\x1f{norm(message)}") if cust else None
    if dedupe_key:
        dup = find_duplicate(dedupe_key)
        if dup:
            log("lead.duplicate", trace=trace, agent=principal["agent"], skill=skill, lead=dup["lead_id"])
            return {"type": "lead.general.response",
                    "data": {"lead_id": dup["lead_id"], "status": "duplicate", "dealer": dealer_obj()},
                    "message": "We already have this question from a recent submission; no new lead was created."}
    row = dict(lead_id=lead_id, skill=skill, agent_id=principal["agent"], protocol=protocol, trace_id=trace,
               created_at=iso_dmc(now()), created_epoch=time.time(), status="received", dedupe_key=dedupe_key,
               source_agent=source_agent, message_sha256=sha256(message), lead_intent=intent_kind,
               intent_json=json.dumps(intent_out) if intent_out else None, crm_status="not_forwarded")
    if cust:
        row.update(customer_hashes(cust))
        row.update(consent_allowed_channels=json.dumps(consent["allowed_channels"]),
                   consent_scope=json.dumps(consent["scope"]), consent_granted_at=iso_dmc(consent["granted_at"]),
                   consent_text_sha256=sha256(consent.get("consent_text")))
    DB.tx([Store.insert_sql("leads", row),
           Store.audit_sql(trace, principal["agent"], protocol, skill, "received", lead_id,
                           {"anonymous": not cust})])
    log("lead.received", trace=trace, agent=principal["agent"], skill=skill, lead=lead_id, anonymous=not cust)
    team = {"financing_question": "A finance manager", "service_question": "Our service advisor",
            "trade_in_interest": "Our used-car manager"}.get(intent_kind, "A member of our sales team")
    if cust:
        channel = cust.get("preferred_contact") or ("email" if cust.get("email") else "phone")
        text = f"{team} will reply by {channel} within one business day."
    elif intent_kind == "callback_request":
        text = ("Thanks - we received your callback request, but no contact details were shared, so we cannot "
                f"call you back. Re-submit with customer details and consent, or call us on {DEALER_PHONE}.")
    else:
        text = ("Thanks - your question has been passed to our team. No contact details were shared, so we "
                f"won't reach out; for a direct answer call {DEALER_PHONE} (Mon-Fri) or visit {DEALER_URL}.")
    return {"type": "lead.general.response",
            "data": {"lead_id": lead_id, "status": "received", "dealer": dealer_obj()}, "message": text}


def skill_inventory_search(principal, req, trace, protocol):
    try:
        if not isinstance(req, dict):
            raise OpError("VALIDATION_ERROR", "the request must be a JSON object")
        if req.get("type") is not None and req.get("type") != "inventory.search.request":
            raise OpError("VALIDATION_ERROR", "type must be 'inventory.search.request'")
        cars = search({k: val for k, val in req.items() if k in SEARCH_FIELDS}, V())
    except OpError as e:
        return {"type": "inventory.search.response", "error": e.body()}
    return {"type": "inventory.search.response",
            "data": {"vehicles": [aap_vehicle(c) for c in cars], "total": len(cars),
                     "dealer": dealer_obj()}}


def adf_for_lead(lead_id, cust, consent, voi, car, trade, appt, appointment, message, source_agent):
    vehicles = []
    interest = "test-drive" if appt and appt["appointment_type"] == "test_drive" else "buy"
    if voi:
        merged = dict(car or {})
        merged.update({k: val for k, val in voi.items() if val is not None})
        if car is None and "condition" in voi:
            merged["condition"] = voi["condition"]
        if all(merged.get(k) is not None for k in ("year", "make", "model")):
            vehicles.append(adf_sale_vehicle(merged, interest))
    if trade:
        vehicles.append(adf_trade_vehicle(trade))
    if not vehicles:
        return None
    pc = cust.get("preferred_contact")
    addr = cust.get("address") or {}
    address = ""
    if addr.get("address_line_1"):
        address = N("address", T("street", addr["address_line_1"], line="1"),
                    T("street", addr.get("address_line_2"), line="2"), T("city", addr.get("city")),
                    T("regioncode", addr.get("state")), T("postalcode", addr.get("zip")),
                    T("country", addr.get("country")))
    contact = N("contact", T("name", cust["first_name"], part="first"), T("name", cust["last_name"], part="last"),
                T("email", cust.get("email"), preferredcontact="1" if pc == "email" else None),
                T("phone", cust.get("phone"), type="cellphone" if pc == "sms" else "voice",
                  preferredcontact="1" if pc in ("phone", "sms") else None), address, primarycontact="1")
    timeframe = ""
    comments = []
    if appt:
        st = appointment["status"] if appointment else "requested"
        desc = f"{appt['appointment_type']} appointment requested for {iso_z(appt['appointment_at'])} ({st})"
        if appointment and appointment.get("proposed_times"):
            desc += "; proposed: " + ", ".join(appointment["proposed_times"])
        earliest = appt["appointment_at"]
        latest = earliest + dt.timedelta(minutes=appt.get("duration_minutes") or 60)
        timeframe = N("timeframe", T("description", desc), T("earliestdate", iso_z(earliest)),
                      T("latestdate", iso_z(latest)))
        if appt.get("notes"):
            comments.append("Appointment notes: " + appt["notes"])
    if message:
        comments.append(message)
    comments.append("Consented channels: " + ", ".join(consent["allowed_channels"]) + ".")
    if consent.get("consent_text"):
        comments.append("Consent: " + consent["consent_text"])
    prospect = N("prospect", T("id", lead_id, sequence="1", source=f"{DEALER_NAME} AI Agent Gateway"),
                 T("requestdate", iso_dmc(now())), *vehicles,
                 N("customer", contact, timeframe, T("comments", " ".join(comments))), adf_vendor(),
                 adf_provider(f"AAP lead.submit from {source_agent}"), status="new")
    return adf_doc(prospect)


# --------------------------------------------------------------------------- operation registry
DMC_TOOLS = {"search_inventory": tool_search_inventory, "create_reservation": tool_create_reservation,
             "release_reservation": tool_release_reservation, "initiate_deal_handoff": tool_initiate_deal_handoff}
AAP_SKILLS = {"lead.submit": skill_lead_submit, "lead.general": skill_lead_general,
              "inventory.search": skill_inventory_search}
SCOPES = {"search_inventory": "inventory:read", "create_reservation": "reservation:write",
          "release_reservation": "reservation:write", "initiate_deal_handoff": "deal:handoff",
          "lead.submit": "lead:submit", "lead.general": "lead:submit", "inventory.search": "inventory:read"}


def run_dmc(tool, principal, args, protocol):
    trace = new_trace()
    meta = {"trace_id": trace, "tool": tool, "protocol": protocol}
    try:
        if not isinstance(args, dict):
            raise OpError("VALIDATION_ERROR", "arguments must be a JSON object")
        data = DMC_TOOLS[tool](principal, args, trace, protocol)
        log("tool.ok", trace=trace, agent=principal["agent"], tool=tool, protocol=protocol)
        return {"data": data, "_metadata": meta}, False
    except OpError as e:
        log("tool.error", trace=trace, agent=principal["agent"], tool=tool, protocol=protocol, code=e.code,
            reason=e.reason)
        return {"error": e.body(), "_metadata": meta}, True
    except Exception as e:  # noqa: BLE001
        tb = e.__traceback__
        while tb and tb.tb_next:
            tb = tb.tb_next
        log("tool.internal_error", trace=trace, tool=tool, error=type(e).__name__,
            line=tb.tb_lineno if tb else None)
        return {"error": {"code": "INTERNAL_ERROR", "message": "internal error"}, "_metadata": meta}, True


def run_aap(skill, principal, req, protocol):
    trace = new_trace()
    try:
        return AAP_SKILLS[skill](principal, req, trace, protocol)
    except OpError as e:
        return {"type": f"{skill}.response", "error": e.body()}
    except Exception as e:  # noqa: BLE001
        tb = e.__traceback__
        while tb and tb.tb_next:
            tb = tb.tb_next
        log("skill.internal_error", trace=trace, skill=skill, error=type(e).__name__,
            line=tb.tb_lineno if tb else None)
        return {"type": f"{skill}.response", "error": {"code": "INTERNAL_ERROR", "message": "internal error"}}


# --------------------------------------------------------------------------- auth
class AuthFailure(Exception):
    def __init__(self, status, error, description, scope=None):
        super().__init__(description)
        self.status, self.error, self.description, self.scope = status, error, description, scope


def load_principals():
    spec = [("DEALER_TOKEN_A", "agent_a", True), ("DEALER_TOKEN_B", "agent_b", True),
            ("DEALER_TOKEN_NO_HANDOFF", "agent_no_handoff", False)]
    base = {"inventory:read", "reservation:write", "lead:submit"}
    for env, agent, handoff in spec:
        tok = os.environ.get(env, "")
        if tok and tok not in PRINCIPALS:
            PRINCIPALS[tok] = {"agent": agent, "scopes": base | ({"deal:handoff"} if handoff else set())}
        elif not tok:
            log("config.token_missing", env=env)


def authenticate(headers):
    h = headers.get("Authorization")
    if not h:
        raise AuthFailure(401, None, "missing bearer token")
    scheme, _, tok = h.strip().partition(" ")
    tok = tok.strip()
    if scheme.lower() != "bearer" or not tok:
        raise AuthFailure(401, "invalid_request", "Authorization must use the Bearer scheme")
    found = None
    for known, p in PRINCIPALS.items():
        if hmac.compare_digest(known.encode(), tok.encode()):
            found = p
    if found is None:
        raise AuthFailure(401, "invalid_token", "the bearer token is not valid")
    return found


def require_scope(principal, op):
    need = SCOPES[op]
    if need not in principal["scopes"]:
        raise AuthFailure(403, "insufficient_scope", f"'{op}' requires scope {need}", need)


# --------------------------------------------------------------------------- A2A
A2A_REASONS = {-32700: (400, "INVALID_ARGUMENT", "PARSE_ERROR"), -32600: (400, "INVALID_ARGUMENT", "INVALID_REQUEST"),
               -32601: (404, "NOT_FOUND", "METHOD_NOT_FOUND"), -32602: (400, "INVALID_ARGUMENT", "INVALID_PARAMS"),
               -32603: (500, "INTERNAL", "INTERNAL_ERROR"), -32001: (404, "NOT_FOUND", "TASK_NOT_FOUND"),
               -32002: (409, "FAILED_PRECONDITION", "TASK_NOT_CANCELABLE"),
               -32003: (400, "UNIMPLEMENTED", "PUSH_NOTIFICATION_NOT_SUPPORTED"),
               -32004: (400, "UNIMPLEMENTED", "UNSUPPORTED_OPERATION"),
               -32005: (415, "INVALID_ARGUMENT", "CONTENT_TYPE_NOT_SUPPORTED"),
               -32007: (400, "FAILED_PRECONDITION", "EXTENDED_AGENT_CARD_NOT_CONFIGURED"),
               -32009: (400, "UNIMPLEMENTED", "VERSION_NOT_SUPPORTED")}


class A2AError(Exception):
    def __init__(self, code, message, **metadata):
        super().__init__(message)
        self.code, self.message, self.metadata = code, message, metadata

    def info(self):
        return [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": A2A_REASONS[self.code][2],
                 "domain": "a2a-protocol.org", "metadata": {k: str(v) for k, v in self.metadata.items()}}]

    def jsonrpc(self):
        return {"code": self.code, "message": self.message, "data": self.info()}

    def rest(self):
        http_status, status, _ = A2A_REASONS[self.code]
        return http_status, {"error": {"code": http_status, "status": status, "message": self.message,
                                       "details": self.info()}}


def check_a2a_version(handler):
    ver = handler.headers.get("A2A-Version")
    if ver is None:
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
        ver = (q.get("A2A-Version") or [None])[0]
    if ver is None or not re.fullmatch(r"1\.0(\.\d+)?", ver.strip()):
        raise A2AError(-32009, f"A2A protocol version {ver or '0.3 (no A2A-Version header)'} is not supported; "
                               f"this agent speaks 1.0", requestedVersion=ver or "", supportedVersions="1.0")


def a2a_send_message(principal, params):
    if not isinstance(params, dict):
        raise A2AError(-32602, "params must be a SendMessageRequest object")
    msg = params.get("message")
    if not isinstance(msg, dict):
        raise A2AError(-32602, "params.message is required and must be a Message object")
    if not isinstance(msg.get("messageId"), str) or not msg["messageId"]:
        raise A2AError(-32602, "message.messageId is required")
    if msg.get("role") != "ROLE_USER":
        raise A2AError(-32602, "message.role must be ROLE_USER")
    parts = msg.get("parts")
    if not isinstance(parts, list) or not parts:
        raise A2AError(-32602, "message.parts must be a non-empty array")
    for i, p in enumerate(parts):
        if not isinstance(p, dict) or not any(k in p for k in ("text", "raw", "url", "data")):
            raise A2AError(-32602, f"message.parts[{i}] must carry text, raw, url or data")
    md = msg.get("metadata")
    if md is not None and not isinstance(md, dict):
        raise A2AError(-32602, "message.metadata must be an object")
    if msg.get("taskId") not in (None, ""):
        raise A2AError(-32001, "task not found (this agent answers with messages and keeps no tasks)",
                       taskId=msg["taskId"])
    ctx = msg.get("contextId")
    if ctx is not None and not isinstance(ctx, str):
        raise A2AError(-32602, "message.contextId must be a string")
    cfg = params.get("configuration")
    if isinstance(cfg, dict) and isinstance(cfg.get("acceptedOutputModes"), list) and cfg["acceptedOutputModes"]:
        if not any(isinstance(m, str) and m.split(";")[0].strip().lower() in
                   ("application/json", "application/*", "*/*", "application/a2a+json")
                   for m in cfg["acceptedOutputModes"]):
            raise A2AError(-32005, "this agent only produces application/json output")
    data_part = next((p for p in parts if "data" in p), None)
    req = data_part["data"] if data_part is not None else None
    skill = (md or {}).get("skill")
    if skill is None and isinstance(params.get("metadata"), dict):
        skill = params["metadata"].get("skill")
    if skill is None and isinstance(req, dict) and isinstance(req.get("type"), str) \
            and req["type"].endswith(".request") and req["type"][:-8] in AAP_SKILLS:
        skill = req["type"][:-8]
    if skill is None:
        raise A2AError(-32602, "message.metadata.skill is required to select an operation")
    if not isinstance(skill, str) or skill not in SCOPES:
        raise A2AError(-32602, "unknown skill; see the agent card for the skill ids",
                       skill=skill if isinstance(skill, str) else "")
    require_scope(principal, skill)
    if skill in DMC_TOOLS:
        if data_part is None:
            result = {"error": {"code": "VALIDATION_ERROR", "message": "the request must be a DataPart"},
                      "_metadata": {"trace_id": new_trace(), "tool": skill, "protocol": "a2a"}}
        else:
            result, _ = run_dmc(skill, principal, req, "a2a")
    else:
        result = run_aap(skill, principal, req, "a2a")
    reply = {"messageId": str(uuid.uuid4()), "contextId": ctx or str(uuid.uuid4()), "role": "ROLE_AGENT",
             "parts": [{"data": result, "mediaType": "application/json"}], "metadata": {"skill": skill}}
    return {"message": reply}


def a2a_other(method, params):
    if method in ("SendStreamingMessage", "SubscribeToTask"):
        raise A2AError(-32004, "streaming is not supported by this agent (capabilities.streaming=false)")
    if method in ("GetTask", "CancelTask"):
        if not isinstance(params, dict) or not isinstance(params.get("id"), str):
            raise A2AError(-32602, "params.id is required")
        raise A2AError(-32001, "task not found", taskId=params["id"])
    if method == "ListTasks":
        return {"tasks": [], "nextPageToken": "", "pageSize": 0, "totalSize": 0}
    if method in ("CreateTaskPushNotificationConfig", "GetTaskPushNotificationConfig",
                  "ListTaskPushNotificationConfigs", "DeleteTaskPushNotificationConfig"):
        raise A2AError(-32003, "push notifications are not supported")
    if method == "GetExtendedAgentCard":
        raise A2AError(-32007, "no extended agent card is configured")
    raise A2AError(-32601, "method not found", method=method)


def agent_card():
    base = f"http://127.0.0.1:{CFG.port}"

    def skill(sid, name, desc, tags, scope, examples):
        return {"id": sid, "name": name, "description": desc, "tags": tags, "examples": examples,
                "inputModes": ["application/json"], "outputModes": ["application/json"],
                "securityRequirements": [{"schemes": {"bearer": {"list": [scope]}}}]}
    return {
        "name": f"{DEALER_NAME} Dealer Agent",
        "description": (f"{DEALER_NAME} inventory, reservations, deal hand-off (DMC-12) and lead capture (AAP). "
                        "Select the operation with message.metadata.skill and send its request as a DataPart."),
        "version": SERVER_VERSION,
        "supportedInterfaces": [
            {"url": f"{base}/a2a/jsonrpc", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"},
            {"url": f"{base}/a2a/rest", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"}],
        "provider": {"organization": DEALER_NAME, "url": DEALER_URL},
        "capabilities": {"streaming": False, "pushNotifications": False, "extendedAgentCard": False},
        "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {
            "scheme": "Bearer", "description": "Partner agent token issued by the dealer."}}},
        "securityRequirements": [{"schemes": {"bearer": {"list": []}}}],
        "defaultInputModes": ["application/json"],
        "defaultOutputModes": ["application/json"],
        "skills": [
            skill("search_inventory", "Search inventory (DMC-12)", "List in-stock vehicles; filters are optional.",
                  ["dmc-12", "inventory"], "inventory:read", ['{"make":"Subaru","condition":"new"}']),
            skill("create_reservation", "Create reservation (DMC-12)",
                  "Place a soft hold on a vehicle: {vin, hold_seconds?} -> reservation_token, status, expires_at.",
                  ["dmc-12", "reservation"], "reservation:write", ['{"vin":"4S4BTGND9S3100101"}']),
            skill("release_reservation", "Release reservation (DMC-12)", "Release an active hold you own.",
                  ["dmc-12", "reservation"], "reservation:write", ['{"reservation_token":"rsv_..."}']),
            skill("initiate_deal_handoff", "Deal hand-off (DMC-12)",
                  "Email a deal-intent package for an active reservation to the dealer desk. Requires scope "
                  "deal:handoff and customer_consent:true. Returns a masked receipt.",
                  ["dmc-12", "deal", "pii"], "deal:handoff", []),
            skill("lead.submit", "Submit lead (AAP v0.2)",
                  "Consented lead with optional vehicle_of_interest, trade_in and appointment.",
                  ["aap", "lead", "appointment"], "lead:submit", []),
            skill("lead.general", "General inquiry (AAP draft)",
                  "Open-ended dealership inquiry; customer optional, consent required when customer is present.",
                  ["aap", "lead"], "lead:submit", []),
            skill("inventory.search", "Inventory search (AAP)",
                  "AAP-style inventory search; include_unavailable:true also lists sold/held vehicles.",
                  ["aap", "inventory"], "inventory:read", ['{"type":"inventory.search.request"}']),
        ],
    }


# --------------------------------------------------------------------------- MCP
S = {"type": "string"}
TOOL_DEFS = [
    {"name": "search_inventory", "title": "Search inventory",
     "description": "List vehicles in stock. All filters optional; include_unavailable:true adds sold/held cars.",
     "annotations": {"readOnlyHint": True, "openWorldHint": False},
     "inputSchema": {"type": "object", "additionalProperties": False, "properties": {
         "make": {**S, "maxLength": 40}, "model": {**S, "maxLength": 80},
         "year_min": {"type": "integer", "minimum": 1900, "maximum": 2100},
         "year_max": {"type": "integer", "minimum": 1900, "maximum": 2100},
         "condition": {"enum": list(SALE_CONDITIONS)}, "body": {**S, "maxLength": 40},
         "price_max": {"type": "number", "minimum": 0}, "vin": {**S, "pattern": f"^{VIN_RE}$"},
         "stock": {**S, "maxLength": 40}, "include_unavailable": {"type": "boolean"},
         "limit": {"type": "integer", "minimum": 1, "maximum": 100}}}},
    {"name": "create_reservation", "title": "Create reservation",
     "description": "Place a soft hold on an in-stock vehicle for hold_seconds (default 900).",
     "annotations": {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False},
     "inputSchema": {"type": "object", "additionalProperties": False, "required": ["vin"], "properties": {
         "vin": {**S, "pattern": f"^{VIN_RE}$"},
         "hold_seconds": {"type": "integer", "minimum": 1, "maximum": MAX_HOLD_SECONDS}}}},
    {"name": "release_reservation", "title": "Release reservation",
     "description": "Release an active reservation owned by the calling agent.",
     "annotations": {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False},
     "inputSchema": {"type": "object", "additionalProperties": False, "required": ["reservation_token"],
                     "properties": {"reservation_token": {**S, "minLength": 10, "maxLength": 80}}}},
    {"name": "initiate_deal_handoff", "title": "Deal hand-off",
     "description": ("Scope deal:handoff. Converts an active reservation you own into an emailed deal-intent "
                     "package for the dealer desk. Requires customer_consent:true. PII is hashed at rest; the "
                     "response is a masked receipt."),
     "annotations": {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False,
                     "openWorldHint": True},
     "inputSchema": {"type": "object",
                     "required": ["reservation_token", "customer_contact", "customer_consent"],
                     "properties": {
                         "reservation_token": {**S, "minLength": 10, "maxLength": 80},
                         "customer_contact": {"type": "object", "required": ["name", "phone", "email"],
                                              "properties": {
                                                  "name": {**S, "minLength": 1, "maxLength": 120},
                                                  "phone": {**S, "minLength": 8, "maxLength": 20,
                                                            "pattern": f"^{PHONE_RE}$"},
                                                  "email": {**S, "minLength": 5, "maxLength": 320}}},
                         "customer_consent": {"const": True},
                         "financing_preference": {"enum": ["cash", "finance", "lease", "unknown"],
                                                  "default": "unknown"},
                         "notes": {**S, "maxLength": 500},
                         "trade_in_disclosed": {"type": "boolean"},
                         "trade_in": {"type": "object", "additionalProperties": False, "properties": {
                             "description": {**S, "maxLength": 500},
                             "appraised_value_partner": {
                                 "type": "object", "additionalProperties": False,
                                 "required": ["amount", "currency"],
                                 "properties": {"amount": {"type": "number", "minimum": 0},
                                                "currency": {**S, "pattern": f"^{CURRENCY_RE}$"}}},
                             "vin": {**S, "pattern": f"^{VIN_RE}$"},
                             "year": {"type": "integer", "minimum": 1900, "maximum": 2100},
                             "make": {**S, "maxLength": 40}, "model": {**S, "maxLength": 80},
                             "mileage": {"type": "integer", "minimum": 0, "maximum": 1000000},
                             "condition": {"enum": list(TRADE_CONDITIONS)}}},
                         "consent": {"type": "object", "additionalProperties": False, "properties": {
                             "allowed_channels": {"type": "array", "minItems": 1, "uniqueItems": True,
                                                  "items": {"enum": list(CHANNELS)}},
                             "expires_at": {**S, "format": "date-time"},
                             "consent_text": {**S, "maxLength": 2000}}}}}},
]

_sessions: dict = {}
_sessions_lock = threading.Lock()


def rpc_err(id_, code, message):
    return {"jsonrpc": "2.0", "id": id_, "error": {"code": code, "message": message}}


def mcp_dispatch(principal, session, msg):
    """Handle one JSON-RPC request; returns the response object."""
    mid, method, params = msg.get("id"), msg["method"], msg.get("params")
    if params is not None and not isinstance(params, dict):
        return rpc_err(mid, -32602, "params must be an object")
    params = params or {}
    if method == "ping":
        return {"jsonrpc": "2.0", "id": mid, "result": {}}
    if method == "tools/list":
        return {"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOL_DEFS}}
    if method == "tools/call":
        name, args = params.get("name"), params.get("arguments")
        if not isinstance(name, str):
            return rpc_err(mid, -32602, "params.name must be a string")
        if name not in DMC_TOOLS:
            return rpc_err(mid, -32602, f"Unknown tool: {name[:64]}")
        if args is None:
            args = {}
        if not isinstance(args, dict):
            return rpc_err(mid, -32602, "params.arguments must be an object")
        require_scope(principal, name)
        env, is_err = run_dmc(name, principal, args, "mcp")
        return {"jsonrpc": "2.0", "id": mid, "result": {
            "content": [{"type": "text", "text": json.dumps(env, ensure_ascii=False)}],
            "structuredContent": env, "isError": is_err}}
    return rpc_err(mid, -32601, f"Method not found: {method[:64]}")


def mcp_initialize(principal, msg):
    mid, params = msg.get("id"), msg.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("protocolVersion"), str):
        return rpc_err(mid, -32602, "initialize requires params.protocolVersion"), None
    asked = params["protocolVersion"]
    version = asked if asked in MCP_VERSIONS else MCP_LATEST
    sid = uuid.uuid4().hex + secrets.token_hex(8)
    with _sessions_lock:
        _sessions[sid] = {"agent": principal["agent"], "version": version, "initialized": False,
                          "created": time.time()}
    log("mcp.session", agent=principal["agent"], version=version)
    result = {"protocolVersion": version,
              "capabilities": {"tools": {"listChanged": False}},
              "serverInfo": {"name": "hill-valley-dealer", "title": f"{DEALER_NAME} DMC-12 tools",
                             "version": SERVER_VERSION},
              "instructions": ("DMC-12 tools: search_inventory -> create_reservation -> initiate_deal_handoff "
                               "(scope deal:handoff, customer_consent:true). Results are {data|error,_metadata}.")}
    return {"jsonrpc": "2.0", "id": mid, "result": result}, sid


# --------------------------------------------------------------------------- HTTP layer
class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def media_types(header):
    return [p.split(";")[0].strip().lower() for p in (header or "").split(",") if p.strip()]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HillValleyDealer/" + SERVER_VERSION
    timeout = 60

    def log_message(self, fmt, *args):  # request line only (paths carry no PII)
        log("http", client=self.client_address[0], line=(fmt % args).replace(" ", "_")[:200])

    # -- plumbing
    def send(self, status, body=b"", ctype="application/json", headers=None):
        self.send_response(status)
        if body or status not in (202, 204):
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, ctype="application/json", headers=None):
        self.send(status, dumps(obj), ctype, headers)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = b""
            while True:
                line = self.rfile.readline(1024)
                try:
                    n = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise HttpError(400, "bad chunked encoding")
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                if len(out) + n > MAX_BODY:
                    raise HttpError(413, "request body too large")
                out += self.rfile.read(n)
                self.rfile.readline(8)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl)
        except ValueError:
            raise HttpError(400, "bad Content-Length")
        if n < 0:
            raise HttpError(400, "bad Content-Length")
        if n > MAX_BODY:
            raise HttpError(413, "request body too large")
        return self.rfile.read(n)

    def auth_error(self, e: AuthFailure, realm, resource_metadata=None):
        parts = [f'realm="{realm}"']
        if e.error:
            parts.append(f'error="{e.error}"')
            parts.append(f'error_description="{e.description}"')
        if e.scope:
            parts.append(f'scope="{e.scope}"')
        if resource_metadata:
            parts.append(f'resource_metadata="{resource_metadata}"')
        body = {"error": e.error or "unauthorized", "error_description": e.description}
        if e.scope:
            body["scope"] = e.scope
        self.send_json(e.status, body, headers={"WWW-Authenticate": "Bearer " + ", ".join(parts)})
        log("auth.denied", status=e.status, error=e.error or "missing", path=urllib.parse.urlsplit(self.path).path)

    def route(self):
        return urllib.parse.urlsplit(self.path).path

    # -- verbs
    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def _dispatch(self, verb):
        path = self.route()
        try:
            if path == "/.well-known/agent-card.json":
                if verb != "GET":
                    return self.send_json(405, {"error": "method not allowed"}, headers={"Allow": "GET"})
                return self.send_json(200, agent_card())
            if path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
                return self.send_json(200, {"resource": f"http://127.0.0.1:{CFG.port}/mcp",
                                            "bearer_methods_supported": ["header"],
                                            "scopes_supported": sorted(set(SCOPES.values())),
                                            "resource_name": f"{DEALER_NAME} dealer agent"})
            if path == "/healthz":
                return self.send_json(200, {"status": "ok"})
            if path == "/mcp":
                return self.handle_mcp(verb)
            if path == "/a2a/jsonrpc":
                if verb != "POST":
                    return self.send_json(405, {"error": "method not allowed"}, headers={"Allow": "POST"})
                return self.handle_jsonrpc()
            if path.startswith("/a2a/rest/"):
                return self.handle_rest(verb, path[len("/a2a/rest"):])
            return self.send_json(404, {"error": "not found"})
        except HttpError as e:
            self.close_connection = True
            self.send_json(e.status, {"error": e.message})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # noqa: BLE001
            log("http.internal_error", error=type(e).__name__)
            self.close_connection = True
            try:
                self.send_json(500, {"error": "internal error"})
            except Exception:  # noqa: BLE001
                pass

    # -- A2A JSON-RPC
    def handle_jsonrpc(self):
        raw = self.read_body()
        try:
            principal = authenticate(self.headers)
        except AuthFailure as e:
            return self.auth_error(e, "dealer-a2a")
        ctypes = media_types(self.headers.get("Content-Type"))
        if ctypes and not ("json" in ctypes[0]):
            return self.send_json(415, {"jsonrpc": "2.0", "id": None, "error": A2AError(
                -32600, "Content-Type must be application/json").jsonrpc()})
        try:
            msg = parse_json(raw)
        except (ValueError, RecursionError):
            return self.send_json(200, {"jsonrpc": "2.0", "id": None,
                                        "error": A2AError(-32700, "invalid JSON").jsonrpc()})
        rid = None
        try:
            if not isinstance(msg, dict):
                raise A2AError(-32600, "the request must be a single JSON-RPC object")
            rid = msg.get("id")
            if isinstance(rid, bool) or not (rid is None or isinstance(rid, (str, int, float))):
                rid = None
                raise A2AError(-32600, "id must be a string or number")
            if msg.get("jsonrpc") != "2.0":
                raise A2AError(-32600, "jsonrpc must be \"2.0\"")
            if "id" not in msg:
                raise A2AError(-32600, "id is required (A2A methods are requests)")
            if not isinstance(msg.get("method"), str):
                raise A2AError(-32600, "method must be a string")
            check_a2a_version(self)
            if msg["method"] == "SendMessage":
                result = a2a_send_message(principal, msg.get("params"))
            else:
                result = a2a_other(msg["method"], msg.get("params"))
            return self.send_json(200, {"jsonrpc": "2.0", "id": rid, "result": result},
                                  headers={"A2A-Version": "1.0"})
        except A2AError as e:
            return self.send_json(200, {"jsonrpc": "2.0", "id": rid, "error": e.jsonrpc()})
        except AuthFailure as e:
            return self.auth_error(e, "dealer-a2a")

    # -- A2A HTTP+JSON
    def handle_rest(self, verb, sub):
        raw = self.read_body() if verb in ("POST", "PUT", "PATCH") else b""
        try:
            principal = authenticate(self.headers)
        except AuthFailure as e:
            return self.auth_error(e, "dealer-a2a")
        req_ct = media_types(self.headers.get("Content-Type"))
        out_ct = "application/a2a+json" if req_ct and req_ct[0] == "application/a2a+json" else "application/json"
        try:
            check_a2a_version(self)
            if sub == "/message:send" and verb == "POST":
                if req_ct and "json" not in req_ct[0]:
                    raise A2AError(-32600, "Content-Type must be application/a2a+json or application/json")
                try:
                    body = parse_json(raw)
                except (ValueError, RecursionError):
                    raise A2AError(-32700, "invalid JSON")
                if not isinstance(body, dict):
                    raise A2AError(-32600, "the body must be a SendMessageRequest object")
                result = a2a_send_message(principal, body)
            elif sub in ("/message:stream",) and verb == "POST":
                result = a2a_other("SendStreamingMessage", {})
            elif sub == "/tasks" and verb == "GET":
                result = a2a_other("ListTasks", {})
            elif sub == "/extendedAgentCard" and verb == "GET":
                result = a2a_other("GetExtendedAgentCard", {})
            elif sub.startswith("/tasks/"):
                tid = urllib.parse.unquote(sub[len("/tasks/"):].split("/")[0].split(":")[0])
                if "/pushNotificationConfigs" in sub:
                    raise A2AError(-32003, "push notifications are not supported")
                if sub.endswith(":subscribe"):
                    raise A2AError(-32004, "streaming is not supported")
                if verb not in ("GET", "POST"):
                    raise A2AError(-32601, "method not found")
                raise A2AError(-32001, "task not found", taskId=tid)
            else:
                raise A2AError(-32601, f"no such route: {verb} {sub[:80]}")
            return self.send_json(200, result, ctype=out_ct, headers={"A2A-Version": "1.0"})
        except A2AError as e:
            status, body = e.rest()
            return self.send_json(status, body, ctype=out_ct)
        except AuthFailure as e:
            return self.auth_error(e, "dealer-a2a")

    # -- MCP Streamable HTTP
    def handle_mcp(self, verb):
        raw = self.read_body() if verb == "POST" else b""
        rm = f"http://127.0.0.1:{CFG.port}/.well-known/oauth-protected-resource/mcp"
        origin = self.headers.get("Origin")
        if origin is not None:
            host = urllib.parse.urlsplit(origin).hostname
            if host not in ("127.0.0.1", "localhost", "::1"):
                return self.send_json(403, rpc_err(None, -32600, "Origin not allowed"))
        try:
            principal = authenticate(self.headers)
        except AuthFailure as e:
            return self.auth_error(e, "dealer-mcp", rm)
        sid = self.headers.get("MCP-Session-Id")
        if verb == "GET":
            return self.send_json(405, rpc_err(None, -32600, "this server offers no standalone SSE stream"),
                                  headers={"Allow": "POST, DELETE"})
        if verb == "DELETE":
            if not sid:
                return self.send_json(400, rpc_err(None, -32600, "MCP-Session-Id header required"))
            with _sessions_lock:
                s = _sessions.get(sid)
                if s is None or s["agent"] != principal["agent"]:
                    return self.send_json(404, rpc_err(None, -32600, "unknown session"))
                del _sessions[sid]
            return self.send(204)
        if verb != "POST":
            return self.send_json(405, rpc_err(None, -32600, "method not allowed"),
                                  headers={"Allow": "POST, DELETE"})
        accept = media_types(self.headers.get("Accept"))
        json_ok = not accept or any(a in ("application/json", "application/*", "*/*") for a in accept)
        sse_ok = any(a in ("text/event-stream", "text/*", "*/*") for a in accept)
        if not json_ok and not sse_ok:
            return self.send_json(406, rpc_err(None, -32600,
                                               "Accept must allow application/json or text/event-stream"))
        ctypes = media_types(self.headers.get("Content-Type"))
        if ctypes and ctypes[0] != "application/json":
            return self.send_json(415, rpc_err(None, -32600, "Content-Type must be application/json"))
        try:
            msg = parse_json(raw)
        except (ValueError, RecursionError):
            return self.send_json(400, rpc_err(None, -32700, "Parse error"))
        if isinstance(msg, list):
            return self.send_json(400, rpc_err(None, -32600, "JSON-RPC batches are not supported"))
        if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
            return self.send_json(400, rpc_err(None, -32600, "Invalid Request"))
        has_id = "id" in msg
        mid = msg.get("id")
        if has_id and (isinstance(mid, bool) or not isinstance(mid, (str, int, float))):
            return self.send_json(400, rpc_err(None, -32600, "id must be a string or number"))
        is_request = has_id and "method" in msg
        is_notification = not has_id and "method" in msg
        is_response = has_id and "method" not in msg and ("result" in msg or "error" in msg)
        if not (is_request or is_notification or is_response) or \
                ("method" in msg and not isinstance(msg["method"], str)):
            return self.send_json(400, rpc_err(mid if has_id else None, -32600, "Invalid Request"))
        if is_request and msg["method"] == "initialize":
            resp, new_sid = mcp_initialize(principal, msg)
            return self.mcp_reply(resp, json_ok, {"MCP-Session-Id": new_sid} if new_sid else {})
        if not sid:
            return self.send_json(400, rpc_err(mid if has_id else None, -32600,
                                               "MCP-Session-Id header required (initialize first)"))
        with _sessions_lock:
            session = _sessions.get(sid)
        if session is None or session["agent"] != principal["agent"]:
            return self.send_json(404, rpc_err(mid if has_id else None, -32600, "unknown or expired session"))
        pv = self.headers.get("MCP-Protocol-Version")
        if pv is not None and (pv not in MCP_VERSIONS or pv != session["version"]):
            return self.send_json(400, rpc_err(mid if has_id else None, -32600,
                                               f"unsupported MCP-Protocol-Version (negotiated {session['version']})"))
        if not is_request:
            if is_notification and msg["method"] == "notifications/initialized":
                session["initialized"] = True
            return self.send(202)
        try:
            resp = mcp_dispatch(principal, session, msg)
        except AuthFailure as e:
            return self.auth_error(e, "dealer-mcp", rm)
        return self.mcp_reply(resp, json_ok)

    def mcp_reply(self, resp, json_ok, headers=None):
        if json_ok:
            return self.send_json(200, resp, headers=headers)
        body = b"id: " + uuid.uuid4().hex.encode() + b"\nevent: message\ndata: " + dumps(resp) + b"\n\n"
        return self.send(200, body, "text/event-stream", headers)


# --------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--smtp", required=True, help="HOST:PORT of the plain SMTP relay")
    ap.add_argument("--crm-url", default="", help="DriveCentric base URL; empty disables the CRM sink")
    ap.add_argument("--crm-token", default="")
    ap.add_argument("--store-id", default="")
    ap.add_argument("--db", required=True)
    a = ap.parse_args(argv)
    host, sep, port = a.smtp.rpartition(":")
    if not sep or not port.isdigit():
        ap.error("--smtp must be HOST:PORT")
    CFG.port, CFG.smtp_host, CFG.smtp_port = a.port, host.strip("[]") or "127.0.0.1", int(port)
    CFG.crm_url, CFG.crm_token, CFG.store_id = a.crm_url.strip(), a.crm_token, a.store_id
    if CFG.crm_url and not CFG.store_id:
        ap.error("--store-id is required when --crm-url is set")
    global DB
    DB = Store(a.db)
    load_principals()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    log("server.start", port=a.port, smtp=a.smtp, crm="enabled" if CFG.crm_url else "disabled",
        agents=len(PRINCIPALS))
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
