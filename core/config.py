"""`cdp.yml`: the one configuration file, validated on load.

Every section is a pydantic model with `extra="forbid"`, so a misspelt key is an error
that names it instead of a setting silently ignored.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal, get_origin

import duckdb
import phonenumbers
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.accounts import compile_account_trait, compile_account_where, compile_member_source
from core.computed_traits import (AGGREGATES, CALL_TYPES, COLUMN_PATTERN, SEGMENT_TYPES, CompiledTrait, RecordsShape,
                                  compile_performed, compile_source_trait, compile_trait)
from core.consent import CompiledStatement, ConsentConfig, compile_statement
from core.marts import account_columns, profile_columns, profile_trait_columns, row_columns
from core.normalize import correct_email_domain, normalize
from core.segment_compiler import Performed, SegmentError, compile_where, sql_segment_names
from core.sql import NAME_PATTERN

ColumnType = Literal["string", "integer", "double", "boolean", "timestamp"]
SourceFormat = Literal["segment", "csv", "jsonl", "parquet", "rest_api"]


class ConfigError(ValueError):
    """A cdp.yml problem, worded for the person who edits the file."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_empty_list_or_mapping_is_none(cls, data: object) -> object:
        # YAML reads a key with nothing after it (`blocked_patterns:` with every line
        # commented out) as null: for a list or mapping that means none, not an error
        if not isinstance(data, dict):
            return data
        empty = {list: list, dict: dict}
        return {
            key: empty[get_origin(cls.model_fields[key].annotation)]()
            if value is None and key in cls.model_fields and get_origin(cls.model_fields[key].annotation) in empty
            else value
            for key, value in data.items()
        }


class ApiConfig(_Strict):
    """A JSON REST API read with dlt's rest_api source. Secrets never live in cdp.yml:
    the token comes from the environment variable `token_env` names."""

    base_url: str | None = None
    base_url_env: str | None = Field(default=None, description="environment variable holding the base URL")
    token_env: str | None = Field(default=None, description="environment variable holding a bearer token")
    path: str
    data_selector: str | None = Field(default=None, description="JSONPath of the records in a response")
    next_url_path: str | None = Field(default="next", description="JSONPath of the next page's URL; null: one page")
    cursor_field: str | None = Field(default=None, description="record field the incremental cursor follows")
    cursor_param: str | None = Field(default=None, description="query parameter that sends the last cursor value")
    initial_cursor: str | None = None

    @model_validator(mode="after")
    def _one_base_url_and_a_whole_cursor(self) -> ApiConfig:
        if (self.base_url is None) == (self.base_url_env is None):
            raise ValueError("give exactly one of base_url and base_url_env")
        if (self.cursor_field is None) != (self.cursor_param is None):
            raise ValueError("cursor_field and cursor_param go together")
        return self


class SourceConfig(_Strict):
    description: str = ""
    files: str | None = Field(default=None, description="Glob under the landing folder; `.gz` files match too.")
    api: ApiConfig | None = None
    format: SourceFormat
    primary_key: str | None = None
    timestamp: str | None = None
    identifiers: dict[str, str] = Field(default_factory=dict, description="column -> identifier type")
    traits: list[str] = Field(default_factory=list)
    columns: dict[str, ColumnType] = Field(default_factory=dict, description="typed columns; others stay text")
    required: list[str] = Field(default_factory=list)
    freshness_hours: float = Field(default=36, gt=0, description="warn when nothing new landed for this long")
    encoding: str = Field(default="utf-8", description="text encoding of the files (latin-1, cp1252, ...)")
    delimiter: str | None = Field(default=None, min_length=1, max_length=1,
                                  description="CSV field separator; found from the header when not given")

    @model_validator(mode="after")
    def _segment_sources_are_self_describing(self) -> SourceConfig:
        if self.format == "segment" and (self.identifiers or self.primary_key or self.columns):
            raise ValueError(
                "a segment-format source takes its identifiers, key and types from the Segment spec; "
                "remove identifiers/primary_key/columns"
            )
        if self.format != "segment" and self.primary_key is None and not self.identifiers:
            raise ValueError("give a primary_key or at least one identifier column")
        if (self.format == "rest_api") != (self.api is not None):
            raise ValueError("format rest_api and an api section go together")
        if (self.format == "rest_api") == (self.files is not None):
            raise ValueError("a file source needs files (a glob); a rest_api source takes none")
        if self.delimiter is not None and self.format != "csv":
            raise ValueError("delimiter is for format csv")
        _check_encoding(self.encoding, self.format)
        return self

    def typed_columns(self) -> dict[str, ColumnType]:
        """Every column the source declares, with the type it must cast to."""
        declared: dict[str, ColumnType] = {c: "string" for c in [*self.identifiers, *self.traits, *self.required]}
        if self.primary_key:
            declared[self.primary_key] = "string"
        declared.update(self.columns)
        if self.timestamp:
            declared[self.timestamp] = "timestamp"
        return declared


def _check_encoding(encoding: str, file_format: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ValueError(f"encoding {encoding!r} is not a text encoding Python knows (utf-8, latin-1, cp1252, ...)") from None
    # JSON Lines are split on newline bytes before decoding
    sample = '\n{}":,\\ azAZ09'
    if file_format != "csv" and sample.encode(encoding, errors="replace") != sample.encode("ascii"):
        raise ValueError(f"encoding {encoding!r}: {file_format} files need an encoding that keeps ASCII as is (not UTF-16)")


class IdentifierTypeConfig(_Strict):
    priority: int = Field(ge=1, description="1 is the strongest identifier")
    max_per_profile: int | None = Field(default=None, ge=1)
    normalize: Literal["email", "phone", "id"] = "id"
    weak: bool = Field(
        default=False, description="joins groups of identifiers only when each has a full name and the names agree"
    )


class OverrideConfig(_Strict):
    """A reviewed decision about two identifiers, each written `type:value`."""

    action: Literal["merge", "split"]
    a: str
    b: str
    note: str = ""


class IdentityConfig(_Strict):
    identifier_types: dict[str, IdentifierTypeConfig]
    max_identifiers_per_profile: int = Field(default=1000, ge=2, description="a bigger profile is flagged")
    max_merges_per_profile: int = Field(default=100, ge=1, description="a profile merged more often is flagged")
    overrides: list[OverrideConfig] = Field(
        default_factory=list, description="pairs forced into one profile (merge) or kept apart (split)"
    )
    blocked_values: list[str] = Field(default_factory=list)
    blocked_patterns: list[str] = Field(default_factory=list)
    default_phone_region: str = "US"
    shared_identifier_limits: dict[str, int] = Field(
        default_factory=lambda: {"user_id": 1, "email": 2},
        description="an identifier seen beside more distinct values of a type than its limit is shared, not a link",
    )

    def normalized_overrides(self) -> list[tuple[str, str, str, str, str, str]]:
        """(action, type_a, value_a, type_b, value_b, note), values normalised as landing does."""
        return [(o.action, *self._identifier(o.a), *self._identifier(o.b), o.note) for o in self.overrides]

    def normalize_identifier(self, id_type: str, raw: str) -> tuple[str | None, str | None]:
        """A value of a declared type as the identity graph holds it (as landing stores it,
        a misspelt mail domain corrected), or None with the reason."""
        kind = self.identifier_types[id_type].normalize
        value, problem = normalize(kind, raw, self.default_phone_region)
        return (correct_email_domain(value) if value is not None and kind == "email" else value), problem

    def _identifier(self, written: str) -> tuple[str, str]:
        id_type, _, raw = written.partition(":")
        if id_type not in self.identifier_types or not raw:
            known = ", ".join(sorted(self.identifier_types))
            raise ValueError(f"identity.overrides: {written!r} is not `type:value` with a known type ({known})")
        value, problem = self.normalize_identifier(id_type, raw)
        if value is None:
            raise ValueError(f"identity.overrides: {written!r}: {problem}")
        return id_type, value

    @model_validator(mode="after")
    def _overrides_name_identifiers(self) -> IdentityConfig:
        for action, type_a, value_a, type_b, value_b, _ in self.normalized_overrides():
            if (type_a, value_a) == (type_b, value_b):
                raise ValueError(f"identity.overrides: {action} of {type_a}:{value_a} with itself")
        return self

    @field_validator("blocked_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        # compiled by the engine that runs them (DuckDB's RE2, in the identity models):
        # Python's re accepts look-arounds and back-references that RE2 rejects mid-run
        with duckdb.connect() as con:
            for pattern in patterns:
                try:
                    con.sql("select regexp_matches('', $pattern)", params={"pattern": pattern}).fetchall()
                except duckdb.Error as exc:
                    message = str(exc).removeprefix("Invalid Input Error: ")
                    raise ValueError(f"blocked pattern {pattern!r} is not a regular expression DuckDB can run: {message}") from exc
        return patterns

    @field_validator("default_phone_region")
    @classmethod
    def _region_is_known(cls, region: str) -> str:
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{region!r} is not a phone region code such as 'US' or 'GB'")
        return region


class TraitRule(_Strict):
    """Which value of a trait becomes the profile's (survivorship)."""

    rule: Literal["most_recent", "most_frequent", "first_seen", "source_priority"] = "most_recent"
    sources: list[str] = Field(default_factory=list, description="for source_priority: best source first")

    @model_validator(mode="after")
    def _priority_needs_sources(self) -> TraitRule:
        if (self.rule == "source_priority") != bool(self.sources):
            raise ValueError("sources go with rule source_priority, and it needs them")
        return self


class SegmentConfig(_Strict):
    description: str
    where: dict = Field(description="a condition tree: {all: [...]}, {any: [...]}, {not: ...} or {trait, op, value}")

    def predicate(self, name: str, computed: dict[str, str] | None = None, performed: Performed | None = None,
                  purposes: Collection[str] = (), account_segments: Collection[str] = ()) -> str:
        """SQL over cdp.profiles and the computed traits (`computed`: name -> type), with
        conditions on behaviour compiled by `performed`, on consent to `purposes` and on
        membership of an account in one of the `account_segments`."""
        return compile_where(self.where, f"segments.{name}.where", computed, performed, purposes, account_segments)


class ComputedTraitConfig(_Strict):
    """An aggregate over a person's records of one source: cdp.profile_computed_traits."""

    description: str = ""
    source: str = Field(description="a source in sources; a segment-format one reads its events")
    event: str | None = Field(default=None, description="segment sources: the event name (track calls' `event`)")
    type: Literal[CALL_TYPES] | None = Field(
        default=None, description="segment sources: the call type")
    where: dict[str, Any] = Field(default_factory=dict, description="column or event property -> value or list of values")
    within_last_days: int | None = Field(default=None, ge=1, description="only records of the last n days (run's clock)")
    aggregate: Literal[AGGREGATES]  # type: ignore[valid-type]
    of: str | None = Field(default=None, description="the column or event property the aggregate reads")


class AccountSegmentConfig(_Strict):
    description: str
    where: dict = Field(description="a condition tree over cdp.accounts columns and {members: {where, at_least}}")


class AccountTraitConfig(_Strict):
    """An aggregate over an account's members: cdp.account_computed_traits."""

    description: str = ""
    aggregate: Literal["count", "sum", "avg", "min", "max"]
    of: str | None = Field(default=None, description="the cdp.profiles column aggregated (none for count)")
    where: dict | None = Field(default=None, description="only the members meeting this profile condition")


class AccountsConfig(_Strict):
    """Accounts (cdp.accounts): Segment's group calls make them; `members_from` declares
    a source's column that names each record's account too."""

    members_from: dict[str, str] = Field(default_factory=dict, description="source -> the column naming the account")
    computed_traits: dict[str, AccountTraitConfig] = Field(default_factory=dict)
    segments: dict[str, AccountSegmentConfig] = Field(default_factory=dict)


class DestinationConfig(_Strict):
    """Where an audience goes. Each run sends only the rows that were added, updated or
    removed since the last successful send to this destination."""

    description: str = ""
    type: Literal["csv", "parquet", "http"]
    rows: Literal["segment_members", "crm_contacts"] = Field(
        default="segment_members",
        description="segment_members: one row per member of `segments`; crm_contacts: cdp.crm_sync_back",
    )
    segments: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list, description="columns sent with each row")
    hash: list[str] = Field(default_factory=list, description="fields sent as SHA-256 hex, named <field>_sha256")
    consent: str | None = Field(default=None, description="a boolean column (email_consent) that must be true")
    purpose: str | None = Field(default=None, description="a consent purpose of cdp.yml: only profiles that granted it are sent")
    platform: Literal["meta", "google"] | None = Field(
        default=None, description="an ad platform: email and phone sent hashed as it normalises them (activation/ad_platforms.py)")
    url_env: str | None = Field(default=None, description="http: environment variable holding the endpoint URL")
    token_env: str | None = Field(default=None, description="http: environment variable holding a bearer token")
    batch_size: int = Field(default=500, ge=1, le=10_000)

    @model_validator(mode="after")
    def _shape_fits_type(self) -> DestinationConfig:
        if (self.type == "http") != (self.url_env is not None):
            raise ValueError("type http and url_env go together")
        if self.token_env and self.type != "http":
            raise ValueError("token_env is for type http")
        if (self.rows == "segment_members") != bool(self.segments):
            raise ValueError("rows segment_members needs segments; rows crm_contacts takes none")
        for field in self.hash:
            if field not in self.fields:
                raise ValueError(f"hash: {field!r} is not in fields")
        if self.platform and not {"email", "phone"} & set(self.fields):
            raise ValueError(f"platform {self.platform} matches people on email and phone: put one of them in fields")
        return self


class ServerConfig(_Strict):
    """`cdp serve`: Segment's limits, how the collector's files roll, how the profile API reads."""

    source: str = Field(default="events", description="the segment-format source whose folder the collector writes to")
    max_message_kb: int = Field(default=32, ge=1, le=1024, description="Segment's limit for one message")
    max_batch_kb: int = Field(default=500, ge=1, le=16384, description="Segment's limit for one request")
    roll_mb: float = Field(default=64, gt=0, description="a file is closed when it reaches this size")
    roll_seconds: float = Field(default=60, gt=0, description="or when it has been open this long")
    snapshot_check_seconds: float = Field(default=2, gt=0, description="how often the profile API looks for a new snapshot")

    @model_validator(mode="after")
    def _a_message_fits_a_batch(self) -> ServerConfig:
        if self.max_message_kb > self.max_batch_kb:
            raise ValueError("max_message_kb cannot exceed max_batch_kb")
        return self


class CdpConfig(_Strict):
    # Which engine builds (docs/spark.md); core/settings.py reads it before this file is
    # parsed, and CDP_ENGINE overrides it. Declared here so the key is known and checked.
    engine: Literal["duckdb", "spark"] | None = None
    sources: dict[str, SourceConfig]

    @field_validator("engine", mode="before")
    @classmethod
    def _engine_as_settings_read_it(cls, value: object) -> object:
        # `Spark` as CDP_ENGINE=Spark is: core/settings.py strips and lower-cases it too
        return value.strip().lower() if isinstance(value, str) else value
    identity: IdentityConfig
    segments: dict[str, SegmentConfig] = Field(default_factory=dict)
    computed_traits: dict[str, ComputedTraitConfig] = Field(default_factory=dict)
    traits: dict[str, TraitRule] = Field(default_factory=dict, description="survivorship per trait; default most_recent")
    destinations: dict[str, DestinationConfig] = Field(default_factory=dict)
    consent: ConsentConfig = Field(default_factory=ConsentConfig)
    accounts: AccountsConfig = Field(default_factory=AccountsConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)

    def compiled_traits(self) -> dict[str, CompiledTrait]:
        """Each computed trait's SQL and type (core/computed_traits.py)."""
        compiled = {}
        for name, trait in self.computed_traits.items():
            shape = self._records_shape(trait.source, f"computed_traits.{name}")
            if not shape.is_events and (trait.event or trait.type):
                raise SegmentError(f"computed_traits.{name}: event and type are for a segment-format source")
            compiled[name] = compile_trait(name, trait, shape)
        return compiled

    def source_traits(self) -> dict[str, str]:
        """Each trait the sources declare that cdp.profiles has no column for -> its type
        (cdp.yml's names: text unless the source types it under `columns`)."""
        return {trait: source.typed_columns()[trait] for source in self.sources.values() for trait in source.traits
                if trait not in profile_trait_columns()}

    def trait_columns(self) -> dict[str, CompiledTrait]:
        """The columns of cdp.profile_computed_traits: each source trait and computed trait."""
        return {**{name: compile_source_trait(name, data_type) for name, data_type in self.source_traits().items()},
                **self.compiled_traits()}

    def compiled_consent(self) -> list[CompiledStatement]:
        """Each consent statement's SQL, purpose by purpose (core/consent.py)."""
        return [compile_statement(purpose, index, statement,
                                  self._records_shape(statement.source, f"consent.purposes.{purpose}.statements[{index}]"))
                for purpose, declared in self.consent.purposes.items()
                for index, statement in enumerate(declared.statements)]

    def _records_shape(self, name: str, where: str) -> RecordsShape:
        if name not in self.sources:
            raise SegmentError(f"{where}.source: unknown source {name!r}")
        source = self.sources[name]
        return RecordsShape.of_source(name, source.typed_columns(), source.format == "segment", source.timestamp)

    def _performed(self, node: object, where: str) -> str:
        """A segment's {performed: ...}: over `source` (default: the events source)."""
        name = node.get("source", "events") if isinstance(node, dict) else "events"
        return compile_performed(node, self._records_shape(name, where), where)

    def computed_trait_types(self) -> dict[str, str]:
        """Source or computed trait -> its type as segment conditions compare it (a cdp.profiles type)."""
        return {name: SEGMENT_TYPES[trait.data_type] for name, trait in self.trait_columns().items()}

    def segment_predicate(self, name: str) -> str:
        return self.segments[name].predicate(name, self.computed_trait_types(), self._performed, self.consent.purposes,
                                             self.accounts.segments)

    def account_member_sources(self) -> dict[str, str]:
        """Source -> the SQL of the members its declared column names (core/accounts.py)."""
        for name in self.accounts.members_from:
            if name not in self.sources:
                raise SegmentError(f"accounts.members_from.{name}: unknown source {name!r}")
        return {name: compile_member_source(self._records_shape(name, f"accounts.members_from.{name}"), column,
                                            f"accounts.members_from.{name}")
                for name, column in self.accounts.members_from.items()}

    def _member_where(self, node: object, where: str) -> str:
        """A profile condition on an account's members (as a profile segment's, but no account segment)."""
        return compile_where(node, where, self.computed_trait_types(), self._performed, self.consent.purposes,
                             account_segments=None)

    def account_traits(self) -> dict[str, CompiledTrait]:
        """Each account computed trait's SQL and type (core/accounts.py)."""
        return {name: compile_account_trait(trait, f"accounts.computed_traits.{name}", self._member_where)
                for name, trait in self.accounts.computed_traits.items()}

    def account_segment_predicate(self, name: str) -> str:
        """SQL over cdp.accounts and its computed traits; members' conditions compile as a profile segment's do."""
        traits = {name: SEGMENT_TYPES[trait.data_type] for name, trait in self.account_traits().items()}
        return compile_account_where(self.accounts.segments[name].where, f"accounts.segments.{name}.where",
                                     self._member_where, traits)

    def environment_variables(self) -> set[str]:
        """The variables this config names for URLs and tokens."""
        named = {s.api.base_url_env for s in self.sources.values() if s.api} | {s.api.token_env for s in self.sources.values() if s.api}
        named |= {d.url_env for d in self.destinations.values()} | {d.token_env for d in self.destinations.values()}
        return {name for name in named if name}

    @model_validator(mode="after")
    def _names_and_types_agree(self) -> CdpConfig:
        for name, source in self.sources.items():
            if not NAME_PATTERN.match(name):
                raise ValueError(f"source name {name!r} must be lowercase letters, digits and underscores")
            for column, id_type in source.identifiers.items():
                if id_type not in self.identity.identifier_types:
                    known = ", ".join(sorted(self.identity.identifier_types))
                    raise ValueError(
                        f"sources.{name}.identifiers.{column}: unknown identifier type {id_type!r} (known: {known})"
                    )
        for id_type, limit in self.identity.shared_identifier_limits.items():
            if id_type not in self.identity.identifier_types or limit < 1:
                raise ValueError(f"identity.shared_identifier_limits.{id_type}: needs a known identifier type and a limit >= 1")
        for trait, rule in self.traits.items():
            for source in rule.sources:
                if source not in self.sources:
                    raise ValueError(f"traits.{trait}.sources: unknown source {source!r}")
        profile = profile_columns()
        for name, trait in self.computed_traits.items():
            if not NAME_PATTERN.match(name) or "__" in name:
                raise ValueError(f"computed trait name {name!r} must be lowercase letters, digits and single underscores")
            if name in profile:
                raise ValueError(f"computed_traits.{name}: cdp.profiles has a column of that name: rename the trait")
            if trait.source not in self.sources:
                raise ValueError(f"computed_traits.{name}.source: unknown source {trait.source!r}")
        self._check_source_traits()
        try:
            computed = self.computed_trait_types()
        except SegmentError as exc:
            raise ValueError(str(exc)) from exc
        sql_segments = sql_segment_names()
        for name in set(self.segments) & set(sql_segments):
            raise ValueError(f"segment {name!r} is both in cdp.yml and a SQL segment model: rename one")
        for name, segment in self.segments.items():
            if not NAME_PATTERN.match(name):
                raise ValueError(f"segment name {name!r} must be lowercase letters, digits and underscores")
            try:
                segment.predicate(name, computed, self._performed, self.consent.purposes, self.accounts.segments)
            except SegmentError as exc:
                raise ValueError(str(exc)) from exc
        self._check_consent()
        self._check_accounts()
        for name, destination in self.destinations.items():
            _check_destination(name, destination, [*self.segments, *sql_segments])
            if destination.purpose is not None and destination.purpose not in self.consent.purposes:
                known = ", ".join(sorted(self.consent.purposes)) or "none declared"
                raise ValueError(f"destinations.{name}.purpose: unknown purpose {destination.purpose!r} "
                                 f"(consent.purposes: {known})")
        for required in ("anonymous_id", "user_id", "email", "phone"):
            if required not in self.identity.identifier_types:
                raise ValueError(f"identity.identifier_types must declare {required!r}")
        return self

    def _check_source_traits(self) -> None:
        """A source's trait is a column by its own name (cdp.profile_computed_traits), unless
        cdp.profiles holds it already (first_name): so it must not take another column's name."""
        profile, seen = profile_columns(), {}
        for name, source in self.sources.items():
            typed = source.typed_columns()
            for trait in source.traits:
                where = f"sources.{name}.traits: {trait!r}"
                if trait in profile_trait_columns():
                    continue
                if trait.lower() in profile:
                    raise ValueError(f"{where} is the name of a cdp.profiles column, which segments read by that name: "
                                     "rename the column where it lands")
                if not COLUMN_PATTERN.match(trait):
                    raise ValueError(f"{where} becomes a profile column: name it with letters, digits and single underscores")
                if trait.lower() in {t.lower() for t in self.computed_traits}:
                    raise ValueError(f"{where} is also a computed trait, and both would be its column: rename the computed trait")
                earlier = seen.setdefault(trait.lower(), (trait, typed[trait], name))
                if earlier[0] != trait:
                    raise ValueError(f"{where} and {earlier[0]!r} (sources.{earlier[2]}) would be one column: spell them alike")
                if earlier[1] != typed[trait]:
                    raise ValueError(f"{where} is {typed[trait]} here but {earlier[1]} in sources.{earlier[2]}: "
                                     "declare one type for it under columns")

    def _check_accounts(self) -> None:
        for name in self.accounts.segments:
            if not NAME_PATTERN.match(name):
                raise ValueError(f"account segment name {name!r} must be lowercase letters, digits and underscores")
        for name in self.accounts.computed_traits:
            if not NAME_PATTERN.match(name) or "__" in name:
                raise ValueError(f"account computed trait name {name!r} must be lowercase letters, digits and single underscores")
            if name in account_columns():
                raise ValueError(f"accounts.computed_traits.{name}: cdp.accounts has a column of that name: rename the trait")
        try:
            self.account_traits()
            self.account_member_sources()
            for name in self.accounts.segments:
                self.account_segment_predicate(name)
        except SegmentError as exc:
            raise ValueError(str(exc)) from exc

    def _check_consent(self) -> None:
        for purpose, declared in self.consent.purposes.items():
            if not NAME_PATTERN.match(purpose):
                raise ValueError(f"consent purpose {purpose!r} must be lowercase letters, digits and underscores")
        try:
            self.compiled_consent()
        except SegmentError as exc:
            raise ValueError(str(exc)) from exc


def _check_destination(name: str, destination: DestinationConfig, segments: list[str]) -> None:
    if not NAME_PATTERN.match(name):
        raise ValueError(f"destination name {name!r} must be lowercase letters, digits and underscores")
    for segment in destination.segments:
        if segment not in segments:
            raise ValueError(f"destinations.{name}.segments: unknown segment {segment!r}")
    columns = row_columns(destination.rows)
    for field in destination.fields:
        if field not in columns:
            raise ValueError(f"destinations.{name}.fields: unknown column {field!r} (known: {', '.join(columns)})")
    for field in destination.hash:
        if columns[field] != "varchar":
            raise ValueError(f"destinations.{name}.hash: {field!r} is not text")
    if destination.consent is not None and columns.get(destination.consent) != "boolean":
        raise ValueError(f"destinations.{name}.consent: {destination.consent!r} is not a boolean column of its rows")


def _describe(error: ValidationError, path: Path) -> str:
    lines = [f"{path}: invalid configuration"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        got = item.get("input")
        suffix = f" (got {got!r})" if item["type"] not in ("extra_forbidden", "missing") and not isinstance(got, dict) else ""
        lines.append(f"  {where}: {message}{suffix}")
    return "\n".join(lines)


def parse_config(text: str, path: Path = Path("cdp.yml")) -> CdpConfig:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with 'sources' and 'identity'")
    try:
        return CdpConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from exc


def load_config(path: Path) -> CdpConfig:
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found (set CDP_CONFIG to point at your cdp.yml)")
    return parse_config(path.read_text(encoding="utf-8"), path)
