"""The OpenAPI 3.1 document of the public API, generated from the input schemas.

The JSON Schemas come from the same dataclasses the validator parses (`intake.schemas`); rules
that span fields (an address for the chosen channel, the consents a kind needs) are described in
words. Each kind has a complete example request; a test sends every one and expects a case.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

from intake import questions
from intake.fields import ListOf, Nested
from intake.schemas import details_schema, schemas
from yhteys.i18n import use_locale


def _component_name(cls: type) -> str:
    return "CaseCommon" if cls.__name__ == "CaseInput" else cls.__name__


def _ref(cls: type) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{_component_name(cls)}"}


def object_schema(cls: type, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        if f.name in exclude:
            continue
        kind = f.metadata["spec"]
        if isinstance(kind, ListOf):
            schema: dict[str, Any] = {
                "type": "array",
                "items": _ref(kind.item),
                "maxItems": kind.max_items,
            }
            if kind.required:
                schema["minItems"] = 1
        elif isinstance(kind, Nested):
            schema = _ref(kind.item)
        else:
            schema = kind.json_schema()
        if (question := f.metadata.get("question")) is not None:
            schema = {"title": str(question.label), **schema}
        if doc := f.metadata.get("doc"):
            schema = {**schema, "description": doc}
        properties[f.name] = schema
        if getattr(kind, "required", False):
            required.append(f.name)
    result: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    if cls.__doc__ and not cls.__doc__.startswith(cls.__name__ + "("):
        result["description"] = " ".join(cls.__doc__.split())
    return result


REQUEST_NAMES = {
    "family_reunification": "FamilyReunificationRequest",
    "tracing": "TracingRequest",
    "social_services": "SocialServicesRequest",
    "other": "OtherRequest",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "family_reunification": {
        "kind": "family_reunification",
        "language": "so",
        "name": "Hodan",
        "contact_channel": "phone",
        "contact_address": "040 123 4567",
        "may_leave_message": True,
        "contact_windows": [{"day": "tue", "start": "10:00", "end": "14:00"}],
        "backup_channel": "email",
        "backup_address": "hodan@example.org",
        "area": "092",
        "interpreter_needed": True,
        "interpreter_language": "so",
        "message": "I got refugee status in May. My husband and two children are in Nairobi. "
        "How do we apply and what documents do they need?",
        "consents": {"process": True},
        "details": {
            "sponsor_status": "refugee_status",
            "decision_date": "2026-05-12",
            "sponsor_minor": "no",
            "family_before_finland": "yes",
            "members": [
                {"name": "Abdi Warsame", "relationship": "spouse", "birth_date": "1988-02-10",
                 "country": "Kenya"},
                {"name": "Sahra Abdi", "relationship": "child", "birth_date": "2017-06-01",
                 "country": "Kenya"},
                {"name": "Yusuf Abdi", "relationship": "child", "birth_date": "2020-01-15",
                 "country": "Kenya"},
            ],
            "stage": "not_applied",
            "applied_on": None,
            "migri_number": "",
            "negative_decision_date": None,
            "help_wanted": ["how_to_apply", "embassy_visit", "costs"],
        },
    },
    "tracing": {
        "kind": "tracing",
        "language": "ar",
        "name": "Abu Karim",
        "contact_channel": "whatsapp",
        "contact_address": "+358 45 123 4567",
        "may_leave_message": True,
        "contact_windows": [],
        "backup_channel": "",
        "backup_address": "",
        "area": "837",
        "interpreter_needed": True,
        "interpreter_language": "ar",
        "message": "We were separated from my brother at the border in 2015. "
        "He called once from Libya and then nothing.",
        "consents": {"process": True, "search": True, "share_contact": True},
        "details": {
            "persons": [
                {
                    "name": "Karim Haddad",
                    "name_original": "كريم حداد",
                    "other_spellings": "Kareem Hadad",
                    "sex": "male",
                    "birth_date": None,
                    "approximate_age": 34,
                    "relationship": "sibling",
                    "nationality": "Syria",
                    "last_place": "Tripoli, Libya",
                    "last_seen": "2015-08",
                    "last_contact_date": "2016",
                    "last_contact_channel": "phone",
                    "minor_when_separated": "no",
                }
            ],
            "separation": "migration_route",
            "other_organisation": "no",
            "other_organisation_name": "",
        },
    },
    "social_services": {
        "kind": "social_services",
        "language": "en",
        "name": "M.",
        "contact_channel": "sms",
        "contact_address": "+358501234567",
        "may_leave_message": False,
        "contact_windows": [{"day": "weekdays", "start": "16:00", "end": "18:00"}],
        "backup_channel": "",
        "backup_address": "",
        "area": "",
        "interpreter_needed": False,
        "interpreter_language": "",
        "message": "My residence permit ended and I have to leave the reception centre. "
        "Where can I sleep and see a doctor?",
        "consents": {"process": True},
        "details": {
            "topics": ["housing", "health"],
            "municipality": "091",
            "children_with_you": "yes",
            "children_count": 1,
            "no_place_tonight": True,
            "health_emergency": False,
            "in_danger": False,
        },
    },
    "other": {
        "kind": "other",
        "language": "fi",
        "name": "Anonyymi",
        "contact_channel": "none",
        "contact_address": "",
        "may_leave_message": False,
        "contact_windows": [],
        "backup_channel": "",
        "backup_address": "",
        "area": "not_said",
        "interpreter_needed": False,
        "interpreter_language": "",
        "message": "Voiko Punaisen Ristin vastaanottokeskukseen tulla vapaaehtoiseksi?",
        "consents": {"process": True},
        "details": {},
    },
}

RULES = (
    "Rules the schema cannot say: `contact_address` is required unless `contact_channel` is "
    "`none`, and must be an email address or a phone number as the channel needs (phone numbers "
    "are normalised to E.164, Finland assumed when there is no country code); `backup_address` "
    "goes with `backup_channel`; `consents.process` must be true, and for `tracing` also "
    "`consents.search`; an `end` time is later than its `start`; dates are not in the future. "
    "One-line texts may not contain line breaks. Unknown members are refused."
)


def _request_schema(kind: str) -> dict[str, Any]:
    details = details_schema(kind)
    if details is None:  # REQUEST_NAMES and the schemas' kinds disagree: no half a document
        raise LookupError(f"no details schema for the kind {kind!r}")
    return {
        "allOf": [
            {"$ref": "#/components/schemas/CaseCommon"},
            {
                "type": "object",
                "properties": {
                    "kind": {"const": kind},
                    "details": _ref(details),
                },
                "required": ["kind", "details"],
            },
        ],
        "unevaluatedProperties": False,
    }


schemas_of_request = schemas


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for cls in schemas_of_request().values():
        common = cls.__name__ == "CaseInput"
        name = _component_name(cls)
        schemas[name] = object_schema(cls, exclude=("kind",) if common else ())
        if not common:  # the common part leaves the rest to the kind's part
            schemas[name]["additionalProperties"] = False
    for kind, name in REQUEST_NAMES.items():
        schemas[name] = _request_schema(kind)
    schemas["CaseRequest"] = {
        "oneOf": [{"$ref": f"#/components/schemas/{n}"} for n in REQUEST_NAMES.values()],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {k: f"#/components/schemas/{n}" for k, n in REQUEST_NAMES.items()},
        },
        "description": RULES,
    }
    schemas["CaseCreated"] = {
        "type": "object",
        "required": ["reference", "status_url"],
        "properties": {
            "reference": {
                "type": "string",
                "pattern": "^[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}$",
                "examples": ["K7M-4QX-P9T"],
                "description": "To name the case on the phone. Not a secret.",
            },
            "status_url": {
                "type": "string",
                "format": "uri",
                "description": "The person's private status page. A secret: give it to the "
                "person only, never log it.",
            },
        },
    }
    schemas["Problem"] = {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "retry_after": {
                "type": "integer",
                "description": "With 429 and 503: seconds to wait (also in Retry-After).",
            },
            "errors": {
                "type": "object",
                "description": "With 422: field (dotted path, e.g. "
                "`details.members.0.birth_date`) to its errors. Codes are stable; messages follow "
                "Accept-Language.",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        },
    }
    return schemas


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A partner API key, `Authorization: Bearer yk_<id>_<secret>`. Administrators "
    "issue keys (shown once), give them scopes (`cases:create` sends new cases) and a rate "
    "limit, and revoke them. A missing, unknown or revoked key is answered 401 with "
    "`WWW-Authenticate: Bearer`; a key without the scope 403; over its limit 429.",
}


def _security(anonymous: bool) -> list[dict[str, list[str]]]:
    required = [{"partnerKey": ["cases:create"]}]
    return [*required, {}] if anonymous else required  # {}: no key needed


@cache
def document(*, anonymous: bool = False) -> dict[str, Any]:
    """The document; `anonymous` (API_ANONYMOUS) marks the key as optional. Titles are the
    questions' labels in English, whatever the language of the request that first asks."""
    with use_locale("en"):
        return _document(anonymous)


questions.on_change(document.cache_clear)


def _document(anonymous: bool) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Yhteys public API",
            "version": "1.0.0",
            "description": "Send a request to the Red Cross advice for migrants on a person's "
            "behalf (for partner services). The same rules as the web forms apply.",
        },
        "paths": {
            "/api/v1/cases": {
                "post": {
                    "operationId": "createCase",
                    "summary": "Send a request (a new case)",
                    "description": RULES,
                    "security": _security(anonymous),
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": "16-64 characters of A-Z a-z 0-9 - _ (a random UUID). "
                            "Sending the same request again with the same key returns the first "
                            "answer and makes no second case; the same key with a different "
                            "request is refused with 422.",
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
                        },
                        {
                            "name": "Accept-Language",
                            "in": "header",
                            "required": False,
                            "description": "Language of error messages (fi, sv, en).",
                            "schema": {"type": "string"},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/CaseRequest"},
                                "examples": {
                                    kind: {"summary": kind.replace("_", " "), "value": example}
                                    for kind, example in EXAMPLES.items()
                                },
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "The case was made (or had been, for a resent request).",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/CaseCreated"}
                                }
                            },
                        },
                        "400": _problem("Not JSON, or a malformed Idempotency-Key."),
                        "401": {
                            **_problem("No API key, or an unknown or revoked one."),
                            "headers": {
                                "WWW-Authenticate": {
                                    "description": "`Bearer realm=\"yhteys\"`, with "
                                    "`error=\"invalid_token\"` for a key that is not valid.",
                                    "schema": {"type": "string"},
                                }
                            },
                        },
                        "403": _problem("The key lacks the `cases:create` scope."),
                        "413": _problem("The body is too large."),
                        "415": _problem("The body is not application/json."),
                        "422": _problem(
                            "Fields are missing or invalid (see `errors`), or the "
                            "Idempotency-Key was used for another request."
                        ),
                        "429": _problem("Too many requests (per key); see Retry-After."),
                        "503": _problem(
                            "The database is unavailable. Nothing was saved: send the same "
                            "request again (with the same Idempotency-Key) after Retry-After."
                        ),
                    },
                }
            }
        },
        "components": {
            "schemas": _components(),
            "securitySchemes": {"partnerKey": SECURITY_SCHEME},
        },
    }
