"""cdp.yml's rules as small raw tables, replaced on every landing run, so dbt applies
exactly what the config says: identifier types and limits, blocked values and
patterns, overrides, caps, survivorship rules per trait, and compiled segments and
computed traits."""

from __future__ import annotations

from collections.abc import Iterator

import dlt

from core.config import CdpConfig, IdentityConfig


def identity_rules(identity: IdentityConfig):
    """cdp.yml's identity rules as small tables, so dbt applies exactly what the config says."""

    @dlt.resource(
        name="identifier_types",
        write_disposition="replace",
        primary_key="identifier_type",
        # declared so the columns exist even when no type sets them
        columns={
            "max_per_profile": {"data_type": "bigint"},
            "shared_limit": {"data_type": "bigint"},
            "weak": {"data_type": "bool"},
            "normalize": {"data_type": "text"},
        },
    )
    def identifier_types() -> Iterator[dict]:
        for id_type, rule in identity.identifier_types.items():
            yield {
                "identifier_type": id_type,
                "priority": rule.priority,
                "max_per_profile": rule.max_per_profile,
                # how many distinct values of this type one other identifier may sit beside before it counts as shared
                "shared_limit": identity.shared_identifier_limits.get(id_type),
                "weak": rule.weak,
                # how landing normalises its values: dbt corrects misspelt mail domains of `email` ones
                "normalize": rule.normalize,
            }

    @dlt.resource(name="identity_blocklist", write_disposition="replace")
    def identity_blocklist() -> Iterator[dict]:
        # dlt infers column types from data; one typed row keeps the table's shape when lists are empty.
        yield {"kind": "value", "value": "", "note": "placeholder: the empty string is never an identifier"}
        for value in identity.blocked_values:
            yield {"kind": "value", "value": value.strip().lower(), "note": "cdp.yml identity.blocked_values"}
        for pattern in identity.blocked_patterns:
            yield {"kind": "pattern", "value": pattern, "note": "cdp.yml identity.blocked_patterns"}

    @dlt.resource(name="identity_overrides", write_disposition="replace")
    def identity_overrides() -> Iterator[dict]:
        # a typed placeholder keeps the table (and replaces old overrides) when the list is empty
        yield {"action": "none", "type_a": "", "value_a": "", "type_b": "", "value_b": "", "note": "placeholder"}
        for action, type_a, value_a, type_b, value_b, note in identity.normalized_overrides():
            yield {"action": action, "type_a": type_a, "value_a": value_a, "type_b": type_b, "value_b": value_b, "note": note}

    @dlt.resource(name="identity_caps", write_disposition="replace")
    def identity_caps() -> Iterator[dict]:
        yield {
            "max_identifiers_per_profile": identity.max_identifiers_per_profile,
            "max_merges_per_profile": identity.max_merges_per_profile,
        }

    return [identifier_types, identity_blocklist, identity_overrides, identity_caps]


def trait_rules(config: CdpConfig):
    """cdp.yml's survivorship rules, one row per trait (and per ranked source)."""

    @dlt.resource(
        name="trait_rules",
        write_disposition="replace",
        columns={"trait": {"data_type": "text"}, "rule": {"data_type": "text"},
                 "source": {"data_type": "text"}, "source_rank": {"data_type": "bigint"}},
    )
    def trait_rule_rows() -> Iterator[dict]:
        for trait, rule in config.traits.items():
            if rule.sources:
                for rank, source in enumerate(rule.sources, start=1):
                    yield {"trait": trait, "rule": rule.rule, "source": source, "source_rank": rank}
            else:
                yield {"trait": trait, "rule": rule.rule, "source": None, "source_rank": None}

    return trait_rule_rows


def segment_definitions(config: CdpConfig):
    """cdp.yml's segments, compiled to SQL predicates over cdp.profiles, for dbt to evaluate."""

    @dlt.resource(
        name="segment_definitions",
        write_disposition="replace",
        columns={"name": {"data_type": "text"}, "description": {"data_type": "text"}, "predicate": {"data_type": "text"}},
    )
    def segment_rows() -> Iterator[dict]:
        for name, segment in config.segments.items():
            yield {"name": name, "description": segment.description, "predicate": config.segment_predicate(name)}

    return segment_rows


def computed_trait_definitions(config: CdpConfig):
    """cdp.yml's computed traits and its sources' traits, compiled to SQL (core/computed_traits.py), for dbt to run."""

    @dlt.resource(
        name="computed_trait_definitions",
        write_disposition="replace",
        columns={"name": {"data_type": "text"}, "description": {"data_type": "text"}, "data_type": {"data_type": "text"},
                 "empty_value": {"data_type": "text"}, "sql": {"data_type": "text"}},
    )
    def computed_trait_rows() -> Iterator[dict]:
        for name, trait in config.trait_columns().items():
            computed = config.computed_traits.get(name)
            description = computed.description if computed else "a trait of the sources (cdp.profile_traits)"
            yield {"name": name, "description": description, "data_type": trait.data_type,
                   "empty_value": trait.empty_value, "sql": trait.sql}

    return computed_trait_rows


def account_definitions(config: CdpConfig):
    """cdp.yml's accounts: the sources whose column names a person's account, the account
    computed traits and the account segments, each compiled to SQL (core/accounts.py)."""

    @dlt.resource(
        name="account_member_sources",
        write_disposition="replace",
        columns={"source": {"data_type": "text"}, "sql": {"data_type": "text"}},
    )
    def member_source_rows() -> Iterator[dict]:
        # a typed placeholder keeps the table (and replaces old sources) when none is declared
        yield {"source": None, "sql": None}
        for source, sql in config.account_member_sources().items():
            yield {"source": source, "sql": sql}

    @dlt.resource(
        name="account_segment_definitions",
        write_disposition="replace",
        columns={"name": {"data_type": "text"}, "description": {"data_type": "text"}, "predicate": {"data_type": "text"}},
    )
    def account_segment_rows() -> Iterator[dict]:
        yield {"name": None, "description": None, "predicate": None}
        for name, segment in config.accounts.segments.items():
            yield {"name": name, "description": segment.description, "predicate": config.account_segment_predicate(name)}

    @dlt.resource(
        name="account_trait_definitions",
        write_disposition="replace",
        columns={"name": {"data_type": "text"}, "description": {"data_type": "text"}, "data_type": {"data_type": "text"},
                 "empty_value": {"data_type": "text"}, "sql": {"data_type": "text"}},
    )
    def account_trait_rows() -> Iterator[dict]:
        yield {"name": None, "description": None, "data_type": None, "empty_value": None, "sql": None}
        for name, trait in config.account_traits().items():
            yield {"name": name, "description": config.accounts.computed_traits[name].description,
                   "data_type": trait.data_type, "empty_value": trait.empty_value, "sql": trait.sql}

    return [member_source_rows, account_trait_rows, account_segment_rows]


def consent_statements(config: CdpConfig):
    """cdp.yml's consent purposes, each statement compiled to SQL (core/consent.py); a
    purpose with no statement is one row without SQL, so it is still listed."""

    @dlt.resource(
        name="consent_statements",
        write_disposition="replace",
        columns={"purpose": {"data_type": "text"}, "statement_index": {"data_type": "bigint"},
                 "source": {"data_type": "text"}, "columns": {"data_type": "text"}, "sql": {"data_type": "text"}},
    )
    def consent_statement_rows() -> Iterator[dict]:
        # a typed placeholder keeps the table (and replaces old purposes) when none is declared
        yield {"purpose": None, "statement_index": None, "source": None, "columns": None, "sql": None}
        compiled = config.compiled_consent()
        for purpose in config.consent.purposes:
            stated = [s for s in compiled if s.purpose == purpose]
            if not stated:
                yield {"purpose": purpose, "statement_index": None, "source": None, "columns": None, "sql": None}
            for statement in stated:
                yield {"purpose": purpose, "statement_index": statement.index, "source": statement.source,
                       "columns": ",".join(statement.columns), "sql": statement.sql}

    return consent_statement_rows
